"""The public showcase by place: city, county and township (``ProjectQuerySet.available_in``),
how to reach the organisation and the township's social-work station, no internal marks, a
bounded number of queries, published listings only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from supply import services
from supply.models import ListingChange, Project

from ..accounts.test_chinese_everywhere import VisibleText
from .conftest import TERMS, listing

pytestmark = pytest.mark.django_db


def _publish(project, officer):
    services.project_transition(
        user=project.organization.staff.first(), project=project, to=Project.Status.PENDING_REVIEW
    )
    return services.project_transition(user=officer, project=project, to=Project.Status.PUBLISHED)


@pytest.fixture
def spread(county_org, charity_a, county_officer, regions):
    """Listings of 英德市's association: one for 沙口镇, one for 望埠镇, one for the whole county,
    one for 太和镇 (清新区), each published; and a draft for 沙口镇."""

    def make(title, region, **fields):
        project = services.project_save(
            user=charity_a,
            organization=county_org,
            fields=listing(title=title, **fields),
            terms=TERMS,
            coverage=[region],
        )
        return project

    projects = {
        "shakou": _publish(make("沙口镇助学", regions["township_a1"]), county_officer),
        "wangbu": _publish(make("望埠镇助学", regions["township_a2"]), county_officer),
        "yingde": _publish(make("英德市助学", regions["county_a"]), county_officer),
        "taihe": _publish(make("太和镇助学", regions["township_b1"]), county_officer),
        "draft": make("沙口镇草稿", regions["township_a1"]),
    }
    return projects


def _titles(client, **params) -> set[str]:
    page = client.get("/showcase/", params).content.decode()
    return {p.title for p in Project.objects.all() if p.title in page}


def test_the_showcase_filters_by_county_and_by_township(client, spread, regions):
    """A township sees its own listings and those of the regions above it, not its
    neighbours'; a county sees every listing reaching some place of it."""
    assert _titles(client, township=regions["township_a1"].code) == {"沙口镇助学", "英德市助学"}
    assert _titles(client, county=regions["county_a"].code) == {
        "沙口镇助学",
        "望埠镇助学",
        "英德市助学",
    }
    assert _titles(client, county=regions["county_b"].code) == {"太和镇助学"}
    assert "沙口镇草稿" not in _titles(client)


def test_a_township_alone_brings_its_county_and_city_and_a_stray_one_is_dropped(
    client, spread, regions
):
    page = client.get("/showcase/", {"township": regions["township_a1"].code}).content.decode()
    assert f'<option value="{regions["county_a"].code}" selected>' in page
    assert f'<option value="{regions["city"].code}" selected>' in page
    # 太和镇 is not in 英德市: the county stands, the township is dropped, no error is shown.
    response = client.get(
        "/showcase/",
        {"county": regions["county_a"].code, "township": regions["township_b1"].code},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "is-invalid" not in page
    assert "太和镇助学" not in page and "望埠镇助学" in page


def test_choosing_a_city_sends_back_its_counties_beside_the_results(client, spread, regions):
    """The htmx answer: the results, and the county and township selects out of band."""
    response = client.get("/showcase/", {"city": regions["city"].code}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert 'id="places" hx-swap-oob="true"' in body
    assert "英德市" in body and "清新区" in body


def test_the_project_page_says_whom_to_contact_and_where_to_apply(
    client, spread, regions, county_org
):
    """GIVEN a listing for 沙口镇 with its contact, and the organisation's address
    WHEN the public opens it from the 沙口镇 filter
    THEN it names 沙口镇's social-work station, the contact person, the telephone as a link and
    the address; no staff account and no internal mark."""
    project = spread["shakou"]
    Project.objects.filter(pk=project.pk).update(
        contact_name="黄老师", contact_phone="0763-2222333"
    )
    county_org.address = "英德市英城街道和平中路 1 号"
    county_org.save(update_fields=["address"])

    page = client.get(
        f"/showcase/projects/{project.pk}/", {"place": regions["township_a1"].code}
    ).content.decode()

    text = _visible(page)
    assert "沙口镇社会工作服务站" in text and "清远市英德市沙口镇" in text
    assert "黄老师" in text and 'href="tel:0763-2222333"' in page
    assert "英德市英城街道和平中路 1 号" in text
    assert "最近确认" not in text


def test_a_listing_without_its_own_contact_gives_the_organisations(client, spread, county_org):
    county_org.contact_name, county_org.contact_phone = "李秘书长", "0763-1111111"
    county_org.save(update_fields=["contact_name", "contact_phone"])
    project = spread["yingde"]
    Project.objects.filter(pk=project.pk).update(contact_name="", contact_phone="")

    text = _visible(client.get(f"/showcase/projects/{project.pk}/").content.decode())

    assert "李秘书长" in text and "0763-1111111" in text


def test_a_township_the_listing_does_not_reach_is_said_so(client, spread, regions):
    project = spread["taihe"]
    text = _visible(
        client.get(
            f"/showcase/projects/{project.pk}/", {"place": regions["township_a1"].code}
        ).content.decode()
    )
    assert "该项目不覆盖沙口镇" in text


def test_the_showcase_shows_no_internal_marks(client, spread, county_officer):
    """Not confirmed for half a year, a change waiting for review, the review state: the
    ledger's staff see these, the public does not."""
    project = spread["yingde"]
    Project.objects.filter(pk=project.pk).update(
        last_confirmed_at=timezone.now() - dt.timedelta(days=400),
        created_at=timezone.now() - dt.timedelta(days=400),
    )
    ListingChange.objects.create(
        project=project, proposed={}, previous={}, submitted_by=project.organization.staff.first()
    )
    project.refresh_from_db()
    assert project.is_stale()

    for url in ("/showcase/", f"/showcase/projects/{project.pk}/"):
        text = _visible(client.get(url).content.decode())
        for internal in ("半年未确认", "变更待审核", "最近确认"):
            assert internal not in text, (url, internal)


def test_the_showcase_list_runs_a_bounded_number_of_queries(
    client, spread, regions, county_org, charity_a, county_officer, django_assert_max_num_queries
):
    for n in range(15):
        _publish(
            services.project_save(
                user=charity_a,
                organization=county_org,
                fields=listing(title=f"沙口镇项目{n}"),
                terms=TERMS,
                coverage=[regions["township_a1"], regions["township_a2"]],
            ),
            county_officer,
        )
    # The place (3 selects validated, the chain, whether the city has counties), the page of
    # projects with its terms and coverage, the figures and the selects' choices: a fixed
    # number, whatever the number of listings.
    with django_assert_max_num_queries(20):
        response = client.get("/showcase/", {"township": regions["township_a1"].code})
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        client.get("/showcase/", {"township": regions["township_a1"].code}, HTTP_HX_REQUEST="true")


def _visible(html: str) -> str:
    page = VisibleText()
    page.feed(html)
    return page.text
