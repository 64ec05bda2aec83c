"""Fixtures of matching: a child in 沙口镇 who needs an education grant, with consent, and a
published county project that fits her."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from needs import services as needs_services
from needs.models import Consent, Member, Need
from supply import services as supply_services
from supply.models import Project

from ..needs.factories import current_member_inputs, make_household, member_input
from ..supply import conftest as supply_conftest
from ..supply.conftest import listing, make_org  # noqa: F401

# The supply fixtures this package builds on.
charity_a = supply_conftest.charity_a
charity_b = supply_conftest.charity_b
county_org = supply_conftest.county_org

TERMS = {
    "area": ["education_aid"],
    "form": ["cash"],
    "status": ["dibao"],
    "tag": ["child_in_difficulty"],
}


def publish(organization, staff_user, officer, *, terms=None, coverage=None, **fields):
    """A published listing of ``organization`` (drafted by its staff, approved by its tier)."""
    project = supply_services.project_save(
        user=staff_user,
        organization=organization,
        fields=listing(**fields),
        terms=TERMS if terms is None else terms,
        coverage=coverage if coverage is not None else [organization.registering_region],
    )
    supply_services.project_transition(
        user=staff_user, project=project, to=Project.Status.PENDING_REVIEW
    )
    return supply_services.project_transition(
        user=officer, project=project, to=Project.Status.PUBLISHED
    )


def give_consent(worker, member, *, scope=Consent.Scope.ANY_SUPPLIER, recipients=None):
    today = timezone.localdate()
    adult = member.age() >= 14
    return needs_services.consent_record(
        user=worker,
        household=member.household,
        member=member,
        given_by=Consent.GivenBy.SELF if adult else Consent.GivenBy.GUARDIAN,
        guardian_name="" if adult else "李大山",
        guardian_relation="" if adult else "父亲",
        purpose=Consent.Purpose.MATCHING,
        scope=scope,
        given_on=today,
        expires_on=today + dt.timedelta(days=365),
        recipients=recipients,
    )


def move_household(administrator, household, region, worker) -> None:
    """The household moves to ``region`` with ``worker`` responsible (the ledger's own save)."""
    needs_services.household_save(
        user=administrator,
        household=household,
        fields={"region": region, "worker": worker},
        members=current_member_inputs(household),
    )
    household.refresh_from_db()


def need_for(worker, member, *, area="education_aid", form="cash", **extra):
    return needs_services.need_register(
        user=worker,
        household=member.household,
        member=member,
        area=area,
        form=form,
        description=extra.pop("description", "学费困难"),
        **extra,
    )


@pytest.fixture
def family(worker, regions):
    """A dibao household in 沙口镇: the father and a 10-year-old child in difficulty."""
    return make_household(
        worker,
        regions["township_a1"],
        members=[
            member_input("李大山", age=40, statuses=["dibao"], phone="13800138000"),
            member_input(
                "李小花",
                relation=Member.Relation.CHILD,
                age=10,
                sex="female",
                tags=["child_in_difficulty"],
                health_notes="哮喘",
            ),
        ],
    )


@pytest.fixture
def child(family):
    return family.members.get(name="李小花")


@pytest.fixture
def consent(worker, child):
    return give_consent(worker, child)


@pytest.fixture
def need(worker, child) -> Need:
    return need_for(worker, child)


@pytest.fixture
def project(county_org, charity_a, county_officer):
    """英德市 county project: education aid in cash for dibao children in difficulty, 6–18,
    10 places, covering the county."""
    return publish(county_org, charity_a, county_officer)
