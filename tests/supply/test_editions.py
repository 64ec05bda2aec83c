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

from .conftest import SHANGHAI, TERMS, listing, make_charitable, publish_edition

pytestmark = pytest.mark.django_db


def _sha(edition: LedgerEdition) -> str:
    edition.workbook.open("rb")
    try:
        return hashlib.sha256(edition.workbook.read()).hexdigest()
    finally:
        edition.workbook.close()


def test_an_edition_freezes_the_published_ledger(published, draft_other, regions):
    edition = publish_edition("2026-H2")
    assert edition.entry_count == 1
    entry = edition.entries.get()
    assert (entry.project, entry.tier, entry.change) == (published, "county", "new")
    assert entry.snapshot["capacity"] == 10
    assert list(editions.entries_covering(edition, "441881101000")) == [entry]
    assert list(editions.entries_covering(edition, "441803102000")) == []


def test_the_snapshot_does_not_move_when_the_project_changes_afterwards(
    published, charity_a, county_officer, regions
):
    edition = publish_edition("2026-H2")
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
    first = publish_edition("2026-H2")
    second = publish_edition("2026-H2")
    assert first.pk == second.pk
    assert LedgerEdition.objects.count() == 1


def test_the_same_content_gives_byte_identical_files(published):
    first = publish_edition("2026-H2")
    digest = _sha(first)
    assert digest == first.workbook_sha256
    content = first.content_sha256
    first.delete()
    # Another moment of the same day, the same content.
    with time_machine.travel(dt.datetime(2026, 7, 1, 7, tzinfo=SHANGHAI), tick=False):
        again = editions.edition_publish(period="2026-H2")
    assert (_sha(again), again.content_sha256) == (digest, content)


def test_the_next_edition_lists_what_is_new_changed_and_gone(
    published, charity_a, county_officer, county_org, regions
):
    publish_edition("2026-H1")
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

    edition = publish_edition("2026-H2")
    changes = dict(edition.entries.values_list("title", "change"))
    assert changes == {"困境儿童助学金": "changed", "助老送餐": "new"}

    services.project_transition(user=county_officer, project=second, to="closed")
    third = publish_edition("2027-H1")
    assert (third.entry_count, third.removed_count) == (1, 1)
    assert list(third.removals.values_list("title", flat=True)) == ["助老送餐"]


def test_publication_tells_every_station_once(
    published, worker, colleague, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edition = publish_edition("2026-H2")
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
    make_charitable(published.organization)  # the disclosure rules bind charities only
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
    make_charitable(published.organization)
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
    edition = publish_edition("2026-H2")
    edition.workbook.open("rb")
    from openpyxl import load_workbook

    ws = load_workbook(edition.workbook).worksheets[0]
    edition.workbook.close()
    row = list(ws[2])
    titles = [c for c in row if c.value == "=SUM(A1)"]
    assert titles and titles[0].data_type == "s"  # text, not a formula
    assert "第一行第二行" in [c.value for c in row]


# --- What an edition lists (issue 9, point 3) ------------------------------------------------

TZ = SHANGHAI


def _at(day: str, hour: int = 2) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


def _rows(edition: LedgerEdition) -> list[dict[str, object]]:
    """The combined sheet of the edition's workbook, as dicts by header."""
    from openpyxl import load_workbook

    edition.workbook.open("rb")
    try:
        ws = load_workbook(edition.workbook).worksheets[0]
    finally:
        edition.workbook.close()
    header, *rows = list(ws.values)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def second(published, charity_a, county_officer, county_org, regions):
    """Another published listing of the county organisation."""
    project = services.project_save(
        user=charity_a,
        organization=county_org,
        fields=listing(title="助老送餐"),
        terms={"area": ["elderly_support"], "form": ["daily_living"]},
        coverage=[regions["township_a2"]],
    )
    services.project_transition(user=charity_a, project=project, to="pending_review")
    return services.project_transition(user=county_officer, project=project, to="published")


def test_a_listing_that_ended_by_the_publication_day_is_left_out(published, second):
    Project.objects.filter(pk=published.pk).update(ends_on=dt.date(2026, 7, 1))
    Project.objects.filter(pk=second.pk).update(ends_on=dt.date(2026, 7, 2))
    with time_machine.travel(_at("2026-07-01"), tick=False):
        edition = editions.edition_publish(period="2026-H2")
    # It ends on the publication day: nothing left of the half year.
    assert list(edition.entries.values_list("title", flat=True)) == ["助老送餐"]

    # Published late (a missed tick, or on demand): what ended meanwhile is gone too.
    edition.delete()
    with time_machine.travel(_at("2026-07-03", 9), tick=False):
        late = editions.edition_publish(period="2026-H2")
    assert late.entry_count == 0


def test_a_paused_listing_is_listed_and_marked_as_paused(
    client, published, second, charity_a, worker
):
    services.project_transition(user=charity_a, project=second, to="paused")
    edition = publish_edition("2026-H2")

    entries = {e.title: e for e in edition.entries.all()}
    assert set(entries) == {"困境儿童助学金", "助老送餐"}
    assert entries["助老送餐"].snapshot["paused"] is True and entries["助老送餐"].is_paused
    assert "paused" not in entries["困境儿童助学金"].snapshot
    rows = {row["项目名称"]: row for row in _rows(edition)}
    assert (rows["助老送餐"]["状态"], rows["困境儿童助学金"]["状态"]) == ("已暂停", "已发布")
    client.force_login(worker)
    page = client.get(f"/supply/editions/{edition.pk}/", {"township": ""}).content.decode()
    # Both entries are new: each shows under the changes and in the list by tier.
    assert page.count('data-mark="paused"') == 2 and page.count("<details") == 4


def test_a_pause_and_a_resumption_are_changes_not_a_removal_and_a_new_listing(
    published, second, charity_a, county_officer
):
    publish_edition("2026-H1")
    services.project_transition(user=charity_a, project=second, to="paused")
    paused = publish_edition("2026-H2")
    assert (paused.removed_count, paused.added_count, paused.changed_count) == (0, 0, 1)
    assert paused.entries.get(project=second).change == LedgerEntry.Change.CHANGED

    services.project_transition(user=county_officer, project=second, to="published")
    resumed = publish_edition("2027-H1")
    assert (resumed.removed_count, resumed.added_count, resumed.changed_count) == (0, 0, 1)
    entry = resumed.entries.get(project=second)
    assert (entry.change, entry.is_paused) == (LedgerEntry.Change.CHANGED, False)
    # Unchanged listings keep their hash from edition to edition.
    assert resumed.entries.get(project=published).change == LedgerEntry.Change.UNCHANGED


def test_a_stale_listing_is_marked_in_the_snapshot_the_workbook_and_the_page(
    client, published, second, worker
):
    with time_machine.travel(_at("2027-01-01"), tick=False):
        Project.objects.filter(pk=published.pk).update(
            last_confirmed_at=timezone.now() - dt.timedelta(days=200)
        )
        Project.objects.filter(pk=second.pk).update(
            last_confirmed_at=timezone.now() - dt.timedelta(days=20)
        )
        edition = editions.edition_publish(period="2027-H1")
    entries = {e.title: e for e in edition.entries.all()}
    assert entries["困境儿童助学金"].snapshot["stale"] is True
    assert "stale" not in entries["助老送餐"].snapshot and not entries["助老送餐"].is_stale
    rows = {row["项目名称"]: row["超过半年未确认"] for row in _rows(edition)}
    assert rows == {"困境儿童助学金": "是", "助老送餐": "否"}
    client.force_login(worker)
    page = client.get(f"/supply/editions/{edition.pk}/", {"township": ""}).content.decode()
    assert page.count('data-mark="stale"') == 2 and page.count("<details") == 4


def test_a_missed_tick_is_caught_up_by_the_daily_job_exactly_once(
    published, worker, django_capture_on_commit_callbacks
):
    publish_edition("2026-H2")
    # The 1 January 2027 tick never ran (the server was down). The daily job runs every
    # morning, and twice on 3 January (a retry).
    for day, hour in (("2026-12-31", 3), ("2027-01-02", 3), ("2027-01-03", 3), ("2027-01-03", 4)):
        with (
            time_machine.travel(_at(day, hour), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            tasks.catch_up_edition()
    assert list(LedgerEdition.objects.order_by("period").values_list("period", flat=True)) == [
        "2026-H2",
        "2027-H1",
    ]
    caught_up = LedgerEdition.objects.get(period="2027-H1")
    assert timezone.localtime(caught_up.published_at).date() == dt.date(2027, 1, 2)
    assert caught_up.entry_count == 1
    # The stations are told once, and the regular tick coming late changes nothing.
    told = Notification.objects.filter(recipient=worker, kind="ledger_edition")
    assert [n.title for n in told] == ["2027年上半年慈善帮扶资源供给台账已发布"]
    with time_machine.travel(_at("2027-01-04"), tick=False):
        assert tasks.publish_edition() == caught_up.pk
    assert LedgerEdition.objects.count() == 2


def test_the_catch_up_and_the_regular_tick_on_the_same_day_make_one_edition(published):
    with time_machine.travel(_at("2027-01-01", 2), tick=False):
        regular = tasks.publish_edition()
    with time_machine.travel(_at("2027-01-01", 3), tick=False):
        assert tasks.catch_up_edition() is None
    # The other way round: the catch-up first, then a late regular tick.
    with time_machine.travel(_at("2027-07-01", 1), tick=False):
        caught = tasks.catch_up_edition()
        assert tasks.publish_edition() == caught
    assert LedgerEdition.objects.filter(pk__in=[regular, caught]).count() == 2
    assert LedgerEdition.objects.count() == 2


def test_the_catch_up_runs_every_day_on_the_beat_schedule():
    beat = settings.CELERY_BEAT_SCHEDULE["supply-catch-up-edition"]
    assert beat["task"] == "supply.tasks.catch_up_edition"
    tz = timezone.get_default_timezone()
    start = dt.datetime(2027, 1, 1, 12, 0, tzinfo=tz)
    runs = _fire_times(beat["schedule"], start, start + dt.timedelta(days=3))
    assert [r.astimezone(tz).strftime("%m-%d %H:%M") for r in runs] == [
        "01-02 03:00",
        "01-03 03:00",
        "01-04 03:00",
    ]


def test_a_caught_up_edition_has_the_same_content_and_hash_as_a_timely_one(published):
    with time_machine.travel(_at("2027-01-01"), tick=False):
        timely = editions.edition_publish(period="2027-H1")
    content, workbook = timely.content_sha256, timely.workbook_sha256
    timely.delete()
    with time_machine.travel(_at("2027-01-02", 3), tick=False):
        caught = LedgerEdition.objects.get(pk=tasks.catch_up_edition())
    assert (caught.content_sha256, caught.workbook_sha256) == (content, workbook)
