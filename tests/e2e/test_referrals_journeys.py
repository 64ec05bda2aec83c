"""Referrals in a browser, on a 390×844 phone.

1. A social worker refers a child to the county's women's federation from a need on the
   household page (with a scan); the federation's staff receive, accept, serve and close it with
   an outcome; the worker sees every step on the household's timeline.
2. A charity refers a person (not in the ledger) to the county civil affairs; the county officer
   accepts, registers the household, records "granted" — and the household shows the status.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from needs import services as needs_services
from needs.models import AssistanceRecord, Consent, Member
from referrals.models import Referral
from supply import services as supply_services

from ..factories import UserFactory, region_tree
from ..needs.factories import make_household, member_input
from .conftest import PHONE, log_in, no_sideways_scroll, open_menu_link, zh

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def small_tap_targets(page) -> list[str]:
    """Buttons and action links of the referral pages under 44 px high."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                '.tap-targets .btn, .tap-targets .list-group-item-action')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.innerText.trim(), el.getBoundingClientRect().height])
            .filter(([text, h]) => h < 44)
            .map(([text, h]) => `${text}: ${h}px`)"""
    )


def check_phone_page(page, shoot, name: str) -> None:
    no_sideways_scroll(page)
    assert small_tap_targets(page) == [], name
    shoot(page, name)


@pytest.fixture
def scene(transactional_db):
    regions = region_tree()
    officer = UserFactory(
        username="yingde_mz", name="罗科长", role="civil_affairs", region=regions["county_a"]
    )
    worker = UserFactory(
        username="shakou", name="李社工", role="social_worker", region=regions["township_a1"]
    )
    fulian_staff = UserFactory(username="fulian", name="妇联 陈主任", role="charity")
    cishan = UserFactory(username="cishan", name="慈善会 王专员", role="charity")
    fulian, _w = supply_services.organization_register(
        user=officer,
        name="英德市妇女联合会",
        credit_code="13441881MB0000001K",
        org_type="womens_federation",
        registering_region=regions["county_a"],
        staff=[fulian_staff],
    )
    province = UserFactory(
        username="gd_mz", role="civil_affairs", region=regions["province"], name="省厅"
    )
    charity_org, _w = supply_services.organization_register(
        user=province,
        name="广东省慈善会",
        credit_code="51440000MJ0000003B",
        org_type="association",
        registering_region=regions["province"],
        staff=[cishan],
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
        purpose=Consent.Purpose.REFERRAL,
        scope=Consent.Scope.ANY_SUPPLIER,
        given_on=today,
        expires_on=today + dt.timedelta(days=365),
    )
    need = needs_services.need_register(
        user=worker,
        household=household,
        member=child,
        area="child_support",
        form="caring_visit",
        description="母亲外出务工,孩子放学后无人照看",
    )
    return {
        "regions": regions,
        "household": household,
        "child": child,
        "need": need,
        "fulian": fulian,
        "charity_org": charity_org,
    }


def test_a_worker_refers_a_child_the_federation_serves_and_closes_the_worker_sees_it(
    page, live_server, scene, shoot, console_errors, failed_responses, tmp_path
):
    household, need = scene["household"], scene["need"]
    page.set_viewport_size(PHONE)

    # The social worker: from the need on the household page to the referral form.
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/needs/households/{household.pk}/")
    expect(page.locator("#household-referrals")).to_be_visible()
    page.get_by_role("link", name=zh("Refer"), exact=True).first.click()
    expect(page.locator(f"[name='needs'][value='{need.pk}']")).to_be_checked()
    page.locator("[name='organization']").select_option(str(scene["fulian"].pk))
    page.locator("[name='urgency'][value='urgent']").check()
    page.locator("[name='reason']").fill(
        "母亲外出务工,孩子放学后由年迈的祖母照看,希望得到关爱陪伴。"
    )
    scan = tmp_path / "在读证明.pdf"
    scan.write_bytes(PDF)
    page.locator("[name='attachments']").set_input_files(str(scan))
    check_phone_page(page, shoot, "referrals-send-form-phone")
    page.get_by_role("button", name=zh("Send the referral")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    referral = Referral.objects.get()
    assert referral.status == Referral.Status.SENT
    check_phone_page(page, shoot, "referrals-sent-phone")

    # The federation: its inbox, the consented snapshot, receive, accept, serve, close.
    log_in(page, live_server, "fulian")
    open_menu_link(page, zh("Referrals"))
    expect(page.locator("#referrals")).to_contain_text(referral.number)
    check_phone_page(page, shoot, "referrals-charity-inbox-phone")
    page.get_by_role("link", name=referral.number).first.click()
    expect(page.locator("#snapshot")).to_contain_text("李小花")
    main = page.locator("main")
    expect(main).not_to_contain_text("哮喘")
    expect(main).not_to_contain_text("13800138000")
    expect(main).not_to_contain_text(household.code)
    expect(page.locator("#attachments")).to_contain_text("在读证明.pdf")
    check_phone_page(page, shoot, "referrals-charity-detail-phone")
    page.get_by_role("button", name=zh("Confirm receipt")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("[name='accept-note']").fill("下周二上门探访。")
    page.get_by_role("button", name=zh("Accept the referral")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.get_by_role("button", name=zh("Start the service")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("[name='outcome-outcome'][value='helped']").check()
    page.locator("[name='outcome-note']").fill("志愿者每周两次陪伴辅导,孩子情绪和学习明显好转。")
    check_phone_page(page, shoot, "referrals-charity-outcome-form-phone")
    page.get_by_role("button", name=zh("Record the outcome")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#outcome")).to_contain_text(zh("Helped: the difficulty is eased"))
    check_phone_page(page, shoot, "referrals-charity-closed-phone")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED

    # The worker: every step on the household's timeline.
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/needs/households/{household.pk}/")
    timeline = page.locator("#referral-timeline")
    expect(timeline).to_contain_text(zh("Referral received"))
    expect(timeline).to_contain_text(zh("Referral accepted"))
    expect(timeline).to_contain_text(zh("Service started"))
    expect(timeline).to_contain_text(
        zh("Outcome: %(outcome)s") % {"outcome": zh("Helped: the difficulty is eased")}
    )
    page.locator("#household-referrals").scroll_into_view_if_needed()
    no_sideways_scroll(page)
    shoot(page, "referrals-household-timeline-phone")
    assert console_errors == []
    assert failed_responses == []


def test_a_charity_refers_a_person_to_the_county_which_grants_the_status(
    page, live_server, scene, shoot, console_errors, failed_responses
):
    regions = scene["regions"]
    page.set_viewport_size(PHONE)

    # The charity: a person who may qualify for tekun, not in the ledger.
    log_in(page, live_server, "cishan")
    open_menu_link(page, zh("Refer a person to civil affairs"))
    page.locator("[name='person_name']").fill("黄阿婆")
    page.locator("[name='region']").select_option(regions["township_a1"].pk)
    page.locator("[name='person_address']").fill("沙口镇清华村 3 号")
    page.locator("[name='person_phone']").fill("13620001001")
    page.locator("[name='aid_sought']").select_option("tekun")
    page.locator("[name='reason']").fill("老人独居,无子女,无固定收入,可能符合特困人员供养条件。")
    # Sent without the person's agreement: refused next to the box, the input kept.
    page.get_by_role("button", name=zh("Send the referral")).click()
    expect(page.locator("#id_person_agreed_error")).to_be_visible()
    expect(page.locator("[name='person_name']")).to_have_value("黄阿婆")
    check_phone_page(page, shoot, "referrals-person-form-refused-phone")
    page.locator("[name='person_agreed']").check()
    page.get_by_role("button", name=zh("Send the referral")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    referral = Referral.objects.get()
    assert referral.receiver_region_id == regions["county_a"].pk
    check_phone_page(page, shoot, "referrals-person-sent-phone")

    # The county officer: accept, register the household, record "granted".
    log_in(page, live_server, "yingde_mz")
    open_menu_link(page, zh("Referrals"))
    expect(page.locator("#referrals")).to_contain_text(referral.number)
    with page.expect_navigation():
        page.get_by_role("link", name=referral.number).first.click()
    check_phone_page(page, shoot, "referrals-county-detail-phone")
    page.get_by_role("button", name=zh("Accept the referral")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.get_by_role("link", name=zh("Register the household")).click()
    expect(page.locator("[name='name']")).to_have_value("黄阿婆")
    page.locator("[name='region']").select_option(regions["township_a1"].pk)
    page.locator("[name='worker']").select_option(label="李社工(沙口镇)")
    page.locator("[name='sex']").select_option("female")
    page.locator("[name='birth_date']").fill("1946-05-12")
    check_phone_page(page, shoot, "referrals-county-register-phone")
    page.get_by_role("button", name=zh("Register and link")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("[name='outcome-outcome'][value='granted']").check()
    page.locator("[name='outcome-note']").fill("经审核审批,纳入特困人员供养,自下月起发放。")
    check_phone_page(page, shoot, "referrals-county-outcome-form-phone")
    page.get_by_role("button", name=zh("Record the outcome")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#outcome")).to_contain_text(zh("Government aid granted"))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED
    household = referral.household
    assert AssistanceRecord.objects.filter(member__household=household, status="tekun").exists()

    # The household page shows the new status.
    page.get_by_role("link", name=household.code).first.click()
    expect(page.locator("main .badge.text-bg-primary").first).to_have_text(
        zh("Person in extreme poverty (tekun)")
    )
    check_phone_page(page, shoot, "referrals-county-household-status-phone")

    # The charity sees the outcome, and nothing of the ledger.
    log_in(page, live_server, "cishan")
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    expect(page.locator("#outcome")).to_contain_text(zh("Government aid granted"))
    expect(page.locator("main")).not_to_contain_text(household.code)
    check_phone_page(page, shoot, "referrals-charity-sees-outcome-phone")
    assert console_errors == []
    assert failed_responses == ["400 referrals/person/"]  # the refused form, sent back


def test_the_county_refers_a_household_to_the_station_which_serves_it_as_a_case(
    page, live_server, scene, shoot, console_errors, failed_responses
):
    household = scene["household"]
    page.set_viewport_size(PHONE)

    # The county officer refers the household to its township station, from the household page.
    log_in(page, live_server, "yingde_mz")
    page.goto(f"{live_server.url}/needs/households/{household.pk}/")
    page.get_by_role("link", name=zh("Refer the household")).click()
    page.locator("[name='direction'][value='to_station']").check()
    page.locator("[name='reason']").fill("低保家庭,孩子情绪和学业问题突出,需要社工站个案跟进。")
    page.get_by_role("button", name=zh("Send the referral")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    referral = Referral.objects.get()

    # The station's worker accepts it and opens a case with a plan, a note and a review.
    log_in(page, live_server, "shakou")
    open_menu_link(page, zh("Referrals"))
    page.get_by_role("link", name=referral.number).first.click()
    page.get_by_role("button", name=zh("Accept the referral")).click()
    page.get_by_role("link", name=zh("Open a case")).click()
    page.locator("[name='assessment']").fill("孩子内向,学业跟不上;祖母照看力不从心。")
    check_phone_page(page, shoot, "referrals-case-open-form-phone")
    page.get_by_role("button", name=zh("Open the case")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("[name='goal-goal']").fill("每周一次上门陪伴和课业辅导")
    page.locator("[name='goal-due_on']").fill(
        (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    )
    page.get_by_role("button", name=zh("Add the goal")).click()
    expect(page.locator("#plan")).to_contain_text("每周一次上门陪伴和课业辅导")
    page.locator("[name='case_note-kind'][value='review']").check()
    page.locator("[name='case_note-body']").fill("一个月回顾:孩子愿意交流,作业按时完成。")
    page.get_by_role("button", name=zh("Add the note")).click()
    expect(page.locator("#case-notes")).to_contain_text("一个月回顾")
    page.get_by_role("button", name=zh("Reached")).click()
    check_phone_page(page, shoot, "referrals-case-detail-phone")
    page.locator("[name='close-outcome'][value='goals_met']").check()
    page.get_by_role("button", name=zh("Close the case")).click()
    expect(page.locator("#closure")).to_contain_text(zh("Goals met"))
    check_phone_page(page, shoot, "referrals-case-closed-phone")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED
    open_menu_link(page, zh("Case service"))
    check_phone_page(page, shoot, "referrals-case-list-phone")

    # The county sees the outcome on its referral.
    log_in(page, live_server, "yingde_mz")
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    expect(page.locator("#outcome")).to_contain_text(zh("Helped: the difficulty is eased"))
    assert console_errors == []
    assert failed_responses == []
