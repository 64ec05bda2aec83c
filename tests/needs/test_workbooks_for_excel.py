"""The need ledger's workbooks as people open them in Excel or WPS (accounts.xlsx.TableSheet):
columns fitted to their content, the header frozen, a filter on, dates as dates, places by
name beside their codes, 是/否 for yes and no. Read back with openpyxl."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from needs import excel, services

from .. import workbooks
from .factories import make_household, member_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(worker, regions):
    shakou = regions["township_a1"]
    household = make_household(
        worker,
        shakou,
        members=[
            member_input("陈秀英", sex="female", region_code=shakou.code),
            member_input("陈小明", relation="child", age=10, region_code=shakou.code),
        ],
        address="英德市沙口镇沙口村委会新村 8 号,靠近村小学的那一排二层楼房",
    )
    services.need_register(
        user=worker,
        household=household,
        area="education_aid",
        form="cash",
        description="下学期学费",
        urgent=True,
    )
    return household


def _sheet(data: bytes, name: str):
    return load_workbook(io.BytesIO(data))[name]


def test_the_summary_table_is_ready_for_excel(worker, household, regions):
    """GIVEN a household of 沙口镇 WHEN its worker exports the summary table with full values
    THEN the header row (under the title) is frozen and filtered, every column is wide enough
    for its header and content (CJK counted double), birth dates are date cells, and the place
    is named beside its code."""
    ws = _sheet(excel.household_workbook(user=worker, region=None, full=True), excel.SUMMARY_SHEET)

    assert workbooks.check_fit_for_excel(ws, header_row=2) == []
    table = workbooks.table_of(ws, header_row=2)
    assert workbooks.check_dates(table["出生日期"]) == []
    assert {c.value for c in table["出生日期"]} != {None}
    assert {c.value for c in table["村(社区)/乡镇(街道)"]} == {"沙口镇"}
    assert {c.value for c in table["村(社区)/乡镇(街道)代码"]} == {regions["township_a1"].code}
    # The long address made its column wider than the template's default, within the cap.
    assert ws.column_dimensions["E"].width >= 40


def test_the_need_list_is_ready_for_excel(worker, household):
    ws = _sheet(excel.need_workbook(user=worker, region=None), excel.NEED_SHEET)

    assert workbooks.check_fit_for_excel(ws, header_row=2) == []
    table = workbooks.table_of(ws, header_row=2)
    assert workbooks.check_dates(table["登记日期"]) == []
    assert [c.value for c in table["村(社区)/乡镇(街道)"]] == ["沙口镇"]
    assert [c.value for c in table["急难愁盼"]] == ["是"]
    assert [c.value for c in table["户编号"]] == [household.code]


def test_the_import_template_is_ready_for_excel(worker):
    ws = _sheet(excel.import_template(user=worker), excel.SUMMARY_SHEET)

    assert workbooks.check_fit_for_excel(ws, header_row=2) == []
    table = workbooks.table_of(ws, header_row=2)
    assert workbooks.check_dates(table["出生日期"]) == []
    assert [c.value for c in table["村(社区)/乡镇(街道)"]] == ["沙口镇"]
