"""The household list on a phone (issue 10, point 6).

It was 50 stacked cards of seven labelled lines each, about 12,800 px. Now: 20 households a
page, one row each with what a worker scans for (head, household number, village, open needs
with an urgent mark, last visit or "never" or overdue), the whole row one tap target; the
search by name in view and the search by ID number and the filters folded under one button.
A wider screen shows a table.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.seed_demo import DEMO_PASSWORD
from needs.views import PAGE_SIZE

from .conftest import PHONE, no_sideways_scroll, zh

#: The page with 20 rows, the header, filters and pagination included. The 50 cards were about
#: 12,800 px; 20 of those cards would still be about 5,100 px.
MAX_PAGE_HEIGHT = 2600

ROWS = """
() => Array.from(document.querySelectorAll('.household-row'))
  .filter(el => el.offsetParent !== null)
  .map(el => { const box = el.getBoundingClientRect();
               return {text: el.innerText, height: box.height, width: box.width,
                       href: el.getAttribute('href'),
                       links: el.querySelectorAll('a, button').length}; })
"""


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def log_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")


def test_the_household_list_is_a_compact_list_of_rows_on_a_phone(
    page, live_server, demo, shoot, console_errors
):
    """GIVEN the demo ledger (90 households in the worker's township)
    WHEN the worker opens the household list on a 390 px phone
    THEN 20 rows fill a page well under the old height, each row at least 44 px high and one
    link to its household, with head, number, village, open needs and last visit; nothing
    scrolls sideways; the filters and the ID search open under one button."""
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "worker")
    page.goto(f"{live_server.url}/needs/households/")
    rows = page.evaluate(ROWS)
    assert len(rows) == PAGE_SIZE == 20
    height = page.evaluate("document.documentElement.scrollHeight")
    heights = [row["height"] for row in rows]
    print(
        f"household list, phone, {len(rows)} rows: page {height} px, "
        f"rows {min(heights):.0f}-{max(heights):.0f} px"
    )
    assert height <= MAX_PAGE_HEIGHT, f"the page is {height} px high"
    no_sideways_scroll(page)
    for row in rows:
        assert row["height"] >= 44 and row["width"] >= 44, row
        assert row["links"] == 0, f"a link inside the row's link: {row}"
    text = " ".join(row["text"] for row in rows)
    assert zh("never visited") in text or zh("visit overdue") in text
    assert "441881" in text  # household numbers
    shoot(page, "household-list-phone")

    # The ID search and the filters are folded away, and open under one button.
    id_search = page.get_by_label(zh("Find by ID number"))
    expect(id_search).to_be_hidden()
    page.get_by_role("button", name=zh("Filters and ID search")).click()
    expect(id_search).to_be_visible()
    expect(page.locator("#household-id-search")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#household-more-filters")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.get_by_label(zh("Urgent need"))).to_be_visible()
    shoot(page, "household-list-filters-open-phone", full_page=False)

    # A filter keeps the compact rows (htmx swaps the results) and the panel open.
    page.get_by_label(zh("Urgent need")).select_option("true")
    page.wait_for_url("**urgent=true**")
    expect(page.locator("#results")).to_contain_text(zh("urgent"))
    urgent = page.evaluate(ROWS)
    assert urgent and all(zh("urgent") in row["text"] for row in urgent)
    page.reload()
    expect(id_search).to_be_visible()

    # The whole row leads to the household.
    page.goto(f"{live_server.url}/needs/households/")
    first = page.locator(".household-row").first
    href = first.get_attribute("href")
    box = first.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 10, box["y"] + box["height"] - 8)
    page.wait_for_url(f"{live_server.url}{href}")

    # Page 2 through the pagination.
    page.goto(f"{live_server.url}/needs/households/")
    page.get_by_role("link", name=zh("Next")).click()
    page.wait_for_url("**page=2")
    assert len(page.evaluate(ROWS)) == 20
    assert console_errors == []


def test_a_wider_screen_shows_the_households_as_a_table(page, live_server, demo, shoot):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "worker")
    page.goto(f"{live_server.url}/needs/households/")
    table = page.locator("table.household-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(20)
    expect(page.locator(".household-row").first).to_be_hidden()
    expect(page.get_by_label(zh("Find by ID number"))).to_be_visible()
    shoot(page, "household-list-desktop")
