"""Every write of matching: applications and their answers, review, delivery, feedback.

Statuses move by conditional updates (``filter(status=<read>).update(...)``), so two people
acting at once cannot both win; places are taken by a conditional update on the project that
the CHECK ``places_taken <= capacity`` backs up. The needs app is moved through its own
service (``need_transition``), never by writing its rows here.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_label
from accounts.models import AccessLog, User
from accounts.scope import region_scope
from accounts.services import notify
from accounts.text import join_sentences
from needs.hooks import ClosedRecord
from needs.models import Consent, Member, Need
from needs.services import can_edit_ledger, consent_allows, need_transition
from supply.models import Project
from supply.services import is_staff_of

from .candidates import person_of, project_check
from .models import (
    FIGURES_WINDOW,
    PRE_AID_WINDOW,
    Application,
    Feedback,
    OrganizationFigures,
)

S = Application.Status
Review = Application.Review


class ApplicationError(ValidationError):
    """A refused action; ``code`` tells the pages which help to offer (e.g. ``no_consent``).

    Django keeps a code only on a single message; here it is kept for field errors too."""

    def __init__(self, message: Any, code: str | None = None, params: Any = None) -> None:
        super().__init__(message, code, params)
        self.code = code


# --- Who may do what -------------------------------------------------------------------------


def works_for_household(user: Any, application_or_need: Application | Need) -> bool:
    """Social workers of the household's township (and administrators) act for the household."""
    return can_edit_ledger(user, application_or_need.household.region_id)


def answers_for_supplier(user: Any, application: Application) -> bool:
    return is_staff_of(user, application.organization)


def reviews_region(user: Any, application: Application) -> bool:
    """Civil affairs whose area holds the household (and administrators) review matches."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return user.role == User.Role.CIVIL_AFFAIRS and region_scope(user).contains(
        application.household.region_id
    )


def _require(allowed: bool) -> None:
    # Strangers learn nothing: the pages already 404 for them, the services agree.
    if not allowed:
        raise Http404


# --- Notifications ---------------------------------------------------------------------------


def _url(application: Application) -> str:
    try:
        return reverse("matching:application_detail", args=[application.pk])
    except NoReverseMatch:  # the pages are optional for the services
        return ""


def household_side(application: Application) -> list[User]:
    """The responsible social worker and whoever made the application."""
    people = [application.household.worker, application.created_by]
    return [u for u in {u.pk: u for u in people if u is not None}.values() if u.is_active]


def supplier_side(application: Application) -> list[User]:
    """The organisation's staff; without staff accounts, the household's county civil affairs
    (who can open the application and pass it on)."""
    staff = list(application.organization.staff.filter(is_active=True))
    if staff:
        return staff
    # Officers who can open the application: those of the household's area.
    return county_officers(application)


def county_officers(application: Application) -> list[User]:
    """Civil affairs of the household's county (its nearest department, for escalations)."""
    code = application.household.region_id
    departments = [code[:6] + "000000", code[:4] + "00000000"]
    for department in departments:
        officers = list(
            User.objects.filter(role=User.Role.CIVIL_AFFAIRS, region_id=department, is_active=True)
        )
        if officers:
            return officers
    return []


def tell(recipients: Iterable[User], title: str, application: Application, body: str = "") -> None:
    notify(
        recipients=list(recipients),
        title=title,
        body=body,
        url=_url(application),
        kind="application",
    )


# --- Pre-aid check ---------------------------------------------------------------------------


def pre_aid_overlaps(need: Need, *, exclude_pk: int | None = None) -> list[Application]:
    """Aid of the same charity area the household received or waits for (last 12 months)."""
    since = timezone.now() - PRE_AID_WINDOW
    found = (
        Application.objects.filter(household_id=need.household_id, need__area=need.area)
        .aid_received_or_pending(since)
        .select_related("project", "organization", "need")
    )
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return list(found)


# --- Creating and submitting -----------------------------------------------------------------


def _consent_for(member: Member, project: Project) -> Consent:
    consent = consent_allows(
        member=member,
        purpose=Consent.Purpose.MATCHING,
        credit_code=project.organization.credit_code,
    )
    if consent is None:
        raise ApplicationError(
            {
                "member": [
                    _(
                        "%(name)s has no consent in force to share their details with "
                        "%(organization)s for matching. Record the consent first."
                    )
                    % {"name": member.name, "organization": project.organization.name}
                ]
            },
            code="no_consent",
        )
    return consent


def _check_project(need: Need, project: Project, *, ignore: int | None = None) -> None:
    failed = project_check(need, project, ignore_application=ignore)
    if not failed:
        return
    if failed == [Application.Criterion.OTHER]:
        raise ApplicationError(
            {"project": [_("This project is not open for applications.")]}, code="not_candidate"
        )
    labels = "、".join(str(Application.Criterion(c).label) for c in failed)
    raise ApplicationError(
        {
            "project": [
                _("This project does not suit the need: %(criteria)s.") % {"criteria": labels}
            ]
        },
        code="not_candidate",
    )


def _applicant(need: Need, member: Member | None) -> Member:
    if need.member_id:
        if member is not None and member.pk != need.member_id:
            raise ApplicationError(
                {"member": [_("This need is for %(name)s.") % {"name": need.member.name}]}
            )
        return need.member
    if member is None or member.household_id != need.household_id or member.left_at:
        raise ApplicationError({"member": [_("Choose a current member of this household.")]})
    return member


@transaction.atomic
def application_create(
    *,
    user: Any,
    need: Need,
    project: Project,
    mode: str,
    member: Member | None = None,
    message: str = "",
    share_contact: bool = False,
    overlap_reason: str = "",
    submit: bool = True,
) -> Application:
    """Apply with or for a household: a draft, or submitted at once (the default).

    Refused without consent in force for that supplier, for a project the need does not fit,
    and — after the pre-aid check shows aid of the same area — without a reason to go on; such
    an application, and every one of a household with a declared relation, waits for civil
    affairs review before delivery.
    """
    _require(works_for_household(user, need))
    need = _lock_need(need.pk)
    if not need.is_live:
        raise ApplicationError(
            _("The need is closed: reopen or record a new need first."), code="need_closed"
        )
    if mode not in Application.Mode.values:
        raise ApplicationError({"mode": [_("Say who applies.")]})
    applicant = _applicant(need, member)
    _check_project(need, project)
    consent = _consent_for(applicant, project)
    overlaps = _require_overlap_reason(need, overlap_reason)
    overlap_reason = (overlap_reason or "").strip()
    person = person_of(need)
    application = Application(
        need=need,
        household=need.household,
        member=applicant,
        project=project,
        organization=project.organization,
        mode=mode,
        message=(message or "").strip(),
        share_contact=bool(share_contact),
        consent=consent,
        simplified_procedure=person.classified,
        overlap_reason=overlap_reason if overlaps else "",
        review_required=bool(overlaps) or need.household.coi_declared,
        created_by=user,
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        raise ApplicationError(
            {"project": [_("The household already has an application to this project running.")]},
            code="duplicate",
        ) from exc
    if submit:
        application_submit(user=user, application=application, overlap_reason=overlap_reason)
    return application


def _require_overlap_reason(
    need: Need, overlap_reason: str, *, exclude_pk: int | None = None
) -> list[Application]:
    """The pre-aid check: aid of the same area needs a reason to go on."""
    overlaps = pre_aid_overlaps(need, exclude_pk=exclude_pk)
    if overlaps and not (overlap_reason or "").strip():
        raise ApplicationError(
            {
                "overlap_reason": [
                    _(
                        "The household already receives or waits for aid in this area. "
                        "Give the reason to apply again; civil affairs will review it."
                    )
                ]
            },
            code="overlap",
        )
    return overlaps


def _lock_need(need_pk: int) -> Need:
    """The need, locked: whoever changes its status or its applications goes one at a time."""
    return Need.objects.select_for_update().select_related("household").get(pk=need_pk)


def _move(
    application: Application,
    to: str,
    *,
    expected: Iterable[str] | None = None,
    condition: Q | None = None,
    **values: Any,
) -> None:
    """Conditional status change: refused if illegal or if someone moved it meanwhile."""
    if not application.can_move_to(to):
        raise ApplicationError(
            {
                "status": [
                    _("An application that is “%(current)s” cannot become “%(target)s”.")
                    % {"current": application.get_status_display(), "target": S(to).label}
                ]
            },
            code="illegal_transition",
        )
    now = values.pop("now", None) or timezone.now()
    values = {"status": to, "status_changed_at": now, "updated_at": now, **values}
    if to in Application.FINAL_STATUSES or to == S.CLOSED:
        values.setdefault("closed_at", now)
    updated = (
        Application.objects.filter(
            pk=application.pk, status__in=list(expected or [application.status])
        )
        .filter(condition or Q())
        .update(**values)
    )
    if not updated:
        raise ApplicationError(
            _("The application was changed by someone else meanwhile. Reload and try again."),
            code="conflict",
        )
    for name, value in values.items():
        setattr(application, name, value)


def _reopen_need_if_idle(application: Application) -> None:
    """A need whose last running application ended goes back to the open list."""
    need = _lock_need(application.need_id)
    if need.status != Need.Status.MATCHING:
        return
    if Application.objects.filter(need=need, status__in=Application.LIVE_STATUSES).exists():
        return
    need_transition(user=None, need=need, to=Need.Status.OPEN)


@transaction.atomic
def application_submit(
    *, user: Any, application: Application, overlap_reason: str = ""
) -> Application:
    """Send to the supplier. The need, the project, the consent and the pre-aid check are
    checked here, at the moment of sending, whatever was true when a draft was saved."""
    _require(works_for_household(user, application))
    need = _lock_need(application.need_id)
    application.need = need
    if not need.is_live:
        raise ApplicationError(
            _("The need is closed: reopen or record a new need first."), code="need_closed"
        )
    if application.status == S.DRAFT:
        _check_project(need, application.project, ignore=application.pk)
        application.consent = _consent_for(application.member, application.project)
    overlap_reason = (overlap_reason or application.overlap_reason or "").strip()
    overlaps = _require_overlap_reason(need, overlap_reason, exclude_pk=application.pk)
    now = timezone.now()
    _move(
        application,
        S.SUBMITTED,
        now=now,
        submitted_at=now,
        consent=application.consent,
        review_status=Review.PENDING,
        overlap_reason=overlap_reason if overlaps else "",
        review_required=bool(overlaps) or need.household.coi_declared,
    )
    if need.status == Need.Status.OPEN:
        need_transition(user=None, need=need, to=Need.Status.MATCHING)
    tell(
        supplier_side(application),
        _("New application to “%(project)s”") % {"project": application.project.title},
        application,
        body=join_sentences(
            [
                _("Please answer within 10 days."),
                _("Simplified procedure applies.") if application.simplified_procedure else "",
            ]
        ),
    )
    return application


@transaction.atomic
def application_expire(*, application: Application, now: dt.datetime) -> bool:
    """30 days without the supplier's answer (the daily follow-up): expired, both sides told,
    the need back on the open list. False when it was answered or expired meanwhile."""
    try:
        _move(
            application,
            S.EXPIRED,
            now=now,
            status_reason=_("No answer from the supplier within 30 days."),
        )
    except ApplicationError:
        return False
    _reopen_need_if_idle(application)
    tell(
        household_side(application) + supplier_side(application),
        _("Application %(number)s expired: %(organization)s did not answer in 30 days")
        % {"number": application.number, "organization": application.organization.name},
        application,
        body=_("Explain this to the household and look at the alternatives."),
    )
    return True


def _release_place(application: Application) -> None:
    Project.objects.filter(pk=application.project_id, places_taken__gt=0).update(
        places_taken=F("places_taken") - 1
    )


@transaction.atomic
def application_withdraw(*, user: Any, application: Application, reason: str) -> Application:
    """The household or its worker withdraws; an accepted application gives its place back."""
    _require(works_for_household(user, application))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError({"reason": [_("Give the reason.")]})
    _withdraw(application, reason=reason, tell_supplier=True)
    return application


def _withdraw(
    application: Application,
    *,
    reason: str,
    tell_supplier: bool,
    tell_household: str = "",
    reopen: bool = True,
) -> None:
    """Every way an application is withdrawn: the place goes back, the need goes back to the
    open list if nothing else runs for it (unless the need is what closes: ``reopen=False``),
    the supplier hears of what it was sent, and the household's side, when the household did
    not withdraw it itself, gets ``tell_household`` as the title of its notice."""
    was = application.status
    _move(application, S.WITHDRAWN, status_reason=reason[:300])
    if was == S.ACCEPTED:
        _release_place(application)
    if reopen:
        _reopen_need_if_idle(application)
    if tell_supplier and was != S.DRAFT:
        tell(
            supplier_side(application),
            _("Application %(number)s was withdrawn") % {"number": application.number},
            application,
            body=reason,
        )
    if tell_household:
        tell(household_side(application), tell_household, application, body=reason)


# --- A need that closes ----------------------------------------------------------------------

#: The applications a closing need takes with it: everything not yet delivered. Delivered aid
#: stays on record and closes with the feedback of both sides.
OPEN_FOR_NEED = (S.DRAFT, S.SUBMITTED, S.ACCEPTED)


def _closed_record(application: Application) -> ClosedRecord:
    return ClosedRecord(
        kind="application",
        id=application.pk,
        number=application.number,
        title=application.project.title,
        organization=application.organization.name,
        status=application.status,
        status_display=str(S(application.status).label),
        url=_url(application),
    )


def need_closing_preview(needs: Iterable[Need]) -> dict[int, list[ClosedRecord]]:
    """What closing each need would withdraw (registered with ``needs.hooks``): its open
    applications, in one query."""
    found: dict[int, list[ClosedRecord]] = {need.pk: [] for need in needs}
    applications = (
        Application.objects.filter(need_id__in=list(found), status__in=OPEN_FOR_NEED)
        .select_related("project", "organization")
        .order_by("need_id", "created_at", "pk")
    )
    for application in applications:
        found[application.need_id].append(_closed_record(application))
    return found


#: The reason an application gets, by the status its need closed with. The worker's own reason
#: for closing the need stays with the household: it may say why (an illness, a death).
_CLOSING_REASONS = {
    Need.Status.MET: gettext_lazy("Withdrawn: the household's need is met."),
    Need.Status.CLOSED_UNMET: gettext_lazy("Withdrawn: the household's need is closed."),
    Need.Status.WITHDRAWN: gettext_lazy("Withdrawn: the household's need is withdrawn."),
}


def _closing_reason(need: Need) -> str:
    return str(_CLOSING_REASONS.get(need.status, _CLOSING_REASONS[Need.Status.CLOSED_UNMET]))


def _withdrawn_with_need(application: Application) -> str:
    return _("Application %(number)s to “%(project)s” was withdrawn with its need") % {
        "number": application.number,
        "project": application.project.title,
    }


def need_closing_withdraw(*, need: Need, user: Any | None, reason: str) -> list[ClosedRecord]:
    """A need that closes withdraws its open applications (registered with ``needs.hooks``;
    ``needs.services.need_transition`` calls it inside its transaction, the need's row locked):
    places given back, the supplier told of what it was sent, the household's workers told.
    Returns what was withdrawn, with the status each had."""
    applications = (
        Application.objects.filter(need_id=need.pk, status__in=OPEN_FOR_NEED)
        # Locked, so that an answer of the supplier at the same moment waits for the closing.
        .select_for_update(of=("self",))
        .select_related("project", "organization", "household__worker", "created_by")
        .order_by("created_at", "pk")
    )
    ended: list[ClosedRecord] = []
    for application in applications:
        ended.append(_closed_record(application))
        _withdraw(
            application,
            reason=_closing_reason(need),
            tell_supplier=True,
            tell_household=_withdrawn_with_need(application),
            reopen=False,
        )
    return ended


# --- The supplier's answer -------------------------------------------------------------------


def application_accept(*, user: Any, application: Application) -> Application:
    """Accept and take a place. The place is taken by a conditional update, so however many
    staff accept at once, no more are accepted than there are places.

    Everything the application rests on is checked again at this moment, with the need locked
    (a closing need waits, and is waited for): the need is still open, the person's consent is
    still in force for this organisation and purpose, the project is published and running.
    A need closed or a consent ended meanwhile withdraws the application (no place taken, the
    household's side told, the supplier shown nothing of the person) and refuses the
    acceptance; a project paused, closed, ended or full refuses it and leaves the application
    waiting for the supplier's answer.
    """
    _require(answers_for_supplier(user, application))
    with transaction.atomic():
        refusal = _accept(user=user, application=application)
    if refusal is not None:
        # Raised once the withdrawal is committed: the withdrawal stands, the acceptance not.
        raise refusal
    return application


def _accept(*, user: Any, application: Application) -> ApplicationError | None:
    """The acceptance in its transaction; returns the refusal of an application it withdrew
    (raising would undo the withdrawal), raises the others."""
    need = _lock_need(application.need_id)
    application.need = need
    if application.status == S.SUBMITTED:
        refusal = _gone_from_under(application, need)
        if refusal is not None:
            return refusal
    now = timezone.now()
    today = timezone.localdate(now)
    submitted_at = application.submitted_at or now
    _move(
        application,
        S.ACCEPTED,
        now=now,
        answer="accepted",
        answered_at=now,
        answered_by=user,
        answer_seconds=max(0, int((now - submitted_at).total_seconds())),
    )
    taken = (
        Project.objects.filter(pk=application.project_id, status=Project.Status.PUBLISHED)
        .filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .filter(Q(capacity__isnull=True) | Q(places_taken__lt=F("capacity")))
        .update(places_taken=F("places_taken") + 1)
    )
    if not taken:
        # Raising undoes the status change with the rest of the transaction.
        raise _project_refusal(application.project_id, today)
    organization_figures_refresh(organizations=[application.organization_id], now=now)
    tell(
        household_side(application),
        _("Application %(number)s was accepted by %(organization)s")
        % {"number": application.number, "organization": application.organization.name},
        application,
    )
    return None


def _gone_from_under(application: Application, need: Need) -> ApplicationError | None:
    """A submitted application whose need closed or whose consent ended since it was sent is
    withdrawn; returns the supplier's refusal then (saying nothing of the person)."""
    if not need.is_live:
        _withdraw(
            application,
            reason=_closing_reason(need),
            tell_supplier=False,
            tell_household=_withdrawn_with_need(application),
            reopen=False,
        )
        return ApplicationError(
            _("The household's need is no longer open: the application is withdrawn."),
            code="need_closed",
        )
    consent = consent_allows(
        member=application.member,
        purpose=Consent.Purpose.MATCHING,
        credit_code=application.organization.credit_code,
    )
    if consent is None:
        _withdraw(
            application,
            reason=_("Withdrawn: the person's consent is no longer in force."),
            tell_supplier=False,
            tell_household=_(
                "Application %(number)s was withdrawn: the consent is no longer in force"
            )
            % {"number": application.number},
        )
        return ApplicationError(
            _(
                "The person's consent is no longer in force: the application is withdrawn and "
                "nothing of the person is shared."
            ),
            code="no_consent",
        )
    if consent.pk != application.consent_id:
        # Consent given again since: the application rests on the one in force now.
        Application.objects.filter(pk=application.pk).update(consent=consent)
        application.consent = consent
    return None


def _project_refusal(project_pk: int, today: dt.date) -> ApplicationError:
    """Why the project took no place: not published (paused, closed), outside its dates, or
    full."""
    project = Project.objects.get(pk=project_pk)
    if project.status != Project.Status.PUBLISHED:
        return ApplicationError(
            _(
                "The project is “%(status)s”: it cannot accept anyone now. Publish it again, "
                "or reject the application with the reason."
            )
            % {"status": project.get_status_display()},
            code="project_not_running",
        )
    if project.ends_on is not None and project.ends_on < today:
        return ApplicationError(
            _(
                "The project ended on %(day)s: it cannot accept anyone now. Reject the "
                "application with the reason."
            )
            % {"day": project.ends_on.isoformat()},
            code="project_not_running",
        )
    if project.starts_on > today:
        return ApplicationError(
            _("The project starts on %(day)s: accept the application once it runs.")
            % {"day": project.starts_on.isoformat()},
            code="project_not_running",
        )
    return ApplicationError(_("No places are left in this project."), code="no_places")


@transaction.atomic
def application_reject(
    *, user: Any, application: Application, reason: str, criterion: str = "", note: str = ""
) -> Application:
    """Reject with a reason code; "not eligible" names the condition, "other" needs a note."""
    _require(answers_for_supplier(user, application))
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if reason not in Application.RejectionReason.values:
        errors["reason"] = [_("Choose the reason.")]
    elif reason == Application.RejectionReason.NOT_ELIGIBLE:
        if criterion not in Application.Criterion.values:
            errors["criterion"] = [_("Say which condition is not met.")]
    elif reason == Application.RejectionReason.OTHER and not note:
        errors["note"] = [_("Explain the reason.")]
    if errors:
        raise ApplicationError(errors)
    if reason != Application.RejectionReason.NOT_ELIGIBLE:
        criterion = ""
    now = timezone.now()
    _move(
        application,
        S.REJECTED,
        now=now,
        answer="rejected",
        answered_at=now,
        answered_by=user,
        answer_seconds=max(0, int((now - (application.submitted_at or now)).total_seconds())),
        rejection_reason=reason,
        rejection_criterion=criterion,
        rejection_note=note,
    )
    organization_figures_refresh(organizations=[application.organization_id], now=now)
    _reopen_need_if_idle(application)
    tell(
        household_side(application),
        _("Application %(number)s was not accepted: %(reason)s")
        % {
            "number": application.number,
            "reason": Application.RejectionReason(reason).label,
        },
        application,
        body=_("Explain the answer to the household and look at the alternatives."),
    )
    return application


@transaction.atomic
def application_explain(*, user: Any, application: Application, explanation: str) -> Application:
    """Record how the answer was explained to the household (说明解释)."""
    _require(works_for_household(user, application))
    explanation = (explanation or "").strip()
    if application.status not in (S.REJECTED, S.EXPIRED):
        raise ApplicationError(
            _("An explanation is recorded after a rejection or an expiry."), code="not_rejected"
        )
    if not explanation:
        raise ApplicationError({"explanation": [_("Write what the household was told.")]})
    now = timezone.now()
    Application.objects.filter(pk=application.pk).update(
        explanation=explanation, explained_at=now, explained_by=user, updated_at=now
    )
    application.explanation, application.explained_at, application.explained_by = (
        explanation,
        now,
        user,
    )
    return application


@transaction.atomic
def application_deliver(
    *,
    user: Any,
    application: Application,
    delivered_on: dt.date,
    quantity: str = "",
    value: Decimal | None = None,
    note: str = "",
) -> Application:
    """Record the aid given: a quantity or a value, and the day. Waits for review when one is
    required or a flag is open."""
    _require(answers_for_supplier(user, application))
    if application.waiting_for_review:
        raise ApplicationError(
            _("Civil affairs must review this match before the aid is delivered."),
            code="waiting_for_review",
        )
    errors: dict[str, list[str]] = {}
    quantity = (quantity or "").strip()
    if not quantity and value is None:
        errors["quantity"] = [_("Give the quantity or the value delivered.")]
    if value is not None and value < 0:
        errors["value"] = [_("The value cannot be negative.")]
    if delivered_on is None:
        errors["delivered_on"] = [_("Give the day of delivery.")]
    elif delivered_on > timezone.localdate():
        errors["delivered_on"] = [_("The day of delivery cannot be in the future.")]
    elif application.answered_at and delivered_on < timezone.localdate(application.answered_at):
        errors["delivered_on"] = [_("Delivery comes after the application was accepted.")]
    if errors:
        raise ApplicationError(errors)
    _move(
        application,
        S.DELIVERED,
        # A flag raised meanwhile stops the delivery too.
        condition=~Q(review_status=Review.FLAGGED)
        & (Q(review_required=False) | Q(review_status=Review.CONFIRMED)),
        delivered_on=delivered_on,
        delivered_quantity=quantity[:100],
        delivered_value=value,
        delivery_note=(note or "").strip(),
        delivery_recorded_by=user,
    )
    tell(
        household_side(application),
        _("Aid delivered for application %(number)s: record the household's feedback")
        % {"number": application.number},
        application,
    )
    return application


# --- Feedback after aid ----------------------------------------------------------------------


NEED_OUTCOMES = ("met", "unmet", "open")


@transaction.atomic
def feedback_record(
    *,
    user: Any,
    application: Application,
    side: str,
    satisfaction: int,
    comment: str = "",
    need_outcome: str = "",
    outcome_reason: str = "",
) -> Feedback:
    """Feedback after aid (帮后反馈) from one side. The household's, recorded by its social
    worker or a colleague, also says whether the need is met (``met``), not met (``unmet``,
    with a reason) or stays open for other aid (``open``). With both sides in, the application
    closes. A need met or closed withdraws its other open applications: the returned feedback's
    ``closed_with`` lists them."""
    if side == Feedback.Side.HOUSEHOLD:
        _require(works_for_household(user, application))
    elif side == Feedback.Side.SUPPLIER:
        _require(answers_for_supplier(user, application))
    else:
        raise ApplicationError({"side": [_("Unknown side.")]})
    if application.status not in (S.DELIVERED, S.CLOSED):
        raise ApplicationError(
            _("Feedback comes after the aid was delivered."), code="not_delivered"
        )
    errors: dict[str, list[str]] = {}
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        errors["satisfaction"] = [_("Choose a satisfaction from 1 to 5.")]
    need = _lock_need(application.need_id)
    outcome_reason = (outcome_reason or "").strip()
    if side == Feedback.Side.HOUSEHOLD and need.is_live:
        if need_outcome not in NEED_OUTCOMES:
            errors["need_outcome"] = [_("Say whether the need is met.")]
        elif need_outcome == "unmet" and not outcome_reason:
            errors["outcome_reason"] = [_("Say why the need is not met.")]
    if errors:
        raise ApplicationError(errors)
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                application=application,
                side=side,
                satisfaction=satisfaction,
                comment=(comment or "").strip(),
                recorded_by=user,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("This side's feedback has already been recorded."), code="duplicate"
        ) from exc
    if side == Feedback.Side.HOUSEHOLD:
        organization_figures_refresh(
            organizations=[application.organization_id], now=feedback.recorded_at
        )
    closed_with: list[ClosedRecord] = []
    if side == Feedback.Side.HOUSEHOLD and need.is_live and need_outcome != "open":
        # Closing the need withdraws its other open applications (need_closing_withdraw).
        if need.status == Need.Status.OPEN:
            need_transition(user=None, need=need, to=Need.Status.MATCHING)
        if need_outcome == "met":
            need = need_transition(user=None, need=need, to=Need.Status.MET)
        else:
            need = need_transition(
                user=None, need=need, to=Need.Status.CLOSED_UNMET, reason=outcome_reason
            )
        closed_with = need.closed_with
    # Counted in the database: a caller's prefetched list would be stale here.
    given = Feedback.objects.filter(application_id=application.pk).count()
    if application.status == S.DELIVERED and given == 2:
        _move(application, S.CLOSED)
        _reopen_need_if_idle(application)
    # What the need's closing withdrew, for the page to name (empty when the need stays open).
    feedback.closed_with = closed_with
    return feedback


# --- The organisations' figures the ranking reads --------------------------------------------


def organization_figures_compute(
    *, now: dt.datetime | None = None, organizations: Iterable[int] | None = None
) -> dict[int, dict[str, Any]]:
    """The matching figures of the organisations over the twelve months before ``now``,
    recomputed from the applications and the households' feedback: applications answered,
    accepted, the acceptance rate, mean and median seconds to answer, mean satisfaction and
    how many households gave it. Organisations with nothing in the window are left out."""
    now = now or timezone.now()
    since = now - FIGURES_WINDOW
    answered = Application.objects.filter(answered_at__gte=since)
    feedback = Feedback.objects.filter(side=Feedback.Side.HOUSEHOLD, recorded_at__gte=since)
    if organizations is not None:
        ids = list(organizations)
        answered = answered.filter(organization_id__in=ids)
        feedback = feedback.filter(application__organization_id__in=ids)
    empty = {
        "answered": 0,
        "accepted": 0,
        "acceptance_rate": None,
        "answer_seconds_mean": None,
        "answer_seconds_median": None,
        "satisfaction_mean": None,
        "satisfaction_count": 0,
    }
    figures: dict[int, dict[str, Any]] = {}
    rows = (
        answered.order_by()
        .values("organization_id")
        .annotate(
            n=Count("pk"),
            yes=Count("pk", filter=Q(answer="accepted")),
            mean=Avg("answer_seconds"),
        )
    )
    for row in rows:
        figures[row["organization_id"]] = {
            **empty,
            "answered": row["n"],
            "accepted": row["yes"],
            "acceptance_rate": row["yes"] / row["n"],
            "answer_seconds_mean": row["mean"],
        }
    seconds: dict[int, list[int]] = {}
    for org, value in (
        answered.filter(answer_seconds__isnull=False)
        .order_by()
        .values_list("organization_id", "answer_seconds")
        .iterator(chunk_size=10000)
    ):
        seconds.setdefault(org, []).append(value)
    for org, values in seconds.items():
        figures[org]["answer_seconds_median"] = float(statistics.median(values))
    rows = (
        feedback.order_by()
        .values("application__organization_id")
        .annotate(n=Count("pk"), mean=Avg("satisfaction"))
    )
    for row in rows:
        org = row["application__organization_id"]
        figures.setdefault(org, dict(empty)).update(
            satisfaction_mean=row["mean"], satisfaction_count=row["n"]
        )
    return figures


FIGURE_FIELDS = (
    "answered",
    "accepted",
    "acceptance_rate",
    "answer_seconds_mean",
    "answer_seconds_median",
    "satisfaction_mean",
    "satisfaction_count",
    "window_start",
    "refreshed_at",
)


@transaction.atomic
def organization_figures_refresh(
    *, organizations: Iterable[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Recompute and keep the figures of ``organizations`` (every organisation when None),
    as of ``now``; returns how many rows are kept. An organisation with nothing in the window
    keeps no row (the ranking counts it as average).

    For named organisations their rows are locked first (created when missing), so two
    answers of one organisation at once are counted one after the other: the second
    recomputes after the first committed, and neither overwrites the other with a count
    that misses it."""
    now = now or timezone.now()
    since = now - FIGURES_WINDOW
    ids = None if organizations is None else sorted(set(organizations))
    if ids is not None:
        for org in ids:
            OrganizationFigures.objects.get_or_create(
                organization_id=org, defaults={"window_start": since, "refreshed_at": now}
            )
        list(
            OrganizationFigures.objects.select_for_update()
            .filter(organization_id__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    figures = organization_figures_compute(now=now, organizations=ids)
    kept = OrganizationFigures.objects.all()
    if ids is not None:
        kept = kept.filter(organization_id__in=ids)
    kept.exclude(organization_id__in=list(figures)).delete()
    OrganizationFigures.objects.bulk_create(
        [
            OrganizationFigures(organization_id=org, window_start=since, refreshed_at=now, **values)
            for org, values in figures.items()
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["organization"],
        update_fields=FIGURE_FIELDS,
    )
    return len(figures)


# --- Civil affairs review --------------------------------------------------------------------


REVIEWABLE = (S.SUBMITTED, S.ACCEPTED, S.DELIVERED, S.CLOSED)


def _reviewable(application: Application) -> None:
    if application.status not in REVIEWABLE:
        raise ApplicationError(
            _("Only submitted, accepted or delivered matches are reviewed."), code="not_reviewable"
        )


def _set_review(application: Application, expected: str | Iterable[str], **values: Any) -> None:
    expected = [expected] if isinstance(expected, str) else list(expected)
    now = timezone.now()
    updated = Application.objects.filter(pk=application.pk, review_status__in=expected).update(
        updated_at=now, **values
    )
    if not updated:
        raise ApplicationError(
            _("The review was changed by someone else meanwhile. Reload and try again."),
            code="conflict",
        )
    for name, value in values.items():
        setattr(application, name, value)


@transaction.atomic
def review_confirm(*, user: Any, application: Application, note: str = "") -> Application:
    _require(reviews_region(user, application))
    _reviewable(application)
    _set_review(
        application,
        Review.PENDING,
        review_status=Review.CONFIRMED,
        review_note=(note or "").strip(),
        reviewed_by=user,
        reviewed_at=timezone.now(),
    )
    return application


@transaction.atomic
def review_flag(*, user: Any, application: Application, flag: str, note: str) -> Application:
    """Flag a match (duplicate aid, eligibility doubt, conflict of interest): delivery waits
    until the flag is resolved; both sides are told."""
    _require(reviews_region(user, application))
    _reviewable(application)
    errors: dict[str, list[str]] = {}
    if flag not in Application.Flag.values:
        errors["flag"] = [_("Choose what is wrong.")]
    if not (note or "").strip():
        errors["note"] = [_("Explain the flag.")]
    if errors:
        raise ApplicationError(errors)
    _set_review(
        application,
        [Review.PENDING, Review.CONFIRMED],
        review_status=Review.FLAGGED,
        review_flag=flag,
        review_note=note.strip(),
        reviewed_by=user,
        reviewed_at=timezone.now(),
    )
    title = _("Application %(number)s is flagged by civil affairs: %(flag)s") % {
        "number": application.number,
        "flag": Application.Flag(flag).label,
    }
    tell(household_side(application), title, application, body=note.strip())
    if application.status != S.SUBMITTED:
        # The note may name the household's other aid or a relation: not for the supplier.
        tell(
            supplier_side(application),
            title,
            application,
            body=_("Please do not deliver until civil affairs resolve the flag."),
        )
    return application


@transaction.atomic
def review_resolve(*, user: Any, application: Application, upheld: bool, note: str) -> Application:
    """Resolve a flag: cleared (the match goes on, confirmed) or upheld (a running application
    is withdrawn, giving its place back; aid already delivered stays on record)."""
    _require(reviews_region(user, application))
    if not (note or "").strip():
        raise ApplicationError({"note": [_("Record how the flag was resolved.")]})
    now = timezone.now()
    _set_review(
        application,
        Review.FLAGGED,
        review_status=Review.UPHELD if upheld else Review.CONFIRMED,
        resolution_note=note.strip(),
        resolved_by=user,
        resolved_at=now,
    )
    if upheld and application.status in (S.SUBMITTED, S.ACCEPTED):
        # The supplier hears of the flag below, not of a withdrawal with the reviewer's words.
        _withdraw(
            application,
            reason=_("Withdrawn: a flag of civil affairs was upheld."),
            tell_supplier=False,
        )
    title = (
        _("Flag upheld on application %(number)s")
        if upheld
        else _("Flag cleared on application %(number)s")
    ) % {"number": application.number}
    tell(household_side(application), title, application, body=note.strip())
    if application.status != S.SUBMITTED:
        tell(supplier_side(application), title, application)
    return application


# --- The supplier's view of a person ---------------------------------------------------------


def contact_person(application: Application) -> Member:
    """Whom the supplier calls: the person, or for a child or anyone without a phone of their
    own, the head of the household — only if the head consented to share with that supplier
    too (the applicant's consent does not cover another person's phone)."""
    member = application.member
    if member.phone:
        return member
    head = (
        Member.objects.filter(
            household_id=application.household_id, relation=Member.Relation.HEAD, left_at=None
        )
        .exclude(phone_index="")
        .first()
    )
    if head is None or head.pk == member.pk:
        return member
    allowed = consent_allows(
        member=head,
        purpose=Consent.Purpose.MATCHING,
        credit_code=application.organization.credit_code,
    )
    return head if allowed else member


@transaction.atomic
def application_contact_reveal(
    *, user: Any, application: Application, reason: str, ip_address: str | None = None
) -> str:
    """The person's phone for the supplier's staff: only when the person agreed to be contacted
    and the consent is still in force; one access-log row per reading."""
    _require(answers_for_supplier(user, application))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            {"reason": [_("Please give the reason for viewing the full value.")]}
        )
    if not application.contact_shared:
        raise ApplicationError(
            _("The person has not agreed to be contacted, or withdrew consent."),
            code="no_consent",
        )
    member = contact_person(application)
    AccessLog.objects.create(
        user=user,
        subject_type=ContentType.objects.get_for_model(Member),
        subject_id=str(member.pk),
        subject_label=f"{record_label(member)} ({application.number})"[:200],
        region_code=application.household.region_id,
        field="phone",
        reason=reason[:1000],
        ip_address=ip_address,
    )
    return member.phone
