"""Every write of referrals: sending (three directions), receiving, accepting, declining and
referring elsewhere, service and outcome, notes and attachments, and the station's cases.

Statuses move by conditional updates (``filter(status=<read>).update(...)``), so two people
acting at once cannot both win. The person's consent to referral is checked when a referral to
a charity is sent and again before the receiver accepts or serves it; the pages and the API
check it at every read (``selectors.receiver_card``). The need ledger is written only through
``needs.services`` (registering a household, granting an assistance status).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import identifiers
from accounts.models import Region, User
from accounts.scope import region_scope
from accounts.services import notify
from accounts.taxonomies import AssistanceStatus
from matching.candidates import person_of
from matching.models import Application
from needs import idnumbers
from needs import services as needs_services
from needs.models import Consent, Household, Member, Need
from needs.services import can_edit_ledger, consent_allows
from supply.models import Organization
from supply.services import is_staff_of

from . import attachments as files
from .models import (
    Case,
    CaseGoal,
    CaseNote,
    Direction,
    Referral,
    ReferralAttachment,
    ReferralNote,
)
from .workdays import add_working_days

S = Referral.Status
O = Referral.Outcome  # noqa: E741


class ReferralError(ValidationError):
    """A refused action; ``code`` tells the pages which help to offer (e.g. ``no_consent``).
    Django keeps a code only on a single message; here it is kept for field errors too."""

    def __init__(self, message: Any, code: str | None = None, params: Any = None) -> None:
        super().__init__(message, code, params)
        self.code = code


def _require(allowed: bool) -> None:
    # Strangers learn nothing: the pages already 404 for them, the services agree.
    if not allowed:
        raise Http404


# --- Who may do what -------------------------------------------------------------------------


def _officer_of(user: Any, region_code: str) -> bool:
    """Civil affairs whose area holds ``region_code`` (and administrators)."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return user.role == User.Role.CIVIL_AFFAIRS and region_scope(user).contains(region_code)


def can_refer(user: Any, household: Household) -> bool:
    """Social workers of the household's township and civil affairs of its area refer it."""
    return can_edit_ledger(user, household.region_id) or _officer_of(user, household.region_id)


def can_refer_person(user: Any) -> bool:
    """Charity staff refer a person to civil affairs for their organisations."""
    return user.is_authenticated and user.role == User.Role.CHARITY and user.organizations.exists()


def sends_for(user: Any, referral: Referral) -> bool:
    """The sender's side: the organisation's staff (a charity's referral); the sender and the
    colleagues of the sender's station or department; administrators for civil affairs."""
    if not user.is_authenticated:
        return False
    if referral.direction == Direction.TO_CIVIL_AFFAIRS:
        return is_staff_of(user, referral.sender_organization)
    if user.is_administrator or user.pk == referral.sender_id:
        return True
    return (
        user.role in (User.Role.SOCIAL_WORKER, User.Role.CIVIL_AFFAIRS)
        and referral.sender_region_id is not None
        and user.region_id == referral.sender_region_id
    )


def receives_for(user: Any, referral: Referral) -> bool:
    """The receiver's side: the receiving organisation's staff; the county civil affairs a
    charity referred to; the social workers of the receiving station (and administrators for
    the last two)."""
    if not user.is_authenticated:
        return False
    if referral.direction == Direction.TO_CHARITY:
        return is_staff_of(user, referral.receiver_organization)
    if user.is_administrator:
        return True
    role = (
        User.Role.CIVIL_AFFAIRS
        if referral.direction == Direction.TO_CIVIL_AFFAIRS
        else User.Role.SOCIAL_WORKER
    )
    return user.role == role and user.region_id == referral.receiver_region_id


def oversees(user: Any, referral: Referral) -> bool:
    """Civil affairs of the subject's region (and above), administrators."""
    return _officer_of(user, referral.region_id)


def works_on_case(user: Any, case: Case) -> bool:
    """Social workers of the case's station keep it (administrators may correct it)."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return user.role == User.Role.SOCIAL_WORKER and user.region_id == case.station_id


def receiver_sees_person(user: Any, referral: Referral) -> bool:
    """A charity receiving a referral sees anything of the person only with consent in force;
    everyone else who may see the referral sees it whole."""
    if referral.direction == Direction.TO_CHARITY and user.role == User.Role.CHARITY:
        return referral.consent_in_force
    return True


# --- Notifications ---------------------------------------------------------------------------


def _url(referral: Referral) -> str:
    try:
        return reverse("referrals:referral_detail", args=[referral.pk])
    except NoReverseMatch:  # the pages are optional for the services
        return ""


def _active(users: Iterable[User]) -> list[User]:
    return [u for u in {u.pk: u for u in users if u is not None}.values() if u.is_active]


def _civil_affairs_of(region_code: str, *, above: str | None = None) -> list[User]:
    """Civil affairs of the nearest department holding ``region_code``: the county, else the
    city (Dongguan and Zhongshan have no county level), else the province. ``above``: skip
    that department (an escalation about the county's own referral goes to the city)."""
    for department in (
        region_code[:6] + "000000",
        region_code[:4] + "00000000",
        region_code[:2] + "0000000000",
    ):
        if department == above:
            continue
        officers = list(
            User.objects.filter(role=User.Role.CIVIL_AFFAIRS, region_id=department, is_active=True)
        )
        if officers:
            return officers
    return []


def sender_side(referral: Referral) -> list[User]:
    if referral.direction == Direction.TO_CIVIL_AFFAIRS:
        return _active(referral.sender_organization.staff.all())
    return _active([referral.sender])


def receiver_side(referral: Referral) -> list[User]:
    if referral.direction == Direction.TO_CHARITY:
        return _active(referral.receiver_organization.staff.all())
    role = (
        User.Role.CIVIL_AFFAIRS
        if referral.direction == Direction.TO_CIVIL_AFFAIRS
        else User.Role.SOCIAL_WORKER
    )
    found = list(User.objects.filter(role=role, region_id=referral.receiver_region_id))
    if not found and role == User.Role.CIVIL_AFFAIRS:
        return _civil_affairs_of(referral.receiver_region_id)
    return _active(found)


def escalation_side(referral: Referral) -> list[User]:
    """The civil affairs of the subject's region; when they are the receiver, those above."""
    above = (
        referral.receiver_region_id if referral.direction == Direction.TO_CIVIL_AFFAIRS else None
    )
    return _civil_affairs_of(referral.region_id, above=above)


def tell(recipients: Iterable[User], title: str, referral: Referral, body: str = "") -> None:
    notify(recipients=list(recipients), title=title, body=body, url=_url(referral), kind="referral")


def receiver_name(referral: Referral) -> str:
    return referral.receiver_name


# --- The snapshot ----------------------------------------------------------------------------

#: What a charity receiving a referral may know of the person (the consent allows it): the
#: keys of the frozen snapshot. Pinned by tests/referrals/test_receiver_view.py.
SNAPSHOT_PERSON_FIELDS = ("name", "sex", "age", "place", "simplified_procedure")
SNAPSHOT_HOUSEHOLD_FIELDS = ("size", "difficulty_group")
SNAPSHOT_NEED_FIELDS = ("area", "form", "urgent")


def _place(region: Region) -> str:
    """The township (or the region itself), never the village or the address."""
    if region.level == Region.Level.VILLAGE and region.parent_id:
        return region.parent.name
    return region.name


def _snapshot(household: Household, person: Member, needs: Sequence[Need]) -> str:
    """The household as sent, limited to what a charity receiver may see with the person's
    consent: the person's name, sex, age and township, whether civil affairs classify them
    (simplified procedure), the household's size and difficulty group, and the charity area and
    form of aid of each need concerned — no ID number, phone, address, health or income."""
    probe = Need(household=household, member=person)
    data = {
        "person": {
            "name": person.name,
            "sex": person.get_sex_display(),
            "age": person.age(),
            "place": _place(household.region),
            "simplified_procedure": person_of(probe).classified,
        },
        "household": {
            "size": household.members.filter(left_at__isnull=True).count(),
            "difficulty_group": household.get_gap_class_display() if household.gap_class else "",
        },
        "needs": [
            {
                "area": need.get_area_display(),
                "form": need.get_form_display(),
                "urgent": need.urgent,
            }
            for need in needs
        ],
    }
    return json.dumps(data, ensure_ascii=False)


def _person_snapshot(*, name: str, region: Region, parsed: idnumbers.IdNumber | None) -> str:
    """A person a charity describes to civil affairs, as sent."""
    today = timezone.localdate()
    data = {
        "person": {
            "name": name,
            "sex": str(Member.Sex(parsed.sex).label) if parsed else "",
            "age": idnumbers.age_on(parsed.birth_date, today) if parsed else None,
            "place": _place(region),
            "simplified_procedure": False,
        },
        "household": {"size": None, "difficulty_group": ""},
        "needs": [],
    }
    return json.dumps(data, ensure_ascii=False)


# --- Sending ---------------------------------------------------------------------------------


def _deadlines(today: dt.date) -> dict[str, dt.date]:
    return {
        "received_due": add_working_days(today, settings.REFERRAL_RECEIPT_WORKING_DAYS),
        "outcome_due": today + dt.timedelta(days=settings.REFERRAL_OUTCOME_DAYS),
    }


def _check_files(uploads: Sequence[Any], *, already: int = 0) -> list[files.CheckedFile]:
    limit = settings.REFERRAL_ATTACHMENTS_PER_REFERRAL
    if already + len(uploads) > limit:
        raise ReferralError(
            {"attachments": [_("At most %(n)s files per referral.") % {"n": limit}]},
            code="too_many_files",
        )
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(files.check(upload))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ReferralError({"attachments": problems}, code="bad_file")
    return checked


def _save_files(referral: Referral, user: Any, checked: Sequence[files.CheckedFile]) -> None:
    for item in checked:
        files.store(ReferralAttachment(referral=referral, uploaded_by=user), item)


def _check_previous(user: Any, previous: Referral | None) -> None:
    if previous is None:
        return
    _require(sends_for(user, previous))
    if previous.status != S.DECLINED:
        raise ReferralError(
            _("Only a declined referral is referred elsewhere."), code="not_declined"
        )
    if Referral.objects.filter(previous=previous).exists():
        raise ReferralError(
            _("This referral has already been referred elsewhere."), code="duplicate"
        )


def _save_new(referral: Referral) -> Referral:
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as exc:
        # Two people referred the same declined referral elsewhere at once.
        raise ReferralError(
            _("This referral has already been referred elsewhere."), code="duplicate"
        ) from exc
    return referral


def _person_for_consent(household: Household, member: Member | None) -> Member | None:
    """Whose consent allows the referral: the person referred, or for a referral of the whole
    household, its head."""
    if member is not None:
        return member
    return household.members.filter(left_at__isnull=True, relation=Member.Relation.HEAD).first()


def _consent_for(household: Household, member: Member | None, organization: Organization):
    person = _person_for_consent(household, member)
    consent = (
        consent_allows(
            member=person, purpose=Consent.Purpose.REFERRAL, credit_code=organization.credit_code
        )
        if person is not None
        else None
    )
    if consent is None:
        name = person.name if person is not None else _("the person")
        raise ReferralError(
            {
                "organization": [
                    _(
                        "%(name)s has no consent in force to be referred to %(organization)s. "
                        "Record the consent to referral first."
                    )
                    % {"name": name, "organization": organization.name}
                ]
            },
            code="no_consent",
        )
    return person, consent


@transaction.atomic
def referral_send(
    *,
    user: Any,
    household: Household,
    direction: str,
    reason: str,
    urgency: str = Referral.Urgency.NORMAL,
    member: Member | None = None,
    needs: Iterable[Need] = (),
    organization: Organization | None = None,
    uploads: Sequence[Any] = (),
    previous: Referral | None = None,
    application: Application | None = None,
) -> Referral:
    """Refer a household (or one of its members) to a charity or people's organisation, or to
    the township station for case service.

    To an organisation only with the person's consent to referral in force for it (the person
    referred, or the head for the whole household), and only to an organisation with staff on
    the platform; the snapshot sent holds only what a charity receiver may see.
    """
    _require(can_refer(user, household))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if direction not in (Direction.TO_CHARITY, Direction.TO_STATION):
        errors["direction"] = [_("Choose where to refer the household.")]
    if household.is_archived:
        errors["__all__"] = [_("An archived household cannot be referred.")]
    if member is not None and (member.household_id != household.pk or member.left_at):
        errors["member"] = [_("Choose a current member of this household.")]
    needs = list(needs)
    if any(n.household_id != household.pk or not n.is_live for n in needs):
        errors["needs"] = [_("Choose open needs of this household.")]
    if not reason:
        errors["reason"] = [_("Say why you refer the household.")]
    if urgency not in Referral.Urgency.values:
        errors["urgency"] = [_("Choose the urgency.")]
    if direction == Direction.TO_CHARITY:
        if organization is None:
            errors["organization"] = [_("Choose the organisation.")]
        elif not organization.staff.filter(is_active=True).exists():
            errors["organization"] = [
                _(
                    "%(organization)s has no staff account on the platform to receive "
                    "referrals: contact it directly."
                )
                % {"organization": organization.name}
            ]
    if errors:
        raise ReferralError(errors)
    _check_previous(user, previous)
    checked = _check_files(uploads)
    consent, person = None, _person_for_consent(household, member)
    if direction == Direction.TO_CHARITY:
        person, consent = _consent_for(household, member, organization)
    if person is None:
        raise ReferralError({"member": [_("Choose the person referred.")]})
    today = timezone.localdate()
    referral = _save_new(
        Referral(
            direction=direction,
            urgency=urgency,
            region=household.region,
            household=household,
            member=member,
            reason=reason,
            sender=user,
            sender_region=user.region if user.role != User.Role.CHARITY else None,
            receiver_organization=organization if direction == Direction.TO_CHARITY else None,
            receiver_region=household.station if direction == Direction.TO_STATION else None,
            consent=consent,
            snapshot=_snapshot(household, person, needs),
            previous=previous,
            application=application,
            **_deadlines(today),
        )
    )
    referral.needs.set(needs)
    _save_files(referral, user, checked)
    _tell_sent(referral)
    return referral


@transaction.atomic
def referral_send_to_civil_affairs(
    *,
    user: Any,
    organization: Organization,
    region: Region,
    person_name: str,
    reason: str,
    person_agreed: bool,
    aid_sought: str = "",
    urgency: str = Referral.Urgency.NORMAL,
    person_id_number: str = "",
    person_phone: str = "",
    person_address: str = "",
    uploads: Sequence[Any] = (),
    previous: Referral | None = None,
) -> Referral:
    """A charity tells the county civil affairs of a person's region about someone who may
    qualify for government aid (低保、特困、临时救助 ...). The person need not be in the ledger;
    what the charity writes about them is encrypted and seen by the county (and above) only."""
    _require(is_staff_of(user, organization))
    errors: dict[str, list[str]] = {}
    person_name = (person_name or "").strip()
    reason = (reason or "").strip()
    if not person_name:
        errors["person_name"] = [_("Enter the person's name.")]
    if region is None or region.level not in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
        errors["region"] = [_("Choose the township or village where the person lives.")]
    if not reason:
        errors["reason"] = [_("Say why the person may qualify for government aid.")]
    if aid_sought and aid_sought not in AssistanceStatus.values:
        errors["aid_sought"] = [_("Choose the government aid.")]
    if urgency not in Referral.Urgency.values:
        errors["urgency"] = [_("Choose the urgency.")]
    if not person_agreed:
        errors["person_agreed"] = [
            _("Tell the person first: civil affairs are told only with their agreement.")
        ]
    parsed = None
    raw_id = idnumbers.normalize(person_id_number)
    if raw_id:
        try:
            parsed = idnumbers.parse(raw_id, today=timezone.localdate())
        except ValidationError as exc:
            errors["person_id_number"] = exc.messages
    phone = ""
    if problem := identifiers.phone_error(person_phone):
        errors["person_phone"] = [problem]
    else:
        phone = identifiers.normalize_phone(person_phone)
    if errors:
        raise ReferralError(errors)
    _check_previous(user, previous)
    checked = _check_files(uploads)
    county = _department_of(region)
    today = timezone.localdate()
    referral = _save_new(
        Referral(
            direction=Direction.TO_CIVIL_AFFAIRS,
            urgency=urgency,
            region=region,
            person_name=person_name,
            person_id_number=parsed.number if parsed else "",
            person_phone=phone,
            person_address=(person_address or "").strip()[:200],
            person_agreed=True,
            aid_sought=aid_sought,
            reason=reason,
            sender=user,
            sender_organization=organization,
            receiver_region=county,
            snapshot=_person_snapshot(name=person_name, region=region, parsed=parsed),
            previous=previous,
            **_deadlines(today),
        )
    )
    _save_files(referral, user, checked)
    _tell_sent(referral)
    return referral


def _department_of(region: Region) -> Region:
    """The county civil affairs of a township or village (the city's for a township directly
    under a city, as in Dongguan and Zhongshan)."""
    node: Region | None = region
    while node is not None and node.level not in (Region.Level.COUNTY, Region.Level.PREFECTURE):
        node = node.parent
    return node or region


def _tell_sent(referral: Referral) -> None:
    urgency = "" if referral.urgency == Referral.Urgency.NORMAL else referral.get_urgency_display()
    tell(
        receiver_side(referral),
        _("New referral %(number)s: %(direction)s")
        % {"number": referral.number, "direction": referral.get_direction_display()},
        referral,
        body=" ".join(
            filter(
                None,
                [
                    urgency,
                    _("Please confirm receipt by %(day)s.")
                    % {"day": referral.received_due.isoformat()},
                ],
            )
        ),
    )


@transaction.atomic
def referral_refer_elsewhere(*, user: Any, previous: Referral, **values: Any) -> Referral:
    """After a decline, a new referral of the same subject to another receiver, linked to the
    declined one (``previous``): the chain stays visible on both."""
    _require(sends_for(user, previous))
    about_person = previous.direction == Direction.TO_CIVIL_AFFAIRS
    household = values.get("household")
    if about_person != ("person_name" in values) or (
        household is not None and household.pk != previous.household_id
    ):
        # The new referral must be about whom the declined one was: a person told to civil
        # affairs is referred again as a person, a household's referral for that household.
        raise ReferralError(
            {
                "previous": [
                    _(
                        "Refer elsewhere the same household or person the declined referral "
                        "was about."
                    )
                ]
            },
            code="other_subject",
        )
    if about_person:
        values.setdefault("organization", previous.sender_organization)
        return referral_send_to_civil_affairs(user=user, previous=previous, **values)
    values.setdefault("household", previous.household)
    values.setdefault("member", previous.member)
    return referral_send(user=user, previous=previous, **values)


# --- The receiver's answers ------------------------------------------------------------------


def _move(referral: Referral, to: str, *, now: dt.datetime | None = None, **values: Any) -> None:
    """Conditional status change: refused if illegal or if someone moved it meanwhile."""
    if not referral.can_move_to(to):
        raise ReferralError(
            {
                "status": [
                    _("A referral that is “%(current)s” cannot become “%(target)s”.")
                    % {"current": referral.get_status_display(), "target": S(to).label}
                ]
            },
            code="illegal_transition",
        )
    now = now or timezone.now()
    values = {"status": to, "status_changed_at": now, "updated_at": now, **values}
    if to in (S.CLOSED, S.DECLINED):
        values.setdefault("closed_at", now)
    updated = Referral.objects.filter(pk=referral.pk, status=referral.status).update(**values)
    if not updated:
        raise ReferralError(
            _("The referral was changed by someone else meanwhile. Reload and try again."),
            code="conflict",
        )
    for name, value in values.items():
        setattr(referral, name, value)


def _require_consent(referral: Referral) -> None:
    """Before a charity accepts or serves a person: the consent must still be in force."""
    if referral.needs_consent and not referral.consent_in_force:
        raise ReferralError(
            _(
                "The person's consent to referral was withdrawn or has expired: decline the "
                "referral, or close it, without using their details."
            ),
            code="no_consent",
        )


def _receipt(referral: Referral, user: Any, now: dt.datetime) -> dict[str, Any]:
    if referral.received_at is not None:
        return {}
    return {"received_at": now, "received_by": user}


@transaction.atomic
def referral_receive(*, user: Any, referral: Referral) -> Referral:
    """Confirm receipt (the first deadline)."""
    _require(receives_for(user, referral))
    now = timezone.now()
    _move(referral, S.RECEIVED, now=now, **_receipt(referral, user, now))
    tell(
        sender_side(referral),
        _("Referral %(number)s received by %(receiver)s")
        % {"number": referral.number, "receiver": receiver_name(referral)},
        referral,
    )
    return referral


@transaction.atomic
def referral_accept(*, user: Any, referral: Referral, note: str = "") -> Referral:
    """The receiver takes the referral on (receiving it if nobody had confirmed that)."""
    _require(receives_for(user, referral))
    _require_consent(referral)
    now = timezone.now()
    _move(
        referral,
        S.ACCEPTED,
        now=now,
        answered_at=now,
        answered_by=user,
        **_receipt(referral, user, now),
    )
    if (note or "").strip():
        _note(referral, user, note)
    tell(
        sender_side(referral),
        _("Referral %(number)s accepted by %(receiver)s")
        % {"number": referral.number, "receiver": receiver_name(referral)},
        referral,
    )
    return referral


@transaction.atomic
def referral_decline(*, user: Any, referral: Referral, reason: str) -> Referral:
    """Decline with the reason; the sender is offered to refer elsewhere."""
    _require(receives_for(user, referral))
    reason = (reason or "").strip()
    if not reason:
        raise ReferralError({"reason": [_("Give the reason for declining.")]})
    now = timezone.now()
    _move(
        referral,
        S.DECLINED,
        now=now,
        answered_at=now,
        answered_by=user,
        decline_reason=reason,
        outcome_at=now,
        **_receipt(referral, user, now),
    )
    tell(
        sender_side(referral),
        _("Referral %(number)s declined by %(receiver)s: refer elsewhere?")
        % {"number": referral.number, "receiver": receiver_name(referral)},
        referral,
        body=reason,
    )
    return referral


@transaction.atomic
def referral_start_service(*, user: Any, referral: Referral, note: str = "") -> Referral:
    """A charity starts serving the person it accepted (the outcome of the referral: it is
    acted on)."""
    _require(receives_for(user, referral))
    if referral.direction != Direction.TO_CHARITY:
        raise ReferralError(
            _("The station opens a case; civil affairs record the outcome."), code="wrong_action"
        )
    _require_consent(referral)
    now = timezone.now()
    _move(referral, S.IN_SERVICE, now=now, started_at=now, outcome_at=now)
    if (note or "").strip():
        _note(referral, user, note)
    tell(
        sender_side(referral),
        _("Referral %(number)s: %(receiver)s started the service")
        % {"number": referral.number, "receiver": receiver_name(referral)},
        referral,
    )
    return referral


def _grant_member(referral: Referral, member: Member | None) -> Member:
    household = referral.household
    if household is None:
        raise ReferralError(
            _(
                "Register the person's household (or link it) before recording the grant: the "
                "assistance status is kept in the need ledger."
            ),
            code="no_household",
        )
    member = member or referral.member or _person_for_consent(household, None)
    if member is None or member.household_id != household.pk or member.left_at is not None:
        raise ReferralError({"member": [_("Choose a current member of this household.")]})
    return member


@transaction.atomic
def referral_record_outcome(
    *,
    user: Any,
    referral: Referral,
    outcome: str,
    note: str = "",
    status: str = "",
    member: Member | None = None,
) -> Referral:
    """The receiver records the outcome.

    Civil affairs (a charity's referral): applied (the referral stays in service), granted
    (the assistance status is added to the person through the needs service; the household must
    be in the ledger) or not eligible (with the reason) — both close it. A charity or the
    station: helped, partly helped or not helped (with a note) — it closes. The sender sees the
    outcome.
    """
    _require(receives_for(user, referral))
    note = (note or "").strip()
    allowed = Referral.OUTCOMES[Direction(referral.direction)]
    if outcome not in allowed:
        raise ReferralError({"outcome": [_("Choose the outcome.")]})
    if outcome in (O.NOT_ELIGIBLE, O.NOT_HELPED) and not note:
        raise ReferralError({"note": [_("Give the reason.")]})
    if referral.direction == Direction.TO_STATION and hasattr(referral, "case"):
        raise ReferralError(
            _("The case of this referral closes it: close the case."), code="case_open"
        )
    if referral.direction == Direction.TO_CHARITY:
        _require_consent(referral)
    now = timezone.now()
    values: dict[str, Any] = {
        "outcome": outcome,
        "outcome_note": note,
        "outcome_at": now,
        "outcome_by": user,
    }
    if referral.status == S.ACCEPTED and outcome != O.APPLIED:
        values.setdefault("started_at", now)
    granted = None
    if outcome == O.GRANTED:
        status = status or referral.aid_sought
        granted = _grant_member(referral, member)
        try:
            needs_services.assistance_status_grant(
                user=None,
                member=granted,
                status=status,
                note=_("Referral %(n)s") % {"n": referral.number},
            )
        except ValidationError as exc:
            raise ReferralError({"status": exc.messages}) from exc
        values["granted_status"] = status
    if outcome == O.APPLIED:
        if referral.status != S.ACCEPTED:
            raise ReferralError(
                _("The application for government aid is recorded once, after accepting."),
                code="illegal_transition",
            )
        _move(referral, S.IN_SERVICE, now=now, started_at=now, **values)
    else:
        _move(referral, S.CLOSED, now=now, **values)
    tell(
        sender_side(referral),
        _("Referral %(number)s: %(outcome)s")
        % {"number": referral.number, "outcome": O(outcome).label},
        referral,
        body=note,
    )
    if granted is not None and referral.household.worker_id:
        tell(
            [referral.household.worker],
            _("Household %(code)s: %(status)s granted by civil affairs")
            % {
                "code": referral.household.code,
                "status": referral.get_granted_status_display(),
            },
            referral,
        )
    return referral


# --- A charity's person and the ledger -------------------------------------------------------


def _require_linkable(user: Any, referral: Referral) -> None:
    _require(receives_for(user, referral))
    if referral.direction != Direction.TO_CIVIL_AFFAIRS:
        raise ReferralError(_("Only a charity's referral is linked to a household."))
    if referral.household_id is not None:
        raise ReferralError(
            _("The referral is already linked to household %(code)s.")
            % {"code": referral.household.code},
            code="linked",
        )
    if referral.status in (S.DECLINED, S.CLOSED):
        raise ReferralError(_("The referral is closed."), code="closed")


def _link(referral: Referral, household: Household, member: Member | None) -> None:
    now = timezone.now()
    updated = Referral.objects.filter(pk=referral.pk, household__isnull=True).update(
        household=household,
        member=member,
        region=household.region,
        household_linked_at=now,
        updated_at=now,
    )
    if not updated:
        raise ReferralError(
            _("The referral was changed by someone else meanwhile. Reload and try again."),
            code="conflict",
        )
    referral.household, referral.member, referral.region = household, member, household.region
    referral.household_linked_at = now
    tell(
        [household.worker],
        _("Household %(code)s is linked to referral %(number)s of %(organization)s")
        % {
            "code": household.code,
            "number": referral.number,
            "organization": referral.sender_organization.name,
        },
        referral,
    )


@transaction.atomic
def referral_link_household(
    *, user: Any, referral: Referral, household: Household, member: Member | None = None
) -> Referral:
    """Civil affairs link a charity's referral to the person's household already in the
    ledger (of their area)."""
    _require_linkable(user, referral)
    if not region_scope(user).contains(household.region_id):
        raise ReferralError({"household": [_("Choose a household of your area.")]})
    if member is not None and (member.household_id != household.pk or member.left_at):
        raise ReferralError({"member": [_("Choose a current member of this household.")]})
    _link(referral, household, member)
    return referral


@transaction.atomic
def referral_register_household(
    *,
    user: Any,
    referral: Referral,
    fields: dict[str, Any],
    members: list[needs_services.MemberInput],
) -> needs_services.SaveResult:
    """Civil affairs register the household of a person a charity referred (not in the ledger
    yet), through the needs service, and link it to the referral; the responsible social worker
    is told. The referred person is the first member."""
    _require_linkable(user, referral)
    result = needs_services.household_register(user=user, fields=fields, members=members)
    household = result.household
    person = household.members.filter(left_at__isnull=True).order_by("pk").first()
    _link(referral, household, person)
    return result


# --- Notes and attachments -------------------------------------------------------------------


def _note(referral: Referral, user: Any, body: str) -> ReferralNote:
    return ReferralNote.objects.create(referral=referral, author=user, body=body.strip())


@transaction.atomic
def referral_note_add(*, user: Any, referral: Referral, body: str) -> ReferralNote:
    """A note from either side, read by both (a charity receiver's side only while the consent
    is in force); the other side is told."""
    sender, receiver = sends_for(user, referral), receives_for(user, referral)
    _require(sender or receiver)
    if receiver and not receiver_sees_person(user, referral):
        raise ReferralError(
            _("The person's consent was withdrawn: the referral is closed to notes."),
            code="no_consent",
        )
    if not (body or "").strip():
        raise ReferralError({"body": [_("Write the note.")]})
    note = _note(referral, user, body)
    others = receiver_side(referral) if sender else sender_side(referral)
    tell(
        [u for u in others if u.pk != user.pk],
        _("New note on referral %(number)s") % {"number": referral.number},
        referral,
    )
    return note


@transaction.atomic
def referral_attachment_add(
    *, user: Any, referral: Referral, uploads: Sequence[Any]
) -> list[ReferralAttachment]:
    """Scans or photos added by either side (PDF, JPEG, PNG within the size limit)."""
    sender, receiver = sends_for(user, referral), receives_for(user, referral)
    _require(sender or receiver)
    if receiver and not receiver_sees_person(user, referral):
        raise ReferralError(
            _("The person's consent was withdrawn: the referral is closed to files."),
            code="no_consent",
        )
    if not uploads:
        raise ReferralError({"attachments": [_("Choose a file.")]})
    checked = _check_files(uploads, already=referral.attachments.count())
    _save_files(referral, user, checked)
    return list(referral.attachments.order_by("-pk")[: len(checked)])


# --- Case service ----------------------------------------------------------------------------


def _case_worker(station: Region, worker: User | None, user: Any) -> User:
    worker = worker or user
    if (
        worker is None
        or worker.role != User.Role.SOCIAL_WORKER
        or worker.region_id != station.code
        or not worker.is_active
    ):
        raise ReferralError({"worker": [_("The case worker must belong to the station.")]})
    return worker


@transaction.atomic
def case_open(
    *,
    user: Any,
    household: Household,
    member: Member | None = None,
    referral: Referral | None = None,
    worker: User | None = None,
    assessment: str = "",
    next_review_on: dt.date | None = None,
) -> Case:
    """Open a case at the household's station: from a referral to the station that it
    accepted (the referral is then in service), or directly. Social workers of the station."""
    station = household.station
    _require(
        user.is_authenticated
        and (
            user.is_administrator
            or (user.role == User.Role.SOCIAL_WORKER and user.region_id == station.code)
        )
    )
    if household.is_archived:
        raise ReferralError(_("An archived household cannot get a new case."))
    if member is not None and (member.household_id != household.pk or member.left_at):
        raise ReferralError({"member": [_("Choose a current member of this household.")]})
    if referral is not None:
        _require(receives_for(user, referral))
        if referral.direction != Direction.TO_STATION or referral.household_id != household.pk:
            raise ReferralError(_("Only a referral of this household to the station opens a case."))
        if referral.status != S.ACCEPTED:
            raise ReferralError(
                _("Accept the referral first; a case is opened once."), code="illegal_transition"
            )
        member = member or referral.member
    worker = _case_worker(station, worker, user if user.role == User.Role.SOCIAL_WORKER else None)
    if Case.objects.filter(household=household, status=Case.Status.OPEN).exists():
        raise ReferralError(
            _("The household already has an open case: add to it."), code="case_open"
        )
    now = timezone.now()
    case = Case.objects.create(
        household=household,
        member=member,
        referral=referral,
        station=station,
        worker=worker,
        assessment=(assessment or "").strip(),
        next_review_on=next_review_on,
        opened_at=now,
        opened_by=user,
    )
    if referral is not None:
        _move(referral, S.IN_SERVICE, now=now, started_at=now, outcome_at=now)
        tell(
            sender_side(referral),
            _("Referral %(number)s: case %(case)s opened at the station")
            % {"number": referral.number, "case": case.number},
            referral,
        )
    if worker.pk != user.pk:
        notify(
            recipients=[worker],
            title=_("You are the case worker of %(case)s") % {"case": case.number},
            url=_case_url(case),
            kind="case",
        )
    return case


def _case_url(case: Case) -> str:
    try:
        return reverse("referrals:case_detail", args=[case.pk])
    except NoReverseMatch:
        return ""


def _require_open_case(user: Any, case: Case) -> None:
    _require(works_on_case(user, case))
    if not case.is_open:
        raise ReferralError(_("The case is closed."), code="closed")


@transaction.atomic
def case_assess(
    *, user: Any, case: Case, assessment: str, next_review_on: dt.date | None = None
) -> Case:
    """Record (or revise) the assessment and the next review date."""
    _require_open_case(user, case)
    if not (assessment or "").strip():
        raise ReferralError({"assessment": [_("Write the assessment.")]})
    case.assessment = assessment.strip()
    case.next_review_on = next_review_on
    case.save(update_fields=["assessment", "next_review_on", "updated_at"])
    return case


@transaction.atomic
def case_goal_add(*, user: Any, case: Case, goal: str, due_on: dt.date) -> CaseGoal:
    """A goal of the service plan, with the date it should be reached by."""
    _require_open_case(user, case)
    errors: dict[str, list[str]] = {}
    if not (goal or "").strip():
        errors["goal"] = [_("Write the goal.")]
    if due_on is None:
        errors["due_on"] = [_("Give the date.")]
    elif due_on < timezone.localdate(case.opened_at):
        errors["due_on"] = [_("The date comes after the case was opened.")]
    if errors:
        raise ReferralError(errors)
    return CaseGoal.objects.create(case=case, goal=goal.strip()[:300], due_on=due_on)


@transaction.atomic
def case_goal_reach(*, user: Any, goal: CaseGoal, achieved_on: dt.date | None = None) -> CaseGoal:
    _require_open_case(user, goal.case)
    achieved_on = achieved_on or timezone.localdate()
    if achieved_on > timezone.localdate():
        raise ReferralError({"achieved_on": [_("The date cannot be in the future.")]})
    CaseGoal.objects.filter(pk=goal.pk).update(achieved_on=achieved_on)
    goal.achieved_on = achieved_on
    return goal


@transaction.atomic
def case_note_add(
    *, user: Any, case: Case, body: str, kind: str = CaseNote.Kind.NOTE, written_on=None
) -> CaseNote:
    """A case note, or a review of the plan."""
    _require_open_case(user, case)
    errors: dict[str, list[str]] = {}
    written_on = written_on or timezone.localdate()
    if kind not in CaseNote.Kind.values:
        errors["kind"] = [_("Choose the kind of note.")]
    if not (body or "").strip():
        errors["body"] = [_("Write the note.")]
    if written_on > timezone.localdate():
        errors["written_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ReferralError(errors)
    return CaseNote.objects.create(
        case=case, kind=kind, body=body.strip(), written_on=written_on, author=user
    )


@transaction.atomic
def case_close(*, user: Any, case: Case, outcome: str, note: str = "") -> Case:
    """Close the case with its outcome; the referral it came from closes with it (the sender
    sees the outcome)."""
    _require_open_case(user, case)
    note = (note or "").strip()
    if outcome not in Case.Outcome.values:
        raise ReferralError({"outcome": [_("Choose the outcome.")]})
    if outcome != Case.Outcome.GOALS_MET and not note:
        raise ReferralError({"note": [_("Say why the goals were not all met.")]})
    now = timezone.now()
    updated = Case.objects.filter(pk=case.pk, status=Case.Status.OPEN).update(
        status=Case.Status.CLOSED,
        outcome=outcome,
        closing_note=note,
        closed_at=now,
        closed_by=user,
        updated_at=now,
    )
    if not updated:
        raise ReferralError(
            _("The case was changed by someone else meanwhile. Reload and try again."),
            code="conflict",
        )
    case.status, case.outcome, case.closing_note = Case.Status.CLOSED, outcome, note
    case.closed_at, case.closed_by = now, user
    referral = (
        Referral.objects.select_for_update().filter(pk=case.referral_id).first()
        if case.referral_id
        else None
    )
    if referral is not None and referral.status == S.IN_SERVICE:
        result = Case.REFERRAL_OUTCOME[Case.Outcome(outcome)]
        _move(
            referral,
            S.CLOSED,
            now=now,
            outcome=result,
            outcome_note=note,
            outcome_by=user,
        )
        tell(
            sender_side(referral),
            _("Referral %(number)s: case %(case)s closed — %(outcome)s")
            % {"number": referral.number, "case": case.number, "outcome": O(result).label},
            referral,
        )
    return case
