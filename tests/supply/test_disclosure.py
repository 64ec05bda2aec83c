"""Disclosure (信息公开, issue 9 point 11): the rule binds charitable organisations only.

A project running over six months discloses progress at least every three months, and every
project discloses in full within three months of its end. Each listing's disclosure status and
last disclosure date show in the ledger, the API and the public showcase.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import Notification
from supply import services, tasks
from supply.models import Disclosure, Organization, Project

from .conftest import TERMS, listing, make_charitable, make_org

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 11, 21)
State = Disclosure.State


def _now(day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=TZ)


@pytest.fixture
def charity_org(county_officer, regions, charity_a):
    """英德市慈善会, registered as a charitable organisation."""
    organization = make_org(
        county_officer, regions["county_a"], code="51441881MJ0000001R", staff=[charity_a]
    )
    return make_charitable(organization)


@pytest.fixture
def plain_org(county_officer, regions, charity_b):
    """英德市义工联, a social organisation that is not a charitable organisation."""
    return make_org(
        county_officer,
        regions["county_a"],
        code="51441881MJ0000002W",
        staff=[charity_b],
        name="英德市义工联",
    )


def _listed(organization, staff, officer, regions, **fields) -> Project:
    project = services.project_save(
        user=staff,
        organization=organization,
        fields=listing(**fields),
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    services.project_transition(user=staff, project=project, to="pending_review")
    return services.project_transition(user=officer, project=project, to="published")


@pytest.fixture
def late_pair(charity_org, plain_org, charity_a, charity_b, county_officer, regions):
    """Two long projects, each last disclosed on 1 June 2026: one of a charity, one not."""
    ours = _listed(charity_org, charity_a, county_officer, regions, title="慈善会助学金")
    theirs = _listed(plain_org, charity_b, county_officer, regions, title="义工联助学金")
    Project.objects.filter(pk__in=[ours.pk, theirs.pk]).update(
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        last_disclosed_on=dt.date(2026, 6, 1),
    )
    return Project.objects.get(pk=ours.pk), Project.objects.get(pk=theirs.pk)


def test_only_a_charitable_organisations_project_owes_a_disclosure(late_pair):
    ours, theirs = late_pair
    assert ours.disclosure_due_on(TODAY) == dt.date(2026, 8, 31)
    assert theirs.disclosure_due_on(TODAY) is None
    assert ours.disclosure(TODAY).status == State.OVERDUE
    assert theirs.disclosure(TODAY).status == State.NOT_REQUIRED
    assert theirs.disclosure(TODAY).last_on == dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("last", "ends", "status", "due"),
    [
        # Disclosed a month ago: the next falls due in two months.
        (dt.date(2026, 10, 21), dt.date(2027, 12, 31), State.UP_TO_DATE, dt.date(2027, 1, 20)),
        # Disclosed in September: due within 30 days.
        (dt.date(2026, 9, 1), dt.date(2027, 12, 31), State.DUE, dt.date(2026, 12, 1)),
        (dt.date(2026, 6, 1), None, State.OVERDUE, dt.date(2026, 8, 31)),
        # Ended in September, disclosed in full after the end.
        (dt.date(2026, 10, 1), dt.date(2026, 9, 30), State.FINAL_DONE, None),
        # Ended in July, nothing since: the final disclosure was due by the end of October.
        (dt.date(2026, 6, 1), dt.date(2026, 7, 31), State.OVERDUE, dt.date(2026, 10, 29)),
    ],
)
def test_each_disclosure_status_of_a_charitable_organisations_project(
    late_pair, last, ends, status, due
):
    ours, _theirs = late_pair
    Project.objects.filter(pk=ours.pk).update(last_disclosed_on=last, ends_on=ends)
    ours.refresh_from_db()
    disclosure = ours.disclosure(TODAY)
    assert (disclosure.status, disclosure.due_on, disclosure.last_on) == (status, due, last)


def test_a_short_project_owes_only_its_final_disclosure(late_pair):
    ours, _theirs = late_pair
    Project.objects.filter(pk=ours.pk).update(
        starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 1, 31), last_disclosed_on=None
    )
    ours.refresh_from_db()
    assert ours.disclosure_due_on(TODAY) == dt.date(2027, 5, 1)
    assert ours.disclosure(TODAY).status == State.UP_TO_DATE


def test_the_daily_job_flags_only_the_charitable_organisations_overdue_project(
    late_pair, charity_a, charity_b, county_officer
):
    ours, theirs = late_pair
    with time_machine.travel(_now(), tick=False):
        assert tasks.flag_stale_listings(TODAY.isoformat()) == 1
    flagged = Notification.objects.filter(kind="listing_followup")
    assert {n.recipient for n in flagged} == {charity_a, county_officer}
    assert all(ours.title in n.title for n in flagged)
    assert not flagged.filter(recipient=charity_b).exists()
    assert not flagged.filter(title__contains=theirs.title).exists()


def test_a_status_recorded_later_brings_the_rule_and_the_flag(late_pair, county_officer):
    _ours, theirs = late_pair
    services.organization_set_charity_status(
        user=county_officer,
        organization=theirs.organization,
        charity_status="recognised",
        charity_status_on=dt.date(2026, 3, 1),
        public_fundraising=False,
    )
    theirs.refresh_from_db()
    assert theirs.disclosure(TODAY).status == State.OVERDUE
    with time_machine.travel(_now(), tick=False):
        assert tasks.flag_stale_listings(TODAY.isoformat()) == 2


def test_pages_api_and_showcase_show_the_status_and_the_last_disclosure(client, late_pair, worker):
    ours, theirs = late_pair
    with time_machine.travel(_now(), tick=False):
        client.force_login(worker)
        ledger = client.get("/supply/", {"covers": ""}).content.decode()
        pages = {p.pk: client.get(f"/supply/projects/{p.pk}/").content.decode() for p in late_pair}
        client.logout()
        showcase = client.get("/showcase/").content.decode()
        public = {
            p.pk: client.get(f"/showcase/projects/{p.pk}/").content.decode() for p in late_pair
        }
        api = APIClient()
        api.force_authenticate(worker)
        rows = {r["id"]: r for r in api.get("/api/supply/projects/").json()["results"]}
        detail = api.get(f"/api/supply/projects/{ours.pk}/").json()

    overdue = "自 2026-08-31 起逾期未公开"
    for body in (ledger, showcase):
        assert body.count(overdue) == 1 and body.count("无须公开") == 1
        assert body.count("上次公开 2026-06-01") == 2
    for body in (pages[ours.pk], public[ours.pk]):
        assert 'data-disclosure="overdue"' in body and overdue in body
    for body in (pages[theirs.pk], public[theirs.pk]):
        assert 'data-disclosure="not_required"' in body and "上次公开 2026-06-01" in body
    assert (rows[ours.pk]["disclosure_status"], rows[ours.pk]["disclosure_due_on"]) == (
        "overdue",
        "2026-08-31",
    )
    assert rows[ours.pk]["disclosure_status_display"] == overdue
    assert rows[ours.pk]["last_disclosed_on"] == "2026-06-01"
    assert (rows[theirs.pk]["disclosure_status"], rows[theirs.pk]["disclosure_due_on"]) == (
        "not_required",
        None,
    )
    assert detail["disclosure_status"] == "overdue"


def test_a_draft_shows_no_disclosure_status(draft, charity_a):
    assert draft.disclosure() is None
    api = APIClient()
    api.force_authenticate(charity_a)
    assert api.get(f"/api/supply/projects/{draft.pk}/").json()["disclosure_status"] is None


# --- Recording the status --------------------------------------------------------------------


def test_the_registering_officer_records_the_status_on_the_organisation_page(
    client, plain_org, county_officer
):
    client.force_login(county_officer)
    url = f"/supply/organisations/{plain_org.pk}/charity-status/"
    assert 'action="' + url in client.get(f"/supply/organisations/{plain_org.pk}/").content.decode()
    response = client.post(
        url,
        {
            "charity_status": "registered",
            "charity_status_on": "2024-05-01",
            "public_fundraising": "on",
        },
    )
    assert response.status_code == 302
    plain_org.refresh_from_db()
    assert (
        plain_org.charity_status,
        plain_org.charity_status_on,
        plain_org.public_fundraising,
    ) == (
        "registered",
        dt.date(2024, 5, 1),
        True,
    )


def test_public_fundraising_needs_a_charitable_status_and_the_form_says_so(
    client, plain_org, county_officer, regions
):
    client.force_login(county_officer)
    response = client.post(
        f"/supply/organisations/{plain_org.pk}/charity-status/",
        {"charity_status": "", "public_fundraising": "on"},
    )
    assert response.status_code == 400
    assert "只有慈善组织可以取得公开募捐资格" in response.content.decode()
    assert not Organization.objects.get(pk=plain_org.pk).public_fundraising
    # The same rule at registration, next to the field, with the input kept.
    response = client.post(
        "/supply/organisations/new/",
        {
            "name": "英德市新慈善会",
            "credit_code": "51441881MJ0000003R",
            "org_type": "association",
            "registering_region": regions["county_a"].pk,
            "public_fundraising": "on",
        },
    )
    assert response.status_code == 400
    assert "public_fundraising" in response.context["form"].errors
    assert 'value="英德市新慈善会"' in response.content.decode()


def test_only_the_registering_department_records_the_status(
    client, plain_org, other_county_officer, charity_b, worker
):
    url = f"/supply/organisations/{plain_org.pk}/charity-status/"
    for user in (other_county_officer, worker):
        client.force_login(user)
        assert client.post(url, {"charity_status": "registered"}).status_code == 404
    client.force_login(charity_b)  # its own staff see the organisation, but do not keep it
    assert client.post(url, {"charity_status": "registered"}).status_code == 403
    assert (
        "charity-status"
        not in client.get(f"/supply/organisations/{plain_org.pk}/").content.decode()
    )
    assert Organization.objects.get(pk=plain_org.pk).charity_status == ""


def test_the_api_records_the_status_for_the_registering_department_only(
    plain_org, county_officer, other_county_officer, charity_b
):
    api = APIClient()
    url = f"/api/supply/organizations/{plain_org.pk}/charity-status/"
    api.force_authenticate(county_officer)
    response = api.put(
        url,
        {
            "charity_status": "recognised",
            "charity_status_on": "2025-01-02",
            "public_fundraising": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["charity_status"], response.json()["public_fundraising"]) == (
        "recognised",
        True,
    )
    bad = api.put(url, {"charity_status": "", "public_fundraising": True}, format="json")
    assert bad.status_code == 400 and "public_fundraising" in bad.json()
    future = api.put(
        url, {"charity_status": "registered", "charity_status_on": "2999-01-01"}, format="json"
    )
    assert future.status_code == 400 and "charity_status_on" in future.json()
    assert api.put(url, {"charity_status": "nonsense"}, format="json").status_code == 400
    api.force_authenticate(other_county_officer)
    assert api.put(url, {"charity_status": ""}, format="json").status_code == 404
    api.force_authenticate(charity_b)
    assert api.put(url, {"charity_status": ""}, format="json").status_code == 403
    assert Organization.objects.get(pk=plain_org.pk).charity_status == "recognised"


def test_the_api_registers_an_organisation_with_its_charitable_status(county_officer, regions):
    api = APIClient()
    api.force_authenticate(county_officer)
    body = {
        "name": "英德市新慈善会",
        "credit_code": "51441881MJ0000003R",
        "org_type": "association",
        "registering_region": regions["county_a"].pk,
        "public_fundraising": True,
    }
    refused = api.post("/api/supply/organizations/", body, format="json")
    assert refused.status_code == 400 and "public_fundraising" in refused.json()
    body.update(charity_status="recognised", charity_status_on="2023-04-01")
    response = api.post("/api/supply/organizations/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["charity_status"], data["charity_status_on"], data["public_fundraising"]) == (
        "recognised",
        "2023-04-01",
        True,
    )
