"""Member units' aid records: the push (API and workbook), matching by blind index, the
civil-affairs queue, the pre-aid check and the household's timeline, and the scope of a
member unit's login.

GIVEN a member unit of 英德市 (人社局) and one of 清新区 (医保局), each with a login, and a
household of 沙口镇 (英德市) whose head's ID number is known.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.management.commands.dumpdata import is_personal
from needs import idnumbers
from oversight import aid_excel
from oversight import aid_records as service
from oversight.models import AidRecord, MemberUnit, MemberUnitStaff

from ..factories import UserFactory
from ..needs.factories import born_years_ago, make_household, member_input

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def x_id_number(area: str = "441881") -> str:
    """A valid ID number of ``area`` whose check character is X."""
    born = born_years_ago(40)
    for sequence in range(1, 2000):
        number = idnumbers.generate(area, born, sequence, sex="male")
        if number.endswith("X"):
            return number
    raise AssertionError("no X")


@pytest.fixture
def unit_a(regions):
    return MemberUnit.objects.create(
        name="英德市人力资源和社会保障局",
        department=MemberUnit.Department.HUMAN_RESOURCES,
        region=regions["county_a"],
    )


@pytest.fixture
def unit_b(regions):
    return MemberUnit.objects.create(
        name="清远市清新区医疗保障局",
        department=MemberUnit.Department.HEALTHCARE_SECURITY,
        region=regions["county_b"],
    )


def unit_login(unit, username):
    user = UserFactory(username=username, role="member_unit", region=unit.region)
    MemberUnitStaff.objects.create(unit=unit, user=user)
    return user


@pytest.fixture
def unit_user(unit_a):
    return unit_login(unit_a, "renshe")


@pytest.fixture
def unit_user_b(unit_b):
    return unit_login(unit_b, "yibao_qingxin")


@pytest.fixture
def head_id():
    return x_id_number()


@pytest.fixture
def household(worker, regions, head_id):
    return make_household(
        worker,
        regions["township_a1"],
        members=[
            member_input("李大山", id_number=head_id),
            member_input("李小花", age=12, relation="child", sex="female"),
        ],
    )


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def record(external_id="RS-2026-0001", **values):
    return {
        "external_id": external_id,
        "id_number": values.pop("id_number"),
        "person_name": values.pop("person_name", "李大山"),
        "kind": values.pop("kind", "employment"),
        "amount": values.pop("amount", "1200.00"),
        "given_on": values.pop("given_on", (timezone.localdate() - dt.timedelta(days=30))),
        **values,
    }


URL = "/api/oversight/aid-records/"


# --- The push ----------------------------------------------------------------------------------


def test_it_pushes_a_record_once_whatever_times_it_is_sent(unit_user, household, head_id):
    client = token_client(unit_user)
    body = record(id_number=head_id, given_on="2026-10-01")
    first = client.post(URL, body, format="json")
    again = client.post(URL, body, format="json")
    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert AidRecord.objects.count() == 1
    assert first.json()["status"] == "matched"


def test_it_refuses_the_same_record_id_with_other_content_as_a_conflict(
    unit_user, household, head_id
):
    client = token_client(unit_user)
    assert client.post(URL, record(id_number=head_id), format="json").status_code == 201
    changed = client.post(URL, record(id_number=head_id, amount="9999.00"), format="json")
    assert changed.status_code == 409
    assert changed.json()["code"] == "conflict"
    assert AidRecord.objects.get().amount == 1200


def test_a_token_of_one_county_cannot_push_for_a_person_of_another(
    unit_user_b, household, head_id, regions
):
    """清新区's unit pushes for a person on 英德市's need ledger: 403, nothing written."""
    client = token_client(unit_user_b)
    response = client.post(URL, record(id_number=head_id), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden_region"
    # Nor may it name a region outside its own.
    other = idnumbers.generate("441881", born_years_ago(30), 77, sex="female")
    named = client.post(
        URL, record("QX-2", id_number=other, region=regions["township_a1"].code), format="json"
    )
    assert named.status_code == 403
    assert AidRecord.objects.count() == 0


def test_only_member_unit_staff_push(worker, county_officer, unit_a, head_id):
    for user in (worker, county_officer):
        response = token_client(user).post(URL, record(id_number=head_id), format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "not_member_unit"
    assert AidRecord.objects.count() == 0


def test_it_matches_by_blind_index_whatever_the_ids_script(unit_user, household, head_id):
    """Full-width digits and a lower-case x find the ledger member; Arabic-Indic digits are
    refused (accounts.identifiers: never guessed at)."""
    client = token_client(unit_user)
    full_width = head_id.translate(FULL_WIDTH)
    lower_x = head_id[:-1] + "x"
    for n, typed in enumerate((full_width, lower_x, f" {head_id[:6]}-{head_id[6:]} ")):
        response = client.post(URL, record(f"R{n}", id_number=typed), format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "matched"
    member = household.members.get(name="李大山")
    assert set(AidRecord.objects.values_list("member_id", flat=True)) == {member.pk}
    arabic = client.post(
        URL, record("R9", id_number=head_id[:-1].translate(ARABIC_INDIC) + "X"), format="json"
    )
    assert arabic.status_code == 400
    assert "id_number" in arabic.json()["errors"][0]["errors"]
    assert AidRecord.objects.count() == 3


def test_a_person_not_in_the_ledger_waits_and_the_daily_job_matches_once_recorded(
    unit_user, worker, regions
):
    number = idnumbers.generate("441881", born_years_ago(50), 321, sex="female")
    pushed = service.aid_records_push(
        user=unit_user, items=[record(id_number=number, kind="serious_illness")]
    )
    assert pushed.records[0].record.status == AidRecord.Status.UNMATCHED
    assert service.match_waiting().matched == 0
    make_household(
        worker, regions["township_a1"], members=[member_input("王阿姨", id_number=number)]
    )
    from oversight.tasks import match_waiting_aid_records

    assert match_waiting_aid_records.delay().get() == {"looked_at": 1, "matched": 1}
    assert match_waiting_aid_records.delay().get() == {"looked_at": 0, "matched": 0}
    matched = AidRecord.objects.get()
    assert matched.status == AidRecord.Status.MATCHED and matched.household.members.exists()


def test_a_batch_is_all_or_nothing_with_the_errors_of_each_record(unit_user, household, head_id):
    client = token_client(unit_user)
    good = record("B1", id_number=head_id)
    bad = record("B2", id_number="440524188001010015", given_on="2999-01-01")
    response = client.post(f"{URL}batch/", {"records": [good, bad]}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["index"] == 1 and set(error["errors"]) == {"id_number", "given_on"}
    assert AidRecord.objects.count() == 0
    ok = client.post(f"{URL}batch/", {"records": [good]}, format="json")
    assert ok.status_code == 201 and ok.json()["created"] == 1 and ok.json()["matched"] == 1


def test_a_unit_lists_and_reads_only_its_own_records(unit_user, unit_user_b, household, head_id):
    created = token_client(unit_user).post(URL, record(id_number=head_id), format="json").json()
    other = token_client(unit_user_b)
    assert other.get(URL).json()["count"] == 0
    assert other.get(f"{URL}{created['id']}/").status_code == 404
    mine = token_client(unit_user).get(f"{URL}{created['id']}/").json()
    assert mine["id_number_masked"] == head_id[:4] + "*" * 10 + head_id[-4:]


# --- What the social workers and civil affairs see ---------------------------------------------


@pytest.fixture
def matched(unit_user, household, head_id):
    return (
        service.aid_records_push(
            user=unit_user, items=[record(id_number=head_id, kind="serious_illness")]
        )
        .records[0]
        .record
    )


def test_a_matched_record_shows_in_the_pre_aid_check_page_and_api(
    client, worker, matched, household
):
    from needs import services as needs_services

    need = needs_services.need_register(
        user=worker,
        household=household,
        area="medical_aid",
        form="cash",
        description="住院费用",
    )
    client.force_login(worker)
    page = client.get(reverse("matching:candidates", args=[need.pk])).content.decode()
    section = page[page.index('id="pre-aid-check"') :]
    assert matched.number in section and "英德市人力资源和社会保障局" in section
    api = token_client(worker).get(f"/api/matching/needs/{need.pk}/candidates/").json()
    [row] = api["pre_aid_other_departments"]
    assert row["number"] == matched.number and row["same_area"] is True
    assert row["kind"] == "serious_illness" and row["member_name"] == "李大山"


def test_the_household_timeline_shows_the_aid_of_other_departments(
    client, worker, outsider, matched, household
):
    url = reverse("oversight:aid_household_fragment", args=[household.pk])
    client.force_login(worker)
    assert matched.number in client.get(url).content.decode()
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_queue_is_scoped_to_the_officers_region(
    client, unit_user, county_officer, other_county_officer
):
    number = idnumbers.generate("441881", born_years_ago(60), 99, sex="male")
    waiting = service.aid_records_push(user=unit_user, items=[record(id_number=number)])
    waiting = waiting.records[0].record
    list_url = reverse("oversight:aid_record_list")
    client.force_login(other_county_officer)
    assert waiting.number not in client.get(list_url).content.decode()
    for name in ("oversight:aid_record_match", "oversight:aid_record_dismiss"):
        assert client.post(reverse(name, args=[waiting.pk]), {"note": "x"}).status_code == 404
    client.force_login(county_officer)
    assert waiting.number in client.get(list_url).content.decode()
    # Dismissing needs a note.
    client.post(reverse("oversight:aid_record_dismiss", args=[waiting.pk]), {"note": ""})
    assert AidRecord.objects.get().status == AidRecord.Status.UNMATCHED
    client.post(reverse("oversight:aid_record_dismiss", args=[waiting.pk]), {"note": "外省户籍"})
    waiting.refresh_from_db()
    assert waiting.status == AidRecord.Status.DISMISSED and waiting.dismiss_note == "外省户籍"


def test_match_again_links_a_record_once_the_household_is_recorded(
    client, unit_user, county_officer, worker, regions
):
    number = idnumbers.generate("441881", born_years_ago(33), 55, sex="female")
    waiting = service.aid_records_push(user=unit_user, items=[record(id_number=number)])
    waiting = waiting.records[0].record
    client.force_login(county_officer)
    url = reverse("oversight:aid_record_match", args=[waiting.pk])
    client.post(url)
    assert AidRecord.objects.get().status == AidRecord.Status.UNMATCHED
    make_household(worker, regions["township_a1"], members=[member_input("赵娟", id_number=number)])
    client.post(url)
    assert AidRecord.objects.get().status == AidRecord.Status.MATCHED


# --- A member unit's login sees no ledger ------------------------------------------------------


def test_a_member_unit_login_cannot_read_households(client, unit_user, household, matched):
    """Not an empty ledger: no ledger at all (accounts.roles, deny by default), on the pages
    and in the API, whatever scope the views would apply."""
    client.force_login(unit_user)
    for url in (
        reverse("needs:household_detail", args=[household.pk]),
        reverse("needs:household_list"),
        reverse("needs:household_export"),
        reverse("matching:application_list"),
        reverse("oversight:aid_household_fragment", args=[household.pk]),
        reverse("staff_list"),
    ):
        assert client.get(url).status_code == 404, url
    api = token_client(unit_user)
    for url in (
        f"/api/needs/households/{household.pk}/",
        "/api/needs/households/",
        "/api/needs/members/",
        "/api/matching/applications/",
    ):
        assert api.get(url).status_code == 404, url
    # Its own pages, its account and the landing page it reaches; its list shows no household.
    for name in ("dashboard", "profile", "oversight:aid_import"):
        assert client.get(reverse(name)).status_code == 200
    page = client.get(reverse("oversight:aid_record_list")).content.decode()
    assert matched.number in page and household.code not in page
    assert api.get("/api/me/").status_code == 200


def test_aid_records_are_personal_data_for_dumpdata_and_the_history(matched):
    from auditlog.registry import auditlog
    from django.core.management import CommandError, call_command

    assert is_personal(AidRecord)
    with pytest.raises(CommandError) as refused:
        call_command("dumpdata", "oversight", stdout=io.StringIO())
    assert "oversight.AidRecord" in str(refused.value)
    assert "oversight.MemberUnit" not in str(refused.value)
    units = io.StringIO()
    call_command("dumpdata", "oversight.MemberUnit", stdout=units)
    assert "英德市人力资源和社会保障局" in units.getvalue()
    fields = auditlog.get_model_fields(AidRecord)
    assert "id_number_index" in fields["exclude_fields"]
    assert {"id_number", "person_name", "note", "dismiss_note"} <= set(fields["mask_fields"])


# --- The workbook -----------------------------------------------------------------------------


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = aid_excel.SHEET
    ws.append(list(aid_excel.COLUMNS.values()))
    for row in rows:
        ws.append(row)
    raw = io.BytesIO()
    wb.save(raw)
    return raw.getvalue()


def test_the_template_has_chinese_headers(client, unit_user):
    client.force_login(unit_user)
    response = client.get(reverse("oversight:aid_template"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in next(wb[aid_excel.SHEET].iter_rows())]
    assert headers == [
        "本单位记录编号",
        "身份证号码",
        "姓名",
        "救助类别",
        "金额(元)",
        "发放日期",
        "所在地区代码",
        "备注",
    ]


def test_a_workbook_with_an_error_imports_nothing_and_names_row_and_column(
    client, unit_user, household, head_id
):
    client.force_login(unit_user)
    url = reverse("oversight:aid_import")
    data = workbook(
        [
            ["W1", head_id, "李大山", "大病救助", 3000, dt.date(2026, 9, 1), None, None],
            ["W2", "440524188001010015", "张三", "不存在的类别", "abc", "2026-09-01", None, None],
        ]
    )
    upload = io.BytesIO(data)
    upload.name = "救助记录.xlsx"
    response = client.post(url, {"action": "preview", "file": upload})
    assert response.status_code == 400
    errors = {(e.row, e.column) for e in response.context["report"].errors}
    assert {(3, "身份证号码"), (3, "救助类别"), (3, "金额(元)")} <= errors
    assert AidRecord.objects.count() == 0


def test_a_good_workbook_is_previewed_then_imported_once(client, unit_user, household, head_id):
    client.force_login(unit_user)
    url = reverse("oversight:aid_import")
    other = idnumbers.generate("441881", born_years_ago(20), 12, sex="female")
    data = workbook(
        [
            [
                "W1",
                head_id.translate(FULL_WIDTH),
                "李大山",
                "大病救助",
                3000,
                dt.date(2026, 9, 1),
                None,
                None,
            ],
            ["W2", other, "陈芳", "education", None, "2026-09-02", "441881102000", "秋季学期"],
        ]
    )
    upload = io.BytesIO(data)
    upload.name = "救助记录.xlsx"
    preview = client.post(url, {"action": "preview", "file": upload})
    assert preview.status_code == 200, preview.context["report"].errors
    assert AidRecord.objects.count() == 0
    report = preview.context["report"]
    assert (report.created, report.matched) == (2, 1)
    token = preview.context["confirm_form"].initial["token"]
    done = client.post(url, {"action": "confirm", "token": token})
    assert done.status_code == 200 and done.context["report"].written
    assert AidRecord.objects.filter(status="matched").count() == 1
    assert AidRecord.objects.filter(status="unmatched", region_id="441881102000").count() == 1
    # The same workbook again records nothing new.
    again = io.BytesIO(data)
    again.name = "救助记录.xlsx"
    report = client.post(url, {"action": "preview", "file": again}).context["report"]
    assert (report.created, report.unchanged) == (0, 2)


def test_the_lists_run_a_bounded_number_of_queries(
    client, unit_user, county_officer, household, head_id, django_assert_max_num_queries
):
    numbers = [
        idnumbers.generate("441881", born_years_ago(30 + n), 500 + n, sex="male") for n in range(8)
    ]
    service.aid_records_push(
        user=unit_user,
        items=[record(f"Q{n}", id_number=number) for n, number in enumerate([head_id, *numbers])],
    )
    client.force_login(county_officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("oversight:aid_record_list") + "?status=all").status_code == 200
    api = token_client(unit_user)
    with django_assert_max_num_queries(10):
        assert api.get(URL).json()["count"] == 9
