"""Projects a user may see for reasons that live in the apps above supply.

``Project.objects.visible_to(user)`` shows published listings to everyone logged in, and the
others (drafts, reviews, paused and closed listings) to the organisation and the civil affairs
that keep it. A higher app knows more: matching knows which households applied to which
project, and their social workers must still open a project they applied to once it is paused.
Supply must not import matching (apps import only downwards), so matching registers a grant
here from its ``AppConfig.ready()``, like ``needs.timeline.register_need_action``.

A grant takes the user and returns a queryset of rows with a ``project_id`` column (for
matching: the applications the user may see), or None when it grants nothing. It is used as a
correlated subquery inside the one visibility filter, never evaluated into a Python list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

ProjectGrant = Callable[[Any], "QuerySet[Any] | None"]

_GRANTS: dict[str, ProjectGrant] = {}


def register_project_grant(name: str, grant: ProjectGrant) -> None:
    """Register (or replace) the grant ``name``: ``grant(user)`` -> rows with ``project_id``."""
    _GRANTS[name] = grant


def project_grants(user: Any) -> list[QuerySet[Any]]:
    """The querysets the registered grants give this user (those that give something)."""
    return [qs for grant in _GRANTS.values() if (qs := grant(user)) is not None]
