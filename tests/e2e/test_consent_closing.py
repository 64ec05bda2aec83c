"""Issue 10, point 5, in a browser on a phone: every page that can make a need met or closed
lists, before the worker confirms, the need's other open applications that go with it, and
names them after saving (in Chinese): the household's feedback after delivery, the need's
status page, and the household form when the person leaves."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching import services
from matching.models import Application
from needs.models import Need

from ..matching.conftest import give_consent
from .conftest import PHONE, log_in, no_sideways_scroll, zh
from .consent_scene import build_scene, snap


@pytest.fixture
def scene(transactional_db):
    """The child's need with two applications: one delivered by 英德市慈善会 (the feedback is
    recorded on it) and one still waiting for 英德市关爱儿童协会's answer."""
    scene = build_scene()
    give_consent(scene.worker, scene.child)
    pending = services.application_create(
        user=scene.worker, need=scene.need, project=scene.project_b, mode="assisted"
    )
    delivered = services.application_create(
        user=scene.worker,
        need=scene.need,
        project=scene.project_a,
        mode="assisted",
        overlap_reason="两家分别资助学费和生活费",
    )
    services.application_accept(user=scene.charity_a, application=delivered)
    services.review_confirm(user=scene.officer, application=delivered)
    services.application_deliver(
        user=scene.charity_a,
        application=delivered,
        delivered_on=timezone.localdate(),
        quantity="1 学期",
    )
    scene.pending = pending
    scene.delivered = delivered
    return scene


def test_feedback_that_meets_the_need_lists_the_pending_application_before_and_names_it_after(
    page, live_server, scene, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/matching/applications/{scene.delivered.pk}/")

    # Before: inside the feedback form, above its button, the pending application.
    feedback = page.locator("form").filter(has=page.locator("[name='feedback-need_outcome']"))
    listed = feedback.locator("#feedback-closing")
    expect(listed).to_be_visible()
    expect(listed).to_contain_text(scene.pending.number)
    expect(listed).to_contain_text("关爱助学金")
    expect(listed).to_contain_text("英德市关爱儿童协会")
    expect(listed).to_contain_text(zh("Submitted"))
    expect(listed).not_to_contain_text(scene.delivered.number)
    button = feedback.get_by_role("button", name=zh("Record feedback"))
    assert listed.bounding_box()["y"] < button.bounding_box()["y"]
    feedback.locator("[name='feedback-satisfaction'][value='5']").check()
    feedback.locator("[name='feedback-need_outcome'][value='met']").check()
    listed.scroll_into_view_if_needed()
    no_sideways_scroll(page)
    snap(page, "closing-feedback-before-phone")
    page.screenshot(path=str(_viewport_path("closing-feedback-before-viewport-phone")))

    # After: the message names what was withdrawn.
    button.click()
    success = page.locator(".alert-success")
    expect(success).to_contain_text(zh("Withdrawn with it: %(records)s.").split("%")[0])
    expect(success).to_contain_text(scene.pending.number)
    expect(success).to_contain_text("关爱助学金")
    snap(page, "closing-feedback-after-phone")

    pending = Application.objects.get(pk=scene.pending.pk)
    assert pending.status == Application.Status.WITHDRAWN
    assert Need.objects.get(pk=scene.need.pk).status == Need.Status.MET
    assert console_errors == []
    assert failed_responses == []


def test_the_status_page_lists_them_before_and_names_them_after(
    page, live_server, scene, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/needs/households/{scene.household.pk}/")
    page.get_by_role("link", name=zh("Mark as met")).click()
    listed = page.locator("#closing-withdraws")
    expect(listed).to_contain_text(scene.pending.number)
    expect(listed).to_contain_text("英德市关爱儿童协会")
    no_sideways_scroll(page)
    snap(page, "closing-status-before-phone")
    page.get_by_role("button", name=zh("Change status")).click()
    success = page.locator(".alert-success")
    expect(success).to_contain_text(scene.pending.number)
    snap(page, "closing-status-after-phone")
    assert Application.objects.get(pk=scene.pending.pk).status == Application.Status.WITHDRAWN
    assert console_errors == []
    assert failed_responses == []


def test_the_household_form_lists_them_before_a_member_leaves_and_names_them_after(
    page, live_server, scene, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/needs/households/{scene.household.pk}/edit/")
    child_row = page.locator("fieldset.member-row").nth(1)
    expect(child_row.locator("[name$='-name']")).to_have_value("李小花")
    listed = child_row.locator(".leaving-withdraws")
    expect(listed).to_contain_text(scene.pending.number)
    expect(listed).to_contain_text("英德市关爱儿童协会")
    child_row.get_by_label(zh("This person has left the household")).check()
    listed.scroll_into_view_if_needed()
    no_sideways_scroll(page)
    page.screenshot(path=str(_viewport_path("closing-member-leaves-before-phone")))
    page.get_by_role("button", name=zh("Save")).click()
    success = page.locator(".alert-success")
    expect(success).to_contain_text(scene.pending.number)
    snap(page, "closing-member-leaves-after-phone")
    assert Application.objects.get(pk=scene.pending.pk).status == Application.Status.WITHDRAWN
    assert console_errors == []
    assert failed_responses == []


def _viewport_path(name: str):
    from .conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
