from __future__ import annotations

import datetime as dt

import pytest

from supply import services
from supply.models import Project

from ..factories import UserFactory

VALID_CODE = "91440300708461136T"  # DOMAIN.md's valid example


@pytest.fixture
def charity_a(regions):
    return UserFactory(username="charity_a", role="charity")


@pytest.fixture
def charity_b(regions):
    return UserFactory(username="charity_b", role="charity")


def make_org(officer, region, *, code, staff=(), name="英德市慈善会"):
    organization, _warnings = services.organization_register(
        user=officer,
        name=name,
        credit_code=code,
        org_type="association",
        registering_region=region,
        staff=staff,
    )
    return organization


@pytest.fixture
def county_org(county_officer, regions, charity_a):
    """An association registered with 英德市 civil affairs (county tier)."""
    return make_org(
        county_officer, regions["county_a"], code="51441881MJ0000001R", staff=[charity_a]
    )


def listing(**overrides):
    fields = {
        "title": "困境儿童助学金",
        "description": "为困境儿童提供每学期 1000 元助学金",
        "application_process": "社工协助提交申请表",
        "starts_on": dt.date(2026, 1, 1),
        "ends_on": dt.date(2027, 12, 31),
        "capacity": 10,
        "age_min": 6,
        "age_max": 18,
    }
    fields.update(overrides)
    return fields


TERMS = {
    "area": ["education_aid"],
    "form": ["cash"],
    "status": ["dibao"],
    "tag": ["child_in_difficulty"],
}


@pytest.fixture
def draft(county_org, charity_a, regions):
    return services.project_save(
        user=charity_a,
        organization=county_org,
        fields=listing(),
        terms=TERMS,
        coverage=[regions["county_a"]],
    )


@pytest.fixture
def published(draft, charity_a, county_officer):
    services.project_transition(user=charity_a, project=draft, to=Project.Status.PENDING_REVIEW)
    return services.project_transition(
        user=county_officer, project=draft, to=Project.Status.PUBLISHED
    )


@pytest.fixture
def draft_other(charity_b, county_officer, regions):
    """A draft of another organisation (not published: not in an edition)."""
    organization = make_org(
        county_officer,
        regions["county_a"],
        code="51441881MJ0000002W",
        staff=[charity_b],
        name="英德市义工联",
    )
    return services.project_save(
        user=charity_b,
        organization=organization,
        fields=listing(title="义工探访"),
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
