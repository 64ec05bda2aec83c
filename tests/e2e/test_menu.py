"""The main menu keeps every label on one line, from a 390 px phone to a 1920 px screen.

Civil affairs and administrators have the most entries: grouped per area into dropdowns, the
header stays one row on a desktop (1366 px is the common office screen), and on a phone every
entry is a full-width line at least 44 px high.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import log_in as demo_log_in
from .conftest import zh

WIDTHS = [390, 992, 1366, 1920]
USERS = ["admin", "province_officer", "county_officer", "worker", "charity"]

# For each visible menu label: its height, its font size, the height of its text's lines and
# whether its text overflows; one rectangle per line box tells how many lines it takes.
MEASURE = """
(selector) => Array.from(document.querySelectorAll(selector))
  .filter(el => el.offsetParent !== null)
  .map(el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    // A new line starts where a text rectangle begins below the previous one by most of the
    // font size (a badge sits a few pixels off its line: that is not a new line).
    const size = parseFloat(getComputedStyle(el).fontSize);
    const tops = Array.from(range.getClientRects()).filter(r => r.width > 0)
      .map(r => r.top).sort((a, b) => a - b);
    let lines = tops.length ? 1 : 0;
    for (let i = 1; i < tops.length; i++) if (tops[i] - tops[i - 1] > 0.8 * size) lines++;
    const box = el.getBoundingClientRect();
    return {text: el.textContent.trim(), lines: lines, height: box.height,
            width: box.width, overflow: el.scrollWidth > el.clientWidth + 1};
  })
"""


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--logins-only", verbosity=0)


def log_in(page, live_server, username: str) -> None:
    demo_log_in(page, live_server, username, password=DEMO_PASSWORD)


def _assert_one_line(items, *, where: str) -> None:
    assert items, f"no menu entries visible ({where})"
    for item in items:
        assert item["lines"] == 1, f"{item['text']!r} wraps onto {item['lines']} lines ({where})"
        assert not item["overflow"], f"{item['text']!r} is cut off ({where})"
        assert item["height"] >= 44, f"{item['text']!r} is {item['height']} px high ({where})"


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_menu_label_stays_on_one_line(page, live_server, demo, shoot, username, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, username)
    where = f"{username} at {width} px"
    toggler = page.get_by_role("button", name=zh("Menu"))
    if width < 992:
        toggler.click()
        # Wait for the collapse to finish opening (its class is "collapsing" meanwhile).
        expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    else:
        expect(toggler).to_be_hidden()
        # The header is one row: the brand, the menu and the account share one line.
        nav_height = page.evaluate("document.querySelector('nav.navbar').offsetHeight")
        assert nav_height <= 80, f"the header is {nav_height} px high ({where})"
        brand_top = page.evaluate(
            "document.querySelector('.navbar-brand').getBoundingClientRect().top"
        )
        tops = page.evaluate(
            "Array.from(document.querySelectorAll('#mainnav > ul > li'))"
            ".map(li => li.getBoundingClientRect().top)"
        )
        assert max(tops) - brand_top < 20, f"the menu breaks onto a second row ({where})"
    _assert_one_line(page.evaluate(MEASURE, "#mainnav .nav-link"), where=where)
    shoot(page, f"menu-{username}-{width}")
    for toggle in page.locator("#mainnav .dropdown-toggle").all():
        toggle.click()
        menu = page.locator("#mainnav .dropdown-menu.show")
        expect(menu).to_be_visible()
        _assert_one_line(
            page.evaluate(MEASURE, "#mainnav .dropdown-menu.show .dropdown-item"),
            where=f"{where}, {toggle.text_content().strip()}",
        )
        if toggle.get_attribute("id") == "menu-matching" or width == 390:
            shoot(page, f"menu-{username}-{width}-{toggle.get_attribute('id')}")
        toggle.click()  # close it again


def test_the_api_documentation_is_in_the_administrators_menu_only(page, live_server, demo):
    page.set_viewport_size({"width": 1366, "height": 900})
    for username, expected in [("admin", 1), ("county_officer", 0), ("worker", 0)]:
        log_in(page, live_server, username)
        assert page.locator("#mainnav a[href='/api/docs/']").count() == expected, username


def test_the_page_being_read_is_marked_in_its_group(page, live_server, demo):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "county_officer")
    page.goto(f"{live_server.url}/matching/review/")
    expect(page.locator("#menu-matching")).to_have_class("nav-link dropdown-toggle active")
    page.locator("#menu-matching").click()
    expect(page.locator("#mainnav .dropdown-item.active")).to_have_text(zh("Match review"))
