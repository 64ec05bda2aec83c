from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext

from supply import services
from supply.models import LedgerEdition, ListingChange, Organization, Project

from ..factories import UserFactory
from .conftest import TERMS, listing, make_charitable, make_org, publish_edition

pytestmark = pytest.mark.django_db


def _t(msgid: str) -> str:
    """A message as the pages show it (Chinese once translated, the msgid until then)."""
    with translation.override("zh-hans"):
        return gettext(msgid)


def _form_data(**overrides) -> dict:
    """The project form as a browser sends it."""
    data = {
        "title": "困境儿童助学金",
        "description": "为困境儿童提供每学期 1000 元助学金",
        "application_process": "社工协助提交申请表",
        "starts_on": "2026-01-01",
        "ends_on": "2027-12-31",
        "capacity": "10",
        "age_min": "6",
        "age_max": "18",
        "area": ["education_aid"],
        "form": ["cash"],
        "status": ["dibao"],
        "tag": ["child_in_difficulty"],
        "coverage": ["441881000000"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _publish(project: Project) -> Project:
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PUBLISHED)
    project.refresh_from_db()
    return project


# --- Scope -----------------------------------------------------------------------------------


def test_it_gives_404_to_another_charity_on_every_page_of_a_draft(client, charity_b, draft):
    client.force_login(charity_b)
    for url in [
        f"/supply/projects/{draft.pk}/",
        f"/supply/projects/{draft.pk}/edit/",
        f"/supply/projects/{draft.pk}/status/?to=closed",
        f"/supply/organisations/{draft.organization_id}/",
        f"/supply/organisations/{draft.organization_id}/projects/new/",
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(f"/supply/projects/{draft.pk}/status/", {"to": "pending_review"})
    assert response.status_code == 404
    assert Project.objects.get(pk=draft.pk).status == Project.Status.DRAFT


def test_it_shows_the_draft_to_its_own_charity(client, charity_a, draft):
    client.force_login(charity_a)
    assert client.get(f"/supply/projects/{draft.pk}/").status_code == 200
    page = client.get("/supply/mine/").content.decode()
    assert draft.title in page and f"/supply/projects/{draft.pk}/" in page


def test_it_gives_404_to_another_county_officer_on_a_draft_and_its_changes(
    client, other_county_officer, charity_a, published
):
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"title": "新标题"},
        terms=TERMS,
        coverage=[c.region for c in published.coverage.select_related("region")],
    )
    draft = services.project_save(
        user=charity_a,
        organization=published.organization,
        fields=listing(title="另一个草稿"),
        terms=TERMS,
        coverage=[c.region for c in published.coverage.select_related("region")],
    )
    client.force_login(other_county_officer)
    assert client.get(f"/supply/projects/{draft.pk}/").status_code == 404
    assert client.get(f"/supply/changes/{change.pk}/").status_code == 404
    assert client.post(f"/supply/changes/{change.pk}/approve/").status_code == 404
    assert client.post(f"/supply/changes/{change.pk}/reject/", {"reason": "x"}).status_code == 404
    assert "新标题" not in client.get("/supply/review/").content.decode()
    change.refresh_from_db()
    assert change.status == ListingChange.Status.PENDING
    assert Project.objects.get(pk=published.pk).title == "困境儿童助学金"


def test_it_keeps_the_review_pages_from_charities_and_social_workers(client, charity_a, worker):
    for user in (charity_a, worker):
        client.force_login(user)
        assert client.get("/supply/review/").status_code == 404
        assert client.get("/supply/review/projects/").status_code == 404
        assert client.get("/supply/organisations/new/").status_code == 404


# --- Charity workspace -----------------------------------------------------------------------


def test_it_lets_a_charity_create_a_draft_and_submit_it(client, charity_a, county_org, regions):
    client.force_login(charity_a)
    page = client.get(f"/supply/organisations/{county_org.pk}/projects/new/").content.decode()
    assert 'value="441881101000"' in page  # a township of the county is offered
    assert 'value="441803000000"' not in page  # another county is not
    response = client.post(
        f"/supply/organisations/{county_org.pk}/projects/new/",
        _form_data(coverage=["441881101000", "441881102000"]),
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.status == Project.Status.DRAFT
    assert sorted(project.coverage.values_list("prefix", flat=True)) == ["441881101", "441881102"]
    client.post(f"/supply/projects/{project.pk}/status/", {"to": "pending_review"})
    assert Project.objects.get().status == Project.Status.PENDING_REVIEW


def test_it_puts_the_services_errors_next_to_the_fields(client, charity_a, county_org):
    client.force_login(charity_a)
    response = client.post(
        f"/supply/organisations/{county_org.pk}/projects/new/",
        _form_data(area=None, coverage=None, title="保留的标题"),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_area_error"' in body and 'id="id_coverage_error"' in body
    assert 'value="保留的标题"' in body
    assert Project.objects.count() == 0


def test_it_changes_a_published_listing_only_after_review(
    client, charity_a, county_officer, published
):
    client.force_login(charity_a)
    edit = client.get(f"/supply/projects/{published.pk}/edit/").content.decode()
    assert 'value="困境儿童助学金"' in edit  # prefilled from the listing
    response = client.post(
        f"/supply/projects/{published.pk}/edit/",
        _form_data(title="困境儿童助学金(2026 秋)", capacity="20", form=["cash", "in_kind"]),
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert (published.title, published.capacity) == ("困境儿童助学金", 10)
    change = ListingChange.objects.get()
    detail = client.get(f"/supply/projects/{published.pk}/").content.decode()
    assert f"/supply/changes/{change.pk}/" in detail
    assert _t("Amend the proposed change") in detail
    # A second visit to the form shows the proposal still waiting, not the old listing.
    assert (
        'value="困境儿童助学金(2026 秋)"'
        in client.get(f"/supply/projects/{published.pk}/edit/").content.decode()
    )

    client.force_login(county_officer)
    queue = client.get("/supply/review/").content.decode()
    assert f"/supply/changes/{change.pk}/" in queue
    diff = client.get(f"/supply/changes/{change.pk}/").content.decode()
    with translation.override("zh-hans"):
        assert str(Project._meta.get_field("title").verbose_name) in diff  # 标题
        assert str(Project._meta.get_field("capacity").verbose_name) in diff
        assert "+ 物资" in diff  # the term's Chinese label, added
    # The title changed inside: only the added words are marked, the rest is shown plain.
    assert '<ins class="diff-ins">(2026 秋)</ins>' in diff
    assert client.post(f"/supply/changes/{change.pk}/approve/").status_code == 302
    published.refresh_from_db()
    assert (published.title, published.capacity) == ("困境儿童助学金(2026 秋)", 20)
    assert sorted(published.terms.filter(kind="form").values_list("value", flat=True)) == [
        "cash",
        "in_kind",
    ]


def test_it_refuses_a_rejection_without_a_reason_and_shows_the_reason_to_the_charity(
    client, charity_a, county_officer, published
):
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"title": "改个名字"},
        terms=TERMS,
        coverage=[c.region for c in published.coverage.select_related("region")],
    )
    client.force_login(county_officer)
    response = client.post(f"/supply/changes/{change.pk}/reject/", {"reason": "  "})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    change.refresh_from_db()
    assert change.status == ListingChange.Status.PENDING
    client.post(f"/supply/changes/{change.pk}/reject/", {"reason": "名称需与备案一致"})
    change.refresh_from_db()
    assert change.status == ListingChange.Status.REJECTED

    client.force_login(charity_a)
    workspace = client.get("/supply/mine/").content.decode()
    assert "名称需与备案一致" in workspace
    assert Project.objects.get(pk=published.pk).title == "困境儿童助学金"


def test_it_tells_the_charity_why_a_listing_came_back(client, charity_a, county_officer, draft):
    services.project_transition(user=charity_a, project=draft, to=Project.Status.PENDING_REVIEW)
    client.force_login(county_officer)
    assert f"/supply/projects/{draft.pk}/" in client.get("/supply/review/").content.decode()
    response = client.post(f"/supply/projects/{draft.pk}/status/", {"to": "draft", "reason": ""})
    assert response.status_code == 400
    assert Project.objects.get(pk=draft.pk).status == Project.Status.PENDING_REVIEW
    client.post(f"/supply/projects/{draft.pk}/status/", {"to": "draft", "reason": "请补充申请材料"})
    assert Project.objects.get(pk=draft.pk).status == Project.Status.DRAFT
    client.force_login(charity_a)
    assert "请补充申请材料" in client.get("/supply/mine/").content.decode()
    assert 'id="status-reason"' in client.get(f"/supply/projects/{draft.pk}/").content.decode()


def test_it_lets_the_county_publish_and_the_charity_confirm(
    client, charity_a, county_officer, draft
):
    services.project_transition(user=charity_a, project=draft, to=Project.Status.PENDING_REVIEW)
    client.force_login(charity_a)
    assert client.get(f"/supply/projects/{draft.pk}/status/?to=published").status_code == 403
    client.force_login(county_officer)
    client.post(f"/supply/projects/{draft.pk}/status/", {"to": "published"})
    assert Project.objects.get(pk=draft.pk).status == Project.Status.PUBLISHED
    Project.objects.filter(pk=draft.pk).update(
        last_confirmed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    client.force_login(charity_a)
    assert (
        _t("not confirmed for half a year")
        in client.get(f"/supply/projects/{draft.pk}/").content.decode()
    )
    client.post(f"/supply/projects/{draft.pk}/confirm/")
    assert not Project.objects.get(pk=draft.pk).is_stale()


# --- Registration ----------------------------------------------------------------------------


def test_it_shows_registration_errors_next_to_the_fields_and_keeps_the_input(
    client, county_officer, regions
):
    client.force_login(county_officer)
    response = client.post(
        "/supply/organisations/new/",
        {
            "name": "英德市助学促进会",
            "credit_code": "5144000",
            "org_type": "association",
            "registering_region": regions["county_a"].code,
            "contact_name": "何主任",
            "staff_usernames": "nobody_here",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_staff_usernames_error"' in body and "nobody_here" in body
    assert 'value="英德市助学促进会"' in body and 'value="何主任"' in body
    assert Organization.objects.count() == 0

    response = client.post(
        "/supply/organisations/new/",
        {
            "name": "英德市助学促进会",
            "credit_code": "5144000",
            "org_type": "association",
            "registering_region": regions["county_a"].code,
        },
    )
    body = response.content.decode()
    assert 'id="id_credit_code_error"' in body and 'value="5144000"' in body


def test_it_registers_with_a_visible_warning_for_a_code_that_fails_the_check(
    client, county_officer, regions, charity_b
):
    client.force_login(county_officer)
    response = client.post(
        "/supply/organisations/new/",
        {
            "name": "某慈善会",
            "credit_code": "51440000mjl1234567",
            "org_type": "association",
            "registering_region": regions["county_a"].code,
            "staff_usernames": charity_b.username,
        },
        follow=True,
    )
    organization = Organization.objects.get()
    assert list(organization.staff.all()) == [charity_b]
    body = response.content.decode()
    assert 'class="alert alert-warning"' in body and "51440000MJL1234567" in body


def test_it_offers_a_county_officer_only_the_own_department(client, county_officer, regions):
    client.force_login(county_officer)
    page = client.get("/supply/organisations/new/").content.decode()
    assert 'value="441881000000"' in page and 'value="441803000000"' not in page


# --- Ledger browser --------------------------------------------------------------------------


@pytest.fixture
def two_counties(county_officer, other_county_officer, regions, charity_a, charity_b, published):
    """A published project of Yingde (``published``) and one of Qingxin covering only Qingxin."""
    org_b = make_org(
        other_county_officer,
        regions["county_b"],
        code="51441803MJ0000002X",
        staff=[charity_b],
        name="清新区慈善会",
    )
    other = services.project_save(
        user=charity_b,
        organization=org_b,
        fields=listing(title="太和镇长者饭堂"),
        terms={"area": ["elderly_support"], "form": ["daily_living"]},
        coverage=[regions["county_b"]],
    )
    return published, _publish(other)


def test_it_shows_a_social_worker_the_projects_covering_the_own_township(
    client, worker, two_counties
):
    ours, theirs = two_counties
    client.force_login(worker)
    page = client.get("/supply/").content.decode()
    assert ours.title in page and theirs.title not in page
    assert 'value="441881101000" selected' in page
    everywhere = client.get("/supply/", {"covers": ""}).content.decode()
    assert ours.title in everywhere and theirs.title in everywhere


def test_it_filters_the_ledger_by_area_and_tier(client, county_officer, two_counties):
    ours, theirs = two_counties
    client.force_login(county_officer)
    page = client.get("/supply/", {"area": "elderly_support"}).content.decode()
    assert theirs.title in page and ours.title not in page
    assert client.get("/supply/", {"tier": "city"}).content.decode().count("/supply/projects/") == 0


def test_it_lists_no_drafts_in_the_ledger(client, worker, draft):
    client.force_login(worker)
    assert draft.title not in client.get("/supply/", {"covers": ""}).content.decode()
    assert client.get(f"/supply/projects/{draft.pk}/").status_code == 404


def test_it_shows_a_listing_to_a_social_worker_with_how_to_apply(client, worker, published):
    client.force_login(worker)
    page = client.get(f"/supply/projects/{published.pk}/").content.decode()
    assert "社工协助提交申请表" in page and "英德市慈善会" in page
    assert f"/supply/projects/{published.pk}/edit/" not in page


# --- Public showcase -------------------------------------------------------------------------


def test_it_shows_the_showcase_without_login_and_without_staff_names(
    client, charity_a, county_officer, two_counties
):
    ours, theirs = two_counties
    Project.objects.filter(pk=ours.pk).update(contact_name="王联络", contact_phone="13911112222")
    page = client.get("/showcase/").content.decode()
    assert ours.title in page and theirs.title in page
    assert "---------" not in page  # the filters say "any"
    detail = client.get(f"/showcase/projects/{ours.pk}/")
    assert detail.status_code == 200
    for body in (page, detail.content.decode()):
        for person in (charity_a.name, county_officer.name):  # staff accounts: never
            assert person not in body
        assert 'href="/login/"' in body
    # The listing's published contact is how the public reaches the organisation (on the
    # project's page, not in the list).
    assert "王联络" not in page
    assert (
        "王联络" in detail.content.decode() and 'href="tel:13911112222"' in detail.content.decode()
    )
    assert "社工协助提交申请表" in detail.content.decode()


def test_it_filters_the_showcase_by_city_and_hides_drafts(client, charity_a, regions, two_counties):
    ours, theirs = two_counties
    draft = services.project_save(
        user=charity_a,
        organization=ours.organization,
        fields=listing(title="还在草稿"),
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    page = client.get("/showcase/", {"city": "441800000000"}).content.decode()
    assert ours.title in page and theirs.title in page and draft.title not in page
    assert client.get(f"/showcase/projects/{draft.pk}/").status_code == 404
    assert (
        client.get("/showcase/", {"area": "elderly_support"})
        .content.decode()
        .count("/showcase/projects/")
        == 1
    )


def test_it_counts_the_showcase_figures(client, two_counties):
    response = client.get("/showcase/")
    figures = response.context["figures"]
    assert (figures["projects"], figures["organizations"], figures["places"]) == (2, 2, 20)
    assert [row["count"] for row in figures["by_tier"]] == [0, 0, 2]  # province, city, county
    assert {row["label"]: row["count"] for row in figures["by_area"]} == {
        _t("Education aid"): 1,
        _t("Elderly support"): 1,
    }


# --- Query counts ----------------------------------------------------------------------------


@pytest.fixture
def many_projects(county_org, charity_a, regions):
    for i in range(55):
        services.project_save(
            user=charity_a,
            organization=county_org,
            fields=listing(title=f"项目{i:02d}"),
            terms=TERMS,
            coverage=[regions["county_a"], regions["township_a1"]],
        )
    Project.objects.update(status=Project.Status.PUBLISHED)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("worker", "/supply/"),
        ("county_officer", "/supply/review/projects/"),
        ("charity_a", "/supply/mine/"),
        ("county_officer", "/supply/organisations/"),
        (None, "/showcase/"),
    ],
)
def test_it_lists_55_projects_with_a_bounded_number_of_queries(
    client, request, many_projects, who, url, django_assert_max_num_queries
):
    if who:
        client.force_login(request.getfixturevalue(who))
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    if url != "/supply/organisations/":
        assert response.content.decode().count("项目") >= 50


# --- Editions --------------------------------------------------------------------------------


def test_it_lists_an_edition_and_shows_the_entries_covering_a_township(
    client, worker, administrator, two_counties
):

    ours, theirs = two_counties
    edition = publish_edition("2026-H1", user=administrator)
    client.force_login(worker)
    url = f"/supply/editions/{edition.pk}/"
    listing_page = client.get("/supply/editions/").content.decode()
    assert "2026年上半年" in listing_page and f"{url}workbook/" in listing_page
    detail = client.get(url).content.decode()
    assert ours.title in detail and theirs.title not in detail  # the worker's township first
    whole = client.get(url, {"township": ""}).content.decode()
    assert ours.title in whole and theirs.title in whole
    workbook = client.get(f"{url}workbook/")
    assert workbook.status_code == 200
    assert b"".join(workbook.streaming_content)[:2] == b"PK"
    assert LedgerEdition.objects.get() == edition
    assert client.get(f"/supply/editions/{edition.pk + 1}/").status_code == 404
    client.force_login(administrator)
    taihe = client.get(url, {"township": "441803102000"}).content.decode()
    assert theirs.title in taihe and ours.title not in taihe
    assert '<option value="441803000000" selected>' in taihe  # its county, chosen for the user


def test_it_shows_new_changed_and_removed_entries(client, administrator, charity_a, two_counties):

    ours, theirs = two_counties
    publish_edition("2026-H1", user=administrator)
    Project.objects.filter(pk=theirs.pk).update(status=Project.Status.CLOSED)
    Project.objects.filter(pk=ours.pk).update(capacity=30)
    second = publish_edition("2026-H2", user=administrator)
    client.force_login(administrator)
    page = client.get(f"/supply/editions/{second.pk}/").content.decode()
    assert "<del>太和镇长者饭堂</del>" in page
    assert ours.title in page


def test_it_needs_a_login_for_the_ledger_but_not_for_the_showcase(client, published):
    assert client.get("/supply/").status_code == 302
    assert client.get(f"/supply/projects/{published.pk}/").status_code == 302
    assert client.get("/showcase/").status_code == 200


def test_it_lets_an_administrator_review_anywhere(client, charity_a, published):
    admin = UserFactory(username="admin2", role="administrator", region=None)
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 12},
        terms=TERMS,
        coverage=[c.region for c in published.coverage.select_related("region")],
    )
    client.force_login(admin)
    assert f"/supply/changes/{change.pk}/" in client.get("/supply/review/").content.decode()
    client.post(f"/supply/changes/{change.pk}/approve/")
    assert Project.objects.get(pk=published.pk).capacity == 12


def test_it_lets_a_charity_pause_and_close_its_listing_but_not_resume_it(
    client, charity_a, published
):
    client.force_login(charity_a)
    client.post(f"/supply/projects/{published.pk}/status/", {"to": "paused"})
    assert Project.objects.get(pk=published.pk).status == Project.Status.PAUSED
    assert client.get(f"/supply/projects/{published.pk}/status/?to=published").status_code == 403
    page = client.get(f"/supply/projects/{published.pk}/status/?to=closed")
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    client.post(f"/supply/projects/{published.pk}/status/", {"to": "closed", "reason": "资金用完"})
    closed = Project.objects.get(pk=published.pk)
    assert (closed.status, closed.status_reason) == (Project.Status.CLOSED, "资金用完")
    assert client.get(f"/supply/projects/{published.pk}/edit/").status_code == 403


def test_it_answers_an_htmx_filter_with_the_results_only(client, worker, published):
    client.force_login(worker)
    response = client.get("/supply/", {"covers": "", "q": "助学"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">') and published.title in body
    public = client.get("/showcase/", {"q": "助学"}, headers={"HX-Request": "true"})
    assert public.content.decode().lstrip().startswith('<div id="results">')


def test_it_answers_the_links_the_reminders_and_notifications_carry():
    from django.urls import reverse

    assert reverse("supply:charity_workspace") == "/supply/mine/"
    assert reverse("supply:edition_detail", args=[7]) == "/supply/editions/7/"
    assert reverse("supply:project_detail", args=[7]) == "/supply/projects/7/"


def test_the_dashboard_shows_the_supply_card_to_charity_and_civil_affairs(
    client, charity_a, county_officer, published
):
    from supply import services

    services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 11},
        terms=TERMS,
        coverage=[r.region for r in published.coverage.all()],
    )
    client.force_login(charity_a)
    assert 'hx-get="/supply/dashboard-card/"' in client.get("/dashboard/").content.decode()
    figures = client.get("/supply/dashboard-card/").context["figures"]
    assert (figures["published"], figures["changes_pending"]) == (1, 1)
    client.force_login(county_officer)
    assert client.get("/supply/dashboard-card/").context["figures"]["changes_pending"] == 1


def test_a_higher_tier_officer_does_not_see_charity_staff_names(
    client, published, charity_a, regions
):
    from supply import services as supply_services

    change = supply_services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 12},
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    city_officer = UserFactory(
        username="city_officer", role="civil_affairs", region=regions["city"]
    )
    client.force_login(city_officer)
    for url in (f"/supply/projects/{published.pk}/", f"/supply/changes/{change.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert charity_a.name not in response.content.decode(), url


def test_the_charity_records_a_disclosure_from_the_project_page(
    client, published, charity_a, charity_b
):
    from django.utils import timezone

    make_charitable(published.organization)
    client.force_login(charity_b)
    assert client.post(f"/supply/projects/{published.pk}/disclosed/").status_code in (302, 403)
    assert Project.objects.get(pk=published.pk).last_disclosed_on is None
    client.force_login(charity_a)
    assert "下次进展公开截止" in client.get(f"/supply/projects/{published.pk}/").content.decode()
    assert client.post(f"/supply/projects/{published.pk}/disclosed/").status_code == 302
    assert Project.objects.get(pk=published.pk).last_disclosed_on == timezone.localdate()
