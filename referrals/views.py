"""Pages of referrals: scope -> form -> service -> redirect or template.

The inbox per role (incoming, outgoing, overdue), sending (from the household page, from a
need, from a rejected or expired application — "refer instead"; a charity's referral of a
person to civil affairs), the referral page with the actions of each side, its attachments
(served only here, 404 to anyone else), the station's cases, and the fragments of the household
page and the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actions import detail_action
from accounts.filters import blank_means_any
from accounts.forms import add_service_errors
from accounts.models import User
from accounts.pagination import capped_page
from matching import selectors as matching_selectors
from matching.models import Application
from needs import selectors as needs_selectors
from needs.models import Household
from needs.services import LedgerInvalid, MemberInput

from . import attachments as files
from . import selectors, services
from .filters import CaseFilterSet, ReferralFilterSet
from .forms import (
    ActionForm,
    AssessmentForm,
    AttachmentForm,
    CaseCloseForm,
    CaseNoteForm,
    CaseOpenForm,
    DeclineForm,
    GoalForm,
    LinkHouseholdForm,
    NoteForm,
    OptionalNoteForm,
    OutcomeForm,
    PersonReferralForm,
    ReferralForm,
    RegisterHouseholdForm,
)
from .models import Case, CaseGoal, Direction, Referral, ReferralAttachment

PAGE_SIZE = 25
S = Referral.Status
#: The application statuses after which a worker may refer the household instead.
REFER_INSTEAD = (Application.Status.REJECTED, Application.Status.EXPIRED)


def _page(request: HttpRequest, queryset: Any):
    return capped_page(request, queryset, PAGE_SIZE)


def _status(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


# --- The inbox -------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Referrals per role: incoming, outgoing, overdue, with the counts of each."""
    user = request.user
    box = request.GET.get("box") or "incoming"
    if box not in selectors.BOXES:
        raise Http404
    filterset = ReferralFilterSet(
        request.GET, queryset=selectors.box_for_user(user, box), request=request
    )
    blank_means_any(filterset.form)
    page = _page(request, filterset.qs)
    for referral in page.object_list:
        referral.card = selectors.receiver_card(user, referral)
    context = {
        "box": box,
        "filter": filterset,
        "page": page,
        "counts": selectors.counts_for_user(user),
        "is_charity": user.role == User.Role.CHARITY,
        "can_refer_person": services.can_refer_person(user),
    }
    template = "referrals/inbox.html#results" if request.htmx else "referrals/inbox.html"
    return render(request, template, context)


# --- Sending ---------------------------------------------------------------------------------


@login_required
def referral_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    """Refer a household to a charity or people's organisation, or to the township station.
    ``?need=`` ticks a need, ``?member=`` picks the person, ``?application=`` refers instead of
    a rejected or expired application, ``?previous=`` refers a declined referral elsewhere."""
    user = request.user
    household = needs_selectors.household_get_for_user(user, household_pk)
    if not services.can_refer(user, household):
        raise Http404
    application = _application(request, household)
    previous = _previous(request, household=household)
    organizations = selectors.receiver_choices(household)
    initial: dict[str, Any] = {}
    if need := request.GET.get("need"):
        initial["needs"] = [need]
    if member := request.GET.get("member"):
        initial["member"] = member
    if application is not None:
        initial.update(needs=[application.need_id], member=application.member_id)
    if previous is not None:
        initial.update(
            direction=previous.direction,
            member=previous.member_id,
            urgency=previous.urgency,
            reason=previous.reason,
            needs=[n.pk for n in previous.needs.all()],
        )
    form = ReferralForm(
        request.POST or None,
        request.FILES or None,
        household=household,
        organizations=organizations,
        initial=initial,
    )
    no_consent = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {
            "direction": data["direction"],
            "reason": data["reason"],
            "urgency": data["urgency"],
            "member": data["member"],
            "needs": data["needs"],
            "organization": data["organization"],
            "uploads": data["attachments"],
        }
        try:
            if previous is not None:
                referral = services.referral_refer_elsewhere(
                    user=user, previous=previous, household=household, **values
                )
            else:
                referral = services.referral_send(
                    user=user, household=household, application=application, **values
                )
        except services.ReferralError as exc:
            add_service_errors(form, exc)
            no_consent = exc.code == "no_consent"
        else:
            messages.success(
                request,
                _("Referral %(number)s sent to %(receiver)s.")
                % {"number": referral.number, "receiver": services.receiver_name(referral)},
            )
            return redirect("referrals:referral_detail", referral.pk)
    context = {
        "form": form,
        "household": household,
        "application": application,
        "previous": previous,
        "no_consent": no_consent,
        "consent_url": reverse("needs:consent_create", args=[household.pk]),
    }
    return render(request, "referrals/referral_form.html", context, status=_status(request))


def _application(request: HttpRequest, household: Household):
    pk = request.GET.get("application")
    if not pk:
        return None
    application = matching_selectors.application_get_for_user(request.user, pk)
    if application.household_id != household.pk or application.status not in REFER_INSTEAD:
        raise Http404
    return application


def _previous(request: HttpRequest, *, household: Household | None) -> Referral | None:
    pk = request.GET.get("previous")
    if not pk:
        return None
    previous = selectors.referral_get_for_user(request.user, pk)
    if household is not None and previous.household_id != household.pk:
        raise Http404
    # A person told to civil affairs is referred elsewhere from the person form, a household's
    # referral from the household's form.
    if (household is None) != (previous.direction == Direction.TO_CIVIL_AFFAIRS):
        raise Http404
    if not services.sends_for(request.user, previous):
        raise Http404
    return previous


@login_required
def refer_need(request: HttpRequest, need_pk: int) -> HttpResponse:
    """The household page's "refer" button on a need."""
    need = needs_selectors.need_get_for_user(request.user, need_pk)
    url = reverse("referrals:referral_create", args=[need.household_id])
    query = {"need": need.pk, **({"member": need.member_id} if need.member_id else {})}
    return redirect(f"{url}?{urlencode(query)}")


@login_required
def refer_instead(request: HttpRequest, application_pk: int) -> HttpResponse:
    """ "Refer instead" on a rejected or expired application."""
    application = matching_selectors.application_get_for_user(request.user, application_pk)
    url = reverse("referrals:referral_create", args=[application.household_id])
    return redirect(f"{url}?{urlencode({'application': application.pk})}")


@login_required
def refer_person(request: HttpRequest) -> HttpResponse:
    """A charity tells the county civil affairs about a person who may qualify for government
    aid; ``?previous=`` refers a declined one elsewhere."""
    user = request.user
    if not services.can_refer_person(user):
        raise Http404
    previous = _previous(request, household=None)
    initial: dict[str, Any] = {}
    if previous is not None:
        initial = {
            "organization": previous.sender_organization_id,
            "person_name": previous.person_name,
            "person_address": previous.person_address,
            "person_id_number": previous.person_id_number,
            "person_phone": previous.person_phone,
            "aid_sought": previous.aid_sought,
            "urgency": previous.urgency,
            "reason": previous.reason,
            "person_agreed": previous.person_agreed,
        }
    form = PersonReferralForm(
        request.POST or None, request.FILES or None, user=user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            if previous is not None:
                referral = services.referral_refer_elsewhere(
                    user=user, previous=previous, uploads=form.cleaned_data["attachments"], **values
                )
            else:
                referral = services.referral_send_to_civil_affairs(
                    user=user, uploads=form.cleaned_data["attachments"], **values
                )
        except services.ReferralError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Referral %(number)s sent to %(receiver)s.")
                % {"number": referral.number, "receiver": referral.receiver_region.name},
            )
            return redirect("referrals:referral_detail", referral.pk)
    context = {"form": form, "previous": previous}
    return render(request, "referrals/person_form.html", context, status=_status(request))


# --- The referral page -----------------------------------------------------------------------


def _roles(user: Any, referral: Referral) -> dict[str, bool]:
    return {
        "is_sender": services.sends_for(user, referral),
        "is_receiver": services.receives_for(user, referral),
        "is_overseer": services.oversees(user, referral),
    }


def _detail_forms(referral: Referral, roles: dict[str, bool], sees: bool) -> dict[str, forms.Form]:
    """Empty forms for the actions this user may take now."""
    r, found = referral, {}
    if roles["is_receiver"]:
        if r.status == S.SENT:
            found["receive"] = ActionForm(prefix="receive")
        if r.status in (S.SENT, S.RECEIVED):
            if sees:
                found["accept"] = OptionalNoteForm(prefix="accept")
            found["decline"] = DeclineForm(prefix="decline")
        if r.direction == Direction.TO_CHARITY and r.status == S.ACCEPTED and sees:
            found["start"] = OptionalNoteForm(prefix="start")
        can_outcome = r.status in (S.ACCEPTED, S.IN_SERVICE)
        if r.direction == Direction.TO_STATION:
            can_outcome = r.status == S.ACCEPTED and not hasattr(r, "case")
        if r.direction == Direction.TO_CHARITY:
            can_outcome = can_outcome and sees
        if can_outcome:
            found["outcome"] = OutcomeForm(prefix="outcome", referral=r)
        if (
            r.direction == Direction.TO_CIVIL_AFFAIRS
            and r.household_id is None
            and r.status not in (S.DECLINED, S.CLOSED)
        ):
            found["link"] = LinkHouseholdForm(prefix="link")
    if (roles["is_sender"] or roles["is_receiver"]) and sees:
        found["note"] = NoteForm(prefix="note")
        if r.is_open:
            found["attach"] = AttachmentForm(prefix="attach")
    return found


def _chain(user: Any, referral: Referral) -> dict[str, list[Referral]]:
    """The declined referrals before this one and those after it, as far as the user may see."""
    visible = Referral.objects.visible_to(user)
    before, node = [], referral
    while node.previous_id:
        node = (
            visible.select_related("receiver_organization", "receiver_region")
            .filter(pk=node.previous_id)
            .first()
        )
        if node is None:
            break
        before.append(node)
    after, node = [], referral
    while True:
        node = (
            visible.select_related("receiver_organization", "receiver_region")
            .filter(previous_id=node.pk)
            .first()
        )
        if node is None:
            break
        after.append(node)
    return {"before": list(reversed(before)), "after": after}


def _detail_page(
    request: HttpRequest, referral: Referral, *, bound: tuple[str, forms.Form] | None = None
) -> HttpResponse:
    user = request.user
    roles = _roles(user, referral)
    card = selectors.receiver_card(user, referral)
    sees = card.consented
    action_forms = _detail_forms(referral, roles, sees)
    refused: list[str] = []
    if bound is not None and bound[0] in action_forms:
        action_forms[bound[0]] = bound[1]
    elif bound is not None:
        refused = [str(e) for errors in bound[1].errors.values() for e in errors]
    insider = user.role != User.Role.CHARITY
    case = getattr(referral, "case", None) if referral.direction == Direction.TO_STATION else None
    context = {
        "referral": referral,
        **roles,
        "insider": insider,
        "card": card,
        "sees": sees,
        "forms": action_forms,
        "refused": refused,
        "chain": _chain(user, referral),
        "notes": list(referral.notes.all()) if sees else [],
        "attachments": list(referral.attachments.all()) if sees else [],
        "case": case,
        "can_open_case": roles["is_receiver"]
        and referral.direction == Direction.TO_STATION
        and referral.status == S.ACCEPTED
        and case is None,
        "can_register": "link" in action_forms,
        "can_refer_elsewhere": roles["is_sender"]
        and referral.status == S.DECLINED
        and not referral.onward.all(),
        "needs": list(referral.needs.all()) if insider else [],
    }
    failed = bound is not None and bool(bound[1].errors)
    return render(request, "referrals/referral_detail.html", context, status=400 if failed else 200)


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_get_for_user(request.user, pk)
    return _detail_page(request, referral)


def _act(request: HttpRequest, pk: int, **action: Any) -> HttpResponse:
    """One action of the referral page (``accounts.actions.detail_action``)."""
    return detail_action(
        request,
        pk,
        get=selectors.referral_get_for_user,
        errors=services.ReferralError,
        detail_url="referrals:referral_detail",
        page=_detail_page,
        **action,
    )


@login_required
@require_POST
def referral_receive(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="receive",
        form_class=ActionForm,
        call=lambda user, r, data: services.referral_receive(user=user, referral=r),
        done=_("Receipt of %(number)s confirmed."),
    )


@login_required
@require_POST
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="accept",
        form_class=OptionalNoteForm,
        call=lambda user, r, data: services.referral_accept(
            user=user, referral=r, note=data["note"]
        ),
        done=_("Referral %(number)s accepted."),
    )


@login_required
@require_POST
def referral_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="decline",
        form_class=DeclineForm,
        call=lambda user, r, data: services.referral_decline(
            user=user, referral=r, reason=data["reason"]
        ),
        done=_("Referral %(number)s declined; the sender is told."),
    )


@login_required
@require_POST
def referral_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="start",
        form_class=OptionalNoteForm,
        call=lambda user, r, data: services.referral_start_service(
            user=user, referral=r, note=data["note"]
        ),
        done=_("Service started for %(number)s."),
    )


@login_required
@require_POST
def referral_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="outcome",
        form_class=OutcomeForm,
        form_kwargs=lambda r: {"referral": r},
        call=lambda user, r, data: services.referral_record_outcome(
            user=user,
            referral=r,
            outcome=data["outcome"],
            note=data["note"],
            status=data.get("status", ""),
            member=data.get("member"),
        ),
        done=_("The outcome of %(number)s is recorded."),
    )


@login_required
@require_POST
def referral_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="note",
        form_class=NoteForm,
        call=lambda user, r, data: services.referral_note_add(
            user=user, referral=r, body=data["body"]
        ),
        done=_("Note added to %(number)s."),
    )


@login_required
@require_POST
def referral_attach(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="attach",
        form_class=AttachmentForm,
        call=lambda user, r, data: services.referral_attachment_add(
            user=user, referral=r, uploads=data["attachments"]
        ),
        done=_("Files added to %(number)s."),
    )


@login_required
@require_POST
def referral_link(request: HttpRequest, pk: int) -> HttpResponse:
    def link(user: Any, referral: Referral, data: dict[str, Any]) -> None:
        code = data["household"].strip().upper()
        household = Household.objects.visible_to(user).filter(code=code).first()
        if household is None:
            raise services.ReferralError(
                {"household": [_("No household with this number in your area.")]}
            )
        services.referral_link_household(user=user, referral=referral, household=household)

    return _act(
        request,
        pk,
        name="link",
        form_class=LinkHouseholdForm,
        call=link,
        done=_("Referral %(number)s is linked to the household."),
    )


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """A file of a referral, only to those who may see the referral — and to a charity
    receiver only while the person's consent is in force; 404 to anyone else."""
    referral = selectors.referral_get_for_user(request.user, pk)
    if not services.receiver_sees_person(request.user, referral):
        raise Http404
    attachment = ReferralAttachment.objects.filter(referral=referral, pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    response = HttpResponse(files.read(attachment), content_type=attachment.content_type)
    disposition = "inline" if attachment.kind != ReferralAttachment.Kind.PDF else "attachment"
    response["Content-Disposition"] = content_disposition_header(
        disposition == "attachment", attachment.name
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def register_household(request: HttpRequest, pk: int) -> HttpResponse:
    """Civil affairs register the household of the person a charity referred, with the person
    as its first member, and link it to the referral."""
    user = request.user
    referral = selectors.referral_get_for_user(user, pk)
    if (
        not services.receives_for(user, referral)
        or referral.direction != Direction.TO_CIVIL_AFFAIRS
    ):
        raise Http404
    initial = {
        "name": referral.person_name,
        "address": referral.person_address,
        "id_number": referral.person_id_number,
        "phone": referral.person_phone,
    }
    if referral.region.level in ("township", "village"):
        initial["region"] = referral.region_id
    form = RegisterHouseholdForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = MemberInput(
            name=data["name"],
            relation=data["relation"],
            id_number=data["id_number"],
            sex=data["sex"],
            birth_date=data["birth_date"],
            phone=data["phone"],
        )
        fields = {
            "region": data["region"],
            "address": data["address"],
            "worker": data["worker"],
            "gap_class": data["gap_class"],
        }
        try:
            result = services.referral_register_household(
                user=user, referral=referral, fields=fields, members=[member]
            )
        except LedgerInvalid as exc:
            add_service_errors(form, ValidationError(_ledger_errors(exc)))
        except services.ReferralError as exc:
            add_service_errors(form, exc)
        else:
            for warning in result.warnings:
                messages.warning(request, warning)
            messages.success(
                request,
                _("Household %(code)s registered and linked to %(number)s.")
                % {"code": result.household.code, "number": referral.number},
            )
            return redirect("referrals:referral_detail", referral.pk)
    context = {"form": form, "referral": referral}
    return render(request, "referrals/register_household.html", context, status=_status(request))


def _ledger_errors(exc: LedgerInvalid) -> dict[str, list[str]]:
    errors = {k: list(v) for k, v in exc.household_errors.items()}
    for member_errors in exc.member_errors.values():
        for name, messages_ in member_errors.items():
            errors.setdefault(name, []).extend(messages_)
    return errors


# --- Cases -----------------------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in (User.Role.SOCIAL_WORKER, User.Role.CIVIL_AFFAIRS) and not (
        user.is_administrator
    ):
        raise Http404
    filterset = CaseFilterSet(
        request.GET, queryset=selectors.case_list_for_user(user), request=request
    )
    blank_means_any(filterset.form)
    page = _page(request, filterset.qs)
    context = {"filter": filterset, "page": page}
    template = "referrals/case_list.html#results" if request.htmx else "referrals/case_list.html"
    return render(request, template, context)


@login_required
def case_open(request: HttpRequest, household_pk: int) -> HttpResponse:
    """Open a case at the household's station, directly or (``?referral=``) from a referral
    to the station that was accepted."""
    user = request.user
    household = needs_selectors.household_get_for_user(user, household_pk)
    referral = None
    if pk := request.GET.get("referral"):
        referral = selectors.referral_get_for_user(user, pk)
        if referral.household_id != household.pk:
            raise Http404
    if not (
        user.is_administrator
        or (user.role == User.Role.SOCIAL_WORKER and user.region_id == household.station_id)
    ):
        raise Http404
    initial = {"member": referral.member_id} if referral is not None else {}
    form = CaseOpenForm(request.POST or None, household=household, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                user=user,
                household=household,
                referral=referral,
                member=data["member"],
                worker=data["worker"],
                assessment=data["assessment"],
                next_review_on=data["next_review_on"],
            )
        except services.ReferralError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect("referrals:case_detail", case.pk)
    context = {"form": form, "household": household, "referral": referral}
    return render(request, "referrals/case_form.html", context, status=_status(request))


def _case_forms(case: Case, works: bool) -> dict[str, forms.Form]:
    if not (works and case.is_open):
        return {}
    return {
        "assess": AssessmentForm(
            prefix="assess",
            initial={"assessment": case.assessment, "next_review_on": case.next_review_on},
        ),
        "goal": GoalForm(prefix="goal"),
        "case_note": CaseNoteForm(prefix="case_note"),
        "close": CaseCloseForm(prefix="close"),
    }


def _case_page(
    request: HttpRequest, case: Case, *, bound: tuple[str, forms.Form] | None = None
) -> HttpResponse:
    works = services.works_on_case(request.user, case)
    action_forms = _case_forms(case, works)
    refused: list[str] = []
    if bound is not None and bound[0] in action_forms:
        action_forms[bound[0]] = bound[1]
    elif bound is not None:
        refused = [str(e) for errors in bound[1].errors.values() for e in errors]
    context = {
        "case": case,
        "household": case.household,
        "works": works,
        "forms": action_forms,
        "refused": refused,
        "goals": list(case.goals.all()),
        "notes": list(case.notes.all()),
    }
    failed = bound is not None and bool(bound[1].errors)
    return render(request, "referrals/case_detail.html", context, status=400 if failed else 200)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, selectors.case_get_for_user(request.user, pk))


def _case_act(
    request: HttpRequest,
    pk: int,
    *,
    name: str,
    form_class: Callable[..., forms.Form],
    call: Callable[[Any, Case, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    case = selectors.case_get_for_user(request.user, pk)
    form = form_class(request.POST, prefix=name)
    if form.is_valid():
        try:
            call(request.user, case, form.cleaned_data)
        except services.ReferralError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done % {"number": case.number})
            return redirect("referrals:case_detail", case.pk)
    case = selectors.case_get_for_user(request.user, pk)
    return _case_page(request, case, bound=(name, form))


@login_required
@require_POST
def case_assess(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_act(
        request,
        pk,
        name="assess",
        form_class=AssessmentForm,
        call=lambda user, c, data: services.case_assess(user=user, case=c, **data),
        done=_("The assessment of %(number)s is saved."),
    )


@login_required
@require_POST
def case_goal(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_act(
        request,
        pk,
        name="goal",
        form_class=GoalForm,
        call=lambda user, c, data: services.case_goal_add(user=user, case=c, **data),
        done=_("Goal added to the plan of %(number)s."),
    )


@login_required
@require_POST
def case_goal_reach(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(request.user, pk)
    goal = CaseGoal.objects.filter(case=case, pk=goal_pk).first()
    if goal is None:
        raise Http404
    try:
        services.case_goal_reach(user=request.user, goal=goal)
    except services.ReferralError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Goal marked as reached."))
    return redirect("referrals:case_detail", case.pk)


@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_act(
        request,
        pk,
        name="case_note",
        form_class=CaseNoteForm,
        call=lambda user, c, data: services.case_note_add(user=user, case=c, **data),
        done=_("Note added to %(number)s."),
    )


@login_required
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_act(
        request,
        pk,
        name="close",
        form_class=CaseCloseForm,
        call=lambda user, c, data: services.case_close(user=user, case=c, **data),
        done=_("Case %(number)s closed."),
    )


# --- Fragments -------------------------------------------------------------------------------


@login_required
def household_fragment(request: HttpRequest, household_pk: int) -> HttpResponse:
    """The household page's referrals and cases, as a timeline (an htmx fragment)."""
    user = request.user
    household = needs_selectors.household_get_for_user(user, household_pk)
    referrals = selectors.household_referrals(user, household.pk)
    cases = selectors.household_cases(user, household.pk)
    context = {
        "household": household,
        "referrals": referrals,
        "cases": cases,
        "timeline": _household_timeline(referrals, cases),
        "can_refer": services.can_refer(user, household),
        "can_open_case": (
            user.role == User.Role.SOCIAL_WORKER and user.region_id == household.station_id
        )
        and not any(c.is_open for c in cases),
    }
    return render(request, "referrals/_household_fragment.html", context)


def _household_timeline(referrals: list[Referral], cases: list[Case]) -> list[dict[str, Any]]:
    """Each referral's and case's steps, newest first."""
    rows: list[dict[str, Any]] = []

    def step(at: Any, label: str, thing: Referral | Case, url: str, detail: str = "") -> None:
        if at is not None:
            rows.append(
                {"at": at, "label": label, "number": thing.number, "url": url, "detail": detail}
            )

    for r in referrals:
        url = reverse("referrals:referral_detail", args=[r.pk])
        receiver = services.receiver_name(r)
        sent = _("Referral sent to %(receiver)s") % {"receiver": receiver}
        step(r.sent_at, sent, r, url, r.get_direction_display())
        step(r.received_at, _("Referral received"), r, url, receiver)
        if r.status == S.DECLINED:
            step(r.answered_at, _("Referral declined"), r, url, r.decline_reason)
        else:
            step(r.answered_at, _("Referral accepted"), r, url, receiver)
        if r.direction != Direction.TO_CIVIL_AFFAIRS:
            step(r.started_at, _("Service started"), r, url, receiver)
        if r.outcome:
            label = _("Outcome: %(outcome)s") % {"outcome": r.get_outcome_display()}
            step(r.outcome_at or r.status_changed_at, label, r, url, r.outcome_note)
    for c in cases:
        url = reverse("referrals:case_detail", args=[c.pk])
        step(c.opened_at, _("Case opened at the station"), c, url, str(c.worker))
        if c.closed_at:
            label = _("Case closed: %(outcome)s") % {"outcome": c.get_outcome_display()}
            step(c.closed_at, label, c, url, c.closing_note)
    return sorted(rows, key=lambda row: row["at"], reverse=True)


@login_required
def dashboard_card(request: HttpRequest) -> HttpResponse:
    """Referrals' figures for the landing page (an htmx fragment)."""
    figures = selectors.counts_for_user(request.user)
    return render(request, "referrals/_dashboard_card.html", {"figures": figures})
