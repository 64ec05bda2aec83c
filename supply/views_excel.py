"""The Excel page of a tier's supply ledger: template, export, and import with a preview.

Parse, authorise (civil affairs of a tier and administrators; 404 for everyone else), call
supply.excel, render."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.workbook_import import WorkbookImport

from . import excel


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
    context.setdefault("form", IMPORT.upload_form())
    context["max_mb"] = excel.MAX_UPLOAD_BYTES // (1024 * 1024)
    return render(request, "supply/excel_import.html", context, status=status)


IMPORT = WorkbookImport(
    run=excel.ledger_import,
    page=_page,
    session_key="supply_excel_import",
    start_url="supply:excel",
    max_upload_bytes=excel.MAX_UPLOAD_BYTES,
)


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
    return IMPORT.post(request)
