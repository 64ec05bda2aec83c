"""The Excel page of a tier's supply ledger: template, export, and import with a preview.

Parse, authorise (civil affairs of a tier and administrators; 404 for everyone else), call
supply.excel, render."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts import xlsx

from . import excel

#: The previewed file waits in the session (encrypted) for the confirmation, if it is small;
#: a larger one is chosen again and must be the same file (same SHA-256).
IMPORT_SESSION_KEY = "supply_excel_import"
IMPORT_STASH_MAX_BYTES = 2 * 1024 * 1024
IMPORT_STASH_SECONDS = 30 * 60


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{excel.XLSX_CONTENT_TYPE}"}),
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


def _keeper(request: HttpRequest) -> Any:
    if not excel.can_import(request.user):
        raise Http404
    return request.user


def _xlsx(data: bytes, filename: str) -> FileResponse:
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=filename,
        content_type=excel.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("form", ImportUploadForm())
    context["max_mb"] = excel.MAX_UPLOAD_BYTES // (1024 * 1024)
    return render(request, "supply/excel_import.html", context, status=status)


@login_required
@require_GET
def ledger_excel(request: HttpRequest) -> HttpResponse:
    """Template, export and the import form."""
    _keeper(request)
    return _page(request)


@login_required
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponse:
    user = _keeper(request)
    today = timezone.localdate()
    data = excel.ledger_workbook(user=user, today=today)
    return _xlsx(data, f"慈善帮扶资源供给信息台账-{excel.place_name(user)}-{today:%Y%m%d}.xlsx")


@login_required
@require_GET
def ledger_template(request: HttpRequest) -> HttpResponse:
    user = _keeper(request)
    return _xlsx(excel.import_template(user=user), "供给信息台账导入模板.xlsx")


@login_required
@require_POST
def ledger_import(request: HttpRequest) -> HttpResponse:
    """POST action=preview: a dry run. POST action=confirm: the import of the previewed file."""
    _keeper(request)
    if request.POST.get("action") == "confirm":
        return _import_confirm(request)
    return _import_preview(request)


def _import_preview(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, status=400, form=form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        report = excel.ledger_import(
            user=request.user, data=data, filename=upload.name, dry_run=True
        )
    except excel.ImportRefused as exc:
        form.add_error("file", exc.messages)
        return _page(request, status=400, form=form)
    request.session.pop(IMPORT_SESSION_KEY, None)
    confirm_form = None
    if report.ok:
        entry = xlsx.stash_upload(
            request.session, IMPORT_SESSION_KEY, data, upload.name, max_bytes=IMPORT_STASH_MAX_BYTES
        )
        confirm_form = ImportConfirmForm(initial={"token": entry["token"]})
        if "data" in entry:
            del confirm_form.fields["file"]
    return _page(
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
        return redirect("supply:excel")
    data = xlsx.stashed_data(entry)
    if data is None:
        upload = form.cleaned_data.get("file")
        data = upload.read() if upload is not None else b""
        if not xlsx.is_stashed_file(entry, data):
            form.add_error("file", _("This is not the file you previewed. Preview it again."))
            return _page(request, status=400, confirm_form=form, filename=entry["name"])
    request.session.pop(IMPORT_SESSION_KEY, None)
    try:
        report = excel.ledger_import(
            user=request.user, data=data, filename=entry["name"], dry_run=False
        )
    except excel.ImportRefused as exc:
        return _page(request, status=400, refused=exc.messages)
    return _page(request, status=200 if report.ok else 400, report=report, filename=entry["name"])
