"""Excel export and import of the township need ledger.

Two workbooks follow the paper forms of the notice: the household information summary table
(服务对象家庭信息汇总表, one row per current member, household columns repeated on every row) and
the need list (需求信息清单, one row per need). The sheet names and column headers are fixed
Chinese text: they are the file format that export writes and import reads back, whatever the
language of the page.

Privacy: exports are masked unless a user who keeps the ledger asks for full values with a
reason, which writes one access-log row. Import is all-or-nothing: every household goes through
``needs.services.household_save`` inside one transaction, and any error rolls everything back.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import crypto, identifiers, xlsx
from accounts.models import AccessLog, Region, User
from accounts.scope import region_scope
from accounts.taxonomies import (
    AidForm,
    AssistanceStatus,
    CharityArea,
    DisabilityType,
    GapClass,
    VulnerabilityTag,
)
from accounts.text import join_sentences
from accounts.xlsx import (
    LIST_SEPARATOR,
    NO,
    YES,
    CellError,
    ImportRefused,
    RowError,
    Sheet,
    SheetRow,
)

from . import id_lookups, idnumbers, selectors
from .models import AssistanceRecord, Household, Member, Need
from .services import LedgerInvalid, MemberInput, SaveResult, can_edit_ledger, household_save

XLSX_CONTENT_TYPE = xlsx.XLSX_CONTENT_TYPE

#: Limits of an uploaded workbook (a township has a few thousand members at most).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_ROWS = 5000
#: Rows above the header that import looks through (the title row sits above it).
HEADER_SEARCH_ROWS = 10

SUMMARY_SHEET = "服务对象家庭信息汇总表"
NEED_SHEET = "需求信息清单"
INSTRUCTIONS_SHEET = "填写说明"
#: The example row of the template; import skips it.
EXAMPLE_CODE = "示例"
WHOLE_HOUSEHOLD = "全户"
FULL_EXPORT_FIELD = "export:id_number,phone,health_notes"

#: Our own household numbers look like ``441881101-00001``; an unknown one is an error, not new.
CODE_PATTERN = re.compile(r"^[0-9]{9}-[0-9]{5}$")


# --- Columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    household: bool = False
    text: bool = False  # written as text so that Excel keeps leading zeros and long digits
    required: bool = False
    imported: bool = True


SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("code", "户编号", household=True, text=True, required=True),
    Column("external_ref", "原系统户编号", household=True, text=True),
    Column("region_code", "村(社区)/乡镇(街道)代码", household=True, text=True, required=True),
    Column("region_name", "村(社区)/乡镇(街道)", household=True, imported=False),
    Column("address", "家庭住址", household=True),
    Column("gap_class", "困难类别", household=True),
    Column("income_per_capita", "人均月收入(元)", household=True),
    Column("rigid_expenditure", "年刚性支出(元)", household=True),
    Column("housing", "住房情况", household=True),
    Column("housing_note", "住房说明", household=True),
    Column("worker", "责任社工", household=True, text=True),
    Column("name", "姓名", required=True),
    Column("relation", "与户主关系", required=True),
    Column("id_number", "身份证号码", text=True),
    Column("sex", "性别"),
    Column("birth_date", "出生日期"),
    Column("phone", "联系电话", text=True),
    Column("statuses", "救助身份"),
    Column("tags", "困境标签"),
    Column("disability_type", "残疾类别"),
    Column("disability_grade", "残疾等级"),
    Column("health_notes", "健康状况"),
    Column("school_or_work", "就学/就业"),
)
COLUMN_BY_KEY = {c.key: c for c in SUMMARY_COLUMNS}
_LABELS = {c.key: c.header for c in SUMMARY_COLUMNS}
_COLUMN_ORDER = {c.header: i for i, c in enumerate(SUMMARY_COLUMNS)}
#: Other spellings of headers met in workbooks typed by hand or exported elsewhere.
HEADER_ALIASES = {
    "户号": "code",
    "家庭编号": "code",
    "区划代码": "region_code",
    "村(社区)代码": "region_code",
    "住址": "address",
    "家庭地址": "address",
    "身份证号": "id_number",
    "公民身份号码": "id_number",
    "证件号码": "id_number",
    "手机号码": "phone",
    "电话": "phone",
    "与户主关系(称谓)": "relation",
}

NEED_HEADERS: tuple[str, ...] = (
    "户编号",
    "村(社区)/乡镇(街道)",
    "户主",
    "对象姓名",
    "慈善领域",
    "帮扶形式",
    "需求描述",
    "急难愁盼",
    "预估金额(元)",
    "数量",
    "来源",
    "状态",
    "原因",
    "登记日期",
)

#: Words of other systems for relation and sex, accepted besides our labels and codes.
RELATION_WORDS = {
    "户主": Member.Relation.HEAD,
    "本人": Member.Relation.HEAD,
    "配偶": Member.Relation.SPOUSE,
    "妻": Member.Relation.SPOUSE,
    "妻子": Member.Relation.SPOUSE,
    "夫": Member.Relation.SPOUSE,
    "丈夫": Member.Relation.SPOUSE,
    "子女": Member.Relation.CHILD,
    "子": Member.Relation.CHILD,
    "女": Member.Relation.CHILD,
    "儿子": Member.Relation.CHILD,
    "女儿": Member.Relation.CHILD,
    "父母": Member.Relation.PARENT,
    "父亲": Member.Relation.PARENT,
    "母亲": Member.Relation.PARENT,
    "祖父母": Member.Relation.GRANDPARENT,
    "外祖父母": Member.Relation.GRANDPARENT,
    "孙子女": Member.Relation.GRANDCHILD,
    "孙子": Member.Relation.GRANDCHILD,
    "孙女": Member.Relation.GRANDCHILD,
    "外孙子女": Member.Relation.GRANDCHILD,
    "兄弟姐妹": Member.Relation.SIBLING,
    "其他": Member.Relation.OTHER,
}
SEX_WORDS = {"男": Member.Sex.MALE, "女": Member.Sex.FEMALE}
GRADE_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

CHOICE_COLUMNS: dict[str, tuple[type[models.TextChoices], dict[str, str]]] = {
    "gap_class": (GapClass, {}),
    "housing": (Household.Housing, {}),
    "relation": (Member.Relation, RELATION_WORDS),
    "sex": (Member.Sex, SEX_WORDS),
    "statuses": (AssistanceStatus, {}),
    "tags": (VulnerabilityTag, {}),
    "disability_type": (DisabilityType, {}),
}


# --- Writing workbooks -----------------------------------------------------------------------


def region_place_name(region: Region | None) -> str:
    """``英德市沙口镇`` for a township, with the village appended for a village."""
    if region is None:
        return "全部"
    names = [region.name]
    parent = region.parent
    while parent is not None and parent.level not in (
        Region.Level.PREFECTURE,
        Region.Level.PROVINCE,
    ):
        names.append(parent.name)
        parent = parent.parent
    return "".join(reversed(names))


def export_region_for_user(user: Any, code: str | None) -> Region | None:
    """The township or village an export is narrowed to; missing or outside the scope: 404."""
    code = (code or "").strip()
    if not code:
        return None
    region = (
        Region.objects.select_related("parent__parent")
        .filter(code=code, level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE])
        .first()
    )
    if region is None or not region_scope(user).contains(region.code):
        raise Http404
    return region


def _households_for_export(user: Any, region: Region | None) -> models.QuerySet[Household]:
    households = Household.objects.visible_to(user).filter(archived_at__isnull=True)
    if region is not None:
        households = households.filter(region__code__startswith=region.prefix)
    return households


def _members_for_export(households: models.QuerySet[Household]) -> models.QuerySet[Member]:
    return (
        selectors.current_members()
        .filter(household__in=households)
        .select_related("household__region", "household__worker")
        .prefetch_related(
            Prefetch(
                "assistance",
                queryset=AssistanceRecord.objects.filter(ended_on__isnull=True).order_by("status"),
                to_attr="current_assistance",
            ),
            "tags",
        )
        .order_by("household__code", "id")
    )


def summary_rows(members: Iterable[Member], *, full: bool) -> Iterator[dict[str, Any]]:
    """The rows of the summary table, one per member, as column key -> cell value."""
    gap_labels = xlsx.labels(GapClass)
    housing_labels = xlsx.labels(Household.Housing)
    relation_labels = xlsx.labels(Member.Relation)
    sex_labels = xlsx.labels(Member.Sex)
    status_labels = xlsx.labels(AssistanceStatus)
    status_order = list(AssistanceStatus.values)
    tag_labels = xlsx.labels(VulnerabilityTag)
    tag_order = list(VulnerabilityTag.values)
    disability_labels = xlsx.labels(DisabilityType)
    for member in members:
        household = member.household
        statuses = sorted({r.status for r in member.current_assistance}, key=status_order.index)
        tags = sorted({t.tag for t in member.tags.all()}, key=tag_order.index)
        yield {
            "code": household.code,
            "external_ref": household.external_ref,
            "region_code": household.region_id,
            "region_name": household.region.name,
            "address": household.address,
            "gap_class": gap_labels.get(household.gap_class, ""),
            "income_per_capita": household.income_per_capita,
            "rigid_expenditure": household.rigid_expenditure,
            "housing": housing_labels.get(household.housing, ""),
            "housing_note": household.housing_note,
            "worker": household.worker.username,
            "name": member.name,
            "relation": relation_labels.get(member.relation, member.relation),
            "id_number": member.id_number if full else member.id_number_masked,
            "sex": sex_labels.get(member.sex, ""),
            # Masked, the year only: the masked ID hides just the birth date and two county
            # digits, so a full date beside it would give the whole number away.
            "birth_date": member.birth_date
            if full or not member.id_number
            else str(member.birth_date.year),
            "phone": member.phone if full else member.phone_masked,
            "statuses": LIST_SEPARATOR.join(status_labels[s] for s in statuses),
            "tags": LIST_SEPARATOR.join(tag_labels[t] for t in tags),
            "disability_type": disability_labels.get(member.disability_type, ""),
            "disability_grade": member.disability_grade,
            "health_notes": member.health_notes if full else member.health_masked,
            "school_or_work": member.school_or_work,
        }


def _summary_table(wb: Workbook, heading: str) -> xlsx.TableSheet:
    return xlsx.TableSheet(
        wb,
        SUMMARY_SHEET,
        [c.header for c in SUMMARY_COLUMNS],
        heading=heading,
        text_columns=[index for index, c in enumerate(SUMMARY_COLUMNS) if c.text],
    )


def household_workbook(
    *, user: Any, region: Region | None, full: bool = False, today: dt.date | None = None
) -> bytes:
    """The household information summary table of what ``user`` may see, masked unless ``full``.

    Callers check who may have full values (``household_export_full``)."""
    today = today or timezone.localdate()
    place = region_place_name(region if region is not None else getattr(user, "region", None))
    wb = Workbook(write_only=True)
    title = f"{place} 服务对象家庭信息汇总表 导出日期 {today:%Y-%m-%d}"
    if full:
        title += "  " + _(
            "Contains full ID numbers, phones and health notes: "
            "keep it safe and delete it after use."
        )
    table = _summary_table(wb, title)
    members = _members_for_export(_households_for_export(user, region))
    for row in summary_rows(members.iterator(chunk_size=500), full=full):
        table.append([row[c.key] for c in SUMMARY_COLUMNS])
    table.close()
    return xlsx.save(wb, today)


def export_access_log(
    *, user: Any, region: Region, reason: str, ip_address: str | None = None
) -> AccessLog:
    """One access-log row for a workbook with full personal values: the township is the subject."""
    township = region.parent if region.level == Region.Level.VILLAGE and region.parent else region
    return AccessLog.objects.create(
        user=user,
        subject_type=ContentType.objects.get_for_model(Region),
        subject_id=township.code,
        subject_label=f"{region_place_name(region)} #{region.code}"[:200],
        region_code=region.code,
        field=FULL_EXPORT_FIELD,
        reason=reason[:1000],
        ip_address=ip_address,
    )


def household_export_full(
    *,
    user: Any,
    region: Region | None,
    reason: str,
    ip_address: str | None = None,
    today: dt.date | None = None,
) -> bytes:
    """The summary table with full ID numbers, phones and health notes, logged once.

    Only those who keep the ledger of the region (social workers of the township,
    administrators) may have it, and they must say why.
    """
    subject = region if region is not None else getattr(user, "region", None)
    if subject is None:
        raise ValidationError({"region": [_("Choose the township or village to export.")]})
    if not can_edit_ledger(user, subject.code):
        raise PermissionDenied(_("Only the township's social workers can export full values."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Please give the reason for exporting full values.")]})
    with transaction.atomic():
        export_access_log(user=user, region=subject, reason=reason, ip_address=ip_address)
        return household_workbook(user=user, region=region, full=True, today=today)


def need_workbook(*, user: Any, region: Region | None, today: dt.date | None = None) -> bytes:
    """The need list (需求信息清单) of what ``user`` may see: one row per need."""
    today = today or timezone.localdate()
    needs = selectors.need_list_for_user(user)
    if region is not None:
        needs = needs.filter(household__region__code__startswith=region.prefix)
    needs = needs.select_related("household__region", "member").order_by(
        "household__code", "created_at", "id"
    )
    heads = dict(
        selectors.current_members()
        .filter(relation=Member.Relation.HEAD, household__in=needs.values("household"))
        .values_list("household_id", "name")
    )
    area_labels = xlsx.labels(CharityArea)
    form_labels = xlsx.labels(AidForm)
    source_labels = xlsx.labels(Need.Source)
    status_labels = xlsx.labels(Need.Status)
    place = region_place_name(region if region is not None else getattr(user, "region", None))
    wb = Workbook(write_only=True)
    table = xlsx.TableSheet(
        wb,
        NEED_SHEET,
        NEED_HEADERS,
        heading=f"{place} 需求信息清单 导出日期 {today:%Y-%m-%d}",
        text_columns=[0],
    )
    for need in needs.iterator(chunk_size=500):
        table.append(
            [
                need.household.code,
                need.household.region.name,
                heads.get(need.household_id, ""),
                need.member.name if need.member else WHOLE_HOUSEHOLD,
                area_labels.get(need.area, need.area),
                form_labels.get(need.form, need.form),
                need.description,
                YES if need.urgent else NO,
                need.estimated_value,
                need.quantity,
                source_labels.get(need.source, need.source),
                status_labels.get(need.status, need.status),
                need.status_reason,
                timezone.localdate(need.created_at),
            ]
        )
    table.close()
    return xlsx.save(wb, today)


#: What each column of the import template means (the "填写说明" sheet).
def _column_help() -> dict[str, str]:
    return {
        "code": _(
            "Our household number (e.g. 441881101-00001) to update a household, or the number "
            "in the source system for a new one. Rows with the same number form one household."
        ),
        "external_ref": _(
            "The household number in the source system (e.g. the low-income monitoring platform)."
        ),
        "region_code": _(
            "The 12-digit code of the village (community) or township (subdistrict) where the "
            "household lives; it must be in your township."
        ),
        "region_name": _("For reading only; import uses the code."),
        "address": _("Required for a new household."),
        "gap_class": _("One of the allowed values, or empty."),
        "income_per_capita": _("Yuan per person and month, a number."),
        "rigid_expenditure": _("Yuan per year: medical, education and similar unavoidable costs."),
        "housing": _("One of the allowed values, or empty."),
        "housing_note": _("Free text, up to 200 characters."),
        "worker": _(
            "User name of a social worker of the township's station. Empty: you for a new "
            "household, the current worker for an existing one."
        ),
        "name": _("Name of the member, required on every row."),
        "relation": _("Exactly one member of each household is the head."),
        "id_number": _(
            "18 characters; type it as text. Members are recognised by it. Birth date and sex "
            "are taken from it. Empty: enter birth date and sex; an ID number already recorded "
            "is kept."
        ),
        "sex": _("Needed only without an ID number."),
        "birth_date": _("YYYY-MM-DD; needed only without an ID number."),
        "phone": _("Type it as text."),
        "statuses": _("Current assistance statuses, several separated by 、"),
        "tags": _("Vulnerability tags, several separated by 、"),
        "disability_type": _("One of the allowed values, or empty."),
        "disability_grade": _("1 to 4, needs a disability type."),
        "health_notes": _("Free text; kept encrypted."),
        "school_or_work": _("Free text, up to 100 characters."),
    }


def import_template(*, user: Any, today: dt.date | None = None) -> bytes:
    """An empty summary table with one example row and a sheet explaining each column."""
    today = today or timezone.localdate()
    home = getattr(user, "region", None)
    region_code = (
        home.code if home is not None and home.level == Region.Level.TOWNSHIP else "441881101001"
    )
    wb = Workbook(write_only=True)
    table = _summary_table(wb, "服务对象家庭信息汇总表")
    example = {
        "code": EXAMPLE_CODE,
        "external_ref": "",
        "region_code": region_code,
        "region_name": home.name if home is not None else "",
        "address": "沙口村 12 号",
        "gap_class": str(GapClass.COVERED_STILL_IN_DIFFICULTY.label),
        "income_per_capita": Decimal("650.00"),
        "rigid_expenditure": Decimal("12000.00"),
        "housing": str(Household.Housing.OWN.label),
        "housing_note": "",
        "worker": user.username if getattr(user, "role", "") == User.Role.SOCIAL_WORKER else "",
        "name": "张三",
        "relation": str(Member.Relation.HEAD.label),
        "id_number": "11010519491231002X",
        "sex": str(Member.Sex.FEMALE.label),
        "birth_date": dt.date(1949, 12, 31),
        "phone": "13800000000",
        "statuses": str(AssistanceStatus.DIBAO.label),
        "tags": str(VulnerabilityTag.ELDER_ALONE.label),
        "disability_type": "",
        "disability_grade": None,
        "health_notes": "",
        "school_or_work": "",
    }
    table.append([example[c.key] for c in SUMMARY_COLUMNS])
    table.close()

    help_ws = xlsx.new_sheet(
        wb, INSTRUCTIONS_SHEET, [(26, False), (8, False), (60, False), (60, False)]
    )
    help_ws.append([xlsx.cell(help_ws, _("How to fill in the household table"), bold=True)])
    help_ws.append(
        [
            xlsx.cell(
                help_ws,
                _(
                    "One row per member; repeat the household columns on every row of the "
                    "household (or leave them empty after its first row). The example row "
                    "(household number %(example)s) is skipped. Nothing is imported while any "
                    "row has an error. At most %(rows)s rows."
                )
                % {"example": EXAMPLE_CODE, "rows": MAX_ROWS},
            )
        ]
    )
    help_ws.append(
        [
            xlsx.cell(help_ws, text, bold=True)
            for text in (_("Column"), _("Required"), _("Explanation"), _("Allowed values"))
        ]
    )
    explanations = _column_help()
    for column in SUMMARY_COLUMNS:
        allowed = ""
        if column.key in CHOICE_COLUMNS:
            allowed = LIST_SEPARATOR.join(
                str(label) for label in CHOICE_COLUMNS[column.key][0].labels
            )
        help_ws.append(
            [
                xlsx.cell(help_ws, column.header),
                xlsx.cell(help_ws, YES if column.required else ""),
                xlsx.cell(help_ws, explanations[column.key]),
                xlsx.cell(help_ws, allowed or None),
            ]
        )
    return xlsx.save(wb, today)


# --- Reading an uploaded workbook ------------------------------------------------------------


def read_sheet(data: bytes, filename: str = "") -> Sheet:
    """Parse the summary table of an uploaded workbook; raises ImportRefused for a bad file."""
    with xlsx.open_workbook(
        data, filename, max_bytes=MAX_UPLOAD_BYTES, max_unpacked_bytes=MAX_UNCOMPRESSED_BYTES
    ) as wb:
        names = [n for n in wb.sheetnames if n != INSTRUCTIONS_SHEET]
        if not names:
            raise ImportRefused(_("The workbook has no sheet to import."))
        ws = wb[SUMMARY_SHEET] if SUMMARY_SHEET in names else wb[names[0]]
        return _read_rows(ws)


def _known_headers() -> dict[str, str]:
    known = {xlsx.key(c.header): c.key for c in SUMMARY_COLUMNS if c.imported}
    known.update({xlsx.key(k): v for k, v in HEADER_ALIASES.items()})
    return known


def _is_example(cells: dict[str, Any]) -> bool:
    return xlsx.display(cells.get("code")).strip() == EXAMPLE_CODE


def _read_rows(ws: Any) -> Sheet:
    found = xlsx.find_header(ws, _known_headers(), ("name", "code"), search_rows=HEADER_SEARCH_ROWS)
    if found is None:
        raise ImportRefused(
            _(
                "No header row found: the first rows must contain the column headers of the "
                "template (户编号, 姓名 …). Download the template and copy your data into it."
            )
        )
    header_row, mapping = found
    missing = [c.header for c in SUMMARY_COLUMNS if c.required and c.key not in mapping.values()]
    if missing:
        raise xlsx.missing_columns(missing)
    sheet = xlsx.read_rows(
        ws, header_row, mapping, max_rows=MAX_ROWS, labels=_LABELS, skip=_is_example
    )
    if not sheet.rows and not sheet.errors:
        raise ImportRefused(_("The sheet has no rows to import."))
    return sheet


# --- Parsing cells ---------------------------------------------------------------------------


def _choice(value: Any, column: str) -> str:
    choices, words = CHOICE_COLUMNS[column]
    return xlsx.parse_choice(value, choices, words)


def _choices(value: Any, column: str) -> list[str]:
    choices, words = CHOICE_COLUMNS[column]
    return xlsx.parse_choices(value, choices, words)


def _grade(value: Any) -> int | None:
    if xlsx.is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", xlsx.display(value)).strip().removesuffix("级")
    grade = GRADE_WORDS.get(text)
    if grade is None:
        raise CellError(_("The grade is 1, 2, 3 or 4."))
    return grade


def _is_masked(text: str) -> bool:
    return "*" in text or text == crypto.mask_text("x")


def _masked_error() -> CellError:
    return CellError(
        _(
            "This value is masked. Import a workbook exported with full values, or type the "
            "full value."
        )
    )


# --- Import ----------------------------------------------------------------------------------


@dataclass
class HouseholdLine:
    first_row: int
    last_row: int
    key: str
    head: str
    action: str  # created | updated | unchanged | error
    code: str = ""
    members_created: int = 0
    members_changed: int = 0


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    lines: list[HouseholdLine] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def households(self) -> int:
        return self.households_created + self.households_updated + self.households_unchanged

    @property
    def changed_lines(self) -> list[HouseholdLine]:
        return [line for line in self.lines if line.action in ("created", "updated")]


def can_import(user: Any) -> bool:
    """Social workers of a township and administrators keep the ledger; each row is then
    checked against the township of its region."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_administrator:
        return True
    return (
        user.role == User.Role.SOCIAL_WORKER
        and user.region_id is not None
        and can_edit_ledger(user, user.region_id)
    )


@dataclass
class _Group:
    key: str
    rows: list[SheetRow]
    household: Household | None = None
    errors: bool = False


@dataclass
class _ParsedMember:
    row: SheetRow
    values: dict[str, Any]
    parsed_id: idnumbers.IdNumber | None
    index_value: str


class _Importer:
    def __init__(self, *, user: Any, sheet: Sheet, report: ImportReport, today: dt.date) -> None:
        self.user = user
        self.sheet = sheet
        self.report = report
        self.today = today
        self.columns = sheet.columns
        self._regions: dict[str, Region | None] = {}
        self._workers: dict[tuple[str, str], User | None] = {}

    # errors

    def error(
        self, row: SheetRow, column: str, message: str, *, last_row: int | None = None
    ) -> None:
        header = COLUMN_BY_KEY[column].header if column in COLUMN_BY_KEY else ""
        value = xlsx.display(row.cells.get(column)) if column else ""
        self.report.errors.append(RowError(row.number, header, message, value, last_row))

    # grouping and lookups

    def groups(self) -> list[_Group]:
        groups: dict[str, _Group] = {}
        for row in self.sheet.rows:
            try:  # a digit of another script is an error, never another household's number
                key = xlsx.parse_code(row.cells.get("code"))
            except CellError as exc:
                self.error(row, "code", exc.message)
                continue
            key = key or xlsx.digits_text(row.cells.get("external_ref"))
            if not key:
                self.error(row, "code", _("Enter the household number."))
                continue
            groups.setdefault(key, _Group(key, []))
            groups[key].rows.append(row)
        self._find_households(list(groups.values()))
        return list(groups.values())

    def _find_households(self, groups: list[_Group]) -> None:
        visible = Household.objects.visible_to(self.user).select_related("region", "worker")
        keys = {g.key for g in groups}
        refs = keys | {xlsx.digits_text(g.rows[0].cells.get("external_ref")) for g in groups} - {""}
        by_code: dict[str, Household] = {}
        by_ref: dict[str, list[Household]] = defaultdict(list)
        for chunk in xlsx.chunks(sorted(keys), 500):
            by_code.update({h.code: h for h in visible.filter(code__in=chunk)})
        for chunk in xlsx.chunks(sorted(refs), 500):
            for h in visible.filter(external_ref__in=chunk).order_by("code"):
                by_ref[h.external_ref].append(h)
        for group in groups:
            first = group.rows[0]
            code = xlsx.digits_text(first.cells.get("code"))
            ref = xlsx.digits_text(first.cells.get("external_ref"))
            household = by_code.get(code) if code else None
            candidates: list[Household] = []
            if household is None:
                candidates = by_ref.get(code, []) if code else []
                if not candidates and ref:
                    candidates = by_ref.get(ref, [])
            if len(candidates) > 1:
                self.error(
                    first,
                    "code",
                    _(
                        "Several households have this number in the source system: "
                        "use our household number."
                    ),
                )
                group.errors = True
                continue
            household = household or (candidates[0] if candidates else None)
            if household is None and CODE_PATTERN.match(code):
                self.error(first, "code", _("No household with this number in your area."))
                group.errors = True
                continue
            group.household = household

    def region(self, code: str) -> Region | None:
        if code not in self._regions:
            self._regions[code] = (
                Region.objects.filter(
                    code=code, level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE]
                )
                .select_related("parent")
                .first()
            )
        return self._regions[code]

    def worker(self, username: str, station: Region) -> User | None:
        key = (username, station.code)
        if key not in self._workers:
            self._workers[key] = User.objects.filter(
                username=username,
                role=User.Role.SOCIAL_WORKER,
                region_id=station.code,
                is_active=True,
            ).first()
        return self._workers[key]

    # household columns

    def household_fields(self, group: _Group) -> dict[str, Any] | None:
        """The household columns of a group's first row, checked; None when a cell is wrong."""
        first = group.rows[0]
        ok = True
        for row in group.rows[1:]:
            for column in SUMMARY_COLUMNS:
                if not column.household or not column.imported or column.key not in self.columns:
                    continue
                value = row.cells.get(column.key)
                if (
                    not xlsx.is_blank(value)
                    and xlsx.display(value).strip()
                    != xlsx.display(first.cells.get(column.key)).strip()
                ):
                    self.error(
                        row,
                        column.key,
                        _(
                            "Household columns must be the same on every row of a household "
                            "(see row %(row)s), or left empty."
                        )
                        % {"row": first.number},
                    )
                    ok = False
        fields: dict[str, Any] = {}
        household = group.household
        cells = first.cells

        region = None
        try:
            code = xlsx.parse_code(cells.get("region_code"))
        except CellError as exc:  # a digit of another script
            code, message = "", exc.message
        else:
            message = _("Enter the 12-digit code of the village or township.")
        if not code:
            self.error(first, "region_code", message)
            ok = False
        elif not re.fullmatch(r"[0-9]{12}", code) or (region := self.region(code)) is None:
            self.error(first, "region_code", _("No village or township has this code."))
            ok = False
        elif not can_edit_ledger(self.user, region.code):
            self.error(
                first, "region_code", _("You can only import households of your own township.")
            )
            ok = False
        elif region.valid_to is not None and (
            household is None or household.region_id != region.code
        ):
            self.error(first, "region_code", _("This village or township no longer exists."))
            ok = False
        else:
            fields["region"] = region

        if region is not None and "region" in fields:
            station = region if region.level == Region.Level.TOWNSHIP else region.parent
            username = xlsx.parse_text(cells.get("worker")) if "worker" in self.columns else ""
            if username and household is not None and household.worker.username == username:
                fields["worker"] = household.worker  # kept even if the account was disabled since
            elif username:
                worker = self.worker(username, station) if station is not None else None
                if worker is None:
                    self.error(
                        first, "worker", _("No social worker of this township has this user name.")
                    )
                    ok = False
                else:
                    fields["worker"] = worker
            elif household is not None:
                fields["worker"] = household.worker

        for name, length in (("address", 200), ("housing_note", 200)):
            if name not in self.columns:
                continue
            try:
                fields[name] = xlsx.parse_text(cells.get(name), max_length=length)
            except CellError as exc:
                self.error(first, name, exc.message)
                ok = False
        if fields.get("address") == "" or (household is None and "address" not in self.columns):
            self.error(first, "address", _("Enter the address."))
            ok = False

        ref = ""
        if "external_ref" in self.columns:
            try:
                ref = xlsx.parse_code(cells.get("external_ref"))
            except CellError as exc:  # a digit of another script
                self.error(first, "external_ref", exc.message)
                ok = False
        if len(ref) > 64 or len(group.key) > 64:
            self.error(
                first, "external_ref" if len(ref) > 64 else "code", _("At most 64 characters.")
            )
            ok = False
        elif household is None:
            fields["external_ref"] = ref or group.key
        elif "external_ref" in self.columns:
            matched_by_code = household.code == group.key
            fields["external_ref"] = ref or ("" if matched_by_code else household.external_ref)

        for name in ("gap_class", "housing"):
            if name in self.columns:
                try:
                    fields[name] = _choice(cells.get(name), name)
                except CellError as exc:
                    self.error(first, name, exc.message)
                    ok = False
        for name, digits in (("income_per_capita", 10), ("rigid_expenditure", 12)):
            if name in self.columns:
                try:
                    fields[name] = xlsx.parse_decimal(cells.get(name), max_digits=digits)
                except CellError as exc:
                    self.error(first, name, exc.message)
                    ok = False
        return fields if ok else None

    # member columns

    def member_values(self, row: SheetRow) -> _ParsedMember | None:
        cells = row.cells
        values: dict[str, Any] = {}
        ok = True

        def fail(column: str, message: str) -> None:
            nonlocal ok
            self.error(row, column, message)
            ok = False

        try:
            values["name"] = xlsx.parse_text(cells.get("name"), max_length=50)
            if not values["name"]:
                fail("name", _("Enter the name."))
        except CellError as exc:
            fail("name", exc.message)
        try:
            values["relation"] = _choice(cells.get("relation"), "relation")
            if not values["relation"]:
                fail("relation", _("Enter the relation to the head of household."))
        except CellError as exc:
            fail("relation", exc.message)

        parsed = None
        index_value = ""
        if "id_number" in self.columns:
            raw = cells.get("id_number")
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                fail("id_number", _("Type the ID number as text: Excel rounds long numbers."))
            else:
                number = idnumbers.normalize(xlsx.parse_text(raw))
                if number and _is_masked(number):
                    fail("id_number", _masked_error().message)
                elif number:
                    try:
                        parsed = idnumbers.parse(number, today=self.today)
                    except ValidationError as exc:
                        fail("id_number", join_sentences(exc.messages))
                    else:
                        index_value = crypto.blind_index(parsed.number, purpose="id_number")
                        values["id_number"] = parsed.number
                        for warning in parsed.warnings:
                            self.report.warnings.append(
                                RowError(row.number, COLUMN_BY_KEY["id_number"].header, warning)
                            )

        for name in ("sex", "disability_type"):
            if name in self.columns:
                try:
                    values[name] = _choice(cells.get(name), name)
                except CellError as exc:
                    fail(name, exc.message)
        for name in ("statuses", "tags"):
            if name in self.columns:
                try:
                    values[name] = _choices(cells.get(name), name)
                except CellError as exc:
                    fail(name, exc.message)
        if "birth_date" in self.columns:
            try:
                values["birth_date"] = xlsx.parse_date(cells.get("birth_date"))
            except CellError as exc:
                fail("birth_date", exc.message)
        if parsed is not None:
            if values.get("birth_date") and values["birth_date"] != parsed.birth_date:
                fail("birth_date", _("The date of birth does not match the ID number."))
            if values.get("sex") and values["sex"] != parsed.sex:
                fail("sex", _("The sex does not match the ID number."))
        if "disability_grade" in self.columns:
            try:
                values["disability_grade"] = _grade(cells.get("disability_grade"))
            except CellError as exc:
                fail("disability_grade", exc.message)
        if "phone" in self.columns:
            phone = xlsx.digits_text(cells.get("phone"))
            none = phone in ("", "无", "-", "/")
            if phone and _is_masked(phone):
                fail("phone", _masked_error().message)
            elif not none and (problem := identifiers.phone_error(phone)):
                fail("phone", problem)  # a digit of another script
            elif not none and not 5 <= len(identifiers.normalize_phone(phone)) <= 20:
                fail("phone", _("This is not a phone number."))
            else:
                values["phone"] = "" if none else phone
        if "health_notes" in self.columns:
            try:
                notes = xlsx.parse_text(cells.get("health_notes"), max_length=2000)
            except CellError as exc:
                fail("health_notes", exc.message)
            else:
                if notes == crypto.mask_text("x"):
                    fail("health_notes", _masked_error().message)
                values["health_notes"] = notes
        if "school_or_work" in self.columns:
            try:
                values["school_or_work"] = xlsx.parse_text(
                    cells.get("school_or_work"), max_length=100
                )
            except CellError as exc:
                fail("school_or_work", exc.message)
        return _ParsedMember(row, values, parsed, index_value) if ok else None

    # the run

    def run(self) -> None:
        groups = self.groups()
        self.report.rows = len(self.sheet.rows)
        parsed_groups: list[tuple[_Group, dict[str, Any] | None, list[_ParsedMember]]] = []
        seen_ids: dict[str, tuple[str, int]] = {}
        for group in groups:
            fields = None if group.errors else self.household_fields(group)
            members: list[_ParsedMember] = []
            for row in group.rows:
                parsed = self.member_values(row)
                if parsed is None:
                    group.errors = True
                    continue
                members.append(parsed)
                if parsed.index_value:
                    other = seen_ids.get(parsed.index_value)
                    if other is not None and other[0] != group.key:
                        self.error(
                            row,
                            "id_number",
                            _("The same ID number is on row %(row)s, in another household.")
                            % {"row": other[1]},
                        )
                        group.errors = True
                    seen_ids.setdefault(parsed.index_value, (group.key, row.number))
            if fields is None:
                group.errors = True
            parsed_groups.append((group, fields, members))

        current = self._current_members([g.household for g, _f, _m in parsed_groups if g.household])
        for group, fields, members in parsed_groups:
            line = HouseholdLine(
                first_row=group.rows[0].number,
                last_row=group.rows[-1].number,
                key=group.key,
                head=next(
                    (
                        m.values.get("name", "")
                        for m in members
                        if m.values.get("relation") == "head"
                    ),
                    "",
                ),
                action="error",
                code=group.household.code if group.household else "",
            )
            self.report.lines.append(line)
            if group.errors or fields is None:
                continue
            inputs, positions = self._member_inputs(
                group, members, current.get(group.household.pk, []) if group.household else []
            )
            try:
                result = household_save(
                    user=self.user,
                    household=group.household,
                    fields=fields,
                    members=inputs,
                    today=self.today,
                )
            except LedgerInvalid as exc:
                self._report_invalid(group, exc, positions, inputs)
                continue
            self._count(line, result)

    def _current_members(self, households: list[Household]) -> dict[int, list[Member]]:
        found: dict[int, list[Member]] = defaultdict(list)
        ids = [h.pk for h in households]
        for chunk in xlsx.chunks(ids, 500):
            members = (
                selectors.current_members()
                .filter(household_id__in=chunk)
                .prefetch_related(
                    Prefetch(
                        "assistance",
                        queryset=AssistanceRecord.objects.filter(ended_on__isnull=True),
                        to_attr="current_assistance",
                    ),
                    "tags",
                )
                .order_by("household_id", "id")
            )
            for member in members:
                found[member.household_id].append(member)
        return found

    def _member_inputs(
        self, group: _Group, members: list[_ParsedMember], existing: list[Member]
    ) -> tuple[list[MemberInput], list[SheetRow | None]]:
        """MemberInputs for the rows, matched to existing members by ID number (or by name and
        birth date without one), followed by the members the sheet leaves out, unchanged."""
        by_index = {m.id_number_index: m for m in existing if m.id_number_index}
        unmatched = list(existing)
        inputs: list[MemberInput] = []
        positions: list[SheetRow | None] = []
        for parsed in members:
            member = by_index.get(parsed.index_value) if parsed.index_value else None
            if member is None:
                birth = (
                    parsed.parsed_id.birth_date
                    if parsed.parsed_id
                    else parsed.values.get("birth_date")
                )
                member = next(
                    (
                        m
                        for m in unmatched
                        if m.name == parsed.values.get("name")
                        and m.birth_date == birth
                        and (not m.id_number_index or not parsed.index_value)
                    ),
                    None,
                )
            if member is not None and member in unmatched:
                unmatched.remove(member)
                data = _input_from_member(member)
            else:
                data = MemberInput(name="", relation="")
            for name, value in parsed.values.items():
                setattr(data, name, value)
            inputs.append(data)
            positions.append(parsed.row)
        for member in unmatched:
            inputs.append(_input_from_member(member))
            positions.append(None)
        return inputs, positions

    def _report_invalid(
        self,
        group: _Group,
        exc: LedgerInvalid,
        positions: list[SheetRow | None],
        inputs: list[MemberInput],
    ) -> None:
        first = group.rows[0]
        # Service field names are our column keys, except the region (a code in the sheet).
        for name, messages in exc.household_errors.items():
            column = "region_code" if name == "region" else name
            column = column if column in COLUMN_BY_KEY else ""
            for message in messages:
                self.error(first, column, message, last_row=group.rows[-1].number)
        for position, errors in exc.member_errors.items():
            row = positions[position] if position < len(positions) else None
            for name, messages in errors.items():
                for message in messages:
                    if row is None:  # a member the sheet leaves out
                        self.error(
                            first,
                            "",
                            f"{inputs[position].name}: {message}",
                            last_row=group.rows[-1].number,
                        )
                    else:
                        self.error(row, name if name in COLUMN_BY_KEY else "name", message)

    def _count(self, line: HouseholdLine, result: SaveResult) -> None:
        report = self.report
        line.code = result.household.code if not result.created else ""
        line.members_created = result.members_created
        line.members_changed = result.members_changed
        report.members_created += result.members_created
        report.members_updated += result.members_changed
        if result.created:
            line.action = "created"
            report.households_created += 1
        elif result.changed or result.members_created or result.members_changed:
            line.action = "updated"
            report.households_updated += 1
        else:
            line.action = "unchanged"
            report.households_unchanged += 1


def _input_from_member(member: Member) -> MemberInput:
    return MemberInput(
        name=member.name,
        relation=member.relation,
        id_number=member.id_number,
        sex=member.sex,
        birth_date=member.birth_date,
        phone=member.phone,
        disability_type=member.disability_type,
        disability_grade=member.disability_grade,
        health_notes=member.health_notes,
        school_or_work=member.school_or_work,
        statuses=sorted({r.status for r in member.current_assistance}),
        tags=sorted({t.tag for t in member.tags.all()}),
        member_id=member.pk,
    )


def household_import(
    *,
    user: Any,
    data: bytes,
    filename: str = "",
    dry_run: bool,
    today: dt.date | None = None,
) -> ImportReport:
    """Import households and members from a summary table, all or nothing.

    Rows are grouped into households by 户编号 (our household number, else the number in the
    source system); members are recognised by ID number. A dry run (preview) does the same work
    and rolls it back. Raises ImportRefused when the file itself cannot be read, and
    PermissionDenied for a user who keeps no ledger.
    """
    if not can_import(user):
        raise PermissionDenied(_("Only the township's social workers can import households."))
    today = today or timezone.localdate()
    sheet = read_sheet(data, filename)
    report = ImportReport(dry_run=dry_run, errors=list(sheet.errors))
    # The duplicate check's access-log rows stay when a preview is rolled back: it answered.
    with id_lookups.log_kept_through_rollback(), transaction.atomic():
        _Importer(user=user, sheet=sheet, report=report, today=today).run()
        if dry_run or report.errors:
            transaction.set_rollback(True)
    report.errors.sort(key=lambda e: (e.row, _COLUMN_ORDER.get(e.column, -1)))
    return report
