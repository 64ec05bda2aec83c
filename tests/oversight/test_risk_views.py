"""Risk signals reach the responsible worker and the county: pages and API in scope (another
county gets 404), resolving needs a note and a resolved signal does not come back while the
facts are the same, one notification per recipient per day."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from accounts.models import Notification
from oversight.models import RiskRule, RiskSignal
from oversight.services_risk import NOTIFICATION_KIND

from .risk_fixtures import days_ago, household, run, signals, urgent_need, visited

R = RiskRule


@pytest.fixture
def tekun_household(worker, regions):
    """A 特困 household of 沙口镇 (英德市) never visited: rule e fires."""
    return household(worker, regions["township_a1"], statuses=["tekun"])


@pytest.fixture
def signal(tekun_household) -> RiskSignal:
    run()
    return signals(R.TEKUN_UNVISITED).get()


def _detail(signal):
    return reverse("oversight:risk_signal_detail", args=[signal.pk])


def _resolve(signal):
    return reverse("oversight:risk_signal_resolve", args=[signal.pk])


# --- scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["worker", "colleague", "county_officer"])
def test_it_shows_the_signal_to_the_station_and_the_county(client, request, signal, persona):
    client.force_login(request.getfixturevalue(persona))

    listed = client.get(reverse("oversight:risk_signal_list"))
    detail = client.get(_detail(signal))

    assert listed.status_code == 200 and signal.household.code in listed.content.decode()
    assert detail.status_code == 200
    assert "特困户从未入户走访" in detail.content.decode()


@pytest.mark.parametrize("persona", ["outsider", "other_county_officer"])
def test_another_county_gets_404_and_an_empty_list(client, request, signal, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(_detail(signal)).status_code == 404
    assert client.post(_resolve(signal), {"note": "看过"}).status_code == 404
    listed = client.get(reverse("oversight:risk_signal_list"))
    assert signal.household.code not in listed.content.decode()
    api = client.get(reverse("oversight_api:risk_signal_detail", args=[signal.pk]))
    assert api.status_code == 404
    assert client.get(reverse("oversight_api:risk_signal_list")).json()["count"] == 0


def test_the_list_filters_by_rule_and_status(client, worker, regions, signal):
    urgent_need(worker, signal.household, days_open=9)
    run()
    client.force_login(worker)
    url = reverse("oversight:risk_signal_list")

    by_rule = client.get(url, {"rule": R.URGENT_NEED_OPEN}).context["page"].object_list
    resolved = client.get(url, {"status": "resolved"}).context["page"].object_list
    everything = client.get(url, {"status": "all"}).context["page"].object_list

    assert [s.rule for s in by_rule] == [R.URGENT_NEED_OPEN]
    assert list(resolved) == []
    assert len(everything) == 2
    assert client.get(url, {"rule": "nonsense"}).status_code == 404


def test_the_dashboard_card_counts_open_signals(client, county_officer, signal):
    client.force_login(county_officer)

    card = client.get(reverse("oversight:risk_dashboard_card"))

    assert card.status_code == 200 and card.context["counts"]["open"] == 1


def test_the_list_runs_a_bounded_number_of_queries(
    client, worker, regions, django_assert_max_num_queries
):
    for _ in range(5):
        household(worker, regions["township_a1"], statuses=["tekun"])
    run()
    client.force_login(worker)
    with django_assert_max_num_queries(12):
        client.get(reverse("oversight:risk_signal_list"))


# --- resolving --------------------------------------------------------------------------------


def test_resolving_requires_a_note(client, worker, signal):
    client.force_login(worker)

    response = client.post(_resolve(signal), {"note": "   "})

    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    assert 'class="invalid-feedback' in response.content.decode()
    signal.refresh_from_db()
    assert signal.is_open


def test_resolving_with_a_note_closes_it_and_keeps_the_note_encrypted(client, worker, signal):
    from django.db import connection

    client.force_login(worker)

    response = client.post(_resolve(signal), {"note": "已电话联系，周五入户"})

    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.status == "resolved" and signal.resolved_by == worker
    assert signal.resolution_note == "已电话联系，周五入户"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resolution_note FROM oversight_risksignal WHERE id = %s", [signal.pk]
        )
        assert "周五" not in cursor.fetchone()[0]


def test_a_resolved_signal_does_not_reopen_until_the_facts_change(worker, signal):
    from oversight.services_risk import risk_signal_resolve

    risk_signal_resolve(user=worker, signal=signal, note="本周安排入户")
    run()
    assert not signals(R.TEKUN_UNVISITED, status="open").exists()

    # A visit, then 91 days without one: new facts, a new signal.
    visited(worker, signal.household, days_ago(91))
    run()
    fresh = signals(R.TEKUN_UNVISITED, status="open").get()
    assert fresh.pk != signal.pk
    assert fresh.facts["last_visit"] == days_ago(91).isoformat()


def test_the_api_resolves_with_a_note_and_refuses_without(client, worker, signal):
    client.force_login(worker)
    url = reverse("oversight_api:risk_signal_resolve", args=[signal.pk])

    refused = client.post(url, {"note": ""}, content_type="application/json")
    done = client.post(url, {"note": "已入户"}, content_type="application/json")
    again = client.post(url, {"note": "再次"}, content_type="application/json")

    assert refused.status_code == 400 and refused.json()["code"] == "note_required"
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert again.status_code == 400 and again.json()["code"] == "conflict"


def test_the_api_list_gives_facts_without_names(client, worker, signal):
    client.force_login(worker)

    rows = client.get(reverse("oversight_api:risk_signal_list")).json()["results"]

    assert [r["rule"] for r in rows] == [R.TEKUN_UNVISITED]
    assert set(rows[0]["facts"]) == {"last_visit", "threshold"}
    assert signal.household.members.first().name not in str(rows)


# --- notifications ------------------------------------------------------------------------------


def test_new_signals_notify_the_worker_and_the_county_once_a_day(
    worker, county_officer, other_county_officer, regions
):
    for _ in range(3):
        household(worker, regions["township_a1"], statuses=["tekun"])

    run()
    run()

    told = Notification.objects.filter(kind=NOTIFICATION_KIND)
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "county_officer",
        "worker",
    ]
    assert all("3" in n.title for n in told)


# --- personal data, the task, the command ---------------------------------------------------------


def test_dumpdata_refuses_risk_signals(signal):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("dumpdata", "oversight.RiskSignal", stdout=io.StringIO())


def test_the_change_history_masks_the_resolution_note():
    from auditlog.registry import auditlog

    assert auditlog.contains(RiskSignal)
    assert "resolution_note" in auditlog.get_model_fields(RiskSignal)["mask_fields"]


def test_the_daily_task_and_the_command_run_the_job(tekun_household):
    from django.core.management import call_command

    from oversight.tasks import compute_risk_signals

    result = compute_risk_signals.delay().get()
    out = io.StringIO()
    call_command("compute_risk_signals", stdout=out)

    assert result["fired"][R.TEKUN_UNVISITED] == 1 and result["new"] == 1
    assert "tekun_unvisited: 1 fired" in out.getvalue()
    assert RiskSignal.objects.count() == 1


def test_the_beat_runs_it_at_half_past_two():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["oversight-compute-risk-signals"]
    assert entry["task"] == "oversight.tasks.compute_risk_signals"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})
