"""Pages of the reports: the live dashboard with its drill-down, the evaluations with their
versions, workflow and files, and the htmx fragments that show a build's or a file's progress.

Thin: scope (selectors, 404 for strangers) -> form -> service -> redirect or template.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.forms import add_service_errors
from accounts.models import Region

from . import metrics, selectors, services
from .forms import BuildForm, ExportForm, NarrativeForm, PeriodForm, ReturnForm, ZipForm
from .models import AnnualEvaluation, ReportExport
from .presentation import NARRATIVE_PARTS, display, present

PAGE_SIZE = 50
#: The headline figures of the dashboard and of the counties side by side.
HEADLINES = (
    ("needs", "households"),
    ("needs", "needs_recorded"),
    ("matching", "applications"),
    ("results", "acceptance_rate"),
    ("results", "value_delivered"),
    ("satisfaction", "household_satisfaction"),
)


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for values in exc.message_dict.values() for m in values]
    return list(exc.messages)


# --- The live dashboard ----------------------------------------------------------------------


def _headlines(data: dict[str, Any]) -> list[dict[str, Any]]:
    cards = []
    for section_key, figure_key in HEADLINES:
        section = metrics.SECTION_BY_KEY[section_key]
        figure = section.figure(figure_key)
        stored = data["sections"].get(section_key, {})
        cards.append(
            {
                "label": str(figure.label),
                "unit": str(figure.unit),
                "value": stored.get("figures", {}).get(figure_key),
                "previous": stored.get("previous", {}).get(figure_key),
            }
        )
    return cards


def _chart_data(data: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    """What the dashboard's charts draw (read by static/js/reports-dashboard.js)."""
    sections = data["sections"]
    figures = []
    for section in metrics.SECTIONS:
        for figure in section.child_figures:
            figures.append(
                {"key": f"{section.key}.{figure.key}", "label": f"{figure.label}({figure.unit})"}
            )
    children = []
    for index, child in enumerate(sections["needs"]["children"]):
        values = {}
        for section in metrics.SECTIONS:
            row = sections[section.key]["children"][index]["figures"]
            for key, value in row.items():
                values[f"{section.key}.{key}"] = value
        url = reverse("reports:dashboard") + "?" + urlencode({**query, "region": child["code"]})
        children.append({"name": child["name"], "url": url, "values": values})
    months = sections["matching"]["breakdowns"]["applications_by_month"]
    areas = metrics.SECTION_BY_KEY["needs"].breakdown_info[2].labels or {}
    return {
        "figures": figures,
        "figure": "matching.applications",
        "children": children,
        "months": [row["key"] for row in months],
        "monthly": [row["value"] for row in months],
        "areas": [
            {"name": str(areas.get(row["key"], row["key"])), "value": row["value"]}
            for row in sections["needs"]["breakdowns"]["needs_by_area"]
        ],
        "labels": {
            "monthly": _("Applications per month"),
            "areas": _("Needs by charity area"),
            "children": _("By region"),
        },
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The live figures of my region (or one below it) for this year or chosen days, with
    charts, the year before beside each figure, and the child regions to drill down into."""
    user = request.user
    selectors.require_officer(user)
    code = request.GET.get("region")
    region = selectors.region_for_user(user, code) if code else selectors.home_region(user)
    form = PeriodForm(request.GET or None)
    start, end = form.period_or_default()
    period = metrics.Period(start, end)
    data = selectors.live_metrics(region, period)
    query = {"start": start.isoformat(), "end": end.isoformat()}
    context = {
        "region": region,
        "path": selectors.region_path(user, region),
        "form": form,
        "period": period,
        "headlines": _headlines(data),
        "sections": present(data),
        "chart_data": _chart_data(data, query),
        "query": urlencode(query),
    }
    return render(request, "reports/dashboard.html", context, status=400 if form.errors else 200)


@login_required
def dashboard_card(request: HttpRequest) -> HttpResponse:
    """The landing page's card: last year's evaluations in my area by status."""
    user = request.user
    selectors.require_officer(user)
    year = selectors.last_year()
    evaluations = selectors.evaluation_list_for_user(user).filter(year=year)
    counts = selectors.status_counts(evaluations)
    url = reverse("reports:evaluation_list")
    return render(
        request,
        "reports/includes/dashboard_card.html",
        {
            "year": year,
            "counts": [
                (status.label, counts.get(status, 0), f"{url}?year={year}&status={status}")
                for status in AnnualEvaluation.Status
            ],
        },
    )


# --- Evaluations -----------------------------------------------------------------------------


def _list_context(request: HttpRequest, **forms: Any) -> dict[str, Any]:
    user = request.user
    evaluations = selectors.evaluation_list_for_user(user)
    years = selectors.evaluation_years()
    year = request.GET.get("year", "")
    level = request.GET.get("level", "")
    status = request.GET.get("status", "")
    if year.isascii() and year.isdigit():
        evaluations = evaluations.filter(year=int(year))
    if level in Region.Level.values:
        evaluations = evaluations.filter(region__level=level)
    if status in AnnualEvaluation.Status.values:
        evaluations = evaluations.filter(status=status)
    page = Paginator(evaluations, PAGE_SIZE).get_page(request.GET.get("page"))
    regions = selectors.buildable_regions(user)
    context = {
        "page": page,
        "years": years,
        "year": year,
        "level": level,
        "status": status,
        "levels": [(value, label) for value, label in Region.Level.choices if value != "village"],
        "statuses": AnnualEvaluation.Status.choices,
        "counts": selectors.status_counts(evaluations),
        "builds": list(selectors.build_list_for_user(user)[:5]),
        "build_form": forms.get("build_form")
        or (BuildForm(regions=regions, years=years) if regions.exists() else None),
        "zip_form": forms.get("zip_form")
        or (ZipForm(years=years, prefix="zip") if user.is_administrator else None),
        "zips": list(ReportExport.objects.visible_to(user).filter(kind=ReportExport.Kind.ZIP)[:3]),
    }
    for evaluation in page.object_list:
        latest: dict[str, ReportExport] = {}
        for export in evaluation.files:
            latest.setdefault(export.kind, export)
        evaluation.latest = [latest[k] for k in ("pdf", "xlsx", "csv") if k in latest]
    return context


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    selectors.require_officer(request.user)
    return render(request, "reports/evaluation_list.html", _list_context(request))


@login_required
@require_POST
def build_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_officer(user)
    form = BuildForm(
        request.POST, regions=selectors.buildable_regions(user), years=selectors.evaluation_years()
    )
    if form.is_valid():
        try:
            build = services.build_request(
                user=user, region=form.cleaned_data["region"], year=form.cleaned_data["year"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The evaluation of %(region)s is being built; its progress is shown below.")
                % {"region": build.region.name},
            )
            return redirect("reports:evaluation_list")
    return render(
        request, "reports/evaluation_list.html", _list_context(request, build_form=form), status=400
    )


@login_required
def build_status(request: HttpRequest, pk: int) -> HttpResponse:
    build = selectors.build_get_for_user(request.user, pk)
    return render(request, "reports/includes/build_status.html", {"build": build})


def _detail_context(request: HttpRequest, evaluation: AnnualEvaluation, **extra: Any) -> dict:
    user = request.user
    author = services.is_author(user, evaluation)
    reviewer = services.is_reviewer(user, evaluation)
    sections = present(evaluation.metrics, evaluation.narrative)
    editable = author and evaluation.is_editable
    for section in sections:
        if editable:
            bound = extra.get("narrative_forms", {}).get(section.key)
            section.form = bound or NarrativeForm(  # type: ignore[attr-defined]
                initial=section.narrative, prefix=section.key
            )
    side_by_side = []
    if evaluation.region.level in (Region.Level.PREFECTURE, Region.Level.PROVINCE):
        for child, child_evaluation in selectors.children_side_by_side(user, evaluation):
            values = []
            if child_evaluation is not None:
                stored = child_evaluation.metrics.get("sections", {})
                values = [
                    display(stored.get(s, {}).get("figures", {}).get(f)) for s, f in HEADLINES
                ]
            side_by_side.append((child, child_evaluation, values))
    headline_labels = [str(metrics.SECTION_BY_KEY[s].figure(f).label) for s, f in HEADLINES]
    return {
        "evaluation": evaluation,
        "sections": sections,
        "parts": NARRATIVE_PARTS,
        "author": author,
        "reviewer": reviewer,
        "editable": editable,
        "can_submit": author
        and evaluation.is_current
        and evaluation.status in AnnualEvaluation.EDITABLE
        and evaluation.region.level in services.SUBMITTING_LEVELS,
        "can_review": reviewer
        and evaluation.is_current
        and evaluation.status == AnnualEvaluation.Status.SUBMITTED,
        "missing": services.narrative_missing(evaluation) if author else [],
        "return_form": extra.get("return_form") or ReturnForm(),
        "export_form": ExportForm(),
        "versions": selectors.versions_of(evaluation),
        "files": selectors.latest_files(evaluation),
        "pending": list(selectors.pending_exports(evaluation)),
        "side_by_side": side_by_side,
        "headline_labels": headline_labels,
        "errors": extra.get("errors", []),
    }


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get_for_user(request.user, pk)
    return render(request, "reports/evaluation_detail.html", _detail_context(request, evaluation))


def _refused(request: HttpRequest, evaluation: AnnualEvaluation, exc: ValidationError, **extra):
    return render(
        request,
        "reports/evaluation_detail.html",
        _detail_context(request, evaluation, errors=_messages_of(exc), **extra),
        status=400,
    )


@login_required
@require_POST
def narrative_save(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    evaluation = selectors.evaluation_get_for_user(request.user, pk)
    form = NarrativeForm(request.POST, prefix=section)
    if not form.is_valid():
        return render(
            request,
            "reports/evaluation_detail.html",
            _detail_context(request, evaluation, narrative_forms={section: form}),
            status=400,
        )
    try:
        services.narrative_save(
            user=request.user, evaluation=evaluation, section=section, parts=form.cleaned_data
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _refused(request, evaluation, exc, narrative_forms={section: form})
    messages.success(request, _("Narrative saved."))
    return redirect(reverse("reports:evaluation_detail", args=[evaluation.pk]) + f"#{section}")


@login_required
@require_POST
def evaluation_submit(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get_for_user(request.user, pk)
    try:
        services.evaluation_submit(user=request.user, evaluation=evaluation)
    except ValidationError as exc:
        return _refused(request, evaluation, exc)
    messages.success(request, _("Submitted to %(region)s.") % {"region": evaluation.region.parent})
    return redirect("reports:evaluation_detail", pk=evaluation.pk)


@login_required
@require_POST
def evaluation_return(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get_for_user(request.user, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.evaluation_return(
                user=request.user, evaluation=evaluation, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return _refused(request, evaluation, exc, return_form=form)
        messages.success(request, _("Returned to %(region)s.") % {"region": evaluation.region})
        return redirect("reports:evaluation_detail", pk=evaluation.pk)
    return render(
        request,
        "reports/evaluation_detail.html",
        _detail_context(request, evaluation, return_form=form),
        status=400,
    )


@login_required
@require_POST
def evaluation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get_for_user(request.user, pk)
    try:
        services.evaluation_accept(user=request.user, evaluation=evaluation)
    except ValidationError as exc:
        return _refused(request, evaluation, exc)
    messages.success(request, pgettext("evaluation", "Accepted."))
    return redirect("reports:evaluation_detail", pk=evaluation.pk)


# --- Files -----------------------------------------------------------------------------------


@login_required
@require_POST
def export_create(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get_for_user(request.user, pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        raise Http404
    export = services.export_request(
        user=request.user, evaluation=evaluation, kind=form.cleaned_data["kind"]
    )
    if request.htmx:
        return render(request, "reports/includes/export_status.html", {"export": export})
    return redirect("reports:evaluation_detail", pk=evaluation.pk)


@login_required
@require_POST
def zip_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_officer(user)
    if not user.is_administrator:
        raise Http404
    form = ZipForm(request.POST, years=selectors.evaluation_years(), prefix="zip")
    if form.is_valid():
        try:
            services.year_zip_request(user=user, year=form.cleaned_data["year"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The zip is being built; its progress is shown below."))
            return redirect("reports:evaluation_list")
    return render(
        request, "reports/evaluation_list.html", _list_context(request, zip_form=form), status=400
    )


@login_required
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    export = selectors.export_get_for_user(request.user, pk)
    return render(request, "reports/includes/export_status.html", {"export": export})


@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of the reports, through the user's scope (never from MEDIA_URL)."""
    export = selectors.export_get_for_user(request.user, pk)
    if not export.is_ready:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=export.filename or export.file.name.rsplit("/", 1)[-1],
        content_type=export.content_type,
    )
