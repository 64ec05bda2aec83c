"""Issue 9, point 4: accepting checks again, with the need locked, that the consent is still in
force, the project still published and running, and the need still open. A consent ended
between submission and acceptance means the supplier gets nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts import crypto
from accounts.models import Notification
from matching import selectors, services
from matching.models import Application
from needs import services as needs_services
from needs.models import Consent, Need
from supply import services as supply_services
from supply.models import Project

from .conftest import give_consent

pytestmark = pytest.mark.django_db

S = Application.Status
PHONE = "13912345678"


@pytest.fixture
def submitted(worker, need, consent, project, child):
    """The child's application, sent with her contact shared (a phone of her own)."""
    child.phone = PHONE
    child.save()
    return services.application_create(
        user=worker,
        need=need,
        project=project,
        mode="assisted",
        share_contact=True,
        message="学费 1000 元,孩子有哮喘",
    )


def _fresh(application) -> Application:
    return Application.objects.get(pk=application.pk)


def _places(project) -> int:
    return Project.objects.get(pk=project.pk).places_taken


def _personal(application, child) -> dict[str, str]:
    """Everything of the person a supplier must not see once consent has ended."""
    return {
        "name": child.name,
        "masked ID number": crypto.mask_id_number(child.id_number),
        "masked phone": crypto.mask_phone(PHONE),
        "address": application.household.address,
        "message": "孩子有哮喘",
    }


def _assert_nothing_personal(text: str, application, child) -> None:
    for what, value in _personal(application, child).items():
        assert value and value not in text, what


# --- The service -----------------------------------------------------------------------------


def test_a_consent_revoked_after_submission_refuses_the_acceptance_and_withdraws(
    submitted, worker, charity_a, consent, project
):
    needs_services.consent_revoke(user=worker, consent=consent, reason="家长不同意了")

    with pytest.raises(services.ApplicationError) as refused:
        services.application_accept(user=charity_a, application=_fresh(submitted))

    assert refused.value.code == "no_consent"
    application = _fresh(submitted)
    assert application.status == S.WITHDRAWN
    assert application.answer == "" and application.answered_by is None
    assert _places(project) == 0
    # The withdrawal stands although the acceptance was refused.
    assert application.status_reason
    card = selectors.supplier_card(application)
    assert card.consented is False and card.name == "" and card.simplified_procedure is False
    # The household's worker hears of it.
    titles = list(Notification.objects.filter(recipient=worker).values_list("title", flat=True))
    assert any(application.number in t for t in titles)


def test_an_expired_consent_refuses_the_acceptance(submitted, charity_a, consent, project):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Consent.objects.filter(pk=consent.pk).update(
        given_on=yesterday - dt.timedelta(days=30), expires_on=yesterday
    )

    with pytest.raises(services.ApplicationError) as refused:
        services.application_accept(user=charity_a, application=_fresh(submitted))

    assert refused.value.code == "no_consent"
    assert _fresh(submitted).status == S.WITHDRAWN
    assert _places(project) == 0


def test_a_consent_that_no_longer_names_the_organisation_refuses_the_acceptance(
    submitted, worker, charity_a, consent, child, charity_b
):
    """Consent given again, but only for another organisation: not for this supplier."""
    needs_services.consent_revoke(user=worker, consent=consent, reason="只同意给另一家")
    give_consent(
        worker,
        child,
        scope=Consent.Scope.NAMED,
        recipients=[("另一家基金会", "53440000MJ0000000X")],
    )

    with pytest.raises(services.ApplicationError) as refused:
        services.application_accept(user=charity_a, application=_fresh(submitted))
    assert refused.value.code == "no_consent"
    assert _fresh(submitted).status == S.WITHDRAWN


def test_a_consent_given_again_for_the_supplier_lets_the_acceptance_go_on(
    submitted, worker, charity_a, consent, child, project
):
    needs_services.consent_revoke(user=worker, consent=consent, reason="签错了日期")
    again = give_consent(worker, child)

    services.application_accept(user=charity_a, application=_fresh(submitted))

    application = _fresh(submitted)
    assert (application.status, application.consent_id) == (S.ACCEPTED, again.pk)
    assert _places(project) == 1
    card = selectors.supplier_card(selectors.application_get_for_user(charity_a, application.pk))
    assert card.consented is True and card.name == child.name


@pytest.mark.parametrize("to", [Project.Status.PAUSED, Project.Status.CLOSED])
def test_a_project_no_longer_published_refuses_the_acceptance(submitted, charity_a, project, to):
    supply_services.project_transition(user=charity_a, project=project, to=to)

    with pytest.raises(services.ApplicationError) as refused:
        services.application_accept(user=charity_a, application=_fresh(submitted))

    assert refused.value.code == "project_not_running"
    # The supplier answers it (reject) or resumes the project; nothing else moved.
    assert _fresh(submitted).status == S.SUBMITTED
    assert _places(project) == 0


def test_a_project_past_its_end_refuses_the_acceptance(submitted, charity_a, project):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Project.objects.filter(pk=project.pk).update(
        starts_on=yesterday - dt.timedelta(days=90), ends_on=yesterday
    )

    with pytest.raises(services.ApplicationError) as refused:
        services.application_accept(user=charity_a, application=_fresh(submitted))

    assert refused.value.code == "project_not_running"
    assert yesterday.isoformat() in refused.value.messages[0]
    assert _fresh(submitted).status == S.SUBMITTED
    assert _places(project) == 0


def test_a_full_project_still_says_no_places(submitted, charity_a, project):
    Project.objects.filter(pk=project.pk).update(capacity=1, places_taken=1)
    with pytest.raises(services.ApplicationError) as refused:
        services.application_accept(user=charity_a, application=_fresh(submitted))
    assert refused.value.code == "no_places"


@pytest.mark.parametrize("status", [Need.Status.MET, Need.Status.CLOSED_UNMET])
def test_a_need_closed_behind_the_services_back_refuses_the_acceptance(
    submitted, charity_a, need, project, status
):
    """A need closed without its applications (rows written before the closing hook) is
    checked again at acceptance: withdrawn, no place taken."""
    Need.objects.filter(pk=need.pk).update(
        status=status, status_reason="已由其他渠道解决", closed_at=timezone.now()
    )

    with pytest.raises(services.ApplicationError) as refused:
        services.application_accept(user=charity_a, application=_fresh(submitted))

    assert refused.value.code == "need_closed"
    assert _fresh(submitted).status == S.WITHDRAWN
    assert _places(project) == 0
    # The worker's reason for closing stays with the household.
    assert "其他渠道" not in _fresh(submitted).status_reason


def test_a_need_closed_through_its_service_leaves_nothing_to_accept(
    submitted, worker, charity_a, need, project
):
    needs_services.need_transition(
        user=worker, need=Need.objects.get(pk=need.pk), to=Need.Status.WITHDRAWN, reason="已搬走"
    )

    with pytest.raises(services.ApplicationError) as refused:
        services.application_accept(user=charity_a, application=_fresh(submitted))
    assert refused.value.code == "illegal_transition"
    assert _places(project) == 0


# --- The page --------------------------------------------------------------------------------


def test_the_page_refuses_an_acceptance_after_revocation_and_shows_nothing_personal(
    client, submitted, worker, charity_a, consent, child, project
):
    needs_services.consent_revoke(user=worker, consent=consent, reason="不愿意")
    client.force_login(charity_a)

    with translation.override("zh-hans"):
        response = client.post(f"/matching/applications/{submitted.pk}/accept/")
    page = response.content.decode()

    assert response.status_code == 400
    assert "该申请已撤回,不会提供本人的任何信息" in page
    # Said at the top; the withdrawn application offers no acceptance any more.
    assert 'id="action-refused"' in page
    assert f"/matching/applications/{submitted.pk}/accept/" not in page
    assert 'id="simplified-procedure"' not in page
    _assert_nothing_personal(page, submitted, child)
    assert _fresh(submitted).status == S.WITHDRAWN
    assert _places(project) == 0
    for url in (f"/matching/applications/{submitted.pk}/", "/matching/inbox/"):
        shown = client.get(url).content.decode()
        _assert_nothing_personal(shown, submitted, child)
        assert "simplified-procedure" not in shown


def test_the_page_refuses_an_acceptance_of_a_paused_project(client, submitted, charity_a, project):
    supply_services.project_transition(user=charity_a, project=project, to=Project.Status.PAUSED)
    client.force_login(charity_a)
    with translation.override("zh-hans"):
        response = client.post(f"/matching/applications/{submitted.pk}/accept/")
    assert response.status_code == 400
    assert "暂停" in response.content.decode()
    assert _fresh(submitted).status == S.SUBMITTED


# --- The API ---------------------------------------------------------------------------------


def test_the_api_refuses_an_acceptance_after_revocation_and_answers_nothing_personal(
    submitted, worker, charity_a, consent, child, project
):
    needs_services.consent_revoke(user=worker, consent=consent, reason="不愿意")
    api = APIClient()
    api.force_authenticate(charity_a)

    with translation.override("zh-hans"):
        refused = api.post(f"/api/matching/applications/{submitted.pk}/accept/")
    assert refused.status_code == 400
    assert refused.json()["code"] == "no_consent"
    assert "该申请已撤回,不会提供本人的任何信息" in str(refused.json())

    detail = api.get(f"/api/matching/applications/{submitted.pk}/")
    inbox = api.get("/api/matching/inbox/")
    for response in (refused, detail, inbox):
        _assert_nothing_personal(response.content.decode(), submitted, child)
    data = detail.json()
    assert data["status"] == S.WITHDRAWN
    assert data["person"]["consented"] is False
    assert data["simplified_procedure"] is False and data["person"]["simplified_procedure"] is False
    assert _places(project) == 0


@pytest.mark.parametrize("change", ["paused", "ended", "need_closed"])
def test_the_api_refuses_an_acceptance_when_the_project_or_the_need_has_ended(
    submitted, charity_a, project, need, change
):
    if change == "paused":
        supply_services.project_transition(
            user=charity_a, project=project, to=Project.Status.PAUSED
        )
    elif change == "ended":
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        Project.objects.filter(pk=project.pk).update(
            starts_on=yesterday - dt.timedelta(days=90), ends_on=yesterday
        )
    else:
        Need.objects.filter(pk=need.pk).update(status=Need.Status.MET, closed_at=timezone.now())
    api = APIClient()
    api.force_authenticate(charity_a)

    refused = api.post(f"/api/matching/applications/{submitted.pk}/accept/")

    assert refused.status_code == 400
    expected = "need_closed" if change == "need_closed" else "project_not_running"
    assert refused.json()["code"] == expected
    assert _places(project) == 0
    assert _fresh(submitted).status != S.ACCEPTED
