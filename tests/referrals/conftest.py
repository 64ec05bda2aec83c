"""Fixtures of referrals: the dibao family of 沙口镇 (matching's fixtures), a women's federation
of 英德市 with its staff, consent to referral, and helpers to send referrals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from needs import services as needs_services
from needs.models import Consent
from referrals import services
from referrals.models import Direction
from supply import services as supply_services

from ..factories import UserFactory
from ..matching import conftest as matching_conftest
from ..supply import conftest as supply_conftest

# The fixtures this package builds on.
family = matching_conftest.family
child = matching_conftest.child
consent = matching_conftest.consent
need = matching_conftest.need
charity_a = supply_conftest.charity_a
charity_b = supply_conftest.charity_b
county_org = supply_conftest.county_org

#: The smallest files of each kind the checks accept (their first bytes are what counts).
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def upload(name: str = "诊断证明.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def referral_consent(worker, member, *, scope=Consent.Scope.ANY_SUPPLIER, recipients=None):
    """Consent to referral, recorded by the worker (a guardian's for a child under 14)."""
    today = timezone.localdate()
    adult = member.age() >= 14
    return needs_services.consent_record(
        user=worker,
        household=member.household,
        member=member,
        given_by=Consent.GivenBy.SELF if adult else Consent.GivenBy.GUARDIAN,
        guardian_name="" if adult else "李大山",
        guardian_relation="" if adult else "父亲",
        purpose=Consent.Purpose.REFERRAL,
        scope=scope,
        given_on=today,
        expires_on=today + dt.timedelta(days=365),
        recipients=recipients,
    )


@pytest.fixture
def fulian_staff(regions):
    return UserFactory(username="fulian_staff", name="妇联 陈主任", role="charity")


@pytest.fixture
def fulian(county_officer, regions, fulian_staff):
    """英德市妇女联合会: a people's organisation of the county, with a staff account."""
    organization, _warnings = supply_services.organization_register(
        user=county_officer,
        name="英德市妇女联合会",
        credit_code="13441881MB0000001K",
        org_type="womens_federation",
        registering_region=regions["county_a"],
        staff=[fulian_staff],
    )
    return organization


@pytest.fixture
def father(family):
    return family.members.get(name="李大山")


@pytest.fixture
def referral_consent_of_child(worker, child):
    return referral_consent(worker, child)


def send_to_charity(worker, household, organization, *, member=None, needs=(), **extra):
    return services.referral_send(
        user=worker,
        household=household,
        direction=Direction.TO_CHARITY,
        organization=organization,
        member=member,
        needs=needs,
        reason=extra.pop("reason", "孩子放学后无人照看,母亲外出务工,需要关爱服务"),
        **extra,
    )


def send_person(charity_user, organization, region, **extra):
    values = {
        "person_name": "王阿婆",
        "reason": "独居老人,无固定收入,可能符合特困供养条件",
        "person_agreed": True,
        "aid_sought": "tekun",
        "person_id_number": "",
        "person_phone": "13600136000",
        "person_address": "沙口镇红群村 8 号",
        **extra,
    }
    return services.referral_send_to_civil_affairs(
        user=charity_user, organization=organization, region=region, **values
    )


@pytest.fixture
def sent(worker, family, child, fulian, referral_consent_of_child, need):
    """The child referred to the women's federation, with her need."""
    return send_to_charity(worker, family, fulian, member=child, needs=[need])


__all__ = ["io"]
