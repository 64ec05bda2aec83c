"""The daily follow-up of referrals with frozen time: the receiver is reminded once when a
referral is not received within 3 working days (the Chinese calendar: weekends, public holidays,
weekend days worked), and the civil affairs of the subject's region are told once when it has
no outcome after 30 days; the administrators' holiday table covers years the library does not
know."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import Notification
from referrals import jobs, services, workdays
from referrals.models import Holiday, Referral

from ..factories import UserFactory
from .conftest import send_person, send_to_charity

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 8, minute: int = 30) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def referral_consent_of_child(referral_consent_of_child):
    """The tests travel back to the autumn of 2026: the consent recorded today is given from the
    start of the year."""
    from needs.models import Consent

    Consent.objects.filter(pk=referral_consent_of_child.pk).update(
        given_on=dt.date(2026, 1, 1), expires_on=dt.date(2027, 12, 31)
    )
    referral_consent_of_child.refresh_from_db()
    return referral_consent_of_child


def run_daily(first: dt.date, last: dt.date) -> dict[dt.date, jobs.FollowUp]:
    """The beat tick every day (twice: a retry or a second worker changes nothing)."""
    results = {}
    day = first
    while day <= last:
        with time_machine.travel(at(day), tick=False):
            results[day] = jobs.follow_up()
            again = jobs.follow_up()
            assert (again.reminded, again.escalated) == (0, 0), day
        day += dt.timedelta(days=1)
    return results


def _days(results, attribute: str) -> list[dt.date]:
    return [day for day, result in results.items() if getattr(result, attribute)]


def test_national_day_and_a_weekend_push_the_receipt_deadline_and_each_step_happens_once(
    worker, family, child, fulian, fulian_staff, referral_consent_of_child, county_officer
):
    # Sent on Wednesday 30 September 2026, the eve of the National Day holiday (1–7 October);
    # Saturday 10 October is worked instead (调休).
    with time_machine.travel(at(dt.date(2026, 9, 30), 10), tick=False):
        referral = send_to_charity(worker, family, fulian, member=child)
    # 8, 9 and 10 October are the three working days: not 3 October (three calendar days),
    # nor 5 October (three weekdays).
    assert referral.received_due == dt.date(2026, 10, 10)
    assert referral.outcome_due == dt.date(2026, 10, 30)
    reminders_before = Notification.objects.filter(recipient=fulian_staff).count()

    results = run_daily(dt.date(2026, 10, 1), dt.date(2026, 11, 10))

    assert _days(results, "reminded") == [dt.date(2026, 10, 11)]
    assert _days(results, "escalated") == [dt.date(2026, 10, 31)]
    referral.refresh_from_db()
    assert referral.reminded_at is not None and referral.escalated_at is not None
    staff_titles = list(
        Notification.objects.filter(recipient=fulian_staff).values_list("title", flat=True)
    )
    assert len(staff_titles) == reminders_before + 2  # the reminder, then the escalation
    # The civil affairs of the child's county are told once.
    assert Notification.objects.filter(recipient=county_officer).count() == 1


def test_a_plain_weekend_counts_as_two_days_off(
    worker, family, child, fulian, referral_consent_of_child
):
    # Thursday 12 November 2026: Friday, then Monday and Tuesday.
    with time_machine.travel(at(dt.date(2026, 11, 12), 17), tick=False):
        referral = send_to_charity(worker, family, fulian, member=child)
    assert referral.received_due == dt.date(2026, 11, 17)
    results = run_daily(dt.date(2026, 11, 13), dt.date(2026, 11, 20))
    assert _days(results, "reminded") == [dt.date(2026, 11, 18)]


def test_a_referral_received_in_time_is_not_reminded_but_escalated_without_an_outcome(
    worker, family, child, fulian, fulian_staff, referral_consent_of_child
):
    with time_machine.travel(at(dt.date(2026, 9, 30), 10), tick=False):
        referral = send_to_charity(worker, family, fulian, member=child)
    with time_machine.travel(at(dt.date(2026, 10, 9), 9), tick=False):
        services.referral_receive(user=fulian_staff, referral=referral)
    results = run_daily(dt.date(2026, 10, 1), dt.date(2026, 11, 3))
    assert _days(results, "reminded") == []
    assert _days(results, "escalated") == [dt.date(2026, 10, 31)]


def test_an_outcome_in_time_ends_the_follow_up(
    worker, family, child, fulian, fulian_staff, referral_consent_of_child
):
    with time_machine.travel(at(dt.date(2026, 9, 30), 10), tick=False):
        referral = send_to_charity(worker, family, fulian, member=child)
    results = run_daily(dt.date(2026, 10, 1), dt.date(2026, 10, 11))
    with time_machine.travel(at(dt.date(2026, 10, 12), 9), tick=False):
        services.referral_accept(user=fulian_staff, referral=referral)
        services.referral_start_service(user=fulian_staff, referral=referral)
    results |= run_daily(dt.date(2026, 10, 12), dt.date(2026, 11, 3))
    assert _days(results, "reminded") == [dt.date(2026, 10, 11)]
    assert _days(results, "escalated") == []


def test_the_county_as_receiver_is_escalated_to_the_city(
    county_org, charity_a, regions, county_officer
):
    city_officer = UserFactory(username="city", role="civil_affairs", region=regions["city"])
    with time_machine.travel(at(dt.date(2026, 9, 30), 10), tick=False):
        referral = send_person(charity_a, county_org, regions["township_a1"])
    run_daily(dt.date(2026, 10, 1), dt.date(2026, 11, 2))
    referral.refresh_from_db()
    assert referral.reminded_at and referral.escalated_at
    assert (
        Notification.objects.filter(recipient=city_officer, title__contains=referral.number).count()
        == 1
    )
    # The county: the referral, its reminder, and the escalation's copy to the receiver.
    assert Notification.objects.filter(recipient=county_officer).count() == 3


# --- Working days ----------------------------------------------------------------------------


def test_the_library_knows_the_official_arrangement():
    assert not workdays.is_workday(dt.date(2026, 10, 5))  # Monday of the National Day holiday
    assert workdays.is_workday(dt.date(2026, 10, 10))  # Saturday worked instead
    assert workdays.add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)


def test_a_year_the_library_does_not_know_falls_back_to_the_administrators_table():
    # chinese-calendar 1.11 knows up to 2026: New Year's Day 2027 is a Friday.
    assert workdays.add_working_days(dt.date(2026, 12, 30), 3) == dt.date(2027, 1, 4)
    Holiday.objects.create(day=dt.date(2027, 1, 1), name="元旦")
    assert workdays.add_working_days(dt.date(2026, 12, 30), 3) == dt.date(2027, 1, 5)
    Holiday.objects.create(day=dt.date(2027, 1, 2), name="调休上班", is_workday=True)
    assert workdays.is_workday(dt.date(2027, 1, 2))
    assert workdays.add_working_days(dt.date(2026, 12, 30), 3) == dt.date(2027, 1, 4)


def test_the_table_corrects_a_day_the_library_knows():
    assert workdays.is_workday(dt.date(2026, 12, 31))
    Holiday.objects.create(day=dt.date(2026, 12, 31), name="临时调整")
    assert not workdays.is_workday(dt.date(2026, 12, 31))


def test_the_deadline_follows_the_table_for_a_referral_sent_at_the_turn_of_the_year(
    worker, family, child, fulian, referral_consent_of_child
):
    Holiday.objects.create(day=dt.date(2027, 1, 1), name="元旦")
    with time_machine.travel(at(dt.date(2026, 12, 30), 10), tick=False):
        referral = send_to_charity(worker, family, fulian, member=child)
    assert referral.received_due == dt.date(2027, 1, 5)
    results = run_daily(dt.date(2026, 12, 31), dt.date(2027, 1, 8))
    assert _days(results, "reminded") == [dt.date(2027, 1, 6)]


def test_the_holidays_are_kept_in_the_admin(admin_client):
    from django.urls import reverse

    assert admin_client.get(reverse("admin:referrals_holiday_add")).status_code == 200


__all__ = ["Referral"]
