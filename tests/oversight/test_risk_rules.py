"""Each early-warning rule fires on a household built for it and not on its near-miss twin;
the job is idempotent; the administrators' settings change the outcome."""

from __future__ import annotations

import pytest
from django.utils import timezone

from oversight.models import RiskRule, RiskRuleSetting, RiskSignal

from ..matching.conftest import publish
from ..supply import conftest as supply_conftest
from .risk_fixtures import (
    days_ago,
    guardian_consent,
    head,
    household,
    left_status,
    rejections,
    run,
    signals,
    urgent_need,
    visited,
)

charity_a = supply_conftest.charity_a
county_org = supply_conftest.county_org

R = RiskRule


@pytest.fixture
def township(regions):
    return regions["township_a1"]


# --- a. urgent need open over N days ---


def test_an_urgent_need_open_8_days_fires_and_one_open_6_days_does_not(worker, township):
    late = household(worker, township)
    twin = household(worker, township)
    urgent_need(worker, late, days_open=8)
    urgent_need(worker, twin, days_open=6)

    run()

    fired = signals(R.URGENT_NEED_OPEN)
    assert [s.household_id for s in fired] == [late.pk]
    signal = fired.get()
    assert signal.member_id is None
    assert signal.region_code == late.region_id
    assert signal.facts["count"] == 1 and signal.facts["threshold"] == 7
    assert signal.facts["since"] == days_ago(8).isoformat()
    assert "8" in signal.sentence


def test_a_met_urgent_need_does_not_fire(worker, township):
    from needs.models import Need

    h = household(worker, township)
    need = urgent_need(worker, h, days_open=30)
    Need.objects.filter(pk=need.pk).update(status="met", closed_at=timezone.now())

    run()

    assert not signals(R.URGENT_NEED_OPEN).exists()


# --- b. left 低保 or 特困 within a year, no visit since ---


def test_a_household_that_left_dibao_without_a_visit_since_fires(worker, township):
    left = household(worker, township, statuses=["dibao"])
    twin = household(worker, township, statuses=["dibao"])
    visited(worker, left, days_ago(60))
    visited(worker, twin, days_ago(60))
    left_status(left, days_ago_=30)
    left_status(twin, days_ago_=30)
    visited(worker, twin, days_ago(10))  # the twin was visited after it left

    run()

    signal = signals(R.LEFT_ASSISTANCE_UNVISITED).get()
    assert signal.household_id == left.pk
    assert signal.facts["left_on"] == days_ago(30).isoformat()
    assert signal.facts["last_visit"] == days_ago(60).isoformat()


def test_leaving_tekun_counts_and_leaving_over_a_year_ago_does_not(worker, township):
    tekun = household(worker, township, statuses=["tekun"])
    long_ago = household(worker, township, statuses=["dibao"])
    left_status(tekun, status="tekun", days_ago_=364)
    left_status(long_ago, days_ago_=366)

    run()

    assert [s.household_id for s in signals(R.LEFT_ASSISTANCE_UNVISITED)] == [tekun.pk]


def test_moving_from_dibao_to_tekun_is_not_leaving(worker, township):
    from needs.models import AssistanceRecord

    h = household(worker, township, statuses=["dibao"])
    left_status(h, days_ago_=20)
    AssistanceRecord.objects.create(member=head(h), status="tekun", started_on=days_ago(20))

    run()

    assert not signals(R.LEFT_ASSISTANCE_UNVISITED).exists()


# --- c. a child's guardian consent expired ---


def test_a_childs_expired_guardian_consent_fires_and_one_in_force_does_not(worker, township):
    h = household(worker, township, children=[8, 9])
    expired, in_force = h.members.filter(relation="child").order_by("id")
    guardian_consent(worker, expired, expired_days_ago=1)
    guardian_consent(worker, in_force, expired_days_ago=0)  # valid until today

    run()

    signal = signals(R.GUARDIAN_CONSENT_EXPIRED).get()
    assert (signal.household_id, signal.member_id) == (h.pk, expired.pk)
    assert signal.facts["expired_on"] == days_ago(1).isoformat()
    assert expired.name not in str(signal.facts)


def test_a_renewed_consent_or_an_adult_does_not_fire(worker, township):
    from needs.models import Consent

    h = household(worker, township, children=[8, 19])
    child, adult = h.members.filter(relation="child").order_by("id")
    old = guardian_consent(worker, child, expired_days_ago=40)
    Consent.objects.create(
        **{
            f.name: getattr(old, f.name)
            for f in Consent._meta.concrete_fields
            if f.name not in ("id", "given_on", "expires_on")
        },
        given_on=days_ago(41),
        expires_on=days_ago(-300),
    )
    guardian_consent(worker, adult, expired_days_ago=40)

    run()

    assert not signals(R.GUARDIAN_CONSENT_EXPIRED).exists()


# --- d. repeated rejections ---


@pytest.fixture
def project(county_org, charity_a, county_officer):
    return publish(county_org, charity_a, county_officer)


def test_three_rejections_fire_and_two_do_not(worker, township, project):
    three = household(worker, township)
    two = household(worker, township)
    rejections(worker, three, project, 3)
    rejections(worker, two, project, 2)

    run()

    signal = signals(R.REPEATED_REJECTIONS).get()
    assert signal.household_id == three.pk
    assert signal.facts["count"] == 3


def test_rejections_older_than_the_window_do_not_count(worker, township, project):
    h = household(worker, township)
    rejections(worker, h, project, 2)
    rejections(worker, h, project, 1, days_ago_=181)

    run()

    assert not signals(R.REPEATED_REJECTIONS).exists()


# --- e. no visit within 90 days for a 特困 household ---


def test_a_tekun_household_unvisited_for_91_days_fires_and_one_visited_89_days_ago_does_not(
    worker, township
):
    late = household(worker, township, statuses=["tekun"])
    twin = household(worker, township, statuses=["tekun"])
    never = household(worker, township, statuses=["tekun"])
    dibao = household(worker, township, statuses=["dibao"])
    visited(worker, late, days_ago(91))
    visited(worker, twin, days_ago(89))
    visited(worker, dibao, days_ago(200))

    run()

    fired = {s.household_id: s for s in signals(R.TEKUN_UNVISITED)}
    assert set(fired) == {late.pk, never.pk}
    assert fired[late.pk].facts["last_visit"] == days_ago(91).isoformat()
    assert fired[never.pk].facts["last_visit"] is None


# --- the job ---


def test_it_is_idempotent_and_updates_last_seen(worker, township):
    h = household(worker, township, statuses=["tekun"])
    urgent_need(worker, h, days_open=10)
    first = run()
    RiskSignal.objects.update(last_seen_on=days_ago(1))

    second = run()

    assert RiskSignal.objects.count() == 2
    assert set(RiskSignal.objects.values_list("last_seen_on", flat=True)) == {days_ago(0)}
    assert set(RiskSignal.objects.values_list("first_fired_on", flat=True)) == {days_ago(0)}
    assert first.fired[R.URGENT_NEED_OPEN] == second.fired[R.URGENT_NEED_OPEN] == 1


def test_a_signal_whose_rule_no_longer_holds_is_closed_by_the_job(worker, township):
    h = household(worker, township, statuses=["tekun"])
    run()
    visited(worker, h, days_ago(0))

    run()

    signal = signals(R.TEKUN_UNVISITED).get()
    assert signal.status == "resolved" and signal.resolved_by is None and signal.cleared_by_job


def test_settings_change_the_outcome(worker, township):
    h = household(worker, township)
    urgent_need(worker, h, days_open=5)
    run()
    assert not signals(R.URGENT_NEED_OPEN).exists()

    RiskRuleSetting.objects.filter(rule=R.URGENT_NEED_OPEN).update(days=3)
    run()
    assert signals(R.URGENT_NEED_OPEN, status="open").count() == 1

    RiskRuleSetting.objects.filter(rule=R.URGENT_NEED_OPEN).update(enabled=False)
    run()
    assert not signals(R.URGENT_NEED_OPEN, status="open").exists()


def test_the_count_threshold_of_rejections_is_a_setting(worker, township, project):
    h = household(worker, township)
    rejections(worker, h, project, 2)
    RiskRuleSetting.objects.filter(rule=R.REPEATED_REJECTIONS).update(count=2)

    run()

    assert signals(R.REPEATED_REJECTIONS).count() == 1


def test_the_defaults_are_seeded_by_the_migration(db):
    rows = {r.rule: (r.enabled, r.days, r.count) for r in RiskRuleSetting.objects.all()}
    assert rows[R.URGENT_NEED_OPEN] == (True, 7, None)
    assert rows[R.REPEATED_REJECTIONS] == (True, 180, 3)
    assert rows[R.TEKUN_UNVISITED] == (True, 90, None)
    assert rows[R.ILLNESS_NO_NEED] == (True, 180, None)  # switched on with the aid records


def test_a_flush_or_a_migrate_puts_back_the_missing_rules_with_their_defaults(db):
    """The table emptied (``manage.py flush``, a transactional test's teardown): post_migrate
    seeds every rule again; an administrator's own setting is left as it is."""
    from django.core.management.sql import emit_post_migrate_signal

    RiskRuleSetting.objects.exclude(rule=R.REPEATED_REJECTIONS).delete()
    RiskRuleSetting.objects.filter(rule=R.REPEATED_REJECTIONS).update(enabled=False, count=5)

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    rows = {r.rule: (r.enabled, r.days, r.count) for r in RiskRuleSetting.objects.all()}
    assert set(rows) == set(R.values)
    assert rows[R.URGENT_NEED_OPEN] == (True, 7, None)
    assert rows[R.ILLNESS_NO_NEED] == (True, 180, None)
    assert rows[R.GUARDIAN_CONSENT_EXPIRED] == (True, None, None)
    assert rows[R.REPEATED_REJECTIONS] == (False, 180, 5)
