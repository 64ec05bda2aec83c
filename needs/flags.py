"""Keeping a household's list flags in step with its members and needs.

``Household.has_urgent_need`` (a live need is urgent) and ``Household.flags`` (one bit per
assistance status and vulnerability tag of a current member and per charity area of a live
need, ``models.HOUSEHOLD_FLAGS``) are what the household list filters on. Every service that
changes a member, a status, a tag or a need calls ``household_flags_refresh`` in its
transaction; a bulk loader (the benchmarks' fill) refreshes all households once at its end.
One UPDATE with a correlated aggregate per kind, for one household or a million.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.db.models import Case, Exists, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from .models import HOUSEHOLD_FLAGS

LIVE_NEED_STATUSES = ("open", "matching")

# The households whose refresh waits for the end of ``household_flags_deferred`` (None: none
# is deferred, each refresh runs at once).
_pending: ContextVar[set[int] | None] = ContextVar("household_flags_pending", default=None)


def _bits(rows: models.QuerySet, field: str, kind: str, household: str) -> Any:
    """The OR of the bits of ``rows``' values of ``field`` (a sum of distinct powers of two)."""
    whens = [
        When(**{field: value}, then=Value(1 << i))
        for i, (k, value) in enumerate(HOUSEHOLD_FLAGS)
        if k == kind
    ]
    total = (
        rows.order_by()
        .values(household)
        .annotate(
            bits=Sum(
                Case(*whens, default=Value(0), output_field=models.BigIntegerField()),
                distinct=True,
            )
        )
        .values("bits")
    )
    return Coalesce(Subquery(total, output_field=models.BigIntegerField()), Value(0))


def flags_update(households: models.QuerySet, *, need: Any, assistance: Any, tag: Any) -> int:
    """Recompute both kept fields of ``households`` from the rows of the given models (the
    app's, or a migration's historical ones). Returns the number of households updated."""
    here = OuterRef("pk")
    statuses = assistance.objects.filter(
        member__household=here, ended_on__isnull=True, member__left_at__isnull=True
    )
    tags = tag.objects.filter(member__household=here, member__left_at__isnull=True)
    live = need.objects.filter(household=here, status__in=LIVE_NEED_STATUSES)
    return households.update(
        has_urgent_need=Exists(live.filter(urgent=True)),
        flags=_bits(statuses, "status", "status", "member__household")
        + _bits(tags, "tag", "tag", "member__household")
        + _bits(live, "area", "area", "household"),
    )


def household_flags_refresh(household_ids: Any = None) -> int:
    """Refresh the kept flags of these households (all when ``None``; ids, or a queryset of
    them). Inside ``household_flags_deferred`` a refresh of given ids waits for its end
    (returns 0); a queryset is already one statement for all its households and runs at once."""
    from .models import AssistanceRecord, Household, MemberTag, Need

    pending = _pending.get()
    if (
        pending is not None
        and household_ids is not None
        and not isinstance(household_ids, models.QuerySet)
    ):
        pending.update(household_ids)
        return 0

    households = Household.objects.all()
    if household_ids is not None:
        households = households.filter(pk__in=household_ids)
    return flags_update(households, need=Need, assistance=AssistanceRecord, tag=MemberTag)


@contextmanager
def household_flags_deferred() -> Iterator[None]:
    """Refresh the flags of every household the services touch inside the block once, in one
    UPDATE, when it ends, instead of once per service call: for a loader that records hundreds
    of households through the services (the demo), where compiling the refresh each time costs
    more than the rest of a save. Nothing inside may read the flags; an exception refreshes
    nothing (the transaction it breaks is rolled back). Nested blocks join the outer one."""
    if _pending.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        household_flags_refresh(sorted(pending))
