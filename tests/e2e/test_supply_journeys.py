"""The supply ledger in a browser: a charity's change reviewed by the county, a social worker
looking for projects for the own township, and the public showcase without login."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from supply import editions, services
from supply.models import ListingChange, Project

from ..factories import UserFactory, region_tree
from ..supply.conftest import make_org
from .conftest import PHONE, log_in, no_sideways_scroll, open_menu_link, zh


@pytest.fixture
def ledger(transactional_db):
    """Yingde's charity with a published study-aid project, and Qingxin's with a canteen."""
    regions = region_tree()
    officer = UserFactory(
        username="yingde_mz", name="罗科长", role="civil_affairs", region=regions["county_a"]
    )
    other_officer = UserFactory(
        username="qingxin_mz", name="邓科长", role="civil_affairs", region=regions["county_b"]
    )
    charity = UserFactory(username="cishan", name="陈干事", role="charity")
    worker = UserFactory(
        username="shakou", name="李社工", role="social_worker", region=regions["township_a1"]
    )
    org = make_org(officer, regions["county_a"], code="51441881MJ0000001Q", staff=[charity])
    org_b = make_org(
        other_officer, regions["county_b"], code="51441803MJ0000002X", name="清新区慈善会"
    )
    study = services.project_save(
        user=charity,
        organization=org,
        fields={
            "title": "困境儿童助学金",
            "description": "为困境儿童提供每学期 1000 元助学金,用于学杂费和生活费。",
            "application_process": "由社工站协助填写申请表,附在读证明,交英德市慈善会审核。",
            "required_documents": "身份证或户口簿、在读证明",
            "contact_name": "黄老师",
            "contact_phone": "0763-2222333",
            "starts_on": dt.date(2026, 1, 1),
            "ends_on": dt.date(2027, 12, 31),
            "capacity": 10,
            "age_min": 6,
            "age_max": 18,
        },
        terms={
            "area": ["education_aid"],
            "form": ["cash"],
            "status": ["dibao", "tekun"],
            "tag": ["child_in_difficulty"],
        },
        coverage=[regions["county_a"]],
    )
    canteen = services.project_save(
        user=other_officer,
        organization=org_b,
        fields={
            "title": "太和镇长者饭堂",
            "description": "为高龄独居老人提供午餐",
            "application_process": "到镇社工站登记",
            "starts_on": dt.date(2026, 1, 1),
        },
        terms={"area": ["elderly_support"], "form": ["daily_living"]},
        coverage=[regions["township_b1"]],
    )
    Project.objects.filter(pk__in=[study.pk, canteen.pk]).update(
        status=Project.Status.PUBLISHED, last_confirmed_at=dt.datetime.now(dt.UTC)
    )
    return {"study": study, "canteen": canteen, "charity": charity, "worker": worker}


def test_a_charity_edits_a_published_project_and_the_county_approves_it(
    page, live_server, ledger, shoot, console_errors, failed_responses
):
    study = ledger["study"]
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "cishan")
    open_menu_link(page, zh("My organisation"))
    expect(page.get_by_role("heading", name=zh("My organisation"))).to_be_visible()
    no_sideways_scroll(page)
    shoot(page, "supply-workspace-phone")

    page.get_by_role("link", name="困境儿童助学金").click()
    page.get_by_role("link", name=zh("Propose a change")).click()
    expect(page.locator("#id_title")).to_have_value("困境儿童助学金")
    page.locator("#id_title").fill("困境儿童助学金(2026 秋季)")
    page.locator("#id_capacity").fill("20")
    page.get_by_label("物资", exact=True).check()
    page.get_by_label("望埠镇").check()
    no_sideways_scroll(page)
    shoot(page, "supply-change-form-phone")
    page.get_by_role("button", name=zh("Send for review")).click()

    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(".alert-info")).to_contain_text(zh("See the change"))
    expect(page.get_by_role("heading", level=1)).to_have_text("困境儿童助学金")
    shoot(page, "supply-change-pending-phone")
    assert Project.objects.get(pk=study.pk).capacity == 10

    page.context.clear_cookies()
    log_in(page, live_server, "yingde_mz")
    open_menu_link(page, zh("Listing review"))
    page.get_by_role("link", name="困境儿童助学金").first.click()
    diff = page.locator("#diff")
    expect(diff).to_contain_text("困境儿童助学金(2026 秋季)")
    expect(diff).to_contain_text("+ 物资")
    expect(diff).to_contain_text("+ 望埠镇")
    no_sideways_scroll(page)
    shoot(page, "supply-change-diff-phone")
    page.locator("#approve").click()
    expect(page.locator(".alert-success")).to_contain_text("困境儿童助学金(2026 秋季)")
    shoot(page, "supply-review-queue-after-approval-phone")

    study.refresh_from_db()
    assert (study.title, study.capacity) == ("困境儿童助学金(2026 秋季)", 20)
    assert ListingChange.objects.get().status == ListingChange.Status.APPROVED
    assert console_errors == []
    assert failed_responses == []


def test_a_social_worker_finds_the_projects_for_the_own_township(
    page, live_server, ledger, shoot, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    open_menu_link(page, zh("Browse the ledger"))
    results = page.locator("#results")
    expect(results).to_contain_text("困境儿童助学金")
    expect(results).not_to_contain_text("太和镇长者饭堂")
    expect(page.locator("#id_covers")).to_have_value("441881101000")
    no_sideways_scroll(page)
    shoot(page, "supply-ledger-my-township-phone")

    page.locator("#id_covers").select_option("")
    expect(results).to_contain_text("太和镇长者饭堂")
    page.get_by_role("button", name=zh("More filters")).click()
    page.locator("#id_eligible_status").select_option("dibao")
    page.locator("#id_area").select_option("education_aid")
    expect(results).not_to_contain_text("太和镇长者饭堂")
    expect(results).to_contain_text("困境儿童助学金")

    page.get_by_role("link", name="困境儿童助学金").click()
    expect(page.locator("main")).to_contain_text("由社工站协助填写申请表")
    expect(page.locator("main")).to_contain_text("0763-2222333")
    no_sideways_scroll(page)
    shoot(page, "supply-project-detail-phone")

    editions.edition_publish(period="2026-H1")
    page.goto(f"{live_server.url}/supply/")
    page.get_by_role("link", name=zh("Ledger editions")).click()
    page.get_by_role("link", name="2026年上半年").click()
    expect(page.locator("#id_township")).to_have_value("441881101000")
    expect(page.locator("main")).to_contain_text("困境儿童助学金")
    expect(page.locator("main")).not_to_contain_text("太和镇长者饭堂")
    no_sideways_scroll(page)
    shoot(page, "supply-edition-my-township-phone")
    assert console_errors == []
    assert failed_responses == []


def test_the_public_showcase_renders_without_login(
    page, live_server, ledger, shoot, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/showcase/")
    expect(page.get_by_role("link", name="登录")).to_be_visible()
    results = page.locator("#results")
    expect(results).to_contain_text("困境儿童助学金")
    expect(results).to_contain_text("太和镇长者饭堂")
    no_sideways_scroll(page)
    shoot(page, "showcase-phone")

    page.locator("#id_area").select_option("elderly_support")
    expect(results).not_to_contain_text("困境儿童助学金")
    page.get_by_role("link", name="太和镇长者饭堂").click()
    expect(page.locator("main")).to_contain_text("到镇社工站登记")
    shoot(page, "showcase-project-phone")

    page.goto(f"{live_server.url}/showcase/projects/{ledger['study'].pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("由社工站协助填写申请表")
    # The listing's contact is published; the staff accounts are not.
    expect(page.locator("#contact")).to_contain_text("黄老师")
    expect(page.locator("#contact")).to_contain_text("0763-2222333")
    for private in ("陈干事", "罗科长"):
        expect(page.locator("body")).not_to_contain_text(private)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/showcase/")
    shoot(page, "showcase-desktop")
    assert console_errors == []
    assert failed_responses == []


def test_a_county_officer_registers_an_organisation_and_publishes_its_listing(
    page, live_server, ledger, shoot, console_errors, failed_responses
):
    draft = services.project_save(
        user=ledger["charity"],
        organization=ledger["study"].organization,
        fields={
            "title": "独居老人探访",
            "description": "每月两次上门探访独居老人",
            "application_process": "社工站推荐",
            "starts_on": dt.date(2026, 3, 1),
        },
        terms={"area": ["elderly_support"], "form": ["caring_visit"]},
        coverage=[ledger["worker"].region],
    )
    services.project_transition(user=ledger["charity"], project=draft, to="pending_review")
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "yingde_mz")
    page.goto(f"{live_server.url}/supply/organisations/new/")
    page.locator("#id_name").fill("英德市助老服务中心")
    page.locator("#id_credit_code").fill("5144000")
    page.locator("#id_org_type").select_option("service_institution")
    page.get_by_role("button", name=zh("Register")).click()
    expect(page.locator("#id_credit_code_error")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("英德市助老服务中心")
    no_sideways_scroll(page)
    shoot(page, "supply-register-error-phone")
    page.locator("#id_credit_code").fill("52441881MJ1234567A")
    page.get_by_role("button", name=zh("Register")).click()
    expect(page.locator(".alert-warning").first).to_contain_text("52441881MJ1234567A")
    expect(page.get_by_role("heading", name="英德市助老服务中心")).to_be_visible()
    shoot(page, "supply-registered-with-warning-phone")

    open_menu_link(page, zh("Listing review"))
    page.get_by_role("link", name="独居老人探访").click()
    shoot(page, "supply-listing-to-publish-phone")
    page.locator("button[value=published]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Project.objects.get(pk=draft.pk).status == Project.Status.PUBLISHED
    page.goto(f"{live_server.url}/supply/review/projects/")
    expect(page.locator("#results")).to_contain_text("独居老人探访")
    shoot(page, "supply-tier-projects-phone")
    assert console_errors == []
    assert failed_responses == ["400 supply/organisations/new/"]
