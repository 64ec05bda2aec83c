"""The supply ledger's workbooks as people open them in Excel or WPS (accounts.xlsx.TableSheet):
the ledger export and its template, and the half-yearly edition sent to every station.
Columns fitted, header frozen, filter on, dates as dates, regions by name beside their codes,
"不限" where a listing has no fixed number of places. Read back with openpyxl."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from supply import excel, services
from supply.editions import ALL_SHEET, TIER_SHEETS
from supply.models import Project

from .. import workbooks
from .conftest import TERMS, listing, publish_edition

pytestmark = pytest.mark.django_db

ORG, PROJECT = excel.ORG_SHEET, excel.PROJECT_SHEET


@pytest.fixture
def unlimited(county_org, charity_a, county_officer, regions):
    """A published listing with no fixed number of places, covering two townships."""
    project = services.project_save(
        user=charity_a,
        organization=county_org,
        fields=listing(title="留守儿童暑期关爱营", capacity=None),
        terms=TERMS,
        coverage=[regions["township_a1"], regions["township_a2"]],
    )
    services.project_transition(user=charity_a, project=project, to=Project.Status.PENDING_REVIEW)
    return services.project_transition(
        user=county_officer, project=project, to=Project.Status.PUBLISHED
    )


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_the_ledger_export_is_ready_for_excel(county_officer, unlimited, published, regions):
    wb = _book(excel.ledger_workbook(user=county_officer))

    for name in (ORG, PROJECT):
        assert workbooks.check_fit_for_excel(wb[name], header_row=2) == []
    orgs = workbooks.table_of(wb[ORG], header_row=2)
    assert [c.value for c in orgs["登记管理机关区划代码"]] == [regions["county_a"].code]
    assert [c.value for c in orgs["登记管理机关所在地"]] == ["英德市"]
    projects = {
        c.value: row
        for row in wb[PROJECT].iter_rows(min_row=3)
        for c in row[2:3]  # 项目名称
    }
    headers = [c.value for c in wb[PROJECT][2]]
    camp = dict(zip(headers, projects["留守儿童暑期关爱营"], strict=True))
    assert camp["名额"].value == "不限"
    assert camp["覆盖区域"].value == "沙口镇、望埠镇"
    assert (
        camp["覆盖区划代码"].value
        == f"{regions['township_a1'].code}、{regions['township_a2'].code}"
    )
    table = workbooks.table_of(wb[PROJECT], header_row=2)
    assert workbooks.check_dates(table["开始日期"] + table["结束日期"]) == []
    school = dict(zip(headers, projects["困境儿童助学金"], strict=True))
    assert school["名额"].value == 10


def test_an_exported_unlimited_draft_imports_back_unchanged(
    county_officer, county_org, charity_a, regions
):
    """ "不限" is what the export writes for no fixed number; the import reads it back so."""
    draft = services.project_save(
        user=charity_a,
        organization=county_org,
        fields=listing(title="长者助餐", capacity=None),
        terms=TERMS,
        coverage=[regions["township_a1"]],
    )
    data = excel.ledger_workbook(user=county_officer)

    report = excel.ledger_import(user=county_officer, data=data, filename="x.xlsx", dry_run=False)

    assert report.ok, report.errors
    assert report.projects_unchanged == 1 and report.projects_updated == 0
    draft.refresh_from_db()
    assert draft.capacity is None


def test_the_import_template_is_ready_for_excel(county_officer):
    wb = _book(excel.import_template(user=county_officer))

    for name in (ORG, PROJECT):
        assert workbooks.check_fit_for_excel(wb[name], header_row=2) == []
    orgs = workbooks.table_of(wb[ORG], header_row=2)
    assert workbooks.check_dates(orgs["认定/登记日期"]) == []
    assert [c.value for c in orgs["登记管理机关所在地"]] == ["英德市"]


def test_the_edition_workbook_is_ready_for_excel(unlimited, published, regions):
    """GIVEN published listings, one without a fixed number of places WHEN the half-year's
    edition is published THEN each sheet has its header frozen and filtered, columns fitted,
    the covered places by name beside their codes, dates as dates and 不限 for no limit."""
    edition = publish_edition("2026-H2")
    with edition.workbook.open("rb") as f:
        wb = _book(f.read())

    assert wb.sheetnames == [ALL_SHEET, *TIER_SHEETS.values()]
    for ws in wb.worksheets:
        assert workbooks.check_fit_for_excel(ws, header_row=1) == []
    table = workbooks.table_of(wb[ALL_SHEET], header_row=1)
    rows = {title.value: index for index, title in enumerate(table["项目名称"])}
    camp = rows["留守儿童暑期关爱营"]
    assert table["名额"][camp].value == "不限"
    assert table["覆盖区域"][camp].value == "沙口镇、望埠镇"
    assert table["覆盖区划代码"][camp].value == (
        f"{regions['township_a1'].code}、{regions['township_a2'].code}"
    )
    assert table["年龄"][camp].value == "6–18岁"
    assert table["超过半年未确认"][camp].value == "否"
    assert workbooks.check_dates(table["开始日期"] + table["结束日期"]) == []
    assert table["开始日期"][camp].value.year == 2026


def test_the_edition_workbook_downloads_under_a_chinese_name(client, worker, published):
    from urllib.parse import quote

    edition = publish_edition("2026-H2")
    client.force_login(worker)

    response = client.get(f"/supply/editions/{edition.pk}/workbook/")

    assert response.status_code == 200
    assert quote("慈善帮扶资源供给台账-2026年下半年.xlsx") in response["Content-Disposition"]
