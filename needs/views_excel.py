"""Pages for the Excel export and import of the need ledger: parse, call needs.excel, render."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.net import client_ip
from accounts.workbook_import import WorkbookImport

from . import excel, selectors
from .services import can_edit_ledger

#: Above this many villages and townships the region is typed as a code instead of chosen.
REGION_SELECT_LIMIT = 500


def _region_widget(user: Any) -> forms.Widget:
    regions = selectors.region_choices_for_user(user).select_related("parent")
    if regions.count() > REGION_SELECT_LIMIT:
        return forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 12})
    choices = [("", _("Everything I can see"))]
    for region in regions:
        name = f"{region.parent.name} {region.name}" if region.level == "village" else region.name
        choices.append((region.code, f"{name} ({region.code})"))
    return forms.Select(choices=choices)


class ExportForm(forms.Form):
    """The region is checked against the user's scope by the export (404 outside it)."""

    region = forms.CharField(
        label=gettext_lazy("Township or village"), required=False, max_length=12
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].widget = _region_widget(user)


class FullExportForm(ExportForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason for exporting full values"),
        max_length=500,
        error_messages={
            "required": gettext_lazy("Please give the reason for exporting full values.")
        },
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("e.g. yearly check with the civil affairs list")}
        ),
    )


def _xlsx(data: bytes, filename: str) -> FileResponse:
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=filename,
        content_type=excel.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response


def _hub(
    request: HttpRequest, *, full_form: FullExportForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    home = getattr(user, "region", None)
    context = {
        "export_form": ExportForm(user=user),
        "full_form": full_form or FullExportForm(user=user, auto_id="full_%s"),
        "can_export_full": getattr(user, "is_administrator", False)
        or (home is not None and can_edit_ledger(user, home.code)),
        "can_import": excel.can_import(user),
    }
    return render(request, "needs/excel/index.html", context, status=status)


@login_required
@require_GET
def ledger_excel(request: HttpRequest) -> HttpResponse:
    """Downloads and upload of the ledger in Excel."""
    return _hub(request)


@login_required
@require_http_methods(["GET", "POST"])
def household_export(request: HttpRequest) -> HttpResponse:
    """GET: the summary table, masked. POST with a reason: full values, logged once."""
    user = request.user
    today = timezone.localdate()
    if request.method == "GET":
        region = excel.export_region_for_user(user, request.GET.get("region"))
        data = excel.household_workbook(user=user, region=region, today=today)
        place = excel.region_place_name(region or user.region)
        return _xlsx(data, f"服务对象家庭信息汇总表-{place}-{today:%Y%m%d}.xlsx")

    form = FullExportForm(request.POST, user=user, auto_id="full_%s")
    if not form.is_valid():
        return _hub(request, full_form=form, status=400)
    region = excel.export_region_for_user(user, form.cleaned_data["region"])
    try:
        data = excel.household_export_full(
            user=user,
            region=region,
            reason=form.cleaned_data["reason"],
            ip_address=client_ip(request),
            today=today,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return _hub(request, full_form=form, status=400)
    place = excel.region_place_name(region or user.region)
    return _xlsx(data, f"服务对象家庭信息汇总表-{place}-完整-{today:%Y%m%d}.xlsx")


@login_required
@require_GET
def need_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    region = excel.export_region_for_user(user, request.GET.get("region"))
    data = excel.need_workbook(user=user, region=region, today=today)
    place = excel.region_place_name(region or user.region)
    return _xlsx(data, f"需求信息清单-{place}-{today:%Y%m%d}.xlsx")


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    if not excel.can_import(request.user):
        raise Http404
    return _xlsx(excel.import_template(user=request.user), "服务对象家庭信息导入模板.xlsx")


# --- Import ----------------------------------------------------------------------------------


def _import_page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("form", IMPORT.upload_form())
    return render(request, "needs/excel_import.html", context, status=status)


IMPORT = WorkbookImport(
    run=excel.household_import,
    page=_import_page,
    session_key="needs_excel_import",
    start_url="needs:household_import",
    max_upload_bytes=excel.MAX_UPLOAD_BYTES,
)


@login_required
@require_http_methods(["GET", "POST"])
def household_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST action=preview: a dry run. POST action=confirm: the import."""
    if not excel.can_import(request.user):
        raise Http404
    if request.method == "GET":
        return _import_page(request)
    return IMPORT.post(request)
