"""Matching in a browser, on a phone: the social worker finds a project for a child's need and
applies, the charity accepts and delivers, the county confirms the match, the worker records the
household's feedback — and the charity sees the consented minimum only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import Application
from needs import services as needs_services
from needs.models import Consent, Member, Need
from supply import services as supply_services
from supply.models import Project

from ..factories import UserFactory, region_tree
from ..needs.factories import make_household, member_input
from ..supply.conftest import make_org
from .conftest import PHONE, log_in, no_sideways_scroll, open_menu_link, zh


@pytest.fixture
def scene(transactional_db):
    return make_scene()


def make_scene() -> dict:
    """A county project for dibao children in difficulty, a child of 10 in 沙口镇 with her
    guardian's consent and an education need: the officer ``yingde_mz``, the charity's
    ``cishan`` and the worker ``shakou``."""
    regions = region_tree()
    officer = UserFactory(
        username="yingde_mz", name="罗科长", role="civil_affairs", region=regions["county_a"]
    )
    charity = UserFactory(username="cishan", name="陈干事", role="charity")
    worker = UserFactory(
        username="shakou", name="李社工", role="social_worker", region=regions["township_a1"]
    )
    org = make_org(officer, regions["county_a"], code="51441881MJ0000001Q", staff=[charity])
    study = supply_services.project_save(
        user=charity,
        organization=org,
        fields={
            "title": "困境儿童助学金",
            "description": "为困境儿童提供每学期 1000 元助学金,用于学杂费和生活费。",
            "application_process": "由社工站协助填写申请表,附在读证明。",
            "starts_on": dt.date(2026, 1, 1),
            "ends_on": dt.date(2027, 12, 31),
            "capacity": 10,
            "age_min": 6,
            "age_max": 18,
        },
        terms={
            "area": ["education_aid"],
            "form": ["cash"],
            "status": ["dibao"],
            "tag": ["child_in_difficulty"],
        },
        coverage=[regions["county_a"]],
    )
    Project.objects.filter(pk=study.pk).update(
        status=Project.Status.PUBLISHED, last_confirmed_at=timezone.now()
    )
    household = make_household(
        worker,
        regions["township_a1"],
        members=[
            member_input("李大山", age=40, statuses=["dibao"], phone="13800138000"),
            member_input(
                "李小花",
                relation=Member.Relation.CHILD,
                age=10,
                sex="female",
                tags=["child_in_difficulty"],
                health_notes="哮喘,需长期用药",
            ),
        ],
    )
    child = household.members.get(name="李小花")
    today = timezone.localdate()
    needs_services.consent_record(
        user=worker,
        household=household,
        member=child,
        given_by=Consent.GivenBy.GUARDIAN,
        guardian_name="李大山",
        guardian_relation="父亲",
        purpose=Consent.Purpose.MATCHING,
        scope=Consent.Scope.ANY_SUPPLIER,
        given_on=today,
        expires_on=today + dt.timedelta(days=365),
    )
    need = needs_services.need_register(
        user=worker,
        household=household,
        member=child,
        area="education_aid",
        form="cash",
        description="孩子上初中,学杂费困难",
    )
    return {"household": household, "need": need, "child": child, "project": study}


def test_worker_applies_charity_delivers_county_confirms_worker_records_feedback(
    page, live_server, scene, shoot, console_errors, failed_responses
):
    household, need = scene["household"], scene["need"]
    page.set_viewport_size(PHONE)

    # The social worker, on a home visit: from the need to the ranked projects.
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/needs/households/{household.pk}/")
    page.get_by_role("link", name=zh("Find resources")).first.click()
    candidates = page.locator("#candidates")
    expect(candidates).to_contain_text("困境儿童助学金")
    page.locator("#candidates details summary").first.click()
    expect(candidates).to_contain_text(zh("Area fit"))
    expect(page.locator("#pre-aid-check")).to_be_visible()
    no_sideways_scroll(page)
    shoot(page, "matching-candidates-phone")

    candidates.get_by_role("link", name=zh("Apply")).first.click()
    page.locator("[name='mode'][value='assisted']").check()
    page.locator("[name='message']").fill("孩子今年升入初中,家中仅父亲打零工。")
    page.locator("[name='share_contact']").check()
    no_sideways_scroll(page)
    shoot(page, "matching-apply-form-phone")
    page.get_by_role("button", name=zh("Submit application")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    shoot(page, "matching-application-submitted-phone")

    # The charity: the inbox shows the consented minimum only.
    log_in(page, live_server, "cishan")
    open_menu_link(page, zh("Applications received"))
    inbox = page.locator("main")
    expect(inbox).to_contain_text(application.number)
    expect(inbox).not_to_contain_text("哮喘")
    no_sideways_scroll(page)
    shoot(page, "matching-inbox-phone")
    page.get_by_role("link", name=application.number).first.click()
    card = page.locator("#supplier-card")
    expect(card).to_contain_text("李小花")
    expect(page.locator("main")).not_to_contain_text("哮喘")
    expect(page.locator("main")).not_to_contain_text("13800138000")
    expect(page.locator("#simplified-procedure")).to_be_visible()
    shoot(page, "matching-supplier-detail-phone")
    page.get_by_role("button", name=zh("Accept the application")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Project.objects.get(pk=scene["project"].pk).places_taken == 1

    # The county confirms the match from its review queue.
    log_in(page, live_server, "yingde_mz")
    open_menu_link(page, zh("Match review"))
    expect(page.locator("main")).to_contain_text(application.number)
    no_sideways_scroll(page)
    shoot(page, "matching-review-queue-phone")
    page.get_by_role("link", name=application.number).first.click()
    page.get_by_role("button", name=zh("Confirm"), exact=True).click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Application.objects.get().review_status == Application.Review.CONFIRMED

    # The charity records the delivery and its own feedback.
    log_in(page, live_server, "cishan")
    page.goto(f"{live_server.url}/matching/applications/{application.pk}/")
    page.locator("[name='deliver-value']").fill("1000")
    page.locator("[name='deliver-quantity']").fill("1 学期助学金")
    shoot(page, "matching-delivery-form-phone")
    page.get_by_role("button", name=zh("Record delivery")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("[name='supplier_feedback-satisfaction'][value='5']").check()
    page.get_by_role("button", name=zh("Record feedback")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Application.objects.get().status == Application.Status.DELIVERED

    # The worker records the household's feedback: the match closes, the need is met.
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/matching/applications/{application.pk}/")
    page.locator("[name='feedback-satisfaction'][value='4']").check()
    page.locator("[name='feedback-comment']").fill("钱已到账,孩子已交学费。")
    page.locator("[name='feedback-need_outcome'][value='met']").check()
    no_sideways_scroll(page)
    shoot(page, "matching-household-feedback-phone")
    page.get_by_role("button", name=zh("Record feedback")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    shoot(page, "matching-application-closed-phone")

    application.refresh_from_db()
    need.refresh_from_db()
    assert application.status == Application.Status.CLOSED
    assert need.status == Need.Status.MET

    # The household page shows the application in its fragment.
    page.goto(f"{live_server.url}/needs/households/{household.pk}/")
    expect(page.locator("main")).to_contain_text(application.number)
    shoot(page, "matching-household-fragment-phone")
    assert console_errors == []
    assert failed_responses == []
