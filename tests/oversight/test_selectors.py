"""The figures of complaints the annual evaluation reads (``complaint_figures``): counts of
the region and below for the year, concluded in time or late, and the time to conclusion."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from oversight import selectors, services
from oversight.models import Complaint

from .conftest import file

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
K = Complaint.Subject


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def _conclude(officer, complaint, day, finding="upheld"):
    with time_machine.travel(at(day), tick=False):
        services.complaint_start(user=officer, complaint=complaint)
        services.complaint_conclude(
            user=officer, complaint=complaint, finding=finding, reply="已处理"
        )


def _file(day, **values):
    with time_machine.travel(at(day), tick=False):
        return file(**values)[0]


def test_the_figures_count_the_year_of_the_region_and_below(
    project, city_project, county_officer, city_officer, regions, django_assert_max_num_queries
):
    in_time = _file(dt.date(2026, 3, 2), subject_kind=K.PROJECT, project=project)
    late = _file(dt.date(2026, 3, 2), subject_kind=K.PROJECT, project=project)
    _open = _file(dt.date(2026, 3, 3), subject_kind=K.ORGANIZATION, subject_name="英德市慈善会")
    city = _file(dt.date(2026, 4, 1), subject_kind=K.PROJECT, project=city_project)
    # Received at 23:30 on New Year's Eve in Shanghai: last year (15:30 UTC).
    with time_machine.travel(dt.datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI), tick=False):
        file(subject_kind=K.PROJECT, project=project)
    _conclude(county_officer, in_time, dt.date(2026, 3, 12))  # 10 days
    _conclude(county_officer, late, dt.date(2026, 4, 1), finding="not_upheld")  # 30 days
    _conclude(city_officer, city, dt.date(2026, 4, 3), finding="partly_upheld")  # 2 days

    with django_assert_max_num_queries(3):
        county = selectors.complaint_figures(regions["county_a"], 2026)
    assert county["received"] == 3
    assert county["concluded"] == 2
    assert county["concluded_in_time"] == 1 and county["concluded_late"] == 1
    assert county["open"] == 1
    assert county["upheld"] == 1
    assert county["mean_days"] == 20.0 and county["longest_days"] == 30.0
    assert county["by_subject"] == {"project": 2, "organization": 1, "application": 0, "staff": 0}

    whole_city = selectors.complaint_figures("441800000000", 2026)
    assert whole_city["received"] == 4 and whole_city["upheld"] == 2
    assert selectors.complaint_figures(regions["county_b"], 2026)["received"] == 0
    assert selectors.complaint_figures(regions["county_a"], 2025)["received"] == 1
    assert selectors.complaint_figures(regions["county_b"], 2026)["mean_days"] is None
