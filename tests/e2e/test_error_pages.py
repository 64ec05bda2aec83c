"""Error pages in the demo settings (DEBUG on, the embedded default): a wrong address shows our
Chinese page with the site's menu, never Django's English technical page; and the pages an
administrator reads about people (the audit page) are in words, not stored values."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..factories import UserFactory, region_tree
from .conftest import PHONE, log_in, no_sideways_scroll, zh


@pytest.fixture
def people(transactional_db):
    regions = region_tree()
    worker = UserFactory(
        username="shakou", name="李社工", role="social_worker", region=regions["township_a1"]
    )
    admin = UserFactory(
        username="admin",
        name="省厅管理员",
        role="administrator",
        region=regions["province"],
        is_staff=True,
        is_superuser=True,
    )
    return {"regions": regions, "worker": worker, "admin": admin}


def _english_words(text: str) -> list[str]:
    """Latin words but the product's name, e-mail addresses and login names (typed by
    people: data)."""
    text = re.sub(r"[\w.+-]+@[\w.-]+", " ", text)
    text = re.sub(r"\b(admin|shakou)\b", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w != "AidBridge"]


def test_a_wrong_address_shows_the_chinese_page_with_debug_on(
    page, live_server, people, settings, shoot, console_errors
):
    settings.DEBUG = True  # as `scripts/dev.py demo` runs
    page.set_viewport_size(PHONE)

    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text(zh("Page not found"))
    expect(page.get_by_role("link", name=zh("Back to the home page"))).to_be_visible()
    body = page.locator("body").inner_text()
    assert "URLconf" not in body and "DEBUG" not in body
    assert _english_words(body) == []
    no_sideways_scroll(page)
    shoot(page, "error-404-anonymous-phone")

    log_in(page, live_server, "shakou")
    response = page.goto(f"{live_server.url}/needs/households/999999999/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text(zh("Page not found"))
    # The logged-in menu is there, to go on from the error.
    expect(page.get_by_role("button", name=zh("Menu"))).to_be_visible()
    assert _english_words(page.locator("body").inner_text()) == []
    shoot(page, "error-404-worker-phone")
    assert console_errors == []


def test_the_audit_page_names_fields_values_and_records_in_words(
    page, live_server, people, shoot, console_errors
):
    from ..needs.factories import make_household, member_input

    shakou = people["regions"]["township_a1"]
    make_household(
        people["worker"],
        shakou,
        members=[member_input("王秀英", sex="female", region_code=shakou.code)],
        gap_class="covered_still_in_difficulty",
    )
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/audit/?tab=changes")
    main = page.locator("main")
    expect(main).to_contain_text("性别:— → 女")
    expect(main).to_contain_text("王秀英")
    text = main.inner_text()
    for raw in ("None", "female", "needs.", "covered_still_in_difficulty", "成员 #"):
        assert raw not in text, raw
    assert _english_words(text) == []
    no_sideways_scroll(page)
    shoot(page, "audit-change-history-phone")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    body = page.locator("body").inner_text()
    for name in ("登录锁定", "变更记录", "登录尝试"):
        assert name in body, name
    assert _english_words(body) == []
    shoot(page, "admin-index-desktop", full_page=False)
    assert console_errors == []
