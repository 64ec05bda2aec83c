"""The daily follow-up of complaints with frozen time: 15 working days to reply (weekends and
public holidays left out), the department reminded once after 10 working days and the
department above told once when the deadline passed; a concluded complaint is left alone; the
staff a complaint names are never told."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import Notification
from oversight import jobs, services, tasks
from oversight.models import Complaint
from referrals.models import Holiday

from .conftest import file

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
K = Complaint.Subject


def at(day: dt.date, hour: int = 8, minute: int = 45) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def file_on(day: dt.date, **values) -> Complaint:
    with time_machine.travel(at(day, 10), tick=False):
        complaint, _code = file(**values)
    return complaint


def run_daily(first: dt.date, last: dt.date) -> dict[dt.date, jobs.FollowUp]:
    """The beat tick every day, twice (a retry or a second worker changes nothing)."""
    results = {}
    day = first
    while day <= last:
        with time_machine.travel(at(day), tick=False):
            results[day] = jobs.follow_up()
            again = tasks.follow_up_complaints()
            assert again == {"reminded": 0, "escalated": 0}, day
        day += dt.timedelta(days=1)
    return results


def _days(results, attribute: str) -> list[dt.date]:
    return [day for day, result in results.items() if getattr(result, attribute)]


def _titles(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind="complaint")
        .order_by("pk")
        .values_list("title", flat=True)
    )


def test_it_reminds_after_ten_working_days_and_escalates_after_fifteen_once_each(
    project, county_officer, city_officer
):
    # Monday 2 November 2026: no public holiday until the deadline.
    complaint = file_on(dt.date(2026, 11, 2), subject_kind=K.PROJECT, project=project)
    assert complaint.remind_on == dt.date(2026, 11, 16)
    assert complaint.due_on == dt.date(2026, 11, 23)

    results = run_daily(dt.date(2026, 11, 3), dt.date(2026, 12, 10))

    assert _days(results, "reminded") == [dt.date(2026, 11, 16)]
    assert _days(results, "escalated") == [dt.date(2026, 11, 24)]
    assert len(_titles(county_officer)) == 3  # filed, reminded, escalated
    assert len(_titles(city_officer)) == 1  # escalated
    assert "2026-11-23" in _titles(city_officer)[0]


def test_public_holidays_push_the_deadline_and_the_administrators_table_counts(
    project, county_officer
):
    # Wednesday 30 September 2026, before the National Day holiday.
    complaint = file_on(dt.date(2026, 9, 30), subject_kind=K.PROJECT, project=project)
    plain = dt.date(2026, 9, 30) + dt.timedelta(days=21)  # three calendar weeks
    assert complaint.due_on > plain

    Holiday.objects.create(day=dt.date(2026, 12, 7), name="测试假日", is_workday=False)
    later = file_on(dt.date(2026, 11, 30), subject_kind=K.PROJECT, project=project)
    # Monday 30 November: 15 working days would be 21 December, one more for the 7th.
    assert later.due_on == dt.date(2026, 12, 22)


def test_a_concluded_complaint_is_neither_reminded_nor_escalated(project, county_officer):
    complaint = file_on(dt.date(2026, 11, 2), subject_kind=K.PROJECT, project=project)
    with time_machine.travel(at(dt.date(2026, 11, 10)), tick=False):
        services.complaint_start(user=county_officer, complaint=complaint)
        services.complaint_conclude(
            user=county_officer, complaint=complaint, finding="not_upheld", reply="经核查不属实"
        )

    results = run_daily(dt.date(2026, 11, 3), dt.date(2026, 12, 1))

    assert _days(results, "reminded") == [] and _days(results, "escalated") == []


def test_a_complaint_concluded_after_the_reminder_is_not_escalated(project, county_officer):
    complaint = file_on(dt.date(2026, 11, 2), subject_kind=K.PROJECT, project=project)
    first = run_daily(dt.date(2026, 11, 3), dt.date(2026, 11, 17))
    with time_machine.travel(at(dt.date(2026, 11, 18)), tick=False):
        services.complaint_start(user=county_officer, complaint=complaint)
        services.complaint_conclude(
            user=county_officer, complaint=complaint, finding="upheld", reply="已整改"
        )
    second = run_daily(dt.date(2026, 11, 18), dt.date(2026, 12, 1))

    assert _days(first, "reminded") == [dt.date(2026, 11, 16)]
    assert _days(second, "escalated") == []


def test_the_staff_named_are_never_told(regions, county_officer, county_colleague, city_officer):
    file_on(
        dt.date(2026, 11, 2),
        subject_kind=K.STAFF,
        subject_name=county_officer.name,
        place=regions["county_a"],
    )
    run_daily(dt.date(2026, 11, 3), dt.date(2026, 11, 30))

    assert _titles(county_officer) == []
    assert len(_titles(county_colleague)) == 3
    assert len(_titles(city_officer)) == 1
