from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from accounts import crypto
from accounts.taxonomies import AssistanceStatus
from needs import services
from needs.models import AssistanceRecord, Consent, Household, Member, Need

from .factories import born_years_ago, id_number, make_household, member_input

pytestmark = pytest.mark.django_db


def _need(worker, household, **values):
    return services.need_register(
        user=worker,
        household=household,
        area="education_aid",
        form="cash",
        description="小明下学期学费",
        **values,
    )


# --- Households and members ------------------------------------------------------------------


def test_it_records_a_household_with_a_code_station_and_derived_member_fields(
    household, regions, worker
):
    assert household.code == "441881101-00001"
    assert household.station == regions["township_a1"]
    assert household.worker == worker
    mother, son = household.members.order_by("id")
    assert mother.sex == "female" and son.sex == "male"
    assert son.is_minor and son.is_under_14 and not mother.is_minor
    assert list(mother.assistance.values_list("status", flat=True)) == ["dibao"]
    assert list(son.tags.values_list("tag", flat=True)) == ["left_behind_child"]


def test_codes_count_up_per_township(worker, regions):
    make_household(worker, regions["township_a1"])
    second = make_household(worker, regions["township_a1"])
    assert second.code == "441881101-00002"


def test_no_id_number_phone_or_health_note_is_stored_in_plain_text(household):
    son = household.members.get(name="陈小明")
    mother = household.members.get(name="陈秀英")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, health_notes, id_number_index FROM needs_member")
        raw = " ".join(str(v) for row in cursor.fetchall() for v in row)
    for secret in (son.id_number, mother.id_number, mother.phone, son.health_notes):
        assert secret and secret not in raw
    assert son.health_notes == "哮喘"


def test_the_id_number_finds_the_member_through_the_blind_index(household):
    son = household.members.get(name="陈小明")
    index = crypto.blind_index(son.id_number, purpose="id_number")
    assert Member.objects.get(id_number_index=index) == son


def test_a_wrong_id_number_is_reported_on_its_member_and_nothing_is_written(worker, regions):
    bad = member_input("错号", id_number="110105194912310021")
    with pytest.raises(services.LedgerInvalid) as exc:
        make_household(worker, regions["township_a1"], members=[member_input(), bad])
    assert list(exc.value.member_errors) == [1]
    assert exc.value.member_errors[1]["id_number"] == ["校验码错误:请逐位核对号码。"]
    assert Household.objects.count() == 0 and Member.objects.count() == 0


def test_a_blank_name_or_address_is_refused(worker, regions):
    with pytest.raises(services.LedgerInvalid) as exc:
        make_household(worker, regions["township_a1"], address="  ", members=[member_input(" ")])
    assert "address" in exc.value.household_errors
    assert "name" in exc.value.member_errors[0]


def test_an_update_without_a_worker_keeps_the_responsible_worker(worker, colleague, household):
    mother, son = household.members.order_by("id")
    services.household_save(
        user=colleague,
        household=household,
        fields={"region": household.region, "address": household.address},
        members=[
            services.MemberInput(
                member_id=mother.pk, name=mother.name, relation="head", id_number=mother.id_number
            ),
            services.MemberInput(
                member_id=son.pk, name=son.name, relation="child", id_number=son.id_number
            ),
        ],
    )
    household.refresh_from_db()
    assert household.worker == worker


def test_exactly_one_head_is_required(worker, regions):
    with pytest.raises(services.LedgerInvalid) as exc:
        make_household(worker, regions["township_a1"], members=[member_input(relation="spouse")])
    assert "__all__" in exc.value.household_errors


def test_a_duplicate_in_another_township_reports_without_leaking(
    worker, outsider, regions, other_household
):
    taken = other_household.members.get().id_number
    with pytest.raises(services.LedgerInvalid) as exc:
        make_household(worker, regions["township_a1"], members=[member_input(id_number=taken)])
    message = str(exc.value.member_errors[0]["id_number"][0])
    assert message == "已在其他乡镇(街道)登记。"
    assert other_household.code not in message and "太和" not in message


def test_a_duplicate_the_user_may_see_names_the_household(worker, colleague, household, regions):
    taken = household.members.get(name="陈小明").id_number
    with pytest.raises(services.LedgerInvalid) as exc:
        make_household(colleague, regions["township_a1"], members=[member_input(id_number=taken)])
    message = str(exc.value.member_errors[0]["id_number"][0])
    assert household.code in message and f"/needs/households/{household.pk}/" in message


def test_the_same_id_twice_in_one_submission_is_refused(worker, regions):
    number = id_number(born=born_years_ago(30))
    with pytest.raises(services.LedgerInvalid) as exc:
        make_household(
            worker,
            regions["township_a1"],
            members=[
                member_input(id_number=number),
                member_input("二", relation="spouse", id_number=number),
            ],
        )
    assert 1 in exc.value.member_errors


def test_a_worker_cannot_record_a_household_in_another_township(worker, regions):
    with pytest.raises(services.LedgerInvalid) as exc:
        make_household(worker, regions["township_b1"])
    assert "region" in exc.value.household_errors


def test_civil_affairs_staff_read_but_do_not_record(county_officer, household, regions):
    with pytest.raises(PermissionDenied):
        make_household(county_officer, regions["township_a1"], worker=household.worker)
    with pytest.raises(PermissionDenied):
        services.visit_record(
            user=county_officer, household=household, visited_on=timezone.localdate(), findings="x"
        )


def test_updating_members_keeps_status_history(worker, household):
    mother, son = household.members.order_by("id")
    members = [
        services.MemberInput(
            member_id=mother.pk,
            name=mother.name,
            relation="head",
            id_number=mother.id_number,
            statuses=[AssistanceStatus.DIBAO_MARGINAL],
        ),
        services.MemberInput(
            member_id=son.pk, name=son.name, relation="child", id_number=son.id_number
        ),
    ]
    result = services.household_save(
        user=worker,
        household=household,
        fields={"region": household.region, "address": household.address},
        members=members,
    )
    assert result.members_changed == 2
    records = AssistanceRecord.objects.filter(member=mother).order_by("status")
    assert [(r.status, r.ended_on is None) for r in records] == [
        ("dibao", False),
        ("dibao_marginal", True),
    ]


def test_saving_the_same_values_changes_nothing(worker, household):
    members = [
        services.MemberInput(
            member_id=m.pk,
            name=m.name,
            relation=m.relation,
            id_number=m.id_number,
            phone=m.phone,
            health_notes=m.health_notes,
            statuses=[r.status for r in m.assistance.filter(ended_on__isnull=True)],
            tags=list(m.tags.values_list("tag", flat=True)),
        )
        for m in household.members.order_by("id")
    ]
    result = services.household_save(
        user=worker,
        household=household,
        fields={
            "region": household.region,
            "address": household.address,
            "gap_class": household.gap_class,
        },
        members=members,
    )
    assert (result.changed, result.members_created, result.members_changed) == (False, 0, 0)


def test_a_member_who_leaves_frees_the_id_number(worker, colleague, household, regions):
    mother, son = household.members.order_by("id")
    services.household_save(
        user=worker,
        household=household,
        fields={"region": household.region, "address": household.address},
        members=[
            services.MemberInput(
                member_id=mother.pk, name=mother.name, relation="head", id_number=mother.id_number
            ),
            services.MemberInput(member_id=son.pk, name=son.name, relation="child", remove=True),
        ],
    )
    son.refresh_from_db()
    assert son.left_at is not None
    moved = make_household(
        colleague,
        regions["township_a1"],
        members=[member_input(son.name, id_number=son.id_number, age=10)],
    )
    assert moved.members.get().id_number == son.id_number


# --- Visits ----------------------------------------------------------------------------------


def test_a_visit_moves_the_last_visit_date_forward_only(worker, household):
    today = timezone.localdate()
    services.visit_record(user=worker, household=household, visited_on=today, findings="屋顶漏水")
    services.visit_record(
        user=worker, household=household, visited_on=today - dt.timedelta(days=40), findings="补录"
    )
    household.refresh_from_db()
    assert household.last_visited_on == today


def test_a_visit_in_the_future_is_refused(worker, household):
    with pytest.raises(ValidationError) as exc:
        services.visit_record(
            user=worker,
            household=household,
            visited_on=timezone.localdate() + dt.timedelta(days=1),
            findings="x",
        )
    assert "visited_on" in exc.value.message_dict


# --- Need status -----------------------------------------------------------------------------

LEGAL = [
    ("open", "matching"),
    ("open", "closed_unmet"),
    ("open", "withdrawn"),
    ("matching", "open"),
    ("matching", "met"),
    ("matching", "closed_unmet"),
    ("matching", "withdrawn"),
]
ALL = ["open", "matching", "met", "closed_unmet", "withdrawn"]
ILLEGAL = [(a, b) for a in ALL for b in ALL if (a, b) not in LEGAL]


def _need_in(worker, household, status):
    need = _need(worker, household)
    path = {
        "open": [],
        "matching": ["matching"],
        "met": ["matching", "met"],
        "closed_unmet": ["closed_unmet"],
        "withdrawn": ["withdrawn"],
    }[status]
    for step in path:
        services.need_transition(user=worker, need=need, to=step, reason="原因")
    return need


@pytest.mark.parametrize(("start", "target"), LEGAL)
def test_each_legal_transition(worker, household, start, target):
    need = _need_in(worker, household, start)
    services.need_transition(user=worker, need=need, to=target, reason="家庭已搬离")
    need.refresh_from_db()
    assert need.status == target
    assert (need.closed_at is not None) == (target in ("met", "closed_unmet", "withdrawn"))


@pytest.mark.parametrize(("start", "target"), ILLEGAL)
def test_each_illegal_transition_is_refused(worker, household, start, target):
    need = _need_in(worker, household, start)
    with pytest.raises(ValidationError):
        services.need_transition(user=worker, need=need, to=target, reason="原因")
    need.refresh_from_db()
    assert need.status == start


@pytest.mark.parametrize("target", ["closed_unmet", "withdrawn"])
def test_closing_unmet_or_withdrawing_needs_a_reason(worker, household, target):
    need = _need(worker, household)
    with pytest.raises(ValidationError) as exc:
        services.need_transition(user=worker, need=need, to=target, reason=" ")
    assert "reason" in exc.value.message_dict


def test_a_stale_status_cannot_win_a_race(worker, household):
    need = _need(worker, household)
    stale = Need.objects.get(pk=need.pk)
    services.need_transition(user=worker, need=need, to="withdrawn", reason="不需要了")
    with pytest.raises(ValidationError):
        services.need_transition(user=worker, need=stale, to="matching")
    assert Need.objects.get(pk=need.pk).status == "withdrawn"


def test_a_closed_need_cannot_be_edited(worker, household):
    need = _need_in(worker, household, "withdrawn")
    with pytest.raises(ValidationError):
        services.need_update(user=worker, need=need, description="改")


# --- Consent ---------------------------------------------------------------------------------


def _consent(worker, household, member, **values):
    today = timezone.localdate()
    defaults = {
        "given_by": "self",
        "purpose": "matching",
        "scope": "any_supplier",
        "given_on": today,
        "expires_on": today + dt.timedelta(days=365),
    }
    return services.consent_record(
        user=worker, household=household, member=member, **{**defaults, **values}
    )


def test_consent_for_a_child_under_14_must_come_from_a_guardian(worker, household):
    son = household.members.get(name="陈小明")
    with pytest.raises(ValidationError) as exc:
        _consent(worker, household, son, given_by="self")
    assert "given_by" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _consent(worker, household, son, given_by="verbal_witnessed", witness_name="村主任")
    assert "given_by" in exc.value.message_dict

    consent = _consent(
        worker,
        household,
        son,
        given_by="guardian",
        guardian_name="陈秀英",
        guardian_relation="母亲",
    )
    assert consent.in_force


def test_a_guardian_consent_needs_the_guardians_name_and_a_verbal_one_a_witness(worker, household):
    mother = household.members.get(name="陈秀英")
    with pytest.raises(ValidationError) as exc:
        _consent(worker, household, mother, given_by="guardian")
    assert {"guardian_name", "guardian_relation"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        _consent(worker, household, mother, given_by="verbal_witnessed")
    assert "witness_name" in exc.value.message_dict


def test_consent_to_named_organisations_covers_only_them(worker, household):
    mother = household.members.get(name="陈秀英")
    consent = _consent(
        worker,
        household,
        mother,
        scope="named",
        recipients=[("广东省慈善会", "51440000MJL1234567")],
    )
    assert consent.covers(purpose="matching", credit_code="51440000MJL1234567")
    assert not consent.covers(purpose="matching", credit_code="51440000MJL7654321")
    assert not consent.covers(purpose="referral", credit_code="51440000MJL1234567")
    assert (
        services.consent_allows(member=mother, purpose="matching", credit_code="51440000MJL1234567")
        == consent
    )


def test_a_revoked_or_expired_consent_allows_nothing(worker, household):
    mother = household.members.get(name="陈秀英")
    today = timezone.localdate()
    old = _consent(
        worker,
        household,
        mother,
        given_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=35),
    )
    assert not old.in_force
    consent = _consent(worker, household, mother)
    services.consent_revoke(user=worker, consent=consent, reason="本人要求撤回")
    assert services.consent_allows(member=mother, purpose="matching") is None
    assert Consent.objects.get(pk=consent.pk).revoked_reason == "本人要求撤回"
    with pytest.raises(ValidationError):
        services.consent_revoke(user=worker, consent=consent, reason="again")


def test_a_worker_of_another_county_cannot_take_over_a_household(outsider, household, regions):
    mother, _son = household.members.order_by("id")
    with pytest.raises(PermissionDenied):
        services.household_save(
            user=outsider,
            household=household,
            fields={"region": regions["township_b1"], "address": "x"},
            members=[services.MemberInput(member_id=mother.pk, name="x", relation="head")],
        )
    assert Household.objects.get(pk=household.pk).region == regions["township_a1"]


def _inputs(household, **changes):
    rows = []
    for m in household.members.filter(left_at__isnull=True).order_by("id"):
        row = services.MemberInput(
            member_id=m.pk, name=m.name, relation=m.relation, id_number=m.id_number
        )
        for key, value in changes.get(m.name, {}).items():
            setattr(row, key, value)
        rows.append(row)
    return rows


def _save(user, household, members):
    return services.household_save(
        user=user,
        household=household,
        fields={"region": household.region, "address": household.address},
        members=members,
    )


def test_the_same_member_twice_is_refused(worker, household):
    rows = _inputs(household)
    rows.append(services.MemberInput(member_id=rows[1].member_id, name="陈小明", relation="head"))
    rows[0].relation = "spouse"
    with pytest.raises(services.LedgerInvalid) as exc:
        _save(worker, household, rows)
    assert exc.value.member_errors[2]["__all__"] == ["同一成员出现了两次。"]


def test_two_members_may_swap_id_numbers(worker, household):
    mother, son = household.members.order_by("id")
    rows = _inputs(
        household, 陈秀英={"id_number": son.id_number}, 陈小明={"id_number": mother.id_number}
    )
    _save(worker, household, rows)
    assert Member.objects.get(pk=mother.pk).id_number == son.id_number
    assert Member.objects.get(pk=son.pk).id_number == mother.id_number


def test_an_id_number_may_move_from_a_removed_row_to_a_new_one(worker, household):
    _mother, son = household.members.order_by("id")
    rows = _inputs(household, 陈小明={"remove": True})
    rows.append(
        services.MemberInput(name="陈小明(更正)", relation="child", id_number=son.id_number)
    )
    result = _save(worker, household, rows)
    assert (result.members_removed, result.members_created) == (1, 1)
    assert (
        household.members.get(left_at__isnull=True, name="陈小明(更正)").id_number == son.id_number
    )


def test_a_member_who_leaves_is_no_longer_shared_and_their_needs_are_withdrawn(worker, household):
    son = household.members.get(name="陈小明")
    today = timezone.localdate()
    services.consent_record(
        user=worker,
        household=household,
        member=son,
        given_by="guardian",
        guardian_name="陈秀英",
        guardian_relation="母亲",
        purpose="matching",
        scope="any_supplier",
        given_on=today,
        expires_on=today + dt.timedelta(days=30),
    )
    need = _need(worker, household, member=son)
    _save(worker, household, _inputs(household, 陈小明={"remove": True}))
    son.refresh_from_db()
    assert services.consent_allows(member=son, purpose="matching") is None
    assert son.consents.get().revoked_at is not None
    assert Need.objects.get(pk=need.pk).status == "withdrawn"


def test_a_named_consent_needs_credit_codes_and_matches_them_in_any_case(worker, household):
    mother = household.members.get(name="陈秀英")
    with pytest.raises(ValidationError) as exc:
        _consent(worker, household, mother, scope="named", recipients=[("某基金会", "")])
    assert "recipients" in exc.value.message_dict
    consent = _consent(
        worker, household, mother, scope="named", recipients=[("某基金会", "51440000mjl1234567")]
    )
    assert consent.covers(purpose="matching", credit_code="51440000mjl1234567")
