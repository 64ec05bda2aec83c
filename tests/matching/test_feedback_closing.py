"""Issue 10, point 5: the household's feedback after aid is one of the pages that can close a
need; like the need's status page and the household form, it lists what closing withdraws
before the worker confirms (above the button) and names what was withdrawn after."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from matching import services
from matching.models import Application
from needs.models import Need

from ..supply.conftest import make_org
from .conftest import publish

pytestmark = pytest.mark.django_db

S = Application.Status


@pytest.fixture
def two_applications(worker, need, consent, project, county_officer, regions, charity_a, charity_b):
    """One application delivered by county_org (the feedback is recorded on it) and one
    submitted to another organisation, still waiting for its answer."""
    other = make_org(
        county_officer,
        regions["county_a"],
        code="51441881MJ0000003X",
        staff=[charity_b],
        name="英德市关爱儿童协会",
    )
    pending = services.application_create(
        user=worker,
        need=need,
        project=publish(other, charity_b, county_officer, title="关爱助学金"),
        mode="assisted",
    )
    delivered = services.application_create(
        user=worker, need=need, project=project, mode="assisted", overlap_reason="两家分别资助"
    )
    services.application_accept(user=charity_a, application=delivered)
    services.review_confirm(user=county_officer, application=delivered)
    services.application_deliver(
        user=charity_a, application=delivered, delivered_on=timezone.localdate(), quantity="1"
    )
    return delivered, pending


def _feedback(client, worker, application, outcome, **extra):
    client.force_login(worker)
    with translation.override("zh-hans"):
        return client.post(
            f"/matching/applications/{application.pk}/feedback/",
            {
                "feedback-satisfaction": "5",
                "feedback-need_outcome": outcome,
                **extra,
            },
            follow=True,
        )


def test_the_service_returns_what_the_needs_closing_withdrew(worker, two_applications):
    delivered, pending = two_applications
    feedback = services.feedback_record(
        user=worker, application=delivered, side="household", satisfaction=5, need_outcome="met"
    )
    assert [r.number for r in feedback.closed_with] == [pending.number]
    assert feedback.closed_with[0].status == S.SUBMITTED


def test_feedback_that_keeps_the_need_open_withdraws_nothing(worker, two_applications):
    delivered, pending = two_applications
    feedback = services.feedback_record(
        user=worker, application=delivered, side="household", satisfaction=5, need_outcome="open"
    )
    assert feedback.closed_with == []
    assert Application.objects.get(pk=pending.pk).status == S.SUBMITTED


@pytest.mark.parametrize(
    ("outcome", "extra", "status"),
    [
        ("met", {}, Need.Status.MET),
        ("unmet", {"feedback-outcome_reason": "仍缺生活费"}, Need.Status.CLOSED_UNMET),
    ],
)
def test_the_message_after_the_feedback_names_what_was_withdrawn(
    client, worker, need, two_applications, outcome, extra, status
):
    delivered, pending = two_applications
    response = _feedback(client, worker, delivered, outcome, **extra)
    page = response.content.decode()
    message = page.split('class="alert alert-success"', 1)[1].split("</div>", 1)[0]
    assert "随之撤回的对接申请" in message
    assert pending.number in message and "关爱助学金" in message and "英德市关爱儿童协会" in message
    assert "已提交" in message  # the status it had
    assert delivered.number in message
    assert Application.objects.get(pk=pending.pk).status == S.WITHDRAWN
    assert Need.objects.get(pk=need.pk).status == status


def test_no_withdrawal_is_announced_when_the_need_stays_open(client, worker, two_applications):
    delivered, pending = two_applications
    page = _feedback(client, worker, delivered, "open").content.decode()
    assert "随之撤回" not in page
    assert Application.objects.get(pk=pending.pk).status == S.SUBMITTED


def test_the_feedback_form_lists_them_above_its_button(client, worker, two_applications):
    delivered, pending = two_applications
    client.force_login(worker)
    page = client.get(f"/matching/applications/{delivered.pk}/").content.decode()
    form = page.split(f'action="/matching/applications/{delivered.pk}/feedback/"', 1)[1]
    form = form.split("</form>", 1)[0]
    listed = form.index('id="feedback-closing"')
    assert listed < form.index('type="submit"')
    assert pending.number in form[listed:]


def test_a_refused_feedback_still_lists_them(client, worker, two_applications):
    delivered, pending = two_applications
    client.force_login(worker)
    response = client.post(
        f"/matching/applications/{delivered.pk}/feedback/",
        {"feedback-satisfaction": "5", "feedback-need_outcome": "unmet"},  # no reason given
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="feedback-closing"' in page and pending.number in page
    assert Application.objects.get(pk=pending.pk).status == S.SUBMITTED
