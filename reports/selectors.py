"""Reads of the reports for pages and the API, every one inside the user's scope.

Reports are for civil affairs and administrators: a social worker or a charity sees none of
them (404), and a department sees its own region and the regions below it, never a neighbour's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import identifiers
from accounts.models import Region
from accounts.scope import get_visible_or_404, region_scope

from . import metrics
from .models import AnnualEvaluation, EvaluationBuild, ReportExport
from .services import EVALUATED_LEVELS

#: Live figures are recomputed at most this often for the same region and days.
LIVE_CACHE_SECONDS = 300


def require_officer(user: Any) -> None:
    if not (user.is_authenticated and user.is_active and user.is_officer):
        raise Http404


def home_region(user: Any) -> Region:
    """Where the dashboard starts: the department's region, the province for administrators."""
    require_officer(user)
    if user.region is not None:
        return user.region
    province = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code").first()
    if province is None:
        raise Http404
    return province


def region_for_user(user: Any, code: Any) -> Region:
    """A region inside the user's scope, by code; 404 for anything else (another county, a
    malformed code)."""
    require_officer(user)
    code = identifiers.ascii_digits(str(code or ""))
    if not code or len(code) != 12:
        raise Http404
    scope = region_scope(user)
    if not scope.contains(code):
        raise Http404
    try:
        return Region.objects.select_related("parent").get(
            code=code, level__in=(*EVALUATED_LEVELS, Region.Level.VILLAGE)
        )
    except Region.DoesNotExist as exc:
        raise Http404 from exc


def region_path(user: Any, region: Region) -> list[Region]:
    """The breadcrumb from the user's home region (or the province) down to ``region``, in one
    query: the ancestors' codes follow from the region's own."""
    scope = region_scope(user)
    codes = {region.code[:n].ljust(12, "0") for n in (2, 4, 6, 9) if n < len(region.prefix)}
    above = [r for r in Region.objects.filter(code__in=codes) if scope.contains(r.code)]
    return [*sorted(above, key=lambda r: len(r.prefix)), region]


def live_metrics(region: Region, period: metrics.Period) -> dict[str, Any]:
    """The figures of a region for any days, kept in the cache for a few minutes."""
    key = f"reports:live:{region.code}:{period.start}:{period.end}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    computed = metrics.compute(region, period)
    cache.set(key, computed, LIVE_CACHE_SECONDS)
    return computed


def evaluation_list_for_user(user: Any) -> QuerySet[AnnualEvaluation]:
    """Current versions of the evaluations in the user's scope, with their files."""
    ready = ReportExport.objects.filter(status=ReportExport.Status.DONE).exclude(file="")
    return (
        AnnualEvaluation.objects.visible_to(user)
        .current()
        .select_related("region__parent")
        .prefetch_related(
            Prefetch("exports", queryset=ready.order_by("-finished_at", "-pk"), to_attr="files")
        )
        .order_by("-year", "region_id")
    )


def evaluation_get_for_user(user: Any, pk: Any) -> AnnualEvaluation:
    if not identifiers.is_ascii_digits(str(pk)):
        raise Http404
    return get_visible_or_404(
        AnnualEvaluation.objects.select_related(
            "region__parent", "built_by", "submitted_by", "reviewed_by"
        ),
        user,
        pk=pk,
    )


def versions_of(evaluation: AnnualEvaluation) -> QuerySet[AnnualEvaluation]:
    return AnnualEvaluation.objects.filter(
        region_id=evaluation.region_id, year=evaluation.year
    ).order_by("-version")


def latest_files(evaluation: AnnualEvaluation) -> list[ReportExport]:
    """The newest ready file of each kind of an evaluation: PDF, workbook, CSV."""
    latest: dict[str, ReportExport] = {}
    for export in (
        evaluation.exports.filter(status=ReportExport.Status.DONE)
        .exclude(file="")
        .order_by("-finished_at", "-pk")
    ):
        latest.setdefault(export.kind, export)
    return [latest[kind] for kind in ("pdf", "xlsx", "csv") if kind in latest]


def pending_exports(evaluation: AnnualEvaluation) -> QuerySet[ReportExport]:
    return evaluation.exports.filter(finished_at__isnull=True).order_by("-created_at")


def children_side_by_side(
    user: Any, evaluation: AnnualEvaluation
) -> list[tuple[Region, AnnualEvaluation | None]]:
    """The child regions of an evaluation's region with their current evaluation of the same
    year (or None), for the city reading its counties side by side."""
    children = list(
        Region.objects.filter(parent_id=evaluation.region_id, valid_to__isnull=True)
        .exclude(level=Region.Level.VILLAGE)
        .order_by("code")
    )
    found = {
        e.region_id: e
        for e in AnnualEvaluation.objects.visible_to(user)
        .current()
        .filter(region__in=children, year=evaluation.year)
    }
    return [(child, found.get(child.code)) for child in children]


def status_counts(queryset: QuerySet[AnnualEvaluation]) -> dict[str, int]:
    rows = queryset.order_by().values_list("status").annotate(n=Count("pk")).order_by()
    return dict(rows)


def export_get_for_user(user: Any, pk: Any) -> ReportExport:
    if not identifiers.is_ascii_digits(str(pk)):
        raise Http404
    return get_visible_or_404(
        ReportExport.objects.select_related("evaluation__region"), user, pk=pk
    )


def build_list_for_user(user: Any) -> QuerySet[EvaluationBuild]:
    """Builds the user asked for (all of them for administrators), newest first."""
    require_officer(user)
    builds = EvaluationBuild.objects.select_related("region", "evaluation")
    if not user.is_administrator:
        builds = builds.filter(requested_by=user)
    return builds.order_by("-created_at", "-pk")


def build_get_for_user(user: Any, pk: Any) -> EvaluationBuild:
    if not identifiers.is_ascii_digits(str(pk)):
        raise Http404
    try:
        return build_list_for_user(user).get(pk=pk)
    except EvaluationBuild.DoesNotExist as exc:
        raise Http404 from exc


def buildable_regions(user: Any) -> QuerySet[Region]:
    """What the user may build: administrators the province, cities and counties (townships
    by their division code); civil affairs the townships of their area."""
    if not (user.is_authenticated and user.is_officer):
        return Region.objects.none()
    current = Region.objects.filter(valid_to__isnull=True).select_related("parent")
    if user.is_administrator:
        return current.filter(
            level__in=[Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY]
        ).order_by("code")
    return current.filter(region_scope(user).q("code"), level=Region.Level.TOWNSHIP).order_by(
        "code"
    )


def evaluation_years() -> list[int]:
    """Years offered in filters and forms: from 2023 (the mechanism's start) to this year."""
    this_year = timezone.localdate().year
    return list(range(this_year, 2022, -1))


def last_year() -> int:
    return timezone.localdate().year - 1


def today() -> dt.date:
    return timezone.localdate()
