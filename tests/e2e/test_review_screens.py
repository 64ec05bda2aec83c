"""What the charity and the county officer read on their screens (issue 10, points 7–9): the
contact the person agreed to, the review queue's order, and a change inside a long text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching import services
from matching.models import Application
from supply import services as supply_services
from supply.models import Project

from .conftest import PHONE, log_in, no_sideways_scroll, zh
from .test_matching_journey import make_scene


@pytest.fixture
def scene(transactional_db):
    return make_scene()


def _project_like(project: Project, title: str) -> Project:
    """Another published listing of the same organisation with the same terms."""
    copy = supply_services.project_save(
        user=project.organization.staff.get(),
        organization=project.organization,
        fields={
            "title": title,
            "description": project.description,
            "application_process": project.application_process,
            "starts_on": project.starts_on,
            "ends_on": project.ends_on,
            "capacity": 10,
            "age_min": 6,
            "age_max": 18,
        },
        terms={
            kind: list(project.terms.filter(kind=kind).values_list("value", flat=True))
            for kind in ("area", "form", "status", "tag")
        },
        coverage=[c.region for c in project.coverage.select_related("region")],
    )
    Project.objects.filter(pk=copy.pk).update(
        status=Project.Status.PUBLISHED, last_confirmed_at=timezone.now()
    )
    copy.refresh_from_db()
    return copy


def test_the_charity_reads_that_the_person_agreed_but_no_number_is_on_file(
    page,
    live_server,
    scene,
    shoot,
    console_errors,
):
    """GIVEN a child without a phone whose father has not consented for himself
    WHEN the worker applies sharing the contact and the charity opens the application
    THEN it reads "agreed, no number on file" with the worker who applied — not "did not agree"."""
    worker = scene["household"].worker
    services.application_create(
        user=worker,
        need=scene["need"],
        project=scene["project"],
        mode="assisted",
        share_contact=True,
    )
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "cishan")
    page.goto(f"{live_server.url}/matching/applications/{Application.objects.get().pk}/")
    missing = page.locator("#phone-missing")
    expect(missing).to_contain_text("未登记电话号码")
    expect(missing).to_contain_text(worker.get_full_name())
    expect(page.locator("#phone-not-shared")).to_have_count(0)
    no_sideways_scroll(page)
    shoot(page, "charity-contact-agreed-no-number-phone")
    assert console_errors == []


def test_the_review_queue_shows_open_flags_first_then_required_reviews(
    page,
    live_server,
    scene,
    shoot,
    console_errors,
):
    worker = scene["household"].worker
    projects = [scene["project"], *(_project_like(scene["project"], f"助学金 {n}") for n in (2, 3))]
    applications = []
    for project in projects:
        applications.append(
            services.application_create(
                user=worker,
                need=scene["need"],
                project=project,
                mode="assisted",
                overlap_reason="" if not applications else "上一项不足以支付学费",
            )
        )
    now = timezone.now()
    for days_ago, application in zip((3, 2, 1), applications, strict=True):
        Application.objects.filter(pk=application.pk).update(
            submitted_at=now - dt.timedelta(days=days_ago)
        )
    plain, required, flagged = applications
    officer = scene["project"].organization.registering_region.users.get(role="civil_affairs")
    services.review_flag(user=officer, application=flagged, flag="duplicate", note="核实重复")

    page.set_viewport_size(PHONE)
    log_in(page, live_server, officer.username)
    page.goto(f"{live_server.url}/matching/review/")
    rows = page.locator("#review-queue > a")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(flagged.number)
    expect(rows.nth(0)).to_contain_text(zh("flagged"))
    expect(rows.nth(1)).to_contain_text(required.number)
    expect(rows.nth(2)).to_contain_text(plain.number)
    no_sideways_scroll(page)
    shoot(page, "review-queue-flags-first-phone")
    assert console_errors == []


def test_a_sentence_added_to_a_description_is_all_the_officer_sees_marked(
    page,
    live_server,
    scene,
    shoot,
    console_errors,
):
    project = scene["project"]
    charity = project.organization.staff.get()
    added = "寒暑假另有学习用品包,每人一份。"
    change = supply_services.listing_change_submit(
        user=charity,
        project=project,
        fields={"description": project.description + added},
        terms={
            kind: list(project.terms.filter(kind=kind).values_list("value", flat=True))
            for kind in ("area", "form", "status", "tag")
        },
        coverage=[c.region for c in project.coverage.select_related("region")],
    )
    officer = project.organization.registering_region.users.get(role="civil_affairs")
    page.set_viewport_size(PHONE)
    log_in(page, live_server, officer.username)
    page.goto(f"{live_server.url}/supply/changes/{change.pk}/")
    row = page.locator('[data-field="description"]')
    expect(row.locator("ins.diff-ins")).to_have_text(added)
    expect(row.locator("del")).to_have_count(0)
    expect(row).to_contain_text(project.description)
    no_sideways_scroll(page)
    shoot(page, "listing-change-word-diff-phone")
    assert console_errors == []
