"""Fixtures of complaints: a county project (英德市) and a city organisation (清远市) in the
ledger, an application of a 沙口镇 household, the civil affairs of each tier, and helpers to
file a complaint as the public does."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matching import services as matching_services
from matching.models import Application
from oversight import services

from ..factories import UserFactory
from ..matching import conftest as matching_conftest
from ..matching.conftest import publish
from ..supply import conftest as supply_conftest
from ..supply.conftest import make_org

family = matching_conftest.family
child = matching_conftest.child
consent = matching_conftest.consent
need = matching_conftest.need
project = matching_conftest.project
charity_a = supply_conftest.charity_a
charity_b = supply_conftest.charity_b
county_org = supply_conftest.county_org

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(name="现场照片.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def file(**values):
    """File a complaint as the public does; returns (complaint, tracking code)."""
    values.setdefault("body", "项目工作人员收取了申请费 200 元。")
    values.setdefault("client_address", "10.0.0.1")
    return services.complaint_file(**values)


@pytest.fixture
def city_officer(regions):
    return UserFactory(
        username="city_officer", name="市民政 王科长", role="civil_affairs", region=regions["city"]
    )


@pytest.fixture
def province_officer(regions):
    return UserFactory(
        username="province_officer",
        name="省民政 赵处长",
        role="civil_affairs",
        region=regions["province"],
    )


@pytest.fixture
def county_colleague(regions):
    """A second officer of 英德市: handles what names the first."""
    return UserFactory(
        username="county_colleague",
        name="县民政 孙股长",
        role="civil_affairs",
        region=regions["county_a"],
    )


@pytest.fixture
def city_project(city_officer, regions, charity_b):
    """A project of an organisation registered with 清远市 civil affairs (city tier)."""
    organization = make_org(
        city_officer,
        regions["city"],
        code="51441800MJ0000003A",
        staff=[charity_b],
        name="清远市助学会",
    )
    return publish(organization, charity_b, city_officer, title="清远助学")


@pytest.fixture
def application(worker, need, project, consent) -> Application:
    return matching_services.application_create(
        user=worker, need=need, project=project, mode=Application.Mode.ASSISTED
    )
