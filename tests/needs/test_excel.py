"""Excel export and import of the need ledger (needs.excel, needs.views_excel)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import time
import zipfile
from decimal import Decimal
from urllib.parse import quote

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from accounts.models import AccessLog
from accounts.taxonomies import AssistanceStatus, VulnerabilityTag
from needs import excel, id_lookups, services
from needs.models import AssistanceRecord, Household, Member, MemberTag
from needs.services import MemberInput

from .. import workbooks
from .factories import born_years_ago, id_number, make_household, member_input


def _sensitive_reads():
    """Access-log rows of reads, without the ID-number lookups that saving a household logs."""
    return AccessLog.objects.exclude(field__in=id_lookups.FIELDS)


pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in excel.SUMMARY_COLUMNS]
SHAKOU = "441881101000"
WANGBU = "441881102000"
TAIHE = "441803102000"
XLSX = excel.XLSX_CONTENT_TYPE


# --- Helpers ---------------------------------------------------------------------------------


def _row(**values) -> list:
    return [values.get(c.key) for c in excel.SUMMARY_COLUMNS]


def _workbook(rows: list[list], *, title: bool = True) -> bytes:
    """A workbook as a user would type it: a title row, the header row, the data rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = excel.SUMMARY_SHEET
    if title:
        ws.append(["沙口镇 服务对象家庭信息汇总表"])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _person(name="李大山", *, relation="户主", age=45, sex="male", region=SHAKOU, **extra):
    born = born_years_ago(age)
    return {
        "name": name,
        "relation": relation,
        "id_number": extra.pop("id_number", None) or id_number(region, born=born, sex=sex),
        **extra,
    }


def _new_household_rows(key="PLATFORM-001", region=SHAKOU, people=None, **household) -> list:
    people = people or [_person()]
    base = {"code": key, "region_code": region, "address": "沙口村 3 号", **household}
    return [_row(**base, **person) for person in people]


def _import(user, rows, *, dry_run=False, **kwargs):
    return excel.household_import(
        user=user, data=_workbook(rows), filename="households.xlsx", dry_run=dry_run, **kwargs
    )


def _cells(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def _table(data: bytes) -> list[dict]:
    """The data rows of an exported summary table as dicts keyed by header."""
    rows = _cells(data)
    header = rows[1]
    return [dict(zip(header, row, strict=False)) for row in rows[2:]]


def _snapshot() -> dict[str, list[dict]]:
    return {
        "households": list(Household.objects.order_by("pk").values()),
        "members": list(Member.objects.order_by("pk").values()),
        "assistance": list(AssistanceRecord.objects.order_by("pk").values()),
        "tags": list(MemberTag.objects.order_by("pk").values()),
    }


def _errors(report) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


@pytest.fixture
def varied_household(worker, regions):
    """A second household: figures, housing, a disability, and a grandmother without ID number."""
    return make_household(
        worker,
        regions["township_a1"],
        members=[
            member_input("王建国", age=52, phone="0763-5551234", school_or_work="务农"),
            member_input(
                "王小红",
                relation=Member.Relation.CHILD,
                age=20,
                sex="female",
                disability_type="physical",
                disability_grade=2,
                tags=[VulnerabilityTag.DISABLED],
                statuses=[AssistanceStatus.DIBAO_MARGINAL, AssistanceStatus.TEMPORARY_ASSISTANCE],
            ),
            MemberInput(
                name="王奶奶",
                relation=Member.Relation.GRANDPARENT,
                sex="female",
                birth_date=dt.date(1940, 3, 8),
                tags=[VulnerabilityTag.ELDER_DEPENDENT],
                health_notes="高血压",
            ),
        ],
        external_ref="DB440000123",
        income_per_capita=Decimal("650.50"),
        rigid_expenditure=Decimal("12000"),
        housing="own",
        housing_note="砖木结构，屋顶漏水",
        gap_class="not_eligible_in_difficulty",
    )


# --- Export ----------------------------------------------------------------------------------


def test_it_exports_one_row_per_current_member_with_the_household_columns_repeated(
    household, varied_household, worker
):
    rows = _table(excel.household_workbook(user=worker, region=None))

    assert [r["姓名"] for r in rows] == ["陈秀英", "陈小明", "王建国", "王小红", "王奶奶"]
    assert [r["户编号"] for r in rows] == [household.code] * 2 + [varied_household.code] * 3
    wang = rows[3]
    assert wang["原系统户编号"] == "DB440000123"
    assert wang["村(社区)/乡镇(街道)代码"] == SHAKOU
    assert wang["村(社区)/乡镇(街道)"] == "沙口镇"
    assert wang["人均月收入(元)"] == 650.5
    assert wang["责任社工"] == "worker"
    assert wang["残疾等级"] == 2
    assert wang["救助身份"] == "、".join(
        str(s.label)
        for s in (AssistanceStatus.DIBAO_MARGINAL, AssistanceStatus.TEMPORARY_ASSISTANCE)
    )
    assert rows[4]["出生日期"] == dt.datetime(1940, 3, 8)


def test_the_masked_export_contains_no_full_id_number_phone_or_health_note(household, worker):
    mother = household.members.get(name="陈秀英")
    son = household.members.get(name="陈小明")

    data = excel.household_workbook(user=worker, region=None)

    text = repr(_cells(data))
    for secret in (mother.id_number, son.id_number, mother.phone, "哮喘"):
        assert secret not in text
    assert mother.id_number_masked in text and mother.phone_masked in text
    assert _sensitive_reads().count() == 0


def test_a_full_export_requires_a_reason_and_writes_exactly_one_access_log_row(
    household, worker, regions
):
    mother = household.members.get(name="陈秀英")
    with pytest.raises(ValidationError):
        excel.household_export_full(user=worker, region=None, reason="  ")
    assert _sensitive_reads().count() == 0

    data = excel.household_export_full(
        user=worker, region=None, reason="与民政名单核对", ip_address="10.0.0.7"
    )

    text = repr(_cells(data))
    assert mother.id_number in text and mother.phone in text and "哮喘" in text
    log = _sensitive_reads().get()
    assert (log.user, log.field, log.reason) == (worker, excel.FULL_EXPORT_FIELD, "与民政名单核对")
    assert (log.subject_id, log.region_code, log.ip_address) == (SHAKOU, SHAKOU, "10.0.0.7")
    assert log.subject_type.model == "region"


def test_civil_affairs_may_not_export_full_values(household, county_officer, regions):
    with pytest.raises(PermissionDenied):
        excel.household_export_full(
            user=county_officer, region=regions["township_a1"], reason="核对"
        )
    assert _sensitive_reads().count() == 0


def test_it_writes_text_that_looks_like_a_formula_as_a_plain_string(worker, regions):
    make_household(
        worker,
        regions["township_a1"],
        address='=HYPERLINK("http://evil.example","点我")',
        housing_note="+1 间偏房",
        members=[member_input(school_or_work="@小学")],
    )

    data = excel.household_workbook(user=worker, region=None)

    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [c.value for c in ws[2]]
    row = ws[3]
    for column, value in (
        ("家庭住址", '=HYPERLINK("http://evil.example","点我")'),
        ("住房说明", "+1 间偏房"),
        ("就学/就业", "@小学"),
    ):
        cell = row[header.index(column)]
        assert (cell.value, cell.data_type) == (value, "s")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_the_same_data_gives_the_same_file(household, worker):
    moment = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False) as traveller:
        first = excel.household_workbook(user=worker, region=None)
        traveller.shift(dt.timedelta(minutes=7))
        second = excel.household_workbook(user=worker, region=None)
    assert first == second


def test_an_outsiders_export_of_all_households_has_none_of_the_other_county(
    household, other_household, outsider
):
    rows = _table(excel.household_workbook(user=outsider, region=None))

    assert {r["户编号"] for r in rows} == {other_household.code}


def test_a_user_without_a_region_exports_an_empty_table(household, charity_user):
    assert _table(excel.household_workbook(user=charity_user, region=None)) == []


def test_the_need_list_has_one_row_per_need(household, worker):
    son = household.members.get(name="陈小明")
    services.need_register(
        user=worker,
        household=household,
        area="education_aid",
        form="cash",
        description="下学期学费",
        urgent=True,
        estimated_value=Decimal("1200"),
        member=son,
    )
    services.need_register(
        user=worker,
        household=household,
        area="poverty_relief",
        form="in_kind",
        description="-米面油",
    )

    rows = _cells(excel.need_workbook(user=worker, region=None))

    assert rows[1] == list(excel.NEED_HEADERS)
    by_description = {r[6]: r for r in rows[2:]}
    school = by_description["下学期学费"]
    assert school[:4] == [household.code, household.region.name, "陈秀英", "陈小明"]
    assert (school[7], school[8]) == ("是", 1200)
    assert by_description["-米面油"][3] == "全户"
    assert by_description["-米面油"][7] == "否"


# --- Export views ----------------------------------------------------------------------------


def test_it_downloads_the_masked_table_with_a_chinese_file_name(client, household, worker):
    client.force_login(worker)

    response = client.get(reverse("needs:household_export"), {"region": SHAKOU})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert f"filename*=utf-8''{quote('服务对象家庭信息汇总表')}" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = _table(b"".join(response.streaming_content))
    assert {r["户编号"] for r in rows} == {household.code}
    assert _sensitive_reads().count() == 0


def test_an_outsider_gets_404_for_a_region_outside_their_scope(client, household, outsider):
    client.force_login(outsider)

    for name in ("needs:household_export", "needs:need_export"):
        assert client.get(reverse(name), {"region": SHAKOU}).status_code == 404
    assert (
        client.get(reverse("needs:household_export"), {"region": "999999999999"}).status_code == 404
    )


def test_an_outsiders_download_of_everything_has_none_of_the_other_county(
    client, household, other_household, outsider
):
    client.force_login(outsider)

    response = client.get(reverse("needs:household_export"))

    rows = _table(b"".join(response.streaming_content))
    assert {r["户编号"] for r in rows} == {other_household.code}


def test_the_excel_page_offers_full_values_only_to_those_who_keep_the_ledger(
    client, worker, county_officer
):
    client.force_login(worker)
    page = client.get(reverse("needs:ledger_excel")).content.decode()
    assert 'name="reason"' in page and reverse("needs:household_import") in page

    client.force_login(county_officer)
    page = client.get(reverse("needs:ledger_excel")).content.decode()
    assert 'name="reason"' not in page and reverse("needs:household_import") not in page


def test_the_full_download_needs_a_reason_and_is_logged_once(client, household, worker):
    client.force_login(worker)
    url = reverse("needs:household_export")

    refused = client.post(url, {"region": SHAKOU, "reason": ""})
    assert refused.status_code == 400
    assert _sensitive_reads().count() == 0

    response = client.post(url, {"region": SHAKOU, "reason": "年度核对"}, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 200
    mother = household.members.get(name="陈秀英")
    assert mother.id_number in repr(_cells(b"".join(response.streaming_content)))
    assert AccessLog.objects.filter(field=excel.FULL_EXPORT_FIELD, reason="年度核对").count() == 1


def test_civil_affairs_gets_404_for_the_full_download(client, household, county_officer):
    client.force_login(county_officer)

    response = client.post(reverse("needs:household_export"), {"region": SHAKOU, "reason": "核对"})

    assert response.status_code == 404
    assert _sensitive_reads().count() == 0
    masked = client.get(reverse("needs:household_export"), {"region": SHAKOU})
    assert masked.status_code == 200


# --- Template --------------------------------------------------------------------------------


def test_the_template_has_the_headers_an_example_row_and_instructions(worker):
    wb = load_workbook(io.BytesIO(excel.import_template(user=worker)))

    assert wb.sheetnames == [excel.SUMMARY_SHEET, excel.INSTRUCTIONS_SHEET]
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert rows[1] == HEADERS
    assert rows[2][0] == excel.EXAMPLE_CODE
    help_rows = [list(r) for r in wb[excel.INSTRUCTIONS_SHEET].iter_rows(values_only=True)]
    relation = next(r for r in help_rows if r[0] == "与户主关系")
    assert str(Member.Relation.HEAD.label) in relation[3]


def test_the_template_alone_imports_nothing_because_its_example_row_is_skipped(worker):
    with pytest.raises(excel.ImportRefused):
        excel.household_import(
            user=worker, data=excel.import_template(user=worker), filename="t.xlsx", dry_run=True
        )


def test_civil_affairs_gets_404_for_the_import_pages(client, county_officer):
    client.force_login(county_officer)

    assert client.get(reverse("needs:household_import")).status_code == 404
    assert client.get(reverse("needs:import_template")).status_code == 404


def test_a_worker_downloads_the_template(client, worker):
    client.force_login(worker)

    response = client.get(reverse("needs:import_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX


# --- Import ----------------------------------------------------------------------------------


def test_it_creates_households_and_members_from_new_rows(worker, regions):
    dibao = str(AssistanceStatus.DIBAO.label)
    rows = _new_household_rows(
        people=[
            _person("赵大海", phone=13712340000, statuses=f"{dibao}、temporary_assistance"),
            _person("赵小芳", relation="child", age=9, sex="female", tags="Left-behind child"),
        ],
        gap_class="covered_still_in_difficulty",
        income_per_capita="1,200.5元",
    )
    rows += [
        _row(
            code="PLATFORM-002",
            region_code=int(SHAKOU),
            address="沙口村 5 号",
            **_person("钱多多", relation="Head of household"),
        )
    ]

    report = _import(worker, rows)

    assert report.ok, report.errors
    assert (report.households_created, report.members_created) == (2, 3)
    zhao = Household.objects.get(external_ref="PLATFORM-001")
    assert zhao.income_per_capita == Decimal("1200.50")
    assert zhao.gap_class == "covered_still_in_difficulty"
    assert zhao.worker == worker and zhao.station == regions["township_a1"]
    head = zhao.members.get(name="赵大海")
    assert head.phone == "13712340000"
    assert set(head.assistance.values_list("status", flat=True)) == {
        "dibao",
        "temporary_assistance",
    }
    child = zhao.members.get(name="赵小芳")
    assert list(child.tags.values_list("tag", flat=True)) == ["left_behind_child"]
    assert child.relation == "child" and child.sex == "female"


def test_a_bad_row_writes_nothing_and_the_report_names_its_row_and_column(household, worker):
    mother = household.members.get(name="陈秀英")
    good = id_number(SHAKOU, born=born_years_ago(30))
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        _row(
            code=household.code,
            region_code=SHAKOU,
            address="新地址 1 号",
            name="陈秀英",
            relation="户主",
            id_number=mother.id_number,
        ),
        *_new_household_rows("PLATFORM-001", people=[_person("孙一")]),
        *_new_household_rows("PLATFORM-002", people=[_person("周五", id_number=bad)]),
    ]
    before = _snapshot()

    report = _import(worker, rows)

    assert not report.ok
    assert _errors(report) == [(5, "身份证号码")]
    assert report.errors[0].value == bad
    assert _snapshot() == before


def test_a_full_export_imported_again_changes_nothing(household, varied_household, worker):
    data = excel.household_export_full(user=worker, region=None, reason="备份")
    before = _snapshot()

    report = excel.household_import(user=worker, data=data, filename="export.xlsx", dry_run=False)

    assert report.ok, report.errors
    assert (report.households_created, report.households_updated) == (0, 0)
    assert (report.members_created, report.members_updated) == (0, 0)
    assert report.households_unchanged == 2
    assert _snapshot() == before


def test_a_masked_export_cannot_overwrite_the_full_values(household, worker):
    data = excel.household_workbook(user=worker, region=None)
    before = _snapshot()

    report = excel.household_import(user=worker, data=data, filename="export.xlsx", dry_run=False)

    assert not report.ok
    # The birth date too: beside a masked ID number only its year is exported.
    assert {column for _row, column in _errors(report)} == {
        "身份证号码",
        "出生日期",
        "联系电话",
        "健康状况",
    }
    assert _snapshot() == before


def test_an_imported_formula_is_stored_as_its_text_and_exported_as_a_string(worker):
    formula = '=HYPERLINK("http://evil.example","点我")'
    rows = _new_household_rows(address=formula)

    report = _import(worker, rows)

    assert report.ok, report.errors
    assert Household.objects.get().address == formula
    ws = load_workbook(io.BytesIO(excel.household_workbook(user=worker, region=None))).worksheets[0]
    cell = ws.cell(row=3, column=HEADERS.index("家庭住址") + 1)
    assert (cell.value, cell.data_type) == (formula, "s")


def test_a_preview_writes_nothing_and_the_confirmation_writes(household, worker):
    rows = _new_household_rows(people=[_person("吴一"), _person("吴二", relation="子女", age=12)])
    rows.append(
        _row(
            code=household.code,
            region_code=SHAKOU,
            address="沙口村 100 号",
            name="陈小红",
            relation="子女",
            id_number=id_number(SHAKOU, born=born_years_ago(6), sex="female"),
        )
    )
    before = _snapshot()

    preview = _import(worker, rows, dry_run=True)

    assert preview.ok and preview.dry_run and not preview.written
    assert (preview.households_created, preview.households_updated) == (1, 1)
    assert preview.members_created == 3
    assert _snapshot() == before

    done = _import(worker, rows)

    assert done.written
    assert (done.households_created, done.households_updated, done.members_created) == (1, 1, 3)
    household.refresh_from_db()
    assert household.address == "沙口村 100 号"
    assert sorted(household.members.values_list("name", flat=True)) == [
        "陈小明",
        "陈小红",
        "陈秀英",
    ]


def test_members_left_out_of_the_sheet_are_kept_and_existing_ones_keep_their_id(household, worker):
    mother = household.members.get(name="陈秀英")
    rows = [
        _row(
            code=household.code,
            region_code=SHAKOU,
            address="沙口村 12 号",
            name="陈秀英",
            relation="户主",
            id_number=mother.id_number,
            phone="13799998888",
            statuses=str(AssistanceStatus.DIBAO.label),
        )
    ]

    report = _import(worker, rows)

    assert report.ok, report.errors
    assert (report.households_updated, report.members_updated, report.members_created) == (1, 1, 0)
    mother.refresh_from_db()
    assert mother.phone == "13799998888"
    assert household.members.filter(name="陈小明", left_at__isnull=True).exists()


def test_a_household_is_found_by_its_number_in_the_source_system(varied_household, worker):
    rows = [
        _row(
            code="DB440000123",
            region_code=SHAKOU,
            address="改过的地址",
            **_person("新成员", relation="其他"),
        )
    ]

    report = _import(worker, rows)

    assert report.ok, report.errors
    assert report.households_updated == 1 and report.members_created == 1
    varied_household.refresh_from_db()
    assert varied_household.address == "改过的地址"
    assert varied_household.external_ref == "DB440000123"


def test_an_unknown_household_number_of_ours_is_an_error_not_a_new_household(
    worker, other_household
):
    rows = _new_household_rows(other_household.code)

    report = _import(worker, rows)

    assert _errors(report) == [(3, "户编号")]
    assert Household.objects.count() == 1


def test_it_refuses_a_row_for_a_region_outside_the_users_township(worker, household):
    before = _snapshot()
    rows = [
        *_new_household_rows("PLATFORM-001"),
        *_new_household_rows("PLATFORM-002", region=WANGBU),
        *_new_household_rows("PLATFORM-003", region=TAIHE),
    ]

    report = _import(worker, rows)

    assert _errors(report) == [(4, "村(社区)/乡镇(街道)代码"), (5, "村(社区)/乡镇(街道)代码")]
    assert _snapshot() == before


def test_an_id_number_registered_in_another_township_is_reported_without_naming_it(
    worker, other_household
):
    elsewhere = other_household.members.get()
    rows = _new_household_rows(
        people=[_person("甲"), _person("黄志强", relation="父母", id_number=elsewhere.id_number)]
    )

    report = _import(worker, rows)

    assert _errors(report) == [(4, "身份证号码")]
    message = str(report.errors[0].message)
    assert message == gettext("Already registered in another township.")
    assert other_household.code not in message
    assert Household.objects.count() == 1


def test_the_same_id_number_in_two_households_of_the_sheet_is_reported(worker):
    same = id_number(SHAKOU, born=born_years_ago(40))
    rows = [
        *_new_household_rows("A-1", people=[_person("甲", id_number=same)]),
        *_new_household_rows("A-2", people=[_person("乙", id_number=same)]),
    ]

    report = _import(worker, rows)

    assert _errors(report) == [(4, "身份证号码")]
    assert Household.objects.count() == 0


def test_service_errors_are_mapped_to_rows_and_columns(worker):
    rows = _new_household_rows(people=[_person("甲"), _person("乙")])  # two heads
    rows += _new_household_rows(
        "B-1",
        people=[
            {"name": "丙", "relation": "户主", "birth_date": "1980-02-30"},
            {"name": "丁", "relation": "子女", "disability_grade": "五级", "sex": "男"},
        ],
    )

    report = _import(worker, rows)

    assert (3, "") in _errors(report)
    assert (5, "出生日期") in _errors(report)
    assert (6, "残疾等级") in _errors(report)
    assert Household.objects.count() == 0


def test_household_columns_must_agree_between_the_rows_of_a_household(worker):
    rows = _new_household_rows(people=[_person("甲"), _person("乙", relation="配偶")])
    rows[1][HEADERS.index("家庭住址")] = "另一个地址"

    report = _import(worker, rows)

    assert _errors(report) == [(4, "家庭住址")]


def test_a_responsible_worker_must_belong_to_the_township(worker, colleague, outsider):
    rows = _new_household_rows("A-1", worker="colleague")
    rows += _new_household_rows("A-2", worker="outsider")

    report = _import(worker, rows)

    assert _errors(report) == [(4, "责任社工")]


def test_a_household_keeps_its_worker_after_the_account_was_disabled(household, worker, colleague):
    data = excel.household_export_full(user=colleague, region=None, reason="交接")
    worker.is_active = False
    worker.save(update_fields=["is_active"])

    report = excel.household_import(user=colleague, data=data, filename="x.xlsx", dry_run=False)

    assert report.ok, report.errors
    assert report.households_unchanged == 1


def test_an_administrator_imports_for_a_named_worker(administrator, worker):
    report = _import(administrator, _new_household_rows(worker="worker"))

    assert report.ok, report.errors
    assert Household.objects.get().worker == worker


def test_a_civil_affairs_officer_may_not_import(county_officer):
    with pytest.raises(PermissionDenied):
        _import(county_officer, _new_household_rows())


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"name,id\n\xe5\xbc\xa0\xe4\xb8\x89,1\n", "households.csv"),
        (b"name,id\n", "households.xlsx"),
        (b"PK\x03\x04 broken", "households.xlsx"),
    ],
)
def test_it_refuses_a_file_that_is_not_an_xlsx_workbook(worker, data, filename):
    with pytest.raises(excel.ImportRefused):
        excel.household_import(user=worker, data=data, filename=filename, dry_run=True)


def test_it_refuses_a_sheet_without_the_header_row(worker):
    wb = Workbook()
    wb.active.append(["foo", "bar"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(excel.ImportRefused):
        excel.household_import(user=worker, data=out.getvalue(), filename="x.xlsx", dry_run=True)


def test_it_refuses_too_many_rows(worker, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 2)
    rows = _new_household_rows(people=[_person("甲"), _person("乙"), _person("丙")])

    with pytest.raises(excel.ImportRefused):
        _import(worker, rows, dry_run=True)


def test_it_refuses_a_file_that_is_too_large(worker, monkeypatch):
    monkeypatch.setattr(excel, "MAX_UPLOAD_BYTES", 100)

    with pytest.raises(excel.ImportRefused):
        _import(worker, _new_household_rows(), dry_run=True)


def test_the_header_row_may_be_the_first_row(worker):
    data = _workbook(_new_household_rows(), title=False)

    report = excel.household_import(user=worker, data=data, filename="x.xlsx", dry_run=False)

    assert report.ok and report.households_created == 1


# --- Import views ----------------------------------------------------------------------------


def _upload(data: bytes, name: str = "households.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=XLSX)


def test_the_import_page_previews_then_confirms(client, worker):
    client.force_login(worker)
    url = reverse("needs:household_import")
    assert client.get(url).status_code == 200
    data = _workbook(_new_household_rows())

    preview = client.post(url, {"action": "preview", "file": _upload(data)})

    assert preview.status_code == 200
    assert Household.objects.count() == 0
    token = client.session[excel_views_session_key()]["token"]
    assert "data" in client.session[excel_views_session_key()]
    stored = repr(dict(client.session))
    assert base64.b64encode(data).decode()[:60] not in stored  # encrypted at rest

    done = client.post(url, {"action": "confirm", "token": token})

    assert done.status_code == 200
    assert Household.objects.count() == 1
    assert excel_views_session_key() not in client.session
    again = client.post(url, {"action": "confirm", "token": token})
    assert again.status_code == 302 and Household.objects.count() == 1


def test_a_large_file_is_chosen_again_for_the_confirmation(client, worker, monkeypatch):
    from needs import views_excel

    monkeypatch.setattr(views_excel.IMPORT, "stash_max_bytes", 10)
    client.force_login(worker)
    url = reverse("needs:household_import")
    data = _workbook(_new_household_rows())
    client.post(url, {"action": "preview", "file": _upload(data)})
    token = client.session[excel_views_session_key()]["token"]
    other = _workbook(_new_household_rows("OTHER"))

    wrong = client.post(url, {"action": "confirm", "token": token, "file": _upload(other)})
    assert wrong.status_code == 400 and Household.objects.count() == 0

    done = client.post(url, {"action": "confirm", "token": token, "file": _upload(data)})
    assert done.status_code == 200
    assert Household.objects.get().external_ref == "PLATFORM-001"


def test_the_import_page_shows_row_errors_and_writes_nothing(client, worker):
    client.force_login(worker)
    rows = _new_household_rows(region=TAIHE)

    response = client.post(
        reverse("needs:household_import"), {"action": "preview", "file": _upload(_workbook(rows))}
    )

    assert response.status_code == 400
    assert "村(社区)/乡镇(街道)代码" in response.content.decode()
    assert 'name="token"' not in response.content.decode()
    assert Household.objects.count() == 0


def test_a_non_xlsx_upload_gets_a_clear_message(client, worker):
    client.force_login(worker)

    response = client.post(
        reverse("needs:household_import"),
        {"action": "preview", "file": _upload(b"a,b\n1,2\n", "households.csv")},
    )

    assert response.status_code == 400
    assert (
        gettext("Only Excel workbooks (.xlsx) can be imported. Save the file as “Excel Workbook”.")
        in response.content.decode()
    )
    assert Household.objects.count() == 0


def excel_views_session_key() -> str:
    from needs import views_excel

    return views_excel.IMPORT.session_key


def test_a_masked_export_gives_only_the_birth_year_beside_a_masked_id(worker, household):
    data = excel.household_workbook(user=worker, region=None, full=False)
    son = household.members.get(name="陈小明")
    rows = [r for r in _table(data) if r["姓名"] == "陈小明"]
    assert rows and str(rows[0]["出生日期"]) == str(son.birth_date.year)


# --- Damaged and over-limit workbooks ----------------------------------------------------------

SUMMARY_PART = "xl/worksheets/sheet1.xml"


def _damaged(kind: str) -> tuple[bytes, str]:
    """A household of one person whose row 3 holds a damaged cell of ``kind``: the birth date
    (a date cell) for the kinds about dates, else the name. Returns the file and the cell."""
    born = born_years_ago(40)
    rows = _new_household_rows(people=[_person(age=40, birth_date=born)])
    ref = "P3" if "date" in kind else "L3"
    data = workbooks.damage_cell(_workbook(rows), SUMMARY_PART, ref, kind, style_ref="P3")
    return data, ref


@pytest.mark.parametrize("kind", sorted(workbooks.DAMAGED_CELLS))
def test_a_damaged_cell_is_a_row_error_of_the_preview_and_nothing_is_written(client, worker, kind):
    """GIVEN a workbook whose cell cannot be read (text in a number cell, a date that is none,
    a shared string that does not exist, a boolean that is neither 0 nor 1, an Excel error)
    WHEN it is previewed THEN the report names the sheet, row and column, and nothing is
    written (a server error before, or the cell imported as "True" or "#N/A")."""
    client.force_login(worker)
    data, ref = _damaged(kind)

    response = client.post(
        reverse("needs:household_import"), {"action": "preview", "file": _upload(data)}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert f"{ref}" in body and excel.SUMMARY_SHEET in body
    header = "出生日期" if ref == "P3" else "姓名"
    assert f'data-label="列">{header}<' in body or f">{header}</td>" in body
    assert 'name="token"' not in body
    assert Household.objects.count() == 0


def test_a_damaged_cell_stops_the_whole_import(worker, household):
    """All or nothing: a good household beside a damaged row is not written either."""
    rows = [
        *_new_household_rows("PLATFORM-001", people=[_person("孙一")]),
        *_new_household_rows("PLATFORM-002", people=[_person("周五")]),
    ]
    data = workbooks.damage_cell(_workbook(rows), SUMMARY_PART, "L4", "a_boolean_neither_0_nor_1")
    before = _snapshot()

    report = excel.household_import(user=worker, data=data, filename="x.xlsx", dry_run=False)

    assert _errors(report) == [(4, "姓名")]
    assert "L4" in report.errors[0].message and excel.SUMMARY_SHEET in report.errors[0].message
    assert report.errors[0].value == "7"
    assert _snapshot() == before


def test_a_damaged_row_number_or_sheet_is_refused_with_the_sheet_named(client, worker):
    client.force_login(worker)
    data = _workbook(_new_household_rows())
    rows = workbooks.patch_part(
        data, SUMMARY_PART, lambda xml: xml.replace('<row r="3"', '<row r="x"')
    )
    broken = workbooks.patch_part(
        data, SUMMARY_PART, lambda xml: xml.replace("</sheetData>", "<row")
    )

    assert excel.household_import(user=worker, data=rows, filename="x.xlsx", dry_run=True).ok
    response = client.post(
        reverse("needs:household_import"), {"action": "preview", "file": _upload(broken)}
    )
    assert response.status_code == 400
    assert excel.SUMMARY_SHEET in response.content.decode()
    assert Household.objects.count() == 0


OVER_LIMIT = {
    # Every row holds a name: 400,000 data rows.
    "data_rows": '<c r="L{n}" t="inlineStr"><is><t>张三</t></is></c>',
    # Formatted but empty rows: before, each was read and skipped.
    "blank_rows": '<c r="L{n}" s="0"/>',
    # Rows marked as the template's example: before, each was read and skipped.
    "example_rows": '<c r="A{n}" t="inlineStr"><is><t>示例</t></is></c>',
}


@pytest.mark.parametrize("dimension", ["A1:W400002", ""], ids=["true_dimension", "false_dimension"])
@pytest.mark.parametrize("rows", sorted(OVER_LIMIT))
def test_a_sheet_over_the_row_limit_is_refused_while_it_is_read(
    worker, rows, dimension, monkeypatch
):
    """GIVEN a sheet of 400,000 rows (or one whose <dimension> claims 2 rows while it holds
    400,000) WHEN it is imported THEN it is refused at the row past the limit, quickly (9 to
    16 s before, or the rows past the claimed dimension silently left out)."""
    parsed = workbooks.count_parsed_rows(monkeypatch)
    data = workbooks.with_many_rows(
        _workbook([]),
        SUMMARY_PART,
        rows=400_000,
        first=3,
        cell=OVER_LIMIT[rows],
        dimension=dimension,
    )
    started = time.perf_counter()

    with pytest.raises(excel.ImportRefused) as refused:
        excel.household_import(user=worker, data=data, filename="x.xlsx", dry_run=True)

    elapsed = time.perf_counter() - started
    assert str(excel.MAX_ROWS) in refused.value.messages[0]
    # Stopped at the limit (the header search reads a few rows first), not at row 400,002.
    assert len(parsed) <= excel.HEADER_SEARCH_ROWS + 2 + 2 * excel.MAX_ROWS
    assert elapsed < 5.0, f"{elapsed:.2f} s"  # about 0.5 s; generous, so as never to flake


def test_an_empty_value_is_an_empty_cell_not_a_damaged_one(worker):
    """``<v></v>`` in a date, shared-string or boolean cell is what openpyxl reads as empty."""
    born = born_years_ago(40)
    person = _person(age=40, birth_date=born, school_or_work="x", disability_type="肢体")
    data = _workbook(_new_household_rows(people=[person]))
    for ref, cell in (
        ("P3", '<c r="{ref}" s="{style}"><v></v></c>'),
        ("W3", '<c r="{ref}" t="s"><v></v></c>'),
        ("T3", '<c r="{ref}" t="b"><v></v></c>'),
    ):
        data = workbooks.damage_cell(data, SUMMARY_PART, ref, cell, style_ref="P3")

    report = excel.household_import(user=worker, data=data, filename="x.xlsx", dry_run=True)

    assert report.ok, report.errors


def test_damaged_parts_of_a_sheet_that_import_does_not_read_are_ignored(worker):
    """Column widths, merged cells, conditional formats and validations are no data: one that
    openpyxl cannot parse no longer refuses the sheet."""
    data = _workbook(_new_household_rows())
    extra = (
        '<mergeCells><mergeCell ref="ZZZZ"/></mergeCells>'
        '<conditionalFormatting sqref="A1"><cfRule type="bogus" priority="x"/>'
        "</conditionalFormatting>"
    )
    data = workbooks.patch_part(
        data, SUMMARY_PART, lambda xml: xml.replace("</sheetData>", "</sheetData>" + extra)
    )

    report = excel.household_import(user=worker, data=data, filename="x.xlsx", dry_run=True)

    assert report.ok and report.households_created == 1
