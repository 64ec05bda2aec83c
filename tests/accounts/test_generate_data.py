"""``manage.py generate_data``: every app's ``synthetic.py`` at a tiny scale, on SQLite (the
portable path) or PostgreSQL (the INSERT … SELECT path) as DATABASE_URL says."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Notification, Region, User
from matching.models import Application, Feedback
from needs.flags import household_flags_refresh
from needs.models import (
    AssistanceRecord,
    Consent,
    Household,
    Member,
    MemberTag,
    Need,
    Visit,
    household_flag,
)
from referrals.models import Case, CaseGoal, CaseNote, Direction, Referral
from reports.models import AnnualEvaluation
from supply.models import Organization, Project

# 500 households, 15 social workers, 2 organisations, 225 applications, 18 referrals (every
# direction in every status), 2 direct cases, the province's evaluation of last year.
SCALE = 0.0005


@pytest.fixture(autouse=True)
def _fast_pdf(monkeypatch):
    """The province's evaluation is built with its files: a blank page instead of WeasyPrint's
    report (a second or two a build; tests/reports reads the real one)."""
    from reports import exports

    from ..reports.conftest import _blank_pdf

    monkeypatch.setitem(exports.RENDERERS, "pdf", _blank_pdf)


def generate(scale: float = SCALE, seed: int = 1) -> str:
    out = io.StringIO()
    call_command("generate_data", scale=scale, seed=seed, stdout=out)
    return out.getvalue()


def digest() -> list[str]:
    """What the generator made, without ids or the run's clock (the rows' content): a digest
    of each kind of row, so that a difference names the kind."""
    rows = [
        sorted(
            Region.objects.filter(is_synthetic=True).values_list("code", "name", "parent_id")
        ),
        sorted(
            User.objects.filter(is_synthetic=True).values_list("username", "name", "region_id")
        ),
        sorted(
            Household.objects.values_list(
                "code", "region_id", "station_id", "address", "worker__username",
                "gap_class", "last_visited_on", "flags", "has_urgent_need",
            )
        ),
        sorted(
            Member.objects.values_list(
                "household__code", "name", "relation", "sex", "birth_date"
            )
        ),
        sorted(Need.objects.values_list("household__code", "area", "status", "urgent")),
        sorted(Visit.objects.values_list("household__code", "visited_on", "next_visit_on")),
        sorted(AssistanceRecord.objects.values_list("member__household__code", "status")),
        sorted(MemberTag.objects.values_list("member__household__code", "member__name", "tag")),
        sorted(Organization.objects.values_list("name", "credit_code", "registering_region_id")),
        sorted(Project.objects.values_list("title", "organization__name", "status", "capacity")),
        sorted(
            Application.objects.values_list(
                "household__code", "project__title", "status", "answer_seconds"
            )
        ),
        sorted(
            Feedback.objects.values_list("application__household__code", "side", "satisfaction")
        ),
        sorted(
            Referral.objects.values_list(
                "direction", "status", "urgency", "region_id", "household__code",
                "sender__username", "receiver_organization__name", "receiver_region_id",
                "outcome", "aid_sought", "granted_status", "previous__household__code",
                "received_due", "outcome_due",
            )
        ),
        sorted(Consent.objects.values_list("household__code", "given_by", "given_on")),
        sorted(
            Case.objects.values_list(
                "household__code", "referral__household__code", "station_id", "status", "outcome"
            )
        ),
        sorted(CaseGoal.objects.values_list("case__household__code", "due_on", "achieved_on")),
        sorted(CaseNote.objects.values_list("case__household__code", "kind", "written_on")),
        sorted(
            AnnualEvaluation.objects.values_list("region_id", "year", "version", "metrics_sha256")
        ),
    ]  # fmt: skip
    return [hashlib.sha256(repr(part).encode()).hexdigest()[:12] for part in rows]


def generated_digest(seed: int) -> list[str]:
    """Generate, read the digest, and roll everything back (the regions stay)."""
    with transaction.atomic():
        generate(seed=seed)
        value = digest()
        transaction.set_rollback(True)
    return value


@pytest.fixture
def generated(db):
    return generate()


def test_it_makes_each_thing_in_proportion_to_the_scale(generated):
    # DOMAIN.md §2's province times the scale.
    assert User.objects.filter(is_synthetic=True, role="social_worker").count() == 15
    assert Region.objects.filter(is_synthetic=True, level="village").count() == 13
    assert Household.objects.count() == 500
    members = Member.objects.count()
    assert 2.2 * 500 <= members <= 2.6 * 500  # 2.4 a household
    assert 0.5 * 500 <= Need.objects.count() <= 0.7 * 500  # 0.6 a household
    assert Visit.objects.count() == Household.objects.filter(last_visited_on__isnull=False).count()
    assert Organization.objects.count() == 2
    assert Project.objects.count() == 3
    assert Application.objects.count() == 225
    assert Feedback.objects.exists()
    # The summary is printed in Chinese.
    assert "家庭:500" in generated.replace(" ", "")
    assert "需求台账" in generated


def test_it_flags_every_root_row_synthetic(generated):
    assert not Household.objects.filter(is_synthetic=False).exists()
    assert not Organization.objects.filter(is_synthetic=False).exists()
    workers = User.objects.filter(role="social_worker")
    assert workers.exists() and not workers.filter(is_synthetic=False).exists()
    villages = Region.objects.filter(level="village")
    assert villages.exists() and not villages.filter(is_synthetic=False).exists()
    # Households live in synthetic villages or directly in a township, served by a worker of
    # their station.
    assert not Household.objects.exclude(region__level__in=["village", "township"]).exists()
    for household in Household.objects.select_related("worker", "region")[:50]:
        assert household.worker.region_id == household.station_id
        assert household.region.code.startswith(household.station_id[:9])
    # Dependents are synthetic through their root.
    assert not Application.objects.filter(household__is_synthetic=False).exists()
    assert not Project.objects.filter(organization__is_synthetic=False).exists()


def test_the_same_seed_makes_the_same_data_and_another_seed_other_data(db):
    first = generated_digest(seed=1)
    assert generated_digest(seed=1) == first
    assert generated_digest(seed=2) != first


def test_it_refuses_a_database_that_already_holds_synthetic_data(generated):
    referrals, cases = Referral.objects.count(), Case.objects.count()
    with pytest.raises(CommandError, match=r"合成数据|synthetic"):
        generate()
    assert Household.objects.count() == 500  # nothing added
    assert (Referral.objects.count(), Case.objects.count()) == (referrals, cases)
    assert AnnualEvaluation.objects.count() == 1


def test_it_leaves_the_households_list_flags_as_the_services_keep_them(generated):
    kept = dict(Household.objects.values_list("pk", "flags"))
    urgent = set(Household.objects.filter(has_urgent_need=True).values_list("pk", flat=True))
    assert any(kept.values()) and urgent
    household_flags_refresh()
    assert dict(Household.objects.values_list("pk", "flags")) == kept
    assert set(Household.objects.filter(has_urgent_need=True).values_list("pk", flat=True)) == (
        urgent
    )
    dibao = Household.objects.filter(
        members__assistance__status="dibao", members__assistance__ended_on=None
    ).distinct()
    flagged = Household.objects.filter(flags__has_bits=household_flag("status", "dibao"))
    assert set(flagged.values_list("pk", flat=True)) == set(dibao.values_list("pk", flat=True))
    assert flagged.exists()


def test_the_members_carry_their_households_station_code(generated):
    """The household search by name within a scope reads the members by their station code
    (needs 0007): the generator's bulk load writes it as the services do."""
    from django.db.models import F

    from needs.models import Member

    assert Member.objects.exists()
    assert not Member.objects.exclude(station_code=F("household__station_id")).exists()


# --- Referrals, cases and the evaluation ------------------------------------------------------


def test_each_projects_places_taken_are_its_applications_holding_one(generated):
    """Accepting an application takes one of the project's places (matching.services): the
    generated projects' places taken are their accepted, delivered and closed applications,
    within their capacity."""
    from django.db.models import Count, F, Q

    holding = Q(applications__status__in=["accepted", "delivered", "closed"])
    projects = Project.objects.annotate(holding=Count("applications", filter=holding))
    assert projects.filter(holding__gt=0).exists()
    assert not projects.exclude(places_taken=F("holding")).exists()
    assert not projects.filter(capacity__lt=F("places_taken")).exists()


def test_it_makes_referrals_in_every_direction_and_status(generated):
    made = set(Referral.objects.values_list("direction", "status"))
    assert made == {(d, s) for d in Direction.values for s in Referral.Status.values}
    # Synthetic through their household or the organisation that sent them.
    assert not Referral.objects.filter(
        household__isnull=False, household__is_synthetic=False
    ).exists()
    assert not Referral.objects.filter(
        direction=Direction.TO_CIVIL_AFFAIRS, sender_organization__is_synthetic=False
    ).exists()
    assert not Case.objects.filter(household__is_synthetic=False).exists()
    summary = generated.replace(" ", "")  # counted in Chinese
    assert f"转介:{Referral.objects.count()}" in summary
    assert f"个案:{Case.objects.count()}" in summary


def test_each_status_carries_what_the_services_write(generated):
    S = Referral.Status
    for r in Referral.objects.all():
        moments = [r.sent_at, r.received_at, r.answered_at, r.started_at, r.closed_at]
        moments = [m for m in moments if m is not None]
        assert moments == sorted(moments) and moments[-1] <= timezone.now()
        assert (r.received_at is None) == (r.status == S.SENT)
        assert (r.answered_at is None) == (r.status in (S.SENT, S.RECEIVED))
        assert (r.closed_at is None) == (r.status not in (S.DECLINED, S.CLOSED))
        assert (r.decline_reason != "") == (r.status == S.DECLINED)
        if r.status in (S.IN_SERVICE, S.CLOSED):
            assert r.started_at is not None and r.outcome_at is not None
        if r.status == S.CLOSED:
            assert r.outcome in Referral.OUTCOMES[Direction(r.direction)]
        if r.granted_status:
            # Granted only to a household of the ledger, whose head now holds the status.
            assert r.household_id and r.member_id and r.household_linked_at
            assert r.member.assistance.filter(status=r.granted_status, ended_on=None).exists()
        sent_on = timezone.localdate(r.sent_at)  # the deadlines of the day sent
        assert r.received_due >= sent_on + dt.timedelta(days=3)
        assert r.outcome_due == sent_on + dt.timedelta(days=30)
        assert r.snapshot_data()["person"]["name"] == "合成数据"
    in_service = Referral.objects.filter(direction=Direction.TO_STATION, status=S.IN_SERVICE)
    assert in_service.exists()
    assert all(r.case.is_open for r in in_service)  # the station's open case


def test_every_referral_to_a_charity_rests_on_a_consent_in_force(generated):
    to_charity = Referral.objects.filter(direction=Direction.TO_CHARITY).select_related(
        "consent", "receiver_organization"
    )
    assert to_charity.exists()
    for r in to_charity:
        assert r.consent is not None and r.consent.in_force
        assert r.consent.member_id == r.member_id and r.consent.purpose == "referral"
        assert r.consent.covers(
            purpose="referral",
            credit_code=r.receiver_organization.credit_code,
            day=timezone.localdate(r.sent_at),
        )
        # The organisation has staff on the platform to receive it.
        assert r.receiver_organization.staff.filter(is_active=True, role="charity").exists()


def test_it_makes_cases_with_goals_and_notes_and_one_open_case_a_household(generated):
    assert Case.objects.filter(referral__isnull=False).exists()
    assert Case.objects.filter(referral__isnull=True).exists()
    assert Case.objects.filter(status="closed").exists()
    for case in Case.objects.select_related("worker"):
        assert case.goals.exists() and case.notes.exists()
        assert case.worker.role == "social_worker" and case.worker.region_id == case.station_id
    open_cases = list(Case.objects.filter(status="open").values_list("household_id", flat=True))
    assert len(open_cases) == len(set(open_cases))


def test_a_sample_of_the_new_rows_satisfies_the_models_validation(generated):
    rows = [
        *Referral.objects.order_by("pk"),
        *Case.objects.order_by("pk"),
        *CaseGoal.objects.order_by("pk")[:20],
        *CaseNote.objects.order_by("pk")[:20],
        *Consent.objects.order_by("pk")[:20],
        *AnnualEvaluation.objects.all(),
    ]
    assert len(rows) > 40
    for row in rows:
        row.full_clean()  # fields, choices and the Meta constraints


def test_free_text_about_a_person_is_stored_encrypted(generated):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason, snapshot FROM referrals_referral")
        stored = cursor.fetchall()
        cursor.execute("SELECT assessment FROM referrals_case WHERE assessment <> ''")
        stored += cursor.fetchall()
    assert stored
    assert not any("合成数据" in value or "{" in value for row in stored for value in row)


def test_it_builds_last_years_evaluation_of_the_province(generated):
    evaluation = AnnualEvaluation.objects.get()
    assert evaluation.region.level == "province"
    assert evaluation.year == timezone.localdate().year - 1
    assert (evaluation.status, evaluation.version, evaluation.is_current) == ("draft", 1, True)
    assert "referrals" in evaluation.metrics["sections"]
    assert evaluation.exports.filter(status="done").count() == 3  # workbook, PDF, CSV
    assert not Notification.objects.exists()  # nobody asked for it
    assert "年度总结评估:1" in generated.replace(" ", "")


def test_the_receivers_open_the_generated_referrals_and_cases(generated, client):
    """The people the generator made for the referrals can work on them in the pages."""
    from django.urls import reverse

    for direction in Direction.values:
        referral = Referral.objects.filter(direction=direction, status="accepted").first()
        client.force_login(User.objects.get(pk=referral.answered_by_id))
        page = client.get(reverse("referrals:referral_detail", args=[referral.pk]))
        assert page.status_code == 200
        assert "合成数据" in page.content.decode()  # the person's details, consent in force
    case = Case.objects.filter(status="open").select_related("worker").first()
    client.force_login(case.worker)
    assert client.get(reverse("referrals:case_detail", args=[case.pk])).status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's shared catalogues")
def test_its_statistics_leave_the_shared_catalogues_unlocked(generated):
    """The generator analyses the tables it loaded, not the whole database: a database-wide
    ANALYZE locks the shared catalogues (pg_authid) until the transaction ends, and every
    other database's ANALYZE waits for it (the demo generated in parallel test workers)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND relation = 'pg_authid'::regclass"
        )
        assert cursor.fetchone()[0] == 0
