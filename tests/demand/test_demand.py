"""Demand signals (issue 14, point 4): open needs by region × area × form, counts under five
suppressed in every page, API answer and evaluation export; gaps beside the counts."""

from __future__ import annotations

import random
import re

import pytest
from django.urls import reverse

from matching import demand
from supply.models import Project

from ..factories import UserFactory
from .conftest import shown_counts

SHOWCASE = "/showcase/demand/"
API = "/api/matching/demand/"


def _cell(region, area="poverty_relief", form="cash"):
    return next(c for c in region.cells if (c.area, c.form) == (area, form))


def _figures(code):
    return demand.compute_province("440000000000")[code]


# --- Counting and suppression ------------------------------------------------------------------


def test_it_counts_only_live_needs_by_township_area_and_form(regions, needs_in):
    shakou = regions["township_a1"]
    needs_in(shakou, 6)
    needs_in(shakou, 3, status="matching")
    needs_in(shakou, 7, status="met")
    needs_in(shakou, 5, status="withdrawn")
    needs_in(shakou, 5, area="medical_aid", form="care")
    township = _figures(shakou.code)
    assert _cell(township).open == 9
    assert _cell(township, "medical_aid", "care").open == 5
    assert township.total == 14
    county = _figures(regions["county_a"].code)
    assert county.total == 14 and _cell(county).open == 9
    assert _figures("440000000000").total == 14


@pytest.mark.parametrize(("count", "shown"), [(4, False), (5, True)])
def test_a_count_of_four_is_suppressed_and_five_is_shown(regions, needs_in, count, shown):
    needs_in(regions["township_a1"], count)
    for code in ("441881101000", "441881000000", "441800000000", "440000000000"):
        region = _figures(code)
        assert _cell(region).open == (count if shown else None)
        assert region.total == (count if shown else None)
        assert region.by_area == {"poverty_relief": count if shown else None}


def test_a_shown_count_is_hidden_when_a_total_would_give_a_small_one_away(regions, needs_in):
    """沙口镇 has 4 needs in one cell and 5 in another: with the total of 9 shown, the 5 is
    hidden too, or 9 - 5 would tell the 4."""
    needs_in(regions["township_a1"], 4)
    needs_in(regions["township_a1"], 5, area="medical_aid", form="care")
    township = _figures(regions["township_a1"].code)
    assert township.total == 9
    assert _cell(township).open is None
    assert _cell(township, "medical_aid", "care").open is None


def test_a_difference_with_a_total_cannot_reveal_a_suppressed_cell(regions, needs_in):
    """英德市 has 12 needs in one cell: 8 in 沙口镇 and 4 in 望埠镇. Showing 12 and 8 would give
    the 4 away, so 沙口镇's 8 is hidden too; the same for each township's total."""
    needs_in(regions["township_a1"], 8)
    needs_in(regions["township_a2"], 4)
    county = _figures(regions["county_a"].code)
    shakou = _figures(regions["township_a1"].code)
    wangbu = _figures(regions["township_a2"].code)
    assert _cell(county).open == 12
    assert _cell(wangbu).open is None and wangbu.total is None
    assert _cell(shakou).open is None and shakou.total is None


def test_no_published_sum_gives_a_hidden_count_back(regions, needs_in, running_project):
    """Random needs over the tree: for every sum the pages publish (totals, area subtotals,
    parent cells, gap and covered parts), the hidden values are none, or at least two whose
    sum is at least five or itself hidden."""
    rng = random.Random(14)
    running_project(regions["township_a1"], area="medical_aid", form="care")
    for township in ("township_a1", "township_a2", "township_b1"):
        for area in ("poverty_relief", "medical_aid"):
            for form in ("cash", "care"):
                count = rng.choice([0, 1, 2, 3, 4, 5, 6, 9])
                if count:
                    needs_in(regions[township], count, area=area, form=form)
    figures = demand.compute_province("440000000000")
    shown_any = False
    for region in figures.values():
        for cell in region.cells:
            shown_any = shown_any or cell.open is not None
            assert cell.open is None or cell.open >= demand.THRESHOLD
            assert cell.gap is None or cell.gap == 0 or cell.gap >= demand.THRESHOLD
        kids = [figures[c] for c in region.children if figures[c].has_needs]
        if kids:  # a parent and its children: never exactly one of them hidden
            hidden = [k for k in kids if k.total is None] + ([region] * (region.total is None))
            assert len(hidden) != 1, region.code
            for cell in region.cells:
                parts = [
                    k_cell
                    for k in kids
                    for k_cell in k.cells
                    if (k_cell.area, k_cell.form) == (cell.area, cell.form)
                ]
                hidden = [c for c in [cell, *parts] if c.open is None]
                assert len(hidden) != 1, (region.code, cell)
        areas = list(region.by_area.values())
        hidden = [v for v in [region.total, *areas] if v is None]
        assert len(hidden) != 1 or not region.has_needs, region.code
        for value in [region.total, region.gap_total, *region.by_area.values()]:
            assert value is None or value == 0 or value >= demand.THRESHOLD
    assert shown_any


def test_suppress_leaves_no_constraint_exposed_on_random_tables():
    """Random two-level tables (rows, columns, row and column totals, a grand total): after
    suppression no sum has exactly one hidden value, and beside a published sum the hidden
    values add up to zero or at least five."""
    rng = random.Random(4)
    for _ in range(50):
        values = {
            (r, c): rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 13]) for r in range(4) for c in range(4)
        }
        for r in range(4):
            values[(r, "all")] = sum(values[(r, c)] for c in range(4))
        for c in range(4):
            values[("all", c)] = sum(values[(r, c)] for r in range(4))
        values[("all", "all")] = sum(values[(r, "all")] for r in range(4))
        groups = [((r, "all"), [(r, c) for c in range(4)]) for r in range(4)]
        groups += [(("all", c), [(r, c) for r in range(4)]) for c in range(4)]
        groups.append((("all", "all"), [(r, "all") for r in range(4)]))
        groups.append((("all", "all"), [("all", c) for c in range(4)]))
        hidden = demand.suppress(values, groups)
        assert {k for k, v in values.items() if 0 < v < 5} <= hidden
        for parent, members in groups:
            if not values[parent]:
                continue
            members = [m for m in members if values[m]]
            in_group = [k for k in [parent, *members] if k in hidden]
            assert len(in_group) != 1, (values, hidden, parent)
            hidden_sum = sum(values[m] for m in members if m in hidden)
            assert parent in hidden or hidden_sum == 0 or hidden_sum >= 5


def test_suppress_hides_a_complement_until_no_constraint_is_exposed():
    values = {("p",): 20, ("a",): 3, ("b",): 8, ("c",): 9}
    hidden = demand.suppress(values, [(("p",), [("a",), ("b",), ("c",)])])
    assert hidden == {("a",), ("b",)}  # 3 alone would be 20 - 8 - 9; 3 + 8 = 11 is safe
    values = {("p",): 9, ("a",): 1, ("b",): 2, ("c",): 6}
    hidden = demand.suppress(values, [(("p",), [("a",), ("b",), ("c",)])])
    assert hidden == {("a",), ("b",), ("c",)}  # 1 + 2 = 3 would still be given away


# --- Gaps ------------------------------------------------------------------------------------


def test_a_cell_is_a_gap_where_no_running_project_covers_the_township(
    regions, needs_in, running_project
):
    needs_in(regions["township_a1"], 6)
    needs_in(regions["township_a2"], 7)
    running_project(regions["township_a1"])  # 沙口镇 only, the same area and form
    shakou, wangbu = _figures(regions["township_a1"].code), _figures(regions["township_a2"].code)
    assert not _cell(shakou).is_gap
    assert _cell(wangbu).is_gap and _cell(wangbu).gap == 7 and _cell(wangbu).fully_uncovered
    county = _figures(regions["county_a"].code)
    assert _cell(county).open == 13
    assert _cell(county).is_gap and not _cell(county).fully_uncovered
    assert _cell(county).gap == 7  # a project for the county would meet 望埠镇's 7


def test_a_project_of_another_area_form_or_not_running_leaves_the_gap(
    regions, needs_in, running_project
):
    needs_in(regions["township_a1"], 6)
    running_project(regions["county_a"], area="medical_aid")
    running_project(regions["county_a"], form="care")
    running_project(regions["county_a"], status=Project.Status.PAUSED)
    running_project(regions["county_a"], title="已结束", ends_on=None)  # see below
    Project.objects.filter(title="已结束").update(ends_on="2020-12-31")
    assert _cell(_figures(regions["township_a1"].code)).gap == 6
    running_project(regions["city"])  # a city-wide listing covers the township
    assert not _cell(_figures(regions["township_a1"].code)).is_gap


# --- The public page, the API and the charity's page -------------------------------------------


@pytest.mark.parametrize(("count", "shown"), [(4, False), (5, True)])
def test_the_showcase_page_never_shows_a_count_under_five(client, regions, needs_in, count, shown):
    needs_in(regions["township_a1"], count)
    for place in ("", "441800000000", "441881000000", "441881101000"):
        response = client.get(SHOWCASE, {"place": place} if place else {})
        assert response.status_code == 200
        html = response.content.decode()
        numbers = shown_counts(html)
        assert all(n >= 5 for n in numbers), (place, numbers)
        assert (count in numbers) is shown
        assert bool(re.search(r'demand-suppressed"[^>]*>不公布<', html)) is not shown
    response = client.get(SHOWCASE, {"place": "441881101000"})
    assert "扶贫济困</span> · 资金" in response.content.decode()


def test_the_showcase_page_filters_by_area_and_lists_the_townships(client, regions, needs_in):
    needs_in(regions["township_a1"], 6)
    needs_in(regions["township_a2"], 9, area="medical_aid", form="care")
    response = client.get(SHOWCASE, {"place": "441881000000", "area": "medical_aid"})
    html = response.content.decode()
    assert "沙口镇" in html and "望埠镇" in html
    cells = response.context["cells"]
    assert [(c.area, c.form, c.open) for c in cells] == [("medical_aid", "care", 9)]
    assert response.context["shown"]["total"] == 9
    assert client.get(SHOWCASE, {"place": "999999999999"}).status_code == 404


def test_the_showcase_links_to_the_demand_page(client, regions):
    response = client.get("/showcase/")
    assert reverse("demand:showcase") in response.content.decode()


@pytest.mark.parametrize(("count", "shown"), [(4, False), (5, True)])
def test_the_api_answers_null_for_a_count_under_five(
    client, regions, needs_in, county_officer, count, shown
):
    needs_in(regions["township_a1"], count)
    assert client.get(API).status_code == 401
    client.force_login(county_officer)
    for place in ("441881000000", "441881101000"):
        data = client.get(API, {"place": place}).json()
        (cell,) = data["cells"]
        assert cell["suppressed"] is not shown
        assert cell["open_needs"] == (count if shown else None)
        assert cell["gap"] is True and cell["gap_needs"] == (count if shown else None)
        assert data["region"]["open_needs"] == (count if shown else None)
        for child in data["children"]:
            assert child["open_needs"] in (0, None) or child["open_needs"] >= 5
    assert client.get(API, {"place": "12"}).status_code == 400
    assert client.get(API, {"area": "nope"}).status_code == 400
    assert client.get(API, {"place": "441881101001"}).status_code == 400  # a village


def test_the_api_and_page_run_a_bounded_number_of_queries(
    client, regions, needs_in, county_officer, django_assert_max_num_queries
):
    needs_in(regions["township_a1"], 6)
    client.force_login(county_officer)
    with django_assert_max_num_queries(8):  # session, user; regions, coverage, terms, GROUP BY
        client.get(API, {"place": "441881000000"})
    with django_assert_max_num_queries(4):  # session, user; the rest from the cache
        client.get(API, {"place": "441881000000"})


def test_the_charity_page_shows_its_covered_regions_first(
    client, regions, needs_in, running_project
):
    needs_in(regions["township_a2"], 7)
    needs_in(regions["township_b1"], 8, area="elderly_support", form="daily_living")
    running_project(regions["township_a1"], area="education_aid")
    client.force_login(running_project.charity)
    response = client.get(reverse("matching:charity_demand"))
    assert response.status_code == 200
    covered = response.context["covered"]
    assert [region.code for region, _cells in covered] == ["441881101000"]
    html = response.content.decode()
    # Elsewhere: the counties with the largest gaps (太和镇's county has 8 with no project).
    (gap,) = [(r.code, c.gap) for r, c in response.context["elsewhere"] if r.code == "441803000000"]
    assert gap == ("441803000000", 8)
    assert all(n == 0 or n >= 5 for n in shown_counts(html)), shown_counts(html)


def test_only_charity_staff_open_the_charity_page(client, regions, county_officer):
    client.force_login(county_officer)
    assert client.get(reverse("matching:charity_demand")).status_code == 404
    client.logout()
    assert client.get(reverse("matching:charity_demand")).status_code == 302


def test_the_charity_workspace_links_to_its_demand_page(client, regions):
    charity = UserFactory(role="charity")
    client.force_login(charity)
    html = client.get(reverse("supply:charity_workspace")).content.decode()
    assert reverse("matching:charity_demand") in html
