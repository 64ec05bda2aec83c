"""The reports API: evaluations (list with filters, detail with the frozen figures, files) and
the live figures, each in the user's scope; bounded queries; bad input is a 400 with the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports import metrics, services
from reports.models import AnnualEvaluation

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluations(evaluation_data, administrator, django_capture_on_commit_callbacks):
    regions = evaluation_data["regions"]
    for key in ("county_a", "county_b", "city", "county_a"):  # Yingde twice: two versions
        with django_capture_on_commit_callbacks(execute=True):
            services.build_request(user=administrator, region=regions[key], year=2025)
    return regions


@pytest.fixture
def yingde_officer(regions):
    return UserFactory(username="yd", role="civil_affairs", region=regions["county_a"])


def test_the_list_shows_current_versions_in_the_users_area(client, evaluations, yingde_officer):
    client.force_login(yingde_officer)
    rows = client.get(reverse("reports_api:evaluation_list")).json()["results"]
    assert [(r["region"]["name"], r["version"]) for r in rows] == [("英德市", 2)]
    every = client.get(reverse("reports_api:evaluation_list") + "?current=false").json()
    assert sorted(r["version"] for r in every["results"]) == [1, 2]


def test_an_administrator_filters_the_list(client, evaluations, administrator):
    client.force_login(administrator)
    url = reverse("reports_api:evaluation_list")
    assert client.get(url).json()["count"] == 3
    counties = client.get(url + "?level=county").json()["results"]
    assert {r["region"]["name"] for r in counties} == {"英德市", "清新区"}
    within = client.get(url + "?region=441803").json()["results"]
    assert [r["region"]["name"] for r in within] == ["清新区"]
    assert client.get(url + "?year=2024").json()["count"] == 0
    assert client.get(url + "?status=accepted").json()["count"] == 0
    bad = client.get(url + "?year=abc&level=village")
    assert bad.status_code == 400 and set(bad.json()) == {"year", "level"}


def test_the_detail_has_the_frozen_figures_narrative_and_files(client, evaluations, yingde_officer):
    evaluation = AnnualEvaluation.objects.get(region_id="441881000000", is_current=True)
    client.force_login(yingde_officer)
    data = client.get(reverse("reports_api:evaluation_detail", args=[evaluation.pk])).json()
    assert data["metrics"] == evaluation.metrics
    assert data["metrics"]["sections"]["matching"]["figures"]["applications"] == 7
    assert {f["kind"] for f in data["files"]} == {"xlsx", "pdf", "csv"}
    download = client.get(data["files"][0]["download_url"])
    assert download.status_code == 200
    files = client.get(reverse("reports_api:evaluation_files", args=[evaluation.pk])).json()
    assert [f["id"] for f in files] == [f["id"] for f in data["files"]]


def test_the_live_figures_of_a_region_for_any_days(client, evaluations, yingde_officer):
    client.force_login(yingde_officer)
    url = reverse("reports_api:metrics")
    mine = client.get(url + "?start=2025-01-01&end=2025-12-31").json()
    assert mine["region"]["code"] == "441881000000"
    assert mine["metrics"]["sections"]["matching"]["figures"]["applications"] == 7
    township = client.get(url + "?region=441881101000&start=2025-03-01&end=2025-05-31").json()
    assert township["metrics"]["sections"]["matching"]["figures"]["applications"] == 2
    assert client.get(url + "?region=441803000000").status_code == 404
    assert client.get(url + "?region=441800000000").status_code == 404  # the city above
    bad = client.get(url + "?start=2025-12-31&end=2025-01-01")
    assert bad.status_code == 400 and "end" in bad.json()


def test_the_list_runs_a_bounded_number_of_queries(
    client, evaluations, administrator, django_assert_max_num_queries
):
    client.force_login(administrator)
    with django_assert_max_num_queries(8):
        client.get(reverse("reports_api:evaluation_list") + "?current=false")


def test_the_dashboard_does_not_query_per_child_region(
    client, evaluation_data, administrator, django_assert_num_queries
):
    """As many queries for a city (two counties) as for a county (two townships), and for the
    province (one city in the fixture) one fewer (its breadcrumb has nothing above it): every
    child row comes from grouped aggregates, not from a query per child."""
    client.force_login(administrator)
    counts = []
    for code in ("440000000000", "441800000000", "441881000000"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get(
                reverse("reports:dashboard") + f"?region={code}&start=2025-01-01&end=2025-12-31"
            )
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[1] == counts[2] == counts[0] + 1, counts
    assert counts[0] < 150


def test_the_dashboard_card_counts_last_years_evaluations_by_status(
    client, evaluations, yingde_officer
):
    client.force_login(yingde_officer)
    html = client.get(reverse("reports:dashboard_card")).content.decode()
    assert "2025" in html and "草稿" in html
    assert metrics.SECTIONS  # the card links to the list filtered by year and status
    assert "?year=2025&amp;status=draft" in html
