"""Every role logs in through the real login page, on a phone and on a desktop."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import PHONE

ROLES = [
    ("worker", "社工", "沙口镇"),
    ("county_officer", "民政工作人员", "英德市"),
    ("charity", "慈善组织工作人员", None),
    ("admin", "管理员", "广东省"),
]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--logins-only", verbosity=0)


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("heading", name="慈善帮扶资源供需对接平台")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")


@pytest.mark.parametrize(("username", "role_label", "region"), ROLES)
def test_each_role_logs_in_on_a_phone(
    page, live_server, demo, shoot, console_errors, username, role_label, region
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/login/")
    shoot(page, "login-phone")

    _log_in(page, live_server, username)

    expect(page.locator("main")).to_contain_text(role_label)
    if region:
        expect(page.locator("main")).to_contain_text(region)
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, f"dashboard-{username}-phone")
    page.get_by_role("button", name="菜单").click()
    # The account dropdown opens once the collapsed menu has finished opening (a click during
    # the transition was lost once under two test processes).
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#menu-account").click()
    expect(page.locator("#menu-account")).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    shoot(page, f"menu-{username}-phone")
    assert console_errors == []


@pytest.mark.parametrize(("username", "role_label", "region"), ROLES)
def test_each_role_logs_in_on_a_desktop(
    page, live_server, demo, shoot, console_errors, username, role_label, region
):
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, live_server, username)
    expect(page.locator("nav")).to_contain_text(role_label)
    shoot(page, f"dashboard-{username}-desktop")
    assert console_errors == []


def test_a_worker_reveals_a_colleagues_phone_with_a_reason(
    page, live_server, demo, shoot, console_errors
):
    from accounts.models import AccessLog, User

    page.set_viewport_size(PHONE)
    _log_in(page, live_server, "worker")
    colleague = User.objects.get(username="worker_colleague")
    page.goto(f"{live_server.url}/staff/{colleague.pk}/")
    expect(page.locator("#phone")).to_contain_text("138****0007")

    page.get_by_role("button", name="显示完整号码").click()
    expect(page.locator("#phone")).to_contain_text("请填写查看完整信息的原因")
    shoot(page, "reveal-reason-required-phone")

    page.get_by_label("查看原因").fill("入户走访前电话联系")
    page.get_by_role("button", name="显示完整号码").click()
    expect(page.locator("#phone")).to_contain_text("13800000007")
    shoot(page, "reveal-done-phone")
    assert AccessLog.objects.filter(user__username="worker", field="phone").count() == 1
    assert console_errors == []


def test_the_api_docs_load_from_our_own_static_files(
    page, live_server, demo, shoot, console_errors
):
    _log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("AidBridge API")).to_be_visible()
    shoot(page, "api-docs")
    assert console_errors == []
