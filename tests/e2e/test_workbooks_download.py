"""Workbooks people open in Excel or WPS, downloaded as a user does: the social worker's
summary table and need list from a phone, the ledger edition from its page. Each file is read
back with openpyxl: header frozen, filter on, columns fitted, dates as dates, places by name
beside their codes, 不限 where no number of places is set."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from needs import excel as needs_excel
from needs import services as needs_services
from supply import services
from supply.editions import ALL_SHEET
from supply.models import Project

from .. import workbooks
from ..factories import UserFactory, region_tree
from ..needs.factories import make_household, member_input
from ..supply.conftest import TERMS, listing, make_org, publish_edition
from .conftest import PHONE, log_in, zh


@pytest.fixture
def ledgers(transactional_db):
    regions = region_tree()
    shakou = regions["township_a1"]
    worker = UserFactory(username="shakou", name="李社工", role="social_worker", region=shakou)
    officer = UserFactory(
        username="yingde_mz", name="罗科长", role="civil_affairs", region=regions["county_a"]
    )
    charity = UserFactory(username="cishan", name="陈干事", role="charity")
    household = make_household(
        worker, shakou, members=[member_input("陈秀英", sex="female", region_code=shakou.code)]
    )
    needs_services.need_register(
        user=worker, household=household, area="medical_aid", form="cash", description="透析费用"
    )
    organization = make_org(
        officer, regions["county_a"], code="51441881MJ0000001R", staff=[charity]
    )
    project = services.project_save(
        user=charity,
        organization=organization,
        fields=listing(title="长者助餐", capacity=None),
        terms=TERMS,
        coverage=[shakou],
    )
    services.project_transition(user=charity, project=project, to=Project.Status.PENDING_REVIEW)
    services.project_transition(user=officer, project=project, to=Project.Status.PUBLISHED)
    edition = publish_edition("2026-H2")
    return {"household": household, "edition": edition}


def _download(page, click, name: str) -> object:
    with page.expect_download() as info:
        click()
    assert info.value.suggested_filename.startswith(name)
    with open(info.value.path(), "rb") as f:
        return load_workbook(io.BytesIO(f.read()))


def test_downloaded_workbooks_open_ready_to_read_in_excel(page, live_server, ledgers, shoot):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/needs/excel/")
    shoot(page, "excel-downloads-phone")

    wb = _download(
        page,
        lambda: page.get_by_role("button", name=zh("Household summary table")).click(),
        "服务对象家庭信息汇总表",
    )
    ws = wb[needs_excel.SUMMARY_SHEET]
    assert workbooks.check_fit_for_excel(ws, header_row=2) == []
    table = workbooks.table_of(ws, header_row=2)
    assert [c.value for c in table["村(社区)/乡镇(街道)"]] == ["沙口镇"]
    assert [c.value for c in table["村(社区)/乡镇(街道)代码"]] == ["441881101000"]

    wb = _download(
        page, lambda: page.get_by_role("button", name=zh("Need list")).click(), "需求信息清单"
    )
    ws = wb[needs_excel.NEED_SHEET]
    assert workbooks.check_fit_for_excel(ws, header_row=2) == []
    table = workbooks.table_of(ws, header_row=2)
    assert workbooks.check_dates(table["登记日期"]) == []
    assert [c.value for c in table["村(社区)/乡镇(街道)"]] == ["沙口镇"]

    page.goto(f"{live_server.url}/supply/editions/{ledgers['edition'].pk}/")
    expect(page.locator("h1")).to_contain_text("2026年下半年")
    wb = _download(
        page,
        lambda: page.get_by_role("link", name=zh("Download the workbook")).click(),
        "慈善帮扶资源供给台账-2026年下半年",
    )
    ws = wb[ALL_SHEET]
    assert workbooks.check_fit_for_excel(ws, header_row=1) == []
    table = workbooks.table_of(ws, header_row=1)
    assert [c.value for c in table["名额"]] == ["不限"]
    assert [c.value for c in table["覆盖区域"]] == ["沙口镇"]
    assert [c.value for c in table["覆盖区划代码"]] == ["441881101000"]
    assert workbooks.check_dates(table["开始日期"]) == []
