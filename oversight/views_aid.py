"""Pages of member units' aid records.

Member-unit staff: their unit's records and the workbook (template, preview, import). Civil
affairs and administrators: the records of their area, the unmatched ones first (the queue),
with "match again" and "dismiss with a note". The household page's fragment: the household's
matched records, for whoever sees the household. Anyone else gets 404.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import add_service_errors
from accounts.pagination import capped_page
from accounts.scope import get_visible_or_404
from accounts.workbook_import import WorkbookImport
from needs import selectors as needs_selectors

from . import aid_excel
from . import aid_records as service
from .models import AidRecord

PAGE_SIZE = 25
St = AidRecord.Status


class DismissForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why it is dismissed"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _records(user: Any) -> QuerySet[AidRecord]:
    return AidRecord.objects.visible_to(user).select_related("unit", "region", "household")


def _reader(request: HttpRequest) -> Any:
    """Officers and member units; 404 for everyone else."""
    user = request.user
    if not (service.is_officer(user) or service.unit_of(user) is not None):
        raise Http404
    return user


def _filters(officer: bool) -> list[tuple[str, str]]:
    filters = [(value, str(label)) for value, label in St.choices]
    if officer:  # the queue first
        filters.sort(key=lambda f: f[0] != St.UNMATCHED)
    return [*filters, ("all", _("All"))]


def _counts(user: Any) -> dict[str, int]:
    return _records(user).aggregate(
        unmatched=Count("pk", filter=Q(status=St.UNMATCHED)),
        matched=Count("pk", filter=Q(status=St.MATCHED)),
        total=Count("pk"),
    )


@login_required
@require_GET
def aid_record_list(request: HttpRequest) -> HttpResponse:
    """The records of the unit (member units) or of the area (civil affairs, the unmatched
    ones by default: the queue)."""
    user = _reader(request)
    officer = service.is_officer(user)
    status = request.GET.get("status") or ("unmatched" if officer else "all")
    filters = _filters(officer)
    if status not in dict(filters):
        raise Http404
    queryset = _records(user)
    if status != "all":
        queryset = queryset.filter(status=status)
    page = capped_page(request, queryset, PAGE_SIZE)
    context = {
        "page": page,
        "status": status,
        "filters": filters,
        "officer": officer,
        "unit": None if officer else service.unit_of(user),
        "counts": _counts(user),
        "dismiss_form": DismissForm(),
    }
    return render(request, "oversight/aid_record_list.html", context)


def _officer_record(request: HttpRequest, pk: int) -> AidRecord:
    if not service.is_officer(request.user):
        raise Http404
    return get_visible_or_404(AidRecord.objects.all(), request.user, pk=pk)


def _back(request: HttpRequest) -> HttpResponse:
    status = request.POST.get("status") or "unmatched"
    if status not in dict(_filters(True)):
        status = "unmatched"
    return redirect(f"{reverse('oversight:aid_record_list')}?status={status}")


@login_required
@require_POST
def aid_record_match(request: HttpRequest, pk: int) -> HttpResponse:
    record = _officer_record(request, pk)
    try:
        matched = service.aid_record_match_again(user=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if matched:
            messages.success(
                request, _("%(number)s is matched to the ledger.") % {"number": record.number}
            )
        else:
            messages.warning(
                request,
                _("%(number)s: the person is still not on the need ledger of the unit's region.")
                % {"number": record.number},
            )
    return _back(request)


@login_required
@require_POST
def aid_record_match_all(request: HttpRequest) -> HttpResponse:
    if not service.is_officer(request.user):
        raise Http404
    report = service.aid_records_match_all(user=request.user)
    messages.info(
        request,
        _("%(matched)s of %(waiting)s waiting records matched.")
        % {"matched": report.matched, "waiting": report.looked_at},
    )
    return _back(request)


@login_required
@require_POST
def aid_record_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    record = _officer_record(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            service.aid_record_dismiss(
                user=request.user, record=record, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(number)s is dismissed.") % {"number": record.number})
            return _back(request)
    for error in form.errors.get("note", []) + form.non_field_errors():
        messages.error(request, f"{record.number}: {error}")
    return _back(request)


# --- The workbook ------------------------------------------------------------------------------


def _unit_user(request: HttpRequest) -> Any:
    unit = service.unit_of(request.user)
    if unit is None:
        raise Http404
    return unit


def _import_page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("form", IMPORT.upload_form())
    context["max_mb"] = aid_excel.MAX_UPLOAD_BYTES // (1024 * 1024)
    context["max_rows"] = aid_excel.MAX_ROWS
    return render(request, "oversight/aid_import.html", context, status=status)


# Every file within the upload limit waits in the session between preview and import.
IMPORT = WorkbookImport(
    run=aid_excel.aid_import,
    page=_import_page,
    session_key="oversight_aid_import",
    start_url="oversight:aid_import",
    max_upload_bytes=aid_excel.MAX_UPLOAD_BYTES,
    stash_max_bytes=aid_excel.MAX_UPLOAD_BYTES,
)


@login_required
def aid_import(request: HttpRequest) -> HttpResponse:
    """GET: the page. POST action=preview: a dry run. POST action=confirm: the import of the
    previewed file (kept encrypted in the session between the two)."""
    _unit_user(request)
    if request.method != "POST":
        return _import_page(request)
    return IMPORT.post(request)


@login_required
@require_GET
def aid_template(request: HttpRequest) -> HttpResponse:
    unit = _unit_user(request)
    data = aid_excel.template(unit_region_code=unit.region_id)
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename="成员单位救助记录导入模板.xlsx",
        content_type=aid_excel.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Fragments ---------------------------------------------------------------------------------


@login_required
@require_GET
def household_fragment(request: HttpRequest, household_pk: int) -> HttpResponse:
    """The household page's aid from other departments (an htmx fragment, no layout)."""
    household = needs_selectors.household_get_for_user(request.user, household_pk)
    records = service.household_aid([household.pk])
    return render(request, "oversight/_household_aid.html", {"records": records})


@login_required
@require_GET
def aid_card(request: HttpRequest) -> HttpResponse:
    """The landing page's figures: the queue of the area (officers), the unit's records."""
    user = _reader(request)
    context = {
        "counts": _counts(user),
        "officer": service.is_officer(user),
        "today": timezone.localdate(),
    }
    return render(request, "oversight/_aid_card.html", context)
