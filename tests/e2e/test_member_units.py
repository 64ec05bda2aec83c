"""Member units' aid records in a browser, on a 390×844 phone: 英德市人社局 pushed two records
of persons not yet on the need ledger; one of them is recorded by the 沙口镇 social worker
since. The county officer opens the queue from the menu, matches that record again (it leaves
the queue and links to the household) and dismisses the other with a note."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from needs import idnumbers
from oversight import aid_records
from oversight.models import AidRecord, MemberUnit, MemberUnitStaff

from ..factories import UserFactory, region_tree
from ..needs.factories import born_years_ago, make_household, member_input
from .conftest import PHONE, log_in, no_sideways_scroll, open_menu_link, zh
from .test_complaints import check_phone_page


@pytest.fixture
def scene(transactional_db):
    regions = region_tree()
    officer = UserFactory(
        username="yingde_mz", name="黄干事", role="civil_affairs", region=regions["county_a"]
    )
    worker = UserFactory(username="shakou_sg", role="social_worker", region=regions["township_a1"])
    unit = MemberUnit.objects.create(
        name="英德市人力资源和社会保障局",
        department=MemberUnit.Department.HUMAN_RESOURCES,
        region=regions["county_a"],
    )
    login = UserFactory(username="renshe", role="member_unit", region=regions["county_a"])
    MemberUnitStaff.objects.create(unit=unit, user=login)
    later = idnumbers.generate("441881", born_years_ago(52), 41, sex="female")
    stranger = idnumbers.generate("441881", born_years_ago(30), 42, sex="male")
    given = timezone.localdate()
    pushed = aid_records.aid_records_push(
        user=login,
        items=[
            {
                "external_id": "YDRS-1",
                "id_number": later,
                "person_name": "邓秀英",
                "kind": "serious_illness",
                "amount": "8000",
                "given_on": given,
            },
            {
                "external_id": "YDRS-2",
                "id_number": stranger,
                "person_name": "罗志强",
                "kind": "employment",
                "given_on": given,
            },
        ],
    )
    household = make_household(
        worker,
        regions["township_a1"],
        members=[member_input("邓秀英", id_number=later, sex="female")],
    )
    first, second = (p.record for p in pushed.records)
    return {"officer": officer, "first": first, "second": second, "household": household}


def test_civil_affairs_matches_again_and_dismisses_on_a_phone(
    page, live_server, scene, shoot, console_errors, failed_responses
):
    first, second = scene["first"], scene["second"]
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "yingde_mz")
    expect(page.locator("#aid-records-card")).to_contain_text(zh("aid records waiting for a match"))
    open_menu_link(page, zh("Aid records of member units"))
    queue = page.locator("#aid-records")
    expect(queue).to_contain_text(first.number)
    expect(queue).to_contain_text(second.number)
    check_phone_page(page, shoot, "member-units-queue-phone")

    page.locator(f"#aid-record-{first.pk}").get_by_role("button", name=zh("Match again")).click()
    expect(page.locator("main .alert-success")).to_contain_text(first.number)
    expect(queue).not_to_contain_text(first.number)
    first.refresh_from_db()
    assert first.status == AidRecord.Status.MATCHED
    assert first.household_id == scene["household"].pk

    row = page.locator(f"#aid-record-{second.pk}")
    row.locator("summary").click()
    row.get_by_label(zh("Why it is dismissed")).fill("外省户籍,已转户籍地民政部门")
    shoot(page, "member-units-dismiss-phone")
    row.get_by_role("button", name=zh("Dismiss"), exact=True).click()
    expect(queue).to_contain_text(zh("No aid record."))
    second.refresh_from_db()
    assert second.status == AidRecord.Status.DISMISSED

    page.goto(f"{live_server.url}/oversight/aid-records/?status=matched")
    expect(queue).to_contain_text(first.number)
    expect(queue.get_by_role("link", name=scene["household"].code)).to_be_visible()
    no_sideways_scroll(page)
    shoot(page, "member-units-matched-phone")
    assert console_errors == [] and failed_responses == []
