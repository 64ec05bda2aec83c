"""The matching API: candidate search, applications through their life cycle, the two sides'
representations, region scope and query counts."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import crypto
from matching import services
from matching.models import Application
from needs import services as needs_services
from needs.models import Need

from ..needs.factories import make_household, member_input
from .conftest import give_consent, need_for, publish

pytestmark = pytest.mark.django_db

BASE = "/api/matching"
ADDRESS = "英德市沙口镇沙口村 12 号"  # the family's address (make_household's default)


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def _apply(worker, need, project, **extra):
    return services.application_create(
        user=worker, need=need, project=project, mode=Application.Mode.ASSISTED, **extra
    )


@pytest.fixture
def application(worker, need, project, consent):
    """The child's application to the county project, submitted."""
    return _apply(worker, need, project, message="学费 1000 元")


@pytest.fixture
def father_application(worker, family, project):
    """An application for a need of the whole household, made in the father's name: he has a
    phone and an ID number; his daughter, also in the household, has a health note."""
    father = family.members.get(name="李大山")
    give_consent(worker, father)
    need = needs_services.need_register(
        user=worker, household=family, area="education_aid", form="cash", description="全家助学"
    )
    return _apply(worker, need, project, member=father, message="请联系父亲", share_contact=False)


# --- Candidate search ------------------------------------------------------------------------


def test_it_ranks_the_fixture_project_with_its_score_and_reasons(api, worker, need, project):
    response = _as(api, worker).get(f"{BASE}/needs/{need.pk}/candidates/")
    assert response.status_code == 200
    data = response.json()
    assert data["need"] == need.pk
    [candidate] = data["candidates"]
    assert candidate["project"] == {"id": project.pk, "title": "困境儿童助学金"}
    assert candidate["organization"]["name"] == "英德市慈善会"
    assert candidate["organization"]["tier"] == "county"
    # One area (25), county coverage (18), all places left (15), and no history yet: the
    # average of acceptance (7.5), answer time (5) and satisfaction (5).
    assert candidate["score"] == 75.5
    reasons = candidate["reasons"]
    assert [r["points"] for r in reasons] == [25.0, 18.0, 15.0, 7.5, 5.0, 5.0]
    assert [r["out_of"] for r in reasons] == [25, 25, 15, 15, 10, 10]
    assert all(r["label"] and r["detail"] for r in reasons)
    assert data["near_misses"] == [] and data["pre_aid_check"] == []


def test_it_names_the_one_condition_a_near_miss_fails(
    api, worker, need, project, county_org, charity_a, county_officer
):
    older = publish(county_org, charity_a, county_officer, title="青少年助学金", age_min=12)
    data = _as(api, worker).get(f"{BASE}/needs/{need.pk}/candidates/").json()
    assert [c["project"]["id"] for c in data["candidates"]] == [project.pk]
    [near] = data["near_misses"]
    assert near["project"] == {"id": older.pk, "title": "青少年助学金"}
    assert near["failed"] == "age"
    assert near["failed_label"] == str(Application.Criterion.AGE.label)
    assert "12" in near["failed_detail"]


def test_it_shows_the_pre_aid_check_and_the_project_already_applied_to(
    api, worker, need, application
):
    data = _as(api, worker).get(f"{BASE}/needs/{need.pk}/candidates/").json()
    assert data["candidates"] == []
    [near] = data["near_misses"]
    assert near["failed"] == "already_applied"
    [row] = data["pre_aid_check"]
    assert row["id"] == application.pk and row["number"] == application.number
    assert row["status"] == "submitted" and row["same_area"] is True
    assert row["member_name"] == "李小花"


# --- Creating --------------------------------------------------------------------------------


def test_it_refuses_an_application_without_consent_and_creates_nothing(api, worker, need, project):
    response = _as(api, worker).post(
        f"{BASE}/applications/",
        {"need": need.pk, "project": project.pk, "mode": "assisted"},
        format="json",
    )
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "no_consent"
    assert "李小花" in data["member"][0]
    assert not Application.objects.exists()


def test_it_refuses_a_need_the_user_cannot_see_as_an_unknown_id(
    api, outsider, need, project, consent
):
    response = _as(api, outsider).post(
        f"{BASE}/applications/",
        {"need": need.pk, "project": project.pk, "mode": "assisted"},
        format="json",
    )
    assert response.status_code == 400
    assert "need" in response.json()
    assert not Application.objects.exists()


def test_it_keeps_a_draft_when_asked_not_to_submit(api, worker, need, project, consent):
    response = _as(api, worker).post(
        f"{BASE}/applications/",
        {"need": need.pk, "project": project.pk, "mode": "self", "submit": False},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    pk = response.json()["id"]
    submitted = api.post(f"{BASE}/applications/{pk}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"


# --- The life cycle --------------------------------------------------------------------------


def test_it_takes_an_application_through_its_whole_life_cycle(
    api, worker, charity_a, county_officer, need, project, consent
):
    created = _as(api, worker).post(
        f"{BASE}/applications/",
        {
            "need": need.pk,
            "project": project.pk,
            "mode": "assisted",
            "message": "学费 1000 元",
            "share_contact": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "submitted"
    assert created.json()["household_code"] == need.household.code
    url = f"{BASE}/applications/{pk}"

    accepted = _as(api, charity_a).post(f"{url}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert "household_code" not in accepted.json()  # the supplier's representation

    confirmed = _as(api, county_officer).post(
        f"{url}/review/confirm/", {"note": "无重复帮扶"}, format="json"
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["review_status"] == "confirmed"
    assert confirmed.json()["review_note"] == "无重复帮扶"

    delivered = _as(api, charity_a).post(
        f"{url}/deliver/",
        {"delivered_on": timezone.localdate().isoformat(), "value": "1000.00", "note": "转账"},
        format="json",
    )
    assert delivered.status_code == 200, delivered.json()
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["delivered_value"] == "1000.00"

    household_side = _as(api, worker).post(
        f"{url}/feedback/",
        {"side": "household", "satisfaction": 5, "comment": "很及时", "need_outcome": "met"},
        format="json",
    )
    assert household_side.status_code == 200, household_side.json()
    assert household_side.json()["status"] == "delivered"

    supplier_side = _as(api, charity_a).post(
        f"{url}/feedback/", {"side": "supplier", "satisfaction": 4}, format="json"
    )
    assert supplier_side.status_code == 200, supplier_side.json()
    data = supplier_side.json()
    assert data["status"] == "closed"
    assert [f["side"] for f in data["feedback"]] == ["supplier"]
    assert data["household_feedback_given"] is True

    final = _as(api, worker).get(f"{url}/").json()
    assert final["status"] == "closed"
    assert sorted(f["side"] for f in final["feedback"]) == ["household", "supplier"]
    assert Need.objects.get(pk=need.pk).status == Need.Status.MET


def test_it_refuses_an_illegal_action_with_the_error_and_its_code(api, charity_a, application):
    response = _as(api, charity_a).post(
        f"{BASE}/applications/{application.pk}/deliver/",
        {"delivered_on": timezone.localdate().isoformat(), "quantity": "1 份"},
        format="json",
    )
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "illegal_transition"
    assert data["status"]
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_it_returns_the_services_field_errors_of_a_rejection(api, charity_a, application):
    _as(api, charity_a)
    url = f"{BASE}/applications/{application.pk}/reject/"
    response = api.post(url, {"reason": "not_eligible"}, format="json")
    assert response.status_code == 400
    assert "criterion" in response.json()
    response = api.post(url, {"reason": "not_eligible", "criterion": "age"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection_criterion"] == "age"


def test_a_flag_holds_the_delivery_until_it_is_cleared(
    api, worker, charity_a, county_officer, application
):
    url = f"{BASE}/applications/{application.pk}"
    assert _as(api, charity_a).post(f"{url}/accept/").status_code == 200
    flagged = _as(api, county_officer).post(
        f"{url}/review/flag/", {"flag": "duplicate", "note": "上月已领取"}, format="json"
    )
    assert flagged.status_code == 200
    assert flagged.json()["review_status"] == "flagged"
    assert flagged.json()["waiting_for_review"] is True

    deliver = {"delivered_on": timezone.localdate().isoformat(), "quantity": "1 份"}
    held = _as(api, charity_a).post(f"{url}/deliver/", deliver, format="json")
    assert held.status_code == 400
    assert held.json()["code"] == "waiting_for_review"

    cleared = _as(api, county_officer).post(
        f"{url}/review/resolve/", {"upheld": False, "note": "核实为不同项目"}, format="json"
    )
    assert cleared.status_code == 200
    assert cleared.json()["review_status"] == "confirmed"
    assert _as(api, charity_a).post(f"{url}/deliver/", deliver, format="json").status_code == 200


def test_the_worker_explains_a_rejection_but_cannot_withdraw_it(
    api, worker, charity_a, application
):
    url = f"{BASE}/applications/{application.pk}"
    _as(api, charity_a).post(f"{url}/reject/", {"reason": "no_places"}, format="json")
    explained = _as(api, worker).post(
        f"{url}/explain/", {"explanation": "名额已满,已推荐其他项目"}, format="json"
    )
    assert explained.status_code == 200
    assert explained.json()["explanation"] == "名额已满,已推荐其他项目"
    withdrawn = api.post(f"{url}/withdraw/", {"reason": "改报其他项目"}, format="json")
    assert withdrawn.status_code == 400
    assert withdrawn.json()["code"] == "illegal_transition"


# --- Scope -----------------------------------------------------------------------------------


def _action_calls(api, pk):
    url = f"{BASE}/applications/{pk}"
    today = timezone.localdate().isoformat()
    return [
        api.get(f"{url}/"),
        api.post(f"{url}/submit/"),
        api.post(f"{url}/withdraw/", {"reason": "x"}, format="json"),
        api.post(f"{url}/accept/"),
        api.post(f"{url}/reject/", {"reason": "no_places"}, format="json"),
        api.post(f"{url}/explain/", {"explanation": "x"}, format="json"),
        api.post(f"{url}/deliver/", {"delivered_on": today, "quantity": "1"}, format="json"),
        api.post(f"{url}/feedback/", {"side": "supplier", "satisfaction": 3}, format="json"),
        api.post(f"{url}/review/confirm/", {"note": "x"}, format="json"),
        api.post(f"{url}/review/flag/", {"flag": "duplicate", "note": "x"}, format="json"),
        api.post(f"{url}/review/resolve/", {"upheld": True, "note": "x"}, format="json"),
    ]


@pytest.mark.parametrize("stranger", ["outsider", "other_county_officer", "charity_b"])
def test_strangers_get_404_on_the_detail_the_actions_and_the_candidates(
    api, request, stranger, application, need
):
    _as(api, request.getfixturevalue(stranger))
    responses = _action_calls(api, application.pk)
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert api.get(f"{BASE}/needs/{need.pk}/candidates/").status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.review_status == Application.Review.PENDING


@pytest.mark.parametrize("stranger", ["outsider", "other_county_officer", "charity_b"])
def test_another_countys_users_and_another_charity_see_empty_lists(
    api, request, stranger, application
):
    _as(api, request.getfixturevalue(stranger))
    for path in ("applications/", "inbox/", "review-queue/"):
        data = api.get(f"{BASE}/{path}").json()
        assert data["count"] == 0 and data["results"] == [], path


def test_each_side_finds_the_application_in_its_own_list(
    api, worker, colleague, charity_a, county_officer, application
):
    for user, path in [
        (worker, "applications/"),
        (colleague, "applications/"),
        (charity_a, "applications/"),
        (charity_a, "inbox/"),
        (county_officer, "applications/"),
        (county_officer, "review-queue/"),
    ]:
        data = _as(api, user).get(f"{BASE}/{path}").json()
        assert [row["id"] for row in data["results"]] == [application.pk], (user, path)
    filtered = _as(api, worker).get(f"{BASE}/applications/", {"status": "closed"}).json()
    assert filtered["count"] == 0


# --- What each side sees ---------------------------------------------------------------------


def _secrets(family):
    father = family.members.get(name="李大山")
    child = family.members.get(name="李小花")
    return {
        "father's ID number": father.id_number,
        "father's phone": "13800138000",
        "father's masked phone": crypto.mask_phone("13800138000"),
        "father's birth date": father.birth_date.isoformat(),
        "child's health note": "哮喘",
        "child's ID number": child.id_number,
        "other member": "李小花",
        "household number": family.code,
        "address": ADDRESS,
    }


def test_the_charity_sees_only_the_consented_minimum_of_the_person(
    api, charity_a, family, father_application
):
    _as(api, charity_a)
    responses = [
        api.get(f"{BASE}/applications/{father_application.pk}/"),
        api.get(f"{BASE}/applications/"),
        api.get(f"{BASE}/inbox/"),
        api.post(f"{BASE}/applications/{father_application.pk}/accept/"),
    ]
    assert [r.status_code for r in responses] == [200] * 4
    text = "".join(r.content.decode() for r in responses)
    secrets = _secrets(family)
    assert all(secrets.values())
    for what, value in secrets.items():
        assert value not in text, what
    person = responses[0].json()["person"]
    assert person["name"] == "李大山" and person["age"] == 40
    assert person["id_number_masked"] == crypto.mask_id_number(secrets["father's ID number"])
    assert person["place"] == "沙口镇"
    assert person["phone_masked"] == "" and person["address"] == ""
    assert person["simplified_procedure"] is True
    assert person["message"] == "请联系父亲"


def test_the_charity_sees_the_masked_phone_and_the_address_when_contact_is_shared(
    api, charity_a, family, father_application
):
    Application.objects.filter(pk=father_application.pk).update(share_contact=True)
    response = _as(api, charity_a).get(f"{BASE}/applications/{father_application.pk}/")
    person = response.json()["person"]
    assert person["phone_masked"] == "138****8000"
    assert person["address"] == ADDRESS
    assert "13800138000" not in response.content.decode()


def test_the_charity_loses_the_card_when_consent_is_revoked(
    api, worker, charity_a, family, father_application
):
    needs_services.consent_revoke(user=worker, consent=father_application.consent, reason="撤回")
    response = _as(api, charity_a).get(f"{BASE}/applications/{father_application.pk}/")
    person = response.json()["person"]
    assert person["consented"] is False
    assert person["name"] == "" and person["id_number_masked"] == ""
    assert "李大山" not in response.content.decode()


@pytest.mark.parametrize("user", ["worker", "county_officer"])
def test_the_household_side_sees_the_household_and_only_a_masked_id_number(
    api, request, user, family, father_application
):
    response = _as(api, request.getfixturevalue(user)).get(
        f"{BASE}/applications/{father_application.pk}/"
    )
    data = response.json()
    father = family.members.get(name="李大山")
    assert data["household"] == family.pk and data["household_code"] == family.code
    assert data["member"] == {
        "id": father.pk,
        "name": "李大山",
        "id_number_masked": crypto.mask_id_number(father.id_number),
    }
    text = response.content.decode()
    for secret in (father.id_number, "13800138000", "哮喘", father.birth_date.isoformat()):
        assert secret not in text


# --- Query counts ----------------------------------------------------------------------------


def test_the_lists_run_a_bounded_number_of_queries(
    api,
    worker,
    charity_a,
    county_officer,
    regions,
    project,
    application,
    django_assert_max_num_queries,
):
    for i in range(5):
        household = make_household(
            worker,
            regions["township_a1"],
            members=[
                member_input(f"家长{i}", age=40, statuses=["dibao"]),
                member_input(
                    f"孩子{i}", relation="child", age=9, sex="female", tags=["child_in_difficulty"]
                ),
            ],
            address=f"沙口村 {i} 号",
        )
        child = household.members.get(name=f"孩子{i}")
        give_consent(worker, child)
        _apply(worker, need_for(worker, child), project, share_contact=bool(i % 2))
    for user, path in [
        (worker, "applications/"),
        (charity_a, "applications/"),
        (charity_a, "inbox/"),
        (county_officer, "applications/"),
        (county_officer, "review-queue/"),
    ]:
        _as(api, user)
        with django_assert_max_num_queries(4):
            data = api.get(f"{BASE}/{path}").json()
        assert data["count"] == 6, (user, path)


def test_the_detail_runs_a_bounded_number_of_queries(
    api, worker, charity_a, application, django_assert_max_num_queries
):
    services.application_accept(user=charity_a, application=application)
    services.application_deliver(
        user=charity_a, application=application, delivered_on=timezone.localdate(), quantity="1"
    )
    services.feedback_record(
        user=charity_a, application=application, side="supplier", satisfaction=4
    )
    for user in (worker, charity_a):
        _as(api, user)
        with django_assert_max_num_queries(4):
            assert api.get(f"{BASE}/applications/{application.pk}/").status_code == 200


def test_the_candidate_search_runs_a_bounded_number_of_queries(
    api,
    worker,
    county_org,
    charity_a,
    county_officer,
    need,
    application,
    django_assert_max_num_queries,
):
    for i in range(3):
        publish(county_org, charity_a, county_officer, title=f"助学{i}")
        publish(county_org, charity_a, county_officer, title=f"少年{i}", age_min=12)
    _as(api, worker)
    with django_assert_max_num_queries(10):
        data = api.get(f"{BASE}/needs/{need.pk}/candidates/").json()
    assert len(data["candidates"]) == 3
    assert len(data["near_misses"]) == 4
    assert len(data["pre_aid_check"]) == 1


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/matching/needs/{need_id}/candidates/",
        "/api/matching/applications/{id}/review/resolve/",
        "/api/matching/inbox/",
        "/api/matching/review-queue/",
    ):
        assert path in text
