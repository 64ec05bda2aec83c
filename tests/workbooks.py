"""Hostile and damaged workbooks for the import tests: a valid workbook written by openpyxl,
then its XML patched inside the zip, as a damaged or crafted file would be."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

#: The cells a damaged workbook may hold, by kind: ``{ref}`` is the cell reference and
#: ``{style}`` the style of a date cell.
DAMAGED_CELLS = {
    "text_in_a_number_cell": '<c r="{ref}" t="n"><v>abc</v></c>',
    "a_date_cell_that_is_no_date": '<c r="{ref}" s="{style}"><v>notadate</v></c>',
    "a_date_cell_out_of_range": '<c r="{ref}" s="{style}"><v>1e300</v></c>',
    "an_iso_date_cell_that_is_no_date": '<c r="{ref}" t="d"><v>2024-13-45</v></c>',
    "a_shared_string_out_of_range": '<c r="{ref}" t="s"><v>99999</v></c>',
    # openpyxl writes inline strings: its workbooks have no shared-strings part at all.
    "a_shared_string_without_the_shared_strings_part": '<c r="{ref}" t="s"><v>0</v></c>',
    "a_negative_shared_string_index": '<c r="{ref}" t="s"><v>-1</v></c>',
    "a_boolean_neither_0_nor_1": '<c r="{ref}" t="b"><v>7</v></c>',
    "an_excel_error_value": '<c r="{ref}" t="e"><v>#N/A</v></c>',
    "arabic_indic_digits_in_a_number_cell": '<c r="{ref}" t="n"><v>٤٢</v></c>',
    "a_bad_style_reference": '<c r="{ref}" s="x" t="n"><v>1</v></c>',
}


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def patch_part(data: bytes, name: str, change: Callable[[str], str]) -> bytes:
    files = parts(data)
    files[name] = change(files[name].decode("utf-8")).encode("utf-8")
    return rezip(files)


def cell_style(xml: str, ref: str) -> str:
    match = re.search(rf'<c r="{ref}"[^>]*?\bs="(\d+)"', xml)
    assert match, f"cell {ref} has no style"
    return match[1]


def damage_cell(data: bytes, sheet_part: str, ref: str, kind: str, *, style_ref: str = "") -> bytes:
    """The workbook with the cell ``ref`` of ``sheet_part`` replaced by a damaged cell of
    ``kind`` (a key of DAMAGED_CELLS, or a cell template itself); ``style_ref`` is a cell
    holding a date (its style is a date style), for the kinds that need one."""
    template = DAMAGED_CELLS.get(kind, kind)

    def change(xml: str) -> str:
        style = cell_style(xml, style_ref) if "{style}" in template else ""
        cell = template.format(ref=ref, style=style)
        patched, count = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', cell, xml, count=1)
        assert count == 1, f"no cell {ref}"
        return patched

    return patch_part(data, sheet_part, change)


def with_many_rows(
    data: bytes, sheet_part: str, *, rows: int, first: int, cell: str, dimension: str = ""
) -> bytes:
    """The workbook with ``rows`` more rows after row ``first - 1`` of the sheet, written
    straight into its XML (openpyxl would take minutes). ``cell`` is one row's cells with
    ``{n}`` for the row number; ``dimension``, when given, replaces the sheet's <dimension>."""

    def change(xml: str) -> str:
        head, _sep, _tail = xml.partition("</sheetData>")
        extra = "".join(
            f'<row r="{n}">{cell.format(n=n)}</row>' for n in range(first, first + rows)
        )
        xml = head + extra + "</sheetData>" + xml.split("</sheetData>", 1)[1]
        if dimension:
            xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', xml)
        return xml

    return patch_part(data, sheet_part, change)


def count_parsed_rows(monkeypatch: Any) -> list[int]:
    """The numbers of the rows the workbook reader parses, from now on (one entry per <row>
    element read): proof that it stops at the limit rather than a measure of time."""
    from accounts import xlsx

    parsed: list[int] = []
    parse_row = xlsx._SheetParser.parse_row

    def counting(self: Any, row: Any) -> Any:
        result = parse_row(self, row)
        parsed.append(result[0])
        return result

    monkeypatch.setattr(xlsx._SheetParser, "parse_row", counting)
    return parsed


# --- Workbooks people open in Excel or WPS -------------------------------------------------


def display_width(value: Any) -> int:
    """Columns a value takes in Excel/WPS: two for a CJK character, ten for a date."""
    import datetime as dt
    import unicodedata

    if value is None:
        return 0
    if isinstance(value, dt.datetime | dt.date):
        return 10
    return max(
        (sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line))
        for line in (str(value).splitlines() or [""])
    )


def table_of(ws: Any, *, header_row: int) -> dict[str, list[Any]]:
    """The cells of a sheet's table by header (the data rows below the header)."""
    headers = [c.value for c in ws[header_row]]
    columns: dict[str, list[Any]] = {h: [] for h in headers}
    for row in ws.iter_rows(min_row=header_row + 1):
        for header, cell in zip(headers, row, strict=False):
            columns[header].append(cell)
    return columns


def check_fit_for_excel(ws: Any, *, header_row: int, max_width: int = 50) -> list[str]:
    """What is wrong with a sheet as a table opened in Excel or WPS: the header row frozen,
    an autofilter over the header and every data row, each column wide enough for its header
    and its widest value (up to ``max_width``)."""
    from openpyxl.utils import get_column_letter

    problems = []
    headers = [c.value for c in ws[header_row]]
    if ws.freeze_panes != f"A{header_row + 1}":
        problems.append(f"{ws.title}: freeze panes {ws.freeze_panes}")
    expected = f"A{header_row}:{get_column_letter(len(headers))}{ws.max_row}"
    if ws.auto_filter.ref != expected:
        problems.append(f"{ws.title}: filter {ws.auto_filter.ref}, expected {expected}")
    for index, (header, cells) in enumerate(table_of(ws, header_row=header_row).items(), 1):
        width = ws.column_dimensions[get_column_letter(index)].width or 0
        widest = max([display_width(header), *(display_width(c.value) for c in cells)])
        if width < min(widest, max_width):
            problems.append(f"{ws.title}: {header} is {width} wide for {widest}")
    return problems


def check_dates(cells: list[Any]) -> list[str]:
    """Every filled cell a real date formatted yyyy-mm-dd (not text)."""
    return [
        f"{c.coordinate}: {c.value!r} ({c.number_format})"
        for c in cells
        if c.value is not None and not (c.is_date and c.number_format == "yyyy-mm-dd")
    ]
