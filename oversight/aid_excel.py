"""A member unit's aid records by workbook: the template (Chinese headers) and the import.

The import reads the sheet 救助记录 with the shared machinery of ``accounts.xlsx`` (size,
unpacked size and entity checks, streaming, damaged cells), turns each row into a record and
pushes them all through ``aid_records.aid_records_push``: all or nothing, each problem reported
by its row and column in Chinese. The preview runs the same push and rolls it back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import xlsx
from accounts.xlsx import CellError, ImportRefused, RowError

from . import aid_records as service
from .models import AidRecord

XLSX_CONTENT_TYPE = xlsx.XLSX_CONTENT_TYPE
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 30 * 1024 * 1024
MAX_ROWS = service.MAX_BATCH
HEADER_SEARCH_ROWS = 5
SHEET = "救助记录"
#: Column key -> header, in the template's order. Headers are read loosely (``xlsx.key``).
COLUMNS = {
    "external_id": "本单位记录编号",
    "id_number": "身份证号码",
    "person_name": "姓名",
    "kind": "救助类别",
    "amount": "金额(元)",
    "given_on": "发放日期",
    "region": "所在地区代码",
    "note": "备注",
}
REQUIRED = ("external_id", "id_number", "person_name", "kind", "given_on")


def template(*, unit_region_code: str, today: dt.date | None = None) -> bytes:
    """The sheet 救助记录 with its headers, and 填写说明 with the rules and the kinds of aid."""
    today = today or timezone.localdate()
    wb = Workbook(write_only=True)
    ws = xlsx.new_sheet(
        wb,
        SHEET,
        [
            (18, True),
            (22, True),
            (10, True),
            (16, False),
            (12, False),
            (12, False),
            (16, True),
            (30, True),
        ],
    )
    ws.append([xlsx.cell(ws, header, bold=True) for header in COLUMNS.values()])
    notes = xlsx.new_sheet(wb, "填写说明", [(16, False), (80, False)])
    kinds = xlsx.LIST_SEPARATOR.join(str(label) for label in AidRecord.Kind.labels)
    for row in (
        ("列", "说明"),
        (
            "本单位记录编号",
            "必填。本单位系统中的记录编号,同一编号再次导入时不重复登记;内容不同则整表退回。",
        ),
        ("身份证号码", "必填。18 位公民身份号码(全角数字、小写 x 均可)。"),
        ("姓名", "必填。"),
        ("救助类别", f"必填。可选:{kinds}。"),
        ("金额(元)", "选填。最多两位小数。"),
        ("发放日期", "必填。格式 YYYY-MM-DD,不得晚于今天。"),
        (
            "所在地区代码",
            f"选填。12 位统计用区划代码,须在本单位辖区内;不填则为本单位辖区({unit_region_code})。",
        ),
        ("备注", "选填。最多 500 字。"),
        ("整表", f"每次最多 {MAX_ROWS} 行。任一行有误则整表不导入,按行列出错误。"),
    ):
        notes.append([xlsx.cell(notes, value) for value in row])
    return xlsx.save(wb, today)


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    matched: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def unmatched(self) -> int:
        return self.created + self.unchanged - self.matched


def _cells(row: xlsx.SheetRow) -> tuple[dict[str, Any], list[RowError]]:
    """A row's cells as the push reads them (None where a cell does not read); CellErrors as
    row errors."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    readers = {
        "external_id": lambda v: xlsx.parse_code(v),
        "id_number": lambda v: xlsx.digits_text(v),
        "person_name": lambda v: xlsx.parse_text(v),
        "kind": lambda v: xlsx.parse_choice(v, AidRecord.Kind),
        "amount": lambda v: xlsx.parse_decimal(v, max_digits=12),
        "given_on": lambda v: xlsx.parse_date(v),
        "region": lambda v: xlsx.parse_code(v),
        "note": lambda v: xlsx.parse_text(v),
    }
    for key, read in readers.items():
        raw = row.cells.get(key)
        try:
            values[key] = read(raw)
        except CellError as exc:
            values[key] = None
            errors.append(
                RowError(row.number, COLUMNS[key], exc.message, xlsx.display(raw), sheet=SHEET)
            )
    return values, errors


def aid_import(*, user: Any, data: bytes, filename: str, dry_run: bool) -> ImportReport:
    """Read the workbook and push its rows, all or nothing; ``dry_run`` rolls the push back.
    ImportRefused for a file that cannot be read at all."""
    report = ImportReport(dry_run=dry_run)
    known = {xlsx.key(header): key for key, header in COLUMNS.items()}
    with xlsx.open_workbook(
        data, filename, max_bytes=MAX_UPLOAD_BYTES, max_unpacked_bytes=MAX_UNCOMPRESSED_BYTES
    ) as wb:
        if SHEET not in wb.sheetnames:
            raise ImportRefused(
                _("The workbook has no sheet “%(sheet)s”: use the template.") % {"sheet": SHEET}
            )
        ws = wb[SHEET]
        found = xlsx.find_header(ws, known, REQUIRED, search_rows=HEADER_SEARCH_ROWS)
        if found is None:
            raise xlsx.missing_columns(COLUMNS[key] for key in REQUIRED)
        header_row, mapping = found
        sheet = xlsx.read_rows(ws, header_row, mapping, max_rows=MAX_ROWS, labels=COLUMNS)
    report.rows = len(sheet.rows) + len({e.row for e in sheet.errors})
    report.errors.extend(sheet.errors)
    items: list[dict[str, Any]] = []
    numbers: list[int] = []
    for row in sheet.rows:
        values, errors = _cells(row)
        report.errors.extend(errors)
        items.append(values)
        numbers.append(row.number)
    if not items:
        if not report.errors:
            report.errors.append(
                RowError(header_row, "", _("The sheet has no records."), sheet=SHEET)
            )
        return report
    # The push checks every row too, also when some cells did not read (rolled back then), so
    # that the report lists every problem at once; a cell already reported is not reported
    # again as missing.
    reported = {(e.row, e.column) for e in report.errors}
    try:
        with transaction.atomic():
            result = service.aid_records_push(user=user, items=items)
            if dry_run or report.errors:
                transaction.set_rollback(True)
    except service.PushRefused as exc:
        for item in exc.items:
            row = numbers[item.index] if item.index < len(numbers) else header_row
            for name, messages in item.errors.items():
                column = COLUMNS.get(name, "")
                if (row, column) in reported:
                    continue
                value = xlsx.display(items[item.index].get(name)) if item.index < len(items) else ""
                if name == "id_number":
                    value = ""  # an ID number is not repeated in the report
                for message in messages:
                    report.errors.append(RowError(row, column, message, value, sheet=SHEET))
    if report.errors:
        report.errors.sort(key=lambda e: e.row)
        return report
    report.created, report.unchanged, report.matched = (
        result.created,
        result.unchanged,
        result.matched,
    )
    return report
