"""The need ledger's filing export (needs.filing, needs.views_filing): scope, masking, the
access log of a full export, the CSV and JSON layouts of docs/filing-export.md, bounded queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccessLog
from needs import filing, services
from needs.models import Member, Need

from .factories import make_household, member_input

pytestmark = pytest.mark.django_db

URL = "/needs/export/filing/"
DOC = Path(settings.BASE_DIR) / "docs" / "filing-export.md"


def _need(user, household, *, member=None, **values) -> Need:
    values = {"area": "education_aid", "form": "cash", "description": "下学期学费", **values}
    return services.need_register(user=user, household=household, member=member, **values)


@pytest.fixture
def needs(household, worker):
    """A school need of the son (urgent, 1,200 yuan) and a need of the whole household."""
    son = household.members.get(name="陈小明")
    school = _need(worker, household, member=son, urgent=True, estimated_value=Decimal("1200"))
    food = _need(worker, household, area="poverty_relief", form="in_kind", description="=米面油")
    return {"school": school, "food": food}


@pytest.fixture
def other_needs(other_household, outsider):
    return [_need(outsider, other_household, description="轮椅")]


def _body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def _csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _post(client, **data):
    return client.post(URL, {"format": "csv", **data})


# --- Who may export, and what ----------------------------------------------------------------


def test_it_keeps_another_countys_households_out_of_the_county_officers_file(
    client, county_officer, household, needs, other_household, other_needs
):
    client.force_login(county_officer)

    rows = _csv(_body(_post(client)))

    assert {r["户编号"] for r in rows} == {household.code}
    body = json.loads(_body(_post(client, format="json")))
    assert [h["code"] for h in body["households"]] == [household.code]


def test_a_worker_of_the_other_county_gets_only_their_own_township(
    client, outsider, household, needs, other_household, other_needs
):
    client.force_login(outsider)

    rows = _csv(_body(_post(client)))

    assert {r["户编号"] for r in rows} == {other_household.code}
    assert household.code.encode() not in _body(_post(client, format="json"))


def test_a_region_of_another_county_is_refused_as_a_choice(
    client, outsider, household, needs, regions
):
    client.force_login(outsider)

    response = _post(client, region=regions["township_a1"].code)

    assert response.status_code == 400
    assert "region" in response.context["form"].errors


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_charity_gets_404(client, charity_user, household, needs, method):
    client.force_login(charity_user)

    assert getattr(client, method)(URL).status_code == 404


def test_the_anonymous_public_is_sent_to_log_in(client):
    response = client.post(URL)

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_city_officer_narrows_the_file_to_a_county_then_a_township(
    client, regions, household, needs, other_household, other_needs
):
    from tests.factories import UserFactory

    officer = UserFactory(username="city", role="civil_affairs", region=regions["city"])
    client.force_login(officer)

    everything = {r["户编号"] for r in _csv(_body(_post(client)))}
    county = {r["户编号"] for r in _csv(_body(_post(client, county=regions["county_b"].code)))}
    township = _post(client, county=regions["county_a"].code, region=regions["township_a1"].code)
    mismatch = _post(client, county=regions["county_b"].code, region=regions["township_a1"].code)

    assert everything == {household.code, other_household.code}
    assert county == {other_household.code}
    assert {r["户编号"] for r in _csv(_body(township))} == {household.code}
    assert mismatch.status_code == 400 and "region" in mismatch.context["form"].errors


def test_the_county_chosen_fills_the_region_select_with_its_places(client, regions):
    from tests.factories import UserFactory

    officer = UserFactory(username="city", role="civil_affairs", region=regions["city"])
    client.force_login(officer)

    before = client.get(URL).content.decode()
    after = client.get(
        URL, {"county": regions["county_b"].code}, headers={"HX-Request": "true"}
    ).content.decode()

    assert "太和镇" not in before and "hx-get" in before
    assert "太和镇" in after and "沙口镇" not in after


def test_statuses_and_the_period_choose_the_needs(client, worker, household, needs):
    services.need_transition(user=worker, need=needs["food"], to=Need.Status.MATCHING)
    Need.objects.filter(pk=needs["school"].pk).update(
        created_at=timezone.now() - dt.timedelta(days=40)
    )
    client.force_login(worker)
    today = timezone.localdate()

    matching = _csv(_body(_post(client, statuses=["matching"])))
    recent = _csv(_body(_post(client, created_from=today - dt.timedelta(days=7))))
    old = _csv(_body(_post(client, created_to=today - dt.timedelta(days=30))))
    none = _csv(_body(_post(client, statuses=["met"])))

    assert [r["需求编号"] for r in matching] == [str(needs["food"].pk)]
    assert [r["需求编号"] for r in recent] == [str(needs["food"].pk)]
    assert [r["需求编号"] for r in old] == [str(needs["school"].pk)]
    assert none == []


def test_a_period_ending_before_it_starts_is_refused_beside_its_field(client, worker):
    client.force_login(worker)

    response = _post(client, created_from="2026-06-01", created_to="2026-01-01")

    assert response.status_code == 400
    assert 'id="id_created_to_error"' in response.content.decode()


# --- Masking and the access log --------------------------------------------------------------


def test_it_is_masked_by_default(client, worker, household, needs):
    mother = household.members.get(name="陈秀英")
    son = household.members.get(name="陈小明")
    client.force_login(worker)

    csv_body = _body(_post(client))
    json_body = _body(_post(client, format="json"))

    for body in (csv_body, json_body):
        text = body.decode("utf-8-sig")
        for member in (mother, son):
            assert member.id_number not in text
            assert member.birth_date.isoformat() not in text
        assert son.id_number_masked in text
        assert mother.phone not in text
        assert "哮喘" not in text
    # The CSV has the person of each need; the JSON every member.
    text = json_body.decode()
    assert mother.id_number_masked in text and mother.phone_masked in text
    assert not AccessLog.objects.filter(field=filing.FULL_FIELD).exists()
    data = json.loads(json_body)
    assert data["masked"] is True
    child = next(m for m in data["households"][0]["members"] if m["name"] == "陈小明")
    assert child["health_notes"] == "••••••"
    assert child["birth_date"] == str(son.birth_date.year)


def test_a_full_export_without_a_reason_is_refused_and_not_logged(
    client, county_officer, household, needs
):
    client.force_login(county_officer)

    response = _post(client, full="on", reason="  ")

    assert response.status_code == 400
    assert not response.streaming
    page = response.content.decode()
    assert 'id="id_reason_error"' in page
    assert household.members.get(name="陈秀英").id_number not in page
    assert not AccessLog.objects.filter(field=filing.FULL_FIELD).exists()


def test_a_full_export_with_a_reason_is_logged_once_with_it(
    client, county_officer, household, needs, regions
):
    son = household.members.get(name="陈小明")
    client.force_login(county_officer)

    response = _post(client, full="on", reason="半年度备案", statuses=["open"])
    body = _body(response)

    assert son.id_number in body.decode("utf-8-sig")
    assert "哮喘" in body.decode("utf-8-sig")
    log = AccessLog.objects.get(field=filing.FULL_FIELD)
    assert (log.user, log.field, log.reason) == (county_officer, filing.FULL_FIELD, "半年度备案")
    assert log.region_code == regions["county_a"].code
    assert "英德市" in log.subject_label and "CSV" in log.subject_label
    assert quote("完整") in response["Content-Disposition"]


def test_the_audit_page_names_a_full_filing_export_in_chinese():
    from accounts.audit import access_field_label

    label = access_field_label(Member, filing.FULL_FIELD)

    assert label != filing.FULL_FIELD and not label.isascii()


# --- Layout ----------------------------------------------------------------------------------


def test_the_csv_opens_with_a_bom_and_chinese_headers_and_labels(client, worker, household, needs):
    client.force_login(worker)

    body = _body(_post(client))

    assert body[:3] == b"\xef\xbb\xbf"
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header == list(filing.CSV_HEADERS)
    assert all(not h.isascii() for h in header)
    rows = {r["需求描述"]: r for r in _csv(body)}
    school, food = rows["下学期学费"], rows["'=米面油"]
    assert (school["对象姓名"], school["急难愁盼"], school["预估金额(元)"]) == (
        "陈小明",
        "是",
        "1200.00",
    )
    assert (school["慈善领域"], school["帮扶形式"], school["状态"]) == ("助学", "资金", "待对接")
    assert (school["区划代码"], school["乡镇(街道)"], school["县(市、区)"]) == (
        household.region_id,
        "沙口镇",
        "英德市",
    )
    assert school["困境标签"] == "留守儿童" and school["户主姓名"] == "陈秀英"
    assert food["对象姓名"] == "全户" and food["身份证号码"] == ""
    assert "attachment" in _post(client)["Content-Disposition"]


def _doc_tables() -> dict[str, list[str]]:
    """The keys of each table of the doc: the CSV columns, and the JSON's file, household,
    member and need objects."""
    tables: dict[str, list[str]] = {}
    section = ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## CSV"):
            section = "csv"
        elif line.startswith("### "):
            section = line[4:].strip()
        elif line.startswith("## "):
            section = ""
        elif section and line.startswith("| ") and "`" in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            if section == "csv":
                tables.setdefault("csv", []).append(cells[0])
                tables.setdefault("csv_keys", []).append(cells[1].strip("`"))
            else:
                tables.setdefault(section, []).append(cells[0].strip("`"))
    return tables


def test_the_csv_columns_are_those_of_the_doc(client):
    tables = _doc_tables()

    assert tables["csv"] == list(filing.CSV_HEADERS)
    assert tables["csv_keys"] == [key for key, _header in filing.CSV_COLUMNS]


def test_the_json_layout_has_exactly_the_keys_of_the_doc(client, worker, household, needs):
    client.force_login(worker)
    tables = _doc_tables()

    data = json.loads(_body(_post(client, format="json")))

    assert list(data) == tables["file"]
    household_json = data["households"][0]
    assert list(household_json) == tables["household"]
    assert set(household_json["region"]) == {"code", "city", "county", "township", "village"}
    son = next(m for m in household_json["members"] if m["name"] == "陈小明")
    assert list(son) == tables["member"]
    assert list(son["needs"][0]) == tables["need"]
    assert list(household_json["needs"][0]) == tables["need"]
    assert son["tags"] == [{"code": "left_behind_child", "label": "留守儿童"}]
    assert son["needs"][0]["status"] == {"code": "open", "label": "待对接"}
    assert son["needs"][0]["estimated_value"] == "1200.00"
    assert (data["household_count"], data["need_count"]) == (1, 2)


def test_the_doc_is_linked_from_the_readme():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")

    assert re.search(r"\]\(docs/filing-export\.md\)", readme)


# --- Scale -----------------------------------------------------------------------------------


def _households(worker, township, count: int) -> None:
    for number in range(count):
        household = make_household(
            worker,
            township,
            members=[
                member_input(f"户主{number}", age=40 + number % 30),
                member_input(f"子女{number}", relation=Member.Relation.CHILD, age=8),
            ],
            address=f"沙口村 {number} 号",
        )
        _need(worker, household, member=household.members.order_by("id").last())


def _queries(client, **data) -> int:
    reset_queries()
    with CaptureQueriesContext(connection) as context:
        body = _body(_post(client, **data))
    assert body
    return len(context.captured_queries)


def test_the_queries_do_not_grow_with_the_households(
    client, worker, regions, settings, django_assert_max_num_queries
):
    settings.ID_LOOKUP_LIMIT_PER_HOUR = 10_000  # 400 members recorded by one worker
    client.force_login(worker)
    _households(worker, regions["township_a1"], 50)
    small = {fmt: _queries(client, format=fmt) for fmt in ("csv", "json")}
    _households(worker, regions["township_a1"], 150)

    large = {fmt: _queries(client, format=fmt) for fmt in ("csv", "json")}

    assert large == small
    assert small["csv"] >= 5  # the households and what is fetched with them were counted
    reset_queries()
    with django_assert_max_num_queries(15):
        rows = _csv(_body(_post(client)))
    assert len(rows) == 200
    assert len({r["户编号"] for r in rows}) == 200


# --- API -------------------------------------------------------------------------------------

API_URL = "/api/needs/filing/"


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


def test_the_api_streams_the_masked_json_of_the_users_area(
    api, county_officer, household, needs, other_household, other_needs
):
    api.force_authenticate(county_officer)

    response = api.post(API_URL, {}, format="json")

    data = json.loads(_body(response))
    assert response["Content-Type"].startswith("application/json")
    assert data["masked"] is True
    assert [h["code"] for h in data["households"]] == [household.code]
    assert household.members.get(name="陈小明").id_number.encode() not in json.dumps(data).encode()


def test_the_api_refuses_a_full_export_without_a_reason_and_logs_one_with_it(
    api, county_officer, household, needs
):
    api.force_authenticate(county_officer)

    refused = api.post(API_URL, {"full": True}, format="json")
    given = api.post(API_URL, {"full": True, "reason": "备案", "format": "csv"}, format="json")

    assert refused.status_code == 400 and "reason" in refused.json()
    son = household.members.get(name="陈小明")
    assert son.id_number in _body(given).decode("utf-8-sig")
    assert AccessLog.objects.filter(field=filing.FULL_FIELD).count() == 1


def test_the_api_answers_404_for_another_countys_region_and_for_a_charity(
    api, outsider, charity_user, household, needs, regions
):
    api.force_authenticate(outsider)
    foreign = api.post(API_URL, {"region": regions["county_a"].code}, format="json")
    api.force_authenticate(charity_user)
    charity = api.post(API_URL, {}, format="json")

    assert (foreign.status_code, charity.status_code) == (404, 404)
