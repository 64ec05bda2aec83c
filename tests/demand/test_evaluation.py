"""The demand signals as a section of the annual evaluation: the same figures, and no count of
needs under five in the frozen figures or their exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from reports import exports, metrics


def _section(region, period):
    section = metrics.SECTION_BY_KEY["demand"]
    return metrics.section_metrics(
        section, metrics.Context(region, period, metrics.child_regions(region))
    )


def _this_year():
    today = timezone.localdate()
    return metrics.Period(dt.date(today.year, 1, 1), today)


@pytest.mark.parametrize(("count", "shown"), [(4, False), (5, True)])
def test_the_section_suppresses_a_count_under_five(regions, needs_in, count, shown):
    needs_in(regions["township_a1"], count)
    data = _section(regions["county_a"], _this_year())
    figures = data["figures"]
    assert figures["demand_cells"] == 1 and figures["demand_gap_cells"] == 1
    expected = count if shown else "不公布"
    assert figures["demand_open_needs"] == expected
    assert figures["demand_gap_needs"] == expected
    (shakou, wangbu) = data["children"]
    assert shakou["figures"]["demand_open_needs"] == expected
    assert wangbu["figures"]["demand_open_needs"] == 0
    assert data["breakdowns"]["demand_by_area"] == [{"key": "poverty_relief", "value": expected}]
    assert data["breakdowns"]["demand_gaps"] == [{"key": "poverty_relief:cash", "value": expected}]


def test_the_section_counts_the_needs_open_at_the_end_of_the_period(regions, needs_in):
    needs_in(regions["township_a1"], 6)
    last_year = metrics.Period.year(timezone.localdate().year - 1)
    data = _section(regions["county_a"], last_year)
    assert data["figures"]["demand_open_needs"] == 0  # recorded this year
    assert _section(regions["county_a"], _this_year())["figures"]["demand_open_needs"] == 6


SMALL = {1, 2, 3, 4}


def test_the_csv_and_workbook_show_no_count_under_five(regions, needs_in):
    """沙口镇: 4 needs in one cell and 6 in another. The figures of needs read "不公布" where a
    count is under five (and where a total would give it away); only the numbers of kinds of
    need (area × form combinations) may be small."""
    needs_in(regions["township_a1"], 4)
    needs_in(regions["township_a1"], 6, area="medical_aid", form="care")
    section = metrics.SECTION_BY_KEY["demand"]
    data = metrics.compute(regions["county_a"], _this_year(), sections=(section,))
    evaluation = SimpleNamespace(
        region=regions["county_a"],
        region_id=regions["county_a"].code,
        metrics=data,
        narrative={},
        year=timezone.localdate().year,
    )
    kinds = {str(f.label) for f in section.figures if f.key in ("demand_cells", "demand_gap_cells")}
    title = str(section.title)

    rows = list(csv.reader(io.StringIO(exports.evaluation_csv(evaluation).decode("utf-8-sig"))))
    mine = [row for row in rows if row[0] == title and row[1] not in kinds]
    assert len(mine) > 4
    assert not any(row[5].isdigit() and int(row[5]) in SMALL for row in mine), mine
    assert any(row[5] == "不公布" for row in mine)
    assert any(row[5] == "10" for row in mine)  # the county's total: 10 may be shown

    workbook = load_workbook(io.BytesIO(exports.evaluation_xlsx(evaluation)))
    sheet = next(ws for ws in workbook.worksheets if title[:10] in ws.title)
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    headers = rows[0]
    published = []
    for row in rows[1:]:
        if row and isinstance(row[0], str) and row[0].isdigit():  # a region's row
            published += [v for h, v in zip(headers[2:], row[2:], strict=False) if h not in kinds]
        elif row and row[0] not in kinds:  # a figure or a breakdown's row
            published += row[1:]
    assert "不公布" in published
    assert not any(isinstance(v, int) and v in SMALL for v in published), published


def test_the_evaluation_suppresses_in_a_thread_while_the_other_sections_are_computed(
    regions, needs_in, monkeypatch
):
    """The province's demand figures are read first and suppressed beside the other sections'
    queries (``Section.prepare``); the section then reads them: the same figures as alone."""
    import threading

    from matching import demand

    needs_in(regions["township_a1"], 6)
    period = _this_year()
    alone = _section(regions["county_a"], period)
    from django.core.cache import cache

    cache.clear()
    threads = []
    build = demand.build_province

    def spying(*args):
        threads.append(threading.current_thread())
        return build(*args)

    monkeypatch.setattr(demand, "build_province", spying)
    data = metrics.compute(regions["county_a"], period)
    # The period's figures built in the worker thread; the main thread built only the year
    # before's (its totals, not prepared).
    assert len(threads) == 2
    assert threads[0] is not threading.main_thread()
    assert threads[1] is threading.main_thread()
    assert data["sections"]["demand"] == alone
