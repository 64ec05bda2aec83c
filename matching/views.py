"""Pages of matching: scope -> form -> service -> redirect or template.

Finding resources for a need, applying, the application page with the actions of each side
(the household's worker, the supplier's staff, civil affairs), the lists (applications, the
supplier's inbox, the review queue) and the fragments of the household page and the dashboard.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actions import detail_action
from accounts.filters import blank_means_any
from accounts.forms import RevealForm, add_service_errors
from accounts.models import User
from accounts.net import client_ip, next_url
from accounts.pagination import capped_page
from needs import hooks
from needs import selectors as needs_selectors
from needs.models import Consent
from supply import selectors as supply_selectors

from . import actions, selectors, services
from .candidates import candidate_search
from .filters import ApplicationFilterSet
from .forms import (
    ActionForm,
    ApplicationForm,
    ConfirmForm,
    DeliverForm,
    ExplainForm,
    FeedbackForm,
    FlagForm,
    HouseholdFeedbackForm,
    RejectForm,
    ResolveForm,
    WithdrawForm,
)
from .models import Application, Feedback

PAGE_SIZE = 25
ALTERNATIVES = 5
S = Application.Status
Review = Application.Review


def _error_code(exc: ValidationError) -> str | None:
    return getattr(exc, "code", None)


def _page(request: HttpRequest, queryset: QuerySet):
    return capped_page(request, queryset, PAGE_SIZE)


def _with_cards(applications):
    """The supplier's minimal view of each person (no query: the rows carry what it needs)."""
    for application in applications:
        application.card = selectors.supplier_card(application)
    return applications


# --- Candidates and applying -----------------------------------------------------------------


@login_required
def candidates(request: HttpRequest, need_pk: int) -> HttpResponse:
    """找资源: the pre-aid check, ranked candidates with their reasons, and the near misses with
    the condition each fails. The household's workers apply; civil affairs read."""
    user = request.user
    need = needs_selectors.need_get_for_user(user, need_pk)
    household = need.household
    search = candidate_search(need)
    context = {
        "need": need,
        "household": household,
        "search": search,
        "pre_aid": selectors.pre_aid_check(need),
        "pre_aid_other": selectors.pre_aid_other_departments(need),
        "applications": list(
            selectors.application_list_for_user(user).filter(need=need).order_by("-created_at")
        ),
        "can_apply": need.is_live and services.works_for_household(user, need),
    }
    return render(request, "matching/candidates.html", context)


def _applying(request: HttpRequest, need_pk: int, project_pk: int):
    """The need, the project and the household of an apply page, for the household's workers."""
    user = request.user
    need = needs_selectors.need_get_for_user(user, need_pk)
    project = supply_selectors.project_get_for_user(user, project_pk)
    if not services.works_for_household(user, need):
        raise PermissionDenied(_("Only the township's social workers apply for a household."))
    return need, project


def _chosen_member(need: Any, members: Any, value: Any) -> Any:
    """The person applying: the need's own person, or the current member chosen in the form."""
    if need.member_id:
        return need.member
    return next((m for m in members if str(m.pk) == str(value or "")), None)


def _consent_panel(
    request: HttpRequest,
    need: Any,
    project: Any,
    applicant: Any,
    *,
    refused: bool = False,
    back_url: str = "",
    choose_member: bool = False,
) -> dict[str, Any]:
    """What a page shows up front about consent (the apply page; a draft's page when its
    consent has lapsed): for the person applying and this supplier, whether consent is in force
    (given by whom, until when, for which recipients) or missing, ended or not covering the
    organisation — and, when it is not in force, the way to record it in place (htmx) or on the
    consent page (without JavaScript), coming back to ``back_url`` (the apply page by default).
    With ``choose_member`` (the apply page of a need of the whole household) the panel follows
    the person chosen in the page's form; otherwise it names the person itself.
    """
    back_url = back_url or reverse("matching:application_create", args=[need.pk, project.pk])
    state = None
    if applicant is not None:
        state = needs_selectors.consent_state(
            member=applicant,
            purpose=Consent.Purpose.MATCHING,
            credit_code=project.organization.credit_code,
        )
    panel_query: dict[str, Any] = {"next": back_url}
    if choose_member:
        panel_query["choose"] = 1
    elif applicant is not None:
        panel_query = {"member": applicant.pk, **panel_query}
    query = {"next": back_url}
    if applicant is not None:
        query = {"member": applicant.pk, **query}
    return {
        "need": need,
        "project": project,
        "household": need.household,
        "applicant": applicant,
        "state": state,
        "refused": refused,
        "under_14": applicant is not None and applicant.age() < 14,
        "apply_url": back_url,
        "choose_member": choose_member,
        "panel_url": reverse("matching:consent_panel", args=[need.pk, project.pk])
        + "?"
        + urlencode(panel_query),
        "consent_url": reverse("needs:consent_create", args=[need.household_id])
        + "?"
        + urlencode(query),
    }


@login_required
def application_create(request: HttpRequest, need_pk: int, project_pk: int) -> HttpResponse:
    user = request.user
    need, project = _applying(request, need_pk, project_pk)
    overlaps = services.pre_aid_overlaps(need)
    form = ApplicationForm(request.POST or None, need=need, overlaps=bool(overlaps))
    refused = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = request.POST.get("action") == "draft"
        try:
            application = services.application_create(
                user=user,
                need=need,
                project=project,
                mode=data["mode"],
                member=data.get("member"),
                message=data["message"],
                share_contact=data["share_contact"],
                overlap_reason=data.get("overlap_reason", ""),
                submit=not draft,
            )
        except services.ApplicationError as exc:
            # No consent: said once, in the consent panel at the top, with the way to record it.
            refused = _error_code(exc) == "no_consent"
            if not refused:
                add_service_errors(form, exc)
        else:
            if draft:
                text = _("Application %(number)s saved as a draft.")
            else:
                text = _("Application %(number)s sent to %(organization)s.")
            messages.success(
                request,
                text % {"number": application.number, "organization": project.organization.name},
            )
            return redirect("matching:application_detail", application.pk)
    members = form.fields["member"].queryset if "member" in form.fields else []
    chosen = form["member"].value() if "member" in form.fields else None
    applicant = _chosen_member(need, members, chosen)
    panel = _consent_panel(
        request, need, project, applicant, refused=refused, choose_member="member" in form.fields
    )
    if "member" in form.fields:
        # Choosing the person applying brings their consent into the panel (htmx). The select
        # asks, not the panel: its listener outlives every swap of the panel.
        form.fields["member"].widget.attrs.update(
            {"hx-get": panel["panel_url"], "hx-target": "#consent-panel", "hx-swap": "outerHTML"}
        )
    context = {
        "need": need,
        "household": need.household,
        "project": project,
        "applicant": applicant,
        "consent_panel": panel,
        "form": form,
        "overlaps": overlaps,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "matching/application_form.html", context, status=status)


@login_required
def consent_panel(request: HttpRequest, need_pk: int, project_pk: int) -> HttpResponse:
    """The apply page's consent panel alone (htmx): refreshed when consent is recorded in place
    and when another person applying is chosen."""
    need, project = _applying(request, need_pk, project_pk)
    members = need.household.members.filter(left_at__isnull=True).order_by("id")
    applicant = _chosen_member(need, members, request.GET.get("member"))
    panel = _consent_panel(
        request,
        need,
        project,
        applicant,
        back_url=next_url(request),
        choose_member=need.member_id is None and request.GET.get("choose") == "1",
    )
    return render(request, "matching/_consent_panel.html", {"panel": panel})


# --- The application page --------------------------------------------------------------------


def _roles(user: Any, application: Application) -> dict[str, bool]:
    return {
        "is_worker": services.works_for_household(user, application),
        "is_supplier": services.answers_for_supplier(user, application),
        "is_reviewer": services.reviews_region(user, application),
    }


def _history(application: Application, insider: bool) -> list[dict[str, Any]]:
    """The dates the application went through, oldest first; names only for insiders."""
    a = application
    steps = [
        (a.created_at, _("Created"), a.created_by),
        (a.submitted_at, _("Submitted"), None),
        (a.reviewed_at, _("Reviewed by civil affairs"), a.reviewed_by),
        (
            a.answered_at,
            _("Accepted") if a.answer == "accepted" else _("Rejected"),
            a.answered_by,
        ),
        (a.explained_at, _("Answer explained to the household"), a.explained_by),
        (a.resolved_at, _("Flag resolved"), a.resolved_by),
    ]
    if a.status in (S.WITHDRAWN, S.EXPIRED):
        steps.append((a.status_changed_at, a.get_status_display(), None))
    if a.status == S.CLOSED:
        steps.append((a.closed_at, a.get_status_display(), None))
    rows = [
        {"at": at, "on": timezone.localdate(at), "label": label, "by": by if insider else None}
        for at, label, by in steps
        if at is not None
    ]
    if a.delivered_on:
        by = a.delivery_recorded_by if insider else None
        rows.append({"at": None, "on": a.delivered_on, "label": _("Aid delivered"), "by": by})
    # By day, the delivery (a date without a time) after that day's other steps.
    rows.sort(key=lambda row: (row["on"], row["at"] is None, row["at"] or row["on"]))
    return rows


def _alternatives(application: Application) -> list[Any]:
    """Other projects for the same need after a rejection or an expiry (the best first)."""
    need = application.need
    if not need.is_live:
        return []
    need.household = application.household  # loaded with the application: no query
    return candidate_search(need, limit=ALTERNATIVES, near_miss_limit=0).candidates


def _detail_forms(application: Application, roles: dict[str, bool]) -> dict[str, forms.Form]:
    """Empty forms for the actions this user may take now."""
    a = application
    sides = {f.side for f in a.feedback.all()}
    found: dict[str, forms.Form] = {}
    if roles["is_worker"]:
        if a.status == S.DRAFT:
            found["submit"] = ActionForm(prefix="submit")
        if a.status in (S.DRAFT, S.SUBMITTED, S.ACCEPTED):
            found["withdraw"] = WithdrawForm(prefix="withdraw")
        if a.status in (S.REJECTED, S.EXPIRED) and not a.explained_at:
            found["explain"] = ExplainForm(prefix="explain")
        if a.status in (S.DELIVERED, S.CLOSED) and Feedback.Side.HOUSEHOLD not in sides:
            found["feedback"] = HouseholdFeedbackForm(prefix="feedback", need_live=a.need.is_live)
    if roles["is_supplier"]:
        if a.status == S.SUBMITTED:
            found["accept"] = ActionForm(prefix="accept")
            found["reject"] = RejectForm(prefix="reject")
        if a.status == S.ACCEPTED and not a.waiting_for_review:
            found["deliver"] = DeliverForm(prefix="deliver")
        if a.status in (S.DELIVERED, S.CLOSED) and Feedback.Side.SUPPLIER not in sides:
            found["supplier_feedback"] = FeedbackForm(prefix="supplier_feedback")
    if roles["is_reviewer"] and a.status in services.REVIEWABLE:
        if a.review_status == Review.PENDING:
            found["confirm"] = ConfirmForm(prefix="confirm")
        if a.review_status in (Review.PENDING, Review.CONFIRMED):
            found["flag"] = FlagForm(prefix="flag")
    if roles["is_reviewer"] and a.review_status == Review.FLAGGED:
        found["resolve"] = ResolveForm(prefix="resolve")
    return found


def _detail_page(
    request: HttpRequest,
    application: Application,
    *,
    bound: tuple[str, forms.Form] | None = None,
    reveal_form: RevealForm | None = None,
    phone: str | None = None,
) -> HttpResponse:
    user = request.user
    roles = _roles(user, application)
    insider = roles["is_worker"] or roles["is_reviewer"]
    action_forms = _detail_forms(application, roles)
    refused: list[str] = []
    if bound is not None and bound[0] in action_forms:
        action_forms[bound[0]] = bound[1]
    elif bound is not None:
        # The refusal moved the application on (e.g. withdrawn for a consent no longer in
        # force): say why at the top instead of offering the action again.
        refused = [str(e) for errors in bound[1].errors.values() for e in errors]
    card = selectors.supplier_card(application) if roles["is_supplier"] else None
    need = application.need
    # A draft whose consent lapsed since it was saved: said before the worker submits it.
    consent_panel = None
    if roles["is_worker"] and application.status == S.DRAFT:
        consent_panel = _consent_panel(
            request,
            need,
            application.project,
            application.member,
            back_url=reverse("matching:application_detail", args=[application.pk]),
        )
        if consent_panel["state"].in_force:
            consent_panel = None
    # The household's feedback may close the need: say what that withdraws before it is sent.
    closing = (
        services.need_closing_preview([need])[need.pk]
        if "feedback" in action_forms and need.is_live
        else []
    )
    feedback = [
        f
        for f in application.feedback.all()
        if insider or (roles["is_supplier"] and f.side == Feedback.Side.SUPPLIER)
    ]
    context = {
        "application": application,
        "need": application.need,
        "household": application.household,
        "project": application.project,
        **roles,
        "insider": insider,
        "card": card,
        "closing": closing,
        "consent_panel": consent_panel,
        "refused": refused,
        "phone": phone,
        "reveal_form": reveal_form or RevealForm(),
        "can_reveal": bool(card and card.phone_masked),
        "forms": action_forms,
        "history": _history(application, insider),
        "feedback": feedback,
        "overlaps": services.pre_aid_overlaps(application.need, exclude_pk=application.pk)
        if insider
        else [],
        "alternatives": _alternatives(application)
        if roles["is_worker"] and application.status in (S.REJECTED, S.EXPIRED)
        else [],
        # What the apps above matching offer the household's side (referrals: refer instead).
        "more_actions": actions.application_actions(application.status)
        if roles["is_worker"]
        else [],
    }
    failed = bound is not None and bool(bound[1].errors)
    failed = failed or (reveal_form is not None and bool(reveal_form.errors))
    return render(
        request, "matching/application_detail.html", context, status=400 if failed else 200
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(request.user, pk)
    return _detail_page(request, application)


def _act(request: HttpRequest, pk: int, **action: Any) -> HttpResponse:
    """One action of the application page (``accounts.actions.detail_action``)."""
    return detail_action(
        request,
        pk,
        get=selectors.application_get_for_user,
        errors=services.ApplicationError,
        detail_url="matching:application_detail",
        page=_detail_page,
        **action,
    )


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="submit",
        form_class=ActionForm,
        call=lambda user, a, data: services.application_submit(user=user, application=a),
        done=_("Application %(number)s submitted to the supplier."),
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="withdraw",
        form_class=WithdrawForm,
        call=lambda user, a, data: services.application_withdraw(
            user=user, application=a, reason=data["reason"]
        ),
        done=_("Application %(number)s withdrawn."),
    )


@login_required
@require_POST
def application_explain(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="explain",
        form_class=ExplainForm,
        call=lambda user, a, data: services.application_explain(
            user=user, application=a, explanation=data["explanation"]
        ),
        done=_("The explanation to the household is recorded for %(number)s."),
    )


@login_required
@require_POST
def application_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's feedback after aid, recorded by its worker."""
    return _act(
        request,
        pk,
        name="feedback",
        form_class=HouseholdFeedbackForm,
        form_kwargs=lambda a: {"need_live": a.need.is_live},
        call=lambda user, a, data: services.feedback_record(
            user=user,
            application=a,
            side=Feedback.Side.HOUSEHOLD,
            satisfaction=data["satisfaction"],
            comment=data["comment"],
            need_outcome=data.get("need_outcome", ""),
            outcome_reason=data.get("outcome_reason", ""),
        ),
        done=_feedback_done,
    )


def _feedback_done(application: Application, feedback: Feedback) -> str:
    """The household's feedback recorded, and — when it closed the need — which of the need's
    other applications were withdrawn with it."""
    text = _("The household's feedback is recorded for %(number)s.")
    closed_with = getattr(feedback, "closed_with", [])
    if closed_with:
        text += " " + hooks.withdrawn_message(closed_with).replace("%", "%%")
    return text


@login_required
@require_POST
def application_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="accept",
        form_class=ActionForm,
        call=lambda user, a, data: services.application_accept(user=user, application=a),
        done=_("Application %(number)s accepted: a place is taken."),
    )


@login_required
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="reject",
        form_class=RejectForm,
        call=lambda user, a, data: services.application_reject(
            user=user,
            application=a,
            reason=data["reason"],
            criterion=data["criterion"],
            note=data["note"],
        ),
        done=_("Application %(number)s rejected. The social worker explains it to the household."),
    )


@login_required
@require_POST
def application_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="deliver",
        form_class=DeliverForm,
        call=lambda user, a, data: services.application_deliver(
            user=user,
            application=a,
            delivered_on=data["delivered_on"],
            quantity=data["quantity"],
            value=data["value"],
            note=data["note"],
        ),
        done=_("Delivery recorded for %(number)s."),
    )


@login_required
@require_POST
def application_supplier_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="supplier_feedback",
        form_class=FeedbackForm,
        call=lambda user, a, data: services.feedback_record(
            user=user,
            application=a,
            side=Feedback.Side.SUPPLIER,
            satisfaction=data["satisfaction"],
            comment=data["comment"],
        ),
        done=_("Your feedback is recorded for %(number)s."),
    )


@login_required
@require_POST
def application_review_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="confirm",
        form_class=ConfirmForm,
        call=lambda user, a, data: services.review_confirm(
            user=user, application=a, note=data["note"]
        ),
        done=_("Match %(number)s confirmed."),
    )


@login_required
@require_POST
def application_review_flag(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="flag",
        form_class=FlagForm,
        call=lambda user, a, data: services.review_flag(
            user=user, application=a, flag=data["flag"], note=data["note"]
        ),
        done=_("Match %(number)s flagged: delivery waits until the flag is resolved."),
    )


@login_required
@require_POST
def application_review_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="resolve",
        form_class=ResolveForm,
        call=lambda user, a, data: services.review_resolve(
            user=user, application=a, upheld=data["outcome"] == "upheld", note=data["note"]
        ),
        done=_("The flag on %(number)s is resolved."),
    )


@login_required
@require_POST
def application_contact_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's phone for the supplier's staff, once, with a reason; the reading is
    logged by the service."""
    application = selectors.application_get_for_user(request.user, pk)
    if not services.answers_for_supplier(request.user, application):
        raise Http404
    form = RevealForm(request.POST)
    phone = None
    if form.is_valid():
        try:
            phone = services.application_contact_reveal(
                user=request.user,
                application=application,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except services.ApplicationError as exc:
            add_service_errors(form, exc)
    return _detail_page(request, application, reveal_form=form, phone=phone)


# --- Lists -----------------------------------------------------------------------------------


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filterset = ApplicationFilterSet(
        request.GET, queryset=selectors.application_list_for_user(user)
    )
    blank_means_any(filterset.form)
    status = filterset.form.fields["status"]
    status.widget = forms.CheckboxSelectMultiple(
        attrs={"class": "form-check-input"}, choices=status.choices
    )
    page = _page(request, filterset.qs)
    if user.role == User.Role.CHARITY:
        _with_cards(page.object_list)
    context = {"filter": filterset, "page": page, "is_charity": user.role == User.Role.CHARITY}
    template = (
        "matching/application_list.html#results"
        if request.htmx
        else "matching/application_list.html"
    )
    return render(request, template, context)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The supplier's inbox: what was sent to the user's organisations, waiting ones first."""
    user = request.user
    if user.role != User.Role.CHARITY:
        raise Http404
    page = _page(request, selectors.inbox_for_user(user))
    _with_cards(page.object_list)
    return render(request, "matching/inbox.html", {"page": page})


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_officer:
        raise Http404
    page = _page(request, selectors.review_queue_for_user(user))
    return render(request, "matching/review_queue.html", {"page": page})


# --- Fragments -------------------------------------------------------------------------------


@login_required
def household_fragment(request: HttpRequest, household_pk: int) -> HttpResponse:
    """The household page's list of applications (an htmx fragment, no layout)."""
    household = needs_selectors.household_get_for_user(request.user, household_pk)
    applications = selectors.household_applications(request.user, household.pk)
    context = {"household": household, "applications": list(applications)}
    return render(request, "matching/_household_fragment.html", context)


@login_required
def dashboard_card(request: HttpRequest) -> HttpResponse:
    """Matching's figures for the landing page (an htmx fragment)."""
    figures = selectors.counts_for_user(request.user)
    return render(request, "matching/_dashboard_card.html", {"figures": figures})
