"""The frozen figures as people read them: labels in the active language, this year beside the
year before, child regions as rows. Pages, the PDF, the workbook and the CSV all read this, so
the four say the same thing.

An evaluation's JSON names figures and sections by key; a section the JSON lacks (an evaluation
built before the section existed) is left out, and so is a key this code does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region

from .metrics import SECTIONS, Figure, Section


@dataclass
class FigureRow:
    key: str
    label: str
    unit: str
    value: Any
    previous: Any

    @property
    def change(self) -> Any:
        if not isinstance(self.value, int | float) or not isinstance(self.previous, int | float):
            return None
        return round(self.value - self.previous, 2)


@dataclass
class BreakdownRow:
    label: str
    value: Any
    note: str = ""


@dataclass
class BreakdownTable:
    key: str
    title: str
    rows: list[BreakdownRow]


@dataclass
class ChildRow:
    code: str
    name: str
    values: list[Any]
    figures: dict[str, Any]


@dataclass
class SectionView:
    key: str
    title: str
    figures: list[FigureRow]
    breakdowns: list[BreakdownTable]
    child_figures: list[Figure]
    children: list[ChildRow]
    chart_figure: Figure | None
    number: int = 0
    narrative: dict[str, str] = field(default_factory=dict)

    @property
    def child_headers(self) -> list[str]:
        return [_label(f) for f in self.child_figures]

    @property
    def totals(self) -> list[Any]:
        by_key = {row.key: row.value for row in self.figures}
        return [by_key.get(f.key) for f in self.child_figures]


def _label(figure: Figure) -> str:
    return str(figure.label)


def _breakdowns(section: Section, data: dict[str, Any]) -> list[BreakdownTable]:
    tables = []
    stored = data.get("breakdowns", {})
    for info in section.breakdown_info:
        rows = stored.get(info.key)
        if rows is None:
            continue
        labels = info.labels or {}
        tables.append(
            BreakdownTable(
                key=info.key,
                title=str(info.title),
                rows=[
                    BreakdownRow(
                        label=str(labels.get(row["key"], row["key"]) or _("Not recorded")),
                        value=row["value"],
                        note=row.get("organization", ""),
                    )
                    for row in rows
                ],
            )
        )
    return tables


def present(metrics: dict[str, Any], narrative: dict[str, Any] | None = None) -> list[SectionView]:
    """The sections of a metrics JSON, in the order of ``SECTIONS``."""
    views = []
    stored = metrics.get("sections", {})
    narrative = narrative or {}
    for section in SECTIONS:
        data = stored.get(section.key)
        if data is None:
            continue
        figures, previous = data.get("figures", {}), data.get("previous", {})
        chart = next((f for f in section.figures if f.key == section.chart_figure), None)
        views.append(
            SectionView(
                key=section.key,
                title=str(section.title),
                figures=[
                    FigureRow(
                        key=f.key,
                        label=_label(f),
                        unit=str(f.unit),
                        value=figures.get(f.key),
                        previous=previous.get(f.key),
                    )
                    for f in section.figures
                    if f.key in figures
                ],
                breakdowns=_breakdowns(section, data),
                child_figures=list(section.child_figures),
                children=[
                    ChildRow(
                        code=row["code"],
                        name=row["name"],
                        values=[row["figures"].get(f.key) for f in section.child_figures],
                        figures=row["figures"],
                    )
                    for row in data.get("children", [])
                ],
                chart_figure=chart if chart and chart.per_child else None,
                number=len(views) + 1,
                narrative=narrative.get(section.key) or {},
            )
        )
    return views


def level_label(level: str) -> str:
    return str(Region.Level(level).label) if level in Region.Level.values else level


def display(value: Any) -> str:
    """A figure as text: thousands separators, one decimal for means and medians, a dash for
    nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return f"{value:,.0f}"
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return text
    return str(value)


#: The three parts of a section's narrative (the county writes each, the city reads them).
NARRATIVE_PARTS = (
    ("worked", gettext_lazy("What worked")),
    ("not_worked", gettext_lazy("What did not work")),
    ("plans", gettext_lazy("Plans for next year")),
)
