"""The oversight API: the complaints of the user's departments, 404 for an outsider and for
the staff named, the actions with their refusal codes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from oversight.models import Complaint

from .conftest import file

pytestmark = pytest.mark.django_db

K = Complaint.Subject
BASE = "/api/oversight/complaints/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_it_lists_the_departments_complaints_with_the_contact_masked(
    project, county_officer, other_county_officer, django_assert_max_num_queries
):
    complaint, _code = file(
        subject_kind=K.PROJECT,
        project=project,
        anonymous=False,
        contact_name="王五",
        contact_phone="13912345678",
    )
    file(subject_kind=K.PROJECT, project=project)

    with django_assert_max_num_queries(8):
        rows = api(county_officer).get(BASE).json()["results"]
    assert [r["number"] for r in rows] == [f"T{complaint.pk + 1:06d}", complaint.number]
    assert api(other_county_officer).get(BASE).json()["results"] == []

    detail = api(county_officer).get(f"{BASE}{complaint.pk}/").json()
    assert detail["contact_phone"] == "139****5678" and detail["contact_name"] == "王*"
    assert detail["status"] == "received" and detail["region"] == "441881000000"
    assert api(other_county_officer).get(f"{BASE}{complaint.pk}/").status_code == 404
    assert api().get(BASE).status_code in (401, 403)


def test_the_actions_move_it_and_a_named_officer_gets_404(
    regions, county_officer, county_colleague
):
    complaint, _code = file(
        subject_kind=K.STAFF, subject_name=county_officer.name, place=regions["county_a"]
    )

    assert api(county_officer).post(f"{BASE}{complaint.pk}/start/").status_code == 404
    early = api(county_colleague).post(
        f"{BASE}{complaint.pk}/conclude/", {"finding": "upheld", "reply": "已处理"}
    )
    assert early.status_code == 400 and early.json()["code"] == "illegal_transition"
    assert api(county_colleague).post(f"{BASE}{complaint.pk}/start/").json()["status"] == (
        "investigating"
    )
    done = api(county_colleague).post(
        f"{BASE}{complaint.pk}/conclude/", {"finding": "not_upheld", "reply": "经核查不属实"}
    )
    assert done.status_code == 200 and done.json()["reply"] == "经核查不属实"
