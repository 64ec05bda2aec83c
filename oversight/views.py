"""Pages of complaints.

The public's (no login): the complaint form, linked from the showcase and every project page;
the page that shows the tracking code once; the tracking page, which reads the status and the
reply and nothing else. The officers': the list of their departments' complaints, the
complaint with its actions (start the investigation, conclude with a reply), its file and the
complainant's contact (masked; shown in full with a reason, logged), and the dashboard card.
The staff a complaint names never reach it (404, as for a stranger).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import RevealForm, add_service_errors
from accounts.net import client_ip
from accounts.pagination import capped_page
from accounts.services import sensitive_field_reveal
from referrals import attachments as files
from supply.models import Project

from . import selectors, services
from .forms import ComplaintForm, ConcludeForm, TrackForm
from .models import Complaint, ComplaintAttachment

PAGE_SIZE = 25
SESSION_CODE = "oversight_complaint_code"
REVEALABLE = ("contact_name", "contact_phone")


# --- The public ------------------------------------------------------------------------------


def _linked_project(request: HttpRequest) -> Project | None:
    raw = request.POST.get("project") or request.GET.get("project") or ""
    if not raw.isdigit():
        return None
    return (
        Project.objects.published()
        .select_related("organization__registering_region")
        .filter(pk=int(raw))
        .first()
    )


@never_cache
def complaint_new(request: HttpRequest) -> HttpResponse:
    """The public complaint form. ``?project=`` (from a project page) fixes the subject."""
    project = _linked_project(request)
    initial: dict[str, Any] = {}
    if project is not None:
        initial = {"subject_kind": Complaint.Subject.PROJECT, "project": project.pk}
    form = ComplaintForm(request.POST or None, request.FILES or None, initial=initial)
    throttled = False
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        if values["subject_kind"] != Complaint.Subject.PROJECT:
            values["project"] = None
        elif project is not None:
            values["project"] = project
        try:
            _complaint, code = services.complaint_file(
                client_address=client_ip(request) or "unknown", **values
            )
        except services.Throttled as exc:
            throttled = True
            form.add_error(None, exc.messages[0])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session[SESSION_CODE] = code
            return redirect("complaints:filed")
    context = {"form": form, "project": project}
    status = 429 if throttled else (400 if request.method == "POST" else 200)
    return render(request, "oversight/complaint_form.html", context, status=status)


@never_cache
def complaint_filed(request: HttpRequest) -> HttpResponse:
    """The tracking code, shown once (it is not stored: a reload shows the form again)."""
    code = request.session.pop(SESSION_CODE, None)
    if not code:
        return redirect("complaints:new")
    context = {"code": services.tracking_code_display(code)}
    return render(request, "oversight/complaint_filed.html", context)


@never_cache
def complaint_track(request: HttpRequest) -> HttpResponse:
    """Read the status and the reply of a complaint by its tracking code (sent by POST, so the
    code stays out of addresses and logs)."""
    form = TrackForm(request.POST or None)
    tracked = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            tracked = selectors.complaint_track(
                code=form.cleaned_data["code"], client_address=client_ip(request)
            )
        except services.Throttled as exc:
            form.add_error(None, exc.messages[0])
            status = 429
        else:
            if tracked is None:
                form.add_error(
                    "code", _("No complaint has this tracking code. Check it and try again.")
                )
                status = 404
            else:
                form = TrackForm()  # the code is not left in the field of a shared phone
    elif request.method == "POST":
        status = 400
    context = {"form": form, "tracked": tracked}
    return render(request, "oversight/complaint_track.html", context, status=status)


# --- The officers ----------------------------------------------------------------------------


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or "open"
    if status not in selectors.FILTERS:
        raise Http404
    queryset = selectors.complaint_list_for_user(request.user, status)
    page = capped_page(request, queryset, PAGE_SIZE)
    context = {
        "page": page,
        "status": status,
        "filters": _filters(),
        "counts": selectors.complaint_counts_for_user(request.user),
    }
    return render(request, "oversight/complaint_list.html", context)


def _filters() -> list[tuple[str, str]]:
    return [
        ("open", pgettext("complaints", "Open")),
        ("overdue", _("Overdue")),
        *[(value, str(label)) for value, label in Complaint.Status.choices],
        ("all", _("All")),
    ]


def _detail(
    request: HttpRequest, complaint: Complaint, *, conclude_form: ConcludeForm | None = None
) -> dict[str, Any]:
    return {
        "complaint": complaint,
        "attachments": list(complaint.attachments.all()),
        "can_handle": services.can_handle(request.user, complaint),
        "conclude_form": conclude_form or ConcludeForm(),
        "reveal_form": RevealForm(),
    }


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_for_user(request.user, pk)
    return render(request, "oversight/complaint_detail.html", _detail(request, complaint))


@login_required
@require_POST
def complaint_start(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_for_user(request.user, pk)
    try:
        services.complaint_start(user=request.user, complaint=complaint)
    except ValidationError as exc:
        context = {**_detail(request, complaint), "refused": exc.messages}
        return render(request, "oversight/complaint_detail.html", context, status=400)
    messages.success(request, _("The investigation has started: you handle this complaint."))
    return redirect("oversight:complaint_detail", complaint.pk)


@login_required
@require_POST
def complaint_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_for_user(request.user, pk)
    form = ConcludeForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_conclude(user=request.user, complaint=complaint, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Concluded: the complainant can read the reply."))
            return redirect("oversight:complaint_detail", complaint.pk)
    context = _detail(request, complaint, conclude_form=form)
    return render(request, "oversight/complaint_detail.html", context, status=400)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """The complainant's file, only to those who see the complaint; 404 to anyone else."""
    complaint = selectors.complaint_get_for_user(request.user, pk)
    attachment = ComplaintAttachment.objects.filter(complaint=complaint, pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    response = HttpResponse(files.read(attachment), content_type=attachment.content_type)
    download = attachment.kind == ComplaintAttachment.Kind.PDF
    response["Content-Disposition"] = content_disposition_header(download, attachment.name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def contact_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """The complainant's name or phone in full, once, with a reason; the reading is logged."""
    if field not in REVEALABLE:
        raise Http404
    complaint = selectors.complaint_get_for_user(request.user, pk)
    form = RevealForm(request.POST)
    value = None
    if form.is_valid():
        value = sensitive_field_reveal(
            user=request.user,
            instance=complaint,
            field_name=field,
            reason=form.cleaned_data["reason"],
            ip_address=client_ip(request),
        )
    context = {"complaint": complaint, "field": field, "value": value, "reveal_form": form}
    status = 200 if (request.htmx or value is not None) else 400
    return render(request, "oversight/_reveal.html", context, status=status)


@login_required
def dashboard_card(request: HttpRequest) -> HttpResponse:
    counts = selectors.complaint_counts_for_user(request.user)
    return render(request, "oversight/_dashboard_card.html", {"counts": counts})
