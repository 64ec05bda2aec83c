"""The evaluation's files: an Excel workbook (a sheet per section, one row per child region, a
native chart on each), a PDF report (title page, contents, charts and tables, the CJK font
embedded) and a CSV table; and the zip of every county's evaluation of a year.

Each renderer takes the evaluation's frozen figures and its narrative and returns bytes; the
Celery tasks (``reports.tasks``) call them, never a request. Everything is written in Chinese
whatever the caller's language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from accounts import xlsx

from . import charts
from .presentation import NARRATIVE_PARTS, SectionView, display, level_label, present

if TYPE_CHECKING:
    from .models import AnnualEvaluation

LANGUAGE = "zh-hans"
CHINESE_NUMBERS = "一二三四五六七八九十"


def evaluation_title(evaluation: AnnualEvaluation) -> str:
    return _("%(region)s %(year)s annual evaluation of charity aid matching") % {
        "region": evaluation.region.name,
        "year": evaluation.year,
    }


def file_stem(evaluation: AnnualEvaluation) -> str:
    """The files' name as people read it in a download folder: 英德市2025年度评估-第1版."""
    return _("%(region)s%(year)s annual evaluation-version %(version)s") % {
        "region": evaluation.region.name,
        "year": evaluation.year,
        "version": evaluation.version,
    }


def _sections(evaluation: AnnualEvaluation) -> list[SectionView]:
    return present(evaluation.metrics, evaluation.narrative)


def _day(evaluation: AnnualEvaluation) -> dt.date:
    """The date written into the files: fixed by the year, so the same figures give the same
    workbook."""
    return dt.date(evaluation.year + 1, 1, 1)


def _sheet_title(number: int, title: str) -> str:
    for character in "[]:*?/\\":
        title = title.replace(character, "")
    return f"{number}.{title}"[:31]


# --- Excel -----------------------------------------------------------------------------------


def evaluation_xlsx(evaluation: AnnualEvaluation) -> bytes:
    with translation.override(LANGUAGE):
        sections = _sections(evaluation)
        wb = Workbook(write_only=True)
        summary = xlsx.new_sheet(
            wb, _("Summary"), [(18, False), (36, False), (10, False)] + [(14, False)] * 2
        )
        summary.append([xlsx.cell(summary, evaluation_title(evaluation), bold=True)])
        summary.append([])
        summary.append(
            [
                xlsx.cell(summary, header, bold=True)
                for header in (
                    _("Section"),
                    _("Figure"),
                    _("Unit"),
                    _("This year"),
                    _("Year before"),
                )
            ]
        )
        for section in sections:
            for row in section.figures:
                summary.append(
                    [
                        xlsx.cell(summary, section.title),
                        xlsx.cell(summary, row.label),
                        xlsx.cell(summary, row.unit),
                        xlsx.cell(summary, row.value),
                        xlsx.cell(summary, row.previous),
                    ]
                )
        for section in sections:
            _section_sheet(wb, evaluation, section)
        return xlsx.save(wb, _day(evaluation))


def _section_sheet(wb: Workbook, evaluation: AnnualEvaluation, section: SectionView) -> None:
    headers = [_("Division code"), _("Region"), *section.child_headers]
    ws = xlsx.new_sheet(
        wb,
        _sheet_title(section.number, section.title),
        [(14, True), (16, False)] + [(14, False)] * len(section.child_headers),
    )
    ws.append([xlsx.cell(ws, h, bold=True) for h in headers])
    for child in section.children:
        ws.append(
            [xlsx.cell(ws, child.code), xlsx.cell(ws, child.name)]
            + [xlsx.cell(ws, v) for v in child.values]
        )
    ws.append(
        [
            xlsx.cell(ws, evaluation.region_id, bold=True),
            xlsx.cell(ws, _("%(region)s (total)") % {"region": evaluation.region.name}, bold=True),
        ]
        + [xlsx.cell(ws, v, bold=True) for v in section.totals]
    )
    total_row = len(section.children) + 2
    # The section's figures and the year before, below the rows of regions.
    ws.append([])
    ws.append(
        [
            xlsx.cell(ws, h, bold=True)
            for h in (_("Figure"), _("Unit"), _("This year"), _("Year before"))
        ]
    )
    for row in section.figures:
        ws.append(
            [
                xlsx.cell(ws, row.label),
                xlsx.cell(ws, row.unit),
                xlsx.cell(ws, row.value),
                xlsx.cell(ws, row.previous),
            ]
        )
    for table in section.breakdowns:
        ws.append([])
        ws.append([xlsx.cell(ws, table.title, bold=True), xlsx.cell(ws, _("Count"), bold=True)])
        for item in table.rows:
            ws.append([xlsx.cell(ws, item.label), xlsx.cell(ws, item.value)])
    if section.children and section.chart_figure is not None:
        column = 3 + [f.key for f in section.child_figures].index(section.chart_figure.key)
        chart = BarChart()
        chart.type = "bar"
        chart.title = str(section.chart_figure.label)
        chart.legend = None
        chart.height = max(6, 0.6 * len(section.children) + 2)
        data = Reference(ws, min_col=column, min_row=1, max_row=total_row - 1)
        names = Reference(ws, min_col=2, min_row=2, max_row=total_row - 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(names)
        ws.add_chart(chart, f"{_column_letter(len(headers) + 2)}2")


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


# --- CSV -------------------------------------------------------------------------------------


def _csv_text(value: Any) -> Any:
    """Text a spreadsheet would read as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(xlsx.FORMULA_START):
        return "'" + value
    return "" if value is None else value


def evaluation_csv(evaluation: AnnualEvaluation) -> bytes:
    with translation.override(LANGUAGE):
        sections = _sections(evaluation)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            [
                _("Section"),
                _("Figure"),
                _("Unit"),
                _("Division code"),
                _("Region"),
                _("This year"),
                _("Year before"),
            ]
        )
        region = evaluation.region
        for section in sections:
            for row in section.figures:
                writer.writerow(
                    [
                        _csv_text(v)
                        for v in (
                            section.title,
                            row.label,
                            row.unit,
                            region.code,
                            region.name,
                            row.value,
                            row.previous,
                        )
                    ]
                )
            for child in section.children:
                for figure, value in zip(section.child_figures, child.values, strict=True):
                    writer.writerow(
                        [
                            _csv_text(v)
                            for v in (
                                section.title,
                                str(figure.label),
                                str(figure.unit),
                                child.code,
                                child.name,
                                value,
                                "",
                            )
                        ]
                    )
            for table in section.breakdowns:
                for item in table.rows:
                    writer.writerow(
                        [
                            _csv_text(v)
                            for v in (
                                section.title,
                                f"{table.title}:{item.label}",
                                "",
                                region.code,
                                region.name,
                                item.value,
                                "",
                            )
                        ]
                    )
        # With a byte-order mark, so that Excel opens the UTF-8 as Chinese.
        return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- PDF -------------------------------------------------------------------------------------


def _charts(section: SectionView) -> list[str]:
    drawn = []
    if section.children and section.chart_figure is not None:
        key = section.chart_figure.key
        drawn.append(
            charts.horizontal_bars(
                [c.name for c in section.children],
                [c.figures.get(key) for c in section.children],
                title=_("%(figure)s by region") % {"figure": section.chart_figure.label},
            )
        )
    for table in section.breakdowns[:2]:
        if not table.rows or not any(
            isinstance(r.value, int | float) and r.value for r in table.rows
        ):
            continue
        if table.key == "applications_by_month":
            drawn.append(
                charts.columns(
                    [r.label[5:] for r in table.rows],
                    [r.value for r in table.rows],
                    title=table.title,
                )
            )
        else:
            drawn.append(
                charts.horizontal_bars(
                    [r.label for r in table.rows], [r.value for r in table.rows], title=table.title
                )
            )
    return drawn


def evaluation_html(evaluation: AnnualEvaluation) -> str:
    with translation.override(LANGUAGE):
        sections = _sections(evaluation)
        for section in sections:
            section.charts = _charts(section)  # type: ignore[attr-defined]
            section.numeral = CHINESE_NUMBERS[section.number - 1]  # type: ignore[attr-defined]
        metrics = evaluation.metrics
        return render_to_string(
            "reports/pdf/evaluation.html",
            {
                "evaluation": evaluation,
                "title": evaluation_title(evaluation),
                "sections": sections,
                "level": level_label(evaluation.region.level),
                "period": metrics.get("period", {}),
                "previous_period": metrics.get("previous_period", {}),
                "parts": [(key, str(label)) for key, label in NARRATIVE_PARTS],
                "display": display,
            },
        )


_FONTS: dict[str, Any] = {}


def _font_configuration() -> Any:
    """One font configuration per process: finding and loading the CJK fonts is half of the
    time of a report otherwise."""
    from weasyprint.text.fonts import FontConfiguration

    if "config" not in _FONTS:
        _FONTS["config"] = FontConfiguration()
    return _FONTS["config"]


def evaluation_pdf(evaluation: AnnualEvaluation) -> bytes:
    from weasyprint import HTML

    html = evaluation_html(evaluation)
    return HTML(string=html, base_url=None).write_pdf(font_config=_font_configuration())


RENDERERS: dict[str, Callable[[AnnualEvaluation], bytes]] = {
    "xlsx": evaluation_xlsx,
    "pdf": evaluation_pdf,
    "csv": evaluation_csv,
}


# --- The zip of every county -----------------------------------------------------------------


def counties_zip(items: Iterable[tuple[str, bytes]], target: Any, *, day: dt.date) -> None:
    """Write ``(name, data)`` pairs into a zip file object, dated ``day``."""
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
