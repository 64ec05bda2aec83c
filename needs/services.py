"""Writes of the need ledger: households with their members, visits, needs, consent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import crypto, identifiers
from accounts.models import Region, User, normalize_phone
from accounts.scope import region_scope
from accounts.taxonomies import AssistanceStatus, VulnerabilityTag

from . import hooks, id_lookups, idnumbers
from .flags import household_flags_refresh
from .models import (
    AssistanceRecord,
    Consent,
    ConsentRecipient,
    Household,
    Member,
    MemberTag,
    Need,
    Visit,
)

HOUSEHOLD_FIELDS = (
    "region",
    "address",
    "worker",
    "external_ref",
    "income_per_capita",
    "rigid_expenditure",
    "housing",
    "housing_note",
    "gap_class",
    "notes",
    "coi_declared",
    "coi_note",
)


# --- Permissions -----------------------------------------------------------------------------


def can_edit_ledger(user: Any, region_code: str) -> bool:
    """Social workers keep the ledger of their township; administrators may correct anything.
    Civil affairs staff read it (they review, they do not record)."""
    if not (user.is_authenticated and region_scope(user).contains(region_code)):
        return False
    return user.role == User.Role.SOCIAL_WORKER or user.is_administrator


def require_editor(user: Any, region_code: str) -> None:
    if not can_edit_ledger(user, region_code):
        raise PermissionDenied(_("Only the township's social workers can change this ledger."))


# --- Households and members ------------------------------------------------------------------


@dataclass
class MemberInput:
    """One member as submitted by a form, an import row or the API."""

    name: str
    relation: str
    id_number: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    disability_type: str = ""
    disability_grade: int | None = None
    health_notes: str = ""
    school_or_work: str = ""
    statuses: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    member_id: int | None = None
    remove: bool = False


class LedgerInvalid(ValidationError):
    """Errors of a household submission: household fields, and per member (by position)."""

    def __init__(
        self,
        household_errors: dict[str, list[str]] | None = None,
        member_errors: dict[int, dict[str, list[str]]] | None = None,
    ) -> None:
        self.household_errors = household_errors or {}
        self.member_errors = member_errors or {}
        flat: dict[str, list[str]] = dict(self.household_errors)
        for index, errors in self.member_errors.items():
            for name, messages in errors.items():
                flat[f"members[{index}].{name}"] = messages
        super().__init__(flat or {"__all__": [_("The household could not be saved.")]})


class LedgerThrottled(LedgerInvalid):
    """The duplicate check was refused: the user looked up too many ID numbers this hour
    (needs.id_lookups). The API answers 429 with Retry-After; pages and imports show it next
    to the ID numbers."""

    def __init__(self, exc: id_lookups.IdLookupThrottled, positions: list[int]) -> None:
        self.retry_after = exc.retry_after
        self.throttle_message = exc.message
        super().__init__(member_errors={i: {"id_number": [exc.message]} for i in positions})


@dataclass
class _CheckedMember:
    position: int  # in the submitted list, for error messages
    data: MemberInput
    member: Member | None
    parsed_id: idnumbers.IdNumber | None
    index_value: str


def _stations_for(region: Region) -> Region | None:
    if region.level == Region.Level.TOWNSHIP:
        return region
    if region.level == Region.Level.VILLAGE:
        return region.parent
    return None


def duplicate_message(user: Any, existing: Member) -> str:
    """Where a person is already registered, saying no more than this user may see."""
    if Member.objects.visible_to(user).filter(pk=existing.pk).exists():
        url = reverse("needs:household_detail", args=[existing.household_id])
        return format_html(
            _('Already registered in household <a href="{}">{}</a>.'), url, existing.household.code
        )
    return _("Already registered in another township.")


#: What a sex or date of birth given beside a valid ID number is told when it disagrees (the
#: browser says the same as the number is typed: static/js/idnumber.js).
SEX_DISAGREES = gettext_lazy("The ID number says %(sex)s: correct the sex or the ID number.")
BIRTH_DATE_DISAGREES = gettext_lazy(
    "The ID number says born on %(date)s: correct the date of birth or the ID number."
)
BIRTH_DATE_DISAGREES_STORED = gettext_lazy(
    "The date of birth does not match the stored ID number: leave it blank to keep the "
    "number's date, or type the ID number again."
)


def id_number_disagreements(
    data: MemberInput, parsed: idnumbers.IdNumber, *, stored: bool
) -> dict[str, list[str]]:
    """The number is the authority on sex and date of birth (GB 11643). Left blank, they are
    read from it; given and agreeing, nothing is said; given and disagreeing, the value is not
    overwritten silently: it is an error on that field, naming what the number says, for the
    worker to correct one of the two (the number may be the mistyped one).

    ``stored``: the number is the member's stored one, not typed in this submission. Its date
    of birth is not named then: the edit form hides it (with the masked number it would give
    the whole number away), and an error must not show it either.
    """
    errors: dict[str, list[str]] = {}
    if data.sex and data.sex != parsed.sex:
        errors["sex"] = [SEX_DISAGREES % {"sex": Member.Sex(parsed.sex).label}]
    if data.birth_date and data.birth_date != parsed.birth_date:
        errors["birth_date"] = [
            str(BIRTH_DATE_DISAGREES_STORED)
            if stored
            else BIRTH_DATE_DISAGREES % {"date": parsed.birth_date.isoformat()}
        ]
    return errors


def _check_members(
    *,
    user: Any,
    household: Household | None,
    members: list[MemberInput],
    today: dt.date,
    region_code: str = "",
) -> tuple[list[_CheckedMember], dict[int, dict[str, list[str]]], dict[str, list[str]]]:
    existing_by_id: dict[int, Member] = {}
    if household is not None:
        existing_by_id = {m.pk: m for m in household.members.filter(left_at__isnull=True)}
    errors: dict[int, dict[str, list[str]]] = defaultdict(dict)
    checked: list[_CheckedMember] = []
    seen_index: dict[str, int] = {}

    named: set[int] = set()
    for i, data in enumerate(members):
        member = None
        if data.member_id is not None:
            member = existing_by_id.get(data.member_id)
            if member is None:
                errors[i]["__all__"] = [_("This member is not part of the household.")]
                continue
            if member.pk in named:
                errors[i]["__all__"] = [_("The same member is listed twice.")]
                continue
            named.add(member.pk)
        if data.remove:
            checked.append(_CheckedMember(i, data, member, None, ""))
            continue
        if not (data.name or "").strip():
            errors[i]["name"] = [_("Enter the name.")]
        if data.relation not in Member.Relation.values:
            errors[i]["relation"] = [_("Enter the relation to the head of household.")]
        phone_problem = identifiers.phone_error(data.phone)  # a digit of another script
        if phone_problem:
            errors[i]["phone"] = [phone_problem]
        parsed = None
        index_value = ""
        raw_id = idnumbers.normalize(data.id_number)
        if raw_id:
            try:
                parsed = idnumbers.parse(raw_id, today=today)
            except ValidationError as exc:
                errors[i]["id_number"] = exc.messages
            else:
                index_value = crypto.blind_index(parsed.number, purpose="id_number")
                if index_value in seen_index:
                    errors[i]["id_number"] = [
                        _("The same ID number is entered twice in this household.")
                    ]
                seen_index[index_value] = i
                stored = member is not None and member.id_number == parsed.number
                disagreements = id_number_disagreements(data, parsed, stored=stored)
                if disagreements:
                    errors[i].update(disagreements)
        else:
            if not data.birth_date:
                errors[i]["birth_date"] = [_("Without an ID number, enter the date of birth.")]
            elif data.birth_date > today:
                errors[i]["birth_date"] = [_("The date of birth cannot be in the future.")]
            if not data.sex:
                errors[i]["sex"] = [_("Without an ID number, choose the sex.")]
        if data.disability_grade is not None and not data.disability_type:
            errors[i]["disability_type"] = [_("Choose the type of disability for the grade.")]
        unknown = set(data.statuses) - set(AssistanceStatus.values)
        if unknown:
            errors[i]["statuses"] = [_("Unknown status: %(s)s") % {"s": ", ".join(sorted(unknown))}]
        unknown = set(data.tags) - set(VulnerabilityTag.values)
        if unknown:
            errors[i]["tags"] = [_("Unknown tag: %(s)s") % {"s": ", ".join(sorted(unknown))}]
        checked.append(_CheckedMember(i, data, member, parsed, index_value))

    # One person, one record in the province: look the new numbers up in one query, throttled
    # and logged (needs.id_lookups). A member keeping its own number asks nothing new. Members
    # of this submission do not count against it (an ID number may move between its rows, or
    # two members may swap numbers); the in-submission check above covers them.
    by_index = {
        c.index_value: c
        for c in checked
        if c.index_value and not (c.member and c.member.id_number_index == c.index_value)
    }
    if by_index:
        try:
            clashes = id_lookups.id_number_holders(
                user=user, indexes=list(by_index), exclude_pks=named, region_code=region_code
            )
        except id_lookups.IdLookupThrottled as exc:
            raise LedgerThrottled(exc, [c.position for c in by_index.values()]) from exc
        for other in clashes:
            position = by_index[other.id_number_index].position
            errors[position].setdefault("id_number", []).append(duplicate_message(user, other))

    live = [c for c in checked if not c.data.remove]
    household_errors: dict[str, list[str]] = {}
    if not live:
        household_errors["__all__"] = [_("A household needs at least one member.")]
    heads = [c for c in live if c.data.relation == Member.Relation.HEAD]
    if live and len(heads) != 1:
        household_errors["__all__"] = [_("Mark exactly one member as head of household.")]
    return checked, dict(errors), household_errors


def _next_household_code(station: Region) -> str:
    prefix = station.prefix
    last = (
        Household.objects.filter(code__startswith=f"{prefix}-")
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}-{number:05d}"


def _member_leaves(*, user: Any, member: Member, today: dt.date) -> list[hooks.ClosedRecord]:
    """A person who leaves the household (moved, died): the record stays for history, but the
    ID number is free for another household, current statuses end, consent in force is revoked
    and the person's live needs are withdrawn: nothing of theirs is shared any more. Returns what
    the needs' closing ended in other apps (their open applications)."""
    now = timezone.now()
    member.left_at = now
    member.id_number_index = ""
    member.save(update_fields=["left_at", "id_number_index", "updated_at"])
    member.assistance.filter(ended_on__isnull=True).update(ended_on=today)
    reason = _("The person left the household.")
    member.consents.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_reason=reason)
    ended: list[hooks.ClosedRecord] = []
    for need in member.needs.filter(status__in=Need.LIVE_STATUSES):
        need = need_transition(user=None, need=need, to=Need.Status.WITHDRAWN, reason=reason)
        ended.extend(need.closed_with)
    return ended


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    """Compare by column, so that an unset foreign key reads as None instead of raising."""
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:
        return getattr(obj, model_field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def _apply_member(member: Member, checked: _CheckedMember, today: dt.date) -> bool:
    """Copy submitted values onto a member; returns whether anything changed."""
    data = checked.data
    values: dict[str, Any] = {
        "name": data.name.strip(),
        "relation": data.relation,
        "phone": normalize_phone(data.phone),
        "disability_type": data.disability_type or "",
        "disability_grade": data.disability_grade,
        "health_notes": (data.health_notes or "").strip(),
        "school_or_work": (data.school_or_work or "").strip(),
    }
    if checked.parsed_id is not None:
        values.update(
            id_number=checked.parsed_id.number,
            id_number_index=checked.index_value,
            birth_date=checked.parsed_id.birth_date,
            sex=checked.parsed_id.sex,
        )
    else:
        values.update(id_number="", id_number_index="", birth_date=data.birth_date, sex=data.sex)
    changed = False
    for name, value in values.items():
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed = True
    return changed


def _sync_statuses(member: Member, wanted: list[str], today: dt.date) -> bool:
    current = {r.status: r for r in member.assistance.filter(ended_on__isnull=True)}
    wanted_set = set(wanted)
    changed = False
    for status, record in current.items():
        if status not in wanted_set:
            record.ended_on = max(today, record.started_on)
            record.save(update_fields=["ended_on"])
            changed = True
    new = [
        AssistanceRecord(member=member, status=s, started_on=today)
        for s in sorted(wanted_set - set(current))
    ]
    if new:
        AssistanceRecord.objects.bulk_create(new)
        changed = True
    return changed


def _sync_tags(member: Member, wanted: list[str]) -> bool:
    current = set(member.tags.values_list("tag", flat=True))
    wanted_set = set(wanted)
    if current == wanted_set:
        return False
    member.tags.filter(tag__in=current - wanted_set).delete()
    MemberTag.objects.bulk_create([MemberTag(member=member, tag=t) for t in wanted_set - current])
    return True


@dataclass
class SaveResult:
    household: Household
    created: bool = False
    changed: bool = False
    members_created: int = 0
    members_changed: int = 0
    members_removed: int = 0
    warnings: list[str] = field(default_factory=list)
    #: What the needs of members who left took with them in other apps (open applications).
    withdrawn: list[hooks.ClosedRecord] = field(default_factory=list)


def household_save(
    *,
    user: Any,
    household: Household | None,
    fields: dict[str, Any],
    members: list[MemberInput],
    today: dt.date | None = None,
    _registrar: bool = False,
) -> SaveResult:
    """Create or update a household with its members in one transaction, or raise LedgerInvalid.

    Rules: the household's village or township is inside the user's area and the user may keep
    its ledger; the responsible worker belongs to its station; exactly one head; every ID number
    passes GB 11643 and belongs to nobody else in the province (the duplicate is reported
    without revealing a household the user may not see).

    ``_registrar``: a new household registered by civil affairs of its area
    (``household_register``), not by the township's social workers.
    """
    today = today or timezone.localdate()
    if _registrar:
        may_record = _may_register
    elif user.role == User.Role.SOCIAL_WORKER or user.is_administrator:
        may_record = can_edit_ledger
    else:
        raise PermissionDenied(_("Only the township's social workers can change this ledger."))
    if household is not None:
        require_editor(user, household.region_id)
    household_errors: dict[str, list[str]] = {}
    if not (fields.get("address") or (household.address if household else "")).strip():
        household_errors["address"] = [_("Enter the address.")]
    region: Region | None = fields.get("region")
    station = _stations_for(region) if region is not None else None
    if region is None or station is None:
        household_errors["region"] = [
            _("Choose the village or township where the household lives.")
        ]
    elif not may_record(user, region.code):
        household_errors["region"] = [_("You can only record households of your own township.")]
    # Without a worker named: the current one stays; a new household is the recorder's.
    worker: User | None = fields.get("worker") or (
        household.worker
        if household is not None
        else (user if user.role == User.Role.SOCIAL_WORKER else None)
    )
    if worker is None:
        household_errors["worker"] = [_("Choose the responsible social worker.")]
    elif station is not None and (
        worker.role != User.Role.SOCIAL_WORKER or worker.region_id != station.code
    ):
        household_errors["worker"] = [
            _("The responsible worker must belong to the township's station.")
        ]
    if fields.get("coi_declared") and not (fields.get("coi_note") or "").strip():
        household_errors["coi_note"] = [_("Say how the worker is related to the household.")]
    if household is not None and household.is_archived:
        household_errors["__all__"] = [_("An archived household cannot be changed.")]

    checked, member_errors, more = _check_members(
        user=user,
        household=household,
        members=members,
        today=today,
        region_code=region.code if region is not None else (user.region_id or ""),
    )
    for key, messages in more.items():
        household_errors.setdefault(key, []).extend(messages)
    if household_errors or member_errors:
        raise LedgerInvalid(household_errors, member_errors)

    try:
        with transaction.atomic():
            result = _write_household(
                user=user,
                household=household,
                fields={**fields, "worker": worker},
                station=station,
                checked=checked,
                today=today,
            )
            household_flags_refresh([result.household.pk])
    except IntegrityError as exc:
        # Another user registered one of these people at the same moment.
        raise LedgerInvalid(
            {
                "__all__": [
                    _(
                        "Someone registered one of these people meanwhile. "
                        "Please check and save again."
                    )
                ]
            }
        ) from exc
    for c in checked:
        if c.parsed_id is not None:
            result.warnings.extend(f"{c.data.name}: {w}" for w in c.parsed_id.warnings)
    return result


def _may_register(user: Any, region_code: str) -> bool:
    if not (user.is_authenticated and region_scope(user).contains(region_code)):
        return False
    return user.role == User.Role.CIVIL_AFFAIRS or user.is_administrator


def household_register(
    *,
    user: Any,
    fields: dict[str, Any],
    members: list[MemberInput],
    today: dt.date | None = None,
) -> SaveResult:
    """Civil affairs register a household they learnt of outside a home visit — a person a
    charity referred to them (referrals) — in a village or township of their area, naming the
    responsible social worker of its station, who keeps the household from then on. The same
    rules as ``household_save`` otherwise (one head, ID numbers checked and unique)."""
    if not (
        user.is_authenticated and (user.is_administrator or user.role == User.Role.CIVIL_AFFAIRS)
    ):
        raise PermissionDenied(_("Only civil affairs register a household from a referral."))
    if fields.get("worker") is None:
        raise LedgerInvalid({"worker": [_("Choose the responsible social worker.")]})
    return household_save(
        user=user, household=None, fields=fields, members=members, today=today, _registrar=True
    )


def _write_household(
    *,
    user: Any,
    household: Household | None,
    fields: dict[str, Any],
    station: Region,
    checked: list[_CheckedMember],
    today: dt.date,
) -> SaveResult:
    created = household is None
    if household is None:
        household = Household(created_by=user)
    changed = created
    for name in HOUSEHOLD_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if isinstance(value, str):
            value = value.strip()
        if name in ("income_per_capita", "rigid_expenditure") and value is not None:
            value = Decimal(value)
        if _differs(household, name, value):
            setattr(household, name, value)
            changed = True
    if household.station_id != station.code:
        household.station = station
        changed = True
    if household.coi_declared and household.coi_declared_at is None:
        household.coi_declared_at = timezone.now()
    elif not household.coi_declared and household.coi_declared_at is not None:
        household.coi_declared_at = None
        household.coi_note = ""
    if created:
        for _attempt in range(5):
            household.code = _next_household_code(station)
            try:
                with transaction.atomic():
                    household.save()
                break
            except IntegrityError:
                if Household.objects.filter(code=household.code).exists():
                    continue
                raise
        else:
            raise IntegrityError("no free household number after 5 attempts")
    elif changed:
        household.save()

    result = SaveResult(household=household, created=created, changed=changed and not created)
    # Removals first, so that an ID number moving between two rows is free again.
    for c in checked:
        if c.data.remove and c.member is not None:
            result.withdrawn.extend(_member_leaves(user=user, member=c.member, today=today))
            result.members_removed += 1
    # Free the numbers that change hands first, so that a swap does not meet itself in the
    # unique index half-way.
    moving = [
        c.member.pk
        for c in checked
        if c.member and not c.data.remove and c.member.id_number_index != c.index_value
    ]
    if moving:
        Member.objects.filter(pk__in=moving).update(id_number_index="")
        for c in checked:
            if c.member is not None and c.member.pk in moving:
                c.member.id_number_index = ""
    for c in checked:
        if c.data.remove:
            continue
        member = c.member or Member(household=household)
        is_new = member.pk is None
        changed = _apply_member(member, c, today)
        if is_new or changed:
            member.save()
        changed |= _sync_statuses(member, c.data.statuses, today)
        changed |= _sync_tags(member, c.data.tags)
        if is_new:
            result.members_created += 1
        elif changed:
            result.members_changed += 1
    return result


# --- Assistance status ------------------------------------------------------------------------


@transaction.atomic
def assistance_status_grant(
    *,
    user: Any | None,
    member: Member,
    status: str,
    started_on: dt.date | None = None,
    note: str = "",
) -> AssistanceRecord:
    """Civil affairs grant a person an assistance status (a charity's referral found them
    eligible for dibao, tekun ...): a current record of it from ``started_on``. A status the
    person already holds is returned as it is.

    ``user`` is None when another app's service grants it, having checked who may; otherwise
    civil affairs of the household's area or an administrator.
    """
    if user is not None and not _may_register(user, member.household.region_id):
        raise PermissionDenied(_("Only civil affairs of the area grant an assistance status."))
    started_on = started_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if status not in AssistanceStatus.values:
        errors["status"] = [_("Choose the assistance status.")]
    if member.left_at is not None:
        errors["member"] = [_("Choose a current member of this household.")]
    if started_on > timezone.localdate():
        errors["started_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    current = member.assistance.filter(status=status, ended_on__isnull=True).first()
    if current is not None:
        return current
    record = AssistanceRecord.objects.create(
        member=member, status=status, started_on=started_on, note=(note or "").strip()[:200]
    )
    household_flags_refresh([member.household_id])
    return record


# --- Visits ----------------------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    user: Any,
    household: Household,
    visited_on: dt.date,
    findings: str,
    next_visit_on: dt.date | None = None,
) -> Visit:
    require_editor(user, household.region_id)
    errors = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = [_("A visit cannot be recorded in the future.")]
    if next_visit_on is not None and next_visit_on < visited_on:
        errors["next_visit_on"] = [_("The next visit comes after this one.")]
    if not findings.strip():
        errors["findings"] = [_("Write down what you found.")]
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        household=household,
        visited_on=visited_on,
        worker=user,
        findings=findings.strip(),
        next_visit_on=next_visit_on,
    )
    Household.objects.filter(pk=household.pk).filter(
        models.Q(last_visited_on__isnull=True) | models.Q(last_visited_on__lt=visited_on)
    ).update(last_visited_on=visited_on)
    return visit


# --- Needs -----------------------------------------------------------------------------------

NEED_FIELDS = (
    "member",
    "area",
    "form",
    "description",
    "urgent",
    "estimated_value",
    "quantity",
    "source",
)


def _check_need_member(household: Household, member: Member | None) -> None:
    if member is not None and (member.household_id != household.pk or member.left_at is not None):
        raise ValidationError({"member": [_("Choose a current member of this household.")]})


@transaction.atomic
def need_register(*, user: Any, household: Household, **values: Any) -> Need:
    require_editor(user, household.region_id)
    if household.is_archived:
        raise ValidationError(_("An archived household cannot get new needs."))
    _check_need_member(household, values.get("member"))
    if not (values.get("description") or "").strip():
        raise ValidationError({"description": [_("Describe the need.")]})
    need = Need(household=household, created_by=user)
    for name in NEED_FIELDS:
        if name in values:
            setattr(
                need, name, values[name].strip() if isinstance(values[name], str) else values[name]
            )
    need.full_clean(exclude=["household", "created_by"])
    need.save()
    household_flags_refresh([need.household_id])
    return need


@transaction.atomic
def need_update(*, user: Any, need: Need, **values: Any) -> Need:
    require_editor(user, need.household.region_id)
    if not need.is_live:
        raise ValidationError(_("A closed need cannot be changed."))
    _check_need_member(need.household, values.get("member", need.member))
    for name in NEED_FIELDS:
        if name in values:
            setattr(
                need, name, values[name].strip() if isinstance(values[name], str) else values[name]
            )
    need.full_clean(exclude=["household", "created_by"])
    need.save()
    household_flags_refresh([need.household_id])
    return need


@transaction.atomic
def need_transition(*, user: Any | None, need: Need, to: str, reason: str = "") -> Need:
    """Move a need along its life cycle; illegal moves and missing reasons are refused.

    ``user`` is None when another app's service moves it (matching marks it ``matching``).
    The update is conditional on the status read, so two concurrent moves cannot both win.

    A need that closes (met, closed unmet, withdrawn) takes what still runs for it in other apps
    along, in the same transaction, through the hooks they registered (``needs.hooks``): every
    closing goes through here, so every way of closing a need does it. What was ended is left on
    the returned need as ``closed_with`` (empty when nothing ran, or when the need stays live).
    """
    if user is not None:
        require_editor(user, need.household.region_id)
    if to not in Need.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    if not need.can_move_to(to):
        raise ValidationError(
            {
                "status": [
                    _("A need that is “%(current)s” cannot become “%(target)s”.")
                    % {"current": need.get_status_display(), "target": Need.Status(to).label}
                ]
            }
        )
    reason = (reason or "").strip()
    if to in Need.REASON_REQUIRED and not reason:
        raise ValidationError({"reason": [_("Give the reason.")]})
    now = timezone.now()
    closed_at = now if to in Need.CLOSED_STATUSES else None
    updated = Need.objects.filter(pk=need.pk, status=need.status).update(
        status=to,
        status_reason=reason[:300],
        status_changed_at=now,
        closed_at=closed_at,
        updated_at=now,
    )
    if not updated:
        raise ValidationError(
            _("The need was changed by someone else meanwhile. Reload and try again.")
        )
    household_flags_refresh([need.household_id])
    before = (need.status, need.status_reason, need.status_changed_at, need.closed_at)
    need.status, need.status_reason, need.status_changed_at, need.closed_at = (
        to,
        reason[:300],
        now,
        closed_at,
    )
    need.closed_with = []
    if to in Need.CLOSED_STATUSES:
        # The row is locked by the update above: nothing can start for the need meanwhile.
        try:
            need.closed_with = hooks.run_need_closing(need=need, user=user, reason=reason)
        except Exception:
            # The transaction undoes the closing: so does the caller's copy of the need.
            need.status, need.status_reason, need.status_changed_at, need.closed_at = before
            raise
    return need


# --- Consent ---------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    user: Any,
    household: Household,
    member: Member,
    given_by: str,
    purpose: str,
    scope: str,
    given_on: dt.date,
    expires_on: dt.date,
    guardian_name: str = "",
    guardian_relation: str = "",
    witness_name: str = "",
    recipients: list[tuple[str, str]] | None = None,
) -> Consent:
    """Record consent. A child under 14 (on the day it is given) consents through a guardian."""
    require_editor(user, household.region_id)
    errors: dict[str, list[str]] = {}
    if member.household_id != household.pk or member.left_at is not None:
        errors["member"] = [_("Choose a current member of this household.")]
    elif member.age(given_on) < 14 and given_by != Consent.GivenBy.GUARDIAN:
        errors["given_by"] = [_("For a child under 14, consent must be given by a guardian.")]
    if given_by == Consent.GivenBy.GUARDIAN:
        if not guardian_name.strip():
            errors["guardian_name"] = [_("Enter the guardian's name.")]
        if not guardian_relation.strip():
            errors["guardian_relation"] = [_("Enter how the guardian is related to the person.")]
    if given_by == Consent.GivenBy.VERBAL_WITNESSED and not witness_name.strip():
        errors["witness_name"] = [_("Verbal consent needs a witness.")]
    if given_on > timezone.localdate():
        errors["given_on"] = [_("Consent cannot be recorded before it is given.")]
    if expires_on < given_on:
        errors["expires_on"] = [_("The end of validity comes after the day consent is given.")]
    # The code is what matching compares with the organisation's: read the same way.
    recipients = [
        (name.strip(), identifiers.normalize_credit_code(code))
        for name, code in (recipients or [])
        if name.strip()
    ]
    if scope == Consent.Scope.NAMED and not recipients:
        errors["recipients"] = [_("Name at least one organisation.")]
    for _name, code in recipients:
        if not code:  # a name alone could never be matched
            errors["recipients"] = [
                _("Give each organisation's unified social credit code (18 letters and digits).")
            ]
        elif problem := identifiers.credit_code_error(code):
            errors["recipients"] = [problem]
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        household=household,
        member=member,
        given_by=given_by,
        guardian_name=guardian_name.strip(),
        guardian_relation=guardian_relation.strip(),
        witness_name=witness_name.strip(),
        purpose=purpose,
        scope=scope,
        given_on=given_on,
        expires_on=expires_on,
        recorded_by=user,
    )
    if scope == Consent.Scope.NAMED:
        ConsentRecipient.objects.bulk_create(
            [ConsentRecipient(consent=consent, name=n, credit_code=c) for n, c in recipients]
        )
    return consent


def consent_revoke(*, user: Any, consent: Consent, reason: str) -> Consent:
    require_editor(user, consent.household.region_id)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    updated = Consent.objects.filter(pk=consent.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason.strip()[:200]
    )
    if not updated:
        raise ValidationError(_("This consent has already been revoked."))
    consent.refresh_from_db()
    return consent


def consent_allows(
    *, member: Member, purpose: str, credit_code: str | None = None, day: dt.date | None = None
) -> Consent | None:
    """The consent in force that allows sharing ``member``'s data for ``purpose`` with the
    organisation of ``credit_code`` (matching and referrals call this), or None."""
    if member.left_at is not None:
        return None
    for consent in member.consents.in_force(day).prefetch_related("recipients"):
        if consent.covers(purpose=purpose, credit_code=credit_code, day=day):
            return consent
    return None
