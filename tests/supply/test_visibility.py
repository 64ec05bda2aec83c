"""Who sees a paused listing (issue 9, point 9).

A paused listing is seen by its organisation's staff, the civil affairs of its registering area
(and above), administrators, and the social workers of the households that applied to it
(matching registers that grant through ``supply.access``). Everyone else gets 404 and finds
nothing in lists; the public showcase never shows it.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from matching import services as matching_services
from supply import access, selectors, services
from supply.models import Project

from ..factories import UserFactory
from ..matching import conftest as matching_conftest

pytestmark = pytest.mark.django_db

# A child of 沙口镇 with consent and an education need (the matching fixtures).
family = matching_conftest.family
child = matching_conftest.child
consent = matching_conftest.consent
need = matching_conftest.need


@pytest.fixture
def aid(shenzhen_org, charity_b, shenzhen_officer, regions):
    """A Shenzhen foundation's published bursary for 沙口镇 (cross-region aid)."""
    return matching_conftest.publish(
        shenzhen_org, charity_b, shenzhen_officer, coverage=[regions["township_a1"]]
    )


@pytest.fixture
def applied(aid, worker, need, consent):
    """The worker applied for the child, then the foundation paused the listing."""
    matching_services.application_create(user=worker, need=need, project=aid, mode="assisted")
    return aid


@pytest.fixture
def paused(applied, charity_b):
    return services.project_transition(user=charity_b, project=applied, to="paused")


@pytest.fixture
def worker_wangbu(regions):
    """A social worker of 望埠镇, the same county: no household of hers applied."""
    return UserFactory(
        username="worker_wangbu", role="social_worker", region=regions["township_a2"]
    )


@pytest.fixture
def guangdong_officer(regions):
    """Civil affairs of the province: above the registering department (深圳市)."""
    return UserFactory(username="gd_officer", role="civil_affairs", region=regions["province"])


SEE = ["charity_b", "shenzhen_officer", "guangdong_officer", "administrator", "worker", "colleague"]
# 英德市 civil affairs see a paused listing of their own tier, not another department's.
DO_NOT_SEE = ["outsider", "worker_wangbu", "charity_a", "county_officer", "other_county_officer"]


@pytest.mark.parametrize("persona", SEE)
def test_it_shows_a_paused_listing_to_the_owner_its_tier_and_the_applicants(
    client, request, paused, persona
):
    user = request.getfixturevalue(persona)
    assert selectors.project_list_for_user(user).filter(pk=paused.pk).exists()
    client.force_login(user)
    assert client.get(f"/supply/projects/{paused.pk}/").status_code == 200
    api = APIClient()
    api.force_authenticate(user)
    assert api.get(f"/api/supply/projects/{paused.pk}/").status_code == 200
    listed = api.get("/api/supply/projects/", {"status": "paused"}).json()
    assert [p["id"] for p in listed["results"]] == [paused.pk]


@pytest.mark.parametrize("persona", DO_NOT_SEE)
def test_it_hides_a_paused_listing_from_everyone_else(client, request, paused, persona):
    user = request.getfixturevalue(persona)
    assert not Project.objects.visible_to(user).filter(pk=paused.pk).exists()
    client.force_login(user)
    for url in (
        f"/supply/projects/{paused.pk}/",
        f"/supply/projects/{paused.pk}/edit/",
        f"/supply/projects/{paused.pk}/status/?to=closed",
    ):
        assert client.get(url).status_code == 404, url
    assert str(paused.title) not in client.get("/supply/", {"covers": ""}).content.decode()
    api = APIClient()
    api.force_authenticate(user)
    assert api.get(f"/api/supply/projects/{paused.pk}/").status_code == 404
    assert api.get("/api/supply/projects/", {"status": "paused"}).json()["count"] == 0
    assert api.get("/api/supply/projects/").json()["count"] == 0


def test_the_same_people_see_the_listing_while_it_is_published(request, applied):
    # The grant changes nothing for a published listing: everyone logged in sees it.
    for persona in [*SEE, *DO_NOT_SEE]:
        user = request.getfixturevalue(persona)
        assert Project.objects.visible_to(user).filter(pk=applied.pk).exists(), persona


def test_the_applicants_link_to_the_paused_project_still_opens(client, paused, worker):
    from matching.models import Application

    application = Application.objects.get(project=paused)
    client.force_login(worker)
    page = client.get(f"/matching/applications/{application.pk}/").content.decode()
    assert f'href="/supply/projects/{paused.pk}/"' in page
    assert client.get(f"/supply/projects/{paused.pk}/").status_code == 200


def test_the_showcase_never_shows_a_paused_listing(client, paused, shenzhen_officer):
    assert paused.title not in client.get("/showcase/").content.decode()
    assert client.get(f"/showcase/projects/{paused.pk}/").status_code == 404
    services.project_transition(user=shenzhen_officer, project=paused, to="published")
    assert paused.title in client.get("/showcase/").content.decode()


def test_matching_registers_its_grant_as_a_subquery_not_a_list(worker, paused):
    from django.db.models import QuerySet

    grants = access.project_grants(worker)
    assert len(grants) == 1 and isinstance(grants[0], QuerySet)
    # Evaluating the visibility runs one query, the grant inside it.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert list(Project.objects.visible_to(worker).values_list("pk", flat=True)) == [paused.pk]
    assert len(queries) == 1
    assert "EXISTS" in queries[0]["sql"].upper()
