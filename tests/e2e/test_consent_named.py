"""Issue 10, point 3, in a browser on a phone: a consent for named organisations is recorded
by typing part of an organisation's name and picking it from the ledger; it then allows
applying to that organisation's project and not to another's. The organisation's page, with
its credit code, is open to the social worker and linked from its projects."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from matching.models import Application
from needs.models import Consent

from .conftest import PHONE, log_in, no_sideways_scroll, zh
from .consent_scene import CODE_B, build_scene, snap


@pytest.fixture
def scene(transactional_db):
    return build_scene()


def _apply_url(live_server, scene, project) -> str:
    return f"{live_server.url}/matching/needs/{scene.need.pk}/apply/{project.pk}/"


def test_a_named_organisation_is_picked_by_name_and_only_its_project_can_be_applied_to(
    page, live_server, scene, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")

    # The consent page, from the household page.
    page.goto(f"{live_server.url}/needs/households/{scene.household.pk}/")
    page.get_by_role("link", name=zh("Record consent")).first.click()
    page.get_by_label(zh("person")).select_option(label="李小花")
    page.get_by_label(zh("given by")).select_option("guardian")
    page.get_by_label(zh("guardian's name")).fill("李大山")
    page.get_by_label(zh("guardian's relation")).fill("父亲")
    picker = page.locator("[data-recipient-picker]")
    expect(picker).to_be_hidden()  # "any supplier": nothing to name
    page.locator("select[name=scope]").select_option("named")
    expect(picker).to_be_visible()

    # Saving without a pick: the rule is said next to the picker, the input kept.
    page.get_by_role("button", name=zh("Save")).click()
    expect(page.locator("#id_recipients_error")).to_be_visible()
    expect(page.get_by_label(zh("guardian's name"))).to_have_value("李大山")
    assert Consent.objects.count() == 0

    # Part of the name finds the organisation, with its tier, region and code.
    search = page.get_by_role("searchbox", name=zh("Organisations named"))
    search.fill("关爱")
    result = page.locator("[data-pick-organization]", has_text="英德市关爱儿童协会")
    expect(result).to_be_visible()
    expect(result).to_contain_text(CODE_B)
    expect(page.locator("[data-pick-organization]", has_text="英德市慈善会")).to_have_count(0)
    no_sideways_scroll(page)
    snap(page, "consent-named-search-phone")
    box = result.bounding_box()
    assert box and box["height"] >= 44
    result.click()
    chosen = page.locator("[data-chosen] li")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("英德市关爱儿童协会")
    expect(chosen).to_contain_text(CODE_B)
    snap(page, "consent-named-picked-phone")
    page.get_by_role("button", name=zh("Save")).click()
    expect(
        page.get_by_role("heading", name=zh("Consent to share personal information"))
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text(CODE_B)
    consent = Consent.objects.get()
    assert consent.scope == Consent.Scope.NAMED
    assert list(consent.recipients.values_list("name", "credit_code")) == [
        ("英德市关爱儿童协会", CODE_B)
    ]

    # The other organisation's project: the consent does not cover it, and applying is refused.
    page.goto(_apply_url(live_server, scene, scene.project_a))
    expect(page.locator("#consent-state")).to_have_attribute("data-state", "not_covering")
    expect(page.locator("#consent-panel")).to_contain_text("英德市关爱儿童协会")
    snap(page, "consent-named-not-covering-phone")
    page.get_by_role("button", name=zh("Submit application")).click()
    expect(page.locator("#consent-refused")).to_be_visible()
    assert not Application.objects.exists()

    # The named organisation's project: in force, and the application goes.
    page.goto(_apply_url(live_server, scene, scene.project_b))
    expect(page.locator("#consent-state")).to_have_attribute("data-state", "in_force")
    page.get_by_role("button", name=zh("Submit application")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Application.objects.get().organization == scene.org_b
    assert console_errors == []
    assert failed_responses == [
        f"400 needs/households/{scene.household.pk}/consents/new/",
        f"400 matching/needs/{scene.need.pk}/apply/{scene.project_a.pk}/",
    ]


def test_a_named_organisation_is_picked_inside_the_apply_page(
    page, live_server, scene, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    page.goto(_apply_url(live_server, scene, scene.project_b))
    page.locator("[name='message']").fill("请关爱协会协助")
    page.locator("#record-consent").click()
    form = page.locator("#consent-form")
    form.get_by_label(zh("given by")).select_option("guardian")
    form.get_by_label(zh("guardian's name")).fill("李大山")
    form.get_by_label(zh("guardian's relation")).fill("父亲")
    form.locator("select[name=scope]").select_option("named")
    form.get_by_role("searchbox", name=zh("Organisations named")).fill("儿童协会")
    form.locator("[data-pick-organization]", has_text="英德市关爱儿童协会").click()
    expect(form.locator("[data-chosen] li")).to_have_count(1)
    snap(page, "consent-named-in-place-phone")
    form.get_by_role("button", name=zh("Record consent")).click()
    expect(page.locator("#consent-state")).to_have_attribute("data-state", "in_force")
    expect(page.locator("#consent-panel")).to_contain_text("英德市关爱儿童协会")
    expect(page.locator("[name='message']")).to_have_value("请关爱协会协助")
    snap(page, "consent-named-in-place-in-force-phone")
    page.get_by_role("button", name=zh("Submit application")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Application.objects.get().organization == scene.org_b
    assert console_errors == []
    assert failed_responses == []


def test_the_worker_reads_the_organisation_page_from_its_project(
    page, live_server, scene, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shakou")
    page.goto(f"{live_server.url}/supply/projects/{scene.project_b.pk}/")
    owner = page.locator("#project-organization")
    expect(owner).to_contain_text(CODE_B)
    snap(page, "project-credit-code-phone")
    owner.get_by_role("link", name="英德市关爱儿童协会").click()
    expect(page.get_by_role("heading", name="英德市关爱儿童协会")).to_be_visible()
    facts = page.locator("#organization-facts")
    expect(facts).to_contain_text(CODE_B)
    expect(page.locator("#organization-projects")).to_contain_text("关爱助学金")
    expect(page.get_by_role("link", name=zh("New project"))).to_have_count(0)
    no_sideways_scroll(page)
    snap(page, "organization-read-only-phone")
    assert console_errors == []
    assert failed_responses == []
