from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from supply import services
from supply.models import ListingChange, Organization, Project

from ..factories import UserFactory
from .conftest import TERMS, listing, make_org, publish_edition

pytestmark = pytest.mark.django_db

BASE = "/api/supply"
FAILING_CHECK_CODE = "51440000MJL1234567"  # well-formed, but its check character is off


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def _publish(project, charity, officer):
    services.project_transition(user=charity, project=project, to="pending_review")
    return services.project_transition(user=officer, project=project, to="published")


@pytest.fixture
def city_officer(regions):
    """Civil affairs of 清远市: the county's organisations are in its area, not its tier."""
    return UserFactory(username="city_officer", role="civil_affairs", region=regions["city"])


@pytest.fixture
def change(published, charity_a, regions):
    return services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 20},
        terms=TERMS,
        coverage=[regions["county_a"]],
    )


def _draft_body(county_org, **overrides):
    body = {
        "organization": county_org.pk,
        "title": "助老送餐",
        "description": "为独居老人每日送餐",
        "application_process": "社工转介",
        "starts_on": "2026-03-01",
        "areas": ["elderly_support"],
        "forms": ["daily_living"],
        "coverage": ["441881101000"],
    }
    body.update(overrides)
    return body


# --- Scope -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["worker", "other_county_officer", "charity_b"])
def test_it_answers_404_on_a_draft_to_anyone_outside_its_organisation_and_tier(
    api, request, persona, draft
):
    _as(api, request.getfixturevalue(persona))
    url = f"{BASE}/projects/{draft.pk}/"
    assert api.get(url).status_code == 404
    assert api.patch(url, {"title": "改"}, format="json").status_code == 404
    assert api.put(url, {}, format="json").status_code == 404
    transition = api.post(f"{url}transition/", {"to": "pending_review"}, format="json")
    assert transition.status_code == 404
    assert api.post(f"{url}confirm/").status_code == 404
    assert api.post(f"{url}changes/", {"capacity": 1}, format="json").status_code == 404
    assert api.get(f"{BASE}/projects/").json()["count"] == 0
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("困境儿童助学金", "draft")


def test_it_shows_the_draft_to_its_staff_and_its_tier(api, draft, charity_a, county_officer):
    for user in (charity_a, county_officer):
        _as(api, user)
        assert api.get(f"{BASE}/projects/{draft.pk}/").status_code == 200
        assert [p["id"] for p in api.get(f"{BASE}/projects/").json()["results"]] == [draft.pk]


def test_it_keeps_another_charitys_changes_and_organisation_from_charity_b(
    api, change, charity_a, charity_b, county_org
):
    _as(api, charity_b)
    assert api.get(f"{BASE}/changes/").json()["count"] == 0
    assert api.get(f"{BASE}/changes/{change.pk}/").status_code == 404
    assert api.post(f"{BASE}/changes/{change.pk}/approve/").status_code == 404
    assert api.post(f"{BASE}/changes/{change.pk}/reject/", {"reason": "x"}).status_code == 404
    assert api.get(f"{BASE}/organizations/").json()["count"] == 0
    assert api.get(f"{BASE}/organizations/{county_org.pk}/").status_code == 404
    # The published listing itself is public to every logged-in user, but not charity_b's to
    # change.
    assert api.get(f"{BASE}/projects/{change.project_id}/").status_code == 200
    refused = api.post(f"{BASE}/projects/{change.project_id}/changes/", {"capacity": 1})
    assert refused.status_code == 403

    _as(api, charity_a)
    assert [c["id"] for c in api.get(f"{BASE}/changes/").json()["results"]] == [change.pk]
    assert api.get(f"{BASE}/organizations/").json()["count"] == 1


def test_the_review_queue_belongs_to_the_department_of_the_tier(
    api, change, county_officer, other_county_officer, city_officer, worker
):
    _as(api, county_officer)
    assert [c["id"] for c in api.get(f"{BASE}/changes/").json()["results"]] == [change.pk]
    for stranger in (other_county_officer, worker):
        _as(api, stranger)
        assert api.get(f"{BASE}/changes/").json()["count"] == 0
        assert api.get(f"{BASE}/changes/{change.pk}/").status_code == 404
        assert api.get(f"{BASE}/organizations/").json()["count"] == 0
    # The city sees the change of an organisation of its area, but reviewing it is the
    # county's.
    _as(api, city_officer)
    assert api.get(f"{BASE}/changes/").json()["count"] == 0
    assert api.get(f"{BASE}/changes/{change.pk}/").status_code == 200
    assert api.post(f"{BASE}/changes/{change.pk}/approve/").status_code == 403
    assert ListingChange.objects.get().status == "pending"


def test_no_output_names_another_charitys_staff(
    api, published, county_org, charity_a, charity_b, county_officer, city_officer
):
    charity_a.set_phone("13612345678")
    charity_a.save()
    _as(api, charity_b)
    responses = [
        api.get(f"{BASE}/projects/"),
        api.get(f"{BASE}/projects/{published.pk}/"),
    ]
    _as(api, city_officer)
    responses.append(api.get(f"{BASE}/organizations/{county_org.pk}/"))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[2].json()["staff"] is None
    text = "".join(r.content.decode() for r in responses)
    for secret in ("charity_a", charity_a.name, "13612345678", charity_a.email):
        assert secret not in text

    # The keeping department and the organisation's own staff see the staff, by name only.
    for user in (county_officer, charity_a):
        data = _as(api, user).get(f"{BASE}/organizations/{county_org.pk}/").json()
        assert data["staff"] == [{"id": charity_a.pk, "name": charity_a.name}]


# --- Organisations ---------------------------------------------------------------------------


def test_it_registers_an_organisation_with_a_failing_check_character_and_warns(
    api, county_officer, charity_a, regions
):
    response = _as(api, county_officer).post(
        f"{BASE}/organizations/",
        {
            "name": "英德市助学会",
            "credit_code": FAILING_CHECK_CODE.lower(),
            "org_type": "association",
            "registering_region": "441881000000",
            "service_regions": ["441881101000"],
            "staff": [charity_a.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["credit_code"] == FAILING_CHECK_CODE
    assert data["credit_code_valid"] is False
    (warning,) = data["warnings"]
    assert FAILING_CHECK_CODE in warning
    assert (data["tier"], data["registering_region"]["code"]) == ("county", "441881000000")
    assert data["service_regions"] == ["441881101000"]
    assert data["staff"] == [{"id": charity_a.pk, "name": charity_a.name}]
    assert Organization.objects.get(pk=data["id"]).staff.get() == charity_a


def test_a_valid_code_registers_without_warnings_and_a_malformed_one_is_a_400(
    api, administrator, regions
):
    _as(api, administrator)
    body = {"name": "广东省慈善会", "org_type": "foundation", "registering_region": "440000000000"}
    response = api.post(f"{BASE}/organizations/", {**body, "credit_code": "5144000"})
    assert response.status_code == 400
    assert "credit_code" in response.json()
    response = api.post(f"{BASE}/organizations/", {**body, "credit_code": "91440300708461136T"})
    assert response.status_code == 201, response.json()
    assert (response.json()["warnings"], response.json()["tier"]) == ([], "province")


def test_only_civil_affairs_of_the_registering_department_register(
    api, charity_a, other_county_officer, regions
):
    body = {
        "name": "某会",
        "credit_code": "91440300708461136T",
        "org_type": "association",
        "registering_region": "441881000000",
    }
    assert _as(api, charity_a).post(f"{BASE}/organizations/", body).status_code == 403
    assert _as(api, other_county_officer).post(f"{BASE}/organizations/", body).status_code == 403
    assert Organization.objects.count() == 0


# --- Projects --------------------------------------------------------------------------------


def test_it_creates_and_edits_a_draft(api, county_org, charity_a, regions):
    _as(api, charity_a)
    response = api.post(f"{BASE}/projects/", _draft_body(county_org), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft"
    assert data["organization"] == {
        "id": county_org.pk,
        "name": county_org.name,
        "tier": "county",
        "tier_display": str(county_org.get_tier_display()),
    }
    assert (data["areas"], data["forms"], data["eligible_statuses"]) == (
        ["elderly_support"],
        ["daily_living"],
        [],
    )
    assert data["coverage"] == ["441881101000"]
    assert data["coverage_regions"][0]["name"] == "沙口镇"

    url = f"{BASE}/projects/{data['id']}/"
    # Only the end date: everything else keeps its value.
    response = api.patch(url, {"ends_on": "2026-12-31", "capacity": 5}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["ends_on"], data["capacity"], data["places_left"]) == ("2026-12-31", 5, 5)
    assert (data["title"], data["areas"], data["coverage"]) == (
        "助老送餐",
        ["elderly_support"],
        ["441881101000"],
    )
    response = api.patch(url, {"ends_on": "2026-01-01"}, format="json")
    assert response.status_code == 400
    assert "ends_on" in response.json()

    body = _draft_body(county_org, title="助老送餐(全市)", coverage=["441881000000"])
    del body["organization"]
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["coverage"]) == (
        "助老送餐(全市)",
        ["441881000000"],
    )


def test_a_draft_needs_an_area_a_form_and_coverage_under_the_inputs_names(
    api, county_org, charity_a
):
    response = _as(api, charity_a).post(
        f"{BASE}/projects/", _draft_body(county_org, areas=[], forms=[], coverage=[]), format="json"
    )
    assert response.status_code == 400
    assert {"areas", "forms", "coverage"} <= set(response.json())
    assert Project.objects.count() == 0


def test_a_project_of_an_organisation_the_user_cannot_see_is_a_400(api, county_org, charity_b):
    response = _as(api, charity_b).post(f"{BASE}/projects/", _draft_body(county_org), format="json")
    assert response.status_code == 400
    assert "organization" in response.json()
    assert Project.objects.count() == 0


def test_a_published_listing_is_not_edited_directly(api, published, charity_a):
    response = _as(api, charity_a).patch(
        f"{BASE}/projects/{published.pk}/", {"capacity": 50}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    published.refresh_from_db()
    assert published.capacity == 10


def test_the_detail_groups_terms_and_shows_places_and_staleness(api, published, worker):
    data = _as(api, worker).get(f"{BASE}/projects/{published.pk}/").json()
    assert data["areas"] == ["education_aid"]
    assert data["forms"] == ["cash"]
    assert data["eligible_statuses"] == ["dibao"]
    assert data["eligible_tags"] == ["child_in_difficulty"]
    assert data["coverage"] == ["441881000000"]
    assert (data["places_left"], data["is_stale"], data["status"]) == (10, False, "published")
    Project.objects.filter(pk=published.pk).update(
        last_confirmed_at=published.last_confirmed_at - dt.timedelta(days=200)
    )
    assert api.get(f"{BASE}/projects/{published.pk}/").json()["is_stale"] is True


def test_legal_transitions_move_the_listing_and_illegal_ones_do_not(
    api, draft, charity_a, county_officer
):
    url = f"{BASE}/projects/{draft.pk}/transition/"
    _as(api, charity_a)
    response = api.post(url, {"to": "pending_review"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "pending_review"
    assert api.post(url, {"to": "published"}, format="json").status_code == 403

    _as(api, county_officer)
    response = api.post(url, {"to": "draft"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = api.post(url, {"to": "published"}, format="json")
    assert response.status_code == 200
    assert response.json()["last_confirmed_at"] is not None

    response = api.post(url, {"to": "pending_review"}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()
    assert api.post(url, {"to": "archived"}, format="json").status_code == 400
    draft.refresh_from_db()
    assert draft.status == "published"


def test_it_confirms_a_published_listing_only(api, draft, charity_a, county_officer):
    _as(api, charity_a)
    response = api.post(f"{BASE}/projects/{draft.pk}/confirm/")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    _publish(draft, charity_a, county_officer)
    Project.objects.filter(pk=draft.pk).update(last_confirmed_at=None)
    response = api.post(f"{BASE}/projects/{draft.pk}/confirm/")
    assert response.status_code == 200
    assert response.json()["last_confirmed_at"] is not None


# --- Listing changes -------------------------------------------------------------------------


def test_a_change_applies_only_after_approval(api, published, charity_a, county_officer, regions):
    _as(api, charity_a)
    response = api.post(
        f"{BASE}/projects/{published.pk}/changes/",
        {"capacity": 20, "coverage": ["441881000000", "441881102000"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "pending"
    diff = {row["field"]: (row["before"], row["after"]) for row in data["diff"]}
    assert diff == {
        "capacity": (10, 20),
        "coverage": (["441881000000"], ["441881000000", "441881102000"]),
    }
    # Not yet: the listing is as it was.
    project = api.get(f"{BASE}/projects/{published.pk}/").json()
    assert (project["capacity"], project["coverage"]) == (10, ["441881000000"])
    assert project["eligible_statuses"] == ["dibao"]  # terms left out are not dropped
    assert api.post(f"{BASE}/changes/{data['id']}/approve/").status_code == 403

    _as(api, county_officer)
    queue = api.get(f"{BASE}/changes/").json()
    assert [c["id"] for c in queue["results"]] == [data["id"]]
    response = api.post(f"{BASE}/changes/{data['id']}/approve/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    project = api.get(f"{BASE}/projects/{published.pk}/").json()
    assert (project["capacity"], project["coverage"]) == (20, ["441881000000", "441881102000"])
    assert project["eligible_statuses"] == ["dibao"]
    assert api.get(f"{BASE}/changes/").json()["count"] == 0
    again = api.post(f"{BASE}/changes/{data['id']}/approve/")
    assert again.status_code == 400
    assert again.json()["non_field_errors"]


def test_a_rejection_needs_a_reason_and_changes_nothing(api, change, county_officer, published):
    _as(api, county_officer)
    url = f"{BASE}/changes/{change.pk}/reject/"
    response = api.post(url, {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = api.post(url, {"reason": "名额需与预算一致"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == (
        "rejected",
        "名额需与预算一致",
    )
    published.refresh_from_db()
    assert published.capacity == 10


def test_a_change_of_a_draft_or_of_nothing_is_a_400(api, draft, charity_a, county_officer):
    _as(api, charity_a)
    response = api.post(f"{BASE}/projects/{draft.pk}/changes/", {"capacity": 3}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    published = _publish(draft, charity_a, county_officer)
    response = api.post(f"{BASE}/projects/{published.pk}/changes/", {"capacity": 10})
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    response = api.post(
        f"{BASE}/projects/{published.pk}/changes/", {"areas": ["no_such_area"]}, format="json"
    )
    assert response.status_code == 400
    assert "areas" in response.json()
    assert ListingChange.objects.count() == 0


# --- The shared FilterSet --------------------------------------------------------------------


@pytest.fixture
def elder_care(other_county_officer, regions, charity_b):
    """A published listing of a 清新区 organisation that names no assistance status."""
    organization = make_org(
        other_county_officer, regions["county_b"], code="51441881MJ0000002W", staff=[charity_b]
    )
    project = services.project_save(
        user=charity_b,
        organization=organization,
        fields=listing(title="助老送餐"),
        terms={"area": ["elderly_support"], "form": ["daily_living"]},
        coverage=[regions["county_b"]],
    )
    return _publish(project, charity_b, other_county_officer)


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({"area": "education_aid"}, ["困境儿童助学金"]),
        ({"area": "elderly_support"}, ["助老送餐"]),
        ({"form": "daily_living"}, ["助老送餐"]),
        ({"covers": "441881101000"}, ["困境儿童助学金"]),  # a town of 英德市
        ({"covers": "441803"}, ["助老送餐"]),  # 清新区 by its prefix
        # The city: each listing is available somewhere in it (in one of its counties).
        ({"covers": "4418"}, ["助老送餐", "困境儿童助学金"]),
        ({"covers": "441802"}, []),  # 清城区: neither reaches it
        # Naming the status, or naming no status at all, opens the listing to it.
        ({"eligible_status": "dibao"}, ["助老送餐", "困境儿童助学金"]),
        ({"eligible_status": "tekun"}, ["助老送餐"]),
        ({"eligible_tag": "orphan"}, ["助老送餐"]),
        ({"tier": "county"}, ["助老送餐", "困境儿童助学金"]),
        ({"tier": "city"}, []),
        ({"q": "送餐"}, ["助老送餐"]),
    ],
)
def test_it_filters_the_project_list_with_the_shared_filterset(
    api, worker, published, elder_care, query, titles
):
    response = _as(api, worker).get(f"{BASE}/projects/", query)
    assert response.status_code == 200, response.json()
    assert sorted(p["title"] for p in response.json()["results"]) == sorted(titles)


def test_an_unknown_filter_value_is_a_400(api, worker, published):
    response = _as(api, worker).get(f"{BASE}/projects/", {"area": "no_such_area"})
    assert response.status_code == 400
    assert "area" in response.json()


def test_the_project_list_runs_a_bounded_number_of_queries(
    api, county_org, charity_a, county_officer, worker, regions, django_assert_max_num_queries
):
    for i in range(50):
        project = services.project_save(
            user=charity_a,
            organization=county_org,
            fields=listing(title=f"项目{i:02d}"),
            terms=TERMS,
            coverage=[regions["township_a1"], regions["township_a2"]],
        )
        if i % 2:
            _publish(project, charity_a, county_officer)
    for user, count in ((charity_a, 50), (county_officer, 50), (worker, 25)):
        _as(api, user)
        with django_assert_max_num_queries(10):
            data = api.get(f"{BASE}/projects/", {"eligible_status": "dibao"}).json()
        assert data["count"] == count
        assert all(len(p["coverage"]) == 2 for p in data["results"])
    with django_assert_max_num_queries(10):
        data = _as(api, county_officer).get(f"{BASE}/organizations/").json()
    assert data["count"] == 1


# --- Editions --------------------------------------------------------------------------------


@pytest.fixture
def two_editions(published, charity_a, county_officer, county_org, regions):
    """2026-H1 with the bursary; 2026-H2 with the bursary changed and a new listing."""
    first = publish_edition("2026-H1")
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 12},
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    services.listing_change_approve(user=county_officer, change=change)
    meals = services.project_save(
        user=charity_a,
        organization=county_org,
        fields=listing(title="助老送餐"),
        terms={"area": ["elderly_support"], "form": ["daily_living"]},
        coverage=[regions["township_a2"]],
    )
    _publish(meals, charity_a, county_officer)
    return first, publish_edition("2026-H2")


def test_every_logged_in_user_reads_the_editions_and_checks_the_workbook(
    api, two_editions, charity_b
):
    _first, second = two_editions
    _as(api, charity_b)
    listed = api.get(f"{BASE}/editions/").json()
    assert [e["period"] for e in listed["results"]] == ["2026-H2", "2026-H1"]
    data = api.get(f"{BASE}/editions/{second.pk}/").json()
    assert (data["entry_count"], data["added_count"], data["changed_count"]) == (2, 1, 1)
    assert data["workbook_url"].endswith(f"/api/supply/editions/{second.pk}/workbook/")
    response = api.get(data["workbook_url"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == data["workbook_sha256"]
    api.force_authenticate(None)
    assert api.get(f"{BASE}/editions/").status_code in (401, 403)
    assert api.get(f"{BASE}/editions/{second.pk}/workbook/").status_code in (401, 403)


def test_it_pages_an_editions_entries_and_filters_them_by_place(api, two_editions, worker):
    _first, second = two_editions
    _as(api, worker)
    url = f"{BASE}/editions/{second.pk}/entries/"
    data = api.get(url).json()
    assert data["count"] == 2
    bursary = next(e for e in data["results"] if e["title"] == "困境儿童助学金")
    assert (bursary["snapshot"]["capacity"], bursary["coverage"]) == (12, ["441881"])
    # 沙口镇 is reached by the county-wide bursary only; 望埠镇 by both.
    shakou = api.get(url, {"covers": "441881101000"}).json()
    assert [e["title"] for e in shakou["results"]] == ["困境儿童助学金"]
    assert api.get(url, {"covers": "441881102000"}).json()["count"] == 2
    assert api.get(url, {"change": "new"}).json()["results"][0]["title"] == "助老送餐"
    assert api.get(f"{BASE}/editions/999/entries/").status_code == 404


def test_the_diff_lists_new_changed_and_removed_listings(api, two_editions, worker, county_officer):
    _first, second = two_editions
    meals = Project.objects.get(title="助老送餐")
    services.project_transition(user=county_officer, project=meals, to="closed")
    third = publish_edition("2027-H1")
    _as(api, worker)
    data = api.get(f"{BASE}/editions/{second.pk}/diff/").json()
    assert (data["period"], data["previous_period"]) == ("2026-H2", "2026-H1")
    assert [e["title"] for e in data["new"]] == ["助老送餐"]
    (changed,) = data["changed"]
    assert (changed["title"], changed["changed_fields"]) == ("困境儿童助学金", ["capacity"])
    assert data["removed"] == []
    data = api.get(f"{BASE}/editions/{third.pk}/diff/").json()
    assert (data["new"], data["changed"]) == ([], [])
    assert data["removed"] == [{"project": meals.pk, "title": "助老送餐"}]


# --- Schema ----------------------------------------------------------------------------------


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/supply/organizations/{id}/",
        "/api/supply/projects/{id}/transition/",
        "/api/supply/projects/{id}/changes/",
        "/api/supply/changes/{id}/reject/",
        "/api/supply/editions/{id}/diff/",
        "/api/supply/editions/{id}/workbook/",
    ):
        assert path in text
    for component in ("SupplyProjectDetailOutput", "SupplyOrganizationSavedOutput"):
        assert f"    {component}:" in text
