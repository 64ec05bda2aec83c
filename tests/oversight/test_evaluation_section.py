"""The complaints section of the annual evaluation (reports.metrics) on a hand-built fixture,
computed by hand: the county's complaints of the year, concluded by the day due or late, upheld,
open at the end, the median days to conclusion, and the year before."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from oversight.models import Complaint
from reports import metrics
from reports.metrics import Period

from .test_selectors import SHANGHAI, _conclude, _file

pytestmark = pytest.mark.django_db

K = Complaint.Subject


def test_the_evaluation_counts_the_complaints_of_the_county_by_hand(
    project, city_project, county_officer, city_officer, regions
):
    in_time = _file(dt.date(2026, 3, 2), subject_kind=K.PROJECT, project=project)
    late = _file(dt.date(2026, 3, 2), subject_kind=K.PROJECT, project=project)
    _file(dt.date(2026, 3, 3), subject_kind=K.ORGANIZATION, subject_name="英德市慈善会")
    city = _file(dt.date(2026, 4, 1), subject_kind=K.PROJECT, project=city_project)
    with time_machine.travel(dt.datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI), tick=False):
        _file(dt.date(2025, 12, 31), subject_kind=K.PROJECT, project=project)
    _conclude(county_officer, in_time, dt.date(2026, 3, 12))  # 10 days, by the day due
    _conclude(county_officer, late, dt.date(2026, 4, 1), finding="not_upheld")  # 30 days, late
    _conclude(city_officer, city, dt.date(2026, 4, 3), finding="partly_upheld")  # the city's

    section = metrics.compute(regions["county_a"], Period.year(2026))["sections"]["complaints"]
    assert section["figures"] == {
        "complaints_received": 3,  # the city's complaint went to the city, last year's is 2025
        "complaints_concluded": 2,
        "concluded_in_time": 1,
        "complaint_deadline_kept": 50.0,
        "complaints_upheld": 1,
        "complaints_open_at_end": 2,  # the organisation one and last year's, both unanswered
        "median_days_to_conclusion": 20.0,
    }
    assert section["previous"]["complaints_received"] == 1
    assert section["breakdowns"]["complaints_by_finding"] == [
        {"key": "not_upheld", "value": 1},
        {"key": "upheld", "value": 1},
    ]
