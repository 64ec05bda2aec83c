"""The reports in a browser, on a phone: an administrator builds a county's evaluation and
downloads its files; the county officer writes the narrative and submits, the city officer
returns it with a comment; the dashboard draws its charts and drills down to a township."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from reports import services
from reports.models import AnnualEvaluation, EvaluationBuild

from ..factories import UserFactory, region_tree
from ..reports.conftest import populate
from .conftest import PHONE, log_in, no_sideways_scroll, open_menu_link, zh


@pytest.fixture
def scene(transactional_db):
    regions = region_tree()
    data = populate(regions)
    people = {
        "admin": UserFactory(
            username="gd_admin",
            name="省厅管理员",
            role="administrator",
            region=regions["province"],
            is_staff=True,
        ),
        "yingde": UserFactory(
            username="yingde_mz",
            name="英德市民政局 黄干事",
            role="civil_affairs",
            region=regions["county_a"],
        ),
        "city": UserFactory(
            username="qingyuan_mz",
            name="清远市民政局 林科长",
            role="civil_affairs",
            region=regions["city"],
        ),
    }
    return {"regions": regions, "people": people, **data}


def _built(scene) -> AnnualEvaluation:
    build = EvaluationBuild.objects.create(
        region=scene["regions"]["county_a"], year=2025, requested_by=scene["people"]["admin"]
    )
    return services.build_run(build_id=build.pk)


def test_an_administrator_builds_and_downloads_a_county_evaluation(
    page, live_server, scene, shoot, console_errors, failed_responses, tmp_path
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "gd_admin")
    open_menu_link(page, zh("Annual evaluations"))
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Annual evaluations"))
    expect(page.locator("#evaluations")).to_contain_text(zh("No evaluation yet."))
    page.locator("#id_region").select_option("441881000000")
    page.locator("#id_year").select_option("2025")
    no_sideways_scroll(page)
    shoot(page, "reports-build-form-phone")
    page.get_by_role("button", name=zh("Build"), exact=True).click()

    expect(page.locator(".alert-success")).to_contain_text("英德市")
    builds = page.locator("#builds")
    expect(builds).to_contain_text("英德市 · 2025")
    expect(builds.get_by_role("link", name="已生成:第 1 版")).to_be_visible(timeout=30_000)
    expect(page.locator("#evaluations")).to_contain_text("英德市")
    no_sideways_scroll(page)
    shoot(page, "reports-evaluation-list-phone")

    builds.get_by_role("link", name="已生成:第 1 版").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("英德市2025年度总结评估")
    expect(page.locator("#evaluation-status")).to_have_text(zh("Draft"))
    files = page.locator("#file-list")
    expect(files).to_contain_text(zh("PDF report"))
    no_sideways_scroll(page)
    shoot(page, "reports-evaluation-detail-admin-phone", full_page=False)

    pdf_row = files.locator("li").filter(has_text=zh("PDF report"))
    with page.expect_download() as download:
        pdf_row.get_by_role("link", name=zh("Download")).click()
    pdf = download.value.path().read_bytes()
    assert download.value.suggested_filename == "英德市2025年度评估-第1版.pdf"
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "英德市2025年度慈善帮扶资源供需精准对接总结评估" in text
    assert "提交的申请7" in text

    xlsx_row = files.locator("li").filter(has_text=zh("Excel workbook"))
    with page.expect_download() as download:
        xlsx_row.get_by_role("link", name=zh("Download")).click()
    wb = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert wb["3.对接频次"]["C4"].value == 7  # 英德市 (total) row: applications
    assert wb["3.对接频次"]["B4"].value == "英德市(合计)"

    # A fresh export, built by the worker, its progress shown until the link appears.
    page.locator("#id_kind").select_option("csv")
    page.get_by_role("button", name=zh("Export"), exact=True).click()
    expect(files.locator("li").filter(has_text=zh("CSV table"))).to_have_count(2)
    expect(files.get_by_role("link", name=zh("Download"))).to_have_count(4, timeout=20_000)
    shoot(page, "reports-evaluation-files-phone", full_page=False)
    assert console_errors == []
    assert failed_responses == []


def _write_section(page, key: str, text: str) -> None:
    form = page.locator(f"section#{key} form")
    form.get_by_label(zh("What worked")).fill(text)
    form.get_by_role("button", name=zh("Save the narrative")).click()
    expect(page.locator(".alert-success")).to_have_text(zh("Narrative saved."))


def test_the_county_writes_and_submits_and_the_city_returns_it_with_a_comment(
    page, live_server, scene, shoot, console_errors, failed_responses
):
    evaluation = _built(scene)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "yingde_mz")
    open_menu_link(page, zh("Annual evaluations"))
    page.locator("#evaluations").get_by_role("link", name="清远市 英德市").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("英德市2025年度总结评估")

    # Submitting before every section has its narrative is refused, with the reason.
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator("#refusal")).to_contain_text("请先填写每个板块的文字说明")
    shoot(page, "reports-submit-refused-phone", full_page=False)

    for number, key in enumerate(evaluation.metrics["sections"], start=1):
        _write_section(page, key, f"第{number}板块:入户走访覆盖全部低保家庭。")
    section = page.locator("section#results")
    section.scroll_into_view_if_needed()
    no_sideways_scroll(page)
    shoot(page, "reports-narrative-phone", full_page=False)
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("已报送清远市")
    expect(page.locator("#evaluation-status")).to_have_text("已报送")
    expect(page.locator("section#needs form")).to_have_count(0)  # no longer editable
    shoot(page, "reports-submitted-phone", full_page=False)

    log_in(page, live_server, "qingyuan_mz")
    open_menu_link(page, zh("Annual evaluations"))
    page.locator("#evaluations").get_by_role("link", name="清远市 英德市").click()
    expect(page.locator("section#needs")).to_contain_text("第1板块:入户走访覆盖全部低保家庭。")
    workflow = page.locator("#workflow")
    workflow.get_by_role("button", name=zh("Return with this comment")).click()
    expect(page.locator("#id_comment")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_comment_error")).to_have_text("请说明需要修改的内容。")
    page.locator("#id_comment").fill("请补充助医项目名额不足的具体情况。")
    no_sideways_scroll(page)
    shoot(page, "reports-city-review-phone", full_page=False)
    page.locator("#workflow").get_by_role("button", name=zh("Return with this comment")).click()
    expect(page.locator(".alert-success")).to_contain_text("已退回英德市")
    expect(page.locator("#evaluation-status")).to_have_text(zh("Returned for changes"))

    log_in(page, live_server, "yingde_mz")
    page.goto(f"{live_server.url}/reports/evaluations/{evaluation.pk}/")
    expect(page.locator("#review-comment")).to_contain_text("请补充助医项目名额不足的具体情况。")
    expect(page.locator("section#needs form")).to_have_count(1)  # editable again
    shoot(page, "reports-returned-phone", full_page=False)
    evaluation.refresh_from_db()
    assert evaluation.status == AnnualEvaluation.Status.RETURNED
    assert console_errors == []
    assert failed_responses == [
        f"400 reports/evaluations/{evaluation.pk}/submit/",
        f"400 reports/evaluations/{evaluation.pk}/return/",
    ]


def _click_bar(page, index: int) -> None:
    """Tap the bar of child ``index`` in the drill-down chart (ECharts draws on a canvas)."""
    page.locator("#chart-children").scroll_into_view_if_needed()
    point = page.evaluate(
        """(index) => {
            const box = document.getElementById("chart-children");
            const chart = echarts.getInstanceByDom(box);
            const option = chart.getOption();
            const value = option.series[0].data[index];
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [Math.max(value, 0) / 2, index]);
            const rect = box.getBoundingClientRect();
            return {x: rect.left + Math.max(x, 20), y: rect.top + y};
        }""",
        index,
    )
    page.mouse.click(point["x"], point["y"])


def test_the_dashboard_draws_its_charts_and_drills_down_to_a_township(
    page, live_server, scene, shoot, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "qingyuan_mz")
    open_menu_link(page, zh("Live figures"))
    expect(page.get_by_role("heading", level=1)).to_have_text("清远市实时统计")
    page.locator("#id_start").fill("2025-01-01")
    page.locator("#id_end").fill("2025-12-31")
    page.get_by_role("button", name=zh("Show")).click()
    expect(page.locator("#headlines")).to_contain_text("8")  # applications in 2025
    for chart in ("chart-months", "chart-areas", "chart-children"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-drawn", "true")
        expect(page.locator(f"#{chart} canvas")).to_have_count(1)
    no_sideways_scroll(page)
    shoot(page, "reports-dashboard-city-phone")

    page.locator("#chart-figure").select_option("results.value_delivered")
    _click_bar(page, 1)  # 英德市 (清新区 comes first by code)
    expect(page.get_by_role("heading", level=1)).to_have_text("英德市实时统计")
    expect(page.locator(".breadcrumb")).to_contain_text("清远市")
    expect(page.locator("#id_start")).to_have_value("2025-01-01")
    expect(page.locator("#children-links")).to_contain_text("沙口镇")
    shoot(page, "reports-dashboard-county-phone")

    page.locator("#children-links").get_by_role("link", name="沙口镇").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("沙口镇实时统计")
    expect(page.locator("#section-matching")).to_contain_text("6")
    no_sideways_scroll(page)
    shoot(page, "reports-dashboard-township-phone")

    # Back up through the breadcrumb; a neighbouring county is out of a county officer's reach.
    page.locator(".breadcrumb").get_by_role("link", name="清远市").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("清远市实时统计")
    log_in(page, live_server, "yingde_mz")
    response = page.goto(f"{live_server.url}/reports/?region=441803000000")
    assert response.status == 404
    assert console_errors == []
    assert failed_responses == ["404 reports/?region=441803000000"]
