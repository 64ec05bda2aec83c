"""The figures of the annual evaluation (总结评估, DOMAIN.md §1.5), computed in the database.

A region's figures include everything below it (its code prefix), for a period of whole days
in Asia/Shanghai: a calendar year for an evaluation, any range for the live dashboard. The
evaluation is in sections, one function each, registered in ``SECTIONS`` in the order the
reports show them; a section answers its headline figures for the whole region and for each
child region (one query per aggregate, grouped by the child's code prefix), its breakdowns, and
the same headline figures for the year before. A new section (referrals, once that app exists)
is one more function and one more ``Section`` entry.

Every figure is an aggregate, a grouped aggregate or a median (``reports.sql``): nothing loops
over rows in Python. Free text is encrypted at rest and is never read here.

States "at the end of the period" (households in the ledger, needs still open, stale listings,
overdue disclosures) are read at the end of the period, or now when the period has not ended.
Organisations and projects carry only their present status: a project counts for a period if it
has been in the ledger (published, paused or closed) and its dates overlap the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, GapClass
from matching.models import Application, Feedback
from needs.models import AssistanceRecord, Household, Member, Need, Visit
from oversight.models import Complaint
from referrals.models import Case as ServiceCase
from referrals.models import Direction, Referral
from supply.models import (
    STALE_AFTER,
    LedgerEdition,
    LedgerEntryCoverage,
    Organization,
    Project,
    ProjectCoverage,
    ProjectTerm,
    Tier,
    coverage_reaching,
)

from .sql import DayNumber, aggregate, median

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHEMA_VERSION = 1

#: Listings that have been in the ledger (a draft or a listing in review never was).
IN_LEDGER = (Project.Status.PUBLISHED, Project.Status.PAUSED, Project.Status.CLOSED)
TIER_OF_LEVEL = {"province": Tier.PROVINCE, "prefecture": Tier.CITY, "county": Tier.COUNTY}


# --- Periods and places ----------------------------------------------------------------------


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Period:
    """Whole days from ``start`` to ``end`` (both included), in Asia/Shanghai."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=SHANGHAI)

    @property
    def end_at(self) -> dt.datetime:
        """The first moment after the period."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)

    @cached_property
    def as_of(self) -> dt.datetime:
        """When states "at the end" are read: the end, or now for a period still running (the
        moment first asked, the same for every section of one computation)."""
        return min(self.end_at, timezone.now())

    @property
    def as_of_date(self) -> dt.date:
        return min(self.end, timezone.localdate(self.as_of - dt.timedelta(microseconds=1)))

    def previous(self) -> Period:
        """The same days one year before."""
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1))

    def contains_at(self, name: str) -> Q:
        """A datetime field inside the period."""
        return Q(**{f"{name}__gte": self.start_at, f"{name}__lt": self.end_at})

    def contains_day(self, name: str) -> Q:
        """A date field inside the period."""
        return Q(**{f"{name}__gte": self.start, f"{name}__lte": self.end})

    def months(self) -> list[str]:
        months, day = [], self.start.replace(day=1)
        while day <= self.end:
            months.append(day.strftime("%Y-%m"))
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return months

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def child_regions(region: Region) -> list[Region]:
    """The regions one level down (for drill-down rows), current ones, in code order."""
    return list(Region.objects.filter(parent=region, valid_to__isnull=True).order_by("code"))


def child_length(children: list[Region]) -> int | None:
    """How many digits name a child: 4 under the province, 6 under a city (9 in Dongguan and
    Zhongshan, whose townships hang under the city), 9 under a county, 12 under a township."""
    if not children:
        return None
    return max(len(child.prefix) for child in children)


@dataclass
class Context:
    """One computation: the region, its children and the period."""

    region: Region
    period: Period
    children: list[Region] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return self.region.prefix

    @property
    def length(self) -> int | None:
        return child_length(self.children)

    def within(self, code_field: str) -> Q:
        return Q(**{f"{code_field}__startswith": self.prefix})


Groups = dict[str, dict[str, Any]]


def _merge(*parts: Groups) -> Groups:
    merged: Groups = {}
    for part in parts:
        for key, values in part.items():
            merged.setdefault(key, {}).update(values)
    return merged


def _medians(name: str, values: dict[str, float | None]) -> Groups:
    return {key: {name: value} for key, value in values.items()}


def _number(value: Any) -> Any:
    """JSON-friendly numbers: money to two decimals, medians and rates to one."""
    if isinstance(value, Decimal):
        return float(round(value, 2))
    if isinstance(value, float):
        return round(value, 1)
    return value


def _rate(part: Any, whole: Any) -> float | None:
    if not whole:
        return None
    return round(100.0 * (part or 0) / whole, 1)


def _counted_by(queryset: QuerySet, **keys: str) -> dict[str, list[dict[str, Any]]]:
    """Breakdowns counting rows by one field each (``name=field``), as ``_rows`` gives them, from
    one query grouped by all the fields (one scan instead of one per breakdown)."""
    columns = list(dict.fromkeys(keys.values()))
    totals: dict[str, dict[Any, int]] = {column: {} for column in columns}
    for row in queryset.order_by().values(*columns).annotate(_n=Count("pk")).order_by():
        for column in columns:
            value = row[column] or ""
            totals[column][value] = totals[column].get(value, 0) + row["_n"]
    return {
        name: _largest_first({"key": value, "value": n} for value, n in totals[column].items())
        for name, column in keys.items()
    }


def _largest_first(items: Any) -> list[dict[str, Any]]:
    """A breakdown's rows in its order: largest value first, then by key."""
    return sorted(items, key=lambda item: (-(item["value"] or 0), str(item["key"])))


def _rows(queryset: QuerySet, key: str, **aggregates: Any) -> list[dict[str, Any]]:
    """A breakdown: ``[{"key": value, "value": count}, ...]``, largest first."""
    (measure,) = aggregates.values()
    rows = queryset.order_by().values(key).annotate(_n=measure).order_by()
    return _largest_first({"key": row[key] or "", "value": _number(row["_n"])} for row in rows)


# --- 1. Needs survey (需求摸底) ---------------------------------------------------------------


def _households_at(ctx: Context, period: Period) -> QuerySet[Household]:
    as_of = period.as_of
    return Household.objects.filter(ctx.within("region__code"), created_at__lt=as_of).filter(
        Q(archived_at__isnull=True) | Q(archived_at__gte=as_of)
    )


def _people_at(ctx: Context, period: Period) -> QuerySet[Member]:
    """The people of the region's households on the ledger at the period's end. Members carry
    their household's place (``needs.carried``); their households are read only to leave out
    the few recorded after the end or archived before it (an anti-join, not a join of every
    household)."""
    as_of = period.as_of
    off_the_ledger = Household.objects.filter(pk=OuterRef("household_id")).filter(
        Q(created_at__gte=as_of) | Q(archived_at__lt=as_of)
    )
    return (
        Member.objects.filter(ctx.within("place"), created_at__lt=as_of)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=as_of))
        .filter(~Exists(off_the_ledger))
    )


def _needs_open_at(ctx: Context, period: Period) -> QuerySet[Need]:
    as_of = period.as_of
    return Need.objects.filter(ctx.within("place"), created_at__lt=as_of).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=as_of)
    )


def needs_figures(ctx: Context, period: Period, length: int | None) -> Groups:
    code = "place"  # the household's, copied (needs.carried)
    visits = Visit.objects.filter(ctx.within(code), period.contains_day("visited_on"))
    recorded = Need.objects.filter(ctx.within(code), period.contains_at("created_at"))
    open_at_end = _needs_open_at(ctx, period)
    age = DayNumber(Value(period.as_of_date)) - DayNumber(TruncDate("created_at", tzinfo=SHANGHAI))
    long_ago = timezone.make_aware(
        dt.datetime.combine(period.as_of_date - dt.timedelta(days=90), dt.time.min), SHANGHAI
    )
    return _merge(
        aggregate(
            visits,
            code,
            length,
            households_visited=Count("household", distinct=True),
            visits=Count("pk"),
        ),
        aggregate(_households_at(ctx, period), "region__code", length, households=Count("pk")),
        aggregate(_people_at(ctx, period), code, length, people=Count("pk")),
        aggregate(
            recorded,
            code,
            length,
            needs_recorded=Count("pk"),
            urgent_needs=Count("pk", filter=Q(urgent=True)),
        ),
        aggregate(
            open_at_end,
            code,
            length,
            needs_open_at_end=Count("pk"),
            needs_open_over_90_days=Count("pk", filter=Q(created_at__lt=long_ago)),
        ),
        _medians("open_need_median_age_days", median(open_at_end, age, code, length)),
    )


def needs_breakdowns(ctx: Context, period: Period) -> dict[str, list[dict[str, Any]]]:
    code = "place"
    recorded = Need.objects.filter(ctx.within(code), period.contains_at("created_at"))
    people = _people_at(ctx, period)
    day = period.as_of_date
    statuses = AssistanceRecord.objects.filter(member__in=people, started_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day)
    )
    return {
        "households_by_gap_class": _rows(
            _households_at(ctx, period), "gap_class", value=Count("pk")
        ),
        "people_by_status": _rows(statuses, "status", value=Count("member", distinct=True)),
        **_counted_by(
            recorded, needs_by_area="area", needs_by_form="form", needs_by_status="status"
        ),
    }


# --- 2. Supply (资源供给: 提供方式、规模) ------------------------------------------------------


def _organizations(ctx: Context, period: Period) -> QuerySet[Organization]:
    return Organization.objects.filter(
        ctx.within("registering_region__code"), created_at__lt=period.as_of
    )


def _projects_running(period: Period) -> QuerySet[Project]:
    """Listings that were in the ledger and ran during the period."""
    return Project.objects.filter(
        status__in=IN_LEDGER, starts_on__lte=period.end, created_at__lt=period.as_of
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))


def _projects(ctx: Context, period: Period) -> QuerySet[Project]:
    """Listings of the organisations registered in the region."""
    return _projects_running(period).filter(ctx.within("organization__registering_region__code"))


def _stale(period: Period) -> Q:
    cutoff = period.as_of - STALE_AFTER
    return Q(status=Project.Status.PUBLISHED) & (
        Q(last_confirmed_at__lt=cutoff) | Q(last_confirmed_at__isnull=True, created_at__lt=cutoff)
    )


def _projects_covering(ctx: Context, period: Period) -> QuerySet[Project]:
    """Listings available to some place of the region, wherever they are registered (the
    coverage prefix is the region's, above it, or inside it)."""
    reaching = ProjectCoverage.objects.filter(coverage_reaching(ctx.region.code)).values(
        "project_id"
    )
    return _projects_running(period).filter(pk__in=reaching)


def supply_figures(ctx: Context, period: Period, length: int | None) -> Groups:
    code = "organization__registering_region__code"
    projects = _projects(ctx, period)
    groups = _merge(
        aggregate(
            _organizations(ctx, period),
            "registering_region__code",
            length,
            organizations=Count("pk"),
            charitable_organizations=Count("pk", filter=~Q(charity_status="")),
        ),
        aggregate(
            projects,
            code,
            length,
            projects=Count("pk"),
            places_offered=Sum("capacity"),
            open_ended_projects=Count("pk", filter=Q(capacity__isnull=True)),
            budget_offered=Sum("budget"),
            stale_listings=Count("pk", filter=_stale(period)),
        ),
    )
    if length is None:
        covering = _projects_covering(ctx, period)
        groups[""].update(
            covering.aggregate(
                projects_covering=Count("pk"),
                cross_region_projects=Count(
                    "pk", filter=~Q(organization__registering_region__code__startswith=ctx.prefix)
                ),
            )
        )
        groups[""]["editions_published"] = LedgerEdition.objects.filter(
            period.contains_at("published_at")
        ).count()
        groups[""]["edition_entries"] = (
            LedgerEntryCoverage.objects.filter(coverage_reaching(ctx.region.code))
            .filter(period.contains_at("entry__edition__published_at"))
            .aggregate(n=Count("entry", distinct=True))["n"]
        )
    return groups


def supply_breakdowns(ctx: Context, period: Period) -> dict[str, list[dict[str, Any]]]:
    projects = _projects(ctx, period)
    terms = ProjectTerm.objects.filter(project__in=projects)
    by_level = _rows(projects, "organization__registering_region__level", value=Count("pk"))
    org_levels = _rows(_organizations(ctx, period), "registering_region__level", value=Count("pk"))
    for rows in (by_level, org_levels):
        for row in rows:
            row["key"] = str(TIER_OF_LEVEL.get(row["key"], row["key"]))
    return {
        "organizations_by_tier": org_levels,
        "organizations_by_type": _rows(_organizations(ctx, period), "org_type", value=Count("pk")),
        "projects_by_tier": by_level,
        "projects_by_area": _rows(
            terms.filter(kind=ProjectTerm.Kind.AREA), "value", value=Count("project", distinct=True)
        ),
        "projects_by_form": _rows(
            terms.filter(kind=ProjectTerm.Kind.FORM), "value", value=Count("project", distinct=True)
        ),
    }


# --- 3. Matching frequency (对接频次) ---------------------------------------------------------


def _submitted(ctx: Context, period: Period) -> QuerySet[Application]:
    return Application.objects.filter(ctx.within("place"), period.contains_at("submitted_at"))


def matching_figures(ctx: Context, period: Period, length: int | None) -> Groups:
    groups = aggregate(
        _submitted(ctx, period),
        "place",
        length,
        applications=Count("pk"),
        self_applications=Count("pk", filter=Q(mode=Application.Mode.SELF)),
        assisted_applications=Count("pk", filter=Q(mode=Application.Mode.ASSISTED)),
        simplified_procedure=Count("pk", filter=Q(simplified_procedure=True)),
        households_applying=Count("household", distinct=True),
        projects_applied_to=Count("project", distinct=True),
        workers_applying=Count("created_by", distinct=True),
    )
    for values in groups.values():
        workers = values.get("workers_applying") or 0
        values["applications_per_worker"] = (
            round(values["applications"] / workers, 1) if workers else None
        )
    return groups


def matching_breakdowns(ctx: Context, period: Period) -> dict[str, list[dict[str, Any]]]:
    submitted = _submitted(ctx, period)
    by_month = {
        timezone.localtime(row["month"], SHANGHAI).strftime("%Y-%m")
        if isinstance(row["month"], dt.datetime)
        else str(row["month"])[:7]: row["value"]
        for row in submitted.order_by()
        .annotate(month=TruncMonth("submitted_at", tzinfo=SHANGHAI))
        .values("month")
        .annotate(value=Count("pk"))
        .order_by()
    }
    per_project = (
        submitted.order_by()
        .values("project_id", "project__title", "organization__name")
        .annotate(value=Count("pk"))
        .order_by("-value", "project_id")[:10]
    )
    per_worker = (
        submitted.order_by()
        .values("created_by_id", "created_by__name", "created_by__username")
        .annotate(value=Count("pk"))
        .order_by("-value", "created_by_id")[:10]
    )
    return {
        "applications_by_month": [
            {"key": month, "value": by_month.get(month, 0)} for month in period.months()
        ],
        "applications_by_project": [
            {
                "key": row["project__title"],
                "organization": row["organization__name"],
                "value": row["value"],
            }
            for row in per_project
        ],
        "applications_by_worker": [
            {"key": row["created_by__name"] or row["created_by__username"], "value": row["value"]}
            for row in per_worker
        ],
        "applications_by_mode": _rows(submitted, "mode", value=Count("pk")),
    }


# --- 4. Results (匹配情况) --------------------------------------------------------------------


def _answered(ctx: Context, period: Period) -> QuerySet[Application]:
    return Application.objects.filter(ctx.within("place"), period.contains_at("answered_at"))


def _delivered(ctx: Context, period: Period) -> QuerySet[Application]:
    return Application.objects.filter(
        ctx.within("place"),
        period.contains_day("delivered_on"),
        status__in=[Application.Status.DELIVERED, Application.Status.CLOSED],
    )


def _closed_needs(ctx: Context, period: Period) -> QuerySet[Need]:
    return Need.objects.filter(ctx.within("place"), period.contains_at("closed_at"))


def results_figures(ctx: Context, period: Period, length: int | None) -> Groups:
    code = "place"
    answered = _answered(ctx, period)
    delivered = _delivered(ctx, period)
    days_to_answer = Cast(F("answer_seconds"), FloatField()) / Value(86400.0)
    days_to_delivery = DayNumber("delivered_on") - DayNumber(
        TruncDate("submitted_at", tzinfo=SHANGHAI)
    )
    region = Application.objects.filter(ctx.within(code))
    groups = _merge(
        aggregate(
            answered,
            code,
            length,
            answered=Count("pk"),
            accepted=Count("pk", filter=Q(answer="accepted")),
            rejected=Count("pk", filter=Q(answer="rejected")),
        ),
        aggregate(
            region.filter(status=Application.Status.EXPIRED, **_between("closed_at", period)),
            code,
            length,
            expired=Count("pk"),
        ),
        aggregate(
            delivered,
            code,
            length,
            delivered=Count("pk"),
            value_delivered=Sum("delivered_value"),
        ),
        aggregate(
            _closed_needs(ctx, period),
            code,
            length,
            needs_met=Count("pk", filter=Q(status=Need.Status.MET)),
            needs_unmet=Count("pk", filter=Q(status=Need.Status.CLOSED_UNMET)),
            needs_withdrawn=Count("pk", filter=Q(status=Need.Status.WITHDRAWN)),
        ),
        aggregate(
            region.filter(review_flag=Application.Flag.DUPLICATE),
            code,
            length,
            duplicate_flags_raised=Count("pk", filter=period.contains_at("reviewed_at")),
            duplicate_flags_resolved=Count("pk", filter=period.contains_at("resolved_at")),
            duplicate_flags_upheld=Count(
                "pk",
                filter=period.contains_at("resolved_at")
                & Q(review_status=Application.Review.UPHELD),
            ),
        ),
        _medians("median_days_to_answer", median(answered, days_to_answer, code, length)),
        _medians("median_days_to_delivery", median(delivered, days_to_delivery, code, length)),
    )
    for values in groups.values():
        values["acceptance_rate"] = _rate(values.get("accepted"), values.get("answered"))
    return groups


def _between(name: str, period: Period) -> dict[str, Any]:
    return {f"{name}__gte": period.start_at, f"{name}__lt": period.end_at}


#: Why a need closed unmet, read from its last application (the text reason is encrypted).
UNMET_REASONS = {
    "no_application": _("No application was made"),
    "rejected_not_eligible": _("Rejected: a condition not met"),
    "rejected_no_places": _("Rejected: no places left"),
    "rejected_missing_documents": _("Rejected: documents missing"),
    "rejected_other": _("Rejected: other reason"),
    "no_answer": _("No answer from the supplier"),
    "aid_insufficient": _("Aid delivered but not enough"),
    "application_withdrawn": _("Application withdrawn"),
}


def results_breakdowns(ctx: Context, period: Period) -> dict[str, list[dict[str, Any]]]:
    answered = _answered(ctx, period)
    rejected = answered.filter(answer="rejected")
    last = Application.objects.filter(need=OuterRef("pk")).order_by("-created_at", "-pk")
    S = Application.Status
    unmet = (
        _closed_needs(ctx, period)
        .filter(status=Need.Status.CLOSED_UNMET)
        .annotate(
            last_status=Subquery(last.values("status")[:1]),
            last_reason=Subquery(last.values("rejection_reason")[:1]),
        )
        .annotate(
            reason=Case(
                When(last_status__isnull=True, then=Value("no_application")),
                *[
                    When(
                        last_status=S.REJECTED,
                        last_reason=reason,
                        then=Value(f"rejected_{reason}"),
                    )
                    for reason in Application.RejectionReason.values
                ],
                When(last_status=S.EXPIRED, then=Value("no_answer")),
                When(last_status__in=[S.DELIVERED, S.CLOSED], then=Value("aid_insufficient")),
                default=Value("application_withdrawn"),
            )
        )
    )
    return {
        "rejection_reasons": _rows(rejected, "rejection_reason", value=Count("pk")),
        "rejection_criteria": _rows(
            rejected.exclude(rejection_criterion=""), "rejection_criterion", value=Count("pk")
        ),
        "unmet_reasons": _rows(unmet, "reason", value=Count("pk")),
        "delivered_by_area": _rows(_delivered(ctx, period), "need__area", value=Count("pk")),
    }


# --- 5. Satisfaction of both sides (供需双方满意度) -------------------------------------------


def _feedback(ctx: Context, period: Period) -> QuerySet[Feedback]:
    return Feedback.objects.filter(
        ctx.within("application__place"), period.contains_at("recorded_at")
    )


def satisfaction_figures(ctx: Context, period: Period, length: int | None) -> Groups:
    household = Q(side=Feedback.Side.HOUSEHOLD)
    supplier = Q(side=Feedback.Side.SUPPLIER)
    return aggregate(
        _feedback(ctx, period),
        "application__place",
        length,
        household_feedback=Count("pk", filter=household),
        household_satisfaction=Avg("satisfaction", filter=household),
        household_satisfied=Count("pk", filter=household & Q(satisfaction__gte=4)),
        supplier_feedback=Count("pk", filter=supplier),
        supplier_satisfaction=Avg("satisfaction", filter=supplier),
        supplier_satisfied=Count("pk", filter=supplier & Q(satisfaction__gte=4)),
    )


def satisfaction_breakdowns(ctx: Context, period: Period) -> dict[str, list[dict[str, Any]]]:
    counts = {
        (side, score): n
        for side, score, n in _feedback(ctx, period)
        .order_by()
        .values_list("side", "satisfaction")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return {
        f"{side.value}_distribution": [
            {"key": score, "value": counts.get((side.value, score), 0)} for score in range(1, 6)
        ]
        for side in Feedback.Side
    }


# --- 6. Disclosure (信息公开) -----------------------------------------------------------------


def disclosure_overdue(day: dt.date) -> Q:
    """The rule of ``supply.models.Project.disclosure_due_on`` as a filter: a charitable
    organisation's listing whose disclosure was due before ``day``.

    Ended: the final disclosure (one on or after the end) is due 90 days after the end. Still
    running for over six months in all (open-ended, or more than 182 days from start to end):
    progress is due 91 days after the last disclosure (or the start). A short project owes only
    the final disclosure."""
    ended = Q(ends_on__lt=day)
    final_missing = Q(last_disclosed_on__isnull=True) | Q(last_disclosed_on__lt=F("ends_on"))
    running = Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    long_running = Q(ends_on__isnull=True) | Q(
        _length__gt=182,
    )
    progress_late = Q(last_disclosed_on__lt=day - dt.timedelta(days=91)) | Q(
        last_disclosed_on__isnull=True, starts_on__lt=day - dt.timedelta(days=91)
    )
    return (ended & final_missing & Q(ends_on__lt=day - dt.timedelta(days=90))) | (
        running & long_running & progress_late
    )


def _disclosing(ctx: Context, period: Period) -> QuerySet[Project]:
    """Listings bound by the disclosure rules on the day: a charitable organisation's, in the
    ledger, started."""
    day = period.as_of_date
    return (
        Project.objects.filter(
            ctx.within("organization__registering_region__code"),
            status__in=IN_LEDGER,
            starts_on__lte=day,
            created_at__lt=period.as_of,
        )
        .exclude(organization__charity_status="")
        .annotate(_length=DayNumber("ends_on") - DayNumber("starts_on"))
    )


def disclosure_figures(ctx: Context, period: Period, length: int | None) -> Groups:
    code = "organization__registering_region__code"
    listed = Project.objects.filter(
        ctx.within(code), status=Project.Status.PUBLISHED, created_at__lt=period.as_of
    )
    groups = _merge(
        aggregate(
            listed,
            code,
            length,
            listings_to_confirm=Count("pk"),
            listings_stale=Count("pk", filter=_stale(period)),
        ),
        aggregate(
            _disclosing(ctx, period),
            code,
            length,
            disclosures_required=Count("pk"),
            disclosures_overdue=Count("pk", filter=disclosure_overdue(period.as_of_date)),
        ),
    )
    for values in groups.values():
        to_confirm = values.get("listings_to_confirm") or 0
        values["listings_confirmed_on_time"] = to_confirm - (values.get("listings_stale") or 0)
        values["confirmation_rate"] = _rate(values["listings_confirmed_on_time"], to_confirm)
        required = values.get("disclosures_required") or 0
        values["disclosures_on_time"] = required - (values.get("disclosures_overdue") or 0)
    return groups


def disclosure_breakdowns(ctx: Context, period: Period) -> dict[str, list[dict[str, Any]]]:
    return {}


# --- 7. Two-way referral (双向转介) ------------------------------------------------------------


def _referrals(ctx: Context) -> QuerySet[Referral]:
    """Referrals about people of the region (the subject's place, whoever sent them)."""
    return Referral.objects.filter(ctx.within("region__code"))


def referrals_figures(ctx: Context, period: Period, length: int | None) -> Groups:
    """Sent in the period by direction; declined and outcomes recorded in the period; the two
    deadlines: received by the working day due (of those sent in the period) and the outcome
    recorded by its day (of those recorded in the period); cases opened and closed."""
    code = "region__code"
    direction = Direction
    received_day = TruncDate("received_at", tzinfo=SHANGHAI)
    outcome_day = TruncDate("outcome_at", tzinfo=SHANGHAI)
    referrals = _referrals(ctx)
    cases = ServiceCase.objects.filter(ctx.within("household__region__code"))
    groups = _merge(
        aggregate(
            referrals.filter(period.contains_at("sent_at")),
            code,
            length,
            referrals_sent=Count("pk"),
            to_charity=Count("pk", filter=Q(direction=direction.TO_CHARITY)),
            to_civil_affairs=Count("pk", filter=Q(direction=direction.TO_CIVIL_AFFAIRS)),
            to_station=Count("pk", filter=Q(direction=direction.TO_STATION)),
            received_on_time=Count(
                "pk",
                filter=Q(received_at__isnull=False) & Q(received_due__gte=received_day),
            ),
        ),
        aggregate(
            referrals.filter(period.contains_at("answered_at"), status=Referral.Status.DECLINED),
            code,
            length,
            declined=Count("pk"),
        ),
        aggregate(
            referrals.filter(period.contains_at("outcome_at")),
            code,
            length,
            outcomes_recorded=Count("pk"),
            granted=Count("pk", filter=Q(outcome=Referral.Outcome.GRANTED)),
            helped=Count(
                "pk",
                filter=Q(outcome__in=[Referral.Outcome.HELPED, Referral.Outcome.PARTLY_HELPED]),
            ),
            outcome_on_time=Count("pk", filter=Q(outcome_due__gte=outcome_day)),
        ),
        aggregate(
            cases.filter(period.contains_at("opened_at")),
            "household__region__code",
            length,
            cases_opened=Count("pk"),
        ),
        aggregate(
            cases.filter(period.contains_at("closed_at")),
            "household__region__code",
            length,
            cases_closed=Count("pk"),
        ),
    )
    for values in groups.values():
        values["receipt_deadline_kept"] = _rate(
            values.get("received_on_time"), values.get("referrals_sent")
        )
        values["outcome_deadline_kept"] = _rate(
            values.get("outcome_on_time"), values.get("outcomes_recorded")
        )
    return groups


def referrals_breakdowns(ctx: Context, period: Period) -> dict[str, list[dict[str, Any]]]:
    referrals = _referrals(ctx)
    sent = referrals.filter(period.contains_at("sent_at"))
    return {
        "referrals_by_direction": _rows(sent, "direction", value=Count("pk")),
        "referrals_by_urgency": _rows(sent, "urgency", value=Count("pk")),
        "referral_outcomes": _rows(
            referrals.filter(period.contains_at("outcome_at")), "outcome", value=Count("pk")
        ),
    }


# --- 8. Complaints (投诉举报) ------------------------------------------------------------------


def complaints_figures(ctx: Context, period: Period, length: int | None) -> Groups:
    """Complaints to the civil affairs of the region and below (the department they went to):
    received in the period, concluded in the period (by the reply's day due or late), upheld in
    whole or in part, still open at the end, and the median days from receipt to conclusion."""
    code = "region__code"
    complaints = Complaint.objects.filter(ctx.within(code))
    concluded = complaints.filter(period.contains_at("concluded_at"))
    concluded_day = TruncDate("concluded_at", tzinfo=SHANGHAI)
    days_to_conclusion = DayNumber(concluded_day) - DayNumber(
        TruncDate("received_at", tzinfo=SHANGHAI)
    )
    groups = _merge(
        aggregate(
            complaints.filter(period.contains_at("received_at")),
            code,
            length,
            complaints_received=Count("pk"),
        ),
        aggregate(
            concluded,
            code,
            length,
            complaints_concluded=Count("pk"),
            concluded_in_time=Count("pk", filter=Q(due_on__gte=concluded_day)),
            complaints_upheld=Count(
                "pk",
                filter=Q(finding__in=[Complaint.Finding.UPHELD, Complaint.Finding.PARTLY_UPHELD]),
            ),
        ),
        aggregate(
            complaints.filter(received_at__lt=period.end_at).filter(
                Q(concluded_at__isnull=True) | Q(concluded_at__gte=period.end_at)
            ),
            code,
            length,
            complaints_open_at_end=Count("pk"),
        ),
        _medians("median_days_to_conclusion", median(concluded, days_to_conclusion, code, length)),
    )
    for values in groups.values():
        values["complaint_deadline_kept"] = _rate(
            values.get("concluded_in_time"), values.get("complaints_concluded")
        )
    return groups


def complaints_breakdowns(ctx: Context, period: Period) -> dict[str, list[dict[str, Any]]]:
    complaints = Complaint.objects.filter(ctx.within("region__code"))
    return {
        "complaints_by_subject": _rows(
            complaints.filter(period.contains_at("received_at")),
            "subject_kind",
            value=Count("pk"),
        ),
        "complaints_by_finding": _rows(
            complaints.filter(period.contains_at("concluded_at")), "finding", value=Count("pk")
        ),
    }


# --- 9. Demand signals for charities (需求信号, issue 14) --------------------------------------


def demand_figures(ctx: Context, period: Period, length: int | None) -> Groups:
    """Open needs at the end of the period by area and form (``matching.demand``): counts of
    needs under five (and those hidden with them) are stored as text ("不公布"), never the
    number."""
    from matching import demand

    children = [(c.code, c.prefix) for c in ctx.children] if length is not None else None
    groups = demand.evaluation_groups(
        ctx.region.code, children, as_of=period.as_of, day=period.as_of_date
    )
    if length is not None:
        groups[""] = demand.evaluation_groups(
            ctx.region.code, None, as_of=period.as_of, day=period.as_of_date
        )[""]
    return groups


def demand_breakdowns(ctx: Context, period: Period) -> dict[str, list[dict[str, Any]]]:
    from matching import demand

    return demand.evaluation_breakdowns(ctx.region.code, as_of=period.as_of, day=period.as_of_date)


def demand_prepare(ctx: Context) -> Callable[[], None] | None:
    """The province's demand figures at the period's end: read now, suppressed in a thread
    (``matching.demand.province_at_later``)."""
    from matching import demand

    return demand.province_at_later(
        ctx.region.code[:2].ljust(12, "0"),
        as_of=ctx.period.as_of,
        day=ctx.period.as_of_date,
        asking=ctx.region.code,
    )


def _demand_cell_labels() -> dict[str, Any]:
    from matching import demand

    return demand.cell_labels()


# --- The sections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise
    unit: Promise | str = ""
    #: Shown per child region (drill-down rows, the workbook's rows, the dashboard's bars).
    per_child: bool = False


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: Promise
    labels: dict[str, Promise] | None = None  # None: the key is shown as it is


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    figures: tuple[Figure, ...]
    compute: Callable[[Context, Period, int | None], Groups]
    breakdowns: Callable[[Context, Period], dict[str, list[dict[str, Any]]]]
    breakdown_info: tuple[Breakdown, ...] = ()
    #: The figure the charts of child regions show.
    chart_figure: str = ""
    #: The whole has figures of its own (computed without children): it cannot be read from
    #: the child rows' computation, which gives the whole beside them (``reports.sql``).
    whole_apart: bool = False
    #: Reads what the section needs now and returns work without the database (or None) to run
    #: in a thread while the other sections are computed; the section is computed after it.
    prepare: Callable[[Context], Callable[[], None] | None] | None = None

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    @property
    def child_figures(self) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if f.per_child)


def _choices(choices: Any) -> dict[str, Promise]:
    return dict(choices.choices)


HOUSEHOLDS, PEOPLE, ITEMS = _("households"), _("people"), _("items")
YUAN, DAYS, PERCENT, SCORE = _("yuan"), _("days"), "%", _("of 5")

SECTIONS: tuple[Section, ...] = (
    Section(
        "needs",
        _("Needs survey"),
        (
            Figure("households_visited", _("Households visited"), HOUSEHOLDS, True),
            Figure("visits", _("Home visits"), _("visits")),
            Figure("households", _("Households in the ledger"), HOUSEHOLDS, True),
            Figure("people", _("People in the ledger"), PEOPLE, True),
            Figure("needs_recorded", _("Needs recorded"), ITEMS, True),
            Figure("urgent_needs", _("Urgent needs recorded"), ITEMS, True),
            Figure("needs_open_at_end", _("Needs open at the end of the period"), ITEMS, True),
            Figure("needs_open_over_90_days", _("Needs open for over 90 days"), ITEMS),
            Figure("open_need_median_age_days", _("Median age of the open needs"), DAYS),
        ),
        needs_figures,
        needs_breakdowns,
        (
            Breakdown(
                "households_by_gap_class", _("Households by difficulty group"), _choices(GapClass)
            ),
            Breakdown(
                "people_by_status", _("People by assistance status"), _choices(AssistanceStatus)
            ),
            Breakdown("needs_by_area", _("Needs by charity area"), _choices(CharityArea)),
            Breakdown("needs_by_form", _("Needs by form of aid"), _choices(AidForm)),
            Breakdown("needs_by_status", _("Needs by status now"), _choices(Need.Status)),
        ),
        chart_figure="needs_recorded",
    ),
    Section(
        "supply",
        _("Resources supplied"),
        (
            Figure("organizations", _("Organisations registered"), _("organisations"), True),
            Figure("charitable_organizations", _("Charitable organisations"), _("organisations")),
            Figure("projects", _("Projects of these organisations"), _("projects"), True),
            Figure("places_offered", _("Places offered"), _("places"), True),
            Figure("open_ended_projects", _("Projects without a fixed number"), _("projects")),
            Figure("budget_offered", _("Budget offered"), YUAN),
            Figure("projects_covering", _("Projects covering the region"), _("projects")),
            Figure(
                "cross_region_projects",
                _("of which registered outside the region (cross-region aid)"),
                _("projects"),
            ),
            Figure("editions_published", _("Ledger editions published"), _("editions")),
            Figure("edition_entries", _("Listings reaching the region in these editions"), ITEMS),
            Figure("stale_listings", _("Stale listings"), _("projects"), True),
        ),
        supply_figures,
        supply_breakdowns,
        (
            Breakdown("organizations_by_tier", _("Organisations by tier"), _choices(Tier)),
            Breakdown(
                "organizations_by_type", _("Organisations by type"), _choices(Organization.Type)
            ),
            Breakdown("projects_by_tier", _("Projects by tier"), _choices(Tier)),
            Breakdown("projects_by_area", _("Projects by charity area"), _choices(CharityArea)),
            Breakdown("projects_by_form", _("Projects by form of aid"), _choices(AidForm)),
        ),
        chart_figure="projects",
        whole_apart=True,
    ),
    Section(
        "matching",
        _("Matching frequency"),
        (
            Figure("applications", _("Applications submitted"), ITEMS, True),
            Figure("self_applications", _("Applied by the household itself"), ITEMS),
            Figure("assisted_applications", _("Applied by the social worker"), ITEMS),
            Figure("simplified_procedure", _("With the simplified procedure"), ITEMS),
            Figure("households_applying", _("Households applying"), HOUSEHOLDS, True),
            Figure("projects_applied_to", _("Projects applied to"), _("projects")),
            Figure("workers_applying", _("Social workers applying"), PEOPLE, True),
            Figure("applications_per_worker", _("Applications per social worker"), ITEMS),
        ),
        matching_figures,
        matching_breakdowns,
        (
            Breakdown("applications_by_month", _("Applications per month")),
            Breakdown("applications_by_project", _("Applications per project (top 10)")),
            Breakdown("applications_by_worker", _("Applications per social worker (top 10)")),
            Breakdown(
                "applications_by_mode", _("Applications by who applied"), _choices(Application.Mode)
            ),
        ),
        chart_figure="applications",
    ),
    Section(
        "results",
        _("Match results"),
        (
            Figure("answered", _("Applications answered"), ITEMS, True),
            Figure("accepted", _("Accepted"), ITEMS, True),
            Figure("rejected", _("Rejected"), ITEMS),
            Figure("acceptance_rate", _("Acceptance rate"), PERCENT, True),
            Figure("expired", _("Expired without an answer"), ITEMS),
            Figure("median_days_to_answer", _("Median days to the supplier's answer"), DAYS, True),
            Figure("delivered", _("Aid delivered (places)"), _("places"), True),
            Figure("value_delivered", _("Value delivered"), YUAN, True),
            Figure("median_days_to_delivery", _("Median days from application to delivery"), DAYS),
            Figure("needs_met", _("Needs met"), ITEMS, True),
            Figure("needs_unmet", _("Needs closed unmet"), ITEMS, True),
            Figure("needs_withdrawn", _("Needs withdrawn"), ITEMS),
            Figure("duplicate_flags_raised", _("Duplicate-aid flags raised"), ITEMS),
            Figure("duplicate_flags_resolved", _("Duplicate-aid flags resolved"), ITEMS),
            Figure("duplicate_flags_upheld", _("of which upheld"), ITEMS),
        ),
        results_figures,
        results_breakdowns,
        (
            Breakdown(
                "rejection_reasons",
                _("Rejections by reason"),
                _choices(Application.RejectionReason),
            ),
            Breakdown(
                "rejection_criteria",
                _("Conditions not met"),
                _choices(Application.Criterion),
            ),
            Breakdown("unmet_reasons", _("Needs closed unmet, by what happened"), UNMET_REASONS),
            Breakdown(
                "delivered_by_area", _("Aid delivered by charity area"), _choices(CharityArea)
            ),
        ),
        chart_figure="delivered",
    ),
    Section(
        "satisfaction",
        _("Satisfaction of both sides"),
        (
            Figure("household_feedback", _("Feedback from households"), ITEMS, True),
            Figure("household_satisfaction", _("Households' mean satisfaction"), SCORE, True),
            Figure("household_satisfied", _("Households satisfied (4 or 5)"), ITEMS),
            Figure("supplier_feedback", _("Feedback from suppliers"), ITEMS, True),
            Figure("supplier_satisfaction", _("Suppliers' mean satisfaction"), SCORE, True),
            Figure("supplier_satisfied", _("Suppliers satisfied (4 or 5)"), ITEMS),
        ),
        satisfaction_figures,
        satisfaction_breakdowns,
        (
            Breakdown("household_distribution", _("Households' satisfaction (1–5)")),
            Breakdown("supplier_distribution", _("Suppliers' satisfaction (1–5)")),
        ),
        chart_figure="household_satisfaction",
    ),
    Section(
        "disclosure",
        _("Information disclosure"),
        (
            Figure("listings_to_confirm", _("Published listings"), _("projects"), True),
            Figure(
                "listings_confirmed_on_time",
                _("Confirmed within the half year"),
                _("projects"),
                True,
            ),
            Figure("listings_stale", _("Not confirmed for half a year"), _("projects")),
            Figure("confirmation_rate", _("Listings confirmed on time"), PERCENT, True),
            Figure("disclosures_required", _("Listings bound to disclose"), _("projects")),
            Figure("disclosures_on_time", _("Disclosures on time"), _("projects")),
            Figure("disclosures_overdue", _("Disclosures overdue"), _("projects"), True),
        ),
        disclosure_figures,
        disclosure_breakdowns,
        (),
        chart_figure="disclosures_overdue",
    ),
    Section(
        "referrals",
        _("Two-way referral"),
        (
            Figure("referrals_sent", _("Referrals sent"), ITEMS, True),
            Figure("to_charity", _("to charities and people's organisations"), ITEMS, True),
            Figure("to_civil_affairs", _("from charities to civil affairs"), ITEMS, True),
            Figure("to_station", _("to the township station for case service"), ITEMS),
            Figure("declined", _("Declined"), ITEMS),
            Figure("received_on_time", _("Received within the working days due"), ITEMS),
            Figure("receipt_deadline_kept", _("Receipt deadlines kept"), PERCENT, True),
            Figure("outcomes_recorded", _("Outcomes recorded"), ITEMS, True),
            Figure("granted", _("Government aid granted"), ITEMS, True),
            Figure("helped", _("Helped, fully or partly"), ITEMS),
            Figure("outcome_on_time", _("Outcomes recorded by the day due"), ITEMS),
            Figure("outcome_deadline_kept", _("Outcome deadlines kept"), PERCENT, True),
            Figure("cases_opened", _("Cases opened at the station"), _("cases")),
            Figure("cases_closed", _("Cases closed"), _("cases")),
        ),
        referrals_figures,
        referrals_breakdowns,
        (
            Breakdown(
                "referrals_by_direction",
                _("Referrals by direction"),
                _choices(Direction),
            ),
            Breakdown(
                "referrals_by_urgency", _("Referrals by urgency"), _choices(Referral.Urgency)
            ),
            Breakdown("referral_outcomes", _("Outcomes"), _choices(Referral.Outcome)),
        ),
        chart_figure="referrals_sent",
    ),
    Section(
        "complaints",
        _("Complaints"),
        (
            Figure("complaints_received", _("Complaints received"), ITEMS, True),
            Figure("complaints_concluded", _("Complaints concluded"), ITEMS, True),
            Figure("concluded_in_time", _("Concluded by the reply's day due"), ITEMS),
            Figure("complaint_deadline_kept", _("Complaint deadlines kept"), PERCENT, True),
            Figure("complaints_upheld", _("Upheld in whole or in part"), ITEMS),
            Figure("complaints_open_at_end", _("Still open at the end of the period"), ITEMS),
            Figure(
                "median_days_to_conclusion",
                _("Median days from receipt to conclusion"),
                DAYS,
                True,
            ),
        ),
        complaints_figures,
        complaints_breakdowns,
        (
            Breakdown(
                "complaints_by_subject",
                _("Complaints by what they are about"),
                _choices(Complaint.Subject),
            ),
            Breakdown(
                "complaints_by_finding", _("Complaints by finding"), _choices(Complaint.Finding)
            ),
        ),
        chart_figure="complaints_received",
    ),
    Section(
        "demand",
        _("Demand signals for charities"),
        (
            Figure("demand_open_needs", _("Open needs at the end of the period"), ITEMS, True),
            Figure(
                "demand_cells", _("Combinations of area and form with open needs"), _("kinds"), True
            ),
            Figure(
                "demand_gap_cells",
                _("of which with no running project for some township (gaps)"),
                _("kinds"),
                True,
            ),
            Figure("demand_gap_needs", _("Open needs a new project would meet"), ITEMS, True),
        ),
        demand_figures,
        demand_breakdowns,
        (
            Breakdown("demand_by_area", _("Open needs by charity area"), _choices(CharityArea)),
            Breakdown(
                "demand_gaps", _("Gaps: needs a new project would meet"), _demand_cell_labels()
            ),
        ),
        chart_figure="demand_gap_needs",
        prepare=demand_prepare,
    ),
)

SECTION_BY_KEY = {section.key: section for section in SECTIONS}


# --- Putting it together ---------------------------------------------------------------------


def _clean(values: dict[str, Any], section: Section, *, per_child: bool = False) -> dict[str, Any]:
    figures = section.child_figures if per_child else section.figures
    return {f.key: _number(values.get(f.key)) for f in figures}


def _zeroes(groups: Groups, key: str) -> dict[str, Any]:
    return groups.get(key, {})


def section_metrics(section: Section, ctx: Context, *, previous: bool = True) -> dict[str, Any]:
    """One section for the context: totals, the year before, breakdowns, child rows. With
    children, the totals come from the child rows' computation (one scan on PostgreSQL), unless
    the section's whole has figures of its own."""
    groups = section.compute(ctx, ctx.period, ctx.length) if ctx.children else {}
    if groups and not section.whole_apart:
        totals = groups[""]
    else:
        totals = section.compute(ctx, ctx.period, None)[""]
    result: dict[str, Any] = {
        "figures": _clean(_fill(totals, section), section),
        "breakdowns": section.breakdowns(ctx, ctx.period),
    }
    if previous:
        before = section.compute(ctx, ctx.period.previous(), None)[""]
        result["previous"] = _clean(_fill(before, section), section)
    if ctx.children:
        result["children"] = [
            {
                "code": child.code,
                "name": child.name,
                "figures": _clean(
                    _fill(_zeroes(groups, child.prefix), section), section, per_child=True
                ),
            }
            for child in ctx.children
        ]
    else:
        result["children"] = []
    return result


def _fill(values: dict[str, Any], section: Section) -> dict[str, Any]:
    """Counts and sums absent from a grouped result are zero; rates, means and medians of
    nothing stay empty."""
    filled = dict(values)
    for figure in section.figures:
        if figure.key not in filled:
            filled[figure.key] = None
        if filled[figure.key] is None and figure.unit not in (DAYS, PERCENT, SCORE):
            filled[figure.key] = 0
    return filled


def compute(
    region: Region,
    period: Period,
    *,
    sections: tuple[Section, ...] = SECTIONS,
    previous: bool = True,
    children: bool = True,
) -> dict[str, Any]:
    """Every section's figures for a region and a period, as the JSON an evaluation freezes."""
    ctx = Context(region=region, period=period, children=child_regions(region) if children else [])
    computed: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        # A section's database-free work (the demand signals' suppression) runs beside the
        # other sections' queries; the section itself is computed once it is done.
        pending = {}
        for section in sections:
            work = section.prepare(ctx) if section.prepare is not None else None
            if work is not None:
                pending[section.key] = pool.submit(work)
        for section in sorted(sections, key=lambda s: s.key in pending):
            if section.key in pending:
                pending[section.key].result()
            computed[section.key] = section_metrics(section, ctx, previous=previous)
    return {
        "schema": SCHEMA_VERSION,
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "period": period.as_dict(),
        "previous_period": period.previous().as_dict(),
        "as_of": period.as_of.isoformat(),
        "sections": {section.key: computed[section.key] for section in sections},
    }
