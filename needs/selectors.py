"""Reads of the need ledger: every queryset goes through the region scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Region
from accounts.scope import get_visible_or_404, region_scope

from .models import AssistanceRecord, Consent, Household, Member, MemberTag, Need, Visit


def years_ago(years: int, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def current_members() -> QuerySet[Member]:
    return Member.objects.filter(left_at__isnull=True)


#: A household not visited for this long, without a planned visit, is overdue for one (the
#: dashboard counts the same households: "not visited for 90 days").
VISIT_DUE_AFTER_DAYS = 90


def household_list_for_user(user: Any) -> QuerySet[Household]:
    """Households a user may see, with what the list shows computed in the same query.

    ``visit_overdue``: visited, and the next visit planned at the last one is past, or none was
    planned and the last visit is over 90 days ago (never visited is shown as such)."""
    today = timezone.localdate()
    members = current_members().filter(household=OuterRef("pk"))
    live_needs = Need.objects.filter(household=OuterRef("pk"), status__in=Need.LIVE_STATUSES)
    last_visit = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_on", "-id")
    return (
        Household.objects.visible_to(user)
        .filter(archived_at__isnull=True)
        # Fetched for the page's rows by their keys, not joined: a join lets PostgreSQL misjudge
        # a filtered list as one row and scan the users for every household before sorting.
        .prefetch_related("region", "worker")
        .annotate(
            head_name=Subquery(members.filter(relation=Member.Relation.HEAD).values("name")[:1]),
            member_count=Subquery(
                members.order_by().values("household").annotate(n=Count("pk")).values("n")[:1]
            ),
            live_need_count=Subquery(
                live_needs.order_by().values("household").annotate(n=Count("pk")).values("n")[:1]
            ),
            # Kept by the need services, not searched for among all live needs.
            has_urgent=F("has_urgent_need"),
            # The youngest member's birth date, per row: an EXISTS here was planned by
            # PostgreSQL as the set of every minor in the province, built for each page.
            youngest_born=Subquery(members.order_by("-birth_date").values("birth_date")[:1]),
            next_visit_on=Subquery(last_visit.values("next_visit_on")[:1]),
        )
        .annotate(
            has_minor=Coalesce(
                ExpressionWrapper(Q(youngest_born__gt=years_ago(18)), output_field=BooleanField()),
                Value(False),
            ),
            has_child_under_14=Coalesce(
                ExpressionWrapper(Q(youngest_born__gt=years_ago(14)), output_field=BooleanField()),
                Value(False),
            ),
            visit_overdue=ExpressionWrapper(
                Q(next_visit_on__lt=today)
                | Q(
                    next_visit_on__isnull=True,
                    last_visited_on__lt=today - dt.timedelta(days=VISIT_DUE_AFTER_DAYS),
                ),
                output_field=BooleanField(),
            ),
        )
        # By station and number, on the index: sorting on an annotation such as has_urgent
        # computes it for every row first (1.3 s for the province at 200,000 households on
        # PostgreSQL; bench/bench_households.py). Urgent households have a badge and a filter.
        .order_by("station_id", "code")
    )


def household_get_for_user(user: Any, pk: Any) -> Household:
    return get_visible_or_404(
        Household.objects.select_related("region__parent", "station", "worker", "created_by"),
        user,
        pk=pk,
    )


def household_members(household: Household) -> list[Member]:
    today = timezone.localdate()
    return list(
        current_members()
        .filter(household=household)
        .prefetch_related(
            Prefetch(
                "assistance",
                queryset=AssistanceRecord.objects.filter(
                    Q(ended_on__isnull=True) | Q(ended_on__gte=today)
                ),
                to_attr="current_assistance",
            ),
            "tags",
        )
        .order_by("id")
    )


def member_get_for_user(user: Any, household: Household, pk: Any) -> Member:
    return get_visible_or_404(Member.objects.filter(household=household), user, pk=pk)


def need_get_for_user(user: Any, pk: Any) -> Need:
    return get_visible_or_404(
        Need.objects.select_related("household__region", "member", "created_by"), user, pk=pk
    )


def need_list_for_user(user: Any) -> QuerySet[Need]:
    return Need.objects.visible_to(user).select_related("household__region", "member")


def visit_list_for_user(user: Any) -> QuerySet[Visit]:
    return Visit.objects.visible_to(user).select_related("household", "worker")


def consent_list_for_user(user: Any) -> QuerySet[Consent]:
    return (
        Consent.objects.visible_to(user)
        .select_related("household", "member", "recorded_by")
        .prefetch_related("recipients")
    )


def consent_get_for_user(user: Any, pk: Any) -> Consent:
    return get_visible_or_404(
        Consent.objects.select_related(
            "household__region", "member", "recorded_by"
        ).prefetch_related("recipients"),
        user,
        pk=pk,
    )


@dataclass(frozen=True)
class ConsentState:
    """Whether a person's recorded consent lets their details go to one organisation for a
    purpose today, and the consent that says so (or the one that stands in the way).

    ``status`` is ``in_force`` (``consent`` allows it), ``not_covering`` (``consent`` is in
    force but names other organisations), ``revoked`` or ``expired`` (``consent`` is the latest
    one, ended) or ``missing`` (nothing recorded for the purpose: ``consent`` is None).
    """

    IN_FORCE = "in_force"
    NOT_COVERING = "not_covering"
    REVOKED = "revoked"
    EXPIRED = "expired"
    MISSING = "missing"

    member: Member
    status: str
    consent: Consent | None = None

    @property
    def in_force(self) -> bool:
        return self.status == self.IN_FORCE


def consent_state(
    *, member: Member, purpose: str, credit_code: str | None, day: dt.date | None = None
) -> ConsentState:
    """The consent of ``member`` for ``purpose`` and the organisation of ``credit_code``, as
    the apply page shows it up front: the same rule as ``services.consent_allows`` (one query
    for the consents, one for their recipients)."""
    day = day or timezone.localdate()
    if member.left_at is not None:
        return ConsentState(member, ConsentState.MISSING)
    consents = list(
        member.consents.filter(purpose=purpose)
        .select_related("recorded_by")
        .prefetch_related("recipients")
        .order_by("-given_on", "-id")
    )
    live = [c for c in consents if c.in_force_on(day)]
    for consent in live:
        if consent.covers(purpose=purpose, credit_code=credit_code, day=day):
            return ConsentState(member, ConsentState.IN_FORCE, consent)
    if live:
        return ConsentState(member, ConsentState.NOT_COVERING, live[0])
    ended = [c for c in consents if c.revoked_at is not None or c.expires_on < day]
    if ended:
        latest = ended[0]
        status = ConsentState.REVOKED if latest.revoked_at else ConsentState.EXPIRED
        return ConsentState(member, status, latest)
    return ConsentState(member, ConsentState.MISSING)


def member_list_for_user(user: Any) -> QuerySet[Member]:
    return (
        Member.objects.visible_to(user)
        .filter(left_at__isnull=True)
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "assistance",
                queryset=AssistanceRecord.objects.filter(ended_on__isnull=True),
                to_attr="current_assistance",
            ),
            "tags",
        )
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime | dt.date
    kind: str  # visit | need | need_status | consent | consent_revoked
    title: str
    detail: str
    obj: Any


def household_timeline(
    *, visits: list[Visit], needs: list[Need], consents: list[Consent]
) -> list[TimelineEntry]:
    """Visits, needs and consent of one household (as the page loaded them), newest first."""
    from django.utils.translation import gettext as _

    entries: list[TimelineEntry] = []
    for visit in visits:
        entries.append(
            TimelineEntry(visit.visited_on, "visit", _("Home visit"), visit.findings, visit)
        )
    for need in needs:
        entries.append(TimelineEntry(need.created_at, "need", _("Need recorded"), str(need), need))
        if need.status != Need.Status.OPEN:
            entries.append(
                TimelineEntry(
                    need.status_changed_at,
                    "need_status",
                    _("Need: %(status)s") % {"status": need.get_status_display()},
                    need.status_reason or str(need),
                    need,
                )
            )
    for consent in consents:
        entries.append(
            TimelineEntry(consent.given_on, "consent", _("Consent given"), str(consent), consent)
        )
        if consent.revoked_at:
            entries.append(
                TimelineEntry(
                    consent.revoked_at,
                    "consent_revoked",
                    _("Consent revoked"),
                    consent.revoked_reason,
                    consent,
                )
            )

    def key(entry: TimelineEntry) -> dt.datetime:
        at = entry.at
        if isinstance(at, dt.datetime):
            return at
        return timezone.make_aware(dt.datetime.combine(at, dt.time(23, 59)))

    return sorted(entries, key=key, reverse=True)


def region_choices_for_user(user: Any) -> QuerySet[Region]:
    """Villages and townships where a user may record or filter households."""
    scope = region_scope(user)
    return (
        Region.objects.filter(
            scope.q("code"), level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE]
        )
        .filter(valid_to__isnull=True)
        .order_by("code")
    )


def household_counts_for_user(user: Any) -> dict[str, int]:
    """Figures for the dashboard, in one aggregate query per table."""
    households = Household.objects.visible_to(user).filter(archived_at__isnull=True)
    needs = Need.objects.visible_to(user)
    figures = households.aggregate(
        households=Count("pk"),
        never_visited=Count("pk", filter=Q(last_visited_on__isnull=True)),
        unvisited_90=Count(
            "pk", filter=Q(last_visited_on__lt=timezone.localdate() - dt.timedelta(days=90))
        ),
    )
    figures.update(
        needs.aggregate(
            open_needs=Count("pk", filter=Q(status__in=Need.LIVE_STATUSES)),
            urgent_needs=Count("pk", filter=Q(status__in=Need.LIVE_STATUSES, urgent=True)),
            met_needs=Count("pk", filter=Q(status=Need.Status.MET)),
        )
    )
    return figures


__all__ = ["MemberTag"]
