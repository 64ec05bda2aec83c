"""The need ledger's filing export (需求台账备案导出) for the social-assistance platform.

The households, members and needs within a user's scope, narrowed to a county, township or
village, to need statuses and to the period in which needs were recorded, as CSV (one row per
need, household and member columns repeated; UTF-8 with a BOM so that Excel and WPS read it)
or JSON (household → members → needs). The layout is documented in docs/filing-export.md and
fixed here: ``CSV_COLUMNS`` and the ``_*_json`` functions. Chinese headers and labels whatever
the language of the page; JSON keys are English and stable.

Privacy: masked by default, as the household page shows a member (accounts.crypto masks; a
birth date as its year beside a masked ID number) and without the free texts that describe a
person's circumstances. Full values need a reason and write one access-log row
(``filing_full_log``), like a revealed field (accounts.services.sensitive_field_reveal): anyone
who may reveal a member's values on the household page may export them, for the same region.

Large scopes are streamed: the households are read in chunks of ``CHUNK_SIZE`` with their
members, statuses, tags and needs fetched per chunk (one query for the households, a
server-side cursor on PostgreSQL, and four per chunk, whatever the number of rows), and written
as they come.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import crypto, xlsx
from accounts.models import AccessLog, Region
from accounts.scope import region_scope
from accounts.taxonomies import (
    AidForm,
    AssistanceStatus,
    CharityArea,
    DisabilityType,
    GapClass,
    VulnerabilityTag,
)

from .models import AssistanceRecord, Household, Member, Need

#: The layout's name and version, written into every JSON file; bump the version on any change
#: of keys or columns (docs/filing-export.md).
FORMAT_NAME = "aidbridge-need-ledger-filing"
FORMAT_VERSION = 1
#: AccessLog.field of a filing export with full values (needs.audit names it on the audit page).
FULL_FIELD = "filing:id_number,phone,health_notes"
CHUNK_SIZE = 500
LANGUAGE = "zh-hans"
CSV = "csv"
JSON = "json"
CONTENT_TYPES = {CSV: "text/csv; charset=utf-8", JSON: "application/json; charset=utf-8"}
BOM = "\ufeff"
WHOLE_HOUSEHOLD = "全户"
YES, NO = xlsx.YES, xlsx.NO

#: (key, header) of every CSV column, in order. The keys are those of the JSON file.
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("household_code", "户编号"),
    ("external_ref", "原系统户编号"),
    ("region_code", "区划代码"),
    ("city", "市"),
    ("county", "县(市、区)"),
    ("township", "乡镇(街道)"),
    ("village", "村(社区)"),
    ("address", "家庭住址"),
    ("gap_class", "困难类别"),
    ("income_per_capita", "人均月收入(元)"),
    ("rigid_expenditure", "年刚性支出(元)"),
    ("housing", "住房情况"),
    ("housing_note", "住房说明"),
    ("head_name", "户主姓名"),
    ("member_count", "家庭人数"),
    ("worker", "责任社工"),
    ("last_visited_on", "最近走访日期"),
    ("member_name", "对象姓名"),
    ("relation", "与户主关系"),
    ("id_number", "身份证号码"),
    ("sex", "性别"),
    ("birth_date", "出生日期"),
    ("phone", "联系电话"),
    ("statuses", "救助身份"),
    ("tags", "困境标签"),
    ("disability_type", "残疾类别"),
    ("disability_grade", "残疾等级"),
    ("health_notes", "健康状况"),
    ("school_or_work", "就学/就业"),
    ("need_id", "需求编号"),
    ("area", "慈善领域"),
    ("form", "帮扶形式"),
    ("description", "需求描述"),
    ("urgent", "急难愁盼"),
    ("estimated_value", "预估金额(元)"),
    ("quantity", "数量"),
    ("source", "来源"),
    ("status", "状态"),
    ("status_reason", "原因"),
    ("created_on", "登记日期"),
    ("status_changed_on", "状态变更日期"),
    ("closed_on", "办结日期"),
)
CSV_HEADERS = tuple(header for _key, header in CSV_COLUMNS)


# --- Who and what ----------------------------------------------------------------------------


def can_file(user: Any) -> bool:
    """Social workers (their township), civil affairs (their region) and administrators: those
    who see households, and who may reveal a member's values on the household page."""
    return bool(getattr(user, "is_authenticated", False)) and not region_scope(user).is_empty


@dataclass(frozen=True)
class FilingFilters:
    """What goes into the file: the households of ``region`` (or of the whole scope) with at
    least one need of ``statuses`` (every status when empty) recorded between ``created_from``
    and ``created_to`` (both included, either open)."""

    region: Region | None = None
    statuses: tuple[str, ...] = ()
    created_from: dt.date | None = None
    created_to: dt.date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "region": None
            if self.region is None
            else {"code": self.region.code, "name": self.region.name},
            "statuses": list(self.statuses),
            "created_from": _iso(self.created_from),
            "created_to": _iso(self.created_to),
        }


def filing_region_for_user(user: Any, code: str | None) -> Region | None:
    """The county, township or village an export is narrowed to; missing or outside the scope:
    404 (as ``needs.excel.export_region_for_user``)."""
    code = (code or "").strip()
    if not code:
        return None
    region = Region.objects.filter(
        code=code,
        level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP, Region.Level.VILLAGE],
    ).first()
    if region is None or not region_scope(user).contains(region.code):
        raise Http404
    return region


def _needs(filters: FilingFilters) -> models.QuerySet[Need]:
    needs = Need.objects.all()
    if filters.statuses:
        needs = needs.filter(status__in=filters.statuses)
    if filters.created_from:
        needs = needs.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to:
        needs = needs.filter(created_at__lt=_day_start(filters.created_to + dt.timedelta(days=1)))
    return needs


def filing_households(user: Any, filters: FilingFilters) -> models.QuerySet[Household]:
    """The households of the file in their order, each with ``all_members`` (current and former,
    with ``current_assistance`` and tags) and ``filed_needs`` (the needs that match)."""
    households = Household.objects.visible_to(user).filter(archived_at__isnull=True)
    if filters.region is not None:
        households = households.within(filters.region.prefix)
    needs = _needs(filters)
    return (
        households.filter(pk__in=needs.order_by().values("household_id"))
        .select_related("region", "station__parent__parent", "worker")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Member.objects.prefetch_related(
                    Prefetch(
                        "assistance",
                        queryset=AssistanceRecord.objects.filter(ended_on__isnull=True).order_by(
                            "status"
                        ),
                        to_attr="current_assistance",
                    ),
                    Prefetch("tags", to_attr="tag_list"),
                ).order_by("id"),
                to_attr="all_members",
            ),
            Prefetch("needs", queryset=needs.order_by("created_at", "id"), to_attr="filed_needs"),
        )
        .order_by("station_id", "code")
    )


# --- The access log --------------------------------------------------------------------------


def _describe(filters: FilingFilters, fmt: str, labels: Labels) -> str:
    parts = []
    if filters.statuses:
        parts.append("、".join(labels.need_status.get(s, s) for s in filters.statuses))
    if filters.created_from or filters.created_to:
        parts.append(f"{_iso(filters.created_from) or '…'}—{_iso(filters.created_to) or '…'}")
    parts.append(fmt.upper())
    return " ".join(parts)


@transaction.atomic
def filing_full_log(
    *,
    user: Any,
    filters: FilingFilters,
    fmt: str,
    reason: str,
    ip_address: str | None = None,
) -> AccessLog:
    """The one access-log row of a filing export with full values; refuses without a reason.

    The subject is the region exported (the user's home region for the whole scope); the
    filters are written beside it, so the log says what was taken as well as why."""
    if not can_file(user):
        raise Http404
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Please give the reason for exporting full values.")]})
    region = filters.region or getattr(user, "region", None)
    if region is None:  # a superuser without a home region: the whole province
        region = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code").first()
    labels = Labels.build()
    place = region.name if region is not None else "全部"
    code = region.code if region is not None else ""
    return AccessLog.objects.create(
        user=user,
        subject_type=ContentType.objects.get_for_model(Region),
        subject_id=code,
        subject_label=f"{place} #{code} 需求台账备案 {_describe(filters, fmt, labels)}"[:200],
        region_code=code,
        field=FULL_FIELD,
        reason=reason[:1000],
        ip_address=ip_address,
    )


# --- Rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Every enum's Chinese labels, read once before the file is written (the stream runs after
    the view returned, outside any ``translation.override``)."""

    gap_class: dict[str, str]
    housing: dict[str, str]
    relation: dict[str, str]
    sex: dict[str, str]
    status: dict[str, str]
    tag: dict[str, str]
    disability: dict[str, str]
    area: dict[str, str]
    form: dict[str, str]
    source: dict[str, str]
    need_status: dict[str, str]
    status_order: list[str] = field(default_factory=list)
    tag_order: list[str] = field(default_factory=list)

    @classmethod
    def build(cls) -> Labels:
        with translation.override(LANGUAGE):
            return cls(
                gap_class=xlsx.labels(GapClass),
                housing=xlsx.labels(Household.Housing),
                relation=xlsx.labels(Member.Relation),
                sex=xlsx.labels(Member.Sex),
                status=xlsx.labels(AssistanceStatus),
                tag=xlsx.labels(VulnerabilityTag),
                disability=xlsx.labels(DisabilityType),
                area=xlsx.labels(CharityArea),
                form=xlsx.labels(AidForm),
                source=xlsx.labels(Need.Source),
                need_status=xlsx.labels(Need.Status),
                status_order=list(AssistanceStatus.values),
                tag_order=list(VulnerabilityTag.values),
            )


def _iso(day: dt.date | dt.datetime | None) -> str | None:
    if day is None:
        return None
    if isinstance(day, dt.datetime):
        day = timezone.localdate(day)
    return day.isoformat()


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _places(household: Household) -> dict[str, str]:
    """City, county, township and village names of a household (its station is the township;
    a household directly in a township has no village)."""
    station = household.station
    county = station.parent
    city = county.parent if county is not None else None
    return {
        "city": city.name if city is not None else "",
        "county": county.name if county is not None else "",
        "township": station.name,
        "village": household.region.name if household.region_id != station.code else "",
    }


def _statuses(member: Member, labels: Labels) -> list[str]:
    return sorted({r.status for r in member.current_assistance}, key=labels.status_order.index)


def _tags(member: Member, labels: Labels) -> list[str]:
    return sorted({t.tag for t in member.tag_list}, key=labels.tag_order.index)


def _person(member: Member, *, full: bool) -> dict[str, Any]:
    """A member's personal values, masked unless ``full`` (the household page's masks)."""
    masked_birth = not full and bool(member.id_number)
    return {
        "id_number": member.id_number if full else crypto.mask_id_number(member.id_number),
        # The masked ID hides just the birth date and two county digits: a full date beside
        # it would give the whole number away (needs.excel does the same).
        "birth_date": str(member.birth_date.year) if masked_birth else _iso(member.birth_date),
        "phone": member.phone if full else crypto.mask_phone(member.phone),
        "health_notes": member.health_notes if full else crypto.mask_text(member.health_notes),
        "school_or_work": member.school_or_work if full else None,
    }


@dataclass
class _Household:
    """One household as the writers need it, read from the prefetched rows without a query."""

    row: Household
    members: list[Member]  # current members, then former ones that a need names
    by_id: dict[int, Member]
    head: Member | None
    current_count: int

    @classmethod
    def of(cls, household: Household) -> _Household:
        named = {n.member_id for n in household.filed_needs if n.member_id}
        members = [m for m in household.all_members if m.left_at is None or m.pk in named]
        head = next(
            (m for m in members if m.left_at is None and m.relation == Member.Relation.HEAD),
            None,
        )
        return cls(
            row=household,
            members=members,
            by_id={m.pk: m for m in members},
            head=head,
            current_count=sum(1 for m in members if m.left_at is None),
        )


def _chunks(user: Any, filters: FilingFilters) -> Iterator[_Household]:
    for household in filing_households(user, filters).iterator(chunk_size=CHUNK_SIZE):
        yield _Household.of(household)


# --- CSV -------------------------------------------------------------------------------------


class _Echo:
    """A file-like object that hands back what csv.writer writes (Django's streaming recipe)."""

    def write(self, value: str) -> str:
        return value


def _csv_text(value: Any) -> Any:
    """Text a spreadsheet would read as a formula is prefixed with an apostrophe (as the
    reports' CSV does); None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, str) and value.startswith(xlsx.FORMULA_START):
        return "'" + value
    return value


def csv_rows(
    households: Iterable[_Household], *, full: bool, labels: Labels
) -> Iterator[dict[str, Any]]:
    """The CSV's rows, one per need, as column key -> value (before formatting)."""
    for h in households:
        household = h.row
        base = {
            "household_code": household.code,
            "external_ref": household.external_ref,
            "region_code": household.region_id,
            **_places(household),
            "address": household.address,
            "gap_class": labels.gap_class.get(household.gap_class, ""),
            "income_per_capita": _money(household.income_per_capita),
            "rigid_expenditure": _money(household.rigid_expenditure),
            "housing": labels.housing.get(household.housing, ""),
            "housing_note": household.housing_note if full else None,
            "head_name": h.head.name if h.head else "",
            "member_count": h.current_count,
            "worker": str(household.worker),
            "last_visited_on": _iso(household.last_visited_on),
        }
        for need in household.filed_needs:
            member = h.by_id.get(need.member_id) if need.member_id else None
            row = dict(base)
            if member is None:
                row["member_name"] = WHOLE_HOUSEHOLD
            else:
                row.update(
                    member_name=member.name,
                    relation=labels.relation.get(member.relation, ""),
                    sex=labels.sex.get(member.sex, ""),
                    statuses=xlsx.LIST_SEPARATOR.join(
                        labels.status[s] for s in _statuses(member, labels)
                    ),
                    tags=xlsx.LIST_SEPARATOR.join(labels.tag[t] for t in _tags(member, labels)),
                    disability_type=labels.disability.get(member.disability_type, ""),
                    disability_grade=member.disability_grade,
                    **_person(member, full=full),
                )
            row.update(
                need_id=need.pk,
                area=labels.area.get(need.area, ""),
                form=labels.form.get(need.form, ""),
                description=need.description,
                urgent=need.urgent,
                estimated_value=_money(need.estimated_value),
                quantity=need.quantity,
                source=labels.source.get(need.source, ""),
                status=labels.need_status.get(need.status, ""),
                status_reason=need.status_reason if full else None,
                created_on=_iso(need.created_at),
                status_changed_on=_iso(need.status_changed_at),
                closed_on=_iso(need.closed_at),
            )
            yield row


def filing_csv(user: Any, filters: FilingFilters, *, full: bool) -> Iterator[str]:
    """The CSV file in pieces: a BOM and the header, then a piece per household."""
    labels = Labels.build()
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def pieces() -> Iterator[str]:
        yield BOM + writer.writerow(CSV_HEADERS)
        for household in _chunks(user, filters):
            yield "".join(
                writer.writerow([_csv_text(row.get(key)) for key, _header in CSV_COLUMNS])
                for row in csv_rows([household], full=full, labels=labels)
            )

    return pieces()


# --- JSON ------------------------------------------------------------------------------------


def _choice(value: str, names: dict[str, str]) -> dict[str, str] | None:
    return {"code": value, "label": names.get(value, value)} if value else None


def _need_json(need: Need, *, full: bool, labels: Labels) -> dict[str, Any]:
    return {
        "id": need.pk,
        "area": _choice(need.area, labels.area),
        "form": _choice(need.form, labels.form),
        "description": need.description,
        "urgent": need.urgent,
        "estimated_value": _money(need.estimated_value),
        "quantity": need.quantity,
        "source": _choice(need.source, labels.source),
        "status": _choice(need.status, labels.need_status),
        "status_reason": need.status_reason if full else None,
        "created_on": _iso(need.created_at),
        "status_changed_on": _iso(need.status_changed_at),
        "closed_on": _iso(need.closed_at),
    }


def household_json(h: _Household, *, full: bool, labels: Labels) -> dict[str, Any]:
    household = h.row
    needs_of: dict[int | None, list[dict[str, Any]]] = {}
    for need in household.filed_needs:
        key = need.member_id if need.member_id in h.by_id else None
        needs_of.setdefault(key, []).append(_need_json(need, full=full, labels=labels))
    members = []
    for member in h.members:
        members.append(
            {
                "id": member.pk,
                "name": member.name,
                "relation": _choice(member.relation, labels.relation),
                "current": member.left_at is None,
                "sex": _choice(member.sex, labels.sex),
                **_person(member, full=full),
                "statuses": [_choice(s, labels.status) for s in _statuses(member, labels)],
                "tags": [_choice(t, labels.tag) for t in _tags(member, labels)],
                "disability_type": _choice(member.disability_type, labels.disability),
                "disability_grade": member.disability_grade,
                "needs": needs_of.get(member.pk, []),
            }
        )
    return {
        "code": household.code,
        "external_ref": household.external_ref,
        "region": {"code": household.region_id, **_places(household)},
        "address": household.address,
        "gap_class": _choice(household.gap_class, labels.gap_class),
        "income_per_capita": _money(household.income_per_capita),
        "rigid_expenditure": _money(household.rigid_expenditure),
        "housing": _choice(household.housing, labels.housing),
        "housing_note": household.housing_note if full else None,
        "head_name": h.head.name if h.head else None,
        "member_count": h.current_count,
        "worker": str(household.worker),
        "last_visited_on": _iso(household.last_visited_on),
        "members": members,
        "needs": needs_of.get(None, []),
    }


def filing_json(
    user: Any, filters: FilingFilters, *, full: bool, now: dt.datetime | None = None
) -> Iterator[str]:
    """The JSON file in pieces: the heading, a piece per household, the counts at the end (a
    stream cannot know them before)."""
    labels = Labels.build()
    now = now or timezone.now()
    heading = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
        "masked": not full,
        "filters": filters.as_json(),
    }

    def pieces() -> Iterator[str]:
        yield json.dumps(heading, ensure_ascii=False)[:-1] + ', "households": ['
        households = needs = 0
        for h in _chunks(user, filters):
            prefix = "," if households else ""
            households += 1
            needs += len(h.row.filed_needs)
            yield prefix + json.dumps(
                household_json(h, full=full, labels=labels), ensure_ascii=False
            )
        yield f'], "household_count": {households}, "need_count": {needs}}}'

    return pieces()


def filing_file(user: Any, filters: FilingFilters, *, fmt: str, full: bool) -> Iterator[str]:
    """The export as text pieces. Callers have checked ``can_file`` and, for ``full``, written
    the access-log row (``filing_full_log``)."""
    if fmt == JSON:
        return filing_json(user, filters, full=full)
    return filing_csv(user, filters, full=full)


def filing_filename(filters: FilingFilters, *, user: Any, fmt: str, full: bool) -> str:
    region = filters.region or getattr(user, "region", None)
    place = region.name if region is not None else "全部"
    suffix = "-完整" if full else ""
    return f"需求台账备案-{place}{suffix}-{timezone.localdate():%Y%m%d}.{fmt}"
