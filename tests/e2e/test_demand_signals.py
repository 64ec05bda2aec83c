"""A charity reads the demand signals on a phone (issue 14, point 4): from the menu to its
page, where the township its project covers comes first with the open needs by area and form
and, beside a gap, the needs a project there would meet; then the public page of another
county, where a count under five reads "不公布". Every tap target at least 44 px."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from needs.models import Need
from supply import services
from supply.models import Project

from ..factories import UserFactory, region_tree
from ..needs.factories import make_household
from ..supply.conftest import listing, make_org
from .conftest import PHONE, log_in, no_sideways_scroll, open_menu_link, zh


@pytest.fixture
def scene(transactional_db):
    regions = region_tree()
    officer = UserFactory(username="yingde_mz", role="civil_affairs", region=regions["county_a"])
    charity = UserFactory(username="cishan", name="陈干事", role="charity")
    organization = make_org(
        officer, regions["county_a"], code="51441881MJ0000001R", staff=[charity]
    )
    project = services.project_save(
        user=charity,
        organization=organization,
        fields=listing(title="沙口镇困境儿童助学金", starts_on=dt.date(2020, 1, 1)),
        terms={"area": ["education_aid"], "form": ["cash"], "status": [], "tag": []},
        coverage=[regions["township_a1"]],
    )
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PUBLISHED)

    def needs(township, count, area, form):
        worker = UserFactory(role="social_worker", region=township)
        household = make_household(worker, township)
        Need.objects.bulk_create(
            Need(household=household, area=area, form=form, description="需求", created_by=worker)
            for _ in range(count)
        )

    needs(regions["township_a1"], 8, "poverty_relief", "cash")
    needs(regions["township_a2"], 5, "poverty_relief", "cash")
    needs(regions["township_b1"], 6, "elderly_support", "daily_living")
    needs(regions["township_b1"], 2, "medical_aid", "care")
    return regions


def _small_targets(page) -> list[str]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('main a[href], main button, main select'))
          .filter(el => el.getClientRects().length)
          .map(el => [el.textContent.trim().slice(0, 30), el.getBoundingClientRect()])
          .filter(([, box]) => box.height < 44 || box.width < 44)
          .map(([text, box]) => `${text} ${Math.round(box.width)}x${Math.round(box.height)}`)"""
    )


def test_a_charity_reads_the_demand_signals(
    page, live_server, scene, shoot, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "cishan")
    open_menu_link(page, zh("Demand signals"))
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Demand signals"))

    covered = page.locator(".demand-region")
    expect(covered).to_have_count(1)
    expect(covered).to_contain_text("沙口镇")
    gap = covered.locator(".demand-gap")
    expect(gap).to_contain_text("扶贫济困")
    expect(gap).to_contain_text("资金")
    expect(gap).to_contain_text("在此设立项目可满足 8 项需求")
    # Elsewhere: 英德市 as a whole, 13 needs in the same gap (沙口镇 8 and 望埠镇 5).
    elsewhere = page.get_by_role("link", name="英德市")
    expect(elsewhere).to_contain_text("13")
    assert _small_targets(page) == []
    no_sideways_scroll(page)
    shoot(page, "demand-charity-phone")

    # The public page of 清新区: 太和镇 has 6 and 2 needs; both read "不公布" (8 - 6 = 2).
    page.goto(f"{live_server.url}/showcase/demand/?place=441803000000")
    cells = page.locator(".demand-cells")
    expect(cells).to_contain_text("不公布")
    expect(cells.locator(".demand-count")).to_have_count(0)
    expect(page.locator("#demand-total")).to_have_text("8")
    page.get_by_role("link", name="太和镇").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("太和镇")
    expect(page.locator(".demand-cells")).not_to_contain_text("2")
    page.locator("#id_area").select_option("elderly_support")
    page.get_by_role("button", name=zh("Filter")).click()
    expect(page.locator(".demand-cells li")).to_have_count(1)
    expect(page.locator(".demand-cells")).to_contain_text("扶老")
    assert _small_targets(page) == []
    no_sideways_scroll(page)
    shoot(page, "demand-showcase-township-phone")
    assert console_errors == []
    assert failed_responses == []
