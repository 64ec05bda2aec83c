"""Issue 9, point 5: a need that closes, however it closes, withdraws its open applications
through one path (the hook matching registers with ``needs.hooks``): the places go back, both
sides are told, and the pages say which applications go before and after."""

from __future__ import annotations

import io
import threading
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import Workbook
from rest_framework.test import APIClient

from accounts.models import Notification
from matching import services
from matching.models import Application
from needs import excel, hooks
from needs import services as needs_services
from needs.models import Need
from supply.models import Project

from ..needs.factories import make_household, member_input
from ..supply.conftest import make_org
from .conftest import give_consent, need_for, publish
from .test_concurrency import postgresql  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

S = Application.Status
REASON = "全家搬离本镇,孩子转学"  # the worker's words: they stay with the household


def _apply(worker, need, project, **extra):
    return services.application_create(
        user=worker, need=need, project=project, mode="assisted", **extra
    )


@pytest.fixture
def org_b(county_officer, regions, charity_b):
    return make_org(
        county_officer,
        regions["county_a"],
        code="51441881MJ0000003X",
        staff=[charity_b],
        name="沙口镇关爱协会",
    )


@pytest.fixture
def running(
    worker, need, consent, project, county_org, org_b, charity_a, charity_b, county_officer
):
    """The child's need with an application in each status: a draft (never sent), one
    submitted to county_org, one accepted by org_b (a place taken) and one delivered by org_b
    (kept when the need closes)."""
    for_draft = publish(county_org, charity_a, county_officer, title="学习用品包")
    for_accepted = publish(org_b, charity_b, county_officer, title="关爱助学金")
    for_delivered = publish(org_b, charity_b, county_officer, title="寒假助学")
    submitted = _apply(worker, need, project)
    accepted = _apply(worker, need, for_accepted, overlap_reason="两个学期分别资助")
    services.application_accept(user=charity_b, application=accepted)
    delivered = _apply(worker, need, for_delivered, overlap_reason="寒假另行资助")
    services.application_accept(user=charity_b, application=delivered)
    services.review_confirm(user=county_officer, application=delivered)
    services.application_deliver(
        user=charity_b, application=delivered, delivered_on=timezone.localdate(), quantity="1 份"
    )
    draft = _apply(worker, need, for_draft, submit=False, overlap_reason="文具另行资助")
    Notification.objects.all().delete()
    return SimpleNamespace(
        need=Need.objects.get(pk=need.pk),
        draft=draft,
        submitted=submitted,
        accepted=accepted,
        delivered=delivered,
        open=[submitted, accepted, draft],  # in the order they were made
        accepted_project=for_accepted,
        delivered_project=for_delivered,
    )


def _status(application) -> str:
    return Application.objects.get(pk=application.pk).status


def _places(project) -> int:
    return Project.objects.get(pk=project.pk).places_taken


def _titles(user) -> str:
    return " ".join(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def _assert_withdrawn_with_both_sides_told(running, worker, charity_a, charity_b):
    for application in running.open:
        assert _status(application) == S.WITHDRAWN, application.number
    assert _status(running.delivered) == S.DELIVERED
    # Places given back; the delivered aid keeps its place.
    assert _places(running.accepted_project) == 0
    assert _places(running.delivered_project) == 1
    # The household's worker hears of each; each supplier of what it was sent (not the draft).
    household = _titles(worker)
    for application in running.open:
        assert application.number in household
    assert running.submitted.number in _titles(charity_a)
    assert running.draft.number not in _titles(charity_a)
    assert running.accepted.number in _titles(charity_b)
    assert running.delivered.number not in _titles(charity_b) + household
    # The worker's reason for closing the need is not passed on to the suppliers.
    supplier_side = Notification.objects.filter(recipient__in=[charity_a, charity_b])
    for title, body in supplier_side.values_list("title", "body"):
        assert REASON not in title + body
    for application in running.open:
        assert REASON not in Application.objects.get(pk=application.pk).status_reason


# --- One path ----------------------------------------------------------------------------------


def test_matching_registers_its_closing_with_the_needs_hooks():
    registered = {hook.name: hook for hook in hooks.need_closing_hooks()}
    assert registered["matching"].close is services.need_closing_withdraw
    assert registered["matching"].preview is services.need_closing_preview


@pytest.mark.parametrize("to", [Need.Status.MET, Need.Status.CLOSED_UNMET, Need.Status.WITHDRAWN])
def test_every_closing_status_withdraws_the_open_applications(
    running, worker, charity_a, charity_b, to
):
    need = needs_services.need_transition(user=worker, need=running.need, to=to, reason=REASON)

    assert [r.number for r in need.closed_with] == [a.number for a in running.open]
    assert [r.status for r in need.closed_with] == [S.SUBMITTED, S.ACCEPTED, S.DRAFT]
    _assert_withdrawn_with_both_sides_told(running, worker, charity_a, charity_b)


def test_a_need_that_stays_live_withdraws_nothing(running, worker):
    need = needs_services.need_transition(user=worker, need=running.need, to=Need.Status.OPEN)
    assert need.closed_with == []
    assert _status(running.submitted) == S.SUBMITTED


def test_nothing_can_be_applied_for_once_the_need_is_closed(running, worker, project):
    needs_services.need_transition(
        user=worker, need=running.need, to=Need.Status.WITHDRAWN, reason=REASON
    )
    with pytest.raises(services.ApplicationError) as refused:
        _apply(worker, Need.objects.get(pk=running.need.pk), project)
    assert refused.value.code == "need_closed"


def test_the_households_feedback_that_closes_the_need_goes_the_same_way(
    running, worker, charity_a, charity_b
):
    services.feedback_record(
        user=worker,
        application=running.delivered,
        side="household",
        satisfaction=5,
        need_outcome="met",
    )
    assert Need.objects.get(pk=running.need.pk).status == Need.Status.MET
    _assert_withdrawn_with_both_sides_told(running, worker, charity_a, charity_b)


def test_the_feedback_form_says_what_closing_the_need_withdraws(client, running, worker):
    client.force_login(worker)
    page = client.get(f"/matching/applications/{running.delivered.pk}/").content.decode()
    listed = page.split('id="feedback-closing"', 1)[1].split("</ul>", 1)[0]
    for application in running.open:
        assert application.number in listed
    assert running.delivered.number not in listed


# --- The need's page ---------------------------------------------------------------------------


def _status_url(need) -> str:
    return f"/needs/households/{need.household_id}/needs/{need.pk}/status/"


def test_the_status_page_lists_what_closing_will_withdraw_before_confirming(
    client, running, worker, charity_a
):
    client.force_login(worker)
    with translation.override("zh-hans"):
        page = client.get(_status_url(running.need) + "?to=withdrawn").content.decode()

    assert 'id="closing-withdraws"' in page
    for application, title, organization, status in (
        (running.draft, "学习用品包", "英德市慈善会", "草稿"),
        (running.submitted, "困境儿童助学金", "英德市慈善会", "已提交"),
        (running.accepted, "关爱助学金", "沙口镇关爱协会", "已受理"),
    ):
        row = page.split(application.number, 1)[1].split("</tr>", 1)[0]
        assert title in row and organization in row and status in row, application.number
    assert running.delivered.number not in page
    # Looking changes nothing.
    assert _status(running.submitted) == S.SUBMITTED


def test_a_need_without_open_applications_shows_no_list(client, worker, need):
    client.force_login(worker)
    page = client.get(_status_url(need) + "?to=withdrawn").content.decode()
    assert 'id="closing-withdraws"' not in page


def test_closing_on_the_page_withdraws_and_says_which_were_withdrawn(
    client, running, worker, charity_a, charity_b
):
    client.force_login(worker)
    with translation.override("zh-hans"):
        response = client.post(
            _status_url(running.need), {"to": "withdrawn", "reason": REASON}, follow=True
        )
    page = response.content.decode()

    assert response.redirect_chain[-1][0] == f"/needs/households/{running.need.household_id}/"
    assert "随之撤回的对接申请" in page
    for application in running.open:
        assert application.number in page
    _assert_withdrawn_with_both_sides_told(running, worker, charity_a, charity_b)


def test_a_refused_closing_on_the_page_withdraws_nothing(client, running, worker):
    client.force_login(worker)
    response = client.post(_status_url(running.need), {"to": "withdrawn", "reason": ""})
    assert response.status_code == 400
    assert 'id="closing-withdraws"' in response.content.decode()
    assert _status(running.submitted) == S.SUBMITTED
    assert Need.objects.get(pk=running.need.pk).is_live


# --- The API -----------------------------------------------------------------------------------


def test_closing_through_the_api_withdraws_and_answers_what_was_withdrawn(
    running, worker, charity_a, charity_b
):
    api = APIClient()
    api.force_authenticate(worker)
    response = api.post(
        f"/api/needs/needs/{running.need.pk}/transition/",
        {"to": "closed_unmet", "reason": REASON},
        format="json",
    )

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "closed_unmet"
    assert [(w["kind"], w["id"], w["number"], w["status"]) for w in data["withdrawn"]] == [
        ("application", a.pk, a.number, status)
        for a, status in zip(running.open, ["submitted", "accepted", "draft"], strict=True)
    ]
    assert data["withdrawn"][1]["organization"] == "沙口镇关爱协会"
    assert data["withdrawn"][1]["title"] == "关爱助学金"
    _assert_withdrawn_with_both_sides_told(running, worker, charity_a, charity_b)


def test_a_move_that_keeps_the_need_live_answers_an_empty_list(worker, need):
    api = APIClient()
    api.force_authenticate(worker)
    response = api.post(
        f"/api/needs/needs/{need.pk}/transition/", {"to": "matching"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["withdrawn"] == []


# --- A member who leaves the household ---------------------------------------------------------


def _edit_rows(family, child, *, child_leaves: bool) -> dict:
    father = family.members.get(name="李大山")
    rows = [
        {"member_id": father.pk, "name": "李大山", "relation": "head", "statuses": ["dibao"]},
        {
            "member_id": child.pk,
            "name": "李小花",
            "relation": "child",
            "tags": ["child_in_difficulty"],
            **({"DELETE": "on"} if child_leaves else {}),
        },
    ]
    data = {
        "region": family.region_id,
        "worker": family.worker_id,
        "address": family.address,
        "gap_class": family.gap_class,
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "2",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"members-{i}-{key}"] = value
    return data


def test_the_household_form_says_what_a_member_leaving_withdraws(client, running, worker, family):
    client.force_login(worker)
    page = client.get(f"/needs/households/{family.pk}/edit/").content.decode()
    rows = page.split("member-row")
    father_row = next(r for r in rows if "李大山" in r and "李小花" not in r)
    child_row = next(r for r in rows if "李小花" in r)
    assert "leaving-withdraws" in child_row and "leaving-withdraws" not in father_row
    for application in running.open:
        assert application.number in child_row
    assert running.delivered.number not in child_row


def test_the_household_form_runs_as_many_queries_for_many_applications_as_for_few(
    client, running, worker, family, need, county_org, charity_a, county_officer
):
    client.force_login(worker)
    url = f"/needs/households/{family.pk}/edit/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for i in range(4):
        more = publish(county_org, charity_a, county_officer, title=f"助学金第{i}期")
        _apply(worker, need, more, overlap_reason="分期申请")
    assert queries() == few


def test_a_member_leaving_through_the_form_withdraws_their_needs_applications(
    client, running, worker, family, child, charity_a, charity_b
):
    client.force_login(worker)
    with translation.override("zh-hans"):
        response = client.post(
            f"/needs/households/{family.pk}/edit/",
            _edit_rows(family, child, child_leaves=True),
            follow=True,
        )
    page = response.content.decode()

    assert response.status_code == 200
    assert "随之撤回的对接申请" in page
    assert Need.objects.get(pk=running.need.pk).status == Need.Status.WITHDRAWN
    _assert_withdrawn_with_both_sides_told(running, worker, charity_a, charity_b)


def test_a_member_leaving_through_the_api_answers_what_was_withdrawn(
    running, worker, family, child, charity_a, charity_b
):
    api = APIClient()
    api.force_authenticate(worker)
    response = api.patch(
        f"/api/needs/households/{family.pk}/",
        {"members": [{"id": child.pk, "remove": True}]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert [w["number"] for w in response.json()["withdrawn"]] == [a.number for a in running.open]
    _assert_withdrawn_with_both_sides_told(running, worker, charity_a, charity_b)


# --- The workbook import -----------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_workbook_import_cannot_close_a_need(running, worker, family, dry_run):
    """The summary table has no column that closes a need or removes a member: a member left
    out of the sheet stays (needs.excel), so an import never withdraws an application. If it
    ever did, it would go through household_save and need_transition like the form."""
    father = family.members.get(name="李大山")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = excel.SUMMARY_SHEET
    sheet.append([c.header for c in excel.SUMMARY_COLUMNS])
    values = {
        "code": family.code,
        "region_code": family.region_id,
        "address": family.address,
        "name": father.name,
        "relation": "户主",
        "id_number": father.id_number,
        "statuses": "低保对象",
    }
    sheet.append([values.get(c.key) for c in excel.SUMMARY_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)

    report = excel.household_import(
        user=worker, data=out.getvalue(), filename="households.xlsx", dry_run=dry_run
    )

    assert report.ok, report.errors
    assert Need.objects.get(pk=running.need.pk).is_live
    for application in running.open:
        assert _status(application) != S.WITHDRAWN


# --- At the same moment ------------------------------------------------------------------------


PAIRS = 8


def test_a_closing_and_an_acceptance_at_the_same_moment_leave_no_place_taken(
    postgresql,  # noqa: F811
    worker,
    regions,
    project,
    charity_a,
):
    """Each need is closed by its worker while the supplier accepts its application: whichever
    wins, the need ends closed with its application withdrawn and no place taken."""
    pairs = []
    for n in range(PAIRS):
        household = make_household(
            worker,
            regions["township_a1"],
            members=[
                member_input(f"申请人{n}", age=12, statuses=["dibao"], tags=["child_in_difficulty"])
            ],
            address=f"沙口镇 {n} 号",
        )
        child = household.members.get()
        give_consent(worker, child)
        need = need_for(worker, child)
        application = _apply(worker, need, project)
        pairs.append((need.pk, application.pk))

    barrier = threading.Barrier(PAIRS * 2)
    errors: list[str] = []
    lock = threading.Lock()

    def close(need_pk: int) -> None:
        try:
            need = Need.objects.select_related("household").get(pk=need_pk)
            barrier.wait(timeout=30)
            needs_services.need_transition(
                user=worker, need=need, to=Need.Status.WITHDRAWN, reason=REASON
            )
        except Exception as exc:  # the closing must always succeed
            with lock:
                errors.append(repr(exc))
        finally:
            connections.close_all()

    def accept(application_pk: int) -> None:
        try:
            application = Application.objects.select_related(
                "organization", "household__worker", "created_by", "project", "member"
            ).get(pk=application_pk)
            barrier.wait(timeout=30)
            services.application_accept(user=charity_a, application=application)
        except services.ApplicationError:
            pass  # refused: the need closed first
        except Exception as exc:
            with lock:
                errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close, args=(need_pk,)) for need_pk, _a in pairs]
    threads += [threading.Thread(target=accept, args=(app_pk,)) for _n, app_pk in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    need_pks = [need_pk for need_pk, _a in pairs]
    assert set(Need.objects.filter(pk__in=need_pks).values_list("status", flat=True)) == {
        Need.Status.WITHDRAWN
    }
    app_pks = [app_pk for _n, app_pk in pairs]
    assert set(Application.objects.filter(pk__in=app_pks).values_list("status", flat=True)) == {
        S.WITHDRAWN
    }
    assert _places(project) == 0
