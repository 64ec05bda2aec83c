"""Issue 10, point 3, on the supply side: the organisation search the consent form picks from
(scope, order, limit, odd input, bounded queries) and the organisation's page for every
logged-in user (the full page for its staff and its civil affairs, the read-only one for
everyone else, 404 where nothing of it is in the ledger), linked from its projects."""

from __future__ import annotations

import pytest

from supply import services
from supply.models import Organization, Project, ProjectCoverage

from ..factories import UserFactory
from .conftest import TERMS, listing, make_org

pytestmark = pytest.mark.django_db

SEARCH = "/supply/organisations/search/"


def _project(organization, staff, regions, *, status=Project.Status.PUBLISHED, title="助学金"):
    project = services.project_save(
        user=staff,
        organization=organization,
        fields=listing(title=title),
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    Project.objects.filter(pk=project.pk).update(status=status)
    project.refresh_from_db()
    return project


@pytest.fixture
def ledger(county_officer, regions, charity_a, charity_b):
    """Three organisations of 英德市: one with a published project, one with a draft only, one
    with a paused project only."""
    published = make_org(
        county_officer, regions["county_a"], code="51441881MJ0000001R", staff=[charity_a]
    )
    drafting = make_org(
        county_officer,
        regions["county_a"],
        code="51441881MJ0000002W",
        staff=[charity_b],
        name="英德市义工联",
    )
    paused = make_org(
        county_officer, regions["county_a"], code="51441881MJ0000003X", name="英德市慈善义工协会"
    )
    _project(published, charity_a, regions, title="困境儿童助学金")
    _project(drafting, charity_b, regions, status=Project.Status.DRAFT, title="义工探访草稿")
    _project(paused, county_officer, regions, status=Project.Status.PAUSED, title="暂停的项目")
    return {"published": published, "drafting": drafting, "paused": paused}


def _search(client, user, q):
    client.force_login(user)
    return client.get(SEARCH, {"q": q})


# --- The search --------------------------------------------------------------------------------


def test_it_finds_an_organisation_of_the_ledger_by_part_of_its_name(client, worker, ledger):
    response = _search(client, worker, "慈善")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    organization = ledger["published"]
    assert f'data-code="{organization.credit_code}"' in page
    assert f'data-name="{organization.name}"' in page
    assert organization.registering_region.name in page
    assert organization.get_tier_display() in page


def test_it_leaves_out_organisations_without_a_published_project(client, worker, ledger):
    page = _search(client, worker, "英德市").content.decode()
    assert ledger["published"].credit_code in page
    assert ledger["drafting"].credit_code not in page
    assert ledger["paused"].credit_code not in page


@pytest.mark.parametrize("user", ["worker", "county_officer", "charity_b", "administrator"])
def test_every_logged_in_user_searches_the_same_ledger(client, request, ledger, user):
    page = _search(client, request.getfixturevalue(user), "英德").content.decode()
    assert ledger["published"].credit_code in page
    assert ledger["drafting"].credit_code not in page


def test_it_is_not_for_anonymous_visitors(client, ledger):
    response = client.get(SEARCH, {"q": "慈善"})
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("q", ["51441881mj0000001r", "MJ0000001", "５１４４１８８１", "mj 0000001"])
def test_it_finds_an_organisation_by_part_of_its_credit_code(client, worker, ledger, q):
    assert ledger["published"].credit_code in _search(client, worker, q).content.decode()


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "\x00",
        "慈\x00善",
        "%",
        "_",
        "'; DROP TABLE supply_organization; --",
        "😀" * 50,
        "慈" * 10_000,
        "٤٤١٨",
        "\u202e慈善",
        "<script>alert(1)</script>",
    ],
)
def test_odd_input_answers_a_fragment_never_a_500(client, worker, ledger, q):
    response = _search(client, worker, q)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in page
    if q.strip("\x00 ") in ("%", "_"):
        # LIKE's wildcards are searched as characters, not as "anything".
        assert ledger["published"].credit_code not in page


def test_a_query_string_list_is_read_as_its_last_value(client, worker, ledger):
    client.force_login(worker)
    response = client.get(SEARCH + "?q=zzz&q=慈善")
    assert ledger["published"].credit_code in response.content.decode()


@pytest.fixture
def crowded_ledger(county_officer, regions, charity_a):
    for n in range(25):
        organization, _warnings = services.organization_register(
            user=county_officer,
            name=f"英德市第{n:02d}慈善会",
            credit_code=f"51441881MJ{n + 100:07d}X",
            org_type="association",
            registering_region=regions["county_a"],
            staff=[charity_a],
        )
        _project(organization, charity_a, regions, title=f"项目{n}")


def test_it_answers_at_most_twenty_and_says_there_are_more(client, worker, crowded_ledger):
    page = _search(client, worker, "慈善会").content.decode()
    assert page.count("data-pick-organization") == 20
    assert "20" in page  # "the first 20 matches: type more of the name"


def test_names_that_start_with_the_text_come_first(
    client, worker, ledger, crowded_ledger, county_officer, regions, charity_a
):
    first, _warnings = services.organization_register(
        user=county_officer,
        name="慈善总会英德分会",
        credit_code="51441881MJ0000999X",
        org_type="association",
        registering_region=regions["county_a"],
        staff=[charity_a],
    )
    _project(first, charity_a, regions)
    page = _search(client, worker, "慈善").content.decode()
    assert page.index(first.credit_code) < page.index("51441881MJ0000100X")


def test_the_search_runs_a_bounded_number_of_queries(
    client, worker, crowded_ledger, django_assert_max_num_queries
):
    """The session, the user, the page's unread count (every page has it) and one query for
    the organisations, however many match."""
    client.force_login(worker)
    for q, found in (("第07", 1), ("慈善会", 20)):
        with django_assert_max_num_queries(4):
            response = client.get(SEARCH, {"q": q})
        assert response.content.decode().count("data-pick-organization") == found


# --- The organisation's page -------------------------------------------------------------------


def _page(client, user, organization):
    client.force_login(user)
    return client.get(f"/supply/organisations/{organization.pk}/")


def test_a_social_worker_reads_the_page_of_an_organisation_in_the_ledger(client, worker, ledger):
    organization = ledger["published"]
    Organization.objects.filter(pk=organization.pk).update(
        contact_name="陈主任", contact_phone="0763-2345678", address="英德市英城街道 1 号"
    )
    response = _page(client, worker, organization)
    page = response.content.decode()
    assert response.status_code == 200
    for fact in (
        organization.name,
        organization.credit_code,
        organization.get_tier_display(),
        organization.get_org_type_display(),
        "陈主任",
        "0763-2345678",
        "英德市英城街道 1 号",
        "困境儿童助学金",
    ):
        assert fact in page, fact
    # Read only: no management and nothing internal.
    assert "/projects/new/" not in page and "/charity-status/" not in page
    assert 'href="/supply/organisations/"' not in page  # the officers' list is 404 to workers


def test_the_read_only_page_shows_published_projects_only(
    client, worker, ledger, charity_a, regions
):
    organization = ledger["published"]
    _project(organization, charity_a, regions, status=Project.Status.DRAFT, title="内部草稿")
    _project(organization, charity_a, regions, status=Project.Status.PAUSED, title="暂停中")
    page = _page(client, worker, organization).content.decode()
    assert "困境儿童助学金" in page
    assert "内部草稿" not in page and "暂停中" not in page


@pytest.mark.parametrize("user", ["worker", "charity_a", "other_county_officer"])
def test_an_organisation_with_nothing_in_the_ledger_is_404_to_others(client, request, ledger, user):
    assert _page(client, request.getfixturevalue(user), ledger["drafting"]).status_code == 404
    assert _page(client, request.getfixturevalue(user), ledger["paused"]).status_code == 404


@pytest.mark.parametrize("pk", ["0", "999999"])
def test_a_missing_organisation_is_404(client, worker, ledger, pk):
    client.force_login(worker)
    assert client.get(f"/supply/organisations/{pk}/").status_code == 404


def test_another_charity_and_another_county_read_it_without_managing_it(
    client, charity_b, other_county_officer, ledger
):
    for user in (charity_b, other_county_officer):
        page = _page(client, user, ledger["published"]).content.decode()
        assert ledger["published"].credit_code in page
        assert "/projects/new/" not in page and "/charity-status/" not in page


def test_its_staff_and_its_civil_affairs_keep_the_full_page(
    client, charity_a, charity_b, county_officer, ledger
):
    staff = _page(client, charity_a, ledger["published"]).content.decode()
    assert "/projects/new/" in staff
    officer = _page(client, county_officer, ledger["drafting"]).content.decode()
    assert "/charity-status/" in officer and "义工探访草稿" in officer
    own_draft = _page(client, charity_b, ledger["drafting"]).content.decode()
    assert "义工探访草稿" in own_draft


def test_the_page_of_a_project_applied_to_leads_to_its_organisation(
    client, worker, ledger, regions
):
    """A paused project the worker's household applied to stays readable (matching grants it):
    so does its organisation's page, which lists nothing that is not published."""
    from supply.access import register_project_grant

    paused = Project.objects.get(title="暂停的项目")
    # As matching grants it (rows with a project_id): here the paused project's coverage.
    register_project_grant(
        "test:grant",
        lambda user: (
            ProjectCoverage.objects.filter(project_id=paused.pk)
            if user.role == "social_worker"
            else None
        ),
    )
    try:
        project_page = client_get(client, worker, f"/supply/projects/{paused.pk}/")
        assert f'href="/supply/organisations/{ledger["paused"].pk}/"' in project_page
        page = _page(client, worker, ledger["paused"])
        assert page.status_code == 200 and "暂停的项目" not in page.content.decode()
    finally:
        from supply import access

        access._GRANTS.pop("test:grant", None)


def client_get(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_project_page_shows_the_credit_code_and_links_the_organisation(client, worker, ledger):
    project = Project.objects.get(title="困境儿童助学金")
    page = client_get(client, worker, f"/supply/projects/{project.pk}/")
    owner = page.split('id="project-organization"', 1)[1].split("</span></span>", 1)[0]
    assert f'href="/supply/organisations/{ledger["published"].pk}/"' in owner
    assert ledger["published"].credit_code in owner


def test_the_organisation_page_runs_a_bounded_number_of_queries(
    client, worker, crowded_ledger, county_officer, django_assert_max_num_queries
):
    organization = Organization.objects.get(name="英德市第00慈善会")
    for user in (worker, county_officer):
        client.force_login(user)
        client.get("/supply/")
        with django_assert_max_num_queries(10):
            response = client.get(f"/supply/organisations/{organization.pk}/")
        assert response.status_code == 200


def test_a_new_charity_user_without_organisations_reads_it_too(client, regions, ledger):
    newcomer = UserFactory(username="newcomer", role="charity")
    assert _page(client, newcomer, ledger["published"]).status_code == 200
