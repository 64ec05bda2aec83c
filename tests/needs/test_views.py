from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AccessLog
from needs import id_lookups
from needs.models import Consent, Household, Member, Need, Visit

from .factories import born_years_ago, id_number, make_household, member_input


def _sensitive_reads():
    """Access-log rows of reads, without the ID-number lookups that saving a household logs."""
    return AccessLog.objects.exclude(field__in=id_lookups.FIELDS)


pytestmark = pytest.mark.django_db


def _formset(rows: list[dict], initial: int = 0) -> dict:
    data = {
        "members-TOTAL_FORMS": str(len(rows)),
        "members-INITIAL_FORMS": str(initial),
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"members-{i}-{key}"] = value
    return data


def _new_household_post(region, worker, rows):
    return {
        "region": region.code,
        "worker": worker.pk,
        "address": "英德市沙口镇红峰村 3 号",
        "gap_class": "not_eligible_in_difficulty",
        "housing": "own",
        **_formset(rows),
    }


def test_a_worker_records_a_household_with_a_child_through_the_form(client, worker, regions):
    client.force_login(worker)
    mother_id = id_number(born=born_years_ago(35), sex="female")
    child_id = id_number(born=born_years_ago(8))
    response = client.post(
        "/needs/households/new/",
        _new_household_post(
            regions["township_a1"],
            worker,
            [
                {
                    "name": "吴丽",
                    "relation": "head",
                    "id_number": mother_id,
                    "statuses": ["dibao"],
                    "phone": "13600001111",
                },
                {
                    "name": "吴小宝",
                    "relation": "child",
                    "id_number": child_id.lower(),
                    "tags": ["left_behind_child"],
                },
            ],
        ),
    )
    assert response.status_code == 302
    household = Household.objects.get()
    assert response["Location"] == f"/needs/households/{household.pk}/"
    assert household.members.get(name="吴小宝").is_under_14
    page = client.get(response["Location"]).content.decode()
    assert "吴小宝" in page and "14岁以下" in page
    assert mother_id not in page and "13600001111" not in page
    assert mother_id[:4] + "**********" + mother_id[-4:] in page


def test_a_bad_id_number_is_shown_next_to_its_field_and_the_input_is_kept(client, worker, regions):
    client.force_login(worker)
    response = client.post(
        "/needs/households/new/",
        _new_household_post(
            regions["township_a1"],
            worker,
            [{"name": "错号人", "relation": "head", "id_number": "110105194912310021"}],
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="错号人"' in body and 'value="110105194912310021"' in body
    assert 'id="id_members-0-id_number_error"' in body
    assert Household.objects.count() == 0


def test_a_duplicate_elsewhere_is_reported_on_the_row_without_leaking(
    client, worker, regions, other_household
):
    client.force_login(worker)
    taken = other_household.members.get().id_number
    response = client.post(
        "/needs/households/new/",
        _new_household_post(
            regions["township_a1"],
            worker,
            [{"name": "黄志强", "relation": "head", "id_number": taken}],
        ),
    )
    body = response.content.decode()
    assert "已在其他乡镇(街道)登记" in body
    assert other_household.code not in body


def test_editing_keeps_the_stored_id_number_when_left_blank(client, worker, household):
    client.force_login(worker)
    mother, son = household.members.order_by("id")
    page = client.get(f"/needs/households/{household.pk}/edit/").content.decode()
    assert mother.id_number not in page and son.id_number not in page
    rows = [
        {
            "member_id": mother.pk,
            "name": "陈秀英",
            "relation": "head",
            "id_number": "",
            "statuses": ["dibao"],
        },
        {
            "member_id": son.pk,
            "name": "陈小明",
            "relation": "child",
            "id_number": "",
            "tags": ["left_behind_child"],
        },
    ]
    data = {
        "region": household.region_id,
        "worker": worker.pk,
        "address": "新地址 1 号",
        "gap_class": household.gap_class,
        **_formset(rows, initial=2),
    }
    response = client.post(f"/needs/households/{household.pk}/edit/", data)
    assert response.status_code == 302
    mother.refresh_from_db()
    son.refresh_from_db()
    assert mother.id_number and son.id_number and son.health_notes == "哮喘"
    assert Household.objects.get().address == "新地址 1 号"


def test_the_outsider_gets_404_on_every_page_of_the_household(client, outsider, household):
    client.force_login(outsider)
    member = household.members.first()
    need = Need.objects.create(
        household=household, area="other", form="cash", description="x", created_by=household.worker
    )
    urls = [
        f"/needs/households/{household.pk}/",
        f"/needs/households/{household.pk}/edit/",
        f"/needs/households/{household.pk}/print/",
        f"/needs/households/{household.pk}/visits/new/",
        f"/needs/households/{household.pk}/needs/new/",
        f"/needs/households/{household.pk}/needs/{need.pk}/edit/",
        f"/needs/households/{household.pk}/needs/{need.pk}/status/",
        f"/needs/households/{household.pk}/consents/new/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    reveal = client.post(
        f"/needs/households/{household.pk}/members/{member.pk}/reveal/id_number/", {"reason": "x"}
    )
    assert reveal.status_code == 404
    assert _sensitive_reads().count() == 0


def test_the_outsider_sees_nothing_in_the_list(client, outsider, household, other_household):
    client.force_login(outsider)
    page = client.get("/needs/households/").content.decode()
    assert other_household.code in page
    assert household.code not in page


def test_civil_affairs_of_the_county_read_but_cannot_change(client, county_officer, household):
    client.force_login(county_officer)
    assert client.get(f"/needs/households/{household.pk}/").status_code == 200
    assert client.get(f"/needs/households/{household.pk}/edit/").status_code == 403
    assert client.get("/needs/households/new/").status_code == 403
    assert household.code in client.get("/needs/households/").content.decode()


def test_the_household_list_with_100_rows_runs_a_bounded_number_of_queries(
    client, worker, regions, django_assert_max_num_queries
):
    for i in range(100):
        make_household(worker, regions["township_a1"], members=[member_input(f"户主{i}")])
    client.force_login(worker)
    with django_assert_max_num_queries(10):
        response = client.get("/needs/households/", {"page": 2})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 20


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "dibao"}, {"A"}),
        ({"tag": "left_behind_child"}, {"A"}),
        ({"gap_class": "not_eligible_in_difficulty"}, {"B"}),
        ({"need_area": "medical_aid"}, {"B"}),
        ({"urgent": "true"}, {"B"}),
        ({"unvisited_days": "30"}, {"B"}),
        ({"q": "王"}, {"B"}),
    ],
)
def test_the_filters(client, worker, regions, params, expected):
    a = make_household(
        worker,
        regions["township_a1"],
        address="甲",
        members=[
            member_input("李甲", statuses=["dibao"]),
            member_input("李小", relation="child", age=9, tags=["left_behind_child"]),
        ],
    )
    b = make_household(
        worker,
        regions["township_a1"],
        address="乙",
        gap_class="not_eligible_in_difficulty",
        members=[member_input("王乙")],
    )
    from needs import services

    services.visit_record(user=worker, household=a, visited_on=timezone.localdate(), findings="好")
    services.need_register(
        user=worker, household=b, area="medical_aid", form="cash", description="药费", urgent=True
    )
    client.force_login(worker)
    page = client.get("/needs/households/", params).content.decode()
    found = {label for label, h in (("A", a), ("B", b)) if f">{h.code}<" in page}
    assert found == expected


def test_search_by_exact_id_number_goes_to_the_household(client, worker, household):
    client.force_login(worker)
    son = household.members.get(name="陈小明")
    response = client.post("/needs/households/find/", {"id_number": son.id_number.lower()})
    assert (
        response.status_code == 302 and response["Location"] == f"/needs/households/{household.pk}/"
    )


def test_search_by_id_number_of_another_township_says_only_that(client, worker, other_household):
    client.force_login(worker)
    response = client.post(
        "/needs/households/find/", {"id_number": other_household.members.get().id_number}
    )
    body = response.content.decode()
    assert "该人员已在其他乡镇(街道)登记" in body and other_household.code not in body


def test_revealing_an_id_number_asks_a_reason_and_logs_once(client, colleague, household):
    client.force_login(colleague)
    son = household.members.get(name="陈小明")
    url = f"/needs/households/{household.pk}/members/{son.pk}/reveal/id_number/"
    assert client.post(url, {"reason": ""}, HTTP_HX_REQUEST="true").status_code == 200
    assert _sensitive_reads().count() == 0
    response = client.post(url, {"reason": "核对学籍"}, HTTP_HX_REQUEST="true")
    assert son.id_number in response.content.decode()
    log = _sensitive_reads().get()
    assert (log.field, log.subject_id, log.region_code) == (
        "id_number",
        str(son.pk),
        household.region_id,
    )


def test_a_visit_a_need_and_its_status_through_the_pages(client, worker, household):
    client.force_login(worker)
    today = timezone.localdate()
    assert (
        client.post(
            f"/needs/households/{household.pk}/visits/new/",
            {"visited_on": today.isoformat(), "findings": "孩子咳嗽,需要就医"},
        ).status_code
        == 302
    )
    assert Visit.objects.get().findings == "孩子咳嗽,需要就医"
    son = household.members.get(name="陈小明")
    response = client.post(
        f"/needs/households/{household.pk}/needs/new/",
        {
            "member": son.pk,
            "area": "medical_aid",
            "form": "cash",
            "description": "哮喘药费",
            "urgent": "on",
            "source": "home_visit",
        },
    )
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.urgent and need.member == son
    bad = client.post(
        f"/needs/households/{household.pk}/needs/{need.pk}/status/", {"to": "met", "reason": ""}
    )
    assert bad.status_code == 400 and Need.objects.get().status == "open"
    ok = client.post(
        f"/needs/households/{household.pk}/needs/{need.pk}/status/",
        {"to": "withdrawn", "reason": "已自行解决"},
    )
    assert ok.status_code == 302 and Need.objects.get().status == "withdrawn"


def test_consent_for_a_child_through_the_page(client, worker, household):
    client.force_login(worker)
    son = household.members.get(name="陈小明")
    today = timezone.localdate()
    data = {
        "member": son.pk,
        "purpose": "matching",
        "given_by": "self",
        "scope": "any_supplier",
        "given_on": today.isoformat(),
        "expires_on": (today + dt.timedelta(days=365)).isoformat(),
    }
    refused = client.post(f"/needs/households/{household.pk}/consents/new/", data)
    assert refused.status_code == 400 and Consent.objects.count() == 0
    assert "未满 14 周岁儿童的知情同意须由监护人作出" in refused.content.decode()
    data.update(given_by="guardian", guardian_name="陈秀英", guardian_relation="母亲")
    response = client.post(f"/needs/households/{household.pk}/consents/new/", data)
    consent = Consent.objects.get()
    assert response["Location"] == f"/needs/households/{household.pk}/consents/{consent.pk}/print/"
    printed = client.get(response["Location"]).content.decode()
    assert "陈秀英" in printed and son.id_number not in printed
    revoke = client.post(
        f"/needs/households/{household.pk}/consents/{consent.pk}/revoke/", {"reason": "监护人要求"}
    )
    assert revoke.status_code == 302
    assert Consent.objects.get().revoked_at is not None


def test_the_printable_summary_masks_id_numbers(client, worker, household):
    client.force_login(worker)
    page = client.get(f"/needs/households/{household.pk}/print/").content.decode()
    for member in Member.objects.all():
        assert member.id_number not in page and member.name in page


def test_the_dashboard_shows_the_ledger_card(client, worker, household):
    client.force_login(worker)
    assert 'hx-get="/needs/dashboard-card/"' in client.get("/dashboard/").content.decode()
    card = client.get("/needs/dashboard-card/").context["figures"]
    assert card["households"] == 1


@pytest.mark.parametrize("persona", ["charity_user"])
def test_users_without_a_region_cannot_ask_whether_someone_is_registered(
    client, request, persona, household
):
    client.force_login(request.getfixturevalue(persona))
    son = household.members.get(name="陈小明")
    assert client.post("/needs/households/find/", {"id_number": son.id_number}).status_code == 404


def test_the_outsider_gets_404_on_consent_pages_and_posts(client, worker, outsider, household):
    today = timezone.localdate()
    son = household.members.get(name="陈小明")
    from needs import services

    consent = services.consent_record(
        user=worker,
        household=household,
        member=son,
        given_by="guardian",
        guardian_name="陈秀英",
        guardian_relation="母亲",
        purpose="matching",
        scope="any_supplier",
        given_on=today,
        expires_on=today + dt.timedelta(days=30),
    )
    client.force_login(outsider)
    base = f"/needs/households/{household.pk}"
    assert client.get(f"{base}/consents/{consent.pk}/print/").status_code == 404
    assert client.post(f"{base}/consents/{consent.pk}/revoke/", {"reason": "x"}).status_code == 404
    assert (
        client.post(
            f"{base}/visits/new/", {"visited_on": today.isoformat(), "findings": "x"}
        ).status_code
        == 404
    )
    assert client.post(f"{base}/edit/", {}).status_code == 404
    assert Consent.objects.get().revoked_at is None and Visit.objects.count() == 0


def test_the_edit_form_shows_no_birth_date_beside_a_masked_id_number(client, worker, household):
    client.force_login(worker)
    son = household.members.get(name="陈小明")
    page = client.get(f"/needs/households/{household.pk}/edit/").content.decode()
    assert son.birth_date.isoformat() not in page
    assert son.id_number_masked in page


def test_a_stored_phone_can_be_removed(client, worker, household):
    client.force_login(worker)
    mother, son = household.members.order_by("id")
    rows = [
        {
            "member_id": mother.pk,
            "name": "陈秀英",
            "relation": "head",
            "statuses": ["dibao"],
            "clear_phone": "on",
        },
        {"member_id": son.pk, "name": "陈小明", "relation": "child", "tags": ["left_behind_child"]},
    ]
    data = {
        "region": household.region_id,
        "worker": worker.pk,
        "address": household.address,
        "gap_class": household.gap_class,
        **_formset(rows, initial=2),
    }
    assert client.post(f"/needs/households/{household.pk}/edit/", data).status_code == 302
    mother.refresh_from_db()
    assert mother.phone == "" and mother.phone_index == ""
