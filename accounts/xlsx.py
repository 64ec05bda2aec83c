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
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.writer.excel import ExcelWriter

from . import crypto

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_SEPARATOR = "、"
YES, NO = "是", "否"

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
    """A write-only sheet with column widths; ``(width, True)`` columns are formatted as text."""
    ws = wb.create_sheet(title)
    for index, (width, text) in enumerate(widths, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = width
        if text:
            dimension.number_format = "@"
    return ws


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


def find_header(
    ws: Any, known: Mapping[str, str], needed: Iterable[str], *, search_rows: int
) -> tuple[int, dict[int, str]] | None:
    """The header row among the first ``search_rows`` rows (a title may sit above it): the
    first row holding all the ``needed`` columns. None when there is none."""
    needed = set(needed)
    for number, values in enumerate(
        ws.iter_rows(min_row=1, max_row=search_rows, values_only=True), start=1
    ):
        found = header_map(values, known)
        if needed <= set(found.values()):
            return number, found
    return None


def read_rows(
    ws: Any, header_row: int, mapping: dict[int, str], *, max_rows: int, skip: Any = None
) -> list[SheetRow]:
    """The non-empty rows below the header as column key -> plain value; ``skip(cells)`` drops
    rows such as a template's example row. Refuses more than ``max_rows`` rows."""
    width = max(mapping) + 1
    rows: list[SheetRow] = []
    for number, values in enumerate(
        ws.iter_rows(min_row=header_row + 1, max_col=width, values_only=True), start=header_row + 1
    ):
        cells = {k: plain(values[i]) if i < len(values) else None for i, k in mapping.items()}
        if all(is_blank(v) for v in cells.values()):
            continue
        if skip is not None and skip(cells):
            continue
        rows.append(SheetRow(number, cells))
        if len(rows) > max_rows:
            raise ImportRefused(
                _("The sheet has more than %(rows)s rows. Split it into several files.")
                % {"rows": max_rows}
            )
    return rows


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
    """Codes and numbers typed as numbers come back as int or float."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return display(value).strip()


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
        text = str(value).strip().replace(",", "").replace("，", "").removesuffix("元").strip()
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


def parse_integer(value: Any, *, minimum: int = 0, maximum: int) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Enter a whole number."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", display(value)).strip().replace(",", "")
    if not re.fullmatch(r"-?\d{1,12}", text):
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
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
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
