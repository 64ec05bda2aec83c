"""A workbook import in two steps, the same way in every app (the need ledger's households, the
supply ledger, a member unit's aid records): the chosen file is checked in a dry run and its
report shown; only a clean file can then be confirmed, and the import runs on exactly the file
previewed.

Between the two steps the file waits in the session, encrypted, with a token and its SHA-256
(``accounts.xlsx.stash_upload``); a file larger than the stash's limit is chosen again at the
confirmation and must be the same file. A file refused as a whole (not a workbook, damaged, too
many rows: ``xlsx.ImportRefused``) gets its message next to the file field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import xlsx


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{xlsx.XLSX_CONTENT_TYPE}"}),
    )

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise ValidationError(
                _("The file is larger than %(mb)s MB. Split it into several files.")
                % {"mb": self.max_bytes // (1024 * 1024)}
            )
        return upload


class WorkbookConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    file = forms.FileField(
        label=gettext_lazy("The same workbook again"),
        required=False,
        help_text=gettext_lazy("The file is too large to be kept between preview and import."),
    )


class WorkbookImport:
    """One app's import flow. ``run(user=, data=, filename=, dry_run=)`` is the app's import (a
    report with ``ok``, or ``xlsx.ImportRefused``); ``page(request, status=, **context)``
    renders its page with ``form``, ``report``, ``filename``, ``confirm_form`` or ``refused``;
    an expired or unknown preview goes back to ``start_url`` (a URL name) with a message."""

    def __init__(
        self,
        *,
        run: Callable[..., Any],
        page: Callable[..., HttpResponse],
        session_key: str,
        start_url: str,
        max_upload_bytes: int,
        stash_max_bytes: int = 2 * 1024 * 1024,
        stash_seconds: int = 30 * 60,
    ) -> None:
        self.run = run
        self.page = page
        self.session_key = session_key
        self.start_url = start_url
        self.max_upload_bytes = max_upload_bytes
        self.stash_max_bytes = stash_max_bytes
        self.stash_seconds = stash_seconds

    def upload_form(self, *args: Any) -> WorkbookUploadForm:
        return WorkbookUploadForm(*args, max_bytes=self.max_upload_bytes)

    def post(self, request: HttpRequest) -> HttpResponse:
        """POST action=preview (or none): the dry run. POST action=confirm: the import."""
        if request.POST.get("action") == "confirm":
            return self.confirm(request)
        return self.preview(request)

    def preview(self, request: HttpRequest) -> HttpResponse:
        form = self.upload_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, status=400, form=form)
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            report = self.run(user=request.user, data=data, filename=upload.name, dry_run=True)
        except xlsx.ImportRefused as exc:
            form.add_error("file", exc.messages)
            return self.page(request, status=400, form=form)
        request.session.pop(self.session_key, None)
        confirm_form = None
        if report.ok:
            entry = xlsx.stash_upload(
                request.session, self.session_key, data, upload.name, max_bytes=self.stash_max_bytes
            )
            confirm_form = WorkbookConfirmForm(initial={"token": entry["token"]})
            if "data" in entry:  # kept: nothing to choose again
                del confirm_form.fields["file"]
        return self.page(
            request,
            status=200 if report.ok else 400,
            report=report,
            filename=upload.name,
            confirm_form=confirm_form,
        )

    def confirm(self, request: HttpRequest) -> HttpResponse:
        form = WorkbookConfirmForm(request.POST, request.FILES)
        entry = (
            xlsx.stashed_upload(
                request.session,
                self.session_key,
                request.POST.get("token", ""),
                max_age=self.stash_seconds,
            )
            if form.is_valid()
            else None
        )
        if entry is None:
            messages.error(request, _("The preview has expired. Choose the file again."))
            return redirect(self.start_url)
        data = xlsx.stashed_data(entry)
        if data is None:
            upload = form.cleaned_data.get("file")
            data = upload.read() if upload is not None else b""
            if not xlsx.is_stashed_file(entry, data):
                form.add_error("file", _("This is not the file you previewed. Preview it again."))
                return self.page(request, status=400, confirm_form=form, filename=entry["name"])
        request.session.pop(self.session_key, None)
        try:
            report = self.run(user=request.user, data=data, filename=entry["name"], dry_run=False)
        except xlsx.ImportRefused as exc:
            return self.page(request, status=400, refused=exc.messages)
        return self.page(
            request, status=200 if report.ok else 400, report=report, filename=entry["name"]
        )
