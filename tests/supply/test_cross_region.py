"""Cross-region aid (对口帮扶, issue 9 point 10).

A Shenzhen foundation lists aid for a township of 英德市: any organisation may cover any region
of its province; review stays with the department it is registered with (深圳市); the civil
affairs of each covered county are told and see the listing in their ledger and in the
edition's per-township view.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook
from rest_framework.test import APIClient

from accounts.models import Notification
from supply import editions, excel, selectors, services
from supply.models import Project

from ..factories import RegionFactory, UserFactory
from .conftest import TERMS, listing, publish_edition

pytestmark = pytest.mark.django_db


def _told(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind="listing_coverage").values_list(
            "title", flat=True
        )
    )


@pytest.fixture
def city_officer(regions):
    """Civil affairs of 清远市: above the covered county, not a county itself."""
    return UserFactory(username="city_officer", role="civil_affairs", region=regions["city"])


@pytest.fixture
def shenzhen_district_officer(shenzhen):
    """Civil affairs of 福田区 (Shenzhen): a county of the registering city, not covered."""
    return UserFactory(username="futian_officer", role="civil_affairs", region=shenzhen["district"])


@pytest.fixture
def draft(shenzhen_org, charity_b, regions):
    """The foundation's bursary for 沙口镇 (英德市), a draft."""
    return services.project_save(
        user=charity_b,
        organization=shenzhen_org,
        fields=listing(title="鹏城助学金"),
        terms=TERMS,
        coverage=[regions["township_a1"]],
    )


@pytest.fixture
def submitted(draft, charity_b):
    return services.project_transition(user=charity_b, project=draft, to="pending_review")


def test_any_organisation_may_cover_any_place_of_its_province(draft, regions):
    assert list(draft.coverage.values_list("prefix", flat=True)) == ["441881101"]
    assert draft.organization.tier == "city"


def test_a_cross_region_listing_is_reviewed_by_its_registering_tier_not_the_covered_county(
    submitted, county_officer, shenzhen_officer, charity_b
):
    # The covered county neither sees it in its queue nor may publish it.
    assert not selectors.projects_waiting_for_review(county_officer).exists()
    assert list(selectors.projects_waiting_for_review(shenzhen_officer)) == [submitted]
    assert not Project.objects.visible_to(county_officer).filter(pk=submitted.pk).exists()
    with pytest.raises(PermissionDenied):
        services.project_transition(user=county_officer, project=submitted, to="published")
    published = services.project_transition(
        user=shenzhen_officer, project=submitted, to="published"
    )
    assert published.status == Project.Status.PUBLISHED
    # A change is reviewed by Shenzhen too.
    change = services.listing_change_submit(
        user=charity_b,
        project=published,
        fields={"capacity": 20},
        terms=TERMS,
        coverage=[c.region for c in published.coverage.all()],
    )
    assert not selectors.review_queue_for_user(county_officer).exists()
    assert list(selectors.review_queue_for_user(shenzhen_officer)) == [change]
    with pytest.raises(PermissionDenied):
        services.listing_change_approve(user=county_officer, change=change)


def test_the_covered_countys_civil_affairs_are_told_on_publication(
    submitted,
    county_officer,
    other_county_officer,
    city_officer,
    shenzhen_officer,
    shenzhen_district_officer,
):
    services.project_transition(user=shenzhen_officer, project=submitted, to="published")
    assert _told(county_officer) == [
        "有项目覆盖您的辖区:鹏城助学金(深圳市鹏城对口帮扶基金会,登记于深圳市)"
    ]
    for user in (other_county_officer, city_officer, shenzhen_officer, shenzhen_district_officer):
        assert _told(user) == [], user.username
    note = Notification.objects.get(recipient=county_officer, kind="listing_coverage")
    assert note.url == f"/supply/projects/{submitted.pk}/"


def test_a_change_that_adds_a_county_tells_that_county_only(
    submitted, charity_b, county_officer, other_county_officer, shenzhen_officer, regions
):
    published = services.project_transition(
        user=shenzhen_officer, project=submitted, to="published"
    )
    services.project_transition(user=charity_b, project=published, to="paused")
    services.project_transition(user=shenzhen_officer, project=published, to="published")
    assert len(_told(county_officer)) == 1  # resuming is not news
    change = services.listing_change_submit(
        user=charity_b,
        project=published,
        fields={},
        terms=TERMS,
        coverage=[regions["township_a1"], regions["township_a2"], regions["township_b1"]],
    )
    services.listing_change_approve(user=shenzhen_officer, change=change)
    assert len(_told(county_officer)) == 1  # 英德市 was covered already
    assert _told(other_county_officer) == [
        "有项目覆盖您的辖区:鹏城助学金(深圳市鹏城对口帮扶基金会,登记于深圳市)"
    ]
    # A change that adds nothing new tells nobody.
    change = services.listing_change_submit(
        user=charity_b, project=published, fields={"capacity": 30}, terms=TERMS,
        coverage=[regions["county_a"], regions["township_b1"]],
    )  # fmt: skip
    services.listing_change_approve(user=shenzhen_officer, change=change)
    assert (len(_told(county_officer)), len(_told(other_county_officer))) == (1, 1)


def test_a_city_without_counties_stands_in_for_its_county(
    shenzhen_org, charity_b, shenzhen_officer, regions
):
    dongguan = RegionFactory(
        code="441900000000", name="东莞市", level="prefecture", parent=regions["province"]
    )
    town = RegionFactory(code="441900003000", name="东城街道", level="township", parent=dongguan)
    officer = UserFactory(username="dongguan_officer", role="civil_affairs", region=dongguan)
    project = services.project_save(
        user=charity_b,
        organization=shenzhen_org,
        fields=listing(title="东城助学"),
        terms=TERMS,
        coverage=[town],
    )
    services.project_transition(user=charity_b, project=project, to="pending_review")
    services.project_transition(user=shenzhen_officer, project=project, to="published")
    assert len(_told(officer)) == 1


@pytest.fixture
def published(submitted, shenzhen_officer):
    return services.project_transition(user=shenzhen_officer, project=submitted, to="published")


def test_the_covered_countys_ledger_shows_it_beside_its_own_tier(
    client, published, county_officer, other_county_officer, county_org, charity_a, regions
):
    own = services.project_save(
        user=charity_a,
        organization=county_org,
        fields=listing(title="英德本级草稿"),
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    client.force_login(county_officer)
    page = client.get("/supply/review/projects/").content.decode()
    assert "鹏城助学金" in page and own.title in page
    assert "跨区域帮扶 · 深圳市" in page
    registered = client.get("/supply/review/projects/", {"my_area": "registered"})
    assert "鹏城助学金" not in registered.content.decode()
    reaching = client.get("/supply/review/projects/", {"my_area": "reaching"}).content.decode()
    assert "鹏城助学金" in reaching and own.title not in reaching
    client.force_login(other_county_officer)
    assert "鹏城助学金" not in client.get("/supply/review/projects/").content.decode()

    api = APIClient()
    api.force_authenticate(county_officer)
    for value, titles in (
        ("either", ["英德本级草稿", "鹏城助学金"]),
        ("registered", ["英德本级草稿"]),
        ("reaching", ["鹏城助学金"]),
    ):
        data = api.get("/api/supply/projects/", {"my_area": value}).json()
        assert sorted(p["title"] for p in data["results"]) == sorted(titles), value
    api.force_authenticate(other_county_officer)
    assert api.get("/api/supply/projects/", {"my_area": "reaching"}).json()["count"] == 0


def test_it_appears_in_the_covered_townships_edition_view(
    client, published, county_officer, worker, outsider
):
    edition = publish_edition("2026-H2")
    assert [e.title for e in editions.entries_covering(edition, "441881101000")] == ["鹏城助学金"]
    assert not editions.entries_covering(edition, "441881102000").exists()
    client.force_login(worker)  # 沙口镇: the own township is the default view
    assert "鹏城助学金" in client.get(f"/supply/editions/{edition.pk}/").content.decode()
    client.force_login(county_officer)
    page = client.get(f"/supply/editions/{edition.pk}/", {"township": "441881101000"})
    assert "鹏城助学金" in page.content.decode()
    client.force_login(outsider)  # 太和镇 (清新区) is not covered
    assert "鹏城助学金" not in client.get(f"/supply/editions/{edition.pk}/").content.decode()
    api = APIClient()
    api.force_authenticate(county_officer)
    url = f"/api/supply/editions/{edition.pk}/entries/"
    assert api.get(url, {"covers": "441881"}).json()["count"] == 1
    assert api.get(url, {"covers": "441803"}).json()["count"] == 0


# --- The form, the API and the import --------------------------------------------------------


def _form(**overrides) -> dict:
    data = {
        "title": "鹏城助学金",
        "description": "为困境儿童提供助学金",
        "application_process": "社工协助提交申请表",
        "starts_on": "2026-01-01",
        "area": ["education_aid"],
        "form": ["cash"],
    }
    data.update(overrides)
    return data


def test_the_form_takes_places_elsewhere_by_code_or_name(client, shenzhen_org, charity_b, regions):
    client.force_login(charity_b)
    url = f"/supply/organisations/{shenzhen_org.pk}/projects/new/"
    page = client.get(url).content.decode()
    assert 'name="other_coverage"' in page and 'value="440304001000"' in page
    response = client.post(url, _form(other_coverage="英德市沙口镇 441881102"))
    assert response.status_code == 302
    project = Project.objects.get(title="鹏城助学金")
    assert sorted(project.coverage.values_list("prefix", flat=True)) == ["441881101", "441881102"]
    # Editing shows the places chosen as boxes to keep or untick.
    edit = client.get(f"/supply/projects/{project.pk}/edit/").content.decode()
    checked = re.findall(
        r'<input type="checkbox" name="coverage" value="(\d+)"[^>]* checked>', edit
    )
    assert checked == ["441881101000", "441881102000"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("火星镇", "火星镇"),  # no such place
        ("450000", "450000"),  # another province
        ("441881101001", "441881101001"),  # a village
    ],
)
def test_the_form_names_a_place_it_cannot_take_and_keeps_the_input(
    client, shenzhen_org, charity_b, regions, text, message
):
    RegionFactory(code="450000000000", name="广西壮族自治区", level="province", kind="province")
    client.force_login(charity_b)
    url = f"/supply/organisations/{shenzhen_org.pk}/projects/new/"
    response = client.post(url, _form(other_coverage=text))
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors["other_coverage"])
    assert f"{text}</textarea>" in response.content.decode()
    assert not Project.objects.exists()


def test_the_form_asks_for_a_code_when_a_name_is_ambiguous(
    client, shenzhen_org, charity_b, regions
):
    RegionFactory(code="441803103000", name="沙口镇", level="township", parent=regions["county_b"])
    client.force_login(charity_b)
    url = f"/supply/organisations/{shenzhen_org.pk}/projects/new/"
    response = client.post(url, _form(other_coverage="沙口镇"))
    assert response.status_code == 400
    error = " ".join(response.context["form"].errors["other_coverage"])
    assert "441881101" in error and "441803103" in error
    assert client.post(url, _form(other_coverage="清新区沙口镇")).status_code == 302


def test_the_api_takes_coverage_anywhere_in_the_province(shenzhen_org, charity_b, regions):
    api = APIClient()
    api.force_authenticate(charity_b)
    body = {
        "organization": shenzhen_org.pk,
        "title": "鹏城助学金",
        "description": "为困境儿童提供助学金",
        "application_process": "社工协助提交申请表",
        "starts_on": "2026-01-01",
        "areas": ["education_aid"],
        "forms": ["cash"],
        "coverage": ["441881101000"],
    }
    response = api.post("/api/supply/projects/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["coverage"] == ["441881101000"]
    RegionFactory(code="450000000000", name="广西壮族自治区", level="province", kind="province")
    response = api.post(
        "/api/supply/projects/", {**body, "coverage": ["450000000000"]}, format="json"
    )
    assert response.status_code == 400 and "coverage" in response.json()


def test_the_import_takes_coverage_anywhere_in_the_province(shenzhen_org, shenzhen_officer):
    values = {
        "credit_code": shenzhen_org.credit_code,
        "title": "鹏城助学金",
        "description": "为困境儿童提供助学金",
        "area": "助学",
        "form": "资金",
        "application_process": "社工协助申请",
        "starts_on": "2026-01-01",
        "coverage": "441881101",
    }
    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet(excel.PROJECT_SHEET)
    ws.append([c.header for c in excel.PROJECT_COLUMNS])
    ws.append([values.get(c.key) for c in excel.PROJECT_COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    report = excel.ledger_import(
        user=shenzhen_officer, data=out.getvalue(), filename="ledger.xlsx", dry_run=False
    )
    assert report.errors == []
    project = Project.objects.get(title="鹏城助学金")
    assert list(project.coverage.values_list("prefix", flat=True)) == ["441881101"]
