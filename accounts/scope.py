"""Region scope: the one place that turns a user into "what I may see".

Every queryset of personal or region-bound data that reaches a page, an export or the API goes
through ``region_scope(user)``, usually by a model QuerySet's ``visible_to(user)``. The scope is
a prefix of the 12-digit division code, matched with ``startswith`` (``LIKE 'prefix%'``) on an
indexed code column, which works alike on SQLite and PostgreSQL.

| who                                   | scope                              |
| ------------------------------------- | ---------------------------------- |
| anonymous, no role, no region         | nothing                            |
| superuser, administrator              | everything                         |
| social worker, civil affairs          | the home region and all below it   |
| charity staff                         | nothing by region (*)              |
| member-unit staff                     | nothing by region (**)             |

(*) charities see what is sent to their organisation, through that app's own relation.
(**) staff of a member unit (人社, 医保 ...) see only the aid records their unit pushed
(oversight's ``AidRecord.objects.visible_to``), never the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404


@dataclass(frozen=True)
class RegionScope:
    everything: bool = False
    prefix: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.everything and self.prefix is None

    def q(self, code_field: str) -> models.Q:
        """A filter on a field holding a 12-digit division code.

        For a foreign key to Region use ``region__code``: Django reads it from the FK column
        itself, without a join.
        """
        if self.everything:
            return models.Q()
        if self.prefix is None:
            return models.Q(pk__in=[])
        return models.Q(**{f"{code_field}__startswith": self.prefix})

    def contains(self, code: str | None) -> bool:
        if self.everything:
            return True
        return bool(code) and self.prefix is not None and str(code).startswith(self.prefix)


NOTHING = RegionScope()
EVERYTHING = RegionScope(everything=True)


def region_scope(user: Any) -> RegionScope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser or user.role == "administrator":
        return EVERYTHING
    if user.role in _HOME_LEVELS and user.region_id:
        region = user.region
        # A backstop: a role whose home region is of the wrong level (a social worker "of" a
        # whole city) sees nothing rather than too much.
        if region.level in _HOME_LEVELS[user.role]:
            return RegionScope(prefix=region.prefix)
    return NOTHING


_HOME_LEVELS = {
    "social_worker": {"township"},
    "civil_affairs": {"province", "prefecture", "county"},
}


_QS = TypeVar("_QS", bound="RegionScopedQuerySet")


class RegionScopedQuerySet(models.QuerySet):
    """Base QuerySet for region-bound rows; set ``region_field`` to the code column's path."""

    region_field = "region__code"

    def visible_to(self: _QS, user: Any) -> _QS:
        scope = region_scope(user)
        if scope.everything:
            return self.all()
        if scope.is_empty:
            return self.none()
        return self.filter(scope.q(self.region_field))


_M = TypeVar("_M", bound=models.Model)


def get_visible_or_404(queryset: models.QuerySet[_M], user: Any, **lookups: Any) -> _M:
    """The one way to fetch a single scoped object: missing and forbidden look the same (404)."""
    visible_to = getattr(queryset, "visible_to", None)
    if visible_to is None:
        raise TypeError(f"{queryset.model.__name__} has no visible_to(user) scope.")
    try:
        return get_object_or_404(visible_to(user), **lookups)
    except (ValueError, TypeError) as exc:  # malformed id in the URL
        raise Http404 from exc
