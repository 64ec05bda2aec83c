"""Complaints (投诉举报), issue 14 point 1: each reaches only the civil affairs concerned, the
tracking code reads the status and the reply and nothing else, the staff named cannot handle
it, the contact is optional and encrypted, the file is checked, filings are rate-limited per
client address."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404

from accounts.models import Notification
from oversight import selectors, services
from oversight.models import Complaint, ComplaintAttachment
from referrals import attachments as files
from supply import services as supply_services

from ..factories import UserFactory
from ..supply.conftest import TERMS, listing
from .conftest import PDF, file, upload

pytestmark = pytest.mark.django_db

K = Complaint.Subject
S = Complaint.Status


def _visible(user):
    return set(Complaint.objects.visible_to(user).values_list("pk", flat=True))


# --- Where it goes ---------------------------------------------------------------------------


def test_a_complaint_about_a_county_project_reaches_only_that_county_and_the_tiers_above(
    project, county_officer, other_county_officer, city_officer, province_officer, worker
):
    complaint, _code = file(subject_kind=K.PROJECT, project=project)

    assert complaint.region_id == "441881000000"  # 英德市, where the organisation is registered
    assert _visible(county_officer) == {complaint.pk}
    assert _visible(city_officer) == {complaint.pk}
    assert _visible(province_officer) == {complaint.pk}
    assert _visible(other_county_officer) == set()
    assert _visible(worker) == set()
    told = set(Notification.objects.filter(kind="complaint").values_list("recipient", flat=True))
    assert told == {county_officer.pk}


def test_a_complaint_about_a_city_project_goes_to_the_city_not_the_county(
    city_project, county_officer, city_officer
):
    complaint, _code = file(subject_kind=K.PROJECT, subject_name="清远助学")

    assert complaint.project == city_project
    assert complaint.region_id == "441800000000"
    assert _visible(county_officer) == set()
    assert _visible(city_officer) == {complaint.pk}


def test_a_complaint_about_an_organisation_goes_to_its_registering_department(
    project, county_org, county_officer, other_county_officer
):
    complaint, _code = file(subject_kind=K.ORGANIZATION, subject_name=" 英德市慈善会 ")

    assert complaint.organization == county_org
    assert complaint.region_id == county_org.registering_region_id
    assert _visible(other_county_officer) == set()


def test_a_complaint_about_a_match_goes_to_the_county_of_the_household(
    application, regions, county_officer, other_county_officer
):
    complaint, _code = file(subject_kind=K.APPLICATION, application_number=application.number)

    assert complaint.application == application
    assert complaint.region == regions["county_a"]  # the household lives in 沙口镇, 英德市
    assert _visible(county_officer) == {complaint.pk}
    assert _visible(other_county_officer) == set()


def test_a_complaint_about_a_staff_member_goes_to_the_county_where_they_work_and_names_them(
    worker, colleague, regions, county_officer, other_county_officer
):
    complaint, _code = file(
        subject_kind=K.STAFF, subject_name=worker.name, place=regions["county_a"]
    )

    assert complaint.region == regions["county_a"]
    assert set(complaint.named_staff.all()) == {worker}
    assert _visible(other_county_officer) == set()


def test_an_unknown_subject_is_refused_with_the_field_to_correct(regions):
    with pytest.raises(services.ComplaintError) as refused:
        file(subject_kind=K.PROJECT, subject_name="没有这个项目")
    assert refused.value.code == "not_found"
    assert "subject_name" in refused.value.message_dict
    with pytest.raises(services.ComplaintError) as refused:
        file(subject_kind=K.APPLICATION, application_number="A999999")
    assert "application_number" in refused.value.message_dict
    with pytest.raises(services.ComplaintError) as refused:
        file(subject_kind=K.STAFF, subject_name="张三")
    assert "place" in refused.value.message_dict
    assert not Complaint.objects.exists()


def test_a_draft_project_cannot_be_complained_of_by_its_number(county_org, charity_a):
    draft = supply_services.project_save(
        user=charity_a,
        organization=county_org,
        fields=listing(title="草稿"),
        terms=TERMS,
        coverage=[county_org.registering_region],
    )
    with pytest.raises(services.ComplaintError):
        file(subject_kind=K.PROJECT, project=draft.pk)


# --- The tracking code -----------------------------------------------------------------------


def test_the_tracking_code_is_long_unambiguous_and_stored_only_as_a_keyed_hash(project):
    complaint, code = file(subject_kind=K.PROJECT, project=project)
    _other, other_code = file(subject_kind=K.PROJECT, project=project)

    assert len(code) == 16 and code != other_code
    assert set(code) <= set(services.CODE_ALPHABET)
    assert not set(code) & set("01ILO")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tracking_index FROM oversight_complaint WHERE id = %s", [complaint.pk]
        )
        (stored,) = cursor.fetchone()
    assert code not in stored and stored == services.tracking_index(code)


def test_the_tracking_code_reads_the_status_and_then_the_reply_and_nothing_else(
    project, county_officer
):
    complaint, code = file(
        subject_kind=K.PROJECT,
        project=project,
        anonymous=False,
        contact_name="王五",
        contact_phone="13912345678",
    )
    typed = "-".join([code[:4].lower(), code[4:8], code[8:12], code[12:]])  # as copied by hand

    tracked = selectors.complaint_track(code=typed, client_address="10.0.0.2")
    assert tracked.status == S.RECEIVED and tracked.reply == ""

    services.complaint_start(user=county_officer, complaint=complaint)
    services.complaint_conclude(
        user=county_officer, complaint=complaint, finding="upheld", reply="已责令退还 200 元。"
    )
    tracked = selectors.complaint_track(code=code, client_address="10.0.0.2")

    assert tracked.status == S.CONCLUDED
    assert tracked.reply == "已责令退还 200 元。"
    assert set(vars(tracked)) == {"status", "status_label", "due_on", "concluded_on", "reply"}
    assert selectors.complaint_track(code=code[:-1] + "2", client_address="10.0.0.2") in (
        None,
        tracked,  # astronomically unlikely: the last letter was a 2 already
    ) or code.endswith("2")
    assert selectors.complaint_track(code="hello", client_address="10.0.0.2") is None


def test_tracking_codes_tried_from_one_address_are_limited(project, settings):
    settings.COMPLAINT_LOOKUPS_PER_HOUR = 3
    _complaint, code = file(subject_kind=K.PROJECT, project=project)
    for attempt in range(3):
        selectors.complaint_track(code=f"WRONG{attempt}", client_address="10.0.0.3")
    with pytest.raises(services.Throttled):
        selectors.complaint_track(code=code, client_address="10.0.0.3")
    assert selectors.complaint_track(code=code, client_address="10.0.0.4") is not None


# --- Who handles it --------------------------------------------------------------------------


def test_the_staff_member_named_cannot_handle_it_and_a_colleague_can(
    regions, county_officer, county_colleague
):
    complaint, _code = file(
        subject_kind=K.STAFF, subject_name=county_officer.name, place=regions["county_a"]
    )

    with pytest.raises(services.ComplaintError) as refused:
        services.complaint_start(user=county_officer, complaint=complaint)
    assert refused.value.code == "named_staff"
    assert _visible(county_officer) == set()
    assert not Notification.objects.filter(recipient=county_officer, kind="complaint").exists()

    services.complaint_start(user=county_colleague, complaint=complaint)
    with pytest.raises(services.ComplaintError) as refused:
        services.complaint_conclude(
            user=county_officer, complaint=complaint, finding="not_upheld", reply="查无此事"
        )
    assert refused.value.code == "named_staff"
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING and complaint.handler == county_colleague


def test_a_staff_member_linked_later_loses_the_complaint(project, county_officer, county_colleague):
    complaint, _code = file(subject_kind=K.PROJECT, project=project)
    services.complaint_start(user=county_officer, complaint=complaint)

    services.complaint_name_staff(user=county_colleague, complaint=complaint, staff=county_officer)

    complaint.refresh_from_db()
    assert complaint.handler is None
    assert _visible(county_officer) == set()
    with pytest.raises(services.ComplaintError) as refused:
        services.complaint_conclude(
            user=county_officer, complaint=complaint, finding="upheld", reply="已处理"
        )
    assert refused.value.code == "named_staff"


def test_an_officer_of_another_county_learns_nothing(project, other_county_officer):
    complaint, _code = file(subject_kind=K.PROJECT, project=project)
    with pytest.raises(Http404):
        services.complaint_start(user=other_county_officer, complaint=complaint)


def test_it_moves_received_investigating_concluded_only(project, county_officer):
    complaint, _code = file(subject_kind=K.PROJECT, project=project)
    with pytest.raises(services.ComplaintError) as refused:
        services.complaint_conclude(
            user=county_officer, complaint=complaint, finding="upheld", reply="已处理"
        )
    assert refused.value.code == "illegal_transition"
    services.complaint_start(user=county_officer, complaint=complaint)
    with pytest.raises(services.ComplaintError) as refused:
        services.complaint_conclude(
            user=county_officer, complaint=complaint, finding="upheld", reply="  "
        )
    assert "reply" in refused.value.message_dict
    services.complaint_conclude(
        user=county_officer, complaint=complaint, finding="partly_upheld", reply="已处理"
    )
    complaint.refresh_from_db()
    assert complaint.status == S.CONCLUDED and complaint.concluded_at is not None


# --- The complainant -------------------------------------------------------------------------


def test_an_anonymous_complaint_keeps_no_contact_and_a_contact_is_encrypted(project):
    anonymous, _code = file(
        subject_kind=K.PROJECT, project=project, contact_name="王五", contact_phone="139"
    )
    assert anonymous.anonymous and anonymous.contact_name == anonymous.contact_phone == ""

    with pytest.raises(services.ComplaintError) as refused:
        file(subject_kind=K.PROJECT, project=project, anonymous=False, contact_name="王五")
    assert "contact_phone" in refused.value.message_dict

    named, _code = file(
        subject_kind=K.PROJECT,
        project=project,
        anonymous=False,
        contact_name="王五",
        contact_phone="139 1234 5678",
    )
    assert named.contact_phone_masked == "139****5678"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_name, contact_phone, body FROM oversight_complaint WHERE id = %s",
            [named.pk],
        )
        row = cursor.fetchone()
    assert "王五" not in row[0] and "5678" not in row[1] and "200" not in row[2]


def test_a_file_is_checked_by_its_content_and_stored_encrypted(project, settings):
    with pytest.raises(services.ComplaintError) as refused:
        file(
            subject_kind=K.PROJECT,
            project=project,
            upload=upload("照片.jpg", b"MZ\x90\x00 not a photo", "image/jpeg"),
        )
    assert refused.value.code == "bad_file" and "attachment" in refused.value.message_dict
    settings.REFERRAL_ATTACHMENT_MAX_BYTES = 20
    with pytest.raises(services.ComplaintError):
        file(subject_kind=K.PROJECT, project=project, upload=upload())
    settings.REFERRAL_ATTACHMENT_MAX_BYTES = 1024 * 1024
    assert not Complaint.objects.exists()

    complaint, _code = file(subject_kind=K.PROJECT, project=project, upload=upload())

    attachment = ComplaintAttachment.objects.get(complaint=complaint)
    assert attachment.kind == "pdf" and attachment.name == "现场照片.pdf"
    with attachment.file.open("rb") as handle:
        assert b"%PDF" not in handle.read()
    assert files.read(attachment) == PDF


def test_filings_are_limited_per_client_address(project, settings):
    settings.COMPLAINT_FILINGS_PER_HOUR = 2
    file(subject_kind=K.PROJECT, project=project, client_address="10.9.9.9")
    with pytest.raises(services.ComplaintError):  # sent back for a correction: not counted
        file(subject_kind=K.PROJECT, subject_name="没有这个项目", client_address="10.9.9.9")
    file(subject_kind=K.PROJECT, project=project, client_address="10.9.9.9")

    with pytest.raises(services.Throttled) as refused:
        file(subject_kind=K.PROJECT, project=project, client_address="10.9.9.9")
    assert refused.value.code == "throttled"
    file(subject_kind=K.PROJECT, project=project, client_address="10.9.9.10")
    assert Complaint.objects.count() == 3


def test_the_notification_says_nothing_of_the_complainant_or_the_complaint(project, county_officer):
    file(
        subject_kind=K.PROJECT,
        project=project,
        anonymous=False,
        contact_name="王五",
        contact_phone="13912345678",
    )
    notification = Notification.objects.get(recipient=county_officer, kind="complaint")
    text = notification.title + notification.body
    assert "王五" not in text and "1391" not in text and "200" not in text


def test_a_city_complaint_escalates_to_the_province_else_the_administrators(
    city_project, regions, administrator
):
    complaint, _code = file(subject_kind=K.PROJECT, project=city_project)
    assert complaint.region == regions["city"]
    assert services.escalation_officers(complaint) == [administrator]
    province = UserFactory(
        username="p_officer", name="省厅 周某", role="civil_affairs", region=regions["province"]
    )
    assert services.escalation_officers(complaint) == [province]


def test_a_complaint_not_from_the_web_is_not_counted(project, settings):
    settings.COMPLAINT_FILINGS_PER_HOUR = 1
    file(subject_kind=K.PROJECT, project=project, client_address=None)
    file(subject_kind=K.PROJECT, project=project, client_address=None)
    file(subject_kind=K.PROJECT, project=project, client_address="10.7.7.7")
    with pytest.raises(services.Throttled):
        file(subject_kind=K.PROJECT, project=project, client_address="10.7.7.7")
