"""Cross-region aid and disclosure in a browser (issue 9, points 10 and 11): a Shenzhen
foundation lists aid for a township of 英德市, Shenzhen publishes it, 英德市 is told and sees
it in its ledger; the showcase shows the disclosure status."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from accounts.models import Notification
from supply.models import Organization, Project

from ..factories import RegionFactory, UserFactory, region_tree
from ..supply.conftest import make_org
from .conftest import PHONE, log_in, no_sideways_scroll, open_menu_link, zh


@pytest.fixture
def pairing(transactional_db):
    regions = region_tree()
    shenzhen = RegionFactory(
        code="440300000000", name="深圳市", level="prefecture", parent=regions["province"]
    )
    RegionFactory(code="440304000000", name="福田区", level="county", parent=shenzhen)
    UserFactory(username="shenzhen_mz", name="周科长", role="civil_affairs", region=shenzhen)
    UserFactory(
        username="yingde_mz", name="罗科长", role="civil_affairs", region=regions["county_a"]
    )
    staff = UserFactory(username="pengcheng", name="吴干事", role="charity")
    officer = UserFactory(username="sz_registrar", role="civil_affairs", region=shenzhen)
    foundation = make_org(
        officer, shenzhen, code="53440300MJ00000013", staff=[staff], name="深圳市鹏城基金会"
    )
    Organization.objects.filter(pk=foundation.pk).update(charity_status="registered")
    return {"foundation": foundation, "regions": regions}


def test_a_shenzhen_foundation_aids_a_yingde_township_and_yingde_sees_it(
    page, live_server, pairing, shoot, console_errors, failed_responses
):
    foundation = pairing["foundation"]
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "pengcheng")
    page.goto(f"{live_server.url}/supply/organisations/{foundation.pk}/projects/new/")
    page.locator("#id_title").fill("鹏城困境儿童助学金")
    page.locator("#id_description").fill("对口帮扶英德市沙口镇困境儿童,每学期 1000 元。")
    page.get_by_label("助学", exact=True).check()
    page.get_by_label("资金", exact=True).check()
    page.locator("#id_starts_on").fill("2026-01-01")
    page.locator("#id_application_process").fill("由沙口镇社工站协助申请")
    page.locator("#id_other_coverage").fill("英德市沙口镇 火星镇")
    page.get_by_role("button", name=zh("Save")).click()
    expect(page.locator("#id_other_coverage_error")).to_contain_text("火星镇")
    expect(page.locator("#id_title")).to_have_value("鹏城困境儿童助学金")
    no_sideways_scroll(page)
    shoot(page, "supply-cross-region-form-error-phone")
    page.locator("#id_other_coverage").fill("英德市沙口镇")
    page.get_by_role("button", name=zh("Save")).click()
    expect(page.locator("main")).to_contain_text("沙口镇")
    page.locator("button[value=pending_review]").click()
    project = Project.objects.get(title="鹏城困境儿童助学金")

    log_in(page, live_server, "shenzhen_mz")
    open_menu_link(page, zh("Listing review"))
    page.get_by_role("link", name="鹏城困境儿童助学金").click()
    page.locator("button[value=published]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Project.objects.get(pk=project.pk).status == Project.Status.PUBLISHED

    log_in(page, live_server, "yingde_mz")
    assert Notification.objects.filter(
        recipient__username="yingde_mz", kind="listing_coverage"
    ).exists()
    page.goto(f"{live_server.url}/supply/review/projects/")
    results = page.locator("#results")
    expect(results).to_contain_text("鹏城困境儿童助学金")
    expect(results).to_contain_text(zh("Cross-region aid · %(region)s") % {"region": "深圳市"})
    no_sideways_scroll(page)
    shoot(page, "supply-cross-region-county-ledger-phone")

    Project.objects.filter(pk=project.pk).update(
        starts_on=dt.date(2026, 1, 1), last_disclosed_on=dt.date(2026, 1, 15)
    )
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/showcase/projects/{project.pk}/")
    expect(page.locator("#disclosure")).to_contain_text("上次公开 2026-01-15")
    no_sideways_scroll(page)
    shoot(page, "showcase-project-disclosure-phone")
    assert console_errors == []
    assert failed_responses == [f"400 supply/organisations/{foundation.pk}/projects/new/"]
