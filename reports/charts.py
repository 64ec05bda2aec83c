"""Charts for the PDF as SVG drawn on the server (WeasyPrint renders SVG; the dashboards'
ECharts runs only in a browser). Geometry here, markup in ``templates/reports/charts/*.svg``;
labels are escaped by the template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from .presentation import display

PALETTE = ("#1f6f8b", "#e8a33d", "#5a9367", "#c0504d", "#7f6ab0")


@dataclass
class Bar:
    label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    color: str


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def horizontal_bars(
    labels: list[str], values: list[Any], *, title: str, width: int = 640, max_rows: int = 20
) -> str:
    """One bar per row, the label left of it and the value at its end."""
    labels, values = labels[:max_rows], values[:max_rows]
    row, top, label_width = 22, 30, 150
    plot = width - label_width - 70
    peak = max([_number(v) for v in values] + [0]) or 1.0
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        length = plot * _number(value) / peak
        y = top + index * row
        bars.append(
            Bar(
                label=label,
                value_text=display(value),
                x=label_width,
                y=y + 4,
                width=max(length, 0.5 if value else 0),
                height=row - 8,
                label_x=label_width - 6,
                label_y=y + row / 2 + 4,
                value_x=label_width + length + 4,
                value_y=y + row / 2 + 4,
                color=PALETTE[0],
            )
        )
    height = top + max(len(bars), 1) * row + 10
    return render_to_string(
        "reports/charts/bars.svg",
        {"bars": bars, "title": title, "width": width, "height": height, "axis_x": label_width},
    )


def columns(labels: list[str], values: list[Any], *, title: str, width: int = 640) -> str:
    """Vertical columns (months), the value above each and the label below."""
    top, bottom, left = 30, 40, 20
    height = 220
    plot_height = height - top - bottom
    count = max(len(values), 1)
    slot = (width - 2 * left) / count
    peak = max([_number(v) for v in values] + [0]) or 1.0
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        size = plot_height * _number(value) / peak
        x = left + index * slot + slot * 0.15
        bars.append(
            Bar(
                label=label,
                value_text=display(value),
                x=x,
                y=top + plot_height - size,
                width=slot * 0.7,
                height=size,
                label_x=x + slot * 0.35,
                label_y=top + plot_height + 16,
                value_x=x + slot * 0.35,
                value_y=top + plot_height - size - 4,
                color=PALETTE[1],
            )
        )
    return render_to_string(
        "reports/charts/columns.svg",
        {
            "bars": bars,
            "title": title,
            "width": width,
            "height": height,
            "baseline": top + plot_height,
            "left": left,
            "right": width - left,
        },
    )
