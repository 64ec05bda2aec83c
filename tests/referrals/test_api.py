"""The referrals API: the representation per side (the receiving charity's pinned allowlist),
consent re-checked at every read, the actions and their refusals, the county's outcome, cases."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from needs import services as needs_services
from needs.models import AssistanceRecord
from referrals import services
from referrals.models import Referral

from .conftest import PDF, send_person, upload

pytestmark = pytest.mark.django_db

#: Everything the charity receiving a referral may read of it, pinned here on purpose: a field
#: added to the receiver's serializer must be added here too, after thinking about consent.
RECEIVER_FIELDS = {
    "side",
    "id",
    "number",
    "direction",
    "direction_display",
    "status",
    "status_display",
    "urgency",
    "urgency_display",
    "receiver_organization",
    "receiver_region",
    "sent_at",
    "received_due",
    "outcome_due",
    "overdue",
    "received_at",
    "answered_at",
    "started_at",
    "outcome",
    "outcome_display",
    "outcome_at",
    "closed_at",
    "sender",
    "consent_in_force",
    "person",
    "household",
    "needs",
    "reason",
    "decline_reason",
    "outcome_note",
    "notes",
    "attachments",
}
PERSON_FIELDS = {"name", "sex", "age", "place", "simplified_procedure"}
HOUSEHOLD_FIELDS = {"size", "difficulty_group"}
NEED_FIELDS = {"area", "form", "urgent"}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _walk_strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_strings(item)
    elif value is not None:
        yield str(value)


def test_the_receiving_charity_reads_the_pinned_allowlist(sent, fulian_staff, worker, family):
    services.referral_note_add(user=worker, referral=sent, body="孩子在沙口中心小学")
    services.referral_attachment_add(user=worker, referral=sent, uploads=[upload()])
    client = api(fulian_staff)
    detail = client.get(reverse("referrals_api:referral_detail", args=[sent.pk])).json()
    assert set(detail) == RECEIVER_FIELDS
    assert set(detail["person"]) == PERSON_FIELDS
    assert set(detail["household"]) == HOUSEHOLD_FIELDS
    assert all(set(n) == NEED_FIELDS for n in detail["needs"]) and detail["needs"]
    assert detail["person"]["name"] == "李小花" and detail["consent_in_force"] is True
    assert [n["body"] for n in detail["notes"]] == ["孩子在沙口中心小学"]
    row = client.get(reverse("referrals_api:referral_list")).json()["results"][0]
    assert set(row) == RECEIVER_FIELDS
    text = " ".join(_walk_strings(detail))
    child = family.members.get(name="李小花")
    for secret in (family.code, child.id_number, "哮喘", family.address, "李大山"):
        assert secret not in text


def test_after_revocation_the_receivers_api_holds_nothing_personal(
    sent, fulian_staff, worker, referral_consent_of_child
):
    services.referral_note_add(user=worker, referral=sent, body="孩子在沙口中心小学")
    services.referral_attachment_add(user=worker, referral=sent, uploads=[upload()])
    needs_services.consent_revoke(user=worker, consent=referral_consent_of_child, reason="撤回")
    client = api(fulian_staff)
    for data in (
        client.get(reverse("referrals_api:referral_detail", args=[sent.pk])).json(),
        client.get(reverse("referrals_api:referral_list")).json()["results"][0],
    ):
        assert set(data) == RECEIVER_FIELDS
        assert data["consent_in_force"] is False
        assert data["person"] is None and data["household"] is None
        assert data["needs"] == [] and data["notes"] == [] and data["attachments"] == []
        assert data["reason"] == ""
        assert "李小花" not in " ".join(_walk_strings(data))
    refused = client.post(reverse("referrals_api:referral_accept", args=[sent.pk]), {})
    assert refused.status_code == 400 and refused.json()["code"] == "no_consent"


def test_an_expired_consent_is_withdrawn_for_the_receiver_too(
    sent, fulian_staff, referral_consent_of_child
):
    import datetime as dt

    from needs.models import Consent

    Consent.objects.filter(pk=referral_consent_of_child.pk).update(
        given_on=timezone.localdate() - dt.timedelta(days=10),
        expires_on=timezone.localdate() - dt.timedelta(days=1),
    )
    data = api(fulian_staff).get(reverse("referrals_api:referral_detail", args=[sent.pk])).json()
    assert data["person"] is None and data["consent_in_force"] is False


def test_the_government_side_reads_the_whole_referral(sent, worker, county_officer):
    for user in (worker, county_officer):
        data = api(user).get(reverse("referrals_api:referral_detail", args=[sent.pk])).json()
        assert data["household"] == sent.household_id and data["reason"] == sent.reason
        assert data["snapshot"]["person"]["name"] == "李小花"


def test_referring_through_the_api_and_the_refusal_code(
    worker, family, child, need, fulian, referral_consent_of_child, father
):
    client = api(worker)
    url = reverse("referrals_api:referral_list")
    refused = client.post(
        url,
        {
            "household": family.pk,
            "direction": "to_charity",
            "organization": fulian.pk,
            "member": father.pk,
            "reason": "需要关爱",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "no_consent" and "organization" in refused.json()
    created = client.post(
        url,
        {
            "household": family.pk,
            "direction": "to_charity",
            "organization": fulian.pk,
            "member": child.pk,
            "needs": [need.pk],
            "urgency": "critical",
            "reason": "需要关爱",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["urgency"] == "critical" and created.json()["needs"] == [need.pk]


def test_the_receiver_acts_through_the_api(sent, fulian_staff):
    client = api(fulian_staff)
    for action, body in (
        ("referral_receive", {}),
        ("referral_accept", {"note": "本周上门"}),
        ("referral_start", {}),
        ("referral_outcome", {"outcome": "partly_helped", "note": "已安排志愿者每周探访"}),
    ):
        answer = client.post(
            reverse(f"referrals_api:{action}", args=[sent.pk]), body, format="json"
        )
        assert answer.status_code == 200, (action, answer.json())
    assert answer.json()["status"] == "closed" and answer.json()["outcome"] == "partly_helped"
    wrong = client.post(
        reverse("referrals_api:referral_outcome", args=[sent.pk]), {"outcome": "granted"}
    )
    assert wrong.status_code == 400


def test_files_through_the_api_checked_and_listed(sent, worker, settings):
    client = api(worker)
    url = reverse("referrals_api:referral_attachments", args=[sent.pk])
    bad = client.post(url, {"files": [upload("x.pdf", b"GIF89a...")]}, format="multipart")
    assert bad.status_code == 400 and "attachments" in bad.json()
    ok = client.post(url, {"files": [upload("证明.pdf", PDF)]}, format="multipart")
    assert ok.status_code == 200
    (attachment,) = ok.json()["attachments"]
    assert attachment["name"] == "证明.pdf" and attachment["kind"] == "pdf"
    client.force_login(worker)
    assert client.get(attachment["url"]).content == PDF


def test_the_county_records_granted_through_the_api_and_the_household_shows_it(
    county_org, charity_a, regions, county_officer, worker, client
):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    officer = api(county_officer)
    assert (
        officer.post(reverse("referrals_api:referral_accept", args=[referral.pk])).status_code
        == 200
    )
    registered = officer.post(
        reverse("referrals_api:referral_register_household", args=[referral.pk]),
        {
            "region": regions["township_a1"].pk,
            "address": "沙口镇红群村 8 号",
            "worker": worker.pk,
            "person": {"name": "王阿婆", "sex": "female", "birth_date": "1950-02-03"},
        },
        format="json",
    )
    assert registered.status_code == 201, registered.json()
    household_pk = registered.json()["household"]
    granted = officer.post(
        reverse("referrals_api:referral_outcome", args=[referral.pk]),
        {"outcome": "granted", "note": "纳入特困供养"},
        format="json",
    )
    assert granted.status_code == 200, granted.json()
    assert AssistanceRecord.objects.get(member__household_id=household_pk).status == "tekun"
    # The charity sees the outcome, and nothing of the ledger.
    seen = api(charity_a).get(reverse("referrals_api:referral_detail", args=[referral.pk])).json()
    assert seen["outcome"] == "granted" and seen["granted_status"] == "tekun"
    assert "household" not in seen and "member" not in seen
    # The household page shows the new status.
    client.force_login(worker)
    page = client.get(reverse("needs:household_detail", args=[household_pk])).content.decode()
    assert "特困人员" in page


def test_cases_through_the_api(worker, family, child, county_officer):
    client = api(worker)
    opened = client.post(
        reverse("referrals_api:case_list"),
        {"household": family.pk, "member": child.pk, "assessment": "需要长期陪伴"},
        format="json",
    )
    assert opened.status_code == 201, opened.json()
    pk = opened.json()["id"]
    today = timezone.localdate().isoformat()
    goal = client.post(
        reverse("referrals_api:case_goals", args=[pk]),
        {"goal": "每周家访一次", "due_on": today},
        format="json",
    )
    goal_id = goal.json()["goals"][0]["id"]
    assert (
        client.post(
            reverse("referrals_api:case_goals_reached", args=[pk]), {"goal": goal_id}, format="json"
        ).json()["goals"][0]["achieved_on"]
        == today
    )
    client.post(
        reverse("referrals_api:case_notes", args=[pk]),
        {"kind": "review", "body": "三个月回顾"},
        format="json",
    )
    closed = client.post(
        reverse("referrals_api:case_close", args=[pk]), {"outcome": "goals_met"}, format="json"
    )
    assert closed.json()["status"] == "closed" and len(closed.json()["notes"]) == 1
    # Civil affairs of the area read it; they do not keep it.
    officer = api(county_officer)
    assert officer.get(reverse("referrals_api:case_detail", args=[pk])).status_code == 200
    assert (
        officer.post(
            reverse("referrals_api:case_notes", args=[pk]), {"body": "?"}, format="json"
        ).status_code
        == 404
    )


def test_a_charity_lists_what_it_sent_to_civil_affairs(county_org, charity_a, regions):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    rows = api(charity_a).get(reverse("referrals_api:referral_list") + "?box=outgoing").json()
    assert [r["id"] for r in rows["results"]] == [referral.pk]
    assert rows["results"][0]["person_name"] == "王阿婆"
    assert rows["results"][0]["person_phone_masked"] == "136****6000"


def test_an_unknown_box_is_a_field_error(worker):
    answer = api(worker).get(reverse("referrals_api:referral_list") + "?box=all")
    assert answer.status_code == 400 and "box" in answer.json()


__all__ = ["Referral"]


def test_references_are_read_as_ascii_digits(worker, family, fulian):
    """``٤`` (an Arabic-Indic four) is not household 4: a field error, as for every number."""
    answer = api(worker).post(
        reverse("referrals_api:referral_list"),
        {
            "household": "".join(chr(0x0660 + int(d)) for d in str(family.pk)),
            "direction": "to_station",
            "reason": "个案",
        },
        format="json",
    )
    assert answer.status_code == 400 and "household" in answer.json()
    full_width = "".join(chr(0xFF10 + int(d)) for d in str(family.pk))
    answer = api(worker).post(
        reverse("referrals_api:referral_list"),
        {"household": full_width, "direction": "to_station", "reason": "个案"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()


def test_a_household_referral_is_not_referred_elsewhere_as_a_person(
    administrator, sent, fulian_staff, county_org, regions
):
    """Found by the schema fuzz: the person endpoint with a household's declined referral as
    ``previous`` crashed (500); it is a field error on ``previous`` and nothing is written."""
    services.referral_decline(user=fulian_staff, referral=sent, reason="不在服务范围")
    answer = api(administrator).post(
        reverse("referrals_api:referral_person"),
        {
            "organization": county_org.pk,
            "region": regions["township_a1"].pk,
            "person_name": "王阿婆",
            "reason": "可能符合特困供养条件",
            "person_agreed": True,
            "previous": sent.pk,
        },
        format="json",
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "other_subject" and "previous" in answer.json()
    assert not Referral.objects.filter(previous=sent).exists()
