"""Every figure of the evaluation on the hand-built fixture (conftest.py), computed by hand.

The working of each expected value is next to it. 英德市 (county_a) is the region evaluated;
清新区 (county_b) is "outside" it, and its rows must not count.
"""

from __future__ import annotations

import datetime as dt

import pytest

from reports import metrics
from reports.metrics import Period

pytestmark = pytest.mark.django_db

YEAR = Period.year(2025)


def _compute(region, period=YEAR):
    return metrics.compute(region, period)


@pytest.fixture
def yingde(evaluation_data):
    return _compute(evaluation_data["regions"]["county_a"])


def _children(section):
    return {row["name"]: row["figures"] for row in section["children"]}


def test_it_counts_the_needs_survey_of_the_county_by_hand(yingde):
    needs = yingde["sections"]["needs"]
    assert needs["figures"] == {
        # visits in 2025: H1 ×2, H2, H3 (H1's visit of 2024-12-31 is last year, H5 is outside)
        "households_visited": 3,
        "visits": 4,
        # at the end of 2025: H1 and H2 (H3 archived in October, H4 recorded in 2026)
        "households": 2,
        # H1: 甲 (乙 left in August); H2: 丙, 丁, 戊
        "people": 4,
        # N2, N3, N4, N5, N6 and the second medical need of H2 (N1 was recorded in 2024)
        "needs_recorded": 6,
        "urgent_needs": 2,  # N2, N6
        # N1 (open), N4 (matching), N6 (open); ages at 2025-12-31: 425, 213, 30 days
        "needs_open_at_end": 3,
        "needs_open_over_90_days": 2,
        "open_need_median_age_days": 213,
    }
    assert needs["previous"] == {
        "households_visited": 1,  # H1 on 2024-12-31
        "visits": 1,
        "households": 1,  # H1
        "people": 2,  # 甲, 乙
        "needs_recorded": 1,  # N1
        "urgent_needs": 0,
        "needs_open_at_end": 1,  # N1, 60 days old at 2024-12-31
        "needs_open_over_90_days": 0,
        "open_need_median_age_days": 60,
    }
    breakdowns = needs["breakdowns"]
    assert breakdowns["households_by_gap_class"] == [
        {"key": "covered_still_in_difficulty", "value": 1},
        {"key": "not_eligible_in_difficulty", "value": 1},
    ]
    # 甲 and 丁 on dibao, 丙 tekun since July (her dibao ended in June); 乙 left the household
    assert breakdowns["people_by_status"] == [
        {"key": "dibao", "value": 2},
        {"key": "tekun", "value": 1},
    ]
    assert breakdowns["needs_by_area"] == [
        {"key": "education_aid", "value": 2},
        {"key": "medical_aid", "value": 2},
        {"key": "elderly_support", "value": 1},
        {"key": "poverty_relief", "value": 1},
    ]
    assert breakdowns["needs_by_form"] == [
        {"key": "cash", "value": 4},
        {"key": "care", "value": 1},
        {"key": "in_kind", "value": 1},
    ]
    assert _children(needs) == {
        "沙口镇": {
            "households_visited": 2,
            "households": 2,
            "people": 4,
            "needs_recorded": 5,
            "urgent_needs": 2,
            "needs_open_at_end": 3,
        },
        "望埠镇": {
            "households_visited": 1,
            "households": 0,
            "people": 0,
            "needs_recorded": 1,
            "urgent_needs": 0,
            "needs_open_at_end": 0,
        },
    }


def test_it_counts_the_supply_of_the_county_by_hand(yingde):
    supply = yingde["sections"]["supply"]
    assert supply["figures"] == {
        "organizations": 1,  # O1 (O2 is Qingxin's, O3 the city's, O4 the province's)
        "charitable_organizations": 1,
        # O1's P1 and P2 ran in 2025 (the draft never was in the ledger, P7 ended in 2024)
        "projects": 2,
        "places_offered": 10,  # P1; P2 has no fixed number
        "open_ended_projects": 1,
        "budget_offered": 10000.0,
        # P1 (county), P2 (a township of it), P5 (the city's, covering Yingde), P6 (the
        # province's, until March 2025); not P4 (Qingxin)
        "projects_covering": 4,
        "cross_region_projects": 2,  # P5, P6
        "editions_published": 2,  # 2025-H1 and 2025-H2 (2024-H2 is last year)
        "edition_entries": 2,  # P2 in 2025-H1, P1 in 2025-H2 (P4's entry covers Qingxin)
        "stale_listings": 1,  # P2, last confirmed on 2025-03-01
    }
    breakdowns = supply["breakdowns"]
    assert breakdowns["projects_by_tier"] == [{"key": "county", "value": 2}]
    assert breakdowns["projects_by_area"] == [
        {"key": "education_aid", "value": 1},
        {"key": "poverty_relief", "value": 1},
    ]
    assert breakdowns["projects_by_form"] == [
        {"key": "cash", "value": 2},
        {"key": "in_kind", "value": 1},
    ]
    assert breakdowns["organizations_by_type"] == [{"key": "association", "value": 1}]
    # No organisation is registered with a township
    assert all(not any(row.values()) for row in _children(supply).values())


def test_it_counts_the_matching_frequency_of_the_county_by_hand(yingde):
    matching = yingde["sections"]["matching"]
    assert matching["figures"] == {
        # submitted in 2025 in Yingde: A1, A2, A3, A4, A5, A6, A8 (A7 is Qingxin's, A9 2024)
        "applications": 7,
        "self_applications": 1,  # A3
        "assisted_applications": 6,
        "simplified_procedure": 1,  # A1
        "households_applying": 3,  # H1, H2, H3
        "projects_applied_to": 3,  # P1, P2, P5
        "workers_applying": 2,
        "applications_per_worker": 3.5,
    }
    assert matching["previous"]["applications"] == 1  # A9
    by_month = {row["key"]: row["value"] for row in matching["breakdowns"]["applications_by_month"]}
    assert len(by_month) == 12
    assert {k: v for k, v in by_month.items() if v} == {
        "2025-01": 1,
        "2025-03": 1,
        "2025-04": 1,
        "2025-05": 1,
        "2025-06": 2,
        "2025-12": 1,
    }
    assert [(r["key"], r["value"]) for r in matching["breakdowns"]["applications_by_project"]] == [
        ("助学金", 3),
        ("济困物资", 2),
        ("市级医疗救助", 2),
    ]
    assert [(r["key"], r["value"]) for r in matching["breakdowns"]["applications_by_worker"]] == [
        ("沙口社工", 6),
        ("望埠社工", 1),
    ]
    assert _children(matching)["沙口镇"] == {
        "applications": 6,
        "households_applying": 2,
        "workers_applying": 1,
    }
    assert _children(matching)["望埠镇"] == {
        "applications": 1,
        "households_applying": 1,
        "workers_applying": 1,
    }


def test_it_counts_the_match_results_of_the_county_by_hand(yingde):
    results = yingde["sections"]["results"]
    assert results["figures"] == {
        "answered": 4,  # A1, A2, A3, A6 answered in 2025
        "accepted": 3,
        "rejected": 1,
        "acceptance_rate": 75.0,
        "expired": 1,  # A5
        "median_days_to_answer": 3.0,  # 1, 2, 4, 5 days
        "delivered": 2,  # A1, A3
        "value_delivered": 1500.5,
        "median_days_to_delivery": 23.0,  # 31 and 15 days
        "needs_met": 1,  # N2
        "needs_unmet": 2,  # N3, N8
        "needs_withdrawn": 1,  # N5
        "duplicate_flags_raised": 3,  # A3, A6, A8
        "duplicate_flags_resolved": 2,  # A3 (cleared), A8 (upheld)
        "duplicate_flags_upheld": 1,
    }
    assert results["previous"]["answered"] == 1  # A9, rejected after 5 days
    assert results["previous"]["acceptance_rate"] == 0.0
    assert results["previous"]["median_days_to_answer"] == 5.0
    assert results["previous"]["median_days_to_delivery"] is None
    breakdowns = results["breakdowns"]
    assert breakdowns["rejection_reasons"] == [{"key": "no_places", "value": 1}]
    assert breakdowns["rejection_criteria"] == []
    # N3's last application was rejected for want of places; N8 had none
    assert breakdowns["unmet_reasons"] == [
        {"key": "no_application", "value": 1},
        {"key": "rejected_no_places", "value": 1},
    ]
    assert breakdowns["delivered_by_area"] == [
        {"key": "education_aid", "value": 1},
        {"key": "elderly_support", "value": 1},
    ]
    children = _children(results)
    assert children["沙口镇"] == {
        "answered": 4,
        "accepted": 3,
        "acceptance_rate": 75.0,
        "median_days_to_answer": 3.0,
        "delivered": 2,
        "value_delivered": 1500.5,
        "needs_met": 1,
        "needs_unmet": 2,
    }
    assert children["望埠镇"] == {
        "answered": 0,
        "accepted": 0,
        "acceptance_rate": None,
        "median_days_to_answer": None,
        "delivered": 0,
        "value_delivered": 0,
        "needs_met": 0,
        "needs_unmet": 0,
    }


def test_it_counts_the_satisfaction_of_both_sides_by_hand(yingde):
    satisfaction = yingde["sections"]["satisfaction"]
    assert satisfaction["figures"] == {
        "household_feedback": 2,  # A1: 5, A3: 3 (A7's 2 is Qingxin's)
        "household_satisfaction": 4.0,
        "household_satisfied": 1,
        "supplier_feedback": 1,  # A1: 4
        "supplier_satisfaction": 4.0,
        "supplier_satisfied": 1,
    }
    assert satisfaction["breakdowns"]["household_distribution"] == [
        {"key": 1, "value": 0},
        {"key": 2, "value": 0},
        {"key": 3, "value": 1},
        {"key": 4, "value": 0},
        {"key": 5, "value": 1},
    ]


def test_it_counts_the_disclosure_by_hand(yingde):
    disclosure = yingde["sections"]["disclosure"]
    assert disclosure["figures"] == {
        "listings_to_confirm": 2,  # P1, P2 published
        "listings_confirmed_on_time": 1,  # P1 (P2 last confirmed in March)
        "listings_stale": 1,
        "confirmation_rate": 50.0,
        # O1 is charitable: P1, P2 and the ended P7 (the draft never was in the ledger)
        "disclosures_required": 3,
        "disclosures_on_time": 1,  # P1, disclosed 2025-11-15
        # P2 (running, last disclosed 2025-05-01) and P7 (ended mid-2024, no final disclosure)
        "disclosures_overdue": 2,
    }


def test_a_region_is_the_sum_of_its_children_and_nothing_outside(evaluation_data):
    """The city's child rows are exactly each county's own totals, and the city's counts are
    their sums (nothing is recorded at the city itself but O3's organisation and project)."""
    regions = evaluation_data["regions"]
    city = _compute(regions["city"])
    counties = {
        name: _compute(regions[key])
        for key, name in (("county_a", "英德市"), ("county_b", "清新区"))
    }
    for key, section in city["sections"].items():
        rows = _children(section)
        assert set(rows) == {"英德市", "清新区"}
        for name, county in counties.items():
            for figure, value in rows[name].items():
                assert county["sections"][key]["figures"][figure] == value, (key, name, figure)
    for figure in ("households", "people", "needs_recorded", "visits"):
        assert city["sections"]["needs"]["figures"][figure] == sum(
            c["sections"]["needs"]["figures"][figure] for c in counties.values()
        )
    assert city["sections"]["matching"]["figures"]["applications"] == 8  # 7 + A7
    assert city["sections"]["satisfaction"]["figures"]["household_feedback"] == 3
    assert city["sections"]["supply"]["figures"]["organizations"] == 3  # O1, O2, O3
    assert city["sections"]["supply"]["figures"]["places_offered"] == 35  # 10 + 5 + 20
    # Qingxin alone: none of Yingde's rows
    qingxin = counties["清新区"]["sections"]
    assert qingxin["needs"]["figures"]["households"] == 1
    assert qingxin["matching"]["figures"]["applications"] == 1
    assert qingxin["results"]["figures"]["value_delivered"] == 300.0
    assert qingxin["satisfaction"]["figures"]["household_satisfaction"] == 2.0


def test_a_township_rows_are_its_villages_and_its_totals_its_own(evaluation_data):
    regions = evaluation_data["regions"]
    shakou = _compute(regions["township_a1"])
    assert shakou["sections"]["matching"]["figures"]["applications"] == 6
    assert shakou["sections"]["needs"]["children"] == []  # no villages in the fixture


def test_a_date_range_counts_only_its_days(evaluation_data):
    regions = evaluation_data["regions"]
    spring = metrics.compute(regions["county_a"], Period(dt.date(2025, 3, 1), dt.date(2025, 5, 31)))
    # A1 (03-10), A2 (04-05), A4 (05-03)
    assert spring["sections"]["matching"]["figures"]["applications"] == 3
    months = spring["sections"]["matching"]["breakdowns"]["applications_by_month"]
    assert [row["key"] for row in months] == ["2025-03", "2025-04", "2025-05"]
    assert spring["previous_period"] == {"start": "2024-03-01", "end": "2024-05-31"}


def test_the_whole_read_beside_the_child_rows_is_the_whole_computed_alone(evaluation_data):
    """A region with children takes its totals from the child rows' computation (one scan on
    PostgreSQL): for every section and level, the same figures as the whole computed alone."""
    regions = evaluation_data["regions"]
    for key in ("province", "city", "county_a", "county_b"):
        region = regions[key]
        ctx = metrics.Context(region=region, period=YEAR, children=metrics.child_regions(region))
        assert ctx.children, key
        for section in metrics.SECTIONS:
            if section.whole_apart:
                continue
            beside = section.compute(ctx, YEAR, ctx.length)[""]
            alone = section.compute(ctx, YEAR, None)[""]
            assert metrics._fill(beside, section) == metrics._fill(alone, section), (
                key,
                section.key,
            )


def test_the_whole_is_computed_apart_only_where_it_has_figures_of_its_own(
    evaluation_data, monkeypatch
):
    """Each section's current period is computed once for a region with children (the child
    rows and the whole together), twice only for a section whose whole has its own figures
    (supply: listings covering the region, editions)."""
    import dataclasses

    calls: list[tuple[str, object, object]] = []

    def spying(section):
        def compute(ctx, period, length):
            calls.append((section.key, period, length))
            return section.compute(ctx, period, length)

        return dataclasses.replace(section, compute=compute)

    monkeypatch.setattr(metrics, "SECTIONS", tuple(spying(s) for s in metrics.SECTIONS))
    region = evaluation_data["regions"]["city"]
    metrics.compute(region, YEAR, sections=metrics.SECTIONS)
    apart = {key for key, period, length in calls if period == YEAR and length is None}
    assert apart == {"supply"}
    assert {key for key, period, _length in calls if period == YEAR} == {
        s.key for s in metrics.SECTIONS
    }
