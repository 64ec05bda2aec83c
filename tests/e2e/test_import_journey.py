"""A social worker imports a workbook: one bad row is reported and nothing is written;
after the correction, preview then confirm."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from needs.models import Household, Member

from ..factories import DEMO_PASSWORD, UserFactory, region_tree
from ..needs.test_excel import _new_household_rows, _person, _workbook
from .conftest import PHONE


@pytest.fixture
def field_worker(transactional_db):
    regions = region_tree()
    return UserFactory(
        username="shakou", name="李社工", role="social_worker", region=regions["township_a1"]
    )


def test_a_worker_previews_fixes_and_imports_a_workbook(
    page, live_server, field_worker, shoot, console_errors, failed_responses, tmp_path
):
    good = _new_household_rows("PLATFORM-001", people=[_person("赵春梅", sex="female", age=52)])
    bad = _new_household_rows(
        "PLATFORM-002", people=[_person("钱国华", id_number="110105194912310021")]
    )
    broken = tmp_path / "户籍导入.xlsx"
    broken.write_bytes(_workbook(good + bad))
    fixed = tmp_path / "户籍导入-已改.xlsx"
    fixed.write_bytes(
        _workbook(good + _new_household_rows("PLATFORM-002", people=[_person("钱国华")]))
    )

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("shakou")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")

    page.goto(f"{live_server.url}/needs/households/")
    page.get_by_role("link", name="台账 Excel 导入导出").click()
    shoot(page, "excel-page-phone")
    page.get_by_role("link", name="导入家庭").first.click()
    page.locator("input[type=file]").set_input_files(str(broken))
    page.get_by_role("button", name="预览").click()
    expect(page.locator("main")).to_contain_text("未导入任何数据")
    expect(page.locator("main")).to_contain_text("校验码错误")
    shoot(page, "import-row-error-phone")
    assert Household.objects.count() == 0

    page.locator("input[type=file]").set_input_files(str(fixed))
    page.get_by_role("button", name="预览").click()
    expect(page.locator("main")).to_contain_text("尚未写入任何数据")
    shoot(page, "import-preview-phone")
    assert Household.objects.count() == 0
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("main")).to_contain_text("已导入")
    shoot(page, "import-done-phone")
    assert Household.objects.count() == 2
    assert set(Member.objects.values_list("name", flat=True)) == {"赵春梅", "钱国华"}
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_errors == []
    assert all(r.startswith("400 ") for r in failed_responses)
