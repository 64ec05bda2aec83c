"""The public showcase on a phone, without login: a person filters to their township, opens a
project, and reads how to apply (their township's social-work station) and whom to contact
(the organisation's contact, telephone and address); no internal mark of the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from supply import services
from supply.models import Project

from ..factories import UserFactory, region_tree
from ..supply.conftest import TERMS, listing, make_org
from .conftest import PHONE, no_sideways_scroll, zh


@pytest.fixture
def ledger(transactional_db):
    regions = region_tree()
    officer = UserFactory(
        username="yingde_mz", name="罗科长", role="civil_affairs", region=regions["county_a"]
    )
    charity = UserFactory(username="cishan", name="陈干事", role="charity")
    organization = make_org(
        officer, regions["county_a"], code="51441881MJ0000001R", staff=[charity]
    )
    organization.address = "英德市英城街道和平中路 1 号"
    organization.save(update_fields=["address"])

    def publish(title, region, **fields):
        project = services.project_save(
            user=charity,
            organization=organization,
            fields=listing(title=title, **fields),
            terms=TERMS,
            coverage=[region],
        )
        services.project_transition(user=charity, project=project, to=Project.Status.PENDING_REVIEW)
        return services.project_transition(
            user=officer, project=project, to=Project.Status.PUBLISHED
        )

    shakou = publish(
        "沙口镇困境儿童助学金",
        regions["township_a1"],
        contact_name="黄老师",
        contact_phone="0763-2222333",
        application_process="由社工站协助填写申请表,交英德市慈善会审核。",
    )
    publish("望埠镇长者助餐", regions["township_a2"])
    publish("太和镇长者饭堂", regions["township_b1"])
    # Not confirmed for more than half a year: a mark for the ledger's staff only.
    Project.objects.filter(pk=shakou.pk).update(
        last_confirmed_at=timezone.now() - dt.timedelta(days=400),
        created_at=timezone.now() - dt.timedelta(days=400),
    )
    return {"regions": regions, "shakou": shakou}


def test_a_person_finds_what_their_township_offers_and_whom_to_ask(
    page, live_server, ledger, shoot, console_errors, failed_responses
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/showcase/")
    results = page.locator("#results")
    expect(results).to_contain_text("太和镇长者饭堂")

    page.locator("#id_city").select_option("441800000000")
    # The city's counties arrive with the results (htmx, out of band).
    expect(page.locator("#id_county option", has_text="英德市")).to_have_count(1)
    page.locator("#id_county").select_option("441881000000")
    expect(page.locator("#id_township option", has_text="沙口镇")).to_have_count(1)
    page.locator("#id_township").select_option("441881101000")
    expect(results).to_contain_text("沙口镇困境儿童助学金")
    expect(results).not_to_contain_text("望埠镇长者助餐")
    expect(results).not_to_contain_text("太和镇长者饭堂")
    expect(page).to_have_url(
        f"{live_server.url}/showcase/?q=&city=441800000000&county=441881000000&township=441881101000&area=&form="
    )
    expect(results).not_to_contain_text(zh("not confirmed for half a year"))
    no_sideways_scroll(page)
    shoot(page, "showcase-township-filter-phone")

    page.get_by_role("link", name="沙口镇困境儿童助学金").click()
    station = page.locator("#station")
    expect(station).to_contain_text("沙口镇社会工作服务站")
    expect(station).to_contain_text("清远市英德市沙口镇")
    contact = page.locator("#contact")
    expect(contact).to_contain_text("黄老师")
    expect(contact).to_contain_text("英德市英城街道和平中路 1 号")
    phone = contact.get_by_role("link", name="0763-2222333")
    expect(phone).to_have_attribute("href", "tel:0763-2222333")
    assert phone.bounding_box()["height"] >= 44
    main = page.locator("main")
    expect(main).to_contain_text("由社工站协助填写申请表")
    for internal in (
        zh("not confirmed for half a year"),
        zh("Last confirmed"),
        zh("change waiting for review"),
    ):
        expect(main).not_to_contain_text(internal)
    for staff in ("陈干事", "罗科长"):
        expect(page.locator("body")).not_to_contain_text(staff)
    no_sideways_scroll(page)
    shoot(page, "showcase-project-how-to-apply-phone")

    page.get_by_role("link", name=zh("Charity aid projects")).click()
    expect(page.locator("#id_township")).to_have_value("441881101000")
    assert console_errors == []
    assert failed_responses == []
