"""The need ledger's filing export as a city officer uses it: reached from the menu, the county
chosen first fills the township select, a full export without a reason comes back with the
error summary focused, and the masked CSV downloads with its BOM and Chinese headers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from needs import filing
from needs import services as needs_services

from ..factories import UserFactory, region_tree
from ..needs.factories import make_household, member_input
from .conftest import log_in, open_menu_link, zh


@pytest.fixture
def ledger(transactional_db):
    regions = region_tree()
    shakou = regions["township_a1"]
    worker = UserFactory(username="shakou", name="李社工", role="social_worker", region=shakou)
    officer = UserFactory(
        username="qingyuan_mz", name="罗科长", role="civil_affairs", region=regions["city"]
    )
    household = make_household(
        worker,
        shakou,
        members=[
            member_input("陈秀英", sex="female", region_code=shakou.code, phone="13712345678")
        ],
    )
    needs_services.need_register(
        user=worker,
        household=household,
        member=household.members.get(),
        area="medical_aid",
        form="cash",
        description="透析费用",
    )
    return {"officer": officer, "household": household, "regions": regions}


def test_a_city_officer_files_the_ledger_of_a_township(
    page, live_server, ledger, shoot, console_errors, failed_responses
):
    """GIVEN a city officer on a desktop
    WHEN they open the filing export from the menu, choose 英德市 and then 沙口镇, tick full
    values without a reason and download
    THEN the page comes back with the reason's error in the summary and the focus on it; with
    the box unticked the masked CSV downloads, with its BOM, Chinese headers and no full ID."""
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "qingyuan_mz")
    open_menu_link(page, zh("Filing export"))
    expect(page.get_by_role("heading", name=zh("Filing export of the need ledger"))).to_be_visible()

    region = page.locator("#id_region")
    expect(region.locator("option", has_text="沙口镇")).to_have_count(0)
    page.locator("#id_county").select_option(ledger["regions"]["county_a"].code)
    expect(region.locator("option", has_text="沙口镇")).to_have_count(1)
    page.locator("#id_region").select_option(ledger["regions"]["township_a1"].code)
    page.get_by_label(zh("Full ID numbers, phones and health notes")).check()
    page.get_by_role("button", name=zh("Download")).click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(zh("Please give the reason for exporting full values."))
    assert page.evaluate("document.activeElement.id") == "id_reason"
    assert page.locator("#id_region").input_value() == ledger["regions"]["township_a1"].code
    shoot(page, "filing-export-reason-missing")

    page.get_by_label(zh("Full ID numbers, phones and health notes")).uncheck()
    with page.expect_download() as info:
        page.get_by_role("button", name=zh("Download")).click()
    assert info.value.suggested_filename.startswith("需求台账备案-沙口镇")
    with open(info.value.path(), "rb") as f:
        data = f.read()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].split(",") == list(filing.CSV_HEADERS)
    mother = ledger["household"].members.get()
    assert ledger["household"].code in text and mother.id_number_masked in text
    assert mother.id_number not in text
    assert console_errors == []
    assert failed_responses == ["400 needs/export/filing/"]
