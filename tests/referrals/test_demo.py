"""The demo referrals and cases that ``manage.py seed_demo`` loads (referrals/demo.py): every
direction and status, a chain after a decline, a revoked consent the charity sees as withdrawn,
a granted status on a registered household, cases open and closed, reminders and escalations —
and a second run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Notification, User
from needs.models import AssistanceRecord, Consent, Household
from referrals import jobs
from referrals.demo import demo_referrals
from referrals.models import Case, CaseGoal, CaseNote, Direction, Referral

from ..demo_support import Loaded, seed_demo_twice

pytestmark = pytest.mark.django_db

S = Referral.Status


#: The media folder of the module's demo (the tests' own fixture gives each test another).
DEMO_MEDIA: dict[str, object] = {}


def _state() -> dict[str, object]:
    from django.conf import settings

    DEMO_MEDIA["root"] = settings.MEDIA_ROOT
    return {
        "referrals": dict(Referral.objects.values_list("pk", "status")),
        "sent": dict(Referral.objects.values_list("pk", "sent_at")),
        "cases": dict(Case.objects.values_list("pk", "status")),
        "goals": CaseGoal.objects.count(),
        "case_notes": CaseNote.objects.count(),
        "consents": Consent.objects.count(),
        "households": Household.objects.count(),
        "statuses": AssistanceRecord.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Loaded]:
    yield from seed_demo_twice(django_db_blocker, tmp_path_factory, _state)


def test_a_second_run_creates_and_changes_nothing(loaded):
    assert loaded.second == loaded.first
    assert len(loaded.first["referrals"]) >= 20
    out = loaded.output
    assert out.count("referrals demo:") == 2
    assert out.index("matching demo:") < out.index("referrals demo:")
    assert out.rindex("referrals demo:") < out.rindex("Demo logins")


def test_every_direction_and_status(loaded):
    referrals = demo_referrals()
    for direction in Direction.values:
        of = referrals.filter(direction=direction)
        assert of.exists(), direction
    assert set(referrals.values_list("status", flat=True)) == set(S.values)
    to_ca = referrals.filter(direction=Direction.TO_CIVIL_AFFAIRS)
    assert {o for o in to_ca.values_list("outcome", flat=True) if o} == {
        "applied",
        "granted",
        "not_eligible",
    }
    assert referrals.filter(direction=Direction.TO_CHARITY, status=S.CLOSED).exists()
    assert referrals.filter(direction=Direction.TO_STATION, status=S.CLOSED).exists()


def test_a_chain_a_revoked_consent_and_a_granted_status(loaded):
    referrals = demo_referrals()
    onward = referrals.get(previous__isnull=False)
    assert onward.previous.status == S.DECLINED
    withdrawn = referrals.get(consent__revoked_at__isnull=False)
    charity = Client()
    charity.force_login(User.objects.get(username="charity"))
    html = charity.get(reverse("referrals:referral_detail", args=[withdrawn.pk])).content.decode()
    assert 'id="consent-withdrawn"' in html
    assert withdrawn.member.name not in html
    granted = referrals.get(outcome="granted")
    assert AssistanceRecord.objects.filter(
        member__household=granted.household, status=granted.granted_status, ended_on=None
    ).exists()


def test_cases_open_and_closed_with_plans_and_notes(loaded):
    cases = Case.objects.filter(household__is_synthetic=False)  # the generator's have their own
    assert cases.filter(status=Case.Status.OPEN).count() >= 2
    assert cases.filter(status=Case.Status.CLOSED).count() >= 2
    assert cases.filter(referral__isnull=False).exists()
    assert cases.filter(referral__isnull=True).exists()
    for case in cases:
        assert case.goals.exists() and case.notes.filter(kind="review").exists()
        assert case.assessment


def test_the_deadlines_are_followed_up_already_and_a_rerun_of_the_job_sends_nothing(loaded):
    referrals = demo_referrals()
    assert referrals.filter(reminded_at__isnull=False).exists()
    assert referrals.filter(escalated_at__isnull=False).exists()
    result = jobs.follow_up()
    assert (result.reminded, result.escalated) == (0, 0)
    assert referrals.overdue().exists()


def test_the_demo_logins_see_their_inboxes(loaded):
    client = Client()
    for username, box in (
        ("charity", "incoming"),
        ("charity", "outgoing"),
        ("county_officer", "incoming"),
        ("worker", "outgoing"),
        ("worker", "incoming"),
    ):
        client.force_login(User.objects.get(username=username))
        page = client.get(reverse("referrals:inbox") + f"?box={box}")
        assert page.status_code == 200
        assert 'class="list-group-item list-group-item-action"' in page.content.decode(), (
            username,
            box,
        )


def test_every_demo_referral_and_case_renders_for_each_side(loaded):
    """Every page of every status and direction, as the administrator, the demo charity login
    (what it may see) and the county officer: no template error anywhere."""
    client = Client()
    for username in ("admin", "charity", "county_officer", "worker"):
        user = User.objects.get(username=username)
        client.force_login(user)
        visible = Referral.objects.visible_to(user)
        for referral in demo_referrals():
            page = client.get(reverse("referrals:referral_detail", args=[referral.pk]))
            expected = 200 if visible.filter(pk=referral.pk).exists() else 404
            assert page.status_code == expected, (username, referral.number, referral.status)
            if referral.household_id and expected == 200 and username != "charity":
                fragment = reverse("referrals:household_fragment", args=[referral.household_id])
                assert client.get(fragment).status_code == 200
        for case in Case.objects.visible_to(user):
            assert client.get(reverse("referrals:case_detail", args=[case.pk])).status_code == 200


def test_the_demo_files_are_served_to_the_sides(loaded, settings):
    from referrals.models import ReferralAttachment

    settings.MEDIA_ROOT = DEMO_MEDIA["root"]
    client = Client()
    for attachment in ReferralAttachment.objects.select_related("referral"):
        client.force_login(attachment.uploaded_by)
        url = reverse("referrals:attachment_download", args=[attachment.referral_id, attachment.pk])
        answer = client.get(url)
        assert answer.status_code == 200 and answer["Content-Type"] == attachment.content_type
    assert ReferralAttachment.objects.count() >= 2
