from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts.models import Notification
from supply import editions, services, tasks
from supply.models import LedgerEdition, LedgerEntry, Project, Reminder

from .conftest import TERMS, listing

pytestmark = pytest.mark.django_db


def _sha(edition: LedgerEdition) -> str:
    edition.workbook.open("rb")
    try:
        return hashlib.sha256(edition.workbook.read()).hexdigest()
    finally:
        edition.workbook.close()


def test_an_edition_freezes_the_published_ledger(published, draft_other, regions):
    edition = editions.edition_publish(period="2026-H2")
    assert edition.entry_count == 1
    entry = edition.entries.get()
    assert (entry.project, entry.tier, entry.change) == (published, "county", "new")
    assert entry.snapshot["capacity"] == 10
    assert list(editions.entries_covering(edition, "441881101000")) == [entry]
    assert list(editions.entries_covering(edition, "441803102000")) == []


def test_the_snapshot_does_not_move_when_the_project_changes_afterwards(
    published, charity_a, county_officer, regions
):
    edition = editions.edition_publish(period="2026-H2")
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 30},
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    services.listing_change_approve(user=county_officer, change=change)
    assert Project.objects.get(pk=published.pk).capacity == 30
    assert LedgerEntry.objects.get(edition=edition).snapshot["capacity"] == 10


def test_publishing_twice_for_one_period_makes_one_edition(published):
    first = editions.edition_publish(period="2026-H2")
    second = editions.edition_publish(period="2026-H2")
    assert first.pk == second.pk
    assert LedgerEdition.objects.count() == 1


def test_the_same_content_gives_byte_identical_files(published):
    first = editions.edition_publish(period="2026-H2")
    digest = _sha(first)
    assert digest == first.workbook_sha256
    content = first.content_sha256
    first.delete()
    with time_machine.travel(dt.timedelta(hours=5)):  # another moment, the same content
        again = editions.edition_publish(period="2026-H2")
    assert (_sha(again), again.content_sha256) == (digest, content)


def test_the_next_edition_lists_what_is_new_changed_and_gone(
    published, charity_a, county_officer, county_org, regions
):
    editions.edition_publish(period="2026-H1")
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 12},
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    services.listing_change_approve(user=county_officer, change=change)
    second = services.project_save(
        user=charity_a,
        organization=county_org,
        fields=listing(title="助老送餐"),
        terms={"area": ["elderly_support"], "form": ["daily_living"]},
        coverage=[regions["county_a"]],
    )
    services.project_transition(user=charity_a, project=second, to="pending_review")
    services.project_transition(user=county_officer, project=second, to="published")

    edition = editions.edition_publish(period="2026-H2")
    changes = dict(edition.entries.values_list("title", "change"))
    assert changes == {"困境儿童助学金": "changed", "助老送餐": "new"}

    services.project_transition(user=county_officer, project=second, to="closed")
    third = editions.edition_publish(period="2027-H1")
    assert (third.entry_count, third.removed_count) == (1, 1)
    assert list(third.removals.values_list("title", flat=True)) == ["助老送餐"]


def test_publication_tells_every_station_once(
    published, worker, colleague, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edition = editions.edition_publish(period="2026-H2")
    assert Notification.objects.filter(kind="ledger_edition").count() == 3
    assert tasks.notify_stations_of_edition(edition.pk) == 0  # a retry sends nothing
    assert Notification.objects.filter(kind="ledger_edition").count() == 3


def _fire_times(schedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """When celery beat would run an entry between start and end (its own crontab maths)."""
    times, last = [], start
    while True:
        with time_machine.travel(last, tick=False):
            remaining = schedule.remaining_estimate(last)
        due = last + remaining
        if due > end:
            return times
        times.append(due)
        last = due + dt.timedelta(seconds=1)


def test_over_two_years_the_edition_is_published_four_times_and_suppliers_reminded_four_times(
    published, charity_a, worker, django_capture_on_commit_callbacks
):
    tz = timezone.get_default_timezone()
    start = dt.datetime(2026, 11, 21, 12, 0, tzinfo=tz)
    end = start + dt.timedelta(days=730)
    beat = settings.CELERY_BEAT_SCHEDULE
    runs = []
    for name in (
        "supply-publish-edition",
        "supply-remind-suppliers-june",
        "supply-remind-suppliers-december",
    ):
        runs += [
            (due, beat[name]["task"]) for due in _fire_times(beat[name]["schedule"], start, end)
        ]
    runs.sort()
    for due, task in runs:
        with time_machine.travel(due, tick=False), django_capture_on_commit_callbacks(execute=True):
            for _tick in range(2):  # a second beat tick, or a retry, changes nothing
                if task.endswith("publish_edition"):
                    tasks.publish_edition()
                else:
                    tasks.remind_suppliers()

    assert [
        d.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        for d, t in runs
        if t.endswith("publish_edition")
    ] == ["2027-01-01 02:00", "2027-07-01 02:00", "2028-01-01 02:00", "2028-07-01 02:00"]
    assert list(LedgerEdition.objects.order_by("period").values_list("period", flat=True)) == [
        "2027-H1",
        "2027-H2",
        "2028-H1",
        "2028-H2",
    ]
    assert list(
        Reminder.objects.filter(kind="confirm_listings")
        .order_by("period")
        .values_list("period", flat=True)
    ) == ["2027-H1", "2027-H2", "2028-H1", "2028-H2"]
    assert Notification.objects.filter(recipient=charity_a, kind="confirm_listings").count() == 4
    assert Notification.objects.filter(recipient=worker, kind="ledger_edition").count() == 4


def test_stale_listings_and_overdue_disclosures_are_flagged_once_a_month(
    published, charity_a, county_officer
):
    with time_machine.travel(dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC), tick=False):
        Project.objects.filter(pk=published.pk).update(
            last_confirmed_at=timezone.now() - dt.timedelta(days=200),
            last_disclosed_on=dt.date(2026, 1, 1),
        )
        assert tasks.flag_stale_listings("2026-11-21") == 2  # stale, and disclosure overdue
        assert tasks.flag_stale_listings("2026-11-22") == 0  # once a month
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        assert tasks.flag_stale_listings("2026-12-02") == 2  # the next month, again
    titles = set(
        Notification.objects.filter(recipient=county_officer, kind="listing_followup").values_list(
            "title", flat=True
        )
    )
    assert len(titles) == 2
    assert Notification.objects.filter(recipient=charity_a, kind="listing_followup").count() == 4


def test_the_final_disclosure_is_due_after_the_end_and_cleared_when_made(published, charity_a):
    Project.objects.filter(pk=published.pk).update(
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2026, 6, 30),
        last_disclosed_on=dt.date(2026, 6, 1),
    )
    services.project_transition(
        user=charity_a, project=Project.objects.get(pk=published.pk), to="closed"
    )
    with time_machine.travel(dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC), tick=False):
        project = Project.objects.get(pk=published.pk)
        assert project.disclosure_due_on() == dt.date(2026, 9, 28)
        assert tasks.flag_stale_listings("2026-11-21") == 1  # the closed project is still scanned
        services.project_record_disclosure(
            user=charity_a, project=project, on=dt.date(2026, 11, 20)
        )
        assert Project.objects.get(pk=published.pk).disclosure_due_on() is None


def test_a_control_character_does_not_stop_the_publication(published):
    Project.objects.filter(pk=published.pk).update(
        application_process="第一行\x0b第二行", title="=SUM(A1)"
    )
    edition = editions.edition_publish(period="2026-H2")
    edition.workbook.open("rb")
    from openpyxl import load_workbook

    ws = load_workbook(edition.workbook).worksheets[0]
    edition.workbook.close()
    row = list(ws[2])
    titles = [c for c in row if c.value == "=SUM(A1)"]
    assert titles and titles[0].data_type == "s"  # text, not a formula
    assert "第一行第二行" in [c.value for c in row]
