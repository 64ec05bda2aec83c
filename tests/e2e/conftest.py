"""Browser tests: pytest-playwright driving Debian's Chromium against live_server.

Screenshots go to artifacts/screenshots/ (git-ignored): look at them.
Without /usr/bin/chromium these tests are skipped with a clear reason, except where
AIDBRIDGE_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


def zh(msgid: str) -> str:
    """A UI string as the page shows it (the interface is in Simplified Chinese)."""
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("zh-hans"):
        return gettext(msgid)


def log_in(page, live_server, username: str, password: str | None = None) -> None:
    """Log in through the login page; the factories' password unless another is given (the
    demo logins of seed_demo have their own)."""
    from ..factories import DEMO_PASSWORD

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")


def open_menu_link(page, name: str) -> None:
    """Open the collapsed phone menu (and the area's dropdown, if the link is in one) and
    follow one of its links."""
    import re

    from playwright.sync_api import expect

    toggler = page.get_by_role("button", name=zh("Menu"))
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    named = page.get_by_role("link", name=name, exact=True, include_hidden=True)
    link = page.locator("#mainnav").get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        page.locator("#mainnav .dropdown").filter(has=named).locator(".dropdown-toggle").click()
    # Returns once the linked page is there: a check run right after the click could otherwise
    # meet the document between two pages (no documentElement yet).
    with page.expect_navigation():
        link.click()


def no_sideways_scroll(page) -> None:
    # After a click on a link the next document may be committed but not parsed yet (no
    # documentElement): measure the page once it is there.
    page.wait_for_load_state("domcontentloaded")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("AIDBRIDGE_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"AIDBRIDGE_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def shoot():
    """Save a full-page screenshot under artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shoot(page, name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return _shoot


@pytest.fixture
def failed_responses(page):
    """Responses with status >= 400 as "status path" (a form sent back with errors is a 400)."""
    failed: list[str] = []

    def record(response):
        if response.status >= 400:
            failed.append(f"{response.status} {response.url.split('//', 1)[-1].split('/', 1)[-1]}")

    page.on("response", record)
    return failed


@pytest.fixture
def console_errors(page, failed_responses):
    """Console errors (CSP violations, script errors) of a page. Failed loads are reported
    with their address by ``failed_responses`` instead of the console's anonymous line."""
    errors: list[str] = []

    def record(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    page.on("console", record)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
