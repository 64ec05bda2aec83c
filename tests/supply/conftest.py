from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from supply import editions, services
from supply.models import Organization, Project

from ..factories import RegionFactory, UserFactory

VALID_CODE = "91440300708461136T"  # DOMAIN.md's valid example
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def publish_edition(period: str, **kwargs):
    """Publish an edition at 02:00 on the first day of its half year, as the beat tick does: an
    edition leaves out what ended by its publication day, so the tests must not depend on the
    day they run."""
    from supply.periods import period_start

    moment = dt.datetime.combine(period_start(period), dt.time(2), tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        return editions.edition_publish(period=period, **kwargs)


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


def make_charitable(organization, status="registered"):
    """The organisation recorded as a charitable organisation (the disclosure rules bind it)."""
    Organization.objects.filter(pk=organization.pk).update(charity_status=status)
    organization.refresh_from_db()
    return organization


@pytest.fixture
def shenzhen(regions):
    """Another city of the province: 深圳市 with 福田区 and one of its subdistricts."""
    city = RegionFactory(
        code="440300000000",
        name="深圳市",
        level="prefecture",
        parent=regions["province"],
        kind="prefecture",
    )
    district = RegionFactory(
        code="440304000000", name="福田区", level="county", parent=city, kind="district"
    )
    township = RegionFactory(
        code="440304001000", name="南园街道", level="township", parent=district, kind="subdistrict"
    )
    return {"city": city, "district": district, "township": township}


@pytest.fixture
def shenzhen_officer(shenzhen):
    """Civil affairs of 深圳市: the department that registers and reviews the foundation."""
    return UserFactory(username="shenzhen_officer", role="civil_affairs", region=shenzhen["city"])


@pytest.fixture
def shenzhen_org(shenzhen_officer, shenzhen, charity_b):
    """A Shenzhen foundation (city tier) whose staff is charity_b."""
    organization, _warnings = services.organization_register(
        user=shenzhen_officer,
        name="深圳市鹏城对口帮扶基金会",
        credit_code="53440300MJ00000013",
        org_type="foundation",
        registering_region=shenzhen["city"],
        staff=[charity_b],
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
