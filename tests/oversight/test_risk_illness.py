"""Rule f of the early warning: a member unit's record of serious-illness assistance (matched
to a current member) with no open need in the household and none recorded since the aid was
given. It fires on the household built for it and not on its near-miss twins."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from needs import services as needs_services
from needs.models import Need
from oversight.models import AidRecord, MemberUnit, RiskRule, RiskRuleSetting

from ..factories import UserFactory
from .risk_fixtures import days_ago, head, household, run, signals

pytestmark = pytest.mark.django_db

R = RiskRule
_ids = itertools.count(1)


@pytest.fixture
def township(regions):
    return regions["township_a1"]


@pytest.fixture
def unit(regions):
    return MemberUnit.objects.create(
        name="英德市医疗保障局",
        department=MemberUnit.Department.HEALTHCARE_SECURITY,
        region=regions["county_a"],
    )


@pytest.fixture
def pusher(regions):
    return UserFactory(username="yibao", role="member_unit")


def aid(unit, pusher, h, *, days_ago_: int, kind=AidRecord.Kind.SERIOUS_ILLNESS, matched=True):
    person = head(h)
    return AidRecord.objects.create(
        unit=unit,
        external_id=f"YB-{next(_ids)}",
        region=h.region,
        id_number=person.id_number,
        person_name=person.name,
        kind=kind,
        amount=Decimal("8000.00"),
        given_on=days_ago(days_ago_),
        status=AidRecord.Status.MATCHED if matched else AidRecord.Status.UNMATCHED,
        member=person if matched else None,
        household=h if matched else None,
        matched_at=timezone.now() if matched else None,
        pushed_by=pusher,
    )


def need(worker, h, *, days_ago_: int, status: str = "open") -> Need:
    recorded = needs_services.need_register(
        user=worker, household=h, area="medical_aid", form="cash", description="住院费用"
    )
    Need.objects.filter(pk=recorded.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days_ago_),
        status=status,
        closed_at=None if status == "open" else timezone.now(),
    )
    return recorded


def test_the_rule_is_on_by_default_with_180_days():
    setting = RiskRuleSetting.objects.get(rule=R.ILLNESS_NO_NEED)
    assert (setting.enabled, setting.days) == (True, 180)


def test_serious_illness_with_no_need_fires_and_its_twins_do_not(worker, township, unit, pusher):
    ill = household(worker, township)
    aid(unit, pusher, ill, days_ago_=20)

    with_open_need = household(worker, township)
    aid(unit, pusher, with_open_need, days_ago_=20)
    need(worker, with_open_need, days_ago_=200)  # an older need, still open

    answered = household(worker, township)
    aid(unit, pusher, answered, days_ago_=20)
    need(worker, answered, days_ago_=5, status="met")  # recorded since, already met

    long_ago = household(worker, township)
    aid(unit, pusher, long_ago, days_ago_=181)

    other_kind = household(worker, township)
    aid(unit, pusher, other_kind, days_ago_=20, kind=AidRecord.Kind.EDUCATION)

    waiting = household(worker, township)
    aid(unit, pusher, waiting, days_ago_=20, matched=False)

    old_need = household(worker, township)
    aid(unit, pusher, old_need, days_ago_=20)
    need(worker, old_need, days_ago_=40, status="met")  # met before the illness: still fires

    run()

    fired = signals(R.ILLNESS_NO_NEED)
    assert sorted(s.household_id for s in fired) == sorted([ill.pk, old_need.pk])
    signal = fired.get(household=ill)
    assert signal.member_id == head(ill).pk
    assert signal.facts["given_on"] == days_ago(20).isoformat()
    assert signal.facts["records"] == 1 and signal.facts["threshold"] == 180
    assert days_ago(20).isoformat() in signal.sentence and "大病救助" in signal.sentence


def test_a_need_recorded_after_the_signal_closes_it_on_the_next_run(worker, township, unit, pusher):
    ill = household(worker, township)
    aid(unit, pusher, ill, days_ago_=20)
    run()
    assert signals(R.ILLNESS_NO_NEED, status="open").count() == 1

    need(worker, ill, days_ago_=0)
    run()

    assert not signals(R.ILLNESS_NO_NEED, status="open").exists()


def test_switched_off_by_an_administrator_it_does_not_fire(worker, township, unit, pusher):
    RiskRuleSetting.objects.filter(rule=R.ILLNESS_NO_NEED).update(enabled=False)
    aid(unit, pusher, household(worker, township), days_ago_=20)
    run()
    assert not signals(R.ILLNESS_NO_NEED).exists()
