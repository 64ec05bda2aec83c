"""Issue 10, point 2, on the matching side: the apply page shows the consent of the person
applying for this supplier up front (in force: given by whom, until when, for which
recipients; or missing, ended, revoked, not covering the organisation), offers to record it
in place and on the consent page with a way back, and says a refusal once."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.utils import timezone, translation

from matching import services
from matching.models import Application
from needs import services as needs_services
from needs.models import Consent

from .conftest import give_consent

pytestmark = pytest.mark.django_db


def _apply_url(need, project) -> str:
    return f"/matching/needs/{need.pk}/apply/{project.pk}/"


def _panel(page: str) -> str:
    return page.split('id="consent-panel"', 1)[1].split("</section>", 1)[0]


def _state(page: str) -> str:
    return _panel(page).split('id="consent-state" data-state="', 1)[1].split('"', 1)[0]


def _get(client, user, url, **params):
    client.force_login(user)
    with translation.override("zh-hans"):
        response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_apply_page_says_up_front_that_consent_is_missing_and_how_to_record_it(
    client, worker, need, project, child, county_org
):
    page = _get(client, worker, _apply_url(need, project))
    panel = _panel(page)
    assert _state(page) == "missing"
    assert county_org.name in panel
    # Up front: before the application form.
    assert page.index('id="consent-panel"') < page.index('id="application-form"')
    # The form in place (htmx) and, without JavaScript, the same address as a link: both come
    # back here.
    consent_url = (
        f"/needs/households/{need.household_id}/consents/new/?member={child.pk}&amp;next="
        + quote(_apply_url(need, project), safe="")
    )
    assert f'href="{consent_url}"' in panel and f'hx-get="{consent_url}"' in panel
    assert 'hx-target="#consent-form-slot"' in panel
    # The child consents through a guardian: the panel says so.
    assert 'id="consent-under-14"' in panel and "监护人" in panel


def test_consent_in_force_says_by_whom_until_when_and_for_which_recipients(
    client, worker, need, project, child, consent
):
    page = _get(client, worker, _apply_url(need, project))
    panel = _panel(page)
    assert _state(page) == "in_force"
    for fact in (
        "李大山",  # the guardian
        "父亲",
        consent.expires_on.strftime("%Y-%m-%d"),
        str(Consent.Scope.ANY_SUPPLIER.label),
        worker.get_full_name(),
    ):
        assert fact in panel, fact
    printable = f"/needs/households/{need.household_id}/consents/{consent.pk}/print/?next="
    assert printable + quote(_apply_url(need, project), safe="/") in panel
    assert 'id="record-consent"' not in panel


def test_a_consent_naming_another_organisation_does_not_cover_this_one(
    client, worker, need, project, child
):
    give_consent(worker, child, scope="named", recipients=[("英德市义工联", "51441881MJ0000002W")])
    page = _get(client, worker, _apply_url(need, project))
    assert _state(page) == "not_covering"
    assert "英德市义工联" in _panel(page)


def test_a_consent_naming_this_organisation_is_in_force(
    client, worker, need, project, child, county_org
):
    give_consent(
        worker, child, scope="named", recipients=[(county_org.name, county_org.credit_code)]
    )
    assert _state(_get(client, worker, _apply_url(need, project))) == "in_force"


def test_an_expired_or_revoked_consent_is_said_so_with_its_date(
    client, worker, need, project, child
):
    today = timezone.localdate()
    old = needs_services.consent_record(
        user=worker,
        household=child.household,
        member=child,
        given_by="guardian",
        guardian_name="李大山",
        guardian_relation="父亲",
        purpose="matching",
        scope="any_supplier",
        given_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=30),
    )
    page = _get(client, worker, _apply_url(need, project))
    assert _state(page) == "expired" and old.expires_on.strftime("%Y-%m-%d") in _panel(page)
    revoked = give_consent(worker, child)
    needs_services.consent_revoke(user=worker, consent=revoked, reason="监护人要求")
    page = _get(client, worker, _apply_url(need, project))
    assert _state(page) == "revoked"
    assert timezone.localdate().strftime("%Y-%m-%d") in _panel(page)


def test_applying_without_consent_is_said_once_and_keeps_the_input(client, worker, need, project):
    client.force_login(worker)
    with translation.override("zh-hans"):
        response = client.post(
            _apply_url(need, project),
            {"mode": "assisted", "message": "请尽快", "share_contact": "on", "action": "draft"},
        )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="consent-refused"' in _panel(page)
    assert page.count('id="consent-refused"') == 1
    # Not again above the form or next to a field (two boxes for one message, before).
    form = page.split('id="application-form"', 1)[1]
    assert "alert-danger" not in form and "invalid-feedback" not in form
    assert "请尽快" in form
    assert " checked" in re.search(r'<input[^>]*name="share_contact"[^>]*>', form).group(0)
    assert not Application.objects.exists()


def test_the_refused_panel_is_an_alert(client, worker, need, project):
    client.force_login(worker)
    response = client.post(_apply_url(need, project), {"mode": "assisted", "action": "submit"})
    opening = response.content.decode().split('id="consent-panel"', 1)[1].split(">", 1)[0]
    assert 'role="alert"' in opening


def test_other_refusals_stay_next_to_the_form(client, worker, need, project, consent):
    needs_services.need_transition(user=worker, need=need, to="withdrawn", reason="已自行解决")
    client.force_login(worker)
    response = client.post(_apply_url(need, project), {"mode": "assisted", "action": "submit"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "alert-danger" in page.split('id="application-form"', 1)[1]
    assert 'id="consent-refused"' not in page


# --- A need of the whole household: the panel follows the person chosen ------------------------


@pytest.fixture
def household_need(worker, family):
    return needs_services.need_register(
        user=worker,
        household=family,
        member=None,
        area="education_aid",
        form="cash",
        description="全家助学",
    )


def test_for_a_household_need_the_panel_waits_for_the_person_applying(
    client, worker, household_need, project
):
    page = _get(client, worker, _apply_url(household_need, project))
    assert _state(page) == "unknown"
    opening = _panel(page).split(">", 1)[0]
    # Choosing a person refreshes the panel (htmx), with the person chosen; so does recording
    # consent in place.
    select = re.search(r'<select[^>]*name="member"[^>]*>', page).group(0)
    back = quote(_apply_url(household_need, project), safe="")
    panel_url = f"{_apply_url(household_need, project)}consent/?next={back}&amp;choose=1"
    assert f'hx-get="{panel_url}"' in select and 'hx-target="#consent-panel"' in select
    assert 'hx-include="#id_member"' in opening


def test_the_panel_alone_shows_the_person_chosen(
    client, worker, household_need, project, child, consent, family
):
    url = _apply_url(household_need, project) + "consent/"
    father = family.members.get(name="李大山")
    assert _state(_get(client, worker, url, member=child.pk)) == "in_force"
    assert _state(_get(client, worker, url, member=father.pk)) == "missing"
    assert _state(_get(client, worker, url)) == "unknown"
    for odd in ("x", "999999", "٣", ""):
        assert _state(_get(client, worker, url, member=odd)) == "unknown"


def test_a_refused_household_application_shows_the_chosen_persons_panel(
    client, worker, household_need, project, family
):
    father = family.members.get(name="李大山")
    client.force_login(worker)
    response = client.post(
        _apply_url(household_need, project),
        {"mode": "assisted", "member": father.pk, "action": "submit"},
    )
    page = response.content.decode()
    assert _state(page) == "missing" and 'id="consent-refused"' in page
    assert f"member={father.pk}" in _panel(page)
    assert 'id="id_member_error"' not in page


def test_the_panel_is_refreshed_when_consent_is_recorded_in_place(
    client, worker, need, project, child
):
    opening = _panel(_get(client, worker, _apply_url(need, project))).split(">", 1)[0]
    back = quote(_apply_url(need, project), safe="")
    panel_url = f"{_apply_url(need, project)}consent/?member={child.pk}&amp;next={back}"
    assert f'hx-get="{panel_url}"' in opening
    assert "consentRecorded from:body" in opening and 'hx-swap="outerHTML"' in opening
    # Its children (the consent form) do not inherit its request.
    assert 'hx-disinherit="*"' in opening


def test_strangers_get_404_and_readers_403_on_the_panel(
    client, outsider, county_officer, need, project
):
    url = _apply_url(need, project) + "consent/"
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(county_officer)
    assert client.get(url).status_code == 403


def test_the_apply_page_runs_a_bounded_number_of_queries(
    client, worker, need, project, consent, django_assert_max_num_queries
):
    client.force_login(worker)
    client.get(_apply_url(need, project))
    with django_assert_max_num_queries(12):
        client.get(_apply_url(need, project))
    with django_assert_max_num_queries(10):
        client.get(_apply_url(need, project) + "consent/")


# --- A draft whose consent lapsed --------------------------------------------------------------


def test_a_draft_whose_consent_was_revoked_says_so_before_it_is_submitted(
    client, worker, need, project, child, consent
):
    draft = services.application_create(
        user=worker, need=need, project=project, mode="assisted", submit=False
    )
    detail = f"/matching/applications/{draft.pk}/"
    assert 'id="consent-panel"' not in _get(client, worker, detail)  # in force: nothing to say
    needs_services.consent_revoke(user=worker, consent=consent, reason="监护人要求")
    page = _get(client, worker, detail)
    panel = _panel(page)
    assert _state(page) == "revoked"
    # Recorded in place or on the consent page, the worker comes back to the draft.
    assert "next=" + quote(detail, safe="") in panel
    opening = panel.split(">", 1)[0]
    assert f"member={child.pk}" in opening and "hx-include" not in opening
    # Once consent is given again, the panel refreshed for the draft is in force.
    give_consent(worker, child)
    refreshed = _get(
        client, worker, _apply_url(need, project) + "consent/", member=child.pk, next=detail
    )
    assert _state(refreshed) == "in_force" and "next=" + quote(detail, safe="/") in refreshed


def test_the_panel_ignores_an_unsafe_next(client, worker, need, project, child, consent):
    page = _get(
        client, worker, _apply_url(need, project) + "consent/", next="https://evil.example/"
    )
    assert "evil" not in page
    assert quote(_apply_url(need, project), safe="/") in page
