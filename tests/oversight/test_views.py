"""Pages of complaints: the public files one without logging in (from the showcase and the
project page), reads the code once and the status and reply by it, and nothing else; the
officers of the department see and handle it, an outsider and the staff named get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from oversight import services
from oversight.models import Complaint

from .conftest import PDF, file, upload

pytestmark = pytest.mark.django_db

K = Complaint.Subject
NEW = "/complaints/"
TRACK = "/complaints/track/"


def _form(**values):
    data = {
        "subject_kind": "project",
        "subject_name": "",
        "application_number": "",
        "place": "",
        "body": "工作人员要求先交 200 元“手续费”。",
        "anonymous": "yes",
        "contact_name": "",
        "contact_phone": "",
    }
    data.update(values)
    return data


def test_the_showcase_and_the_project_page_link_to_the_form(client, project):
    assert 'href="/complaints/"' in client.get("/showcase/").content.decode()
    page = client.get(f"/showcase/projects/{project.pk}/").content.decode()
    assert f'href="/complaints/?project={project.pk}"' in page
    form = client.get(f"{NEW}?project={project.pk}")
    assert form.status_code == 200
    assert project.title in form.content.decode()


def test_the_public_files_a_complaint_reads_the_code_once_and_tracks_it(
    client, project, county_officer
):
    response = client.post(
        NEW,
        {
            **_form(anonymous="no", contact_name="王五", contact_phone="13912345678"),
            "project": project.pk,
            "attachment": upload(),
        },
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 302 and response["Location"] == "/complaints/filed/"
    shown = client.get("/complaints/filed/")
    code = shown.context["code"]
    assert code in shown.content.decode()
    assert client.get("/complaints/filed/").status_code == 302  # shown once
    complaint = Complaint.objects.get()
    assert complaint.project == project and complaint.attachments.count() == 1

    services.complaint_start(user=county_officer, complaint=complaint)
    services.complaint_conclude(
        user=county_officer, complaint=complaint, finding="upheld", reply="已责令退还费用。"
    )
    tracked = client.post(TRACK, {"code": code.lower()}, REMOTE_ADDR="10.1.1.1")

    page = tracked.content.decode()
    assert tracked.status_code == 200
    assert "已责令退还费用。" in page and "已办结" in page
    for secret in (
        "手续费",
        "王五",
        "1391",
        project.title,
        county_officer.name,
        "英德市",
        complaint.number,
    ):
        assert secret not in page, secret


def test_an_unknown_code_is_a_field_error(client, project):
    response = client.post(TRACK, {"code": "ABCD-EFGH-JKMN-PQRS"})
    assert response.status_code == 404
    assert "tracking" not in response.content.decode()
    assert response.context["form"].errors["code"]


def test_a_failed_form_comes_back_with_its_errors_and_keeps_nothing(client, project):
    response = client.post(NEW, _form(subject_kind="staff", body=""), REMOTE_ADDR="10.1.1.2")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "body" in errors
    page = response.content.decode()
    assert 'class="invalid-feedback d-block"' in page and "js/errors.js" in page
    response = client.post(NEW, _form(subject_kind="staff"), REMOTE_ADDR="10.1.1.2")
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"subject_name", "place"}
    assert not Complaint.objects.exists()


def test_filings_from_one_address_are_limited(client, project, settings):
    settings.COMPLAINT_FILINGS_PER_HOUR = 1
    data = {**_form(), "project": project.pk}
    assert client.post(NEW, data, REMOTE_ADDR="10.1.1.3").status_code == 302
    refused = client.post(NEW, data, REMOTE_ADDR="10.1.1.3")
    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors()
    assert client.post(NEW, data, REMOTE_ADDR="10.1.1.4").status_code == 302
    assert Complaint.objects.count() == 2


def test_officers_see_their_departments_complaints_and_an_outsider_gets_404(
    client, project, county_officer, other_county_officer, city_officer, worker
):
    complaint, _code = file(subject_kind=K.PROJECT, project=project, upload=upload())
    detail = reverse("oversight:complaint_detail", args=[complaint.pk])
    attachment = complaint.attachments.get()
    download = reverse("oversight:attachment_download", args=[complaint.pk, attachment.pk])

    for officer in (county_officer, city_officer):
        client.force_login(officer)
        assert complaint.number in client.get("/oversight/complaints/").content.decode()
        assert client.get(detail).status_code == 200
        assert client.get(download).content == PDF
    for stranger in (other_county_officer, worker):
        client.force_login(stranger)
        assert complaint.number not in client.get("/oversight/complaints/").content.decode()
        assert client.get(detail).status_code == 404
        assert client.get(download).status_code == 404
        start = reverse("oversight:complaint_start", args=[complaint.pk])
        assert client.post(start).status_code == 404
    client.logout()
    assert client.get(detail).status_code == 302  # to the login page


def test_the_staff_named_do_not_see_it_anywhere(client, regions, county_officer, county_colleague):
    complaint, _code = file(
        subject_kind=K.STAFF, subject_name=county_officer.name, place=regions["county_a"]
    )
    detail = reverse("oversight:complaint_detail", args=[complaint.pk])

    client.force_login(county_officer)
    assert complaint.number not in client.get("/oversight/complaints/?status=all").content.decode()
    assert client.get(detail).status_code == 404
    assert client.post(reverse("oversight:complaint_start", args=[complaint.pk])).status_code == 404
    card = client.get(reverse("oversight:dashboard_card")).context["counts"]
    assert card["open"] == 0

    client.force_login(county_colleague)
    assert client.get(detail).status_code == 200


def test_an_officer_takes_it_on_and_concludes_with_a_reply(client, project, county_officer):
    complaint, _code = file(subject_kind=K.PROJECT, project=project)
    client.force_login(county_officer)
    detail = reverse("oversight:complaint_detail", args=[complaint.pk])
    conclude = reverse("oversight:complaint_conclude", args=[complaint.pk])

    assert client.post(reverse("oversight:complaint_start", args=[complaint.pk])).status_code == 302
    refused = client.post(conclude, {"finding": "upheld", "reply": ""})
    assert refused.status_code == 400 and refused.context["conclude_form"].errors["reply"]
    assert client.post(conclude, {"finding": "upheld", "reply": "已整改"}).status_code == 302

    complaint.refresh_from_db()
    assert complaint.status == "concluded" and complaint.handler == county_officer
    assert "已整改" in client.get(detail).content.decode()


def test_the_contact_is_masked_and_shown_with_a_reason_logged(client, project, county_officer):
    complaint, _code = file(
        subject_kind=K.PROJECT,
        project=project,
        anonymous=False,
        contact_name="王五",
        contact_phone="13912345678",
    )
    client.force_login(county_officer)
    page = client.get(reverse("oversight:complaint_detail", args=[complaint.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page and "王五" not in page

    reveal = reverse("oversight:contact_reveal", args=[complaint.pk, "contact_phone"])
    assert client.post(reveal, {"reason": ""}).status_code == 400
    shown = client.post(reveal, {"reason": "回电核实情况"}, REMOTE_ADDR="10.2.2.2")
    assert "13912345678" in shown.content.decode()
    log = AccessLog.objects.get()
    assert log.field == "contact_phone" and log.user == county_officer
    assert log.region_code == complaint.region_id
    assert (
        client.post(
            reverse("oversight:contact_reveal", args=[complaint.pk, "body"]), {"reason": "x"}
        ).status_code
        == 404
    )


def test_the_list_runs_a_bounded_number_of_queries(
    client, project, county_officer, django_assert_max_num_queries
):
    for _ in range(5):
        file(subject_kind=K.PROJECT, project=project)
    client.force_login(county_officer)
    with django_assert_max_num_queries(12):
        response = client.get("/oversight/complaints/")
    assert len(response.context["page"].object_list) == 5


def test_the_menu_and_the_dashboard_show_complaints_to_officers_only(
    client, project, county_officer, worker
):
    file(subject_kind=K.PROJECT, project=project)
    client.force_login(county_officer)
    assert 'href="/oversight/complaints/"' in client.get("/dashboard/").content.decode()
    card = client.get(reverse("oversight:dashboard_card"))
    assert card.context["counts"] == {"open": 1, "received": 1, "overdue": 0}
    client.force_login(worker)
    assert 'href="/oversight/complaints/"' not in client.get("/dashboard/").content.decode()
    assert client.get("/oversight/complaints/").context["page"].paginator.count == 0
