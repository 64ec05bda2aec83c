"""Referral pages: sending from the household page, a need and a rejected application; the
receiving charity's page (the consented snapshot only, nothing after revocation); attachments
checked and scoped; and 404 for outsiders on every referral URL."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Region
from needs import services as needs_services
from referrals import services
from referrals.models import Direction, Referral, ReferralAttachment

from ..factories import UserFactory
from .conftest import JPEG, PDF, PNG, referral_consent, send_person, upload

pytestmark = pytest.mark.django_db


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def login(client, user):
    client.force_login(user)
    return client


# --- Sending ---------------------------------------------------------------------------------


def test_the_worker_refers_the_child_from_the_household_page_with_a_file(
    client, worker, family, child, need, fulian, referral_consent_of_child
):
    login(client, worker)
    url = reverse("referrals:referral_create", args=[family.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert fulian.name in page.content.decode()
    answer = client.post(
        url,
        {
            "direction": "to_charity",
            "organization": fulian.pk,
            "member": child.pk,
            "needs": [need.pk],
            "urgency": "urgent",
            "reason": "母亲外出务工,孩子放学后无人照看",
            "attachments": [upload("在读证明.png", PNG, "image/png")],
        },
    )
    referral = Referral.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("referrals:referral_detail", args=[referral.pk])
    assert referral.attachments.get().name == "在读证明.png"
    assert list(referral.needs.all()) == [need]


def test_without_consent_the_form_says_so_and_keeps_the_input(
    client, worker, family, child, fulian
):
    login(client, worker)
    url = reverse("referrals:referral_create", args=[family.pk])
    answer = client.post(
        url,
        {
            "direction": "to_charity",
            "organization": fulian.pk,
            "member": child.pk,
            "urgency": "normal",
            "reason": "需要关爱服务",
        },
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'id="no-consent"' in html
    assert "需要关爱服务" in html
    assert reverse("needs:consent_create", args=[family.pk]) in html
    assert not Referral.objects.exists()


def test_the_refer_button_of_a_need_preselects_it(client, worker, need, child):
    login(client, worker)
    answer = client.get(reverse("referrals:refer_need", args=[need.pk]))
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    html = page.content.decode()
    assert re.search(rf'value="{need.pk}"[^>]*checked', html)
    assert re.search(rf'<option value="{child.pk}" selected>', html)


def test_the_household_page_offers_referrals_through_its_fragment(client, worker, family, need):
    login(client, worker)
    page = client.get(reverse("needs:household_detail", args=[family.pk])).content.decode()
    assert reverse("referrals:household_fragment", args=[family.pk]) in page
    assert reverse("referrals:refer_need", args=[need.pk]) in page
    fragment = client.get(reverse("referrals:household_fragment", args=[family.pk]))
    assert reverse("referrals:referral_create", args=[family.pk]) in fragment.content.decode()


# --- The charity receiver's page -------------------------------------------------------------

#: The rows of the person card a charity receiver sees (the snapshot's pinned fields).
RECEIVER_ROWS = ["Name", "Sex and age", "Place", "Household", "Procedure", "Needs"]


def _rows_of(html: str, section: str) -> list[str]:
    block = html.split(f'id="{section}"', 1)[1].split("</dl>", 1)[0]
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<dt[^>]*>(.*?)</dt>", block)]


def test_the_receiving_charity_sees_the_snapshot_and_nothing_else_of_the_household(
    client, sent, fulian_staff, family, child, father, need
):
    services.referral_note_add(user=fulian_staff, referral=sent, body="请告知孩子的放学时间")
    html = (
        login(client, fulian_staff)
        .get(reverse("referrals:referral_detail", args=[sent.pk]))
        .content.decode()
    )
    assert _rows_of(html, "snapshot") == [zh(label) for label in RECEIVER_ROWS]
    assert "李小花" in html and "沙口镇" in html and sent.reason in html
    assert "请告知孩子的放学时间" in html
    for secret in (
        family.code,
        child.id_number,
        child.id_number_masked,
        father.name,
        father.phone,
        father.phone_masked,
        family.address,
        "哮喘",  # the child's health note
        need.description,
    ):
        assert secret not in html, secret


def test_after_revocation_the_receiver_sees_only_that_consent_was_withdrawn(
    client, worker, sent, fulian_staff, referral_consent_of_child
):
    services.referral_note_add(user=worker, referral=sent, body="孩子就读沙口中心小学")
    services.referral_attachment_add(user=worker, referral=sent, uploads=[upload()])
    attachment = sent.attachments.get()
    needs_services.consent_revoke(user=worker, consent=referral_consent_of_child, reason="撤回")

    login(client, fulian_staff)
    page = client.get(reverse("referrals:referral_detail", args=[sent.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="consent-withdrawn"' in html
    for personal in ("李小花", sent.reason, "孩子就读沙口中心小学", "诊断证明.pdf"):
        assert personal not in html, personal
    assert 'id="snapshot"' not in html and 'id="person"' not in html
    assert 'name="accept-note"' not in html  # nothing to accept any more; declining stays
    assert 'name="decline-reason"' in html
    download = reverse("referrals:attachment_download", args=[sent.pk, attachment.pk])
    assert client.get(download).status_code == 404
    inbox = client.get(reverse("referrals:inbox") + "?box=incoming").content.decode()
    assert sent.number in inbox and "李小花" not in inbox
    # The sender's side still sees everything.
    login(client, worker)
    assert (
        "李小花"
        in client.get(reverse("referrals:referral_detail", args=[sent.pk])).content.decode()
    )
    assert client.get(download).status_code == 200


# --- Attachments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("scan.pdf", b"MZ\x90\x00 not a pdf at all", "wrong_type"),
        ("photo.png", JPEG, "wrong_type"),  # a JPEG named .png
        ("report.docx", PDF, "wrong_type"),  # a PDF named .docx
        ("script.pdf", b"<script>alert(1)</script>", "wrong_type"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_files_of_a_wrong_type_are_refused(worker, sent, name, content, problem):
    with pytest.raises(services.ReferralError) as refused:
        services.referral_attachment_add(
            user=worker, referral=sent, uploads=[upload(name, content)]
        )
    assert "attachments" in refused.value.message_dict
    assert not ReferralAttachment.objects.exists()


def test_files_over_the_size_limit_are_refused(settings, worker, sent):
    settings.REFERRAL_ATTACHMENT_MAX_BYTES = 1024
    big = PDF + b"0" * 1024
    with pytest.raises(services.ReferralError) as refused:
        services.referral_attachment_add(
            user=worker, referral=sent, uploads=[upload("big.pdf", big)]
        )
    assert "1 KB" in " ".join(refused.value.message_dict["attachments"])
    services.referral_attachment_add(user=worker, referral=sent, uploads=[upload("ok.pdf", PDF)])
    assert ReferralAttachment.objects.count() == 1


def test_the_page_refuses_a_wrong_file_next_to_the_field(client, settings, worker, sent):
    settings.REFERRAL_ATTACHMENT_MAX_BYTES = 1024
    login(client, worker)
    answer = client.post(
        reverse("referrals:referral_attach", args=[sent.pk]),
        {"attach-attachments": [upload("大文件.pdf", PDF + b"0" * 2048)]},
    )
    assert answer.status_code == 400
    assert "大文件.pdf" in answer.content.decode()
    assert 'id="id_attach-attachments_error"' in answer.content.decode()


def test_a_file_is_stored_encrypted_outside_any_public_url_and_served_to_both_sides(
    client, settings, worker, sent, fulian_staff
):
    services.referral_attachment_add(
        user=worker, referral=sent, uploads=[upload("户口本.jpg", JPEG, "image/jpeg")]
    )
    attachment = sent.attachments.get()
    stored = attachment.file.read()
    attachment.file.close()
    assert JPEG not in stored and not stored.startswith(b"\xff\xd8")
    assert not attachment.file.name.endswith(".jpg") and "户口本" not in attachment.file.name
    url = reverse("referrals:attachment_download", args=[sent.pk, attachment.pk])
    for user in (worker, fulian_staff):
        answer = login(client, user).get(url)
        assert answer.status_code == 200
        assert answer.content == JPEG and answer["Content-Type"] == "image/jpeg"
        assert "no-store" in answer["Cache-Control"]
    assert not url.startswith("/" + settings.MEDIA_URL)


def test_files_are_404_to_outsiders(
    client, worker, sent, outsider, charity_b, other_county_officer
):
    services.referral_attachment_add(user=worker, referral=sent, uploads=[upload()])
    attachment = sent.attachments.get()
    url = reverse("referrals:attachment_download", args=[sent.pk, attachment.pk])
    for user in (outsider, charity_b, other_county_officer):
        assert login(client, user).get(url).status_code == 404
    # Nor through another referral's address.
    other = Referral.objects.create(
        **{
            f.name: getattr(sent, f.name)
            for f in Referral._meta.concrete_fields
            if f.name not in ("id",)
        }
    )
    wrong = reverse("referrals:attachment_download", args=[other.pk, attachment.pk])
    assert login(client, worker).get(wrong).status_code == 404


# --- 404 for outsiders on every URL ----------------------------------------------------------


@pytest.fixture
def everything(worker, family, child, need, sent, fulian_staff, county_org, charity_a, regions):
    """One of each object a referral URL names."""
    from matching.models import Application

    services.referral_attachment_add(user=worker, referral=sent, uploads=[upload()])
    person = send_person(charity_a, county_org, regions["township_a1"])
    station = services.referral_send(
        user=worker, household=family, direction=Direction.TO_STATION, reason="个案跟进"
    )
    services.referral_accept(user=worker, referral=station)
    case = services.case_open(user=worker, household=family, referral=station)
    goal = services.case_goal_add(
        user=worker, case=case, goal="按时就医", due_on=timezone.localdate()
    )
    application = Application.objects.create(
        need=need,
        household=family,
        member=child,
        project_id=_project(county_org, charity_a).pk,
        organization=county_org,
        mode="assisted",
        status="rejected",
        rejection_reason="no_places",
        submitted_at=case.opened_at,
        created_by=worker,
    )
    return {
        "referral": sent,
        "person": person,
        "case": case,
        "goal": goal,
        "attachment": sent.attachments.get(),
        "household": family,
        "need": need,
        "application": application,
    }


def _project(organization, staff):
    from supply import services as supply_services

    from ..supply.conftest import listing

    return supply_services.project_save(
        user=staff,
        organization=organization,
        fields=listing(),
        terms={"area": ["education_aid"], "form": ["cash"]},
        coverage=[organization.registering_region],
    )


def _urls(namespace: str, objects: dict) -> list[tuple[str, str]]:
    """Every URL of the namespace that names an object, filled with the objects' ids."""
    found = []
    app = get_resolver().namespace_dict[namespace][1]
    for name, entries in app.reverse_dict.lists():
        if not isinstance(name, str):
            continue
        for possibilities, _pattern, _defaults, _converters in entries:
            params = possibilities[0][1]
            if not params:
                continue
            case_url = name.startswith("case")
            values = {
                "pk": objects["case"].pk if case_url else objects["referral"].pk,
                "attachment_pk": objects["attachment"].pk,
                "goal_pk": objects["goal"].pk,
                "household_pk": objects["household"].pk,
                "need_pk": objects["need"].pk,
                "application_pk": objects["application"].pk,
            }
            found.append(
                (name, reverse(f"{namespace}:{name}", kwargs={p: values[p] for p in params}))
            )
    return sorted(set(found))


def test_outsiders_get_404_on_every_referral_page(client, everything, regions):
    outsiders = [
        UserFactory(username="taihe", role="social_worker", region=regions["township_b1"]),
        UserFactory(username="qingxin", role="civil_affairs", region=regions["county_b"]),
        UserFactory(username="stranger_charity", role="charity"),
    ]
    urls = _urls("referrals", everything)
    assert len(urls) >= 20
    for user in outsiders:
        login(client, user)
        for name, url in urls:
            # A POST-only action answers a GET with 405 whoever asks; everything else is 404.
            assert client.get(url).status_code in (404, 405), (user.username, name)
            assert client.post(url).status_code == 404, (user.username, name)


def test_outsiders_get_404_on_every_referral_api_operation(client, everything, regions):
    outsiders = [
        UserFactory(username="taihe", role="social_worker", region=regions["township_b1"]),
        UserFactory(username="qingxin", role="civil_affairs", region=regions["county_b"]),
        UserFactory(username="stranger_charity", role="charity"),
    ]
    urls = _urls("referrals_api", everything)
    assert len(urls) >= 15
    for user in outsiders:
        login(client, user)
        for name, url in urls:
            for method in ("get", "post"):
                answer = getattr(client, method)(url, {}, content_type="application/json")
                assert answer.status_code in (404, 405), (user.username, name, method)
                if answer.status_code == 405:
                    continue
                assert answer.json() == {"detail": answer.json()["detail"]}


def test_the_lists_show_outsiders_nothing(client, everything, regions):
    taihe = UserFactory(username="taihe", role="social_worker", region=regions["township_b1"])
    login(client, taihe)
    for box in ("incoming", "outgoing", "overdue"):
        html = client.get(reverse("referrals:inbox") + f"?box={box}").content.decode()
        assert everything["referral"].number not in html
    assert (
        everything["case"].number not in client.get(reverse("referrals:case_list")).content.decode()
    )
    assert client.get(reverse("referrals_api:referral_list")).json()["count"] == 0
    assert client.get(reverse("referrals_api:case_list")).json()["count"] == 0


def test_charities_and_workers_are_not_offered_what_is_not_theirs(client, charity_b, worker):
    assert login(client, charity_b).get(reverse("referrals:case_list")).status_code == 404
    assert login(client, worker).get(reverse("referrals:refer_person")).status_code == 404


# --- The county and the charity's person -----------------------------------------------------


def test_a_charitys_referral_reaches_only_the_county_of_the_persons_region(
    client, county_org, charity_a, regions, county_officer, other_county_officer, worker
):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    detail = reverse("referrals:referral_detail", args=[referral.pk])
    inbox = reverse("referrals:inbox") + "?box=incoming"
    assert referral.number in login(client, county_officer).get(inbox).content.decode()
    assert client.get(detail).status_code == 200
    assert referral.number not in login(client, other_county_officer).get(inbox).content.decode()
    assert client.get(detail).status_code == 404
    # Not the township's social workers either, until civil affairs link a household.
    assert login(client, worker).get(detail).status_code == 404
    # The city above sees it (the subject's region), without being the receiver.
    city = UserFactory(username="city", role="civil_affairs", region=regions["city"])
    page = login(client, city).get(detail)
    assert page.status_code == 200 and 'name="accept-note"' not in page.content.decode()
    assert referral.number not in client.get(inbox).content.decode()


def test_the_county_registers_the_household_from_the_referral_page(
    client, county_org, charity_a, regions, county_officer, worker
):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    login(client, county_officer)
    url = reverse("referrals:register_household", args=[referral.pk])
    form = client.get(url).content.decode()
    assert "王阿婆" in form
    answer = client.post(
        url,
        {
            "region": regions["township_a1"].pk,
            "address": "沙口镇红群村 8 号",
            "worker": worker.pk,
            "name": "王阿婆",
            "relation": "head",
            "sex": "female",
            "birth_date": "1950-02-03",
        },
    )
    assert answer.status_code == 302
    referral.refresh_from_db()
    assert referral.household.worker == worker
    assert referral.household.region_id == regions["township_a1"].pk


def test_the_register_form_keeps_the_input_next_to_a_refused_worker(
    client, county_org, charity_a, regions, county_officer
):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    wangbu = UserFactory(username="wangbu", role="social_worker", region=regions["township_a2"])
    answer = login(client, county_officer).post(
        reverse("referrals:register_household", args=[referral.pk]),
        {
            "region": regions["township_a1"].pk,
            "address": "沙口镇红群村 8 号",
            "worker": wangbu.pk,
            "name": "王阿婆",
            "relation": "head",
            "sex": "female",
            "birth_date": "1950-02-03",
        },
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'id="id_worker_error"' in html and "沙口镇红群村 8 号" in html


def test_the_inbox_and_the_dashboard_card_count_per_role(
    client, sent, fulian_staff, worker, county_officer, django_assert_max_num_queries
):
    login(client, fulian_staff)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("referrals:inbox") + "?box=incoming")
    assert sent.number in page.content.decode()
    card = client.get(reverse("referrals:dashboard_card")).content.decode()
    assert 'id="referrals-card"' in card
    login(client, worker)
    html = client.get(reverse("referrals:inbox") + "?box=outgoing").content.decode()
    assert sent.number in html


def test_the_inbox_runs_a_bounded_number_of_queries(
    client,
    worker,
    family,
    child,
    fulian,
    fulian_staff,
    referral_consent_of_child,
    django_assert_max_num_queries,
):
    from .conftest import send_to_charity

    for _ in range(12):
        send_to_charity(worker, family, fulian, member=child)
    for user, box in ((fulian_staff, "incoming"), (worker, "outgoing"), (worker, "overdue")):
        login(client, user)
        with django_assert_max_num_queries(12):
            client.get(reverse("referrals:inbox") + f"?box={box}")
        with django_assert_max_num_queries(12):
            client.get(reverse("referrals_api:referral_list") + f"?box={box}")


def test_refer_instead_is_offered_on_a_rejected_application(client, everything, worker):
    application = everything["application"]
    login(client, worker)
    page = client.get(reverse("matching:application_detail", args=[application.pk]))
    url = reverse("referrals:refer_instead", args=[application.pk])
    assert url in page.content.decode()
    form = client.get(client.get(url)["Location"])
    assert form.status_code == 200 and application.number in form.content.decode()


def test_refer_instead_is_not_offered_on_a_running_application(client, everything, worker):
    from matching.models import Application

    application = everything["application"]
    Application.objects.filter(pk=application.pk).update(status="submitted")
    login(client, worker)
    page = client.get(reverse("matching:application_detail", args=[application.pk]))
    assert reverse("referrals:refer_instead", args=[application.pk]) not in page.content.decode()
    create = reverse("referrals:referral_create", args=[application.household_id])
    assert client.get(create + f"?application={application.pk}").status_code == 404


__all__ = ["Region", "referral_consent"]


def test_rotating_the_keys_keeps_the_files_readable(settings, worker, sent):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from referrals import attachments as files

    services.referral_attachment_add(user=worker, referral=sent, uploads=[upload()])
    attachment = sent.attachments.get()
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old]
    call_command("rotate_field_keys", stdout=io.StringIO())
    call_command("rotate_attachment_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the old key dropped
    assert files.read(ReferralAttachment.objects.get(pk=attachment.pk)) == PDF


def test_the_case_list_runs_a_bounded_number_of_queries(
    client, worker, regions, django_assert_max_num_queries
):
    from ..needs.factories import make_household, member_input

    for n in range(8):
        household = make_household(
            worker,
            regions["township_a1"],
            members=[member_input(f"张{n}号", region_code=regions["township_a1"].code)],
        )
        case = services.case_open(user=worker, household=household, assessment="评估")
        services.case_goal_add(user=worker, case=case, goal="目标", due_on=timezone.localdate())
    login(client, worker)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("referrals:case_list"))
    assert len(re.findall(r'href="/referrals/cases/\d+/"', page.content.decode())) == 8
    with django_assert_max_num_queries(10):
        assert client.get(reverse("referrals_api:case_list")).json()["count"] == 8


def test_the_api_shows_a_charitys_referral_to_the_county_of_the_region_only(
    client, county_org, charity_a, regions, county_officer, other_county_officer
):
    referral = send_person(charity_a, county_org, regions["township_a1"])
    for user, seen in ((county_officer, [referral.pk]), (other_county_officer, [])):
        login(client, user)
        rows = client.get(reverse("referrals_api:referral_list") + "?box=incoming").json()
        assert [r["id"] for r in rows["results"]] == seen
        detail = client.get(reverse("referrals_api:referral_detail", args=[referral.pk]))
        assert detail.status_code == (200 if seen else 404)


def test_declined_the_sender_refers_elsewhere_from_the_page_and_both_show_the_chain(
    client, worker, sent, fulian_staff, county_org, charity_a, child
):
    referral_consent  # noqa: B018  (consent for any organisation: the child's, from the fixture)
    services.referral_decline(user=fulian_staff, referral=sent, reason="本会暂无该类服务")
    login(client, worker)
    page = client.get(reverse("referrals:referral_detail", args=[sent.pk])).content.decode()
    assert 'id="refer-elsewhere"' in page and "本会暂无该类服务" in page
    url = reverse("referrals:referral_create", args=[sent.household_id]) + f"?previous={sent.pk}"
    form = client.get(url).content.decode()
    assert sent.reason in form and 'id="previous-referral"' in form
    answer = client.post(
        url,
        {
            "direction": "to_charity",
            "organization": county_org.pk,
            "member": child.pk,
            "urgency": "normal",
            "reason": sent.reason,
        },
    )
    onward = Referral.objects.get(previous=sent)
    assert answer["Location"] == reverse("referrals:referral_detail", args=[onward.pk])
    for pk in (sent.pk, onward.pk):
        chain = client.get(reverse("referrals:referral_detail", args=[pk])).content.decode()
        chain = chain.split('id="chain"', 1)[1]
        assert sent.number in chain and onward.number in chain
    # Once referred elsewhere, the button is gone; the receiver of the first never had it.
    page = client.get(reverse("referrals:referral_detail", args=[sent.pk])).content.decode()
    assert 'id="refer-elsewhere"' not in page
    login(client, fulian_staff)
    page = client.get(reverse("referrals:referral_detail", args=[sent.pk])).content.decode()
    assert 'id="refer-elsewhere"' not in page and onward.number not in page
