"""The pages of matching: who sees which page, what the supplier never sees, applying, and each
action of the application page. Strings are checked by data (names, numbers, URLs, element
ids), not by interface wording, so the tests hold in either language."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from accounts import crypto
from accounts.models import AccessLog
from matching import services
from matching.candidates import candidate_search
from matching.models import Application, Feedback
from needs import services as needs_services
from needs.models import Need

from .conftest import TERMS, need_for, publish

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def apply(worker, need, project, **extra):
    return services.application_create(
        user=worker, need=need, project=project, mode="assisted", **extra
    )


@pytest.fixture
def application(worker, need, project, consent):
    """Submitted by the worker for the child, without sharing the contact."""
    return apply(worker, need, project)


@pytest.fixture
def accepted(application, charity_a):
    return services.application_accept(user=charity_a, application=application)


@pytest.fixture
def delivered(accepted, charity_a):
    return services.application_deliver(
        user=charity_a,
        application=accepted,
        delivered_on=timezone.localdate(),
        quantity="1000 元",
    )


def _page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _detail(application):
    return f"/matching/applications/{application.pk}/"


def _refresh(application) -> Application:
    return Application.objects.get(pk=application.pk)


# --- Who sees what ---------------------------------------------------------------------------


def test_it_shows_the_worker_ranked_candidates_with_their_reasons_and_an_apply_button(
    client, worker, need, project, consent
):
    page = _page(client, worker, f"/matching/needs/{need.pk}/candidates/")
    search = candidate_search(need)
    assert [c.project for c in search.candidates] == [project]
    assert project.title in page
    assert f"/matching/needs/{need.pk}/apply/{project.pk}/" in page
    for reason in search.candidates[0].reasons:
        assert escape(reason.label) in page
        assert escape(reason.detail) in page
        assert f"/ {reason.out_of}" in page


def test_it_explains_why_a_near_miss_is_not_offered(
    client, worker, need, project, county_org, charity_a, county_officer
):
    toddlers = publish(
        county_org, charity_a, county_officer, title="幼儿营养包", age_min=0, age_max=5
    )
    page = _page(client, worker, f"/matching/needs/{need.pk}/candidates/")
    near = page[page.index('id="near-misses"') :]
    assert toddlers.title in near
    assert escape(str(Application.Criterion.AGE.label)) in near
    assert f"/apply/{toddlers.pk}/" not in page


def test_the_pre_aid_check_lists_aid_from_every_supplier_and_marks_the_same_area(
    client, worker, child, need, project, consent, county_org, charity_a, county_officer
):
    apply(worker, need, project)  # education aid, the same area as the need below
    food = publish(
        county_org,
        charity_a,
        county_officer,
        title="困境儿童营养餐",
        terms={**TERMS, "area": ["poverty_relief"], "form": ["in_kind"]},
    )
    apply(worker, need_for(worker, child, area="poverty_relief", form="in_kind"), food)
    school_kit = need_for(worker, child, form="in_kind")
    page = _page(client, worker, f"/matching/needs/{school_kit.pk}/candidates/")
    start = page.index('id="pre-aid-check"')
    panel = page[start : page.index("</section>", start)]
    rows = panel.split("<li")[1:]
    assert len(rows) == 2
    same_area = [row for row in rows if "list-group-item-warning" in row]
    assert len(same_area) == 1 and project.title in same_area[0]
    assert food.title in panel


def test_civil_affairs_read_the_candidates_without_applying(
    client, county_officer, need, project, consent
):
    page = _page(client, county_officer, f"/matching/needs/{need.pk}/candidates/")
    assert project.title in page
    assert "/apply/" not in page
    client.force_login(county_officer)
    assert client.get(f"/matching/needs/{need.pk}/apply/{project.pk}/").status_code == 403


@pytest.mark.parametrize("who", ["outsider", "other_county_officer", "charity_b"])
def test_strangers_get_404_on_the_pages_of_a_household(client, request, who, application):
    stranger = request.getfixturevalue(who)
    client.force_login(stranger)
    urls = [
        _detail(application),
        f"/matching/needs/{application.need_id}/candidates/",
        f"/matching/needs/{application.need_id}/apply/{application.project_id}/",
        f"/matching/households/{application.household_id}/applications/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for action in ("accept", "withdraw", "review/confirm", "contact"):
        response = client.post(f"{_detail(application)}{action}/", {"reason": "x"})
        assert response.status_code == 404, action
    assert _refresh(application).status == Application.Status.SUBMITTED


def test_each_role_sees_the_application_page_with_its_own_actions(
    client, application, worker, colleague, charity_a, county_officer, administrator
):
    url = _detail(application)
    worker_page = _page(client, worker, url)
    assert f"/needs/households/{application.household_id}/" in worker_page
    assert f"{url}withdraw/" in worker_page and f"{url}accept/" not in worker_page
    assert f"{url}withdraw/" in _page(client, colleague, url)
    charity_page = _page(client, charity_a, url)
    assert f"{url}accept/" in charity_page and f"{url}reject/" in charity_page
    assert f"{url}withdraw/" not in charity_page
    officer_page = _page(client, county_officer, url)
    assert f"{url}review/confirm/" in officer_page and f"{url}review/flag/" in officer_page
    assert f"{url}accept/" not in officer_page and f"{url}withdraw/" not in officer_page
    assert f"/needs/households/{application.household_id}/" in officer_page
    assert f"{url}review/confirm/" in _page(client, administrator, url)


def test_the_supplier_sees_only_the_consented_minimum_of_the_person(
    client, application, child, charity_a
):
    child.phone = PHONE
    child.save()
    assert application.simplified_procedure  # a dibao household
    for url in (_detail(application), "/matching/inbox/", "/matching/applications/"):
        page = _page(client, charity_a, url)
        assert child.name in page
        assert "哮喘" not in page  # health notes
        assert child.id_number not in page
        assert PHONE not in page and crypto.mask_phone(PHONE) not in page
        assert application.household.address not in page
        assert application.household.code not in page
        assert need_description(application) not in page
    detail = _page(client, charity_a, _detail(application))
    assert crypto.mask_id_number(child.id_number) in detail
    assert 'id="simplified-procedure"' in detail
    assert f"{_detail(application)}contact/" not in detail
    inbox = _page(client, charity_a, "/matching/inbox/")
    assert crypto.mask_id_number(child.id_number) in inbox


def need_description(application) -> str:
    return Need.objects.get(pk=application.need_id).description


def test_a_shared_contact_shows_masked_and_is_revealed_once_with_a_reason(
    client, worker, need, project, consent, child, charity_a
):
    child.phone = PHONE
    child.save()
    application = apply(worker, need, project, share_contact=True)
    url = _detail(application)
    page = _page(client, charity_a, url)
    assert crypto.mask_phone(PHONE) in page and PHONE not in page
    assert f"{url}contact/" in page
    refused = client.post(f"{url}contact/", {"reason": ""})
    assert refused.status_code == 400 and PHONE not in refused.content.decode()
    assert not AccessLog.objects.filter(field="phone").exists()
    shown = client.post(f"{url}contact/", {"reason": "约定送达时间"})
    assert shown.status_code == 200 and PHONE in shown.content.decode()
    log = AccessLog.objects.get(field="phone")
    assert log.user == charity_a and log.field == "phone" and log.reason == "约定送达时间"
    assert PHONE not in client.get(url).content.decode()  # once, not from then on


def test_the_household_fragment_lists_its_applications_without_the_layout(
    client, application, worker, county_officer
):
    url = f"/matching/households/{application.household_id}/applications/"
    for user in (worker, county_officer):
        page = _page(client, user, url)
        assert application.number in page and _detail(application) in page
        assert "<html" not in page


def test_the_dashboard_card_links_each_role_to_its_work(
    client, application, worker, charity_a, county_officer
):
    assert "/matching/applications/" in _page(client, worker, "/matching/dashboard-card/")
    assert "/matching/inbox/" in _page(client, charity_a, "/matching/dashboard-card/")
    officer = _page(client, county_officer, "/matching/dashboard-card/")
    assert "/matching/review/" in officer and "<html" not in officer


def test_the_inbox_and_the_review_queue_are_for_their_roles_only(
    client, application, worker, charity_a, county_officer, administrator
):
    assert application.number in _page(client, charity_a, "/matching/inbox/")
    assert application.number in _page(client, county_officer, "/matching/review/")
    assert application.number in _page(client, administrator, "/matching/review/")
    _page(client, worker, "/matching/inbox/", status=404)
    _page(client, worker, "/matching/review/", status=404)
    _page(client, charity_a, "/matching/review/", status=404)


def test_the_review_queue_marks_required_reviews_and_flags(
    client, worker, family, need, project, consent, county_officer
):
    family.coi_declared = True
    family.coi_note = "社工的表妹"
    family.save()
    application = apply(worker, need, project)
    assert application.review_required
    page = _page(client, county_officer, "/matching/review/")
    assert "list-group-item-warning" in page
    services.review_flag(
        user=county_officer, application=application, flag="conflict", note="需核实亲属关系"
    )
    page = _page(client, county_officer, "/matching/review/")
    assert "list-group-item-danger" in page
    assert escape(str(Application.Flag.CONFLICT.label)) in page


def test_the_list_filters_by_status_and_searches_by_number(client, application, worker):
    page = _page(client, worker, "/matching/applications/?status=submitted")
    assert application.number in page
    page = _page(client, worker, "/matching/applications/?status=rejected")
    assert application.number not in page
    page = _page(client, worker, f"/matching/applications/?q={application.number}")
    assert application.number in page


# --- Applying --------------------------------------------------------------------------------


def test_a_worker_applies_through_the_form(client, worker, need, project, consent, charity_a):
    client.force_login(worker)
    url = f"/matching/needs/{need.pk}/apply/{project.pk}/"
    response = client.post(
        url,
        {"mode": "self", "message": "需要下学期学费", "share_contact": "on", "action": "submit"},
    )
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(application)
    assert application.status == Application.Status.SUBMITTED
    assert application.mode == "self" and application.share_contact
    assert application.member_id == need.member_id
    assert application.number in _page(client, charity_a, "/matching/inbox/")


def test_save_as_draft_keeps_the_application_from_the_supplier(
    client, worker, need, project, consent, charity_a
):
    client.force_login(worker)
    client.post(
        f"/matching/needs/{need.pk}/apply/{project.pk}/",
        {"mode": "assisted", "action": "draft"},
        follow=True,
    )
    application = Application.objects.get()
    assert application.status == Application.Status.DRAFT
    assert application.number not in _page(client, charity_a, "/matching/inbox/")


def test_a_household_need_asks_which_current_member_applies(
    client, worker, family, child, project, consent
):
    whole = needs_services.need_register(
        user=worker,
        household=family,
        member=None,
        area="education_aid",
        form="cash",
        description="全家助学",
    )
    assert whole.member_id is None
    client.force_login(worker)
    url = f"/matching/needs/{whole.pk}/apply/{project.pk}/"
    page = client.get(url).content.decode()
    assert 'name="member"' in page
    missing = client.post(url, {"mode": "assisted", "action": "submit"})
    assert missing.status_code == 400 and 'id="id_member_error"' in missing.content.decode()
    client.post(url, {"mode": "assisted", "member": child.pk, "action": "submit"})
    assert Application.objects.get().member == child


def test_applying_without_consent_links_to_the_consent_form_and_creates_nothing(
    client, worker, need, project, child
):
    client.force_login(worker)
    response = client.post(
        f"/matching/needs/{need.pk}/apply/{project.pk}/",
        {"mode": "assisted", "message": "请尽快", "action": "submit"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="consent-refused"' in page
    apply_url = quote(f"/matching/needs/{need.pk}/apply/{project.pk}/", safe="")
    consent_url = f"/needs/households/{need.household_id}/consents/new/?member={child.pk}"
    assert f"{consent_url}&amp;next={apply_url}" in page
    assert "请尽快" in page  # the input is kept
    # Said once, in the consent panel: not again above the form or next to a field.
    assert 'class="alert alert-danger' not in page and "invalid-feedback" not in page
    assert not Application.objects.exists()


def test_applying_despite_aid_of_the_same_area_requires_a_reason(
    client, worker, child, need, project, consent, county_org, charity_a, county_officer
):
    first = apply(worker, need, project)
    books = publish(
        county_org,
        charity_a,
        county_officer,
        title="助学物资包",
        terms={**TERMS, "form": ["in_kind"]},
    )
    school_kit = need_for(worker, child, form="in_kind")
    client.force_login(worker)
    url = f"/matching/needs/{school_kit.pk}/apply/{books.pk}/"
    form = client.get(url).content.decode()
    assert 'name="overlap_reason"' in form and project.title in form
    refused = client.post(url, {"mode": "assisted", "action": "submit"})
    assert refused.status_code == 400
    assert 'id="id_overlap_reason_error"' in refused.content.decode()
    assert list(Application.objects.all()) == [first]
    done = client.post(
        url, {"mode": "assisted", "overlap_reason": "助学金只够学费,缺书本", "action": "submit"}
    )
    assert done.status_code == 302
    second = Application.objects.exclude(pk=first.pk).get()
    assert second.review_required and second.overlap_reason == "助学金只够学费,缺书本"


def test_without_aid_of_the_same_area_the_form_asks_no_reason(
    client, worker, need, project, consent
):
    page = _page(client, worker, f"/matching/needs/{need.pk}/apply/{project.pk}/")
    assert 'name="overlap_reason"' not in page


def test_a_refused_project_is_said_at_the_top_of_the_form(
    client, worker, need, project, consent, county_org, charity_a, county_officer
):
    toddlers = publish(
        county_org, charity_a, county_officer, title="幼儿营养包", age_min=0, age_max=5
    )
    client.force_login(worker)
    response = client.post(
        f"/matching/needs/{need.pk}/apply/{toddlers.pk}/", {"mode": "assisted", "action": "submit"}
    )
    assert response.status_code == 400
    assert 'class="alert alert-danger' in response.content.decode()
    assert not Application.objects.exists()


# --- Actions ---------------------------------------------------------------------------------


def test_the_worker_submits_a_draft(client, worker, need, project, consent):
    draft = apply(worker, need, project, submit=False)
    client.force_login(worker)
    response = client.post(f"{_detail(draft)}submit/")
    assert response.status_code == 302 and response["Location"] == _detail(draft)
    assert _refresh(draft).status == Application.Status.SUBMITTED


def test_the_worker_withdraws_with_a_reason_kept_on_refusal(client, worker, application):
    client.force_login(worker)
    refused = client.post(f"{_detail(application)}withdraw/", {"withdraw-reason": ""})
    assert refused.status_code == 400
    assert 'id="id_withdraw-reason_error"' in refused.content.decode()
    assert _refresh(application).status == Application.Status.SUBMITTED
    client.post(f"{_detail(application)}withdraw/", {"withdraw-reason": "家庭已获其他资助"})
    withdrawn = _refresh(application)
    assert withdrawn.status == Application.Status.WITHDRAWN
    assert withdrawn.status_reason == "家庭已获其他资助"


def test_the_supplier_accepts(client, charity_a, application, project):
    client.force_login(charity_a)
    response = client.post(f"{_detail(application)}accept/")
    assert response.status_code == 302
    assert _refresh(application).status == Application.Status.ACCEPTED
    project.refresh_from_db()
    assert project.places_taken == 1


def test_a_rejection_names_the_condition_and_keeps_the_input_when_refused(
    client, charity_a, application
):
    client.force_login(charity_a)
    url = f"{_detail(application)}reject/"
    refused = client.post(url, {"reject-reason": "not_eligible", "reject-note": "年龄不符"})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert 'id="id_reject-criterion_error"' in page and "年龄不符" in page
    assert _refresh(application).status == Application.Status.SUBMITTED
    client.post(
        url, {"reject-reason": "not_eligible", "reject-criterion": "age", "reject-note": "年龄不符"}
    )
    rejected = _refresh(application)
    assert rejected.status == Application.Status.REJECTED
    assert rejected.rejection_criterion == "age" and rejected.rejection_note == "年龄不符"


def test_after_a_rejection_the_worker_records_the_explanation_and_sees_alternatives(
    client, worker, charity_a, application, county_org, county_officer
):
    other = publish(county_org, charity_a, county_officer, title="春蕾助学计划")
    services.application_reject(user=charity_a, application=application, reason="no_places")
    url = _detail(application)
    page = _page(client, worker, url)
    alternatives = page[page.index('id="alternatives"') :]
    assert other.title in alternatives
    assert f"/matching/needs/{application.need_id}/candidates/" in alternatives
    assert f"{url}explain/" in page
    client.post(f"{url}explain/", {"explain-explanation": "已电话告知名额已满,推荐春蕾计划"})
    explained = _refresh(application)
    assert explained.explanation == "已电话告知名额已满,推荐春蕾计划"
    assert explained.explained_by == worker
    assert f"{url}explain/" not in _page(client, worker, url)


def test_the_supplier_records_the_delivery(client, charity_a, accepted):
    client.force_login(charity_a)
    url = f"{_detail(accepted)}deliver/"
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    refused = client.post(url, {"deliver-delivered_on": future, "deliver-quantity": "1000 元"})
    assert refused.status_code == 400
    assert 'id="id_deliver-delivered_on_error"' in refused.content.decode()
    client.post(
        url,
        {
            "deliver-delivered_on": timezone.localdate().isoformat(),
            "deliver-value": "1000",
            "deliver-note": "已转账",
        },
    )
    delivered = _refresh(accepted)
    assert delivered.status == Application.Status.DELIVERED
    assert delivered.delivered_value == 1000


def test_delivery_waits_for_the_required_review(
    client, worker, family, need, project, consent, charity_a, county_officer
):
    family.coi_declared = True
    family.coi_note = "社工的表妹"
    family.save()
    application = apply(worker, need, project)
    services.application_accept(user=charity_a, application=application)
    url = _detail(application)
    page = _page(client, charity_a, url)
    assert 'id="waiting-for-review"' in page and f"{url}deliver/" not in page
    refused = client.post(
        f"{url}deliver/",
        {"deliver-delivered_on": timezone.localdate().isoformat(), "deliver-quantity": "1"},
    )
    assert refused.status_code == 400
    assert _refresh(application).status == Application.Status.ACCEPTED
    services.review_confirm(user=county_officer, application=_refresh(application))
    assert f"{url}deliver/" in _page(client, charity_a, url)


def test_feedback_of_both_sides_closes_the_application_and_the_need(
    client, worker, charity_a, delivered
):
    url = _detail(delivered)
    client.force_login(worker)
    refused = client.post(
        f"{url}feedback/", {"feedback-satisfaction": "5", "feedback-need_outcome": "unmet"}
    )
    assert refused.status_code == 400
    assert 'id="id_feedback-outcome_reason_error"' in refused.content.decode()
    client.post(
        f"{url}feedback/",
        {
            "feedback-satisfaction": "5",
            "feedback-comment": "很及时",
            "feedback-need_outcome": "met",
        },
    )
    assert Feedback.objects.get(side="household").satisfaction == 5
    assert Need.objects.get(pk=delivered.need_id).status == Need.Status.MET
    assert _refresh(delivered).status == Application.Status.DELIVERED
    client.force_login(charity_a)
    client.post(f"{url}supplier-feedback/", {"supplier_feedback-satisfaction": "4"})
    assert _refresh(delivered).status == Application.Status.CLOSED
    page = _page(client, charity_a, url)
    assert "很及时" not in page  # the household's comment is not the supplier's to read
    assert "很及时" in _page(client, worker, url)


def test_civil_affairs_confirm_a_match(client, county_officer, application):
    client.force_login(county_officer)
    client.post(f"{_detail(application)}review/confirm/", {"confirm-note": "已核实"})
    confirmed = _refresh(application)
    assert confirmed.review_status == Application.Review.CONFIRMED
    assert confirmed.reviewed_by == county_officer


def test_civil_affairs_flag_a_match_and_uphold_the_flag(client, county_officer, accepted, project):
    client.force_login(county_officer)
    url = _detail(accepted)
    refused = client.post(f"{url}review/flag/", {"flag-flag": "duplicate", "flag-note": ""})
    assert refused.status_code == 400
    assert 'id="id_flag-note_error"' in refused.content.decode()
    client.post(f"{url}review/flag/", {"flag-flag": "duplicate", "flag-note": "已获同类资助"})
    assert _refresh(accepted).review_status == Application.Review.FLAGGED
    client.post(f"{url}review/resolve/", {"resolve-outcome": "upheld", "resolve-note": "确属重复"})
    resolved = _refresh(accepted)
    assert resolved.review_status == Application.Review.UPHELD
    assert resolved.status == Application.Status.WITHDRAWN
    project.refresh_from_db()
    assert project.places_taken == 0


def test_a_cleared_flag_lets_the_match_go_on(client, county_officer, application):
    services.review_flag(
        user=county_officer, application=application, flag="eligibility", note="核实身份"
    )
    client.force_login(county_officer)
    client.post(
        f"{_detail(application)}review/resolve/",
        {"resolve-outcome": "cleared", "resolve-note": "身份无误"},
    )
    cleared = _refresh(application)
    assert cleared.review_status == Application.Review.CONFIRMED
    assert cleared.status == Application.Status.SUBMITTED


def test_actions_of_another_role_are_refused_and_change_nothing(
    client, application, worker, county_officer, charity_a
):
    url = _detail(application)
    client.force_login(county_officer)
    assert client.post(f"{url}accept/").status_code == 404
    client.force_login(worker)
    assert client.post(f"{url}accept/").status_code == 404
    client.force_login(charity_a)
    assert client.post(f"{url}withdraw/", {"withdraw-reason": "x"}).status_code == 404
    assert client.post(f"{url}review/confirm/").status_code == 404
    assert client.get(f"{url}accept/").status_code == 405
    unchanged = _refresh(application)
    assert unchanged.status == Application.Status.SUBMITTED
    assert unchanged.review_status == Application.Review.PENDING


def test_an_illegal_move_is_shown_on_the_page(client, charity_a, accepted):
    client.force_login(charity_a)
    response = client.post(f"{_detail(accepted)}accept/")
    assert response.status_code == 400
    assert 'class="alert alert-danger' in response.content.decode()
    assert _refresh(accepted).status == Application.Status.ACCEPTED


# --- Query counts ----------------------------------------------------------------------------


@pytest.fixture
def many_applications(application, worker, need, county_org, charity_a, county_officer):
    """Eleven applications of the child's household to eleven projects of the organisation."""
    applications = [application]
    for i in range(10):
        other = publish(county_org, charity_a, county_officer, title=f"助学金第{i}期")
        applications.append(apply(worker, need, other, overlap_reason="学费与书本费分开申请"))
    return applications


LIST_PAGES = [
    ("worker", "/matching/applications/"),
    ("county_officer", "/matching/applications/"),
    ("charity_a", "/matching/applications/"),
    ("charity_a", "/matching/inbox/"),
    ("county_officer", "/matching/review/"),
    ("worker", "/matching/households/{household}/applications/"),
]


def _queries(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who,url", LIST_PAGES)
def test_list_pages_run_as_many_queries_for_many_rows_as_for_one(
    client, request, who, url, application, django_assert_max_num_queries
):
    user = request.getfixturevalue(who)
    url = url.format(household=application.household_id)
    one = _queries(client, user, url)
    many = request.getfixturevalue("many_applications")
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert all(a.number in response.content.decode() for a in many)
    assert one <= 12
