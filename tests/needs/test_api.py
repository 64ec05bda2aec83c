from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from needs import services
from needs.models import Consent, Household, Member, Need, Visit

from .factories import born_years_ago, id_number, make_household, member_input

pytestmark = pytest.mark.django_db

BASE = "/api/needs"


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def _member(name, *, age, relation="head", sex="male", **extra):
    return {
        "name": name,
        "relation": relation,
        "id_number": id_number(born=born_years_ago(age), sex=sex),
        **extra,
    }


def _members(household):
    mother = household.members.get(name="陈秀英")
    son = household.members.get(name="陈小明")
    return mother, son


@pytest.fixture
def need(worker, household):
    return services.need_register(
        user=worker,
        household=household,
        area="education_aid",
        form="cash",
        description="小明下学期学费",
    )


@pytest.fixture
def visit(worker, household):
    return services.visit_record(
        user=worker, household=household, visited_on=timezone.localdate(), findings="母亲腰伤未愈"
    )


@pytest.fixture
def consent(worker, household):
    mother, _son = _members(household)
    today = timezone.localdate()
    return services.consent_record(
        user=worker,
        household=household,
        member=mother,
        given_by=Consent.GivenBy.SELF,
        purpose=Consent.Purpose.MATCHING,
        scope=Consent.Scope.ANY_SUPPLIER,
        given_on=today,
        expires_on=today + dt.timedelta(days=365),
    )


# --- Households ------------------------------------------------------------------------------


def test_it_lists_the_households_of_the_users_area_with_their_figures(
    api, worker, household, other_household
):
    data = _as(api, worker).get(f"{BASE}/households/").json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["code"] == household.code
    assert row["head_name"] == "陈秀英"
    assert row["member_count"] == 2
    assert row["has_child_under_14"] is True
    assert row["region"]["code"] == "441881101000"
    assert row["worker"] == {"id": worker.pk, "name": worker.name}


def test_it_filters_the_household_list_with_the_shared_filterset(api, worker, household, regions):
    _as(api, worker)
    url = f"{BASE}/households/"
    assert api.get(url, {"status": "dibao"}).json()["count"] == 1
    assert api.get(url, {"tag": "orphan"}).json()["count"] == 0
    assert api.get(url, {"q": "陈小明"}).json()["count"] == 1
    # The region choices come from the user's scope: the own township is a valid choice...
    assert api.get(url, {"region": "441881101000"}).json()["count"] == 1
    # ...a township of another county is not one.
    response = api.get(url, {"region": "441803102000"})
    assert response.status_code == 400
    assert "region" in response.json()


def test_it_shows_a_household_with_its_members_masked(api, worker, household):
    data = _as(api, worker).get(f"{BASE}/households/{household.pk}/").json()
    assert data["code"] == household.code
    assert data["gap_class"] == "covered_still_in_difficulty"
    mother, son = data["members"]
    assert mother["name"] == "陈秀英"
    assert mother["phone_masked"] == "137****5678"
    assert mother["statuses"] == ["dibao"]
    assert mother["is_minor"] is False
    assert son["age"] == 10
    assert son["is_minor"] is True and son["is_under_14"] is True
    assert son["tags"] == ["left_behind_child"]
    assert son["health_masked"] == "••••••"
    assert son["id_number_masked"].startswith("4418") and "*" in son["id_number_masked"]
    for member in (mother, son):
        assert not {"id_number", "phone", "health_notes", "birth_date"} & set(member)


def test_it_creates_a_household_with_its_members(api, worker, regions):
    mother = _member("林美华", age=40, sex="female", phone="13612345678", statuses=["dibao"])
    child = _member(
        "林小雨",
        age=8,
        relation="child",
        sex="female",
        tags=["left_behind_child"],
        health_notes="先天性心脏病",
    )
    response = _as(api, worker).post(
        f"{BASE}/households/",
        {
            "region": "441881101000",
            "address": "英德市沙口镇清华村 3 号",
            "gap_class": "not_eligible_in_difficulty",
            "members": [mother, child],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["code"] == "441881101-00001"
    assert data["worker"]["id"] == worker.pk
    assert [m["name"] for m in data["members"]] == ["林美华", "林小雨"]
    assert data["members"][1]["is_under_14"] is True
    assert data["warnings"] == []
    household = Household.objects.get(pk=data["id"])
    stored = household.members.get(name="林小雨")
    assert stored.id_number == child["id_number"]
    assert stored.health_notes == "先天性心脏病"
    assert list(stored.tags.values_list("tag", flat=True)) == ["left_behind_child"]


def test_an_area_code_missing_from_the_reference_table_is_a_warning_not_an_error(
    api, worker, regions
):
    head = {
        "name": "林美华",
        "relation": "head",
        "id_number": id_number("449999000000", born=born_years_ago(40), sex="female"),
    }
    response = _as(api, worker).post(
        f"{BASE}/households/",
        {"region": "441881101000", "address": "x", "members": [head]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    (warning,) = response.json()["warnings"]
    assert warning.startswith("林美华: ") and "449999" in warning


def test_it_rejects_a_wrong_id_check_character_under_the_members_index_and_writes_nothing(
    api, worker, regions
):
    child = _member("林小雨", age=8, relation="child", sex="female")
    number = child["id_number"]
    child["id_number"] = number[:17] + ("0" if number[17] != "0" else "1")
    response = _as(api, worker).post(
        f"{BASE}/households/",
        {
            "region": "441881101000",
            "address": "英德市沙口镇清华村 3 号",
            "members": [_member("林美华", age=40, sex="female"), child],
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert list(errors["members"]) == ["1"]
    assert errors["members"]["1"]["id_number"]
    assert Household.objects.count() == 0
    assert Member.objects.count() == 0


def test_it_rejects_a_new_member_without_name_or_relation(api, worker, regions):
    response = _as(api, worker).post(
        f"{BASE}/households/",
        {
            "region": "441881101000",
            "address": "英德市沙口镇清华村 3 号",
            "members": [{"id_number": id_number(born=born_years_ago(40))}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["members"]["0"]) == {"name", "relation"}


def test_it_reports_household_rules_at_the_top_level(api, worker, regions):
    response = _as(api, worker).post(
        f"{BASE}/households/",
        {
            "region": "441881101000",
            "address": "英德市沙口镇清华村 3 号",
            "members": [_member("甲", age=40), _member("乙", age=38, sex="female")],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"]  # two heads
    assert Household.objects.count() == 0


def test_it_refuses_a_household_in_another_township(api, worker, regions):
    response = _as(api, worker).post(
        f"{BASE}/households/",
        {"region": "441803102000", "address": "太和镇", "members": [_member("甲", age=40)]},
        format="json",
    )
    assert response.status_code == 400
    assert "region" in response.json()


def test_it_updates_a_household_and_a_member_without_resending_personal_fields(
    api, colleague, worker, household
):
    mother, son = _members(household)
    grandma = _member("陈阿婆", age=72, relation="grandparent", sex="female")
    response = _as(api, colleague).patch(
        f"{BASE}/households/{household.pk}/",
        {
            "address": "英德市沙口镇沙口村 14 号",
            "members": [{"id": son.pk, "school_or_work": "沙口小学"}, grandma],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [m["name"] for m in response.json()["members"]] == ["陈秀英", "陈小明", "陈阿婆"]
    household.refresh_from_db()
    assert household.address == "英德市沙口镇沙口村 14 号"
    assert household.worker == worker  # not the colleague who made the change
    before = {m.pk: (m.id_number, m.phone, m.health_notes) for m in (mother, son)}
    son.refresh_from_db()
    mother.refresh_from_db()
    assert son.school_or_work == "沙口小学"
    assert (son.id_number, son.phone, son.health_notes) == before[son.pk]
    assert (mother.id_number, mother.phone, mother.health_notes) == before[mother.pk]
    assert list(mother.assistance.values_list("status", flat=True)) == ["dibao"]
    assert list(son.tags.values_list("tag", flat=True)) == ["left_behind_child"]


def test_it_replaces_a_household_with_put_and_removes_a_member_only_when_asked(
    api, worker, household
):
    mother, son = _members(household)
    url = f"{BASE}/households/{household.pk}/"
    _as(api, worker)
    body = {
        "region": "441881101000",
        "address": "英德市沙口镇沙口村 12 号",
        "housing": "rented",
        "members": [{"id": mother.pk, "statuses": ["dibao", "temporary_assistance"]}],
    }
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert len(response.json()["members"]) == 2  # the son was not mentioned: he stays
    assert set(response.json()["members"][0]["statuses"]) == {"dibao", "temporary_assistance"}

    body["members"] = [{"id": son.pk, "remove": True}]
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert [m["name"] for m in response.json()["members"]] == ["陈秀英"]
    son.refresh_from_db()
    assert son.left_at is not None


def test_it_rejects_a_member_listed_twice(api, worker, household):
    _mother, son = _members(household)
    response = _as(api, worker).patch(
        f"{BASE}/households/{household.pk}/",
        {"members": [{"id": son.pk}, {"id": son.pk, "remove": True}]},
        format="json",
    )
    assert response.status_code == 400
    assert "members" in response.json()
    assert Member.objects.filter(left_at__isnull=True).count() == 2


def test_it_rejects_a_member_of_another_household(api, worker, household, other_household):
    stranger = other_household.members.get()
    response = _as(api, worker).patch(
        f"{BASE}/households/{household.pk}/",
        {"members": [{"id": stranger.pk, "school_or_work": "x"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["members"]["0"]["non_field_errors"]
    stranger.refresh_from_db()
    assert stranger.school_or_work == ""


def test_a_person_registered_twice_is_reported_as_plain_text_saying_no_more_than_allowed(
    api, worker, outsider, household
):
    mother, _son = _members(household)
    again = {"name": "陈秀英", "relation": "head", "id_number": mother.id_number}
    response = _as(api, worker).post(
        f"{BASE}/households/",
        {"region": "441881101000", "address": "x", "members": [again]},
        format="json",
    )
    assert response.status_code == 400
    (message,) = response.json()["members"]["0"]["id_number"]
    assert household.code in message and "<" not in message

    response = _as(api, outsider).post(
        f"{BASE}/households/",
        {"region": "441803102000", "address": "x", "members": [again]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["members"]["0"]["id_number"]
    assert household.code not in response.content.decode()
    assert Household.objects.count() == 1


# --- Members and visits ----------------------------------------------------------------------


def test_it_lists_and_shows_members_with_masked_fields(api, worker, household, other_household):
    _as(api, worker)
    data = api.get(f"{BASE}/members/").json()
    assert data["count"] == 2
    assert {m["household_code"] for m in data["results"]} == {household.code}
    assert api.get(f"{BASE}/members/", {"household": other_household.pk}).json()["count"] == 0
    _mother, son = _members(household)
    detail = api.get(f"{BASE}/members/{son.pk}/").json()
    assert detail["name"] == "陈小明"
    assert detail["health_masked"] == "••••••"


def test_it_records_and_lists_home_visits(api, worker, household):
    _as(api, worker)
    today = timezone.localdate()
    response = api.post(
        f"{BASE}/visits/",
        {"household": household.pk, "visited_on": today.isoformat(), "findings": "屋顶漏水"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["worker"]["id"] == worker.pk
    household.refresh_from_db()
    assert household.last_visited_on == today
    listed = api.get(f"{BASE}/visits/", {"household": household.pk}).json()
    assert [v["findings"] for v in listed["results"]] == ["屋顶漏水"]
    detail = api.get(f"{BASE}/visits/{response.json()['id']}/").json()
    assert detail["household_code"] == household.code


def test_a_visit_in_the_future_is_a_400_on_its_date(api, worker, household):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = _as(api, worker).post(
        f"{BASE}/visits/",
        {"household": household.pk, "visited_on": tomorrow.isoformat(), "findings": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "visited_on" in response.json()
    assert Visit.objects.count() == 0


# --- Needs -----------------------------------------------------------------------------------


def test_it_registers_updates_and_lists_a_need(api, worker, household):
    _as(api, worker)
    _mother, son = _members(household)
    response = api.post(
        f"{BASE}/needs/",
        {
            "household": household.pk,
            "member": son.pk,
            "area": "education_aid",
            "form": "cash",
            "description": "学费",
            "urgent": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    need = response.json()
    assert need["status"] == "open" and need["member_name"] == "陈小明"
    response = api.patch(f"{BASE}/needs/{need['id']}/", {"quantity": "一学期"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["quantity"] == "一学期"
    assert api.get(f"{BASE}/needs/", {"urgent": "true"}).json()["count"] == 1
    assert api.get(f"{BASE}/needs/", {"status": "met"}).json()["count"] == 0


def test_a_need_for_a_member_of_another_household_is_a_400(
    api, worker, household, administrator, regions
):
    other = make_household(
        worker, regions["township_a1"], members=[member_input("王五", age=50)], address="x"
    )
    response = _as(api, worker).post(
        f"{BASE}/needs/",
        {
            "household": household.pk,
            "member": other.members.get().pk,
            "area": "education_aid",
            "form": "cash",
            "description": "学费",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "member" in response.json()
    assert Need.objects.count() == 0


def test_a_legal_transition_moves_the_need(api, worker, need):
    _as(api, worker)
    url = f"{BASE}/needs/{need.pk}/transition/"
    response = api.post(url, {"to": "matching"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "matching"
    response = api.post(url, {"to": "met"}, format="json")
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.status == Need.Status.MET and need.closed_at is not None


def test_an_illegal_transition_is_a_400(api, worker, need):
    response = _as(api, worker).post(
        f"{BASE}/needs/{need.pk}/transition/", {"to": "met"}, format="json"
    )
    assert response.status_code == 400
    assert "to" in response.json()
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_closing_a_need_unmet_without_a_reason_is_a_400(api, worker, need):
    _as(api, worker)
    url = f"{BASE}/needs/{need.pk}/transition/"
    response = api.post(url, {"to": "closed_unmet"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = api.post(url, {"to": "closed_unmet", "reason": "家庭已搬离"}, format="json")
    assert response.status_code == 200
    assert response.json()["status_reason"] == "家庭已搬离"


def test_a_closed_need_cannot_be_changed(api, worker, need):
    services.need_transition(user=worker, need=need, to="withdrawn", reason="不再需要")
    response = _as(api, worker).patch(
        f"{BASE}/needs/{need.pk}/", {"description": "改"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


# --- Consent ---------------------------------------------------------------------------------


def test_consent_for_a_child_under_14_given_by_self_is_a_400(api, worker, household):
    _mother, son = _members(household)
    today = timezone.localdate()
    response = _as(api, worker).post(
        f"{BASE}/consents/",
        {
            "household": household.pk,
            "member": son.pk,
            "given_by": "self",
            "purpose": "matching",
            "scope": "any_supplier",
            "given_on": today.isoformat(),
            "expires_on": (today + dt.timedelta(days=365)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "given_by" in response.json()
    assert Consent.objects.count() == 0


def test_it_records_consent_with_named_recipients_and_revokes_it(api, worker, household):
    _as(api, worker)
    _mother, son = _members(household)
    today = timezone.localdate()
    response = api.post(
        f"{BASE}/consents/",
        {
            "household": household.pk,
            "member": son.pk,
            "given_by": "guardian",
            "guardian_name": "陈秀英",
            "guardian_relation": "母亲",
            "purpose": "matching",
            "scope": "named",
            "recipients": [{"name": "清远市慈善会", "credit_code": "91440300708461136t"}],
            "given_on": today.isoformat(),
            "expires_on": (today + dt.timedelta(days=365)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["in_force"] is True
    assert data["recipients"] == [{"name": "清远市慈善会", "credit_code": "91440300708461136T"}]

    url = f"{BASE}/consents/{data['id']}/revoke/"
    assert "reason" in api.post(url, {}, format="json").json()
    response = api.post(url, {"reason": "监护人撤回"}, format="json")
    assert response.status_code == 200
    assert response.json()["in_force"] is False
    assert response.json()["revoked_reason"] == "监护人撤回"
    again = api.post(url, {"reason": "再次"}, format="json")
    assert again.status_code == 400
    assert again.json()["non_field_errors"]


# --- Scope and roles -------------------------------------------------------------------------


def test_the_outsider_gets_404_on_every_detail_and_action(
    api, outsider, household, need, visit, consent
):
    _as(api, outsider)
    _mother, son = _members(household)
    for url in (
        f"{BASE}/households/{household.pk}/",
        f"{BASE}/members/{son.pk}/",
        f"{BASE}/needs/{need.pk}/",
        f"{BASE}/visits/{visit.pk}/",
        f"{BASE}/consents/{consent.pk}/",
    ):
        assert api.get(url).status_code == 404, url
    assert api.patch(f"{BASE}/households/{household.pk}/", {}, format="json").status_code == 404
    assert api.put(f"{BASE}/households/{household.pk}/", {}, format="json").status_code == 404
    assert api.patch(f"{BASE}/needs/{need.pk}/", {}, format="json").status_code == 404
    transition = api.post(f"{BASE}/needs/{need.pk}/transition/", {"to": "matching"})
    assert transition.status_code == 404
    revoke = api.post(f"{BASE}/consents/{consent.pk}/revoke/", {"reason": "x"})
    assert revoke.status_code == 404
    need.refresh_from_db()
    consent.refresh_from_db()
    assert need.status == Need.Status.OPEN and consent.revoked_at is None


def test_the_outsider_cannot_refer_to_a_household_of_another_county(api, outsider, household):
    response = _as(api, outsider).post(
        f"{BASE}/needs/",
        {"household": household.pk, "area": "education_aid", "form": "cash", "description": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "household" in response.json()
    assert Need.objects.count() == 0


LISTS = ("households", "members", "visits", "needs", "consents")


@pytest.mark.parametrize("persona", ["outsider", "charity_user"])
def test_strangers_see_empty_lists(api, request, persona, household, need, visit, consent):
    _as(api, request.getfixturevalue(persona))
    for name in LISTS:
        response = api.get(f"{BASE}/{name}/")
        assert response.status_code == 200, name
        assert response.json()["count"] == 0, name


def test_the_county_officer_reads_but_cannot_write(
    api, county_officer, household, need, visit, consent
):
    _as(api, county_officer)
    for name in LISTS:
        assert api.get(f"{BASE}/{name}/").json()["count"] >= 1, name
    assert api.get(f"{BASE}/households/{household.pk}/").status_code == 200
    assert api.get(f"{BASE}/needs/{need.pk}/").status_code == 200
    today = timezone.localdate().isoformat()
    refused = [
        api.post(
            f"{BASE}/households/",
            {"region": "441881101000", "address": "x", "members": [_member("甲", age=40)]},
            format="json",
        ),
        api.patch(f"{BASE}/households/{household.pk}/", {"address": "x"}, format="json"),
        api.post(
            f"{BASE}/needs/",
            {"household": household.pk, "area": "other", "form": "cash", "description": "x"},
            format="json",
        ),
        api.patch(f"{BASE}/needs/{need.pk}/", {"description": "x"}, format="json"),
        api.post(f"{BASE}/needs/{need.pk}/transition/", {"to": "matching"}, format="json"),
        api.post(
            f"{BASE}/visits/",
            {"household": household.pk, "visited_on": today, "findings": "x"},
            format="json",
        ),
        api.post(f"{BASE}/consents/{consent.pk}/revoke/", {"reason": "x"}, format="json"),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert Household.objects.count() == 1
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN and need.description == "小明下学期学费"


def test_no_response_contains_a_full_id_number_phone_or_health_note(api, worker, household):
    _as(api, worker)
    newcomer = _member("陈大伯", age=66, relation="parent", phone="13598765432")
    newcomer["health_notes"] = "高血压"
    responses = [
        api.get(f"{BASE}/households/"),
        api.get(f"{BASE}/households/{household.pk}/"),
        api.get(f"{BASE}/members/"),
        api.patch(f"{BASE}/households/{household.pk}/", {"members": [newcomer]}, format="json"),
        api.post(
            f"{BASE}/households/",
            {
                "region": "441881101000",
                "address": "x",
                "members": [_member("何明", age=30, phone="13311112222")],
            },
            format="json",
        ),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 201]
    responses += [api.get(f"{BASE}/members/{m.pk}/") for m in Member.objects.all()]
    text = "".join(r.content.decode() for r in responses)
    secrets = ["13311112222", "高血压", "哮喘", "13598765432", "13712345678"]
    secrets += [m.id_number for m in Member.objects.all()]
    assert len(secrets) == 9 and all(secrets)
    for secret in secrets:
        assert secret not in text


def test_the_lists_run_a_bounded_number_of_queries(
    api, worker, household, django_assert_max_num_queries, regions
):
    for i in range(99):
        make_household(
            worker,
            regions["township_a1"],
            members=[
                member_input(f"户主{i}", age=50, statuses=["dibao"]),
                member_input(f"孩子{i}", relation="child", age=9, tags=["left_behind_child"]),
            ],
            address=f"沙口村 {i} 号",
        )
    _as(api, worker)
    with django_assert_max_num_queries(10):
        data = api.get(f"{BASE}/households/").json()
    assert data["count"] == 100 and len(data["results"]) == 50
    with django_assert_max_num_queries(10):
        data = api.get(f"{BASE}/members/").json()
    assert data["count"] == 200 and len(data["results"]) == 50


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/needs/households/{id}/",
        "/api/needs/members/",
        "/api/needs/visits/",
        "/api/needs/needs/{id}/transition/",
        "/api/needs/consents/{id}/revoke/",
    ):
        assert path in text
