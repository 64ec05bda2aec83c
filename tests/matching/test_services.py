"""Applications: consent, pre-aid check, status machine, places, review, delivery, feedback."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone, translation

from accounts.models import AccessLog, Notification
from matching import selectors, services
from matching.models import Application, Feedback
from needs import services as needs_services
from needs.models import Need
from supply.models import Project

from ..needs.factories import make_household, member_input
from .conftest import give_consent, need_for, publish

S = Application.Status
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def submitted(worker, need, consent, project):
    return services.application_create(
        user=worker, need=need, project=project, mode="assisted", share_contact=True
    )


@pytest.fixture
def accepted(submitted, charity_a):
    return services.application_accept(user=charity_a, application=submitted)


@pytest.fixture
def delivered(accepted, charity_a, county_officer):
    services.review_confirm(user=county_officer, application=accepted)
    return services.application_deliver(
        user=charity_a, application=accepted, delivered_on=TODAY(), value=Decimal("1000")
    )


def _fresh(application):
    return Application.objects.get(pk=application.pk)


# --- Consent ---------------------------------------------------------------------------------


def test_it_refuses_an_application_without_consent(worker, need, project):
    with pytest.raises(services.ApplicationError) as refused:
        services.application_create(user=worker, need=need, project=project, mode="assisted")

    assert refused.value.code == "no_consent"
    assert "member" in refused.value.message_dict
    assert not Application.objects.exists()


def test_a_revoked_consent_no_longer_allows_submitting_a_draft(worker, need, consent, project):
    draft = services.application_create(
        user=worker, need=need, project=project, mode="assisted", submit=False
    )
    needs_services.consent_revoke(user=worker, consent=consent, reason="不愿意")

    with pytest.raises(services.ApplicationError) as refused:
        services.application_submit(user=worker, application=draft)
    assert refused.value.code == "no_consent"
    assert _fresh(draft).status == S.DRAFT


def test_it_records_the_consent_used_and_the_simplified_procedure(submitted, consent):
    assert submitted.consent == consent
    # The child is in a dibao household: a classified person, simplified procedure.
    assert submitted.simplified_procedure is True


# --- Submission and the need -----------------------------------------------------------------


def test_submitting_moves_the_need_to_matching_and_tells_the_supplier(submitted, need, charity_a):
    need.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    assert submitted.submitted_at is not None
    assert submitted.review_status == Application.Review.PENDING
    assert need.status == Need.Status.MATCHING
    assert Notification.objects.filter(recipient=charity_a, kind="application").count() == 1


def test_a_project_the_need_does_not_fit_is_refused(
    worker, need, consent, county_org, charity_a, county_officer
):
    medical = publish(
        county_org,
        charity_a,
        county_officer,
        title="医疗",
        terms={"area": ["medical_aid"], "form": ["cash"]},
    )
    with pytest.raises(services.ApplicationError) as refused:
        services.application_create(user=worker, need=need, project=medical, mode="assisted")
    assert refused.value.code == "not_candidate"
    assert "Charity area" in refused.value.message_dict["project"][0]


def test_one_household_holds_one_live_application_per_project(submitted, worker, need, project):
    with pytest.raises(services.ApplicationError):
        services.application_create(user=worker, need=need, project=project, mode="self")
    assert Application.objects.count() == 1


def test_a_stranger_cannot_apply_for_the_household(outsider, need, consent, project):
    with pytest.raises(Http404):
        services.application_create(user=outsider, need=need, project=project, mode="assisted")


# --- Pre-aid check ---------------------------------------------------------------------------


def test_aid_in_the_same_area_needs_a_reason_and_is_flagged_to_the_reviewer(
    submitted, worker, child, county_org, charity_a, county_officer
):
    second = publish(county_org, charity_a, county_officer, title="another grant")
    other_need = need_for(worker, child)

    with pytest.raises(services.ApplicationError) as refused:
        services.application_create(user=worker, need=other_need, project=second, mode="assisted")
    assert refused.value.code == "overlap"
    assert "overlap_reason" in refused.value.message_dict

    application = services.application_create(
        user=worker,
        need=other_need,
        project=second,
        mode="assisted",
        overlap_reason="学费与生活费是两笔不同的支出",
    )
    assert application.review_required is True
    assert application.overlap_reason


def test_aid_of_another_area_is_no_overlap(
    submitted, worker, child, county_org, charity_a, county_officer
):
    medical = publish(
        county_org,
        charity_a,
        county_officer,
        title="医疗",
        terms={"area": ["medical_aid"], "form": ["cash"]},
    )
    medical_need = need_for(worker, child, area="medical_aid")
    application = services.application_create(
        user=worker, need=medical_need, project=medical, mode="assisted"
    )
    assert application.review_required is False


def test_a_declared_relation_always_requires_review(worker, need, consent, project, family):
    family.coi_declared, family.coi_note = True, "社工的表姐家"
    family.save(update_fields=["coi_declared", "coi_note"])
    need.household.refresh_from_db()

    application = services.application_create(
        user=worker, need=need, project=project, mode="assisted"
    )
    assert application.review_required is True


# --- Status machine --------------------------------------------------------------------------

ACTIONS = {
    "submit": lambda a, u: services.application_submit(user=u["worker"], application=a),
    "withdraw": lambda a, u: services.application_withdraw(
        user=u["worker"], application=a, reason="不需要了"
    ),
    "accept": lambda a, u: services.application_accept(user=u["charity"], application=a),
    "reject": lambda a, u: services.application_reject(
        user=u["charity"], application=a, reason="no_places"
    ),
    "deliver": lambda a, u: services.application_deliver(
        user=u["charity"], application=a, delivered_on=TODAY(), quantity="1 份"
    ),
}
#: Which action leads to which status; everything else must be refused.
LEGAL = {
    (S.DRAFT, "submit"),
    (S.DRAFT, "withdraw"),
    (S.SUBMITTED, "accept"),
    (S.SUBMITTED, "reject"),
    (S.SUBMITTED, "withdraw"),
    (S.ACCEPTED, "deliver"),
    (S.ACCEPTED, "withdraw"),
}
STATUSES = [
    S.DRAFT,
    S.SUBMITTED,
    S.ACCEPTED,
    S.REJECTED,
    S.DELIVERED,
    S.CLOSED,
    S.WITHDRAWN,
    S.EXPIRED,
]


@pytest.mark.parametrize(
    ("status", "action"),
    [(s, a) for s, a in itertools.product(STATUSES, ACTIONS) if (s, a) not in LEGAL],
)
def test_every_illegal_transition_is_refused(
    status, action, worker, charity_a, need, consent, project
):
    application = services.application_create(
        user=worker, need=need, project=project, mode="assisted", submit=False
    )
    # Put the row in the status directly: the point is what the services do from there.
    Application.objects.filter(pk=application.pk).update(
        status=status,
        submitted_at=timezone.now(),
        rejection_reason="other" if status == S.REJECTED else "",
        delivered_on=TODAY() if status in (S.DELIVERED, S.CLOSED) else None,
        delivered_quantity="1" if status in (S.DELIVERED, S.CLOSED) else "",
    )
    application = _fresh(application)

    with pytest.raises(services.ApplicationError):
        ACTIONS[action](application, {"worker": worker, "charity": charity_a})
    assert _fresh(application).status == status


def test_the_model_transition_table_matches_the_issue():
    assert Application.TRANSITIONS[S.DRAFT] == {S.SUBMITTED, S.WITHDRAWN}
    assert Application.TRANSITIONS[S.SUBMITTED] == {S.ACCEPTED, S.REJECTED, S.WITHDRAWN, S.EXPIRED}
    assert Application.TRANSITIONS[S.ACCEPTED] == {S.DELIVERED, S.WITHDRAWN}
    assert Application.TRANSITIONS[S.DELIVERED] == {S.CLOSED}
    for final in (S.REJECTED, S.CLOSED, S.WITHDRAWN, S.EXPIRED):
        assert Application.TRANSITIONS[final] == set()


# --- Places ----------------------------------------------------------------------------------


def test_accepting_takes_a_place_and_withdrawing_gives_it_back(accepted, worker, project):
    project.refresh_from_db()
    assert project.places_taken == 1
    assert accepted.answer_seconds is not None

    services.application_withdraw(user=worker, application=accepted, reason="搬走了")
    project.refresh_from_db()
    assert project.places_taken == 0


def test_a_full_project_refuses_the_acceptance_and_keeps_the_application_waiting(
    submitted, charity_a, project
):
    Project.objects.filter(pk=project.pk).update(capacity=1, places_taken=1)

    with pytest.raises(services.ApplicationError) as refused:
        services.application_accept(user=charity_a, application=_fresh(submitted))
    assert refused.value.code == "no_places"
    assert _fresh(submitted).status == S.SUBMITTED


def test_only_the_organisations_staff_answer(submitted, charity_b, county_officer):
    for stranger in (charity_b, county_officer):
        with pytest.raises(Http404):
            services.application_accept(user=stranger, application=submitted)


# --- Rejection and explanation ---------------------------------------------------------------


def test_a_rejection_for_eligibility_names_the_condition(submitted, charity_a, worker, need):
    with pytest.raises(services.ApplicationError) as refused:
        services.application_reject(user=charity_a, application=submitted, reason="not_eligible")
    assert "criterion" in refused.value.message_dict
    with pytest.raises(services.ApplicationError) as refused:
        services.application_reject(user=charity_a, application=submitted, reason="other")
    assert "note" in refused.value.message_dict

    services.application_reject(
        user=charity_a, application=submitted, reason="not_eligible", criterion="age", note="超龄"
    )
    row = _fresh(submitted)
    assert (row.status, row.rejection_reason, row.rejection_criterion) == (
        S.REJECTED,
        "not_eligible",
        "age",
    )
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN  # back on the list for other resources
    assert Notification.objects.filter(recipient=worker, title__contains="not accepted").exists()

    services.application_explain(user=worker, application=row, explanation="已向家长说明年龄条件")
    row = _fresh(row)
    assert row.explanation and row.explained_by == worker


def test_an_explanation_is_for_rejected_applications(submitted, worker):
    with pytest.raises(services.ApplicationError):
        services.application_explain(user=worker, application=submitted, explanation="x")


# --- Review ----------------------------------------------------------------------------------


def test_a_flagged_match_waits_for_resolution_before_delivery(
    accepted, charity_a, county_officer, project
):
    services.review_flag(
        user=county_officer, application=accepted, flag="duplicate", note="已获同类资助"
    )
    with pytest.raises(services.ApplicationError) as refused:
        services.application_deliver(
            user=charity_a, application=_fresh(accepted), delivered_on=TODAY(), quantity="1"
        )
    assert refused.value.code == "waiting_for_review"

    services.review_resolve(
        user=county_officer, application=_fresh(accepted), upheld=True, note="确属重复"
    )
    row = _fresh(accepted)
    assert (row.status, row.review_status) == (S.WITHDRAWN, Application.Review.UPHELD)
    project.refresh_from_db()
    assert project.places_taken == 0


def test_a_cleared_flag_lets_the_delivery_go_on(accepted, charity_a, county_officer):
    services.review_flag(user=county_officer, application=accepted, flag="eligibility", note="核实")
    services.review_resolve(
        user=county_officer, application=_fresh(accepted), upheld=False, note="已核实"
    )
    services.application_deliver(
        user=charity_a, application=_fresh(accepted), delivered_on=TODAY(), quantity="1"
    )
    assert _fresh(accepted).status == S.DELIVERED


def test_a_required_review_must_confirm_before_delivery(
    worker, need, consent, project, family, charity_a, county_officer
):
    family.coi_declared, family.coi_note = True, "亲属"
    family.save(update_fields=["coi_declared", "coi_note"])
    need.household.refresh_from_db()
    application = services.application_create(
        user=worker, need=need, project=project, mode="assisted"
    )
    services.application_accept(user=charity_a, application=application)
    with pytest.raises(services.ApplicationError):
        services.application_deliver(
            user=charity_a, application=_fresh(application), delivered_on=TODAY(), quantity="1"
        )
    services.review_confirm(user=county_officer, application=_fresh(application))
    services.application_deliver(
        user=charity_a, application=_fresh(application), delivered_on=TODAY(), quantity="1"
    )


def test_only_civil_affairs_of_the_area_review(submitted, other_county_officer, worker, charity_a):
    for stranger in (other_county_officer, worker, charity_a):
        with pytest.raises(Http404):
            services.review_confirm(user=stranger, application=submitted)


# --- Delivery and feedback -------------------------------------------------------------------


def test_a_delivery_needs_a_quantity_or_a_value_and_a_past_day(accepted, charity_a, county_officer):
    services.review_confirm(user=county_officer, application=accepted)
    with pytest.raises(services.ApplicationError) as refused:
        services.application_deliver(user=charity_a, application=accepted, delivered_on=TODAY())
    assert "quantity" in refused.value.message_dict
    with pytest.raises(services.ApplicationError) as refused:
        services.application_deliver(
            user=charity_a,
            application=accepted,
            delivered_on=TODAY() + dt.timedelta(days=1),
            quantity="1",
        )
    assert "delivered_on" in refused.value.message_dict


def test_feedback_of_both_sides_closes_the_application_and_the_need(
    delivered, worker, colleague, charity_a, need
):
    with pytest.raises(services.ApplicationError) as refused:
        services.feedback_record(
            user=colleague, application=delivered, side="household", satisfaction=5
        )
    assert "need_outcome" in refused.value.message_dict
    with pytest.raises(services.ApplicationError):
        services.feedback_record(
            user=colleague,
            application=delivered,
            side="household",
            satisfaction=6,
            need_outcome="met",
        )

    # A colleague of the station may record it.
    services.feedback_record(
        user=colleague, application=delivered, side="household", satisfaction=5, need_outcome="met"
    )
    need.refresh_from_db()
    assert need.status == Need.Status.MET
    assert _fresh(delivered).status == S.DELIVERED

    services.feedback_record(
        user=charity_a, application=_fresh(delivered), side="supplier", satisfaction=4
    )
    assert _fresh(delivered).status == S.CLOSED
    assert Feedback.objects.filter(application=delivered).count() == 2
    with pytest.raises(services.ApplicationError):
        services.feedback_record(
            user=charity_a, application=_fresh(delivered), side="supplier", satisfaction=4
        )


def test_a_need_not_met_closes_with_its_reason(delivered, worker, need):
    with pytest.raises(services.ApplicationError) as refused:
        services.feedback_record(
            user=worker,
            application=delivered,
            side="household",
            satisfaction=2,
            need_outcome="unmet",
        )
    assert "outcome_reason" in refused.value.message_dict
    services.feedback_record(
        user=worker,
        application=delivered,
        side="household",
        satisfaction=2,
        need_outcome="unmet",
        outcome_reason="资助金额不足以支付学费",
    )
    need.refresh_from_db()
    assert (need.status, need.status_reason) == (Need.Status.CLOSED_UNMET, "资助金额不足以支付学费")


def test_the_supplier_cannot_give_the_households_feedback(delivered, charity_a):
    with pytest.raises(Http404):
        services.feedback_record(
            user=charity_a,
            application=delivered,
            side="household",
            satisfaction=5,
            need_outcome="met",
        )


# --- The supplier's view of the person -------------------------------------------------------


def test_revealing_the_phone_needs_agreement_and_leaves_a_log(
    submitted, charity_a, worker, need, project, family
):
    # The child has no phone of her own; her father's is shared only with his own consent.
    assert selectors.supplier_card(submitted).phone_masked == ""
    give_consent(worker, family.members.get(relation="head"))
    assert selectors.supplier_card(submitted).phone_masked == "138****8000"
    phone = services.application_contact_reveal(
        user=charity_a, application=submitted, reason="电话联系发放时间"
    )
    assert phone == "13800138000"
    assert AccessLog.objects.filter(user=charity_a, field="phone").count() == 1

    services.application_withdraw(user=worker, application=submitted, reason="重新申请")
    silent = services.application_create(user=worker, need=need, project=project, mode="assisted")
    with pytest.raises(services.ApplicationError):
        services.application_contact_reveal(user=charity_a, application=silent, reason="想联系")
    assert AccessLog.objects.filter(user=charity_a).count() == 1


def test_an_application_for_a_household_need_names_a_current_member(
    worker, family, project, county_org
):
    head = family.members.get(relation="head")
    household_need = need_for(worker, head)
    household_need.member = None
    household_need.save(update_fields=["member"])
    with pytest.raises(services.ApplicationError) as refused:
        services.application_create(user=worker, need=household_need, project=project, mode="self")
    assert "member" in refused.value.message_dict


def test_another_household_is_not_affected_by_this_households_aid(
    worker, project, submitted, regions
):
    other = make_household(
        worker,
        regions["township_a1"],
        members=[member_input("赵六", age=9, statuses=["dibao"], tags=["child_in_difficulty"])],
    )
    kid = other.members.get()
    give_consent(worker, kid)
    application = services.application_create(
        user=worker, need=need_for(worker, kid), project=project, mode="assisted"
    )
    assert application.review_required is False


# --- Found in review -------------------------------------------------------------------------


def test_the_pre_aid_check_runs_again_when_a_draft_is_submitted(
    worker, need, child, consent, project, county_org, charity_a, county_officer
):
    second = publish(county_org, charity_a, county_officer, title="another grant")
    first = services.application_create(
        user=worker, need=need, project=project, mode="assisted", submit=False
    )
    later = services.application_create(
        user=worker, need=need, project=second, mode="assisted", submit=False
    )
    services.application_submit(user=worker, application=first)

    with pytest.raises(services.ApplicationError) as refused:
        services.application_submit(user=worker, application=_fresh(later))
    assert refused.value.code == "overlap"
    services.application_submit(
        user=worker, application=_fresh(later), overlap_reason="两个学期分别资助"
    )
    assert _fresh(later).review_required is True


def test_a_draft_of_a_closed_need_cannot_be_submitted(worker, need, consent, project):
    draft = services.application_create(
        user=worker, need=need, project=project, mode="assisted", submit=False
    )
    needs_services.need_transition(user=worker, need=need, to=Need.Status.WITHDRAWN, reason="搬走")

    with pytest.raises(services.ApplicationError) as refused:
        services.application_submit(user=worker, application=_fresh(draft))
    assert refused.value.code == "need_closed"


def test_a_draft_can_be_withdrawn_and_the_supplier_never_sees_it(
    worker, need, consent, project, charity_a
):
    draft = services.application_create(
        user=worker, need=need, project=project, mode="assisted", submit=False
    )
    services.application_withdraw(user=worker, application=draft, reason="填错了")

    assert _fresh(draft).status == S.WITHDRAWN
    assert not Application.objects.visible_to(charity_a).exists()
    assert not selectors.inbox_for_user(charity_a).exists()


def test_a_met_need_takes_its_other_running_applications_with_it(
    delivered, worker, need, county_org, charity_a, county_officer
):
    other = publish(
        county_org,
        charity_a,
        county_officer,
        title="其他资助",
        terms={"area": ["education_aid"], "form": ["cash"]},
    )
    pending = services.application_create(
        user=worker, need=need, project=other, mode="assisted", overlap_reason="另一学期"
    )
    services.feedback_record(
        user=worker, application=delivered, side="household", satisfaction=5, need_outcome="met"
    )
    assert _fresh(pending).status == S.WITHDRAWN


def test_a_need_kept_open_goes_back_to_the_list_when_its_application_closes(
    delivered, worker, charity_a, need
):
    services.feedback_record(
        user=worker, application=delivered, side="household", satisfaction=3, need_outcome="open"
    )
    services.feedback_record(
        user=charity_a, application=_fresh(delivered), side="supplier", satisfaction=4
    )
    need.refresh_from_db()
    assert (_fresh(delivered).status, need.status) == (S.CLOSED, Need.Status.OPEN)


def test_the_reviewers_note_is_not_sent_to_the_supplier(accepted, county_officer, charity_a):
    services.review_flag(
        user=county_officer, application=accepted, flag="conflict", note="社工是该户的舅舅"
    )
    services.review_resolve(
        user=county_officer, application=_fresh(accepted), upheld=True, note="舅舅关系属实"
    )
    bodies = Notification.objects.filter(recipient=charity_a).values_list("body", "title")
    assert not any("舅舅" in body + title for body, title in bodies)
    assert "舅舅" not in _fresh(accepted).status_reason
