"""What the API answers where the schema fuzzing found it wrong (issue 9, point 13): a field
error, or a JSON 404, never a server error or an HTML page."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from supply import editions

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(worker):
    client = APIClient()
    client.force_authenticate(worker)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/api/needs/visits/",
        "/api/needs/needs/",
        "/api/needs/members/",
        "/api/needs/consents/",
        "/api/matching/applications/",
        "/api/supply/changes/",
    ],
)
@pytest.mark.parametrize("value", ["1.5", "-3", str(2**63), "540637855428827114247508983808"])
def test_an_id_filter_outside_the_ids_is_a_field_error_not_a_server_error(api, url, value):
    name = "project" if url == "/api/supply/changes/" else "household"
    response = api.get(url, {name: value})
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_the_organisation_filter_of_the_ledger_takes_ids_only(api):
    assert api.get("/api/supply/projects/", {"organization": str(10**30)}).status_code == 400
    assert api.get("/api/supply/projects/", {"organization": "7"}).status_code == 200


@pytest.mark.parametrize("days", ["0", "1e10", "10000000000", "2.5"])
def test_days_without_a_visit_are_a_whole_number_within_reason(api, days):
    response = api.get("/api/needs/households/", {"unvisited_days": days})
    assert response.status_code == 400
    assert "unvisited_days" in response.json()


def test_yes_no_filters_still_take_true_and_false(api):
    assert api.get("/api/needs/households/", {"urgent": "true", "mine": "false"}).status_code == 200
    assert api.get("/api/supply/projects/", {"stale": "false"}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/needs/needs/abc/",
        "/api/needs/households/-1/",
        "/api/matching/applications/6.5/submit/",
        "/api/supply/nothing-here/",
    ],
)
def test_an_api_address_no_view_serves_answers_json_404(api, url):
    response = api.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}


def test_any_other_address_keeps_the_html_404_page(client, worker):
    client.force_login(worker)
    response = client.get("/needs/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_edition_whose_workbook_file_is_gone_answers_404_not_500(api, regions):
    edition = editions.edition_publish(period="2026-H1")
    assert edition.workbook
    edition.workbook.storage.delete(edition.workbook.name)
    response = api.get(f"/api/supply/editions/{edition.pk}/workbook/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
