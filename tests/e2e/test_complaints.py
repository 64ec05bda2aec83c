"""Complaints in a browser, on a 390×844 phone: the public files a complaint from a project
page (a form sent back shows the error summary and puts the focus on the field), keeps the
tracking code; the county officer takes it on and concludes with a reply; the public reads the
status and the reply by the code, and nothing else."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from oversight.models import Complaint

from ..factories import UserFactory, region_tree
from ..matching.conftest import publish
from ..supply.conftest import make_org
from .conftest import PHONE, log_in, no_sideways_scroll, open_menu_link, zh
from .test_tap_targets import ALLOWED, MEASURE, MIN, OPEN_EVERYTHING

PHOTO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
BODY = "村委会通知申请助学金要先交 50 元资料费,交了以后一直没有消息。"


def small_tap_targets(page) -> list[str]:
    """Buttons, fields, choices and standalone links of the page under 44 px high."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                'main .btn, main input:not([type=hidden]):not([type=radio]), main select,'
                + ' main textarea, main .form-check, main .tap-inline, main .breadcrumb-item > a')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.innerText.trim() || el.name || el.tagName,
                        el.getBoundingClientRect().height])
            .filter(([text, h]) => h < 44)
            .map(([text, h]) => `${text}: ${h}px`)"""
    )


def check_phone_page(page, shoot, name: str) -> None:
    """No sideways scroll; every tap target at least 44 px, by the same measure as the main
    pages of every role (test_tap_targets), as loaded and with everything folded open."""
    no_sideways_scroll(page)
    assert small_tap_targets(page) == [], name
    shoot(page, name)
    offenders = page.evaluate(MEASURE, [MIN, list(ALLOWED)])
    page.evaluate(OPEN_EVERYTHING)
    offenders += page.evaluate(MEASURE, [MIN, list(ALLOWED)])
    assert offenders == [], name


@pytest.fixture
def scene(transactional_db):
    regions = region_tree()
    officer = UserFactory(
        username="yingde_mz", name="罗科长", role="civil_affairs", region=regions["county_a"]
    )
    staff = UserFactory(username="cishan", name="慈善会 王专员", role="charity")
    organization = make_org(officer, regions["county_a"], code="51441881MJ0000001R", staff=[staff])
    project = publish(organization, staff, officer, title="困境儿童助学金")
    return {"regions": regions, "officer": officer, "project": project}


def test_the_public_files_a_complaint_on_a_phone_and_reads_the_reply_by_tracking_code(
    page, live_server, scene, shoot, console_errors, failed_responses, tmp_path
):
    project = scene["project"]
    page.set_viewport_size(PHONE)

    # The public, not logged in: from the project page of the showcase to the form.
    page.goto(f"{live_server.url}/showcase/projects/{project.pk}/")
    page.locator("#complaint-link").click()
    expect(page.locator("#linked-project")).to_contain_text(project.title)
    expect(page.locator("[name='subject_kind'][value='project']")).to_be_checked()
    check_phone_page(page, shoot, "complaints-form-phone")

    # Sent without saying what happened and without the phone: the summary, the focus.
    page.get_by_label(zh("Leave a contact so that civil affairs can call me back")).check()
    page.get_by_role("button", name=zh("Send the complaint")).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_count(2)
    expect(summary).to_contain_text(zh("What happened"))
    expect(summary).to_contain_text(zh("Leave a phone number, or file the complaint anonymously."))
    assert page.evaluate("document.activeElement.name") in ("body", "contact_phone")
    check_phone_page(page, shoot, "complaints-form-errors-phone")
    assert not Complaint.objects.exists()

    page.locator("[name='body']").fill(BODY)
    page.locator("[name='contact_name']").fill("王女士")
    page.locator("[name='contact_phone']").fill("139 1234 5678")
    photo = tmp_path / "收据.png"
    photo.write_bytes(PHOTO)
    page.locator("[name='attachment']").set_input_files(str(photo))
    page.get_by_role("button", name=zh("Send the complaint")).click()
    expect(page.locator("#tracking-code")).to_be_visible()
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}", code), code
    check_phone_page(page, shoot, "complaints-filed-code-phone")
    complaint = Complaint.objects.get()
    assert complaint.region_id == "441881000000" and complaint.attachments.count() == 1

    # Before anyone answers: the status and the day it is due.
    page.get_by_role("link", name=zh("Read the answer with the code")).click()
    page.locator("[name='code']").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name=zh("Read the status")).click()
    expect(page.locator("#tracked-status")).to_have_text(str(Complaint.Status.RECEIVED.label))

    # The county officer, on a phone: the menu, the complaint, take it on, conclude.
    log_in(page, live_server, "yingde_mz")
    open_menu_link(page, zh("Complaints"))
    expect(page.locator("#complaints")).to_contain_text(complaint.number)
    check_phone_page(page, shoot, "complaints-officer-list-phone")
    page.get_by_role("link", name=re.compile(complaint.number)).click()
    expect(page.locator("#body")).to_contain_text(BODY)
    expect(page.locator("#facts")).to_contain_text("139****5678")
    expect(page.locator("#facts")).not_to_contain_text("13912345678")
    expect(page.locator("#body")).to_contain_text("收据.png")
    page.get_by_role("button", name=zh("Start the investigation")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.get_by_label(zh("Upheld"), exact=True).check()
    page.locator("[name='reply']").fill(
        "经核查属实,已责令村委会退还费用,并通报批评。感谢您的监督。"
    )
    check_phone_page(page, shoot, "complaints-officer-conclude-phone")
    page.get_by_role("button", name=zh("Conclude and reply")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CONCLUDED

    # The public again, without login: the status and the reply, nothing else.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/complaints/track/")
    page.locator("[name='code']").fill(code)
    page.get_by_role("button", name=zh("Read the status")).click()
    expect(page.locator("#tracked-status")).to_have_text(str(Complaint.Status.CONCLUDED.label))
    expect(page.locator("#tracked-reply")).to_contain_text("已责令村委会退还费用")
    main = page.locator("main")
    for secret in (BODY[:8], "王女士", "139", project.title, "罗科长", "英德市", complaint.number):
        expect(main).not_to_contain_text(secret)
    check_phone_page(page, shoot, "complaints-tracked-reply-phone")

    assert console_errors == []
    assert [f for f in failed_responses if not f.startswith("400 complaints/")] == []
