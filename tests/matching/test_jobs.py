"""The daily follow-up with frozen time: remind at 10 days, escalate at 20, expire at 30 —
exactly once each — and ask for feedback after delivery until both sides gave it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone, translation

from accounts.models import Notification
from matching import jobs, services, tasks
from matching.models import Application
from needs.models import Need

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _days(n: int) -> dt.datetime:
    return START + dt.timedelta(days=n)


def _inbox(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind="application")
        .order_by("pk")
        .values_list("title", flat=True)
    )


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def waiting(traveller, worker, need, consent, project):
    return services.application_create(user=worker, need=need, project=project, mode="assisted")


def test_it_reminds_escalates_and_expires_exactly_once_each(
    waiting, traveller, worker, charity_a, county_officer, other_county_officer, need
):
    supplier_before = len(_inbox(charity_a))  # the notice of the new application

    for day in range(0, 10):
        traveller.move_to(_days(day))
        assert jobs.follow_up() == jobs.FollowUp()

    traveller.move_to(_days(10))
    assert jobs.follow_up().reminded == 1
    assert jobs.follow_up() == jobs.FollowUp()  # a second tick the same day
    assert len(_inbox(charity_a)) == supplier_before + 1
    assert waiting.number in _inbox(charity_a)[-1]

    for day in range(11, 20):
        traveller.move_to(_days(day))
        assert jobs.follow_up() == jobs.FollowUp()

    traveller.move_to(_days(20))
    assert jobs.follow_up().escalated == 1
    assert jobs.follow_up() == jobs.FollowUp()
    assert len(_inbox(county_officer)) == 1
    assert _inbox(other_county_officer) == []
    assert len(_inbox(charity_a)) == supplier_before + 1  # no second reminder

    for day in range(21, 30):
        traveller.move_to(_days(day))
        assert jobs.follow_up() == jobs.FollowUp()

    traveller.move_to(_days(30))
    assert jobs.follow_up().expired == 1
    assert jobs.follow_up() == jobs.FollowUp()
    row = Application.objects.get(pk=waiting.pk)
    assert row.status == Application.Status.EXPIRED
    assert len(_inbox(worker)) == 1
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN  # back on the list for other resources

    for day in range(31, 60):
        traveller.move_to(_days(day))
        assert jobs.follow_up() == jobs.FollowUp()
    assert len(_inbox(county_officer)) == 1
    assert len(_inbox(worker)) == 1


def test_an_answer_in_time_stops_the_follow_up(waiting, traveller, charity_a, county_officer):
    traveller.move_to(_days(5))
    services.application_reject(user=charity_a, application=waiting, reason="no_places")
    for day in (10, 20, 30):
        traveller.move_to(_days(day))
        assert jobs.follow_up() == jobs.FollowUp()
    assert _inbox(county_officer) == []


def test_a_late_run_expires_without_reminding_first(waiting, traveller, charity_a, county_officer):
    before = len(_inbox(charity_a))
    traveller.move_to(_days(45))
    assert jobs.follow_up() == jobs.FollowUp(expired=1)
    # The supplier hears that it expired, not a reminder to answer.
    assert len(_inbox(charity_a)) == before + 1
    assert "expired" in _inbox(charity_a)[-1]


def test_feedback_is_asked_for_every_week_until_both_sides_gave_it(
    waiting, traveller, worker, charity_a, county_officer
):
    services.application_accept(user=charity_a, application=waiting)
    services.review_confirm(user=county_officer, application=waiting)
    services.application_deliver(
        user=charity_a,
        application=waiting,
        delivered_on=timezone.localdate(),
        value=Decimal("800"),
    )
    worker_before, supplier_before = len(_inbox(worker)), len(_inbox(charity_a))

    traveller.move_to(_days(6))
    assert jobs.follow_up().feedback_reminders == 0
    traveller.move_to(_days(7))
    assert jobs.follow_up().feedback_reminders == 1
    assert jobs.follow_up().feedback_reminders == 0
    assert len(_inbox(worker)) == worker_before + 1
    assert len(_inbox(charity_a)) == supplier_before + 1

    services.feedback_record(
        user=worker,
        application=Application.objects.get(pk=waiting.pk),
        side="household",
        satisfaction=4,
        need_outcome="met",
    )
    traveller.move_to(_days(14))
    assert jobs.follow_up().feedback_reminders == 1
    assert len(_inbox(worker)) == worker_before + 1  # the household side is done
    assert len(_inbox(charity_a)) == supplier_before + 2

    services.feedback_record(
        user=charity_a,
        application=Application.objects.get(pk=waiting.pk),
        side="supplier",
        satisfaction=5,
    )
    traveller.move_to(_days(21))
    assert jobs.follow_up().feedback_reminders == 0


def test_the_task_is_scheduled_daily_and_runs_the_job(waiting, traveller):
    entry = settings.CELERY_BEAT_SCHEDULE["matching-follow-up"]
    assert entry["task"] == "matching.tasks.follow_up_applications"
    traveller.move_to(_days(10))
    assert tasks.follow_up_applications.delay().get() == {
        "expired": 0,
        "escalated": 0,
        "reminded": 1,
        "feedback_reminders": 0,
    }
