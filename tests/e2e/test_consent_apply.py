"""Issue 10, point 2, in a browser on a phone: the apply page shows the consent state up
front, records consent in place (htmx), and the application goes on with what was typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from matching.models import Application
from needs.models import Consent

from .conftest import PHONE, log_in, no_sideways_scroll, zh
from .consent_scene import build_scene, snap


@pytest.fixture
def scene(transactional_db):
    return build_scene()


def _apply_url(live_server, scene) -> str:
    return f"{live_server.url}/matching/needs/{scene.need.pk}/apply/{scene.project_a.pk}/"


def test_consent_is_recorded_in_place_and_the_application_goes_on_with_its_input(
    page, live_server, scene, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    page.goto(_apply_url(live_server, scene))

    # Up front, before anything is typed: no consent for this person and this supplier.
    panel = page.locator("#consent-panel")
    expect(panel).to_be_visible()
    expect(panel).to_be_in_viewport()
    expect(panel.locator("#consent-state")).to_have_attribute("data-state", "missing")
    expect(panel).to_contain_text(scene.org_a.name)
    expect(panel.locator("#consent-under-14")).to_contain_text("李小花")
    no_sideways_scroll(page)
    snap(page, "consent-apply-missing-phone")

    # The worker types the application first.
    message = "孩子今年升入初中,家中仅父亲打零工。"
    page.locator("[name='mode'][value='assisted']").check()
    page.locator("[name='message']").fill(message)
    page.locator("[name='share_contact']").check()

    # The consent form loads inside the page: the guardian rule is shown for the child.
    page.locator("#record-consent").click()
    form = page.locator("#consent-form")
    expect(form).to_be_visible()
    expect(form.locator("#consent-guardian-rule")).to_contain_text("李小花")
    expect(form.locator("#consent-guardian-rule")).to_contain_text(zh("A guardian, in writing"))
    assert page.url == _apply_url(live_server, scene)
    snap(page, "consent-apply-form-in-place-phone")

    # First a wrong input: the child "consents herself". The error is next to the field.
    form.get_by_label(zh("given by")).select_option("self")
    form.get_by_role("button", name=zh("Record consent")).click()
    error = page.locator("#consent_given_by_error")
    expect(error).to_contain_text("监护人")
    expect(page.locator("#error-summary")).to_be_visible()
    assert Consent.objects.count() == 0
    expect(page.locator("[name='message']")).to_have_value(message)
    no_sideways_scroll(page)
    snap(page, "consent-apply-form-error-phone")
    snap(page, "consent-apply-form-error-viewport-phone", full_page=False)

    # Then correctly, through the guardian.
    form = page.locator("#consent-form")
    form.get_by_label(zh("given by")).select_option("guardian")
    form.get_by_label(zh("guardian's name")).fill("李大山")
    form.get_by_label(zh("guardian's relation")).fill("父亲")
    form.get_by_role("button", name=zh("Record consent")).click()
    expect(panel.locator("#consent-state")).to_have_attribute("data-state", "in_force")
    expect(page.locator("#consent-panel")).to_contain_text("李大山")
    expect(page.locator("#error-summary")).to_have_count(0)
    consent = Consent.objects.get()
    assert consent.given_by == Consent.GivenBy.GUARDIAN and consent.member == scene.child

    # What was typed is still there; the printable form is one tap away.
    expect(page.locator("[name='message']")).to_have_value(message)
    expect(page.locator("[name='share_contact']")).to_be_checked()
    expect(page.locator("#consent-print")).to_be_visible()
    assert page.url == _apply_url(live_server, scene)
    no_sideways_scroll(page)
    snap(page, "consent-apply-in-force-phone")

    page.get_by_role("button", name=zh("Submit application")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.message == message and application.share_contact
    assert application.consent == consent
    snap(page, "consent-apply-submitted-phone")
    assert console_errors == []
    assert failed_responses == []


def test_the_printable_form_opened_from_the_apply_page_leads_back_to_it(
    page, live_server, scene, console_errors
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    page.goto(_apply_url(live_server, scene))
    # Opened and closed again: the page is as it was.
    page.locator("#record-consent").click()
    page.locator("#consent-form").get_by_role("button", name=zh("Cancel")).click()
    expect(page.locator("#consent-form")).to_have_count(0)
    expect(page.locator("#record-consent")).to_be_visible()
    expect(page.locator("#record-consent")).to_be_focused()
    page.locator("#record-consent").click()
    form = page.locator("#consent-form")
    form.get_by_label(zh("given by")).select_option("guardian")
    form.get_by_label(zh("guardian's name")).fill("李大山")
    form.get_by_label(zh("guardian's relation")).fill("父亲")
    form.get_by_role("button", name=zh("Record consent")).click()
    expect(page.locator("#consent-state")).to_have_attribute("data-state", "in_force")

    page.locator("#consent-print").click()
    expect(
        page.get_by_role("heading", name=zh("Consent to share personal information"))
    ).to_be_visible()
    snap(page, "consent-print-from-apply-phone")
    page.get_by_role("link", name=zh("Back")).click()
    page.wait_for_url(_apply_url(live_server, scene))
    expect(page.locator("#consent-state")).to_have_attribute("data-state", "in_force")
    assert console_errors == []


def test_without_javascript_the_consent_page_is_a_link_away_and_comes_back(
    browser, live_server, scene
):
    context = browser.new_context(
        java_script_enabled=False, viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    log_in(page, live_server, "shakou")
    page.goto(_apply_url(live_server, scene))
    expect(page.locator("#consent-state")).to_have_attribute("data-state", "missing")

    # Applying anyway: one message, in the panel, and nothing created.
    page.locator("[name='message']").fill("请尽快")
    page.get_by_role("button", name=zh("Submit application")).click()
    expect(page.locator("#consent-refused")).to_be_visible()
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator(".invalid-feedback")).to_have_count(0)
    expect(page.locator("[name='message']")).to_have_value("请尽快")
    assert not Application.objects.exists()
    snap(page, "consent-apply-refused-nojs-phone")

    page.locator("#record-consent").click()
    page.wait_for_url("**/consents/new/**")
    page.get_by_label(zh("given by")).select_option("guardian")
    page.get_by_label(zh("guardian's name")).fill("李大山")
    page.get_by_label(zh("guardian's relation")).fill("父亲")
    snap(page, "consent-page-nojs-phone")
    page.get_by_role("button", name=zh("Save")).click()
    page.wait_for_url(_apply_url(live_server, scene))
    expect(page.locator("#consent-state")).to_have_attribute("data-state", "in_force")
    snap(page, "consent-apply-in-force-nojs-phone")
    page.get_by_role("button", name=zh("Submit application")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Application.objects.get().status == Application.Status.SUBMITTED
    context.close()


def test_for_a_need_of_the_whole_household_the_panel_follows_the_person_chosen(
    page, live_server, scene, console_errors, failed_responses
):
    from needs import services as needs_services

    from ..matching.conftest import give_consent

    give_consent(scene.worker, scene.child)
    whole = needs_services.need_register(
        user=scene.worker,
        household=scene.household,
        member=None,
        area="education_aid",
        form="cash",
        description="全家助学",
    )
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/matching/needs/{whole.pk}/apply/{scene.project_a.pk}/")
    state = page.locator("#consent-state")
    expect(state).to_have_attribute("data-state", "unknown")
    page.locator("#id_member").select_option(label="李大山(户主)")
    expect(state).to_have_attribute("data-state", "missing")
    expect(page.locator("#consent-panel")).to_contain_text("李大山")
    page.locator("#id_member").select_option(label="李小花(子女)")
    expect(state).to_have_attribute("data-state", "in_force")
    snap(page, "consent-apply-household-need-phone")

    # Back to the father: his consent recorded in place, the panel follows him.
    page.locator("#id_member").select_option(label="李大山(户主)")
    expect(state).to_have_attribute("data-state", "missing")
    page.locator("#record-consent").click()
    form = page.locator("#consent-form")
    expect(form.get_by_label(zh("person"))).to_have_value(str(scene.father.pk))
    form.get_by_label(zh("given by")).select_option("self")
    form.get_by_role("button", name=zh("Record consent")).click()
    expect(state).to_have_attribute("data-state", "in_force")
    expect(page.locator("#consent-panel")).to_contain_text(zh("The person, in writing"))
    expect(page.locator("#id_member")).to_have_value(str(scene.father.pk))
    page.get_by_role("button", name=zh("Submit application")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Application.objects.get().member == scene.father
    assert console_errors == []
    assert failed_responses == []
