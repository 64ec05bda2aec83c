"""Excel export and import of a tier's supply ledger (supply.excel, supply.views_excel)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import time
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook
from stdnum.cn import uscc

from accounts import xlsx
from accounts.taxonomies import CharityArea
from supply import excel, services
from supply.models import Organization, Project, ProjectCoverage, ProjectTerm

from .. import workbooks
from ..factories import UserFactory
from .conftest import TERMS, listing, make_org

pytestmark = pytest.mark.django_db

ORG, PROJECT = excel.ORG_SHEET, excel.PROJECT_SHEET
YINGDE, QINGXIN = "441881000000", "441803000000"
SHAKOU = "441881101000"


def code(body: str) -> str:
    """A credit code that passes the GB 32100 check."""
    return body + uscc.calc_check_digit(body)


NEW_CODE = code("51441881MJ0000005")
OTHER_CODE = code("52441881MJ0000006")
FAILING_CODE = OTHER_CODE[:-1] + ("0" if OTHER_CODE[-1] != "0" else "1")


# --- Helpers ---------------------------------------------------------------------------------


def _org_row(**values) -> list:
    base = {"credit_code": NEW_CODE, "name": "英德市助老服务中心", "org_type": "社会服务机构"}
    base.update(values)
    return [base.get(c.key) for c in excel.ORG_COLUMNS]


def _project_row(**values) -> list:
    base = {
        "credit_code": NEW_CODE,
        "title": "独居老人助餐",
        "description": "为独居老人每日送一餐",
        "area": "扶老",
        "form": "生活照料(助餐、助洁、助浴)、资金",
        "status": "低保对象、特困人员",
        "tag": "独居老人",
        "age_min": 60,
        "capacity": 30,
        "value_per_beneficiary": "1,200.5元",
        "application_process": "社工协助申请",
        "starts_on": "2026-01-01",
        "coverage": f"{SHAKOU}、441881102000",
    }
    base.update(values)
    return [base.get(c.key) for c in excel.PROJECT_COLUMNS]


def _workbook(orgs: list[list] | None = None, projects: list[list] | None = None) -> bytes:
    """A workbook as a user would fill it in: a title row, the header row, the data rows."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, columns, rows in (
        (ORG, excel.ORG_COLUMNS, orgs),
        (PROJECT, excel.PROJECT_COLUMNS, projects),
    ):
        if rows is None:
            continue
        ws = wb.create_sheet(name)
        ws.append([f"英德市 {name}"])
        ws.append([c.header for c in columns])
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(user, orgs=None, projects=None, *, dry_run=False):
    return excel.ledger_import(
        user=user, data=_workbook(orgs, projects), filename="ledger.xlsx", dry_run=dry_run
    )


def _errors(report) -> list[tuple[str, int, str]]:
    return [(e.sheet, e.row, e.column) for e in report.errors]


def _snapshot() -> dict[str, list[dict]]:
    return {
        "organizations": list(Organization.objects.order_by("pk").values()),
        "projects": list(Project.objects.order_by("pk").values()),
        "terms": list(ProjectTerm.objects.order_by("pk").values()),
        "coverage": list(ProjectCoverage.objects.order_by("pk").values()),
    }


def _rows(data: bytes, sheet: str) -> list[dict]:
    """The data rows of a sheet as dicts keyed by header."""
    ws = load_workbook(io.BytesIO(data))[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [dict(zip(rows[1], row, strict=False)) for row in rows[2:]]


def _upload(data: bytes, name: str = "ledger.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=excel.XLSX_CONTENT_TYPE)


@pytest.fixture
def other_county_org(other_county_officer, regions):
    """An organisation registered with 清新区 civil affairs, with a published project."""
    organization = make_org(
        other_county_officer,
        regions["county_b"],
        code=code("51441803MJ0000007"),
        name="清新区慈善会",
    )
    project = services.project_save(
        user=other_county_officer,
        organization=organization,
        fields=listing(title="清新区助学"),
        terms=TERMS,
        coverage=[regions["county_b"]],
    )
    services.project_transition(
        user=other_county_officer, project=project, to=Project.Status.PENDING_REVIEW
    )
    services.project_transition(
        user=other_county_officer, project=project, to=Project.Status.PUBLISHED
    )
    return organization


@pytest.fixture
def social_worker(worker):
    return worker


# --- Import ----------------------------------------------------------------------------------


def test_it_creates_organisations_and_draft_projects_from_new_rows(county_officer, regions):
    report = _import(
        county_officer,
        orgs=[
            _org_row(
                charity_status="登记为慈善组织",
                charity_status_on="2021-03-01",
                public_fundraising="是",
                contact_phone=7632222222,
            )
        ],
        projects=[_project_row()],
    )

    assert report.ok, report.errors
    assert (report.organizations_created, report.projects_created) == (1, 1)
    organization = Organization.objects.get(credit_code=NEW_CODE)
    assert organization.registering_region == regions["county_a"]  # empty: the officer's own
    assert organization.org_type == "service_institution"
    assert (organization.charity_status, organization.charity_status_on) == (
        "registered",
        dt.date(2021, 3, 1),
    )
    assert organization.public_fundraising and organization.contact_phone == "7632222222"
    project = organization.projects.get()
    assert project.status == Project.Status.DRAFT
    assert project.value_per_beneficiary == Decimal("1200.50") and project.age_min == 60
    terms = set(project.terms.values_list("kind", "value"))
    assert terms == {
        ("area", "elderly_support"),
        ("form", "daily_living"),
        ("form", "cash"),
        ("status", "dibao"),
        ("status", "tekun"),
        ("tag", "elder_alone"),
    }
    assert set(project.coverage.values_list("region_id", flat=True)) == {SHAKOU, "441881102000"}


def test_an_update_cannot_give_a_fundraising_qualification_without_a_charitable_status(
    county_officer,
):
    """The rules of a charitable status hold on an import's update as on the form and API."""
    assert _import(county_officer, orgs=[_org_row()]).ok
    before = _snapshot()
    report = _import(county_officer, orgs=[_org_row(public_fundraising="是")])
    assert not report.ok
    assert [(e.sheet, e.column) for e in report.errors] == [(excel.ORG_SHEET, "公开募捐资格")], (
        report.errors
    )
    assert _snapshot() == before


def test_it_writes_nothing_when_one_row_is_bad_and_names_its_row_and_column(county_officer):
    before = _snapshot()

    report = _import(
        county_officer,
        orgs=[
            _org_row(),
            _org_row(credit_code=OTHER_CODE, name="英德市助学会", org_type="合作社"),
        ],
        projects=[_project_row()],
    )

    assert not report.ok and not report.written
    assert _errors(report) == [(ORG, 4, "类型")]
    assert report.errors[0].value == "合作社"
    assert _snapshot() == before


def test_it_reports_the_same_credit_code_twice_in_the_file(county_officer):
    report = _import(county_officer, orgs=[_org_row(), _org_row(name="别名")])

    assert _errors(report) == [(ORG, 4, "统一社会信用代码")]
    assert report.errors[0].message == gettext("The same credit code is on row %(row)s.") % {
        "row": 3
    }
    assert Organization.objects.count() == 0


def test_it_reports_the_same_project_title_twice_for_one_organisation(county_officer):
    report = _import(
        county_officer,
        orgs=[_org_row()],
        projects=[_project_row(), _project_row(description="另一份简介")],
    )

    assert _errors(report) == [(PROJECT, 4, "项目名称")]
    assert report.errors[0].message == gettext(
        "The same project title for this organisation is on row %(row)s."
    ) % {"row": 3}
    assert Organization.objects.count() == 0 and Project.objects.count() == 0


def test_it_keeps_a_code_failing_the_check_with_a_warning(county_officer):
    report = _import(county_officer, orgs=[_org_row(credit_code=FAILING_CODE.lower())])

    assert report.ok, report.errors
    assert [(w.sheet, w.row, w.column) for w in report.warnings] == [(ORG, 3, "统一社会信用代码")]
    organization = Organization.objects.get()
    assert (organization.credit_code, organization.credit_code_valid) == (FAILING_CODE, False)


@pytest.mark.parametrize("bad", ["51441881MJ000000", "51441881MJ0000001I", 9144030070846113])
def test_it_refuses_a_malformed_credit_code(county_officer, bad):
    report = _import(county_officer, orgs=[_org_row(credit_code=bad)])

    assert _errors(report) == [(ORG, 3, "统一社会信用代码")]
    assert Organization.objects.count() == 0


def test_it_stores_formulas_as_text_and_exports_them_as_string_cells(county_officer):
    formula = '=HYPERLINK("http://evil.example","点我")'
    report = _import(
        county_officer,
        orgs=[_org_row(address=formula, contact_name="@admin")],
        projects=[_project_row(description="+1 份米面油", conditions="-仅限本镇")],
    )
    assert report.ok, report.errors
    organization = Organization.objects.get()
    assert (organization.address, organization.contact_name) == (formula, "@admin")
    project = Project.objects.get()
    assert (project.description, project.conditions) == ("+1 份米面油", "-仅限本镇")

    data = excel.ledger_workbook(user=county_officer)

    wb = load_workbook(io.BytesIO(data))
    for sheet, column, value in (
        (ORG, "地址", formula),
        (ORG, "联系人", "@admin"),
        (PROJECT, "项目简介", "+1 份米面油"),
        (PROJECT, "其他条件", "-仅限本镇"),
    ):
        ws = wb[sheet]
        header = [c.value for c in ws[2]]
        cell = ws.cell(row=3, column=header.index(column) + 1)
        assert (cell.value, cell.data_type) == (value, "s")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode()


def test_a_preview_writes_nothing_and_the_confirmation_writes(county_officer):
    orgs, projects = [_org_row()], [_project_row()]
    before = _snapshot()

    preview = _import(county_officer, orgs, projects, dry_run=True)

    assert preview.ok and preview.dry_run and not preview.written
    assert (preview.organizations_created, preview.projects_created) == (1, 1)
    assert _snapshot() == before

    done = _import(county_officer, orgs, projects)

    assert done.written
    assert Organization.objects.filter(credit_code=NEW_CODE).exists()
    assert Project.objects.get().title == "独居老人助餐"


def test_a_county_officer_cannot_import_organisations_of_another_county(
    county_officer, other_county_org
):
    before = _snapshot()

    report = _import(
        county_officer,
        orgs=[
            _org_row(region_code=QINGXIN),  # new, but registered with the other county
            _org_row(credit_code=other_county_org.credit_code, name="改名"),  # the other's own
        ],
        projects=[_project_row(credit_code=other_county_org.credit_code, title="新项目")],
    )

    assert _errors(report) == [
        (ORG, 3, "登记管理机关区划代码"),
        (ORG, 4, "统一社会信用代码"),
    ]
    assert report.errors[1].message == gettext(
        "An organisation with this code is already registered."
    )
    assert "清新" not in repr(report.errors)
    assert _snapshot() == before


def test_a_project_for_an_organisation_outside_the_ledger_is_an_error(
    county_officer, other_county_org
):
    report = _import(
        county_officer, projects=[_project_row(credit_code=other_county_org.credit_code)]
    )

    assert _errors(report) == [(PROJECT, 3, "统一社会信用代码")]
    assert "清新" not in repr(report.errors)


def test_an_existing_organisation_of_the_tier_is_updated_and_a_draft_through_its_number(
    county_officer, county_org, draft
):
    report = _import(
        county_officer,
        orgs=[
            _org_row(
                credit_code=county_org.credit_code,
                name=county_org.name,
                org_type="社会团体",
                address="英城街道 8 号",
            )
        ],
        projects=[
            _project_row(
                number=draft.pk, credit_code=county_org.credit_code, title="困境儿童助学金（新）"
            )
        ],
    )

    assert report.ok, report.errors
    assert (report.organizations_updated, report.projects_updated) == (1, 1)
    county_org.refresh_from_db()
    draft.refresh_from_db()
    assert county_org.address == "英城街道 8 号"
    assert draft.title == "困境儿童助学金（新）" and draft.status == Project.Status.DRAFT


def test_a_changed_published_listing_is_a_row_error(county_officer, county_org, published):
    data = excel.ledger_workbook(user=county_officer)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[PROJECT]
    header = [c.value for c in ws[2]]
    ws.cell(row=3, column=header.index("项目名称") + 1, value="改过的标题")
    out = io.BytesIO()
    wb.save(out)
    before = _snapshot()

    report = excel.ledger_import(
        user=county_officer, data=out.getvalue(), filename="x.xlsx", dry_run=False
    )

    assert _errors(report) == [(PROJECT, 3, "项目编号")]
    assert report.errors[0].message == gettext(
        "Published listings change through review, not by import."
    )
    assert _snapshot() == before


def test_a_new_row_with_the_title_of_an_existing_project_is_a_duplicate(
    county_officer, county_org, draft
):
    report = _import(
        county_officer,
        projects=[_project_row(credit_code=county_org.credit_code, title=draft.title)],
    )

    assert _errors(report) == [(PROJECT, 3, "项目名称")]
    assert Project.objects.count() == 1


def test_an_administrator_names_the_registering_department(administrator, regions):
    missing = _import(administrator, orgs=[_org_row()])
    assert _errors(missing) == [(ORG, 3, "登记管理机关区划代码")]

    report = _import(administrator, orgs=[_org_row(region_code="441803")])

    assert report.ok, report.errors
    assert Organization.objects.get().registering_region == regions["county_b"]


def test_a_charity_user_or_a_social_worker_may_not_import(charity_user, social_worker):
    for user in (charity_user, social_worker):
        with pytest.raises(PermissionDenied):
            _import(user, orgs=[_org_row()])
    assert Organization.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"name,code\n\xe5\xbc\xa0\xe4\xb8\x89,1\n", "ledger.csv"),
        (b"name,code\n", "ledger.xlsx"),
        (b"PK\x03\x04 broken", "ledger.xlsx"),
    ],
)
def test_it_refuses_a_file_that_is_not_an_xlsx_workbook(county_officer, data, filename):
    with pytest.raises(excel.ImportRefused):
        excel.ledger_import(user=county_officer, data=data, filename=filename, dry_run=True)


def test_it_refuses_a_file_that_is_too_large_packed_or_unpacked(county_officer, monkeypatch):
    data = _workbook([_org_row()])
    monkeypatch.setattr(excel, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(excel.ImportRefused):
        excel.ledger_import(user=county_officer, data=data, filename="x.xlsx", dry_run=True)

    monkeypatch.setattr(excel, "MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(excel, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(excel.ImportRefused):
        excel.ledger_import(user=county_officer, data=data, filename="x.xlsx", dry_run=True)


def test_it_refuses_too_many_rows(county_officer, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 1)
    rows = [_org_row(), _org_row(credit_code=OTHER_CODE)]

    with pytest.raises(excel.ImportRefused):
        _import(county_officer, orgs=rows, dry_run=True)


def _with_part(data: bytes, name: str, transform) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, transform(content) if info.filename == name else content)
    return out.getvalue()


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'
)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_it_refuses_an_xml_bomb(county_officer, part):
    data = _workbook([_org_row(name="&lol2;")])

    def inject(content: bytes) -> bytes:
        body = content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else content
        return BOMB + body.replace(b"&amp;lol2;", b"&lol2;")

    bomb = _with_part(data, part, inject)

    with pytest.raises(excel.ImportRefused) as refused:
        excel.ledger_import(user=county_officer, data=bomb, filename="x.xlsx", dry_run=True)
    assert "XML" in refused.value.messages[0]
    assert Organization.objects.count() == 0


def test_the_template_alone_imports_nothing_because_its_example_rows_are_skipped(county_officer):
    with pytest.raises(excel.ImportRefused):
        excel.ledger_import(
            user=county_officer,
            data=excel.import_template(user=county_officer),
            filename="t.xlsx",
            dry_run=True,
        )


# --- Export ----------------------------------------------------------------------------------


def test_the_template_has_both_sheets_with_the_headers_and_instructions(county_officer):
    wb = load_workbook(io.BytesIO(excel.import_template(user=county_officer)))

    assert wb.sheetnames == [ORG, PROJECT, excel.INSTRUCTIONS_SHEET]
    org_rows = [list(r) for r in wb[ORG].iter_rows(values_only=True)]
    assert org_rows[1] == [
        "统一社会信用代码",
        "名称",
        "类型",
        "登记管理机关区划代码",
        "登记管理机关所在地",
        "慈善组织身份",
        "认定/登记日期",
        "公开募捐资格",
        "联系人",
        "联系电话",
        "地址",
    ]
    assert org_rows[2][0] == excel.EXAMPLE_MARKER
    project_headers = [c.value for c in wb[PROJECT][2]]
    assert project_headers[:3] == ["项目编号", "统一社会信用代码", "项目名称"]
    assert "覆盖区划代码" in project_headers
    help_rows = [list(r) for r in wb[excel.INSTRUCTIONS_SHEET].iter_rows(values_only=True)]
    types = next(r for r in help_rows if r[:2] == [ORG, "类型"])
    assert str(Organization.Type.FOUNDATION.label) in types[4]


def test_the_export_holds_the_tiers_organisations_and_their_projects_only(
    county_officer, county_org, published, other_county_org
):
    data = excel.ledger_workbook(user=county_officer)

    orgs = _rows(data, ORG)
    assert [r["统一社会信用代码"] for r in orgs] == [county_org.credit_code]
    assert orgs[0]["登记管理机关区划代码"] == YINGDE
    projects = _rows(data, PROJECT)
    assert [(r["项目编号"], r["项目名称"]) for r in projects] == [(published.pk, published.title)]
    row = projects[0]
    assert row["状态"] == str(Project.Status.PUBLISHED.label)
    assert row["慈善领域"] == str(CharityArea.EDUCATION_AID.label)
    assert row["覆盖区划代码"] == YINGDE and row["最低年龄"] == 6


def test_the_same_ledger_gives_the_same_file(county_officer, county_org, draft):
    moment = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False) as traveller:
        first = excel.ledger_workbook(user=county_officer)
        traveller.shift(dt.timedelta(minutes=7))
        second = excel.ledger_workbook(user=county_officer)
    assert first == second


def test_an_export_imported_again_changes_nothing(
    county_officer, county_org, draft, published_other
):
    data = excel.ledger_workbook(user=county_officer)
    before = _snapshot()

    report = excel.ledger_import(user=county_officer, data=data, filename="x.xlsx", dry_run=False)

    assert report.ok, report.errors
    assert (report.organizations_unchanged, report.projects_unchanged) == (1, 2)
    assert report.organizations_created + report.organizations_updated == 0
    assert report.projects_created + report.projects_updated == 0
    assert _snapshot() == before


def test_a_city_officer_reimports_an_export_with_the_counties_organisations_unchanged(
    regions, county_org, draft
):
    city_officer = UserFactory(
        username="city_officer", role="civil_affairs", region=regions["city"]
    )
    data = excel.ledger_workbook(user=city_officer)
    assert [r["统一社会信用代码"] for r in _rows(data, ORG)] == [county_org.credit_code]
    before = _snapshot()

    report = excel.ledger_import(user=city_officer, data=data, filename="x.xlsx", dry_run=False)

    assert report.ok, report.errors
    assert _snapshot() == before


@pytest.fixture
def published_other(county_officer, county_org, regions):
    """A second, published project of the county organisation, with every column filled."""
    project = services.project_save(
        user=county_officer,
        organization=county_org,
        fields=listing(
            title="=1+1 助医",
            description="-大病救助",
            value_per_beneficiary=Decimal("5000.5"),
            budget=Decimal("100000"),
            conditions="需县级医院诊断",
            required_documents="诊断书、身份证",
            contact_name="李四",
            contact_phone="0763-1234567",
        ),
        terms={
            "area": ["medical_aid", "poverty_relief"],
            "form": ["cash", "daily_living"],
            "status": [],
            "tag": ["serious_illness"],
        },
        coverage=[regions["township_a1"], regions["township_a2"]],
    )
    services.project_transition(user=county_officer, project=project, to="pending_review")
    return services.project_transition(user=county_officer, project=project, to="published")


# --- Pages -----------------------------------------------------------------------------------


def test_the_excel_page_previews_then_confirms(client, county_officer):
    client.force_login(county_officer)
    page = client.get(reverse("supply:excel"))
    assert page.status_code == 200
    assert reverse("supply:excel_template") in page.content.decode()
    data = _workbook([_org_row()], [_project_row()])
    url = reverse("supply:excel_import")

    preview = client.post(url, {"action": "preview", "file": _upload(data)})

    assert preview.status_code == 200
    assert Organization.objects.count() == 0
    stash = client.session[_session_key()]
    assert base64.b64encode(data).decode()[:60] not in repr(dict(client.session))

    done = client.post(url, {"action": "confirm", "token": stash["token"]})

    assert done.status_code == 200
    assert Organization.objects.count() == 1 and Project.objects.count() == 1
    again = client.post(url, {"action": "confirm", "token": stash["token"]})
    assert again.status_code == 302 and Organization.objects.count() == 1


def test_a_large_file_is_chosen_again_for_the_confirmation(client, county_officer, monkeypatch):
    from supply import views_excel

    monkeypatch.setattr(views_excel.IMPORT, "stash_max_bytes", 10)
    client.force_login(county_officer)
    url = reverse("supply:excel_import")
    data = _workbook([_org_row()])
    client.post(url, {"action": "preview", "file": _upload(data)})
    token = client.session[_session_key()]["token"]

    other = _workbook([_org_row(credit_code=OTHER_CODE)])
    wrong = client.post(url, {"action": "confirm", "token": token, "file": _upload(other)})
    assert wrong.status_code == 400 and Organization.objects.count() == 0

    done = client.post(url, {"action": "confirm", "token": token, "file": _upload(data)})
    assert done.status_code == 200
    assert Organization.objects.get().credit_code == NEW_CODE


def test_the_page_shows_row_errors_and_offers_no_confirmation(client, county_officer):
    client.force_login(county_officer)

    response = client.post(
        reverse("supply:excel_import"),
        {
            "action": "preview",
            "file": _upload(
                _workbook([_org_row(org_type="合作社"), _org_row(credit_code=FAILING_CODE)])
            ),
        },
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "类型" in body and "合作社" in body
    assert FAILING_CODE in body  # the warning
    assert 'name="token"' not in body
    assert Organization.objects.count() == 0


def test_a_non_xlsx_or_oversized_upload_gets_a_clear_message(client, county_officer, monkeypatch):
    client.force_login(county_officer)
    url = reverse("supply:excel_import")

    response = client.post(url, {"action": "preview", "file": _upload(b"a,b\n", "ledger.csv")})

    assert response.status_code == 400
    assert (
        gettext("Only Excel workbooks (.xlsx) can be imported. Save the file as “Excel Workbook”.")
        in response.content.decode()
    )
    monkeypatch.setattr(excel, "MAX_UPLOAD_BYTES", 100)
    too_big = client.post(url, {"action": "preview", "file": _upload(_workbook([_org_row()]))})
    assert too_big.status_code == 400
    assert Organization.objects.count() == 0


def test_the_export_downloads_with_a_chinese_file_name(client, county_officer, county_org):
    client.force_login(county_officer)

    response = client.get(reverse("supply:excel_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "no-store" in response["Cache-Control"]
    rows = _rows(b"".join(response.streaming_content), ORG)
    assert [r["名称"] for r in rows] == [county_org.name]


def test_charity_staff_and_social_workers_get_404(client, charity_user, social_worker):
    data = _workbook([_org_row()])
    for user in (charity_user, social_worker):
        client.force_login(user)
        for name in ("supply:excel", "supply:excel_export", "supply:excel_template"):
            assert client.get(reverse(name)).status_code == 404
        response = client.post(
            reverse("supply:excel_import"), {"action": "preview", "file": _upload(data)}
        )
        assert response.status_code == 404
    assert Organization.objects.count() == 0


def _session_key() -> str:
    from supply import views_excel

    return views_excel.IMPORT.session_key


def test_shared_cells_keep_formula_text_as_strings():
    """accounts.xlsx is what both apps write with."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    cells = [xlsx.cell(ws, v) for v in ("=1+1", "+86", "-3", "@a", "plain")]
    assert [c.data_type for c in cells] == ["s"] * 5


# --- Damaged and over-limit workbooks ----------------------------------------------------------

ORG_PART, PROJECT_PART = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"


@pytest.mark.parametrize("kind", sorted(workbooks.DAMAGED_CELLS))
def test_a_damaged_cell_is_a_row_error_of_the_preview_and_nothing_is_written(
    client, county_officer, kind
):
    """GIVEN a ledger whose project row holds a cell that cannot be read (the start date for
    the kinds about dates, else the title) WHEN it is previewed THEN the report names the
    sheet, row and column, and nothing is written (a server error before, or the cell imported
    as "True" or "#N/A")."""
    client.force_login(county_officer)
    ref, header = ("S3", "开始日期") if "date" in kind else ("C3", "项目名称")
    data = workbooks.damage_cell(
        _workbook([_org_row()], [_project_row(starts_on=dt.date(2026, 1, 1))]),
        PROJECT_PART,
        ref,
        kind,
        style_ref="S3",
    )

    response = client.post(
        reverse("supply:excel_import"), {"action": "preview", "file": _upload(data)}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert f"{ref}" in body and f">{PROJECT}</td>" in body and f">{header}</td>" in body
    assert 'name="token"' not in body
    assert Organization.objects.count() == 0 and Project.objects.count() == 0


def test_a_damaged_cell_of_the_organisation_sheet_names_that_sheet(county_officer):
    data = workbooks.damage_cell(
        _workbook([_org_row(), _org_row(credit_code=OTHER_CODE)]),
        ORG_PART,
        "B4",
        "text_in_a_number_cell",
    )
    before = _snapshot()

    report = excel.ledger_import(user=county_officer, data=data, filename="x.xlsx", dry_run=False)

    assert _errors(report) == [(ORG, 4, "名称")]
    assert "B4" in report.errors[0].message and ORG in report.errors[0].message
    assert _snapshot() == before  # the good row is not written either


@pytest.mark.parametrize("dimension", ["A1:V400002", ""], ids=["true_dimension", "false_dimension"])
@pytest.mark.parametrize(
    "cell",
    [
        '<c r="C{n}" t="inlineStr"><is><t>项目</t></is></c>',
        '<c r="C{n}" s="0"/>',
        '<c r="A{n}" t="inlineStr"><is><t>示例</t></is></c>',
    ],
    ids=["data_rows", "blank_rows", "example_rows"],
)
def test_a_sheet_over_the_row_limit_is_refused_while_it_is_read(
    county_officer, cell, dimension, monkeypatch
):
    """GIVEN a project sheet of 400,000 rows (or one whose <dimension> claims fewer) WHEN it is
    imported THEN it is refused at the row past the limit, quickly."""
    parsed = workbooks.count_parsed_rows(monkeypatch)
    data = workbooks.with_many_rows(
        _workbook([_org_row()], []),
        PROJECT_PART,
        rows=400_000,
        first=3,
        cell=cell,
        dimension=dimension,
    )
    started = time.perf_counter()

    with pytest.raises(excel.ImportRefused) as refused:
        excel.ledger_import(user=county_officer, data=data, filename="x.xlsx", dry_run=True)

    elapsed = time.perf_counter() - started
    assert str(excel.MAX_ROWS) in refused.value.messages[0]
    # Both sheets' header searches and rows, the project sheet stopped at the limit.
    assert len(parsed) <= 2 * excel.HEADER_SEARCH_ROWS + 3 + 2 + 2 * excel.MAX_ROWS
    assert elapsed < 5.0, f"{elapsed:.2f} s"  # about 0.5 s; generous, so as never to flake
