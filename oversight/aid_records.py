"""Member units' aid records (成员单位救助帮扶信息推送): the pushes, the matching to the need
ledger, the civil-affairs queue of unmatched records, and the rows they add to the pre-aid
check and the household's timeline.

A push is a list of records (one, from the API, or a workbook's rows) taken all or nothing:
every record is checked first, and any error refuses the whole push with the errors of each
record by its position. The rules:

* only staff of an active member unit push (``not_member_unit``, 403);
* a record is for the unit's region, or for a region inside it named in ``region``; a region
  outside the unit's is refused (``forbidden_region``, 403), and so is a person who is on the
  need ledger of a household outside the unit's region (``forbidden_region``, 403);
* the unit's own record id is unique per unit: the same id with the same content again is the
  record already there (nothing changes; the API answers 200), the same id with other content
  is refused (``conflict``, 409) — a record civil affairs and social workers have read never
  changes under them; a correction is pushed as a new record id;
* the ID number is read through ``needs.idnumbers`` (``accounts.identifiers``: full-width and
  other compatibility digits are 0-9, lower-case x is X, Arabic-Indic and other scripts'
  digits are refused), so the same person gives the same blind index whatever was typed.

Matching looks the person up by the blind index among the current ledger members of the unit's
region; found, the record is linked to the member and the household (``matched``), else it
waits (``unmatched``) in the queue of the region's civil affairs, who match it again or dismiss
it with a note. The daily job ``match_waiting_aid_records`` matches what households recorded
since have made matchable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import crypto, identifiers
from accounts.models import Region, User
from accounts.taxonomies import CharityArea
from matching.hooks import OtherAid
from needs import idnumbers
from needs.models import Member, Need

from .models import AidRecord, MemberUnit

St = AidRecord.Status

#: The fields of a pushed record, in the order of the API and the workbook.
FIELDS = ("external_id", "id_number", "person_name", "kind", "amount", "given_on", "region", "note")
#: The charity area that aid of each kind falls in, for the pre-aid check's "same area".
KIND_AREAS = {
    AidRecord.Kind.MEDICAL: CharityArea.MEDICAL_AID,
    AidRecord.Kind.SERIOUS_ILLNESS: CharityArea.MEDICAL_AID,
    AidRecord.Kind.EDUCATION: CharityArea.EDUCATION_AID,
    AidRecord.Kind.DISABILITY: CharityArea.DISABILITY_SUPPORT,
    AidRecord.Kind.WOMEN_CHILDREN: CharityArea.CHILD_SUPPORT,
    AidRecord.Kind.RURAL: CharityArea.RURAL_REVITALIZATION,
    AidRecord.Kind.VETERANS: CharityArea.VETERANS_CARE,
    AidRecord.Kind.TEMPORARY: CharityArea.POVERTY_RELIEF,
    AidRecord.Kind.HOUSING: CharityArea.POVERTY_RELIEF,
    AidRecord.Kind.EMPLOYMENT: CharityArea.POVERTY_RELIEF,
}
#: The window of the pre-aid check (the applications' twelve months).
PRE_AID_DAYS = 365
MAX_BATCH = 500


class AidRecordError(ValidationError):
    """A refused action; ``code`` tells the pages and the API what happened."""

    def __init__(self, message: Any, code: str | None = None, params: Any = None) -> None:
        super().__init__(message, code, params)
        self.code = code


@dataclass
class ItemError:
    """What is wrong with one record of a push: its position (0-based), its record id as sent,
    the code of the worst problem and the messages by field."""

    index: int
    external_id: str
    code: str
    errors: dict[str, list[str]]


class PushRefused(Exception):
    """The push as a whole is refused: nothing was written. ``code`` is the worst problem of
    its records (``forbidden_region`` before ``conflict`` before ``invalid``)."""

    ORDER = ("not_member_unit", "forbidden_region", "conflict", "invalid")

    def __init__(self, items: list[ItemError]) -> None:
        super().__init__(f"{len(items)} record(s) refused")
        self.items = items
        codes = {item.code for item in items}
        self.code = next(code for code in self.ORDER if code in codes)


@dataclass
class Pushed:
    record: AidRecord
    created: bool


@dataclass
class PushResult:
    records: list[Pushed] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(p.created for p in self.records)

    @property
    def unchanged(self) -> int:
        return len(self.records) - self.created

    @property
    def matched(self) -> int:
        return sum(p.record.status == St.MATCHED for p in self.records)


# --- Who ---------------------------------------------------------------------------------------


def unit_of(user: Any) -> MemberUnit | None:
    """The active member unit of a ``member_unit`` login, or None."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return None
    if user.role != User.Role.MEMBER_UNIT:
        return None
    return (
        MemberUnit.objects.select_related("region").filter(staff__user=user, is_active=True).first()
    )


def is_officer(user: Any) -> bool:
    """Civil affairs of a department and administrators: they work the queue."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_officer)


# --- Reading one record ------------------------------------------------------------------------


@dataclass
class Clean:
    external_id: str
    id_number: str
    person_name: str
    kind: str
    amount: Decimal | None
    given_on: dt.date
    region: Region
    note: str

    @property
    def index(self) -> str:
        return crypto.blind_index(self.id_number, purpose="id_number")


def _text(value: Any) -> str:
    return identifiers.nfkc(value).strip() if value is not None else ""


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(_("Enter a number."))
    text = value if isinstance(value, Decimal) else identifiers.normalize(str(value))
    try:
        amount = Decimal(str(text))
    except InvalidOperation:
        raise ValidationError(_("Enter a number.")) from None
    if not amount.is_finite() or not str(text).isascii():
        raise ValidationError(_("Enter a number."))
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative."))
    if amount >= Decimal("10000000000"):
        raise ValidationError(_("The amount is too large."))
    return amount.quantize(Decimal("0.01"))


def _date(value: Any, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(identifiers.normalize(str(value or "")))
        except (ValueError, ValidationError):
            raise ValidationError(_("Enter the date as YYYY-MM-DD.")) from None
    if value > today:
        raise ValidationError(_("The date given cannot be in the future."))
    return value


def _region(value: Any, unit: MemberUnit, regions: dict[str, Region]) -> Region:
    """The region named, or the unit's; AidRecordError ``forbidden_region`` outside it."""
    if value in (None, ""):
        return unit.region
    code = identifiers.ascii_digits(value)
    region = regions.get(code or "")
    if region is None:
        raise ValidationError(_("No region has this 12-digit division code."), code="invalid")
    if not unit.region.contains(region.code):
        raise AidRecordError(
            _("%(region)s is outside %(unit)s's region: a unit pushes only for its own region.")
            % {"region": region.name, "unit": unit.name},
            code="forbidden_region",
        )
    return region


def _clean(
    raw: dict[str, Any], unit: MemberUnit, regions: dict[str, Region], today: dt.date
) -> tuple[Clean | None, dict[str, list[str]], str]:
    """One record checked: the clean values, or the messages by field and the worst code."""
    errors: dict[str, list[str]] = {}
    code = "invalid"
    values: dict[str, Any] = {}

    def check(name: str, read: Any) -> None:
        nonlocal code
        try:
            values[name] = read()
        except ValidationError as exc:
            errors[name] = exc.messages
            if getattr(exc, "code", None) == "forbidden_region":
                code = "forbidden_region"

    def required(name: str, max_length: int) -> str:
        text = _text(raw.get(name))
        if not text:
            raise ValidationError(_("This field is required."))
        if len(text) > max_length:
            raise ValidationError(_("At most %(n)s characters.") % {"n": max_length})
        return text

    def id_number() -> str:
        text = _text(raw.get("id_number"))
        if not text:
            raise ValidationError(_("This field is required."))
        return idnumbers.parse(text).number

    def kind() -> str:
        text = _text(raw.get("kind"))
        if text not in AidRecord.Kind.values:
            raise ValidationError(
                _("Unknown kind of aid. Allowed: %(values)s.")
                % {"values": ", ".join(AidRecord.Kind.values)}
            )
        return text

    def note() -> str:
        text = _text(raw.get("note"))
        if len(text) > 500:
            raise ValidationError(_("At most %(n)s characters.") % {"n": 500})
        return text

    check("external_id", lambda: identifiers.normalize(required("external_id", 64)))
    check("id_number", id_number)
    check("person_name", lambda: required("person_name", 50))
    check("kind", kind)
    check("amount", lambda: _amount(raw.get("amount")))
    check("given_on", lambda: _date(raw.get("given_on"), today))
    check("region", lambda: _region(raw.get("region"), unit, regions))
    check("note", note)
    if errors:
        return None, errors, code
    return Clean(**values), {}, code


def _holders(indexes: Iterable[str]) -> dict[str, Member]:
    """The current ledger members of these blind indexes (members who left have none)."""
    indexes = [i for i in set(indexes) if i]
    if not indexes:
        return {}
    members = Member.objects.filter(
        id_number_index__in=indexes, left_at__isnull=True
    ).select_related("household")
    return {m.id_number_index: m for m in members}


def _same(record: AidRecord, clean: Clean) -> bool:
    return (
        record.id_number_index == clean.index
        and record.person_name == clean.person_name
        and record.kind == clean.kind
        and record.amount == clean.amount
        and record.given_on == clean.given_on
        and record.region_id == clean.region.pk
        and record.note == clean.note
    )


# --- Pushing -----------------------------------------------------------------------------------


def aid_records_push(
    *, user: Any, items: Sequence[dict[str, Any]], now: dt.datetime | None = None
) -> PushResult:
    """Push records of the user's member unit, all or nothing (``PushRefused`` with the errors
    of each record); each is matched to the ledger at once. Returns each record with whether it
    was created (False: the same record id and content was there already)."""
    unit = unit_of(user)
    if unit is None:
        raise PushRefused(
            [
                ItemError(
                    0,
                    "",
                    "not_member_unit",
                    {"__all__": [_("Only the staff of a member unit push aid records.")]},
                )
            ]
        )
    if len(items) > MAX_BATCH:
        raise PushRefused(
            [
                ItemError(
                    0,
                    "",
                    "invalid",
                    {"__all__": [_("At most %(n)s records in one push.") % {"n": MAX_BATCH}]},
                )
            ]
        )
    now = now or timezone.now()
    today = timezone.localdate(now)
    codes = {identifiers.ascii_digits(raw.get("region")) for raw in items if raw.get("region")}
    regions = Region.objects.in_bulk([c for c in codes if c])
    cleaned: list[Clean] = []
    problems: list[ItemError] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(items):
        clean, errors, code = _clean(raw, unit, regions, today)
        external_id = _text(raw.get("external_id"))[:64]
        if clean is not None and clean.external_id in seen:
            errors = {
                "external_id": [
                    _("The same record id as record %(n)s of this push.")
                    % {"n": seen[clean.external_id] + 1}
                ]
            }
            clean = None
        if clean is None:
            problems.append(ItemError(index, external_id, code, errors))
            continue
        seen[clean.external_id] = index
        cleaned.append(clean)
    holders = _holders(c.index for c in cleaned)
    for clean in cleaned:
        holder = holders.get(clean.index)
        if holder is not None and not unit.region.contains(holder.household.region_id):
            position = seen[clean.external_id]
            problems.append(
                ItemError(
                    position,
                    clean.external_id,
                    "forbidden_region",
                    {
                        "id_number": [
                            _(
                                "This person is on the need ledger of another region: "
                                "a unit pushes only for its own region."
                            )
                        ]
                    },
                )
            )
    result = PushResult()
    with transaction.atomic():
        existing = {
            r.external_id: r
            for r in AidRecord.objects.select_for_update().filter(
                unit=unit, external_id__in=[c.external_id for c in cleaned]
            )
        }
        for clean in cleaned:
            record = existing.get(clean.external_id)
            if record is not None and not _same(record, clean):
                problems.append(
                    ItemError(
                        seen[clean.external_id],
                        clean.external_id,
                        "conflict",
                        {
                            "external_id": [
                                _(
                                    "Record %(id)s was pushed before with other content "
                                    "(%(number)s); a record is not changed once pushed: push "
                                    "the correction under a new record id."
                                )
                                % {"id": clean.external_id, "number": record.number}
                            ]
                        },
                    )
                )
        if problems:
            raise PushRefused(sorted(problems, key=lambda p: p.index))
        for clean in cleaned:
            record = existing.get(clean.external_id)
            if record is not None:
                result.records.append(Pushed(record, created=False))
                continue
            result.records.append(
                Pushed(_create(unit, user, clean, holders.get(clean.index), now), created=True)
            )
    return result


def _create(
    unit: MemberUnit, user: Any, clean: Clean, holder: Member | None, now: dt.datetime
) -> AidRecord:
    record = AidRecord(
        unit=unit,
        external_id=clean.external_id,
        region=clean.region,
        id_number=clean.id_number,
        person_name=clean.person_name,
        kind=clean.kind,
        amount=clean.amount,
        given_on=clean.given_on,
        note=clean.note,
        pushed_by=user,
        created_at=now,
    )
    if holder is not None:
        record.status = St.MATCHED
        record.member = holder
        record.household = holder.household
        record.matched_at = now
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # The same record id pushed at the same moment by another request: theirs stands, and
        # this push is refused as a conflict rather than guessed at.
        raise PushRefused(
            [
                ItemError(
                    0,
                    clean.external_id,
                    "conflict",
                    {"external_id": [_("This record id is being pushed at this moment.")]},
                )
            ]
        ) from None
    return record


# --- Matching ----------------------------------------------------------------------------------


@dataclass
class MatchReport:
    looked_at: int = 0
    matched: int = 0


def match_waiting(
    records: QuerySet[AidRecord] | None = None, *, now: dt.datetime | None = None
) -> MatchReport:
    """Match unmatched records whose person is now a current ledger member of the unit's
    region. Each record moves by a conditional update (``status='unmatched'``), so a second run,
    or the job and a button at once, match it once."""
    now = now or timezone.now()
    waiting = (records if records is not None else AidRecord.objects.all()).filter(
        status=St.UNMATCHED
    )
    report = MatchReport()
    for chunk in _chunks(waiting.select_related("unit__region").order_by("pk"), 1000):
        report.looked_at += len(chunk)
        holders = _holders(r.id_number_index for r in chunk)
        for record in chunk:
            holder = holders.get(record.id_number_index)
            if holder is None or not record.unit.region.contains(holder.household.region_id):
                continue
            report.matched += AidRecord.objects.filter(pk=record.pk, status=St.UNMATCHED).update(
                status=St.MATCHED,
                member=holder,
                household_id=holder.household_id,
                matched_at=now,
                updated_at=now,
            )
    return report


def _chunks(queryset: QuerySet[AidRecord], size: int) -> Iterable[list[AidRecord]]:
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _require_officer(user: Any, record: AidRecord) -> None:
    if not is_officer(user) or not AidRecord.objects.visible_to(user).filter(pk=record.pk).exists():
        raise Http404


def aid_record_match_again(*, user: Any, record: AidRecord) -> bool:
    """An officer's "match again" of one waiting record; True when it is matched now."""
    _require_officer(user, record)
    if record.status != St.UNMATCHED:
        raise AidRecordError(_("Only a record waiting for a match is matched again."), "status")
    match_waiting(AidRecord.objects.filter(pk=record.pk))
    record.refresh_from_db()
    return record.status == St.MATCHED


def aid_records_match_all(*, user: Any) -> MatchReport:
    """An officer's "match all again": the waiting records of the officer's area."""
    if not is_officer(user):
        raise Http404
    return match_waiting(AidRecord.objects.visible_to(user))


@transaction.atomic
def aid_record_dismiss(*, user: Any, record: AidRecord, note: str) -> AidRecord:
    """Take a waiting record out of the queue with a note (a person who is not in the ledger
    and need not be, a record pushed by mistake)."""
    _require_officer(user, record)
    note = _text(note)
    if not note:
        raise AidRecordError({"note": [_("Say why the record is dismissed.")]}, "incomplete")
    if len(note) > 500:
        raise AidRecordError({"note": [_("At most %(n)s characters.") % {"n": 500}]}, "invalid")
    # The row locked, then its status read: a record matched or dismissed meanwhile is not
    # dismissed (again).
    locked = AidRecord.objects.select_for_update().get(pk=record.pk)
    if locked.status != St.UNMATCHED:
        raise AidRecordError(_("Only a record waiting for a match is dismissed."), "status")
    locked.status, locked.dismissed_at, locked.dismissed_by = St.DISMISSED, timezone.now(), user
    locked.dismiss_note = note
    locked.save(
        update_fields=["status", "dismissed_at", "dismissed_by", "dismiss_note", "updated_at"]
    )
    return locked


# --- What the pre-aid check and the household's timeline show ---------------------------------


def household_aid(household_ids: Iterable[int], *, since: dt.date | None = None) -> list[AidRecord]:
    """The matched records of these households, newest first (``since``: given on or after)."""
    rows = AidRecord.objects.matched_to_households(list(household_ids))
    if since is not None:
        rows = rows.filter(given_on__gte=since)
    return list(rows.select_related("unit", "member").order_by("-given_on", "-pk"))


def pre_aid_rows(need: Need) -> list[OtherAid]:
    """The pre-aid check's rows of other departments (registered in ``matching.hooks``): the
    household's matched records given in the last twelve months."""
    since = timezone.localdate() - dt.timedelta(days=PRE_AID_DAYS)
    return [
        OtherAid(
            source="member_unit",
            number=r.number,
            provider=r.unit.name,
            provider_kind=str(r.unit.get_department_display()),
            kind=r.kind,
            kind_display=str(r.get_kind_display()),
            member_name=r.member.name if r.member_id else "",
            amount=r.amount,
            given_on=r.given_on,
            same_area=KIND_AREAS.get(AidRecord.Kind(r.kind)) == need.area,
        )
        for r in household_aid([need.household_id], since=since)
    ]
