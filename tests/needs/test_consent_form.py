"""Issue 10, points 2 and 3, on the need ledger's side: the consent form recorded in place
(htmx) or on its page with a way back (``next``), the guardian rule said before the refusal,
organisations named by the name and code picked from the ledger, and the consent state the
apply page shows up front (``selectors.consent_state``)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone, translation

from needs import selectors, services
from needs.forms import MAX_RECIPIENTS, ConsentForm
from needs.models import Consent

pytestmark = pytest.mark.django_db

CODE = "51441881MJ0000003X"
OTHER = "51441881MJ0000001R"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(household) -> str:
    return f"/needs/households/{household.pk}/consents/new/"


def _data(member, **overrides):
    today = timezone.localdate()
    data = {
        "member": member.pk,
        "purpose": "matching",
        "given_by": "self",
        "scope": "any_supplier",
        "given_on": today.isoformat(),
        "expires_on": (today + dt.timedelta(days=365)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def mother(household):
    return household.members.get(name="陈秀英")


@pytest.fixture
def son(household):
    return household.members.get(name="陈小明")


def _form(household, **data):
    return ConsentForm(data, household=household)


# --- Organisations named -----------------------------------------------------------------------


def test_named_organisations_are_posted_as_names_and_codes_and_normalised(household, mother):
    form = _form(
        household,
        **_data(mother, scope="named"),
        recipients_name=["英德市关爱儿童协会", "英德市慈善会", "英德市关爱儿童协会"],
        recipients_code=[" 51441881mj0000003x ", "５１４４１８８１ＭＪ００００００１Ｒ", CODE],
    )
    assert form.is_valid(), form.errors
    # Lower case and full width read as the code; the same organisation twice is named once.
    assert form.cleaned_data["recipients"] == [
        ("英德市关爱儿童协会", CODE),
        ("英德市慈善会", OTHER),
    ]


@pytest.mark.parametrize(
    ("names", "codes"),
    [
        (["某基金会"], [""]),  # a name alone could never be matched
        ([""], [CODE]),  # a code without the organisation's name
        (["某基金会"], ["12345"]),  # not a credit code
        (["某基金会"], ["51441881MJ000000IO"]),  # letters outside the alphabet
        (["某基金会"], ["51441881MJ00000٠٣X"]),  # a digit of another script
        (["某" * 201], [CODE]),
    ],
)
def test_a_named_organisation_without_a_usable_name_and_code_is_refused_next_to_the_field(
    household, mother, names, codes
):
    form = _form(
        household, **_data(mother, scope="named"), recipients_name=names, recipients_code=codes
    )
    assert not form.is_valid()
    assert list(form.errors) == ["recipients"]


def test_at_most_twenty_organisations_are_named(household, mother):
    codes = [f"51441881MJ{n:07d}X" for n in range(MAX_RECIPIENTS + 1)]
    form = _form(
        household,
        **_data(mother, scope="named"),
        recipients_name=[f"机构{n}" for n in range(len(codes))],
        recipients_code=codes,
    )
    assert not form.is_valid() and "recipients" in form.errors


def test_organisations_picked_before_choosing_any_supplier_are_not_named(household, mother):
    form = _form(household, **_data(mother), recipients_name=["某基金会"], recipients_code=[""])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["recipients"] == []


def test_the_help_text_says_what_the_form_requires():
    with translation.override("zh-hans"):
        text = str(ConsentForm.base_fields["recipients"].help_text)
    assert "可省略" not in text and "可不填" not in text
    assert "统一社会信用代码" in text and "选择" in text


def test_a_named_consent_through_the_page_stores_the_picked_names_and_codes(
    client, worker, household, mother
):
    client.force_login(worker)
    empty = client.post(_url(household), _data(mother, scope="named"))
    assert empty.status_code == 400 and 'id="id_recipients_error"' in empty.content.decode()
    response = client.post(
        _url(household),
        {
            **_data(mother, scope="named"),
            "recipients_name": "英德市关爱儿童协会",
            "recipients_code": CODE,
        },
    )
    consent = Consent.objects.get()
    assert response.status_code == 302
    assert list(consent.recipients.values_list("name", "credit_code")) == [
        ("英德市关爱儿童协会", CODE)
    ]
    assert consent.covers(purpose="matching", credit_code=CODE)
    assert not consent.covers(purpose="matching", credit_code=OTHER)


def test_a_refused_form_keeps_the_organisations_picked(client, worker, household, mother):
    client.force_login(worker)
    response = client.post(
        _url(household),
        {
            **_data(mother, scope="named", given_by="guardian"),  # no guardian named: refused
            "recipients_name": "英德市关爱儿童协会",
            "recipients_code": CODE,
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f'name="recipients_code" value="{CODE}"' in page
    assert 'name="recipients_name" value="英德市关爱儿童协会"' in page


def test_the_picker_searches_supplys_url_and_works_without_javascript(client, worker, household):
    client.force_login(worker)
    page = client.get(_url(household)).content.decode()
    assert 'hx-get="/supply/organisations/search/"' in page
    # Without JavaScript: typed rows of name and code, the same names the picker posts.
    noscript = page.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
    assert 'name="recipients_name"' in noscript and 'name="recipients_code"' in noscript


# --- The guardian rule, said before the refusal ------------------------------------------------


def test_the_form_for_a_child_under_14_says_a_guardian_consents_and_starts_there(
    client, worker, household, son
):
    client.force_login(worker)
    with translation.override("zh-hans"):
        page = client.get(_url(household) + f"?member={son.pk}").content.decode()
    rule = page.split('id="consent-guardian-rule"', 1)[1].split("</div>", 1)[0]
    assert "陈小明" in rule and "监护人" in rule
    assert '<option value="guardian" selected>' in page


def test_the_form_names_the_children_who_consent_through_a_guardian(client, worker, household):
    client.force_login(worker)
    page = client.get(_url(household)).content.decode()
    rule = page.split('id="consent-guardian-rule"', 1)[1].split("</div>", 1)[0]
    assert "陈小明" in rule and "陈秀英" not in rule


# --- In place (htmx) and the way back ------------------------------------------------------------


def test_in_place_the_form_is_a_fragment_with_ids_of_its_own(client, worker, household, son):
    client.force_login(worker)
    response = client.get(_url(household) + f"?member={son.pk}&next=/matching/", **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and 'id="consent-form"' in page
    assert f'hx-post="{_url(household)}"' in page
    assert 'id="consent_member"' in page and 'id="id_member"' not in page
    assert 'name="next" value="/matching/"' in page


def test_in_place_a_refusal_comes_back_as_the_form_with_its_errors(client, worker, household, son):
    client.force_login(worker)
    response = client.post(_url(household), _data(son), **HTMX)
    page = response.content.decode()
    # htmx swaps only 2xx answers.
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert 'id="consent_given_by_error"' in page and "<html" not in page
    assert Consent.objects.count() == 0


def test_in_place_a_recorded_consent_answers_the_event_and_no_message(
    client, worker, household, son
):
    client.force_login(worker)
    response = client.post(
        _url(household),
        {
            **_data(son, given_by="guardian", guardian_name="陈秀英", guardian_relation="母亲"),
            "next": "/matching/needs/1/apply/2/",
        },
        **HTMX,
    )
    consent = Consent.objects.get()
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"consentRecorded": {"consent": consent.pk}}
    page = response.content.decode()
    assert f"/consents/{consent.pk}/print/?next=/matching/needs/1/apply/2/" in page
    # No message left for the next page: the panel says it.
    follow = client.get(f"/needs/households/{household.pk}/").content.decode()
    assert "alert-success" not in follow


def test_on_its_page_the_form_goes_back_to_a_safe_next(client, worker, household, mother):
    client.force_login(worker)
    back = "/matching/needs/7/apply/9/"
    page = client.get(_url(household) + f"?next={back}").content.decode()
    assert f'name="next" value="{back}"' in page and f'href="{back}"' in page  # and Cancel
    response = client.post(_url(household), {**_data(mother), "next": back})
    assert response.status_code == 302 and response["Location"] == back


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example/",
        "//evil.example/x",
        "javascript:alert(1)",
        "\\\\evil.example",
        "http:///evil",
    ],
)
def test_an_unsafe_next_is_ignored(client, worker, household, mother, unsafe):
    client.force_login(worker)
    page = client.get(_url(household), {"next": unsafe}).content.decode()
    assert "evil" not in page and "javascript:" not in page
    response = client.post(_url(household), {**_data(mother), "next": unsafe})
    consent = Consent.objects.get()
    assert response["Location"] == f"/needs/households/{household.pk}/consents/{consent.pk}/print/"
    printed = client.get(response["Location"], {"next": unsafe}).content.decode()
    assert "evil" not in printed and "javascript:" not in printed
    assert f'href="/needs/households/{household.pk}/"' in printed


def test_the_printable_form_goes_back_to_the_page_it_came_from(client, worker, household, mother):
    consent = services.consent_record(
        user=worker,
        household=household,
        member=mother,
        given_by="self",
        purpose="matching",
        scope="any_supplier",
        given_on=timezone.localdate(),
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    client.force_login(worker)
    url = f"/needs/households/{household.pk}/consents/{consent.pk}/print/"
    assert f'href="/needs/households/{household.pk}/"' in client.get(url).content.decode()
    back = "/matching/needs/7/apply/9/"
    assert f'href="{back}"' in client.get(url, {"next": back}).content.decode()


def test_strangers_get_404_in_place_too(client, outsider, household):
    client.force_login(outsider)
    assert client.get(_url(household), **HTMX).status_code == 404
    assert client.post(_url(household), {}, **HTMX).status_code == 404


# --- The consent state -------------------------------------------------------------------------


def _consent(worker, member, **extra):
    today = timezone.localdate()
    values = {
        "given_by": "self",
        "purpose": "matching",
        "scope": "any_supplier",
        "given_on": today - dt.timedelta(days=10),
        "expires_on": today + dt.timedelta(days=30),
    }
    values.update(extra)
    return services.consent_record(user=worker, household=member.household, member=member, **values)


def _state(member, code=CODE, purpose="matching"):
    return selectors.consent_state(member=member, purpose=purpose, credit_code=code)


def test_the_state_is_missing_without_consent_for_the_purpose(worker, mother):
    assert _state(mother).status == "missing"
    _consent(worker, mother, purpose="referral")
    assert _state(mother).status == "missing"
    assert _state(mother, purpose="referral").in_force


def test_the_state_names_the_consent_in_force(worker, mother):
    consent = _consent(worker, mother)
    state = _state(mother)
    assert state.in_force and state.consent == consent


def test_the_state_says_a_named_consent_does_not_cover_another_organisation(worker, mother):
    consent = _consent(worker, mother, scope="named", recipients=[("英德市关爱儿童协会", CODE)])
    assert _state(mother, CODE).in_force
    state = _state(mother, OTHER)
    assert state.status == "not_covering" and state.consent == consent


def test_the_state_says_the_latest_consent_was_revoked_or_expired(worker, mother):
    today = timezone.localdate()
    _consent(
        worker,
        mother,
        given_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=35),
    )
    expired = _state(mother)
    assert expired.status == "expired"
    latest = _consent(worker, mother, given_on=today - dt.timedelta(days=5))
    services.consent_revoke(user=worker, consent=latest, reason="本人要求")
    revoked = _state(mother)
    assert revoked.status == "revoked" and revoked.consent == latest


@pytest.mark.parametrize("code", [CODE, OTHER, None])
def test_the_state_agrees_with_the_rule_matching_applies(worker, mother, son, code):
    _consent(worker, mother, scope="named", recipients=[("英德市关爱儿童协会", CODE)])
    for member in (mother, son):
        allowed = services.consent_allows(member=member, purpose="matching", credit_code=code)
        assert _state(member, code).in_force == (allowed is not None)


def test_the_state_of_a_person_who_left_is_missing(worker, household, mother):
    _consent(worker, mother)
    mother.left_at = timezone.now()
    assert _state(mother).status == "missing"


def test_the_state_takes_two_queries(worker, mother, django_assert_num_queries):
    _consent(worker, mother, scope="named", recipients=[("英德市关爱儿童协会", CODE)])
    _consent(worker, mother)
    with django_assert_num_queries(2):
        _state(mother, OTHER)
