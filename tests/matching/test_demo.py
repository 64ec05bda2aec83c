"""The demo applications that ``manage.py seed_demo`` loads (matching/demo.py).

A full seed_demo takes several seconds (regions, the need ledger, the supply ledger, then the
applications), so the module runs it twice, once for all its tests: the data lives in an outer
transaction that is rolled back at the end, and each test runs in a savepoint inside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Notification, User
from matching import jobs
from matching.demo import declare_relation, demo_applications
from matching.models import ESCALATE_AFTER, REMIND_AFTER, Application, Feedback
from matching.selectors import inbox_for_user, review_queue_for_user
from needs.demo import REF_PREFIX
from needs.models import Consent, Household, Need
from supply.models import Project

from ..demo_support import Loaded, seed_demo_twice

pytestmark = pytest.mark.django_db

S = Application.Status
HOLDING_A_PLACE = [S.ACCEPTED, S.DELIVERED, S.CLOSED]


def _state() -> dict[str, object]:
    """Counts, and every state a rerun could move."""
    return {
        "applications": dict(Application.objects.values_list("pk", "status")),
        "reviews": dict(Application.objects.values_list("pk", "review_status")),
        "submitted": dict(Application.objects.values_list("pk", "submitted_at")),
        "places": dict(Project.objects.values_list("pk", "places_taken")),
        "feedback": Feedback.objects.count(),
        "needs": dict(Need.objects.values_list("pk", "status")),
        "need_count": Need.objects.count(),
        "consents": Consent.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Loaded]:
    yield from seed_demo_twice(django_db_blocker, tmp_path_factory, _state)


def _user(username: str) -> User:
    return User.objects.select_related("region").get(username=username)


def test_a_second_run_creates_and_changes_nothing(loaded):
    assert loaded.second == loaded.first
    assert len(loaded.first["applications"]) >= 15
    out = loaded.output
    assert out.count("matching demo:") == 2
    # After the supply ledger (INSTALLED_APPS order), before the logins, which stay last.
    assert out.index("supply demo:") < out.index("matching demo:")
    assert out.rindex("matching demo:") < out.rindex("Demo logins")


def test_applications_in_every_status_across_the_demo_households(loaded):
    applications = demo_applications()
    statuses = Counter(applications.values_list("status", flat=True))

    assert set(statuses) == set(S.values)
    assert applications.count() == Application.objects.filter(household__is_synthetic=False).count()
    # The three demo townships and both demo counties take part.
    townships = set(applications.values_list("household__station_id", flat=True))
    assert townships == {"441881101000", "441881102000", "441803102000"}
    assert set(applications.values_list("mode", flat=True)) == set(Application.Mode.values)
    assert applications.filter(simplified_procedure=True).exists()


def test_the_charity_login_has_applications_waiting_in_its_inbox(loaded):
    charity = _user("charity")
    inbox = inbox_for_user(charity)

    assert inbox.filter(status=S.SUBMITTED).count() >= 2
    assert not inbox.filter(status=S.DRAFT).exists()
    # It has answered: accepted, rejected, delivered and closed ones are in its inbox too.
    assert {S.ACCEPTED, S.REJECTED, S.DELIVERED, S.CLOSED} <= set(
        inbox.values_list("status", flat=True)
    )
    # The oldest waiting ones come first.
    assert inbox.first().status == S.SUBMITTED


def test_the_county_officer_reviews_a_flag_and_a_household_with_a_declared_relation(loaded):
    officer = _user("county_officer")
    queue = list(review_queue_for_user(officer).select_related("household__worker"))

    assert queue
    assert all(a.household.region_id.startswith("441881") for a in queue)
    flagged = [a for a in queue if a.review_status == Application.Review.FLAGGED]
    assert flagged and all(a.review_note for a in flagged)
    related = [a for a in queue if a.household.coi_declared]
    assert related
    for application in related:
        assert application.review_required
        assert application.waiting_for_review
        # The responsible worker does not handle their own relatives: a colleague applied.
        assert application.created_by != application.household.worker
    # The other county's queue holds none of Yingde's matches.
    other = review_queue_for_user(_user("county_officer_b"))
    assert other.exists()
    assert not other.filter(household__region__code__startswith="441881").exists()


def test_each_project_has_taken_as_many_places_as_it_holds_applications(loaded):
    counted = dict(
        Project.objects.annotate(
            holding=Count("applications", filter=Q(applications__status__in=HOLDING_A_PLACE))
        ).values_list("pk", "holding")
    )
    taken = dict(Project.objects.values_list("pk", "places_taken"))

    assert taken == counted
    assert sum(taken.values()) >= 4


def test_every_story_is_complete_and_in_order(loaded):
    applications = list(
        demo_applications().select_related("need", "consent").prefetch_related("feedback")
    )
    today = timezone.localdate()

    for a in applications:
        assert a.created_at <= (a.submitted_at or a.created_at)
        if a.status != S.DRAFT:
            assert a.need.created_at <= a.submitted_at
            assert a.consent.given_on <= timezone.localdate(a.submitted_at)
        if a.answered_at:
            assert a.submitted_at <= a.answered_at
            assert a.answer_seconds == int((a.answered_at - a.submitted_at).total_seconds())
        if a.delivered_on:
            assert timezone.localdate(a.answered_at) <= a.delivered_on <= today
        if a.status in Application.FINAL_STATUSES:
            assert a.closed_at == a.status_changed_at
        sides = {f.side for f in a.feedback.all()}
        if a.status == S.CLOSED:
            assert sides == set(Feedback.Side.values)
            assert all(f.recorded_at.date() >= a.delivered_on for f in a.feedback.all())
        elif a.status != S.DELIVERED:
            assert not sides

    rejected = [a for a in applications if a.status == S.REJECTED]
    assert all(a.rejection_reason for a in rejected)
    assert any(a.explanation and a.explained_at > a.answered_at for a in rejected)
    assert any(not a.explanation for a in rejected)  # one still to explain
    withdrawn = [a for a in applications if a.status == S.WITHDRAWN]
    assert any(a.review_status == Application.Review.UPHELD for a in withdrawn)
    assert any(a.review_status == Application.Review.PENDING for a in withdrawn)
    overlapping = [a for a in applications if a.overlap_reason]
    assert overlapping and all(a.review_required for a in overlapping)


def test_it_applies_only_with_consent_and_never_for_someone_who_revoked_it(loaded):
    applications = demo_applications().exclude(status=S.DRAFT).select_related("consent", "member")

    for a in applications:
        assert a.consent.member_id == a.member_id
        assert a.consent.purpose == Consent.Purpose.MATCHING
        revoked = a.member.consents.filter(
            purpose=Consent.Purpose.MATCHING, revoked_at__isnull=False
        )
        assert not revoked.exists(), a.number


def test_the_follow_up_job_finds_work_to_do(loaded):
    applications = demo_applications()
    now = timezone.now()
    waiting = applications.filter(status=S.SUBMITTED)
    assert waiting.filter(submitted_at__lte=now - REMIND_AFTER).exists()
    assert waiting.filter(submitted_at__lte=now - ESCALATE_AFTER).exists()
    expired = applications.get(status=S.EXPIRED)
    assert expired.reminded_at < expired.escalated_at < expired.closed_at < now

    done = jobs.follow_up()

    assert done.expired == 0  # nothing was left past 30 days
    assert done.reminded >= 1
    assert done.escalated >= 1
    assert done.feedback_reminders >= 1


def test_declaring_a_relation_keeps_the_household_members_as_they_are(loaded):
    household = (
        Household.objects.filter(external_ref__startswith=REF_PREFIX, coi_declared=False)
        .select_related("worker", "region")
        .order_by("pk")
        .first()
    )

    def members() -> list[tuple[object, ...]]:
        return [
            (
                m.pk,
                m.name,
                m.relation,
                m.id_number,
                m.phone,
                m.health_notes,
                m.disability_type,
                m.left_at,
                sorted(m.assistance.filter(ended_on__isnull=True).values_list("status", "pk")),
                sorted(m.tags.values_list("tag", flat=True)),
            )
            for m in household.members.order_by("pk")
        ]

    before = members()
    declare_relation(user=household.worker, household=household, note="张社工的堂姐一家")

    household.refresh_from_db()
    assert household.coi_declared
    assert household.coi_note == "张社工的堂姐一家"
    assert household.coi_declared_at is not None
    assert members() == before
