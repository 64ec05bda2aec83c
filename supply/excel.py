"""Excel export and import of a tier's supply ledger (慈善帮扶资源供给信息台账).

One workbook, two sheets: 社会组织 (one row per organisation) and 帮扶项目 (one row per project,
linked to its organisation by the unified social credit code), plus 填写说明 with the allowed
values. The sheet names and column headers are fixed Chinese text: they are the file format that
export writes and import reads back.

Import is for civil affairs staff of a tier (the organisations registered with their own
department) and administrators. It is all-or-nothing: new organisations go through
``services.organization_register``, projects through ``services.project_save`` (new ones as
drafts), all inside one transaction that any row error rolls back; a preview does the same work
and rolls it back. Published listings are not changed here: they change through review.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import identifiers, xlsx
from accounts.models import Region, User
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, VulnerabilityTag
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

from . import selectors, services
from .models import TIER_OF_LEVEL, Organization, Project, ProjectCoverage, ProjectTerm

XLSX_CONTENT_TYPE = xlsx.XLSX_CONTENT_TYPE

#: Limits of an uploaded workbook (a province has a few thousand organisations and projects).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_ROWS = 5000  # per sheet
HEADER_SEARCH_ROWS = 10

ORG_SHEET = "社会组织"
PROJECT_SHEET = "帮扶项目"
INSTRUCTIONS_SHEET = "填写说明"
SHEET_ORDER = {ORG_SHEET: 0, PROJECT_SHEET: 1}
#: Rows whose first cell is this are the template's examples; import skips them.
EXAMPLE_MARKER = "示例"


# --- Columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    text: bool = False  # written as text so that Excel keeps leading zeros and long digits
    required: bool = False  # the column must be in the sheet
    imported: bool = True


ORG_COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", text=True, required=True),
    Column("name", "名称", required=True),
    Column("org_type", "类型", required=True),
    Column("region_code", "登记管理机关区划代码", text=True),
    # For reading only: the code's region by name.
    Column("region_name", "登记管理机关所在地", imported=False),
    Column("charity_status", "慈善组织身份"),
    Column("charity_status_on", "认定/登记日期"),
    Column("public_fundraising", "公开募捐资格"),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话", text=True),
    Column("address", "地址"),
)
#: The term columns are keyed by ProjectTerm.Kind, as the service reports their errors.
PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("number", "项目编号"),
    Column("credit_code", "统一社会信用代码", text=True, required=True),
    Column("title", "项目名称", required=True),
    Column("description", "项目简介", required=True),
    Column(ProjectTerm.Kind.AREA, "慈善领域", required=True),
    Column(ProjectTerm.Kind.FORM, "帮扶形式", required=True),
    Column(ProjectTerm.Kind.STATUS, "适用救助身份"),
    Column(ProjectTerm.Kind.TAG, "适用困境类别"),
    Column("age_min", "最低年龄"),
    Column("age_max", "最高年龄"),
    Column("conditions", "其他条件"),
    Column("capacity", "名额"),
    Column("value_per_beneficiary", "人均金额(元)"),
    Column("budget", "预算(元)"),
    Column("application_process", "申请流程", required=True),
    Column("required_documents", "所需材料"),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话", text=True),
    Column("starts_on", "开始日期", required=True),
    Column("ends_on", "结束日期"),
    # For reading only: the covered regions by name, beside their codes.
    Column("coverage_names", "覆盖区域", imported=False),
    Column("coverage", "覆盖区划代码", text=True, required=True),
    # For reading only: why a published listing cannot be changed here.
    Column("listing_status", "状态", imported=False),
)
COLUMNS = {ORG_SHEET: ORG_COLUMNS, PROJECT_SHEET: PROJECT_COLUMNS}
_COLUMN_BY_KEY = {sheet: {c.key: c for c in columns} for sheet, columns in COLUMNS.items()}
_COLUMN_ORDER = {
    sheet: {c.header: i for i, c in enumerate(columns)} for sheet, columns in COLUMNS.items()
}
#: Other spellings of headers met in workbooks typed by hand.
HEADER_ALIASES = {
    ORG_SHEET: {
        "统一信用代码": "credit_code",
        "社会信用代码": "credit_code",
        "组织名称": "name",
        "社会组织名称": "name",
        "登记管理机关代码": "region_code",
        "区划代码": "region_code",
        "电话": "contact_phone",
        "联系地址": "address",
    },
    PROJECT_SHEET: {
        "统一信用代码": "credit_code",
        "社会信用代码": "credit_code",
        "简介": "description",
        "人均金额": "value_per_beneficiary",
        "预算": "budget",
        "覆盖区域代码": "coverage",
        "电话": "contact_phone",
    },
}

#: Words of the notices and of other systems, accepted besides our labels and codes.
ORG_TYPE_WORDS = {
    "社团": Organization.Type.ASSOCIATION,
    "民办非企业单位": Organization.Type.SERVICE_INSTITUTION,
    "民非": Organization.Type.SERVICE_INSTITUTION,
    "红十字会": Organization.Type.RED_CROSS,
    "妇女联合会": Organization.Type.WOMENS_FEDERATION,
    "残疾人联合会": Organization.Type.DISABLED_PERSONS_FEDERATION,
    "共青团": Organization.Type.YOUTH_LEAGUE,
    "团委": Organization.Type.YOUTH_LEAGUE,
    "总工会": Organization.Type.TRADE_UNION,
    "慈善总会": Organization.Type.CHARITY_FEDERATION,
}
CHARITY_STATUS_WORDS = {
    "无": Organization.CharityStatus.NONE,
    "否": Organization.CharityStatus.NONE,
    "登记": Organization.CharityStatus.REGISTERED,
    "已登记": Organization.CharityStatus.REGISTERED,
    "认定": Organization.CharityStatus.RECOGNISED,
    "已认定": Organization.CharityStatus.RECOGNISED,
}
TERM_CHOICES: dict[str, tuple[type[models.TextChoices], dict[str, str]]] = {
    ProjectTerm.Kind.AREA: (
        CharityArea,
        {
            "扶贫": CharityArea.POVERTY_RELIEF,
            "救孤": CharityArea.CHILD_SUPPORT,
            "护幼": CharityArea.CHILD_SUPPORT,
            "救孤/护幼": CharityArea.CHILD_SUPPORT,
            "恤病": CharityArea.MEDICAL_AID,
            "助医": CharityArea.MEDICAL_AID,
            "恤病/助医": CharityArea.MEDICAL_AID,
        },
    ),
    ProjectTerm.Kind.FORM: (
        AidForm,
        {
            "现金": AidForm.CASH,
            "实物": AidForm.IN_KIND,
            "生活照料": AidForm.DAILY_LIVING,
            "关爱探访": AidForm.CARING_VISIT,
            "心理支持": AidForm.CARING_VISIT,
            "就业": AidForm.EMPLOYMENT,
            "适老化改造": AidForm.HOME_MODIFICATION,
            "无障碍改造": AidForm.HOME_MODIFICATION,
        },
    ),
    ProjectTerm.Kind.STATUS: (
        AssistanceStatus,
        {
            "低保": AssistanceStatus.DIBAO,
            "特困": AssistanceStatus.TEKUN,
            "低保边缘": AssistanceStatus.DIBAO_MARGINAL,
            "刚性支出困难": AssistanceStatus.RIGID_EXPENDITURE_HARDSHIP,
            "临时救助": AssistanceStatus.TEMPORARY_ASSISTANCE,
        },
    ),
    ProjectTerm.Kind.TAG: (VulnerabilityTag, {}),
}
#: Org fields an import may set (the credit code identifies, the region is where it belongs).
ORG_FIELDS = (
    "name",
    "org_type",
    "charity_status",
    "charity_status_on",
    "public_fundraising",
    "contact_name",
    "contact_phone",
    "address",
)
_TEXT_LIMITS = {
    "name": 200,
    "contact_name": 50,
    "contact_phone": 30,
    "address": 200,
    "title": 200,
    "description": 5000,
    "conditions": 2000,
    "application_process": 5000,
    "required_documents": 2000,
}
_REGION_CODE = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}")


def _already_registered() -> str:
    # The service's own words: nothing about where or by whom it is registered.
    return _("An organisation with this code is already registered.")


def _not_your_tier() -> str:
    return _(
        "Only civil affairs of the registering department can change this organisation or its "
        "projects."
    )


# --- Permissions -----------------------------------------------------------------------------


def can_import(user: Any) -> bool:
    """Civil affairs staff of a province, city or county (who keep that tier's ledger) and
    administrators; each row is then checked against the registering department."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_administrator:
        return True
    return (
        user.role == User.Role.CIVIL_AFFAIRS
        and user.region_id is not None
        and user.region.level in TIER_OF_LEVEL
    )


# --- Writing workbooks -----------------------------------------------------------------------


def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return xlsx.labels(choices)


def _joined(values: Iterable[str], choices: type[models.TextChoices]) -> str:
    """Labels joined by 、 in the vocabulary's order (so that the cell does not depend on the
    order the rows were stored in)."""
    labels = _labels(choices)
    order = list(choices.values)
    return LIST_SEPARATOR.join(labels[v] for v in sorted(set(values), key=order.index))


def organization_row(organization: Organization) -> dict[str, Any]:
    status_labels = _labels(Organization.CharityStatus)
    return {
        "credit_code": organization.credit_code,
        "name": organization.name,
        "org_type": _labels(Organization.Type).get(organization.org_type, organization.org_type),
        "region_code": organization.registering_region_id,
        "region_name": organization.registering_region.name,
        "charity_status": status_labels.get(organization.charity_status, "")
        if organization.charity_status
        else "",
        "charity_status_on": organization.charity_status_on,
        "public_fundraising": YES if organization.public_fundraising else NO,
        "contact_name": organization.contact_name,
        "contact_phone": organization.contact_phone,
        "address": organization.address,
    }


def project_row(project: Project) -> dict[str, Any]:
    coverage = sorted(project.coverage.all(), key=lambda c: c.region_id)
    terms: dict[str, list[str]] = {kind: [] for kind in TERM_CHOICES}
    for term in project.terms.all():
        terms.setdefault(term.kind, []).append(term.value)
    row: dict[str, Any] = {
        "number": project.pk,
        "credit_code": project.organization.credit_code,
        "listing_status": project.get_status_display(),
        "coverage": LIST_SEPARATOR.join(c.region_id for c in coverage),
        "coverage_names": LIST_SEPARATOR.join(c.region.name for c in coverage),
    }
    for kind, (choices, _words) in TERM_CHOICES.items():
        row[kind] = _joined(terms[kind], choices)
    for name in services.PROJECT_FIELDS:
        row[name] = getattr(project, name)
    if row.get("capacity") is None:
        row["capacity"] = xlsx.UNLIMITED
    return row


def _sheet(wb: Workbook, name: str, title: str, rows: Iterable[dict[str, Any]]) -> None:
    columns = COLUMNS[name]
    table = xlsx.TableSheet(
        wb,
        name,
        [c.header for c in columns],
        heading=title,
        text_columns=[index for index, c in enumerate(columns) if c.text],
    )
    for row in rows:
        table.append([row.get(c.key) for c in columns])
    table.close()


def _column_help() -> dict[tuple[str, str], str]:
    """What each column means (the 填写说明 sheet)."""
    return {
        (ORG_SHEET, "credit_code"): _(
            "18 characters (e.g. 91440300708461136T). It identifies the organisation: a code "
            "already registered updates that organisation, if it is registered with your "
            "department. A code failing the check character is kept with a warning."
        ),
        (ORG_SHEET, "name"): _("The registered name."),
        (ORG_SHEET, "org_type"): _("One of the allowed values."),
        (ORG_SHEET, "region_code"): _(
            "The division code of the civil affairs department it is registered with (a province, "
            "city or county). Empty: your own department. Administrators must fill it in."
        ),
        (ORG_SHEET, "charity_status"): _("Empty if it is not a charitable organisation."),
        (ORG_SHEET, "charity_status_on"): _(
            "YYYY-MM-DD, the date of registration or recognition; needs a charitable status."
        ),
        (ORG_SHEET, "public_fundraising"): _("是 or 否; empty means 否."),
        (ORG_SHEET, "contact_name"): _("Free text, up to 50 characters."),
        (ORG_SHEET, "contact_phone"): _("Type it as text."),
        (ORG_SHEET, "address"): _("Free text, up to 200 characters."),
        (PROJECT_SHEET, "number"): _(
            "Our project number, to update a draft; empty for a new project, which is saved as "
            "a draft. Published listings are changed through review, not here."
        ),
        (PROJECT_SHEET, "credit_code"): _(
            "The credit code of the project's organisation: in the 社会组织 sheet or already in "
            "your ledger."
        ),
        (PROJECT_SHEET, "title"): _("One title per project of the same organisation."),
        (PROJECT_SHEET, "description"): _("What the project gives, to whom."),
        (PROJECT_SHEET, ProjectTerm.Kind.AREA): _("At least one; several separated by 、"),
        (PROJECT_SHEET, ProjectTerm.Kind.FORM): _("At least one; several separated by 、"),
        (PROJECT_SHEET, ProjectTerm.Kind.STATUS): _(
            "Assistance statuses the project serves, several separated by 、; empty: any."
        ),
        (PROJECT_SHEET, ProjectTerm.Kind.TAG): _(
            "Vulnerabilities the project serves, several separated by 、; empty: any."
        ),
        (PROJECT_SHEET, "age_min"): _("Whole years; empty: no limit."),
        (PROJECT_SHEET, "age_max"): _("Whole years; empty: no limit."),
        (PROJECT_SHEET, "conditions"): _("Free text."),
        (PROJECT_SHEET, "capacity"): _("Number of beneficiaries; 不限 or empty: no fixed number."),
        (PROJECT_SHEET, "value_per_beneficiary"): _("Yuan, a number."),
        (PROJECT_SHEET, "budget"): _("Yuan, a number."),
        (PROJECT_SHEET, "application_process"): _("How a person applies."),
        (PROJECT_SHEET, "required_documents"): _("Free text."),
        (PROJECT_SHEET, "contact_name"): _("Free text, up to 50 characters."),
        (PROJECT_SHEET, "contact_phone"): _("Type it as text."),
        (PROJECT_SHEET, "starts_on"): _("YYYY-MM-DD."),
        (PROJECT_SHEET, "ends_on"): _("YYYY-MM-DD, not before the start; empty: open-ended."),
        (PROJECT_SHEET, "coverage"): _(
            "Division codes of the regions covered (12 digits, or 2, 4, 6 or 9 for a whole "
            "province, city, county or township), several separated by 、"
        ),
        (PROJECT_SHEET, "listing_status"): _("For reading only; import ignores it."),
        (ORG_SHEET, "region_name"): _("For reading only; import uses the code."),
        (PROJECT_SHEET, "coverage_names"): _("For reading only; import uses the codes."),
    }


def _allowed_values(sheet: str, column: Column) -> str:
    if sheet == ORG_SHEET and column.key == "org_type":
        return LIST_SEPARATOR.join(str(label) for label in Organization.Type.labels)
    if sheet == ORG_SHEET and column.key == "charity_status":
        return LIST_SEPARATOR.join(
            str(label) for value, label in Organization.CharityStatus.choices if value
        )
    if sheet == ORG_SHEET and column.key == "public_fundraising":
        return LIST_SEPARATOR.join((YES, NO))
    if sheet == PROJECT_SHEET and column.key in TERM_CHOICES:
        return LIST_SEPARATOR.join(str(label) for label in TERM_CHOICES[column.key][0].labels)
    return ""


def _instructions(wb: Workbook) -> None:
    ws = xlsx.new_sheet(
        wb, INSTRUCTIONS_SHEET, [(12, False), (20, False), (8, False), (60, False), (60, False)]
    )
    ws.append([xlsx.cell(ws, _("How to fill in the supply ledger"), bold=True)])
    ws.append(
        [
            xlsx.cell(
                ws,
                _(
                    "One row per organisation in 社会组织 and one row per project in 帮扶项目; a "
                    "project names its organisation by the credit code. Rows whose first cell is "
                    "%(example)s are examples and are skipped. Nothing is imported while any row "
                    "has an error. At most %(rows)s rows per sheet."
                )
                % {"example": EXAMPLE_MARKER, "rows": MAX_ROWS},
            )
        ]
    )
    ws.append(
        [
            xlsx.cell(ws, text, bold=True)
            for text in (
                _("Sheet"),
                _("Column"),
                _("Required"),
                _("Explanation"),
                _("Allowed values"),
            )
        ]
    )
    explanations = _column_help()
    for sheet, columns in COLUMNS.items():
        for column in columns:
            ws.append(
                [
                    xlsx.cell(ws, sheet),
                    xlsx.cell(ws, column.header),
                    xlsx.cell(ws, YES if column.required else ""),
                    xlsx.cell(ws, explanations[(sheet, column.key)]),
                    xlsx.cell(ws, _allowed_values(sheet, column) or None),
                ]
            )


def place_name(user: Any) -> str:
    region = getattr(user, "region", None)
    return region.name if region is not None and not user.is_administrator else "全部"


def organizations_for_export(user: Any) -> models.QuerySet[Organization]:
    return selectors.organization_list_for_user(user).order_by("name", "credit_code")


def projects_for_export(user: Any) -> models.QuerySet[Project]:
    """The listings of the organisations the user sees (not every published listing)."""
    return (
        selectors.project_list_for_user(user)
        .filter(organization__in=Organization.objects.visible_to(user))
        .order_by("organization__name", "organization__credit_code", "title", "pk")
    )


def ledger_workbook(*, user: Any, today: dt.date | None = None) -> bytes:
    """The organisations and projects of the user's ledger in the import layout."""
    today = today or timezone.localdate()
    place = place_name(user)
    wb = Workbook(write_only=True)
    _sheet(
        wb,
        ORG_SHEET,
        f"{place} 慈善帮扶资源供给信息台账 社会组织 导出日期 {today:%Y-%m-%d}",
        (organization_row(o) for o in organizations_for_export(user).iterator(chunk_size=500)),
    )
    _sheet(
        wb,
        PROJECT_SHEET,
        f"{place} 慈善帮扶资源供给信息台账 帮扶项目 导出日期 {today:%Y-%m-%d}",
        (project_row(p) for p in projects_for_export(user).iterator(chunk_size=500)),
    )
    _instructions(wb)
    return xlsx.save(wb, today)


def import_template(*, user: Any, today: dt.date | None = None) -> bytes:
    """The two sheets with one example row each, and the 填写说明 sheet."""
    today = today or timezone.localdate()
    home = getattr(user, "region", None)
    if home is not None and home.level in TIER_OF_LEVEL:
        region_code, region_name = home.code, home.name
    else:
        region_code, region_name = "441881000000", "英德市"
    wb = Workbook(write_only=True)
    _sheet(
        wb,
        ORG_SHEET,
        "慈善帮扶资源供给信息台账 社会组织",
        [
            {
                "credit_code": EXAMPLE_MARKER,
                "name": "英德市助学促进会",
                "org_type": str(Organization.Type.ASSOCIATION.label),
                "region_code": region_code,
                "region_name": region_name,
                "charity_status": str(Organization.CharityStatus.REGISTERED.label),
                "charity_status_on": dt.date(2020, 5, 1),
                "public_fundraising": NO,
                "contact_name": "张三",
                "contact_phone": "0763-2222222",
                "address": "英德市英城街道和平中路 1 号",
            }
        ],
    )
    _sheet(
        wb,
        PROJECT_SHEET,
        "慈善帮扶资源供给信息台账 帮扶项目",
        [
            {
                "number": EXAMPLE_MARKER,
                "credit_code": EXAMPLE_MARKER,
                "title": "困境儿童助学金",
                "description": "为困境儿童提供每学期 1000 元助学金",
                ProjectTerm.Kind.AREA: str(CharityArea.EDUCATION_AID.label),
                ProjectTerm.Kind.FORM: str(AidForm.CASH.label),
                ProjectTerm.Kind.STATUS: LIST_SEPARATOR.join(
                    (str(AssistanceStatus.DIBAO.label), str(AssistanceStatus.TEKUN.label))
                ),
                ProjectTerm.Kind.TAG: str(VulnerabilityTag.CHILD_IN_DIFFICULTY.label),
                "age_min": 6,
                "age_max": 18,
                "capacity": 50,
                "value_per_beneficiary": Decimal("1000.00"),
                "budget": Decimal("50000.00"),
                "application_process": "社工协助提交申请表",
                "required_documents": "身份证、低保证",
                "starts_on": dt.date(today.year, 1, 1),
                "coverage": region_code,
                "coverage_names": region_name,
            }
        ],
    )
    _instructions(wb)
    return xlsx.save(wb, today)


# --- Reading an uploaded workbook ------------------------------------------------------------


@dataclass
class LedgerBook:
    organizations: Sheet | None
    projects: Sheet | None


def _known_headers(sheet: str) -> dict[str, str]:
    known = {xlsx.key(c.header): c.key for c in COLUMNS[sheet] if c.imported}
    known.update({xlsx.key(k): v for k, v in HEADER_ALIASES[sheet].items()})
    return known


def _read_sheet(ws: Any, sheet: str) -> Sheet:
    identifying = ("credit_code", "name") if sheet == ORG_SHEET else ("credit_code", "title")
    found = xlsx.find_header(ws, _known_headers(sheet), identifying, search_rows=HEADER_SEARCH_ROWS)
    if found is None:
        raise ImportRefused(
            _(
                "No header row found in the sheet %(sheet)s: the first rows must contain the "
                "column headers of the template. Download the template and copy your data into it."
            )
            % {"sheet": sheet}
        )
    header_row, mapping = found
    missing = [c.header for c in COLUMNS[sheet] if c.required and c.key not in mapping.values()]
    if missing:
        raise xlsx.missing_columns(missing)
    first = COLUMNS[sheet][0].key

    def is_example(cells: dict[str, Any]) -> bool:
        return xlsx.display(cells.get(first)).strip() == EXAMPLE_MARKER

    labels = {c.key: c.header for c in COLUMNS[sheet]}
    return xlsx.read_rows(
        ws, header_row, mapping, max_rows=MAX_ROWS, labels=labels, skip=is_example
    )


def read_ledger(data: bytes, filename: str = "") -> LedgerBook:
    """The two sheets of an uploaded workbook; raises ImportRefused for a bad file."""
    with xlsx.open_workbook(
        data, filename, max_bytes=MAX_UPLOAD_BYTES, max_unpacked_bytes=MAX_UNCOMPRESSED_BYTES
    ) as wb:
        if ORG_SHEET not in wb.sheetnames and PROJECT_SHEET not in wb.sheetnames:
            raise ImportRefused(
                _(
                    "The workbook has neither a 社会组织 nor a 帮扶项目 sheet. Download the "
                    "template and copy your data into it."
                )
            )
        book = LedgerBook(
            organizations=_read_sheet(wb[ORG_SHEET], ORG_SHEET)
            if ORG_SHEET in wb.sheetnames
            else None,
            projects=_read_sheet(wb[PROJECT_SHEET], PROJECT_SHEET)
            if PROJECT_SHEET in wb.sheetnames
            else None,
        )
    if not any(
        sheet is not None and (sheet.rows or sheet.errors)
        for sheet in (book.organizations, book.projects)
    ):
        raise ImportRefused(_("The sheet has no rows to import."))
    return book


# --- Import report ---------------------------------------------------------------------------


@dataclass
class LedgerLine:
    sheet: str
    row: int
    key: str  # credit code or project number
    name: str
    action: str = "error"  # created | updated | unchanged | error


@dataclass
class LedgerImportReport:
    dry_run: bool
    organization_rows: int = 0
    project_rows: int = 0
    organizations_created: int = 0
    organizations_updated: int = 0
    organizations_unchanged: int = 0
    projects_created: int = 0
    projects_updated: int = 0
    projects_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    lines: list[LedgerLine] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def changed_lines(self) -> list[LedgerLine]:
        return [line for line in self.lines if line.action in ("created", "updated")]

    def count(self, sheet: str, action: str) -> None:
        prefix = "organizations" if sheet == ORG_SHEET else "projects"
        name = f"{prefix}_{action}"
        setattr(self, name, getattr(self, name) + 1)


# --- Import ----------------------------------------------------------------------------------


@dataclass
class _OrgRow:
    row: SheetRow
    code: str
    values: dict[str, Any]
    region: Region | None
    ok: bool


@dataclass
class _ProjectRow:
    row: SheetRow
    number: int | None
    code: str
    fields: dict[str, Any]
    terms: dict[str, list[str]]
    coverage: list[Region]
    ok: bool


@dataclass
class _ProjectWrite:
    """A listing checked by the services' rules, to be written with the others of its sheet."""

    project: Project
    terms: dict[str, list[str]]
    coverage: list[Region]
    line: LedgerLine


def _messages_by_field(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"": list(exc.messages)}


def _comparable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class _Importer:
    def __init__(self, *, user: Any, book: LedgerBook, report: LedgerImportReport, today: dt.date):
        self.user = user
        self.book = book
        self.report = report
        self.today = today
        #: Credit code -> organisation for the project rows: those of the 社会组织 sheet (None
        #: when its row has errors) and those of the ledger that the user sees.
        self.organizations: dict[str, Organization | None] = {}
        self._regions: dict[str, Region | None] = {}
        # Rows checked and ready, written together at the end of their sheet (bulk writes: the
        # queries of an import do not grow with its rows).
        self._new_organizations: list[tuple[str, Organization]] = []
        self._changed_organizations: list[Organization] = []
        self._new_projects: list[_ProjectWrite] = []
        self._changed_projects: list[_ProjectWrite] = []

    # reporting

    def _entry(self, sheet: str, row: SheetRow, column: str, message: str) -> RowError:
        header = _COLUMN_BY_KEY[sheet][column].header if column in _COLUMN_BY_KEY[sheet] else ""
        value = xlsx.display(row.cells.get(column)) if column else ""
        return RowError(row.number, header, message, value, sheet=sheet)

    def error(self, sheet: str, row: SheetRow, column: str, message: str) -> None:
        self.report.errors.append(self._entry(sheet, row, column, message))

    def warn(self, sheet: str, row: SheetRow, column: str, message: str) -> None:
        self.report.warnings.append(self._entry(sheet, row, column, message))

    # cells shared by both sheets

    def _credit_code(self, sheet: str, row: SheetRow) -> tuple[str, list[str]]:
        """The normalised code and its warnings; '' after reporting an error."""
        raw = row.cells.get("credit_code")
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            self.error(
                sheet, row, "credit_code", _("Type the code as text: Excel rounds long numbers.")
            )
            return "", []
        code = services.normalize_credit_code(xlsx.display(raw))
        if not code:
            self.error(sheet, row, "credit_code", _("Enter the unified social credit code."))
            return "", []
        errors, warnings = services.check_credit_code(code)
        for message in errors:
            self.error(sheet, row, "credit_code", message)
        return ("", []) if errors else (code, warnings)

    def _texts(self, sheet: str, row: SheetRow, names: Iterable[str], into: dict[str, Any]) -> bool:
        ok = True
        for name in names:
            if name not in self.columns(sheet):
                continue
            try:
                if name == "contact_phone":
                    value = xlsx.parse_code(row.cells.get(name))
                    if len(value) > _TEXT_LIMITS[name]:
                        raise CellError(_("At most %(n)s characters.") % {"n": _TEXT_LIMITS[name]})
                    into[name] = value
                else:
                    into[name] = xlsx.parse_text(row.cells.get(name), max_length=_TEXT_LIMITS[name])
            except CellError as exc:
                self.error(sheet, row, name, exc.message)
                ok = False
        return ok

    def columns(self, sheet: str) -> set[str]:
        book_sheet = self.book.organizations if sheet == ORG_SHEET else self.book.projects
        return book_sheet.columns if book_sheet is not None else set()

    def region(self, code: str) -> Region | None:
        if code not in self._regions:
            self._regions[code] = Region.objects.filter(code=code).first()
        return self._regions[code]

    def _load_regions(self, codes: Iterable[str]) -> None:
        wanted = sorted(set(codes) - set(self._regions))
        for chunk in xlsx.chunks(wanted, 500):
            found = {r.code: r for r in Region.objects.filter(code__in=chunk)}
            for code in chunk:
                self._regions[code] = found.get(code)

    def run(self) -> None:
        if self.book.organizations is not None:
            self.import_organizations(self.book.organizations.rows)
        if self.book.projects is not None:
            self.import_projects(self.book.projects.rows)

    # organisations

    def parse_organization(self, row: SheetRow) -> _OrgRow:
        code, warnings = self._credit_code(ORG_SHEET, row)
        for message in warnings:
            self.warn(ORG_SHEET, row, "credit_code", message)
        ok = bool(code)
        values: dict[str, Any] = {}
        ok &= self._texts(
            ORG_SHEET, row, ("name", "contact_name", "contact_phone", "address"), values
        )
        if "name" in values and not values["name"]:
            self.error(ORG_SHEET, row, "name", _("Enter the name."))
            ok = False
        columns = self.columns(ORG_SHEET)
        for name, choices, words in (
            ("org_type", Organization.Type, ORG_TYPE_WORDS),
            ("charity_status", Organization.CharityStatus, CHARITY_STATUS_WORDS),
        ):
            if name in columns:
                try:
                    values[name] = xlsx.parse_choice(row.cells.get(name), choices, words)
                except CellError as exc:
                    self.error(ORG_SHEET, row, name, exc.message)
                    ok = False
        if values.get("org_type") == "":
            self.error(ORG_SHEET, row, "org_type", _("Choose the type of organisation."))
            ok = False
        if "charity_status_on" in columns:
            try:
                values["charity_status_on"] = xlsx.parse_date(row.cells.get("charity_status_on"))
            except CellError as exc:
                self.error(ORG_SHEET, row, "charity_status_on", exc.message)
                ok = False
        if "public_fundraising" in columns:
            try:
                values["public_fundraising"] = bool(
                    xlsx.parse_yes_no(row.cells.get("public_fundraising"))
                )
            except CellError as exc:
                self.error(ORG_SHEET, row, "public_fundraising", exc.message)
                ok = False
        region = None
        if "region_code" in columns:
            region, region_ok = self._registering_region(row)
            ok &= region_ok
        return _OrgRow(row, code, values, region, ok)

    def _registering_region(self, row: SheetRow) -> tuple[Region | None, bool]:
        try:
            text = xlsx.parse_code(row.cells.get("region_code"))
        except CellError as exc:  # a digit of another script
            self.error(ORG_SHEET, row, "region_code", exc.message)
            return None, False
        if not text:
            return None, True
        if not _REGION_CODE.fullmatch(text):
            self.error(
                ORG_SHEET,
                row,
                "region_code",
                _("Enter the division code (6 or 12 digits) of a province, city or county."),
            )
            return None, False
        region = self.region(text.ljust(12, "0"))
        if region is None or region.level not in TIER_OF_LEVEL:
            self.error(
                ORG_SHEET, row, "region_code", _("No province, city or county has this code.")
            )
            return None, False
        return region, True

    def import_organizations(self, rows: list[SheetRow]) -> None:
        self.report.organization_rows = len(rows)
        codes_named = []
        for row in rows:
            try:
                text = xlsx.parse_code(row.cells.get("region_code"))
            except CellError:
                continue  # reported when the row is read
            if _REGION_CODE.fullmatch(text):
                codes_named.append(text.ljust(12, "0"))
        self._load_regions(codes_named)
        parsed: list[_OrgRow] = []
        first_row: dict[str, int] = {}
        for row in rows:
            org_row = self.parse_organization(row)
            if org_row.code in first_row:
                self.error(
                    ORG_SHEET,
                    row,
                    "credit_code",
                    _("The same credit code is on row %(row)s.") % {"row": first_row[org_row.code]},
                )
                org_row.ok = False
                org_row.code = ""  # the first row stands for the organisation
            elif org_row.code:
                first_row[org_row.code] = row.number
            parsed.append(org_row)

        codes = sorted(first_row)
        existing: dict[str, Organization] = {}
        for chunk in xlsx.chunks(codes, 500):
            existing.update(
                {
                    o.credit_code: o
                    for o in Organization.objects.filter(credit_code__in=chunk).select_related(
                        "registering_region"
                    )
                }
            )
        visible = set(
            Organization.objects.visible_to(self.user)
            .filter(pk__in=[o.pk for o in existing.values()])
            .values_list("pk", flat=True)
        )
        for org_row in parsed:
            line = LedgerLine(
                ORG_SHEET, org_row.row.number, org_row.code, org_row.values.get("name", "")
            )
            self.report.lines.append(line)
            if org_row.code:
                self.organizations[org_row.code] = None  # until it is saved
            if not org_row.ok:
                continue
            organization = existing.get(org_row.code)
            if organization is None:
                self._create_organization(org_row, line)
            elif organization.pk not in visible:
                self.error(ORG_SHEET, org_row.row, "credit_code", _already_registered())
            else:
                self._update_organization(org_row, organization, line)
        self._write_organizations()

    def _write_organizations(self) -> None:
        """The sheet's new organisations in one insert, the changed ones in one update (per
        500). Nothing is written when a row has errors: the import is all or nothing."""
        if self.report.errors:
            return
        created = Organization.objects.bulk_create(
            [organization for _code, organization in self._new_organizations], batch_size=500
        )
        for (code, _organization), organization in zip(
            self._new_organizations, created, strict=True
        ):
            self.organizations[code] = organization
        if self._changed_organizations:
            now = timezone.now()
            for organization in self._changed_organizations:
                organization.updated_at = now
            Organization.objects.bulk_update(
                self._changed_organizations, [*ORG_FIELDS, "updated_at"], batch_size=500
            )

    def _create_organization(self, org_row: _OrgRow, line: LedgerLine) -> None:
        row = org_row.row
        region = org_row.region
        if region is None and not self.user.is_administrator:
            region = self.user.region
        if region is None:
            self.error(
                ORG_SHEET,
                row,
                "region_code",
                _("Enter the division code of the registering civil affairs department."),
            )
            return
        if not self.user.is_administrator and region.pk != self.user.region_id:
            self.error(
                ORG_SHEET,
                row,
                "region_code",
                _("You can only import organisations registered with your own department."),
            )
            return
        values = org_row.values
        # The rules of ``services.organization_register``, checked here so that the sheet's
        # organisations are written in one insert (the code's format and that it is not
        # registered yet are known already: ``parse_organization``, ``existing``).
        errors: dict[str, list[str]] = {}
        name = (values.get("name") or "").strip()
        org_type = values.get("org_type", "")
        if not name:
            errors["name"] = [_("Enter the name.")]
        if org_type not in Organization.Type.values:
            errors["org_type"] = [_("Choose the type of organisation.")]
        if region.level not in TIER_OF_LEVEL:
            errors["region_code"] = [
                _("Organisations are registered with a province, city or county.")
            ]
        elif not (
            self.user.is_administrator
            or (self.user.role == User.Role.CIVIL_AFFAIRS and self.user.region_id == region.pk)
        ):
            self.error(
                ORG_SHEET,
                row,
                "region_code",
                _("Only civil affairs of the registering department can register it."),
            )
            return
        errors.update(
            services.charity_status_errors(
                values.get("charity_status", ""),
                values.get("charity_status_on"),
                values.get("public_fundraising", False),
            )
        )
        if errors:
            for column, messages in errors.items():
                for message in messages:
                    self.error(
                        ORG_SHEET,
                        row,
                        column if column in _COLUMN_BY_KEY[ORG_SHEET] else "",
                        message,
                    )
            return
        _errors, warnings = services.check_credit_code(org_row.code)
        organization = Organization(
            name=name,
            credit_code=org_row.code,
            credit_code_valid=not warnings,
            org_type=org_type,
            registering_region=region,
            charity_status=values.get("charity_status", ""),
            charity_status_on=values.get("charity_status_on"),
            public_fundraising=values.get("public_fundraising", False),
            contact_name=(values.get("contact_name") or "").strip(),
            contact_phone=(values.get("contact_phone") or "").strip(),
            address=(values.get("address") or "").strip(),
        )
        self._new_organizations.append((org_row.code, organization))
        line.action = "created"
        self.report.count(ORG_SHEET, "created")
        self.organizations[org_row.code] = organization

    def _update_organization(
        self, org_row: _OrgRow, organization: Organization, line: LedgerLine
    ) -> None:
        """An organisation already in the ledger: unchanged, or updated by its own tier."""
        row = org_row.row
        if org_row.region is not None and org_row.region.code != organization.registering_region_id:
            self.error(
                ORG_SHEET,
                row,
                "region_code",
                _(
                    "The registering department of a registered organisation is not changed by "
                    "import."
                ),
            )
            return
        changes = {
            name: value
            for name, value in org_row.values.items()
            if name in ORG_FIELDS and getattr(organization, name) != value
        }
        if not changes:
            line.action = "unchanged"
            self.report.count(ORG_SHEET, "unchanged")
            self.organizations[org_row.code] = organization
            return
        if not services.keeps_tier(self.user, organization):
            self.error(ORG_SHEET, row, "credit_code", _not_your_tier())
            return
        errors = services.charity_status_errors(
            changes.get("charity_status", organization.charity_status) or "",
            changes.get("charity_status_on", organization.charity_status_on),
            changes.get("public_fundraising", organization.public_fundraising),
        )
        for column, messages in errors.items():
            self.error(ORG_SHEET, row, column, messages[0])
        if errors:
            return
        for name, value in changes.items():
            setattr(organization, name, value)
        self._changed_organizations.append(organization)
        line.action = "updated"
        self.report.count(ORG_SHEET, "updated")
        self.organizations[org_row.code] = organization

    # projects

    def parse_project(self, row: SheetRow) -> _ProjectRow:
        columns = self.columns(PROJECT_SHEET)
        ok = True
        number = None
        if "number" in columns:
            try:
                number = xlsx.parse_integer(row.cells.get("number"), minimum=1, maximum=2**31 - 1)
            except CellError:
                self.error(
                    PROJECT_SHEET,
                    row,
                    "number",
                    _("Enter our project number, or leave it empty for a new project."),
                )
                ok = False
        code, _warnings = self._credit_code(PROJECT_SHEET, row)
        ok &= bool(code)
        fields: dict[str, Any] = {}
        ok &= self._texts(
            PROJECT_SHEET,
            row,
            (
                "title",
                "description",
                "conditions",
                "application_process",
                "required_documents",
                "contact_name",
                "contact_phone",
            ),
            fields,
        )
        parsers: dict[str, Any] = {
            "age_min": lambda v: xlsx.parse_integer(v, minimum=0, maximum=150),
            "age_max": lambda v: xlsx.parse_integer(v, minimum=0, maximum=150),
            "capacity": lambda v: xlsx.parse_integer(
                v, minimum=0, maximum=1_000_000_000, unlimited=True
            ),
            "value_per_beneficiary": lambda v: xlsx.parse_decimal(v, max_digits=12),
            "budget": lambda v: xlsx.parse_decimal(v, max_digits=14),
            "starts_on": xlsx.parse_date,
            "ends_on": xlsx.parse_date,
        }
        for name, parse in parsers.items():
            if name in columns:
                try:
                    fields[name] = parse(row.cells.get(name))
                except CellError as exc:
                    self.error(PROJECT_SHEET, row, name, exc.message)
                    ok = False
        if "starts_on" in fields and fields["starts_on"] is None:
            self.error(PROJECT_SHEET, row, "starts_on", _("Enter the start date."))
            ok = False
        terms: dict[str, list[str]] = {}
        for kind, (choices, words) in TERM_CHOICES.items():
            if kind in columns:
                try:
                    terms[kind] = xlsx.parse_choices(row.cells.get(kind), choices, words)
                except CellError as exc:
                    self.error(PROJECT_SHEET, row, kind, exc.message)
                    ok = False
        coverage: list[Region] = []
        text = xlsx.digits_text(row.cells.get("coverage"))
        unknown = []
        if problem := identifiers.digits_error(text):  # a digit of another script
            self.error(PROJECT_SHEET, row, "coverage", problem)
            ok, text = False, ""
        for piece in xlsx.split_list(text):
            region = self.region(piece.ljust(12, "0")) if _REGION_CODE.fullmatch(piece) else None
            if region is None:
                unknown.append(piece)
            else:
                coverage.append(region)
        if unknown:
            self.error(
                PROJECT_SHEET,
                row,
                "coverage",
                _("No region has this code: %(codes)s.") % {"codes": LIST_SEPARATOR.join(unknown)},
            )
            ok = False
        return _ProjectRow(row, number, code, fields, terms, coverage, ok)

    def import_projects(self, rows: list[SheetRow]) -> None:
        self.report.project_rows = len(rows)
        self._load_regions(
            piece.ljust(12, "0")
            for row in rows
            for piece in xlsx.split_list(xlsx.digits_text(row.cells.get("coverage")))
            if _REGION_CODE.fullmatch(piece)
        )
        parsed = [self.parse_project(row) for row in rows]

        # Organisations of the ledger named by project rows but not in the 社会组织 sheet.
        wanted = sorted({p.code for p in parsed if p.code and p.code not in self.organizations})
        for chunk in xlsx.chunks(wanted, 500):
            for organization in (
                Organization.objects.visible_to(self.user)
                .filter(credit_code__in=chunk)
                .select_related("registering_region")
            ):
                self.organizations[organization.credit_code] = organization
        numbers = sorted({p.number for p in parsed if p.number})
        projects: dict[int, Project] = {}
        for chunk in xlsx.chunks(numbers, 500):
            projects.update(
                {
                    p.pk: p
                    for p in Project.objects.visible_to(self.user)
                    .filter(pk__in=chunk)
                    .select_for_update(of=("self",))  # as project_save locks each
                    .select_related("organization")
                    .prefetch_related("terms", "coverage")
                }
            )
        organization_ids = sorted({o.pk for o in self.organizations.values() if o is not None})
        titles: dict[tuple[int, str], int] = {}
        for chunk in xlsx.chunks(organization_ids, 500):
            for organization_id, title, pk in Project.objects.filter(
                organization_id__in=chunk
            ).values_list("organization_id", "title", "pk"):
                titles.setdefault((organization_id, xlsx.key(title)), pk)

        seen_numbers: dict[int, int] = {}
        seen_titles: dict[tuple[str, str], int] = {}
        for project_row in parsed:
            row = project_row.row
            title = project_row.fields.get("title", "")
            line = LedgerLine(PROJECT_SHEET, row.number, str(project_row.number or ""), title)
            self.report.lines.append(line)
            if project_row.number:
                if project_row.number in seen_numbers:
                    self.error(
                        PROJECT_SHEET,
                        row,
                        "number",
                        _("The same project number is on row %(row)s.")
                        % {"row": seen_numbers[project_row.number]},
                    )
                    project_row.ok = False
                seen_numbers.setdefault(project_row.number, row.number)
            if project_row.code and title:
                title_key = (project_row.code, xlsx.key(title))
                if title_key in seen_titles:
                    self.error(
                        PROJECT_SHEET,
                        row,
                        "title",
                        _("The same project title for this organisation is on row %(row)s.")
                        % {"row": seen_titles[title_key]},
                    )
                    project_row.ok = False
                seen_titles.setdefault(title_key, row.number)
            if project_row.code and project_row.code not in self.organizations:
                self.error(
                    PROJECT_SHEET,
                    row,
                    "credit_code",
                    _("No organisation with this code in your ledger or in the 社会组织 sheet."),
                )
                continue
            organization = self.organizations.get(project_row.code)
            if not project_row.ok or organization is None:
                continue  # its own errors, or its organisation's, are reported already
            self._save_project(project_row, organization, projects, titles, line)
        self._write_projects()

    def _write_projects(self) -> None:
        """The sheet's listings, checked row by row, written in a bounded number of queries:
        new ones in one insert, changed ones in one update, their terms and coverage
        replaced in one delete and one insert each (per 500 rows)."""
        if self.report.errors:
            return
        created = Project.objects.bulk_create(
            [w.project for w in self._new_projects], batch_size=500
        )
        for write, project in zip(self._new_projects, created, strict=True):
            write.project = project
            if not self.report.dry_run:  # a preview's new numbers are rolled back
                write.line.key = str(project.pk)
        if self._changed_projects:
            now = timezone.now()
            for write in self._changed_projects:
                write.project.updated_at = now
            Project.objects.bulk_update(
                [w.project for w in self._changed_projects],
                [*services.PROJECT_FIELDS, "updated_at"],
                batch_size=500,
            )
            for chunk in xlsx.chunks([w.project.pk for w in self._changed_projects], 500):
                ProjectTerm.objects.filter(project_id__in=chunk).delete()
                ProjectCoverage.objects.filter(project_id__in=chunk).delete()
        writes = self._new_projects + self._changed_projects
        ProjectTerm.objects.bulk_create(
            (
                ProjectTerm(project=w.project, kind=kind, value=value)
                for w in writes
                for kind in services.TERM_VOCABULARIES
                for value in sorted(set(w.terms.get(kind, [])))
            ),
            batch_size=1000,
        )
        ProjectCoverage.objects.bulk_create(
            (
                ProjectCoverage(project=w.project, region=region, prefix=region.prefix)
                for w in writes
                for region in {r.code: r for r in w.coverage}.values()
            ),
            batch_size=1000,
        )

    def _save_project(
        self,
        project_row: _ProjectRow,
        organization: Organization,
        projects: dict[int, Project],
        titles: dict[tuple[int, str], int],
        line: LedgerLine,
    ) -> None:
        row = project_row.row
        project = None
        if project_row.number:
            project = projects.get(project_row.number)
            if project is None:
                self.error(
                    PROJECT_SHEET, row, "number", _("No project with this number in your ledger.")
                )
                return
            if project.organization_id != organization.pk:
                self.error(
                    PROJECT_SHEET,
                    row,
                    "credit_code",
                    _("The project with this number belongs to another organisation."),
                )
                return
        other = titles.get((organization.pk, xlsx.key(project_row.fields.get("title", ""))))
        if other is not None and (project is None or other != project.pk):
            self.error(
                PROJECT_SHEET,
                row,
                "title",
                _(
                    "This organisation already has a project with this title (number "
                    "%(number)s): enter the number to change it."
                )
                % {"number": other},
            )
            return

        current = services.listing_values(project) if project is not None else {}
        terms = {kind: project_row.terms.get(kind, current.get(kind, [])) for kind in TERM_CHOICES}
        coverage = list({r.code: r for r in project_row.coverage}.values())
        if project is not None:
            proposed = {
                **current,
                **{k: _comparable(v) for k, v in project_row.fields.items()},
                **{k: sorted(set(v)) for k, v in terms.items()},
                "coverage": sorted(r.code for r in coverage),
            }
            if proposed == current:
                line.action = "unchanged"
                self.report.count(PROJECT_SHEET, "unchanged")
                return
        gone = [
            r.code
            for r in coverage
            if r.valid_to is not None
            and r.valid_to < self.today
            and r.code not in current.get("coverage", [])
        ]
        if gone:
            self.error(
                PROJECT_SHEET,
                row,
                "coverage",
                _("This region no longer exists: %(codes)s.")
                % {"codes": LIST_SEPARATOR.join(gone)},
            )
            return
        if not services.keeps_tier(self.user, organization):
            self.error(PROJECT_SHEET, row, "credit_code", _not_your_tier())
            return
        if project is not None and project.status in (
            Project.Status.PUBLISHED,
            Project.Status.PAUSED,
        ):
            self.error(
                PROJECT_SHEET,
                row,
                "number",
                _("Published listings change through review, not by import."),
            )
            return
        if project is not None and project.status != Project.Status.DRAFT:
            self.error(
                PROJECT_SHEET, row, "number", _("Only draft listings are changed by import.")
            )
            return
        # The rules of ``services.project_save`` (the user keeps the tier: checked above), on
        # the copy locked when the sheet's projects were read; written by ``_write_projects``.
        if project is not None and project.status not in (
            Project.Status.DRAFT,
            Project.Status.PENDING_REVIEW,
        ):
            self.error(
                PROJECT_SHEET,
                row,
                "number",
                _("A published listing changes through a reviewed change request."),
            )
            return
        stored = {k: services._from_json(k, v) for k, v in current.items()} if project else {}
        errors = services._listing_errors(
            organization,
            {**stored, **project_row.fields},
            terms,
            coverage,
            project=project,
        )
        if errors:
            for name, messages in errors.items():
                column = name if name in _COLUMN_BY_KEY[PROJECT_SHEET] else ""
                for message in messages:
                    self.error(PROJECT_SHEET, row, column, message)
            return
        write = _ProjectWrite(project or Project(organization=organization), terms, coverage, line)
        for name in services.PROJECT_FIELDS:
            if name in project_row.fields:
                value = project_row.fields[name]
                setattr(write.project, name, value.strip() if isinstance(value, str) else value)
        action = "created" if project is None else "updated"
        (self._new_projects if project is None else self._changed_projects).append(write)
        line.action = action
        self.report.count(PROJECT_SHEET, action)
        if project is not None:
            titles[(organization.pk, xlsx.key(write.project.title))] = project.pk


def ledger_import(
    *,
    user: Any,
    data: bytes,
    filename: str = "",
    dry_run: bool,
    today: dt.date | None = None,
) -> LedgerImportReport:
    """Import organisations and projects of the user's tier, all or nothing.

    Organisations are recognised by their credit code, projects by our project number (empty:
    a new draft). A dry run (preview) does the same work and rolls it back. Raises ImportRefused
    when the file itself cannot be read, and PermissionDenied for a user who keeps no tier.
    """
    if not can_import(user):
        raise PermissionDenied(_("Only civil affairs staff of a tier can import its ledger."))
    today = today or timezone.localdate()
    book = read_ledger(data, filename)
    report = LedgerImportReport(
        dry_run=dry_run,
        errors=[e for sheet in (book.organizations, book.projects) if sheet for e in sheet.errors],
    )
    with transaction.atomic():
        _Importer(user=user, book=book, report=report, today=today).run()
        if dry_run or report.errors:
            transaction.set_rollback(True)
    report.errors.sort(
        key=lambda e: (SHEET_ORDER[e.sheet], e.row, _COLUMN_ORDER[e.sheet].get(e.column, -1))
    )
    report.warnings.sort(key=lambda e: (SHEET_ORDER[e.sheet], e.row))
    return report
