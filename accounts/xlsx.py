"""Workbook machinery shared by the Excel exports and imports of the apps (needs, supply).

It lives in accounts, the lowest app, so that each app keeps its own file format (sheets,
columns, rules) without importing another app.

Writing: cells that keep text looking like a formula as plain text, and deterministic bytes
(fixed document and zip dates), so that the same data gives the same file.

Reading: an upload is checked for its size, its unpacked size and XML entity declarations
("XML bombs") before openpyxl parses it (with defusedxml, which openpyxl uses when it is
installed); formulas are read as their text, never evaluated. Cell parsers raise CellError with
a message for the row-by-row report.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import re
import secrets
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet._reader import FORMULA_TAG as _FORMULA_TAG
from openpyxl.worksheet._reader import ROW_TAG as _ROW_TAG
from openpyxl.worksheet._reader import VALUE_TAG as _VALUE_TAG
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import iterparse

from . import crypto, identifiers

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_SEPARATOR = "、"
YES, NO = "是", "否"
#: What a workbook says where no limit is set (places, ages), rather than an empty cell or 0.
UNLIMITED = "不限"
DATE_FORMAT = "yyyy-mm-dd"

#: Text starting with one of these is a formula to Excel (and to CSV-injection attacks).
FORMULA_START = ("=", "+", "-", "@")
_FIXED_TIME = dt.time(0, 0)
#: Separators between several values in one cell; not inside brackets, because some labels
#: hold a list themselves ("生活照料(助餐、助洁、助浴)").
_SEPARATORS = frozenset("、,，;；\n")
_OPEN, _CLOSE = "([（【", ")]）】"
#: Parts of an xlsx that are XML; none of them has a reason to declare a DTD or entities.
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DECLARATIONS = tuple(
    word.encode(encoding)
    for word in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_SCAN_CHUNK = 1024 * 1024


# --- Writing ---------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Characters that XML cannot hold (control characters) are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def cell(ws: Any, value: Any, *, number_format: str | None = None, bold: bool = False) -> Any:
    """A write-only cell; text that Excel would read as a formula stays plain text."""
    if isinstance(value, str):
        value = clean_text(value)
    result = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        result.data_type = "s"
        result.quotePrefix = True
    if number_format:
        result.number_format = number_format
    if bold:
        result.font = Font(bold=True)
    return result


def new_sheet(wb: Workbook, title: str, widths: Iterable[tuple[int, bool]]) -> Any:
    """A write-only sheet with column widths; ``(width, True)`` columns are formatted as text.
    For a sheet of text (instructions); a table is written with ``TableSheet``."""
    ws = wb.create_sheet(title)
    for index, (width, text) in enumerate(widths, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = width
        if text:
            dimension.number_format = "@"
    return ws


def text_width(value: Any) -> int:
    """The room a value takes in Excel or WPS, in widths of a Latin digit: a CJK character
    (East Asian wide or full-width) takes two; a date ``yyyy-mm-dd`` ten; the longest line of
    a text with line breaks."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, Decimal):
        value = f"{value:,.2f}"
    lines = str(value).splitlines() or [""]
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines
    )


class TableSheet:
    """A table on a write-only sheet, as people open it in Excel or WPS.

    - column widths fitted to the header and the content (a CJK character counts double),
      between ``MIN_WIDTH`` and ``MAX_WIDTH``, read from the first ``SAMPLE_ROWS`` rows (a
      write-only sheet must have its widths before its rows: those rows wait in memory);
    - the header row frozen (it stays in view while scrolling), under an optional heading row;
    - an autofilter over the header and the data;
    - values as cells of their kind: a date is a date cell formatted ``yyyy-mm-dd``, a
      date-time ``yyyy-mm-dd hh:mm`` in local time, a decimal a number with two decimals, a
      boolean 是/否, ``None`` and "" an empty cell, text of a text column (codes, phones, ID
      numbers) a text cell, so that Excel keeps leading zeros and all 18 digits.

    Callers write "不限" (``UNLIMITED``) where no limit is set, and region names beside codes.
    """

    MIN_WIDTH = 6
    MAX_WIDTH = 50
    SAMPLE_ROWS = 1000

    def __init__(
        self,
        wb: Workbook,
        title: str,
        headers: Iterable[str],
        *,
        heading: str | None = None,
        text_columns: Iterable[int] = (),
    ) -> None:
        self.ws = wb.create_sheet(title)
        self.headers = list(headers)
        self.heading = heading
        self.text_columns = set(text_columns)
        self.header_row = 2 if heading else 1
        self.rows = 0
        self._waiting: list[list[Any]] | None = []

    def append(self, values: Iterable[Any]) -> None:
        row = [self._cell(index, value) for index, value in enumerate(values)]
        self.rows += 1
        if self._waiting is None:
            self.ws.append(row)
            return
        self._waiting.append(row)
        if len(self._waiting) >= self.SAMPLE_ROWS:
            self._start()

    def close(self) -> None:
        """Write what waits and set the filter; call once, after the last row."""
        if self._waiting is not None:
            self._start()
        last = get_column_letter(max(len(self.headers), 1))
        self.ws.auto_filter.ref = f"A{self.header_row}:{last}{self.header_row + self.rows}"

    def _cell(self, index: int, value: Any) -> Any:
        ws = self.ws
        if isinstance(value, Cell):
            return value
        if value is None or value == "":
            return cell(ws, None)
        if isinstance(value, bool):
            return cell(ws, YES if value else NO)
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value).replace(tzinfo=None)
            return cell(ws, value, number_format="yyyy-mm-dd hh:mm")
        if isinstance(value, dt.date):
            return cell(ws, value, number_format=DATE_FORMAT)
        if isinstance(value, Decimal):
            return cell(ws, value, number_format="0.00")
        if index in self.text_columns:
            return cell(ws, str(value), number_format="@")
        return cell(ws, value)

    def _start(self) -> None:
        ws = self.ws
        widths = [text_width(header) for header in self.headers]
        for row in self._waiting or []:
            for index, item in enumerate(row[: len(widths)]):
                widths[index] = max(widths[index], text_width(item.value))
        for index, width in enumerate(widths):
            dimension = ws.column_dimensions[get_column_letter(index + 1)]
            # Two characters of room for the filter's drop-down button.
            dimension.width = min(max(width + 3, self.MIN_WIDTH), self.MAX_WIDTH)
            if index in self.text_columns:
                dimension.number_format = "@"
        ws.freeze_panes = f"A{self.header_row + 1}"
        if self.heading:
            ws.append([cell(ws, self.heading, bold=True)])
        ws.append([cell(ws, header, bold=True) for header in self.headers])
        for row in self._waiting or []:
            ws.append(row)
        self._waiting = None


def save(wb: Workbook, day: dt.date) -> bytes:
    """Workbook bytes that depend only on the content and the day: fixed document dates and
    fixed dates inside the zip, so that the same data gives the same file."""
    stamp = dt.datetime.combine(day, _FIXED_TIME)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "AidBridge"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    fixed = io.BytesIO()
    date_time = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


def labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """Value -> label in the active language, as exports write them."""
    return {value: str(label) for value, label in choices.choices}


# --- Reading an upload -----------------------------------------------------------------------


class ImportRefused(ValidationError):
    """The file as a whole cannot be imported (not xlsx, too large, no header row)."""


@dataclass
class SheetRow:
    number: int  # the row number in the spreadsheet, as Excel shows it
    cells: dict[str, Any]


@dataclass
class Sheet:
    columns: set[str]
    rows: list[SheetRow]
    #: Damaged cells of the columns read, one error each (their rows are not in ``rows``).
    errors: list[RowError] = field(default_factory=list)


def _not_xlsx() -> ImportRefused:
    return ImportRefused(
        _("This is not an Excel workbook (.xlsx). Save the file as “Excel Workbook”.")
    )


def _declares_entities(archive: zipfile.ZipFile) -> bool:
    """Whether an XML part declares a DTD: the way to entity expansion ("billion laughs")."""
    overlap = max(len(word) for word in _DECLARATIONS)
    for info in archive.infolist():
        if not info.filename.lower().endswith(_XML_SUFFIXES):
            continue
        with archive.open(info) as part:
            tail = b""
            while chunk := part.read(_SCAN_CHUNK):
                window = tail + chunk
                if any(word in window for word in _DECLARATIONS):
                    return True
                tail = window[-overlap:]
    return False


def check_upload(data: bytes, filename: str, *, max_bytes: int, max_unpacked_bytes: int) -> None:
    """Refuse a file that is not an xlsx, too large packed or unpacked, or declares entities."""
    if filename and not filename.lower().endswith(".xlsx"):
        raise ImportRefused(
            _("Only Excel workbooks (.xlsx) can be imported. Save the file as “Excel Workbook”.")
        )
    if len(data) > max_bytes:
        raise ImportRefused(
            _("The file is larger than %(mb)s MB. Split it into several files.")
            % {"mb": max_bytes // (1024 * 1024)}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > max_unpacked_bytes:
                raise ImportRefused(
                    _("The workbook is too large once unpacked. Split it into several files.")
                )
            declares = _declares_entities(archive)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError):
        # damaged, encrypted or with an unknown compression
        raise _not_xlsx() from None
    if declares:
        raise ImportRefused(
            _(
                "The workbook contains XML entity declarations, which are refused for safety. "
                "Open it in Excel and save it again."
            )
        )


@contextmanager
def open_workbook(
    data: bytes, filename: str = "", *, max_bytes: int, max_unpacked_bytes: int
) -> Iterator[Any]:
    """The uploaded workbook, read-only, formulas as text; ImportRefused for a bad file, also
    when a sheet turns out to be unreadable while its rows are read."""
    check_upload(data, filename, max_bytes=max_bytes, max_unpacked_bytes=max_unpacked_bytes)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        raise _not_xlsx() from None
    try:
        yield wb
    except DefusedXmlException:
        raise ImportRefused(
            _(
                "The workbook contains XML entity declarations, which are refused for safety. "
                "Open it in Excel and save it again."
            )
        ) from None
    except (zipfile.BadZipFile, zlib.error, ParseError, EOFError):
        raise _not_xlsx() from None  # a damaged sheet part
    finally:
        wb.close()


def display(value: Any) -> str:
    """A cell value as the user typed it, for error reports."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def plain(value: Any) -> Any:
    """Formula objects as their text: a formula is data here, never evaluated."""
    if value is None or isinstance(value, str | int | float | Decimal | dt.date | dt.time | bool):
        return value
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else str(value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def key(value: str) -> str:
    """Compare labels and headers loosely: full-width to ASCII, no spaces, no case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).casefold()


def header_map(values: Iterable[Any], known: Mapping[str, str]) -> dict[int, str]:
    """Column index -> column key for the cells of a row that are known headers (``known`` maps
    ``key(header)`` to the column key); the first of two columns with the same meaning wins."""
    found: dict[int, str] = {}
    for index, value in enumerate(values):
        if isinstance(value, str) and key(value) in known:
            column = known[key(value)]
            if column not in found.values():
                found[index] = column
    return found


# --- Streaming a sheet, cell by cell ----------------------------------------------------------


@dataclass(frozen=True)
class DamagedCell:
    """A cell that cannot be read: text in a number cell, a date cell that is no date, a shared
    string that does not exist, a boolean that is neither 0 nor 1, an Excel error value."""

    kind: str  # number | date | text | boolean | error | other
    raw: str


_NUMBER = "n"
_CELL_REFERENCE = re.compile(r"\$?[A-Z]{1,3}\$?[1-9][0-9]{0,6}")
#: The largest Excel date serial (9999-12-31) and a bound for durations, in days.
_MAX_DATE_SERIAL = 2958466
_MAX_DURATION_DAYS = 10**8


class _SheetParser(WorkSheetParser):
    """openpyxl's sheet parser, except that a cell it cannot read becomes a ``DamagedCell``
    value instead of an exception that ends the whole sheet (a server error, before), and that
    it reads the rows only: column widths, merged cells, conditional formats and the like are
    nothing an import uses, and a damaged one is no reason to refuse the sheet."""

    def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        for _event, element in iterparse(self.source):  # defusedxml's, as openpyxl's
            if element.tag == _ROW_TAG:
                yield self.parse_row(element)
                element.clear()

    def parse_cell(self, element: Any) -> dict[str, Any]:
        before = self.col_counter
        data_type = element.get("t", _NUMBER)
        raw = element.findtext(_VALUE_TAG)
        kind = None if element.find(_FORMULA_TAG) is not None else self._precheck(element, raw)
        if kind is None:
            try:
                cell = super().parse_cell(element)
            except Exception:  # whatever openpyxl trips on is a damaged cell, never a 500
                kind = _KIND_OF_TYPE.get(data_type, "other")
            else:
                if cell["data_type"] != "e":
                    return cell
                kind, raw = "error", str(cell["value"] or raw or "")
        row, column = self._position(element, before)
        return {
            "row": row,
            "column": column,
            "value": DamagedCell(kind, (raw or "")[:100]),
            "data_type": "e",
            "style_id": 0,
        }

    def _precheck(self, element: Any, raw: str | None) -> str | None:
        """Values openpyxl would take silently for something else: ``int()`` reads ``٤٢`` (an
        Excel file never holds it), ``bool(int("7"))`` is True, a negative shared-string index
        counts from the end; and dates out of range, which openpyxl turns into a warning."""
        if not raw:  # no value: an empty cell, as openpyxl reads it
            return None
        data_type = element.get("t", _NUMBER)
        if data_type == _NUMBER:
            if not raw.isascii():
                return "number"
            style = element.get("s", "0")
            style_id = int(style) if style.isascii() and style.isdigit() else -1
            if style_id in self.date_formats:
                try:
                    serial = float(raw)
                except ValueError:
                    return "date"
                if style_id in self.timedelta_formats:
                    in_range = abs(serial) < _MAX_DURATION_DAYS
                else:
                    in_range = 0 <= serial < _MAX_DATE_SERIAL  # also false for NaN
                if not in_range:
                    return "date"
        elif data_type == "s" and not (raw.isascii() and raw.isdigit()):
            return "text"
        elif data_type == "b" and raw not in ("0", "1"):
            return "boolean"
        return None

    def _position(self, element: Any, before: int) -> tuple[int, int]:
        coordinate = element.get("r")
        if coordinate and _CELL_REFERENCE.fullmatch(coordinate):
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
            return row, column
        # No reference, or one that is no cell: the next column of the row.
        if self.col_counter == before:
            self.col_counter += 1
        return self.row_counter, self.col_counter

    def parse_row(self, row: Any) -> tuple[int, list[dict[str, Any]]]:
        try:
            return super().parse_row(row)
        except Exception:  # a row number that is no number: the next row
            self.row_counter += 1
            self.col_counter = 0
            return self.row_counter, [self.parse_cell(element) for element in row]


_KIND_OF_TYPE = {_NUMBER: "number", "d": "date", "s": "text", "b": "boolean", "e": "error"}


def _damage_message(kind: str) -> str:
    return {
        "number": _("This number cell holds no number."),
        "date": _("This date cell holds no date."),
        "text": _("This cell refers to a text that is not in the workbook."),
        "boolean": _("This yes/no cell holds neither yes nor no."),
        "error": _("This cell holds an Excel error instead of a value."),
    }.get(kind, _("This cell cannot be read."))


def _damaged_sheet(ws: Any, row: int) -> ImportRefused:
    return ImportRefused(
        _(
            "The sheet %(sheet)s cannot be read after row %(row)s: the file is damaged. Open it "
            "in Excel and save it again."
        )
        % {"sheet": ws.title, "row": row}
    )


def _stream(ws: Any) -> Iterator[tuple[int, dict[int, Any]]]:
    """The rows of a read-only sheet as they are in the file: (row number, 0-based column ->
    value), one ``<row>`` element at a time. The sheet's ``<dimension>`` is not trusted (a file
    can claim 3 rows and hold 400,000, or the reverse), and rows are never padded: the reader
    sees the elements that are there and nothing else. A part that cannot be parsed any further
    is refused with the sheet and the last row read."""
    wb = ws.parent
    last = 0
    try:
        with ws._get_source() as source:
            parser = _SheetParser(
                source,
                ws._shared_strings,
                data_only=wb.data_only,
                epoch=wb.epoch,
                date_formats=wb._date_formats,
                timedelta_formats=wb._timedelta_formats,
            )
            for number, cells in parser.parse():
                last = number
                yield number, {cell["column"] - 1: cell["value"] for cell in cells}
    except (ImportRefused, DefusedXmlException):
        raise
    except Exception:
        raise _damaged_sheet(ws, last) from None


def find_header(
    ws: Any, known: Mapping[str, str], needed: Iterable[str], *, search_rows: int
) -> tuple[int, dict[int, str]] | None:
    """The header row among the first ``search_rows`` rows (a title may sit above it): the
    first row holding all the ``needed`` columns. None when there is none."""
    needed = set(needed)
    rows = _stream(ws)
    try:
        for seen, (number, values) in enumerate(rows, start=1):
            if number > search_rows or seen > search_rows:
                break
            width = max(values, default=-1) + 1
            found = header_map((values.get(i) for i in range(min(width, 1000))), known)
            if needed <= set(found.values()):
                return number, found
    finally:
        rows.close()
    return None


def _too_many_rows(max_rows: int) -> ImportRefused:
    return ImportRefused(
        _("The sheet has more than %(rows)s rows. Split it into several files.")
        % {"rows": max_rows}
    )


def read_rows(
    ws: Any,
    header_row: int,
    mapping: dict[int, str],
    *,
    max_rows: int,
    labels: Mapping[str, str],
    skip: Any = None,
) -> Sheet:
    """The non-empty rows below the header as column key -> plain value; ``skip(cells)`` drops
    rows such as a template's example row. A damaged cell of a column read is an error of its
    row (sheet, row and column header, the row is left out) in ``Sheet.errors``.

    More than ``max_rows`` rows are refused while the sheet is streamed: at the row past the
    limit, not after reading the whole sheet. Every ``<row>`` element counts, blank ones too
    (up to as many blank rows as data rows: Excel keeps formatted empty rows), so that neither
    blank rows nor a false ``<dimension>`` make the reader go through 400,000 rows.
    """
    rows: list[SheetRow] = []
    errors: list[RowError] = []
    data_rows = elements = 0
    stream = _stream(ws)
    try:
        for number, values in stream:
            elements += 1
            if elements > header_row + 2 * max_rows:
                raise _too_many_rows(max_rows)
            if number <= header_row:
                continue
            raw = {k: values.get(i) for i, k in mapping.items()}
            damaged = {k: v for k, v in raw.items() if isinstance(v, DamagedCell)}
            cells = {k: None if k in damaged else plain(v) for k, v in raw.items()}
            if not damaged and all(is_blank(v) for v in cells.values()):
                continue
            data_rows += 1
            if data_rows > max_rows:
                raise _too_many_rows(max_rows)
            if damaged:
                errors.extend(_damaged_errors(ws, number, mapping, damaged, labels))
                continue
            if skip is not None and skip(cells):
                continue
            rows.append(SheetRow(number, cells))
    finally:
        stream.close()
    return Sheet(columns=set(mapping.values()), rows=rows, errors=errors)


def _damaged_errors(
    ws: Any,
    number: int,
    mapping: dict[int, str],
    damaged: dict[str, DamagedCell],
    labels: Mapping[str, str],
) -> Iterator[RowError]:
    index = {k: i for i, k in mapping.items()}
    for column, cell in damaged.items():
        reference = f"{get_column_letter(index[column] + 1)}{number}"
        yield RowError(
            number,
            labels.get(column, ""),
            _("Cell %(cell)s of the sheet %(sheet)s: %(problem)s Type the value again in Excel.")
            % {"cell": reference, "sheet": ws.title, "problem": _damage_message(cell.kind)},
            cell.raw,
            sheet=ws.title,
        )


def missing_columns(headers: Iterable[str]) -> ImportRefused:
    return ImportRefused(
        _("Columns missing: %(columns)s.") % {"columns": LIST_SEPARATOR.join(headers)}
    )


# --- Parsing cells ---------------------------------------------------------------------------


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_text(value: Any, *, max_length: int | None = None) -> str:
    text = display(value).strip()
    if max_length is not None and len(text) > max_length:
        raise CellError(_("At most %(n)s characters.") % {"n": max_length})
    return text


def digits_text(value: Any) -> str:
    """Codes and numbers typed as numbers come back as int or float; typed as text, they are
    read in NFKC (full-width digits are 0-9). Digits of another script stay, for
    ``parse_code`` (or the caller) to refuse."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return identifiers.nfkc(display(value)).strip()


def ascii_text(text: str) -> str:
    """``text`` in NFKC with only the digits 0-9 (``accounts.identifiers``); CellError else."""
    try:
        return identifiers.normalize(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def parse_code(value: Any) -> str:
    """A code or number kept as text (division code, household number, contact phone): NFKC,
    with the digits 0-9 only; CellError for a digit of another script."""
    return ascii_text(digits_text(value))


def split_list(text: str) -> list[str]:
    """``甲、乙;丙`` -> [甲, 乙, 丙]; separators inside brackets do not split."""
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE and depth:
            depth -= 1
        if char in _SEPARATORS and depth == 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]


def choice_lookup(
    choices: type[models.TextChoices], words: Mapping[str, str] | None = None
) -> dict[str, str]:
    """key(word) -> value for other spellings, the English msgids, the labels in the active
    language and the values themselves."""
    lookup: dict[str, str] = {key(k): v for k, v in (words or {}).items()}
    with translation.override(None):  # the English msgids
        lookup.update({key(str(label)): value for value, label in choices.choices})
    lookup.update({key(str(label)): value for value, label in choices.choices})
    lookup.update({key(value): value for value in choices.values if value})
    return lookup


def _allowed(choices: type[models.TextChoices]) -> str:
    return LIST_SEPARATOR.join(str(label) for label in choices.labels)


def parse_choice(
    value: Any, choices: type[models.TextChoices], words: Mapping[str, str] | None = None
) -> str:
    text = parse_text(value)
    if not text:
        return ""
    found = choice_lookup(choices, words).get(key(text))
    if found is None:
        raise CellError(_("Unknown value. Allowed: %(values)s.") % {"values": _allowed(choices)})
    return found


def parse_choices(
    value: Any, choices: type[models.TextChoices], words: Mapping[str, str] | None = None
) -> list[str]:
    """Several values in one cell, separated by 、 (or , ; and new lines), in the given order."""
    text = parse_text(value)
    if not text:
        return []
    lookup = choice_lookup(choices, words)
    whole = lookup.get(key(text))
    if whole is not None:
        return [whole]
    found: list[str] = []
    unknown: list[str] = []
    for piece in split_list(text):
        match = lookup.get(key(piece))
        if match is None:
            unknown.append(piece)
        elif match not in found:
            found.append(match)
    if unknown:
        raise CellError(
            _("Unknown value: %(unknown)s. Allowed: %(values)s.")
            % {"unknown": LIST_SEPARATOR.join(unknown), "values": _allowed(choices)}
        )
    return found


def parse_decimal(value: Any, *, max_digits: int) -> Decimal | None:
    """An amount in yuan with two decimals; ``1,200.5元`` is 1200.50."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Enter a number."))
    if isinstance(value, int | float | Decimal):
        text = str(value)
    else:
        text = ascii_text(str(value)).replace(",", "").removesuffix("元").strip()
    if not text.isascii():  # Decimal() reads the digits of every script
        raise CellError(_("Enter a number."))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Enter a number.")) from None
    if not number.is_finite():
        raise CellError(_("Enter a number."))
    if number < 0:
        raise CellError(_("The amount cannot be negative."))
    number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number >= Decimal(10) ** (max_digits - 2):
        raise CellError(_("The amount is too large."))
    return number


def parse_integer(
    value: Any, *, minimum: int = 0, maximum: int, unlimited: bool = False
) -> int | None:
    """A whole number; empty is None, and so is "不限" where ``unlimited`` (our exports write
    it where no limit is set, and an import reads the export back)."""
    if is_blank(value):
        return None
    if unlimited and isinstance(value, str) and value.strip() == UNLIMITED:
        return None
    if isinstance(value, bool):
        raise CellError(_("Enter a whole number."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = ascii_text(display(value)).replace(",", "")
    if not re.fullmatch(r"-?[0-9]{1,12}", text):
        raise CellError(_("Enter a whole number."))
    number = int(text)
    if not minimum <= number <= maximum:
        raise CellError(
            _("Enter a number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum}
        )
    return number


def parse_date(value: Any) -> dt.date | None:
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        if 19000101 <= number <= 21001231:
            value = str(number)
        elif 1 <= number <= 80000:
            result = from_excel(number)
            return result.date() if isinstance(result, dt.datetime) else result
        else:
            raise CellError(_("Enter the date as YYYY-MM-DD."))
    text = ascii_text(str(value))
    match = re.fullmatch(
        r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?", text
    ) or re.fullmatch(r"([0-9]{4})([0-9]{2})([0-9]{2})", text)
    if not match:
        raise CellError(_("Enter the date as YYYY-MM-DD."))
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(_("This date does not exist.")) from None


_YES_WORDS = frozenset({"是", "有", "具备", "yes", "y", "true", "1", "√", "✓"})
_NO_WORDS = frozenset({"否", "无", "没有", "不具备", "no", "n", "false", "0", "×"})


def parse_yes_no(value: Any) -> bool | None:
    """是 / 否 (and yes/no, 1/0, TRUE/FALSE cells); None when empty."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = key(digits_text(value))
    if text in _YES_WORDS:
        return True
    if text in _NO_WORDS:
        return False
    raise CellError(_("Enter %(yes)s or %(no)s.") % {"yes": YES, "no": NO})


# --- Reports ---------------------------------------------------------------------------------


@dataclass
class RowError:
    """One problem of an import, where the user finds it: sheet, row and column header."""

    row: int
    column: str
    message: str
    value: str = ""
    last_row: int | None = None
    sheet: str = ""


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- The uploaded file between preview and confirmation --------------------------------------


def stash_upload(
    session: Any, session_key: str, data: bytes, name: str, *, max_bytes: int
) -> dict[str, Any]:
    """Keep a previewed file for its confirmation: a token, its SHA-256, and the file itself
    encrypted in the session when it is small (a larger one is chosen again and compared)."""
    entry: dict[str, Any] = {
        "token": secrets.token_urlsafe(24),
        "digest": hashlib.sha256(data).hexdigest(),
        "name": name[:200],
        "at": int(time.time()),
    }
    if len(data) <= max_bytes:
        entry["data"] = crypto.encrypt(base64.b64encode(data).decode("ascii"))
    session[session_key] = entry
    return entry


def stashed_upload(
    session: Any, session_key: str, token: str, *, max_age: int
) -> dict[str, Any] | None:
    """The stash for this token, unless it is missing, another one, or older than max_age."""
    entry = session.get(session_key)
    if not isinstance(entry, dict) or not hmac.compare_digest(str(entry.get("token", "")), token):
        return None
    if time.time() - entry.get("at", 0) > max_age:
        return None
    return entry


def stashed_data(entry: dict[str, Any]) -> bytes | None:
    """The file kept in the stash, or None when it has to be chosen again."""
    if "data" not in entry:
        return None
    return base64.b64decode(crypto.decrypt(entry["data"]))


def is_stashed_file(entry: dict[str, Any], data: bytes) -> bool:
    return hmac.compare_digest(hashlib.sha256(data).hexdigest(), str(entry.get("digest", "")))
