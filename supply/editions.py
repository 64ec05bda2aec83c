"""Half-yearly ledger editions: freeze the published three-tier ledger, compare it with the last
edition, write the workbook, tell every township station.

Publishing is idempotent and deterministic: a period has one edition (a unique period and a
conditional claim), and the same content gives byte-identical files (same SHA-256), because
the workbook depends only on the entries and the period, never on the clock.

An edition lists the published and the paused listings (a paused one marked, so that a pause
and a resumption show as changes, not as "removed, then new") that have not ended by the
publication date, each marked when it had not been confirmed for half a year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import xlsx
from accounts.files import save_in_place
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, VulnerabilityTag

from .models import (
    LedgerEdition,
    LedgerEntry,
    LedgerEntryCoverage,
    LedgerRemoval,
    Project,
    ProjectTerm,
    Tier,
    code_prefixes,
)
from .periods import period_start
from .services import listing_values

TIER_SHEETS = {Tier.PROVINCE: "省级", Tier.CITY: "市级", Tier.COUNTY: "县级"}
ALL_SHEET = "三级台账"
HEADERS = [
    "层级",
    "社会组织",
    "统一社会信用代码",
    "项目名称",
    "慈善领域",
    "帮扶形式",
    "适用救助身份",
    "适用困境类别",
    "年龄",
    "名额",
    "人均金额(元)",
    "覆盖区域",
    "覆盖区划代码",
    "申请流程",
    "所需材料",
    "联系人",
    "联系电话",
    "开始日期",
    "结束日期",
    "状态",
    "超过半年未确认",
    "与上一版相比",
]
_LABELS = {
    ProjectTerm.Kind.AREA: CharityArea,
    ProjectTerm.Kind.FORM: AidForm,
    ProjectTerm.Kind.STATUS: AssistanceStatus,
    ProjectTerm.Kind.TAG: VulnerabilityTag,
}


def canonical(value: Any) -> bytes:
    """JSON with sorted keys and no spaces: the same data always gives the same bytes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def project_snapshot(project: Project, *, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """The listing as the edition freezes it (organisation details included). A paused
    listing carries ``"paused": true`` and one not confirmed for half a year at ``as_of``
    ``"stale": true``; the keys are left out otherwise, so that an unchanged listing keeps the
    hash it had in editions before these marks."""
    organization = project.organization
    snapshot = {
        **listing_values(project),
        "project_id": project.pk,
        "organization": organization.name,
        "credit_code": organization.credit_code,
        "tier": organization.tier,
        "registering_region": organization.registering_region_id,
    }
    if project.status == Project.Status.PAUSED:
        snapshot["paused"] = True
    if as_of is not None and project.is_stale(as_of):
        snapshot["stale"] = True
    return snapshot


def publication_day(period: str, today: dt.date | None = None) -> dt.date:
    """The day an edition is published for: the first day of its half year, or today when it
    is published later (a missed tick caught up, or an edition published on demand)."""
    return max(period_start(period), today or timezone.localdate())


def _as_of(day: dt.date) -> dt.datetime:
    """Staleness is judged at the start of the publication day, so that two runs on the same
    day give the same marks (and the same hashes)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _listed_projects(day: dt.date) -> QuerySet[Project]:
    """Published and paused listings that have not ended on or before the publication day."""
    return (
        Project.objects.filter(status__in=[Project.Status.PUBLISHED, Project.Status.PAUSED])
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=day))
        .select_related("organization__registering_region")
        .prefetch_related("terms", "coverage")
        .order_by("pk")
    )


def edition_publish(*, period: str, user: Any = None) -> LedgerEdition:
    """Publish the edition of ``period`` (e.g. ``2026-H2``), or return it if it exists."""
    existing = LedgerEdition.objects.filter(period=period).first()
    if existing is not None:
        return existing
    period_start(period)  # validates the format
    try:
        with transaction.atomic():
            edition = _publish(period=period, user=user)
    except IntegrityError:
        # Another worker published the same period at the same moment: that one stands.
        return LedgerEdition.objects.get(period=period)
    from .tasks import notify_stations_of_edition

    notify_stations_of_edition.delay_on_commit(edition.pk)
    return edition


def _publish(*, period: str, user: Any) -> LedgerEdition:
    previous = LedgerEdition.objects.filter(period__lt=period).order_by("-period").first()
    previous_hashes = (
        dict(previous.entries.values_list("project_id", "snapshot_sha256")) if previous else {}
    )
    previous_titles = dict(previous.entries.values_list("project_id", "title")) if previous else {}
    rows = []
    prefixes: dict[int, list[str]] = {}
    day = publication_day(period)
    as_of = _as_of(day)
    for project in _listed_projects(day):
        snapshot = project_snapshot(project, as_of=as_of)
        prefixes[project.pk] = sorted({c.prefix for c in project.coverage.all()})
        digest = hashlib.sha256(canonical(snapshot)).hexdigest()
        if project.pk not in previous_hashes:
            change = LedgerEntry.Change.NEW
        elif previous_hashes[project.pk] != digest:
            change = LedgerEntry.Change.CHANGED
        else:
            change = LedgerEntry.Change.UNCHANGED
        rows.append((snapshot, digest, change))
    order = list(Tier.values)
    rows.sort(
        key=lambda r: (
            order.index(r[0]["tier"]),
            r[0]["organization"],
            r[0]["title"],
            r[0]["project_id"],
        )
    )
    current_ids = {snapshot["project_id"] for snapshot, _digest, _change in rows}
    removed = sorted(set(previous_hashes) - current_ids)

    content = canonical(
        [[digest, change] for _snapshot, digest, change in rows] + [["removed", removed]]
    )
    edition = LedgerEdition.objects.create(
        period=period,
        published_at=timezone.now(),
        published_by=user,
        content_sha256=hashlib.sha256(content).hexdigest(),
        entry_count=len(rows),
        added_count=sum(1 for r in rows if r[2] == LedgerEntry.Change.NEW),
        changed_count=sum(1 for r in rows if r[2] == LedgerEntry.Change.CHANGED),
        removed_count=len(removed),
    )
    entries = LedgerEntry.objects.bulk_create(
        LedgerEntry(
            edition=edition,
            project_id=snapshot["project_id"],
            tier=snapshot["tier"],
            organization_name=snapshot["organization"],
            title=snapshot["title"],
            snapshot=snapshot,
            snapshot_sha256=digest,
            change=change,
        )
        for snapshot, digest, change in rows
    )
    LedgerEntryCoverage.objects.bulk_create(
        LedgerEntryCoverage(entry=entry, prefix=prefix)
        for entry in entries
        for prefix in prefixes[entry.project_id]
    )
    LedgerRemoval.objects.bulk_create(
        LedgerRemoval(edition=edition, project_id=pk, title=previous_titles[pk]) for pk in removed
    )
    data = edition_workbook(period=period, entries=entries)
    edition.workbook_sha256 = hashlib.sha256(data).hexdigest()
    # Over the file of an attempt killed before its commit, if any (the edition's row, unique by
    # period, is inserted above: no other attempt is writing this name now).
    save_in_place(edition.workbook, f"ledger-{period}.xlsx", ContentFile(data))
    edition.save(update_fields=["workbook", "workbook_sha256"])
    return edition


def entries_covering(edition: LedgerEdition, region_code: str) -> QuerySet[LedgerEntry]:
    """The entries of an edition that cover a place (the per-township view)."""
    return edition.entries.filter(coverage__prefix__in=code_prefixes(region_code)).distinct()


# --- The workbook ----------------------------------------------------------------------------


def _labels(kind: str, values: list[str]) -> str:
    choices = _LABELS[kind]
    return "、".join(str(choices(v).label) for v in values if v in choices.values)


def _ages(age_min: int | None, age_max: int | None) -> str:
    if age_min is None and age_max is None:
        return xlsx.UNLIMITED
    if age_max is None:
        return f"{age_min}岁及以上"
    return f"{age_min or 0}–{age_max}岁"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _amount(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _row(entry: LedgerEntry, region_names: dict[str, str]) -> list[Any]:
    s = entry.snapshot
    change = {"new": "新增", "changed": "变更", "unchanged": "无变化"}[entry.change]
    status = Project.Status.PAUSED if entry.is_paused else Project.Status.PUBLISHED
    capacity = s.get("capacity")
    return [
        str(Tier(s["tier"]).label),
        s["organization"],
        s["credit_code"],
        s["title"],
        _labels("area", s["area"]),
        _labels("form", s["form"]),
        _labels("status", s["status"]),
        _labels("tag", s["tag"]),
        _ages(s.get("age_min"), s.get("age_max")),
        xlsx.UNLIMITED if capacity is None else capacity,
        _amount(s.get("value_per_beneficiary")),
        "、".join(region_names.get(code, code) for code in s["coverage"]),
        "、".join(s["coverage"]),
        s.get("application_process"),
        s.get("required_documents"),
        s.get("contact_name"),
        s.get("contact_phone"),
        _date(s.get("starts_on")),
        _date(s.get("ends_on")),
        str(status.label),
        xlsx.YES if entry.is_stale else xlsx.NO,
        change,
    ]


#: Columns written as text: the credit code, the codes of the regions covered, the phone.
_TEXT_COLUMNS = [HEADERS.index(h) for h in ("统一社会信用代码", "覆盖区划代码", "联系电话")]


def edition_workbook(*, period: str, entries: list[LedgerEntry]) -> bytes:
    """A combined sheet and one per tier, in the order of the entries, written through the
    shared table writer (widths fitted, header frozen, filter on, dates as dates, regions by
    name beside their codes) with dates fixed to the period's first day, so that the same
    entries give the same bytes."""
    from django.utils import translation

    from accounts.models import Region

    codes = {code for entry in entries for code in entry.snapshot["coverage"]}
    region_names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    with translation.override("zh-hans"):
        rows = [(entry.tier, _row(entry, region_names)) for entry in entries]
    wb = Workbook(write_only=True)
    sheets = [(ALL_SHEET, [row for _tier, row in rows])]
    sheets += [
        (title, [row for t, row in rows if t == tier]) for tier, title in TIER_SHEETS.items()
    ]
    for title, sheet_rows in sheets:
        table = xlsx.TableSheet(wb, title, HEADERS, text_columns=_TEXT_COLUMNS)
        for values in sheet_rows:
            table.append(values)
        table.close()
    return xlsx.save(wb, period_start(period))


def edition_title(edition: LedgerEdition) -> str:
    return _("Charity aid supply ledger, edition %(period)s") % {"period": edition.label}
