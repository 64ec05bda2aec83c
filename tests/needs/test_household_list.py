"""The household list: 20 a page, the facts of each row computed in the database (issue 10,
point 6). The phone layout itself is tested in tests/e2e/test_household_list_phone.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from needs import selectors, services
from needs.views import PAGE_SIZE

from .factories import make_household, member_input

pytestmark = pytest.mark.django_db


def _visit(worker, household, days_ago: int, next_in: int | None = None) -> None:
    visited_on = timezone.localdate() - dt.timedelta(days=days_ago)
    services.visit_record(
        user=worker,
        household=household,
        visited_on=visited_on,
        findings="走访",
        next_visit_on=visited_on + dt.timedelta(days=next_in) if next_in is not None else None,
    )


def test_a_page_holds_20_households_and_its_queries_do_not_grow_with_them(
    client, worker, regions, django_assert_max_num_queries
):
    for i in range(45):
        household = make_household(
            worker, regions["township_a1"], members=[member_input(f"户主{i}")]
        )
        _visit(worker, household, days_ago=i, next_in=30)
        services.need_register(
            user=worker,
            household=household,
            area="medical_aid",
            form="cash",
            description="药费",
            urgent=i % 3 == 0,
        )
    client.force_login(worker)
    for page in (1, 2, 3):
        with django_assert_max_num_queries(10):
            response = client.get("/needs/households/", {"page": page})
        assert response.status_code == 200
    assert PAGE_SIZE == 20
    first = client.get("/needs/households/").context["page"]
    assert len(first.object_list) == 20 and first.paginator.num_pages == 3
    last = client.get("/needs/households/", {"page": 3}).context["page"]
    assert len(last.object_list) == 5
    with django_assert_max_num_queries(10):
        response = client.get(
            "/needs/households/", {"urgent": "true"}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200


def test_each_row_says_when_the_household_was_visited_and_whether_a_visit_is_overdue(
    worker, regions
):
    region = regions["township_a1"]
    never = make_household(worker, region, members=[member_input("从未")])
    recent = make_household(worker, region, members=[member_input("最近")])
    _visit(worker, recent, days_ago=10)
    long_ago = make_household(worker, region, members=[member_input("很久")])
    _visit(worker, long_ago, days_ago=120)
    planned_past = make_household(worker, region, members=[member_input("计划已过")])
    _visit(worker, planned_past, days_ago=40, next_in=30)
    planned_ahead = make_household(worker, region, members=[member_input("计划未到")])
    _visit(worker, planned_ahead, days_ago=100, next_in=120)
    # Only the last visit's plan counts: an older visit planned a date long past.
    replanned = make_household(worker, region, members=[member_input("重新计划")])
    _visit(worker, replanned, days_ago=60, next_in=10)
    _visit(worker, replanned, days_ago=5, next_in=60)

    rows = {h.pk: h for h in selectors.household_list_for_user(worker)}
    assert not rows[never.pk].last_visited_on and not rows[never.pk].visit_overdue
    assert not rows[recent.pk].visit_overdue
    assert rows[long_ago.pk].visit_overdue
    assert rows[planned_past.pk].visit_overdue
    assert not rows[planned_ahead.pk].visit_overdue
    assert not rows[replanned.pk].visit_overdue


def test_the_list_shows_the_markers_a_worker_scans_for(client, worker, regions):
    region = regions["township_a1"]
    never = make_household(worker, region, members=[member_input("温卫东")])
    services.need_register(
        user=worker,
        household=never,
        area="medical_aid",
        form="cash",
        description="药费",
        urgent=True,
    )
    overdue = make_household(worker, region, members=[member_input("林寿全")])
    _visit(worker, overdue, days_ago=200)
    client.force_login(worker)
    page = client.get("/needs/households/").content.decode()
    for text in ("温卫东", "林寿全", never.code, overdue.code, "从未走访", "逾期", "急难愁盼"):
        assert text in page, text
    assert "待对接需求 1" in page
    # The filters' empty choice reads "不限", never "未知" (Django's NullBoolean "Unknown").
    assert "未知" not in page


def test_the_search_by_id_number_and_the_filters_open_when_in_use(client, worker, regions):
    make_household(worker, regions["township_a1"])
    client.force_login(worker)
    closed = client.get("/needs/households/")
    assert closed.context["filters_open"] is False
    assert client.get("/needs/households/", {"q": "李"}).context["filters_open"] is False
    assert client.get("/needs/households/", {"urgent": "true"}).context["filters_open"] is True
    refused = client.post("/needs/households/find/", {"id_number": "123"})
    assert refused.context["filters_open"] is True
