"""Risk signals in a browser, on a 390×844 phone: the county officer opens the list from the
menu, opens a signal, sends the resolve form without a note (the error summary, the focus on
the note), then with a note; the signal is resolved and the note shown."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from oversight import risk
from oversight.models import RiskSignal

from ..factories import UserFactory, region_tree
from ..needs.factories import make_household, member_input
from .conftest import PHONE, log_in, no_sideways_scroll, open_menu_link, zh

NOTE = "已电话联系户主,本周五与村委会一同入户走访。"


@pytest.fixture
def scene(transactional_db):
    regions = region_tree()
    worker = UserFactory(username="shakou_sg", role="social_worker", region=regions["township_a1"])
    UserFactory(
        username="yingde_mz", name="罗科长", role="civil_affairs", region=regions["county_a"]
    )
    household = make_household(
        worker,
        regions["township_a1"],
        members=[member_input("王秀英", age=78, sex="female", statuses=["tekun"])],
    )
    risk.run()
    return {"household": household, "signal": RiskSignal.objects.get()}


def test_a_county_officer_resolves_a_risk_signal_on_a_phone(
    page, live_server, scene, shoot, console_errors, failed_responses
):
    signal = scene["signal"]
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "yingde_mz")

    open_menu_link(page, zh("Risk signals"))
    signals = page.locator("#risk-signals")
    expect(signals).to_contain_text(scene["household"].code)
    expect(signals).to_contain_text(str(signal.get_rule_display()))
    no_sideways_scroll(page)
    shoot(page, "risk-signals-list-phone")

    page.get_by_role("link", name=re.compile(str(signal.get_rule_display()))).click()
    expect(page.locator("#facts")).to_contain_text("特困户从未入户走访")
    shoot(page, "risk-signal-detail-phone")

    # Sent without a note: the summary, the focus on the note, nothing resolved.
    page.get_by_role("button", name=zh("Resolve with this note")).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(zh("What was done"))
    assert page.evaluate("document.activeElement.name") == "note"
    no_sideways_scroll(page)
    shoot(page, "risk-signal-resolve-errors-phone")
    signal.refresh_from_db()
    assert signal.is_open

    page.locator("[name='note']").fill(NOTE)
    page.get_by_role("button", name=zh("Resolve with this note")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#resolution")).to_contain_text(NOTE)
    expect(page.locator("#resolve")).to_have_count(0)
    no_sideways_scroll(page)
    shoot(page, "risk-signal-resolved-phone")
    signal.refresh_from_db()
    assert signal.status == "resolved" and signal.resolved_by.username == "yingde_mz"
    assert console_errors == []
    assert failed_responses == [f"400 oversight/risk-signals/{signal.pk}/resolve/"]
