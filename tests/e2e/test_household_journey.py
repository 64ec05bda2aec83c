"""A social worker on a phone records a household with a child, a need and consent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from needs.models import Household, Need

from ..factories import DEMO_PASSWORD, UserFactory, region_tree
from ..needs.factories import born_years_ago, id_number
from .conftest import PHONE, no_sideways_scroll


@pytest.fixture
def field_worker(transactional_db):
    regions = region_tree()
    return UserFactory(
        username="shakou", name="李社工", role="social_worker", region=regions["township_a1"]
    )


def test_a_worker_records_a_household_with_a_child_and_a_need_on_a_phone(
    page, live_server, field_worker, shoot, console_errors, failed_responses
):
    mother_id = id_number(born=born_years_ago(36), sex="female")
    child_id = id_number(born=born_years_ago(9))
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("shakou")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")

    page.goto(f"{live_server.url}/needs/households/")
    shoot(page, "households-empty-phone")
    page.get_by_role("link", name="登记家庭").click()
    page.get_by_label("家庭住址").fill("英德市沙口镇红峰村上围 8 号")
    page.get_by_label("困难类别").select_option("covered_still_in_difficulty")
    first = page.locator("fieldset.member-row").nth(0)
    first.get_by_label("姓名").fill("林秀珍")
    first.get_by_label("身份证号码").fill(mother_id)
    first.get_by_label("低保对象").check()
    page.get_by_role("button", name="添加成员").click()
    second = page.locator("fieldset.member-row").nth(1)
    second.get_by_label("姓名").fill("林小军")
    second.get_by_label("与户主关系").select_option("child")
    second.get_by_label("身份证号码").fill(child_id.lower())
    second.get_by_label("留守儿童").check()
    no_sideways_scroll(page)
    shoot(page, "household-form-filled-phone")
    page.get_by_role("button", name="保存").click()

    expect(page.locator(".alert-success")).to_contain_text("已登记家庭")
    household = Household.objects.get()
    expect(page.get_by_text("林小军")).to_be_visible()
    expect(page.locator("main")).to_contain_text("14岁以下")
    expect(page.locator("main")).not_to_contain_text(mother_id)
    no_sideways_scroll(page)
    shoot(page, "household-detail-phone")

    page.get_by_role("link", name="登记需求").click()
    page.get_by_label("对象").select_option(label="林小军")
    page.get_by_label("慈善领域").select_option("education_aid")
    page.get_by_label("帮扶形式").select_option("cash")
    page.get_by_label("需求描述").fill("小军四年级,需要校服和下学期课本费约 300 元")
    page.get_by_label("预估金额(元)").fill("300")
    page.get_by_label("急难愁盼").check()
    shoot(page, "need-form-phone")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("需求已保存")
    need = Need.objects.get()
    assert (need.household, need.urgent, need.member.name) == (household, True, "林小军")

    page.get_by_role("link", name="登记知情同意").click()
    page.get_by_label("对象").select_option(label="林小军")
    page.get_by_label("同意方式").select_option("self")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#id_given_by_error")).to_contain_text("监护人")
    shoot(page, "consent-refused-for-child-phone")
    page.get_by_label("同意方式").select_option("guardian")
    page.get_by_label("监护人姓名").fill("林秀珍")
    page.get_by_label("监护人关系").fill("母亲")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="个人信息共享知情同意书")).to_be_visible()
    shoot(page, "consent-print-phone")

    page.get_by_role("link", name="返回").click()
    page.locator("details summary").first.click()
    page.get_by_placeholder("查看原因").first.fill("核对学籍信息")
    page.get_by_role("button", name="显示", exact=True).first.click()
    expect(page.locator("main")).to_contain_text(mother_id)
    shoot(page, "id-revealed-phone")
    assert console_errors == []
    assert failed_responses == [f"400 needs/households/{household.pk}/consents/new/"]
