from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _figures(client, user):
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.context["figures"]


def test_a_county_officer_sees_the_townships_and_staff_of_the_county(
    client, county_officer, worker, colleague, outsider
):
    figures = _figures(client, county_officer)
    assert figures["regions"]["townships"] == 2  # 沙口镇, 望埠镇 (not 太和镇 of the other county)
    assert figures["regions"]["counties"] == 0  # its own county is not "below" it
    assert figures["staff"]["social_workers"] == 2  # worker and colleague, not the outsider
    assert "recent_access" not in figures


def test_a_worker_sees_the_colleagues_of_the_station(client, worker, colleague, outsider):
    figures = _figures(client, worker)
    assert figures["staff"]["social_workers"] == 2
    assert figures["regions"]["townships"] == 0


def test_an_administrator_sees_the_province_and_the_latest_sensitive_reads(
    client, administrator, worker, outsider
):
    figures = _figures(client, administrator)
    assert figures["regions"]["counties"] == 2
    assert figures["staff"]["social_workers"] == 2
    assert figures["recent_access"] == []


def test_a_charity_user_sees_no_regional_figures(client, charity_user, worker):
    assert _figures(client, charity_user) == {}
