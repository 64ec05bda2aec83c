"""ID-number lookups (the household list's ID search and the duplicate check of the household
page, API and import) are throttled per user and written to the access log (needs.id_lookups)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone
from openpyxl import Workbook
from rest_framework.test import APIClient

from accounts.models import AccessLog, Region
from accounts.throttle import window_take
from needs import excel, id_lookups, services
from needs.models import Household, Member

from .factories import born_years_ago, id_number, make_household, member_input

pytestmark = pytest.mark.django_db

SHAKOU = "441881101000"
FIND = "/needs/households/find/"
TOO_MANY = "您在本小时内查询的身份证号过多"


def _lookups(field: str):
    return AccessLog.objects.filter(field=field).order_by("id")


def _new_number(age: int = 40) -> str:
    return id_number(born=born_years_ago(age))


def _row_text(log: AccessLog) -> str:
    return " ".join(str(v) for v in AccessLog.objects.filter(pk=log.pk).values().get().values())


# --- The ID search ---------------------------------------------------------------------------


def test_each_id_search_writes_one_access_log_row_without_the_number(
    client, worker, household, other_household
):
    son = household.members.get(name="陈小明")
    stranger = other_household.members.get()
    unknown = _new_number()
    client.force_login(worker)

    for number in (son.id_number, stranger.id_number, unknown, "123"):
        client.post(FIND, {"id_number": number}, REMOTE_ADDR="10.1.2.3")

    rows = list(_lookups(id_lookups.SEARCH))
    assert len(rows) == 3  # the malformed number was answered without a lookup
    assert [r.subject_id for r in rows] == [str(son.pk), str(stranger.pk), ""]
    assert {(r.user, r.region_code, r.ip_address) for r in rows} == {(worker, SHAKOU, "10.1.2.3")}
    assert "查询人辖区内登记" in rows[0].reason
    assert "查询人辖区外登记" in rows[1].reason and other_household.code in rows[1].subject_label
    assert "未登记" in rows[2].reason
    assert id_lookups.index_of(unknown)[: id_lookups.DIGEST_LENGTH] in rows[2].subject_label
    for row, number in zip(rows, (son.id_number, stranger.id_number, unknown), strict=True):
        assert number[-8:] not in _row_text(row) and number[:10] not in _row_text(row)


def test_the_page_refuses_searches_over_the_limit_with_a_chinese_message(client, worker, settings):
    settings.ID_LOOKUP_LIMIT_PER_HOUR = 2
    numbers = [_new_number(age) for age in (30, 31, 32)]
    client.force_login(worker)

    for number in numbers[:2]:
        assert client.post(FIND, {"id_number": number}).status_code == 200
    refused = client.post(FIND, {"id_number": numbers[2]})

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert TOO_MANY in refused.content.decode()
    # A number already looked up this hour is answered again; the refusal is logged too.
    assert client.post(FIND, {"id_number": numbers[0]}).status_code == 200
    assert [r.reason.endswith("已拒绝,超过查询上限") for r in _lookups(id_lookups.SEARCH)] == [
        False,
        False,
        True,
        False,
    ]
    # The next hour opens a new window.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1), tick=False):
        client.force_login(worker)  # the session timed out meanwhile
        assert client.post(FIND, {"id_number": numbers[2]}).status_code == 200


def test_administrators_are_logged_but_not_throttled(client, administrator, regions, settings):
    settings.ID_LOOKUP_LIMIT_PER_HOUR = 1
    client.force_login(administrator)

    for age in (30, 31, 32):
        assert client.post(FIND, {"id_number": _new_number(age)}).status_code == 200

    assert _lookups(id_lookups.SEARCH).filter(user=administrator).count() == 3


# --- The duplicate check ---------------------------------------------------------------------


def test_the_duplicate_check_is_logged_and_counts_against_the_same_limit(
    client, worker, regions, settings
):
    settings.ID_LOOKUP_LIMIT_PER_HOUR = 3
    household = make_household(
        worker,
        regions["township_a1"],
        members=[member_input("甲"), member_input("乙", relation=Member.Relation.CHILD, age=9)],
    )

    checks = list(_lookups(id_lookups.CHECK))
    assert len(checks) == 2 and all("未登记" in c.reason for c in checks)
    assert {c.region_code for c in checks} == {SHAKOU}
    client.force_login(worker)
    assert client.post(FIND, {"id_number": _new_number(50)}).status_code == 200
    assert client.post(FIND, {"id_number": _new_number(51)}).status_code == 429

    # Saving the household again asks about no number it already holds.
    current = [
        services.MemberInput(
            member_id=m.pk, name=m.name, relation=m.relation, id_number=m.id_number
        )
        for m in household.members.order_by("id")
    ]
    services.household_save(
        user=worker, household=household, fields={"region": household.region}, members=current
    )
    assert _lookups(id_lookups.CHECK).count() == 2


def test_a_duplicate_elsewhere_is_logged_with_the_person_found(worker, outsider, other_household):
    stranger = other_household.members.get()

    with pytest.raises(services.LedgerInvalid):
        make_household(
            worker,
            Region.objects.get(code=SHAKOU),
            members=[member_input("冒名", id_number=stranger.id_number)],
        )

    check = _lookups(id_lookups.CHECK).get(user=worker)
    assert (check.user, check.subject_id) == (worker, str(stranger.pk))
    assert "查询人辖区外登记" in check.reason


def test_the_household_page_shows_the_limit_next_to_the_id_number(
    client, worker, regions, settings
):
    settings.ID_LOOKUP_LIMIT_PER_HOUR = 1
    client.force_login(worker)
    assert client.post(FIND, {"id_number": _new_number(60)}).status_code == 200
    typed = _new_number(40)

    response = client.post(
        "/needs/households/new/",
        {
            "region": SHAKOU,
            "worker": worker.pk,
            "address": "沙口村 1 号",
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "1",
            "members-MAX_NUM_FORMS": "1000",
            "members-0-name": "甲",
            "members-0-relation": "head",
            "members-0-id_number": typed,
        },
    )

    assert response.status_code == 400 and not Household.objects.exists()
    page = response.content.decode()
    assert TOO_MANY in page and f'value="{typed}"' in page  # the input is kept


def test_the_api_answers_429_with_retry_after_when_the_checks_are_used_up(
    worker, regions, settings
):
    settings.ID_LOOKUP_LIMIT_PER_HOUR = 1
    api = APIClient()
    api.force_authenticate(worker)

    def record(name: str, age: int):
        head = {"name": name, "relation": "head", "id_number": _new_number(age)}
        body = {"region": SHAKOU, "address": "沙口村 1 号", "members": [head]}
        return api.post("/api/needs/households/", body, format="json")

    assert record("甲", 40).status_code == 201
    refused = record("乙", 41)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert TOO_MANY in refused.json()["detail"]
    assert Household.objects.count() == 1


# --- The import ------------------------------------------------------------------------------


def _workbook(people: list[tuple[str, str, str]]) -> bytes:
    """(household key, name, ID number) rows under the summary table's headers."""
    wb = Workbook()
    ws = wb.active
    ws.title = excel.SUMMARY_SHEET
    ws.append([c.header for c in excel.SUMMARY_COLUMNS])
    for key, name, number in people:
        values = {
            "code": key,
            "region_code": SHAKOU,
            "address": "沙口村 3 号",
            "name": name,
            "relation": "户主",
            "id_number": number,
        }
        ws.append([values.get(c.key) for c in excel.SUMMARY_COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_import_preview_keeps_its_log_and_the_import_after_it_costs_nothing_more(
    worker, regions, settings
):
    settings.ID_LOOKUP_LIMIT_PER_HOUR = 2
    data = _workbook([("P-1", "甲", _new_number(40)), ("P-2", "乙", _new_number(41))])

    preview = excel.household_import(user=worker, data=data, filename="x.xlsx", dry_run=True)
    assert not preview.errors and not Household.objects.exists()
    assert _lookups(id_lookups.CHECK).count() == 2  # logged although the preview rolled back

    done = excel.household_import(user=worker, data=data, filename="x.xlsx", dry_run=False)
    assert not done.errors and Household.objects.count() == 2
    assert _lookups(id_lookups.CHECK).count() == 4


def test_an_import_over_the_limit_gets_the_message_on_its_rows(worker, regions, settings):
    settings.ID_LOOKUP_LIMIT_PER_HOUR = 1
    data = _workbook([("P-1", "甲", _new_number(40)), ("P-2", "乙", _new_number(41))])

    report = excel.household_import(user=worker, data=data, filename="x.xlsx", dry_run=False)

    assert not Household.objects.exists()
    # The first household fits in the hour, the second does not; all or nothing: none saved.
    assert [(e.row, TOO_MANY in e.message) for e in report.errors] == [(3, True)]


# --- The counter -----------------------------------------------------------------------------


def test_the_window_counts_distinct_items_and_a_refusal_costs_nothing():
    take = {"scope": "test", "who": "1", "limit": 3, "period": 3600}

    assert window_take(items=["a", "b"], **take) == 0
    assert window_take(items=["a", "b"], **take) == 0  # the same again: free
    assert window_take(items=["c", "d"], **take) > 0  # would make 4
    assert window_take(items=["c"], **take) == 0  # the refusal above counted nothing
    assert window_take(items=["e"], **take) > 0
    assert window_take(items=["e"], **{**take, "who": "2"}) == 0  # per user
