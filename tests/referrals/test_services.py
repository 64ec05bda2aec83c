"""Referral services: sending with consent, the receiver's answers, the chain of a referral
declined and referred elsewhere, a charity's referral to the county, and the station's cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import Notification
from needs import services as needs_services
from needs.models import AssistanceRecord, Consent
from referrals import services
from referrals.models import Case, Direction, Referral
from referrals.services import ReferralError

from ..factories import UserFactory
from ..needs.factories import make_household
from .conftest import referral_consent, send_person, send_to_charity

pytestmark = pytest.mark.django_db

S = Referral.Status


# --- Consent ---------------------------------------------------------------------------------


def test_it_refuses_a_referral_to_a_charity_without_consent_to_referral(
    worker, family, child, fulian, consent
):
    """GIVEN consent for matching only WHEN the worker refers the child THEN it is refused."""
    with pytest.raises(ReferralError) as refused:
        send_to_charity(worker, family, fulian, member=child)
    assert refused.value.code == "no_consent"
    assert "organization" in refused.value.message_dict
    assert not Referral.objects.exists()


def test_consent_named_for_another_organisation_does_not_allow_it(
    worker, family, child, fulian, county_org
):
    referral_consent(
        worker,
        child,
        scope=Consent.Scope.NAMED,
        recipients=[(county_org.name, county_org.credit_code)],
    )
    with pytest.raises(ReferralError) as refused:
        send_to_charity(worker, family, fulian, member=child)
    assert refused.value.code == "no_consent"
    referral = send_to_charity(worker, family, county_org, member=child)
    assert referral.consent.purpose == Consent.Purpose.REFERRAL


def test_a_revoked_or_expired_consent_does_not_allow_it(worker, family, child, fulian):
    consent = referral_consent(worker, child)
    needs_services.consent_revoke(user=worker, consent=consent, reason="家长不再同意")
    with pytest.raises(ReferralError):
        send_to_charity(worker, family, fulian, member=child)
    expired = referral_consent(worker, child)
    Consent.objects.filter(pk=expired.pk).update(
        given_on=timezone.localdate() - dt.timedelta(days=30),
        expires_on=timezone.localdate() - dt.timedelta(days=1),
    )
    with pytest.raises(ReferralError):
        send_to_charity(worker, family, fulian, member=child)


def test_the_whole_household_is_referred_with_the_heads_consent(
    worker, family, father, child, fulian
):
    referral_consent(worker, child)
    with pytest.raises(ReferralError):
        send_to_charity(worker, family, fulian)  # the child's consent is not the head's
    referral_consent(worker, father)
    referral = send_to_charity(worker, family, fulian)
    assert referral.consent.member == father
    assert referral.snapshot_data()["person"]["name"] == "李大山"


def test_the_consent_is_checked_again_before_the_charity_accepts(
    worker, sent, fulian_staff, referral_consent_of_child
):
    needs_services.consent_revoke(user=worker, consent=referral_consent_of_child, reason="不再同意")
    sent.refresh_from_db()
    with pytest.raises(ReferralError) as refused:
        services.referral_accept(user=fulian_staff, referral=sent)
    assert refused.value.code == "no_consent"
    # Declining stays possible: it needs nothing of the person.
    services.referral_decline(user=fulian_staff, referral=sent, reason="同意已撤回")
    assert Referral.objects.get().status == S.DECLINED


def test_the_snapshot_holds_only_what_a_charity_may_see(sent, child):
    data = sent.snapshot_data()
    assert set(data) == {"person", "household", "needs"}
    assert set(data["person"]) == set(services.SNAPSHOT_PERSON_FIELDS)
    assert set(data["household"]) == set(services.SNAPSHOT_HOUSEHOLD_FIELDS)
    assert all(set(n) == set(services.SNAPSHOT_NEED_FIELDS) for n in data["needs"])
    text = sent.snapshot
    assert child.id_number not in text
    assert "哮喘" not in text  # her health note
    assert data["person"] == {
        "name": "李小花",
        "sex": "女",
        "age": 10,
        "place": "沙口镇",
        "simplified_procedure": True,
    }


def test_an_organisation_without_staff_accounts_cannot_receive(
    worker, family, child, county_officer, regions
):
    from supply import services as supply_services

    nobody, _w = supply_services.organization_register(
        user=county_officer,
        name="英德市残疾人联合会",
        credit_code="13441881MB0000002G",
        org_type="disabled_persons_federation",
        registering_region=regions["county_a"],
    )
    referral_consent(worker, child)
    with pytest.raises(ReferralError) as refused:
        send_to_charity(worker, family, nobody, member=child)
    assert "organization" in refused.value.message_dict


# --- Who may act -----------------------------------------------------------------------------


def test_outsiders_cannot_send_or_answer(
    outsider, other_county_officer, charity_b, family, child, fulian, sent
):
    referral_consent  # noqa: B018
    with pytest.raises(Http404):
        send_to_charity(outsider, family, fulian, member=child)
    with pytest.raises(Http404):
        send_to_charity(other_county_officer, family, fulian, member=child)
    for user in (outsider, other_county_officer, charity_b):
        with pytest.raises(Http404):
            services.referral_accept(user=user, referral=sent)
        with pytest.raises(Http404):
            services.referral_note_add(user=user, referral=sent, body="?")


def test_county_civil_affairs_refer_a_household_of_their_area(
    county_officer, family, child, fulian, referral_consent_of_child
):
    referral = send_to_charity(county_officer, family, fulian, member=child)
    assert referral.sender_region_id == county_officer.region_id


# --- The receiver's answers and the sender's view --------------------------------------------


def test_accept_serve_and_close_tell_the_sender(worker, sent, fulian_staff):
    services.referral_receive(user=fulian_staff, referral=sent)
    services.referral_accept(user=fulian_staff, referral=sent, note="下周上门")
    services.referral_start_service(user=fulian_staff, referral=sent)
    services.referral_record_outcome(
        user=fulian_staff, referral=sent, outcome=Referral.Outcome.HELPED, note="已完成关爱服务"
    )
    sent.refresh_from_db()
    assert sent.status == S.CLOSED
    assert sent.received_at and sent.answered_at and sent.started_at and sent.closed_at
    titles = list(Notification.objects.filter(recipient=worker).values_list("title", flat=True))
    assert len(titles) == 4
    assert all(sent.number in t for t in titles)


def test_accepting_receives_a_referral_nobody_confirmed(sent, fulian_staff):
    services.referral_accept(user=fulian_staff, referral=sent)
    sent.refresh_from_db()
    assert sent.status == S.ACCEPTED and sent.received_by == fulian_staff


def test_a_decline_needs_a_reason(sent, fulian_staff):
    with pytest.raises(ReferralError) as refused:
        services.referral_decline(user=fulian_staff, referral=sent, reason="  ")
    assert "reason" in refused.value.message_dict


def test_not_helped_needs_a_reason(sent, fulian_staff):
    services.referral_accept(user=fulian_staff, referral=sent)
    with pytest.raises(ReferralError) as refused:
        services.referral_record_outcome(
            user=fulian_staff, referral=sent, outcome=Referral.Outcome.NOT_HELPED
        )
    assert "note" in refused.value.message_dict


def test_a_status_moved_meanwhile_is_refused(sent, fulian_staff):
    stale = Referral.objects.get(pk=sent.pk)
    services.referral_decline(user=fulian_staff, referral=sent, reason="超出服务范围")
    with pytest.raises(ReferralError) as refused:
        services.referral_accept(user=fulian_staff, referral=stale)
    assert refused.value.code == "conflict"


def test_notes_from_either_side_tell_the_other(worker, sent, fulian_staff):
    services.referral_note_add(user=fulian_staff, referral=sent, body="请提供孩子就读学校")
    services.referral_note_add(user=worker, referral=sent, body="沙口中心小学三年级")
    assert sent.notes.count() == 2
    assert Notification.objects.filter(recipient=worker, title__contains=sent.number).exists()
    # The federation: the referral itself, then the worker's note.
    told = Notification.objects.filter(recipient=fulian_staff, title__contains=sent.number)
    assert told.count() == 2


# --- Declined, then referred elsewhere -------------------------------------------------------


def test_declined_then_referred_elsewhere_keeps_the_chain(
    worker, family, child, sent, fulian_staff, county_org, charity_a
):
    services.referral_decline(user=fulian_staff, referral=sent, reason="本会暂无该类服务")
    onward = services.referral_refer_elsewhere(
        user=worker,
        previous=sent,
        direction=Direction.TO_CHARITY,
        organization=county_org,
        reason=sent.reason,
        needs=list(sent.needs.all()),
    )
    assert onward.previous == sent
    assert onward.household == family and onward.member == child
    assert list(sent.onward.all()) == [onward]
    # One onward referral per declined one, and only a declined one.
    with pytest.raises(ReferralError) as again:
        services.referral_refer_elsewhere(
            user=worker,
            previous=sent,
            direction=Direction.TO_STATION,
            reason="再转",
        )
    assert again.value.code == "duplicate"
    with pytest.raises(ReferralError) as open_one:
        services.referral_refer_elsewhere(
            user=worker, previous=onward, direction=Direction.TO_STATION, reason="再转"
        )
    assert open_one.value.code == "not_declined"


def test_referred_elsewhere_only_about_the_same_subject(
    worker, sent, fulian_staff, county_org, charity_a, regions, county_officer, family
):
    """A household's declined referral is not referred elsewhere as a person told to civil
    affairs, nor the other way round, nor for another household: a field error, never a crash."""
    services.referral_decline(user=fulian_staff, referral=sent, reason="不在服务范围")
    person = send_person(charity_a, county_org, regions["township_a1"])
    services.referral_decline(user=county_officer, referral=person, reason="不属本县")
    person_values = {
        "organization": county_org,
        "region": regions["township_a1"],
        "person_name": "王阿婆",
        "reason": "再转",
        "person_agreed": True,
    }
    with pytest.raises(ReferralError) as as_person:
        services.referral_refer_elsewhere(user=worker, previous=sent, **person_values)
    assert as_person.value.code == "other_subject"
    assert "previous" in as_person.value.message_dict
    with pytest.raises(ReferralError) as as_household:
        services.referral_refer_elsewhere(
            user=charity_a,
            previous=person,
            household=family,
            direction=Direction.TO_STATION,
            reason="再转",
        )
    assert as_household.value.code == "other_subject"
    other = make_household(worker, regions["township_a1"])
    with pytest.raises(ReferralError) as other_household:
        services.referral_refer_elsewhere(
            user=worker,
            previous=sent,
            household=other,
            direction=Direction.TO_STATION,
            reason="再转",
        )
    assert other_household.value.code == "other_subject"
    assert not Referral.objects.filter(previous__isnull=False).exists()


def test_only_the_senders_side_refers_elsewhere(sent, fulian_staff, outsider, colleague):
    services.referral_decline(user=fulian_staff, referral=sent, reason="不在服务范围")
    with pytest.raises(Http404):
        services.referral_refer_elsewhere(
            user=fulian_staff, previous=sent, direction=Direction.TO_STATION, reason="x"
        )
    # A colleague of the same station is on the sender's side.
    onward = services.referral_refer_elsewhere(
        user=colleague, previous=sent, direction=Direction.TO_STATION, reason="转社工站个案服务"
    )
    assert onward.receiver_region_id == sent.household.station_id


# --- A charity's referral to civil affairs ---------------------------------------------------


def test_a_charity_refers_a_person_to_the_county_of_the_persons_region(
    county_org, charity_a, regions, county_officer, other_county_officer
):
    referral = send_person(charity_a, county_org, regions["township_a2"])
    assert referral.direction == Direction.TO_CIVIL_AFFAIRS
    assert referral.receiver_region == regions["county_a"]
    assert referral.household is None
    assert Notification.objects.filter(recipient=county_officer).count() == 1
    assert not Notification.objects.filter(recipient=other_county_officer).exists()
    elsewhere = send_person(charity_a, county_org, regions["township_b1"], person_name="赵大伯")
    assert elsewhere.receiver_region == regions["county_b"]


def test_a_charitys_referral_needs_the_persons_agreement_and_a_valid_id(
    county_org, charity_a, regions
):
    with pytest.raises(ReferralError) as refused:
        send_person(
            charity_a,
            county_org,
            regions["township_a1"],
            person_agreed=False,
            person_id_number="440524188001010015",
        )
    assert set(refused.value.message_dict) == {"person_agreed", "person_id_number"}


def test_a_charity_refers_only_for_its_own_organisations(county_org, charity_b, regions):
    with pytest.raises(Http404):
        send_person(charity_b, county_org, regions["township_a1"])


def test_granted_adds_the_assistance_status_through_the_needs_service(
    county_org, charity_a, regions, county_officer, worker
):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    services.referral_accept(user=county_officer, referral=referral)
    services.referral_record_outcome(
        user=county_officer, referral=referral, outcome=Referral.Outcome.APPLIED
    )
    assert referral.status == S.IN_SERVICE
    with pytest.raises(ReferralError) as refused:
        services.referral_record_outcome(
            user=county_officer, referral=referral, outcome=Referral.Outcome.GRANTED
        )
    assert refused.value.code == "no_household"
    needs_services.MemberInput  # noqa: B018
    result = services.referral_register_household(
        user=county_officer,
        referral=referral,
        fields={"region": regions["township_a1"], "address": "红群村 8 号", "worker": worker},
        members=[
            needs_services.MemberInput(
                name="王阿婆",
                relation="head",
                id_number="",
                sex="female",
                birth_date=dt.date(1948, 3, 2),
            )
        ],
    )
    household = result.household
    assert household.worker == worker and household.created_by == county_officer
    referral.refresh_from_db()
    assert referral.household == household and referral.member is not None
    services.referral_record_outcome(
        user=county_officer,
        referral=referral,
        outcome=Referral.Outcome.GRANTED,
        note="经审核纳入特困供养",
    )
    record = AssistanceRecord.objects.get(member__household=household)
    assert record.status == "tekun" and record.ended_on is None
    referral.refresh_from_db()
    assert referral.status == S.CLOSED and referral.granted_status == "tekun"
    # The charity sees the outcome; the worker hears of the new status.
    assert Notification.objects.filter(
        recipient=charity_a, title__contains=str(Referral.Outcome.GRANTED.label)
    ).exists()
    assert Notification.objects.filter(recipient=worker, title__contains=household.code).exists()


def test_not_eligible_closes_with_the_reason(county_org, charity_a, regions, county_officer):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    services.referral_accept(user=county_officer, referral=referral)
    with pytest.raises(ReferralError):
        services.referral_record_outcome(
            user=county_officer, referral=referral, outcome=Referral.Outcome.NOT_ELIGIBLE
        )
    services.referral_record_outcome(
        user=county_officer,
        referral=referral,
        outcome=Referral.Outcome.NOT_ELIGIBLE,
        note="家庭人均收入高于低保标准",
    )
    assert Referral.objects.get().status == S.CLOSED


def test_only_the_receiving_county_records_the_outcome(
    county_org, charity_a, regions, other_county_officer, administrator
):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    city_officer = UserFactory(username="city", role="civil_affairs", region=regions["city"])
    for user in (other_county_officer, city_officer):
        with pytest.raises(Http404):
            services.referral_accept(user=user, referral=referral)
    services.referral_accept(user=administrator, referral=referral)


def test_linking_a_household_of_the_ledger(
    county_org, charity_a, regions, county_officer, family, outsider
):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    services.referral_link_household(user=county_officer, referral=referral, household=family)
    referral.refresh_from_db()
    assert referral.household == family and referral.region == family.region
    with pytest.raises(ReferralError) as again:
        services.referral_link_household(user=county_officer, referral=referral, household=family)
    assert again.value.code == "linked"


# --- Case service ----------------------------------------------------------------------------


def test_a_referral_to_the_station_opens_a_case_that_closes_it(
    county_officer, worker, family, child
):
    referral = services.referral_send(
        user=county_officer,
        household=family,
        direction=Direction.TO_STATION,
        member=child,
        reason="低保家庭,孩子心理问题突出,需要个案跟进",
    )
    assert referral.receiver_region == family.station
    assert referral.consent is None  # within government: no charity consent needed
    with pytest.raises(ReferralError):
        services.case_open(user=worker, household=family, referral=referral)  # not accepted
    services.referral_accept(user=worker, referral=referral)
    case = services.case_open(
        user=worker, household=family, referral=referral, assessment="孩子情绪低落,学业困难"
    )
    referral.refresh_from_db()
    assert referral.status == S.IN_SERVICE and case.member == child
    today = timezone.localdate()
    goal = services.case_goal_add(user=worker, case=case, goal="每周一次心理辅导", due_on=today)
    services.case_goal_reach(user=worker, goal=goal)
    services.case_note_add(user=worker, case=case, body="第一次面谈,孩子愿意交流")
    services.case_note_add(user=worker, case=case, body="中期回顾:情绪好转", kind="review")
    with pytest.raises(ReferralError):
        services.case_close(user=worker, case=case, outcome=Case.Outcome.PARTLY_MET)
    services.case_close(user=worker, case=case, outcome=Case.Outcome.GOALS_MET)
    referral.refresh_from_db()
    assert referral.status == S.CLOSED and referral.outcome == Referral.Outcome.HELPED
    assert Notification.objects.filter(recipient=county_officer, title__contains="C0").exists()


def test_a_case_is_opened_directly_by_the_station_only(worker, outsider, county_officer, family):
    with pytest.raises(Http404):
        services.case_open(user=county_officer, household=family)
    with pytest.raises(Http404):
        services.case_open(user=outsider, household=family)
    case = services.case_open(user=worker, household=family)
    assert case.worker == worker and case.station == family.station
    with pytest.raises(ReferralError) as twice:
        services.case_open(user=worker, household=family)
    assert twice.value.code == "case_open"


def test_the_change_history_records_that_free_text_changed_never_its_value(sent, fulian_staff):
    from auditlog.models import LogEntry

    services.referral_decline(user=fulian_staff, referral=sent, reason="本会暂无名额")
    services.referral_note_add(user=fulian_staff, referral=sent, body="请转介至阳光社工")
    entries = LogEntry.objects.filter(
        content_type__app_label="referrals", content_type__model__in=["referral", "referralnote"]
    )
    assert entries.exists()
    text = " ".join(str(e.changes) + e.object_repr for e in entries)
    for secret in (sent.reason, "李小花", "本会暂无名额", "请转介至阳光社工"):
        assert secret not in text
    created = entries.filter(object_id=str(sent.pk), action=LogEntry.Action.CREATE).first()
    assert created is not None
