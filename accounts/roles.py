"""Where a role with a narrow remit may go at all: deny by default.

Most roles see what region scope (``accounts.scope``) and each app's relations give them, on
every page. A role registered here — the staff of a member unit (成员单位), who push the aid their
department gave and must never browse the need ledger — reaches only the areas that the app
owning the role registers (URL namespaces, or the URL names of a namespace that start alike),
plus the pages every login has (its account, inbox, landing page, the API's ``me`` and
``token`` and its documentation). Anything else answers 404, before
the view runs: a page ``RoleAreasMiddleware`` stops, an API view the permission
``accounts.api.permissions.WithinRoleAreas`` (a token is read by DRF, after the middleware).

Accounts imports no app: the app registers the role's namespaces by name in its
``AppConfig.ready()`` (``register_role_areas("member_unit", {"oversight:aid_", ...})``).
"""

from __future__ import annotations

from typing import Any

from django.urls import ResolverMatch

#: URL names (without namespace) that every login reaches.
EVERY_LOGIN = frozenset(
    {
        "home",
        "dashboard",
        "login",
        "logout",
        "profile",
        "password_change",
        "notification_list",
        "notification_open",
        "notification_read_all",
        "api_me",
        "api_token",
        "schema",
        "swagger-ui",
    }
)

_AREAS: dict[str, frozenset[str]] = {}


def register_role_areas(role: str, areas: set[str] | frozenset[str]) -> None:
    """Restrict ``role`` to these areas (and the pages of every login): a URL namespace
    (``"showcase"``), or a namespace and the start of URL names in it (``"oversight:aid_"``)."""
    _AREAS[role] = frozenset(_AREAS.get(role, frozenset()) | set(areas))


def may_reach(user: Any, match: ResolverMatch | None) -> bool:
    """Whether ``user`` may reach the view of ``match`` by its role's areas; True for the roles
    not registered here, for anonymous users (the view decides) and superusers."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return True
    areas = _AREAS.get(getattr(user, "role", "") or "")
    if areas is None:
        return True
    if match is None:
        return False
    if not match.namespaces:
        return match.url_name in EVERY_LOGIN
    namespace = match.namespaces[0]
    name = f"{namespace}:{match.url_name or ''}"
    return any(area == namespace or (":" in area and name.startswith(area)) for area in areas)
