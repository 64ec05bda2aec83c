"""Pages for the Excel export and import of the need ledger: parse, call needs.excel, render."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts import xlsx
from accounts.net import client_ip

from . import excel, selectors
from .services import can_edit_ledger

#: The previewed file waits in the session (encrypted) for the confirmation, if it is small;
#: a larger one is chosen again and must be the same file (same SHA-256).
IMPORT_SESSION_KEY = "needs_excel_import"
IMPORT_STASH_MAX_BYTES = 2 * 1024 * 1024
IMPORT_STASH_SECONDS = 30 * 60
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


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > excel.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB. Split it into several files.")
                % {"mb": excel.MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    file = forms.FileField(
        label=gettext_lazy("The same workbook again"),
        required=False,
        help_text=gettext_lazy("The file is too large to be kept between preview and import."),
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
    context.setdefault("form", ImportUploadForm())
    return render(request, "needs/excel_import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def household_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST action=preview: a dry run. POST action=confirm: the import."""
    if not excel.can_import(request.user):
        raise Http404
    if request.method == "GET":
        return _import_page(request)
    if request.POST.get("action") == "confirm":
        return _import_confirm(request)
    return _import_preview(request)


def _import_preview(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, status=400, form=form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        report = excel.household_import(
            user=request.user, data=data, filename=upload.name, dry_run=True
        )
    except excel.ImportRefused as exc:
        form.add_error("file", exc.messages)
        return _import_page(request, status=400, form=form)
    request.session.pop(IMPORT_SESSION_KEY, None)
    confirm_form = None
    if report.ok:
        entry = xlsx.stash_upload(
            request.session, IMPORT_SESSION_KEY, data, upload.name, max_bytes=IMPORT_STASH_MAX_BYTES
        )
        confirm_form = ImportConfirmForm(initial={"token": entry["token"]})
        if "data" in entry:
            del confirm_form.fields["file"]
    return _import_page(
        request,
        status=200 if report.ok else 400,
        report=report,
        filename=upload.name,
        confirm_form=confirm_form,
    )


def _import_confirm(request: HttpRequest) -> HttpResponse:
    form = ImportConfirmForm(request.POST, request.FILES)
    entry = (
        xlsx.stashed_upload(
            request.session,
            IMPORT_SESSION_KEY,
            request.POST.get("token", ""),
            max_age=IMPORT_STASH_SECONDS,
        )
        if form.is_valid()
        else None
    )
    if entry is None:
        messages.error(request, _("The preview has expired. Choose the file again."))
        return redirect("needs:household_import")
    data = xlsx.stashed_data(entry)
    if data is None:
        upload = form.cleaned_data.get("file")
        data = upload.read() if upload is not None else b""
        if not xlsx.is_stashed_file(entry, data):
            form.add_error("file", _("This is not the file you previewed. Preview it again."))
            return _import_page(request, status=400, confirm_form=form, filename=entry["name"])
    request.session.pop(IMPORT_SESSION_KEY, None)
    try:
        report = excel.household_import(
            user=request.user, data=data, filename=entry["name"], dry_run=False
        )
    except excel.ImportRefused as exc:
        return _import_page(request, status=400, refused=exc.messages)
    return _import_page(
        request, status=200 if report.ok else 400, report=report, filename=entry["name"]
    )
