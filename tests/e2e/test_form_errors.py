"""A form sent back with errors, on a phone: the summary is in view, the first invalid field has
the focus, every entry links to its field, and what was typed is kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..factories import DEMO_PASSWORD, UserFactory, region_tree
from ..needs.factories import born_years_ago, id_number
from .conftest import PHONE


@pytest.fixture
def field_worker(transactional_db):
    regions = region_tree()
    return UserFactory(
        username="shakou", name="李社工", role="social_worker", region=regions["township_a1"]
    )


def _log_in(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("shakou")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")


def _in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return (
        box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 60) <= PHONE["height"]
    )


def test_a_wrong_id_number_far_down_the_household_form_is_shown_and_focused(
    page, live_server, field_worker, shoot, console_errors
):
    """GIVEN a worker on a phone registering a household of two
    WHEN the second member's ID number has a wrong check character and the form is saved
    THEN the page comes back with the error summary at the top of the viewport, the focus on
    that ID number (also in view), the typed values kept, and the summary's link leads back."""
    mother_id = id_number(born=born_years_ago(36), sex="female")
    child_id = id_number(born=born_years_ago(9))
    wrong = child_id[:-1] + ("0" if child_id[-1] != "0" else "1")
    page.set_viewport_size(PHONE)
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/needs/households/new/")
    page.get_by_label("家庭住址").fill("英德市沙口镇红峰村上围 8 号")
    page.get_by_label("困难类别").select_option("covered_still_in_difficulty")
    first = page.locator("fieldset.member-row").nth(0)
    first.get_by_label("姓名").fill("林秀珍")
    first.get_by_label("身份证号码").fill(mother_id)
    page.get_by_role("button", name="添加成员").click()
    second = page.locator("fieldset.member-row").nth(1)
    second.get_by_label("姓名").fill("林小军")
    second.get_by_label("与户主关系").select_option("child")
    second.get_by_label("身份证号码").fill(wrong)
    page.get_by_role("button", name="保存").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("身份证号码")
    assert _in_viewport(page, "#error-summary"), "the summary is out of view"
    field_id = page.evaluate("document.activeElement.id")
    assert field_id == "id_members-1-id_number", field_id
    assert _in_viewport(page, f"#{field_id}"), "the focused field is out of view"
    assert page.locator(f"#{field_id}").input_value() == wrong
    assert page.locator("#id_address").input_value() == "英德市沙口镇红峰村上围 8 号"
    shoot(page, "form-error-summary-household-phone-viewport", full_page=False)
    shoot(page, "form-error-summary-household-phone")

    # The summary's entry names the member and leads back to the field from anywhere.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#id_address").focus()
    link = summary.get_by_role("link").first
    expect(link).to_contain_text("成员 2")
    link.click()
    shoot(page, "form-error-summary-link-followed-phone", full_page=False)
    assert page.evaluate("document.activeElement.id") == "id_members-1-id_number"
    assert _in_viewport(page, "#id_members-1-id_number")
    assert console_errors == []


def test_an_error_of_a_short_form_is_summarised_and_focused_too(
    page, live_server, field_worker, shoot, console_errors
):
    """The password form: a wrong old password is an error next to its field."""
    page.set_viewport_size(PHONE)
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/account/password/")
    page.locator("#id_old_password").fill("not-my-password")
    page.locator("#id_new_password1").fill("Another-Horse-77")
    page.locator("#id_new_password2").fill("Another-Horse-77")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "id_old_password"
    shoot(page, "form-error-summary-password-phone")
    assert console_errors == []
