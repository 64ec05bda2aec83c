"""The referrals section of the evaluation on a hand-built fixture, computed by hand.

英德市 (county_a) is evaluated; a referral about a household of 清新区 (county_b) is outside it.
Dates are noon in Shanghai; ``due`` days are the deadlines fixed when each referral was sent.
"""

from __future__ import annotations

import pytest

from referrals.models import Case, Direction, Referral
from reports import metrics
from reports.metrics import Period

from ..supply.conftest import make_org
from .conftest import Builder, at, d

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral_data(regions, county_officer, frozen_clock):
    r = regions
    b = Builder(r)
    h_a1 = b.household(r["township_a1"], "2024-01-10")
    h_a2 = b.household(r["township_a2"], "2024-01-10")
    h_b1 = b.household(r["township_b1"], "2024-01-10")
    org = make_org(county_officer, r["county_a"], code="51441881MJ0000001Q")
    worker = b.worker_a1

    def referral(direction, region, sent, received_due, outcome_due, **values):
        values.setdefault("sender", worker)
        return Referral.objects.create(
            direction=direction,
            region=region,
            reason="测试",
            sent_at=at(sent),
            received_due=d(received_due),
            outcome_due=d(outcome_due),
            **values,
        )

    # R1: to a charity, received on time, helped on time.
    referral(
        Direction.TO_CHARITY, r["township_a1"], "2025-03-03", "2025-03-06", "2025-04-02",
        household=h_a1, receiver_organization=org, received_at=at("2025-03-04"),
        status="closed", outcome="helped", outcome_at=at("2025-03-20"),
    )  # fmt: skip
    # R2: to a charity, received late (06-10 > 06-05) and declined that day.
    referral(
        Direction.TO_CHARITY, r["township_a2"], "2025-06-02", "2025-06-05", "2025-07-02",
        household=h_a2, receiver_organization=org, received_at=at("2025-06-10"),
        answered_at=at("2025-06-10", 15), status="declined", decline_reason="不在服务范围",
    )  # fmt: skip
    # R3: a charity tells the county; never marked received; granted late (11-01 > 10-01).
    referral(
        Direction.TO_CIVIL_AFFAIRS, r["township_a1"], "2025-09-01", "2025-09-04", "2025-10-01",
        person_name="张三", sender_organization=org, receiver_region=r["county_a"],
        status="closed", outcome="granted", outcome_at=at("2025-11-01"),
    )  # fmt: skip
    # R4: to the station, urgent, received on 12-31 (due after New Year).
    referral(
        Direction.TO_STATION, r["township_a1"], "2025-12-30", "2026-01-05", "2026-01-29",
        household=h_a1, receiver_region=r["township_a1"], received_at=at("2025-12-31"),
        urgency="urgent", status="received",
    )  # fmt: skip
    # R5: last year, received on time.
    referral(
        Direction.TO_CHARITY, r["township_a1"], "2024-05-01", "2024-05-06", "2024-05-31",
        household=h_a1, receiver_organization=org, received_at=at("2024-05-02"),
        status="received",
    )  # fmt: skip
    # R6: outside the county.
    referral(
        Direction.TO_CHARITY, r["township_b1"], "2025-04-01", "2025-04-04", "2025-05-01",
        household=h_b1, receiver_organization=org, received_at=at("2025-04-02"),
        status="received",
    )  # fmt: skip
    # C1: a case opened at 沙口镇's station on the last day of the year, still open; C2 outside.
    for household, station in ((h_a1, r["township_a1"]), (h_b1, r["township_b1"])):
        Case.objects.create(
            household=household,
            station=station,
            worker=worker,
            opened_by=worker,
            opened_at=at("2025-12-31"),
        )
    return r


def test_it_counts_the_referrals_of_the_county_by_hand(referral_data):
    section = metrics.compute(referral_data["county_a"], Period.year(2025))["sections"]["referrals"]
    assert section["figures"] == {
        "referrals_sent": 4,  # R1–R4 (R5 is last year, R6 outside)
        "to_charity": 2,  # R1, R2
        "to_civil_affairs": 1,  # R3
        "to_station": 1,  # R4
        "declined": 1,  # R2
        "received_on_time": 2,  # R1 (03-04 ≤ 03-06), R4 (12-31 ≤ 01-05)
        "receipt_deadline_kept": 50.0,  # 2 of 4
        "outcomes_recorded": 2,  # R1, R3
        "granted": 1,  # R3
        "helped": 1,  # R1
        "outcome_on_time": 1,  # R1 (03-20 ≤ 04-02); R3 late
        "outcome_deadline_kept": 50.0,
        "cases_opened": 1,  # C1
        "cases_closed": 0,
    }
    assert section["previous"] == {
        "referrals_sent": 1,  # R5
        "to_charity": 1,
        "to_civil_affairs": 0,
        "to_station": 0,
        "declined": 0,
        "received_on_time": 1,
        "receipt_deadline_kept": 100.0,
        "outcomes_recorded": 0,
        "granted": 0,
        "helped": 0,
        "outcome_on_time": 0,
        "outcome_deadline_kept": None,  # nothing recorded: no rate
        "cases_opened": 0,
        "cases_closed": 0,
    }
    children = {row["name"]: row["figures"] for row in section["children"]}
    assert children["沙口镇"] == {
        "referrals_sent": 3,  # R1, R3, R4
        "to_charity": 1,
        "to_civil_affairs": 1,
        "receipt_deadline_kept": 66.7,  # R1 and R4 of 3
        "outcomes_recorded": 2,
        "granted": 1,
        "outcome_deadline_kept": 50.0,
    }
    assert children["望埠镇"] == {
        "referrals_sent": 1,  # R2
        "to_charity": 1,
        "to_civil_affairs": 0,
        "receipt_deadline_kept": 0.0,
        "outcomes_recorded": 0,
        "granted": 0,
        "outcome_deadline_kept": None,
    }
    assert section["breakdowns"] == {
        "referrals_by_direction": [
            {"key": "to_charity", "value": 2},
            {"key": "to_civil_affairs", "value": 1},
            {"key": "to_station", "value": 1},
        ],
        "referrals_by_urgency": [
            {"key": "normal", "value": 3},
            {"key": "urgent", "value": 1},
        ],
        "referral_outcomes": [
            {"key": "granted", "value": 1},
            {"key": "helped", "value": 1},
        ],
    }


def test_the_city_includes_both_counties_referrals(referral_data):
    section = metrics.compute(referral_data["city"], Period.year(2025))["sections"]["referrals"]
    assert section["figures"]["referrals_sent"] == 5  # R1–R4 and R6
    assert section["figures"]["cases_opened"] == 2
