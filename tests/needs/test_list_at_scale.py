"""The household list at province scale (issue 13): its scope on the station index, a capped
count, the search by a name's beginning, the kept urgency flag, the county-first region select.
The figures themselves are bench/bench_households.py's."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from accounts.models import Region
from needs import selectors, services
from needs.filters import HouseholdFilterSet
from needs.models import Household, Need, code_range

from ..factories import RegionFactory, UserFactory
from .factories import make_household, member_input

pytestmark = pytest.mark.django_db

fill_urgent = importlib.import_module("needs.migrations.0005_list_at_scale").fill_urgent


def _codes(response) -> set[str]:
    return {h.code for h in response.context["page"].object_list}


# --- Scope -----------------------------------------------------------------------------------


def test_the_code_range_of_a_prefix_holds_exactly_the_codes_under_it():
    low, high = code_range("441881")
    assert (low, high) == ("441881000000", "441881999999")
    inside = ["441881000000", "441881101000", "441881999999"]
    outside = ["441880999999", "441882000000", "44188", "4418811"]
    assert all(low <= c <= high for c in inside)
    assert not any(low <= c <= high and len(c) == 12 for c in outside)


def test_each_level_sees_its_households_through_the_station_range(
    client, worker, outsider, county_officer, city_officer, regions
):
    shakou = make_household(worker, regions["township_a1"])
    wangbu_worker = UserFactory(role="social_worker", region=regions["township_a2"])
    wangbu = make_household(wangbu_worker, regions["township_a2"])
    taihe = make_household(outsider, regions["township_b1"])

    seen = {}
    for user in (worker, wangbu_worker, outsider, county_officer, city_officer):
        client.force_login(user)
        seen[user.pk] = _codes(client.get("/needs/households/"))
    assert seen[worker.pk] == {shakou.code}
    assert seen[wangbu_worker.pk] == {wangbu.code}
    assert seen[outsider.pk] == {taihe.code}
    assert seen[county_officer.pk] == {shakou.code, wangbu.code}
    assert seen[city_officer.pk] == {shakou.code, wangbu.code, taihe.code}
    # The station range is what the query filters on, beside the region prefix.
    sql = str(selectors.household_list_for_user(county_officer).query)
    assert "BETWEEN 441881000000 AND 441881999999" in sql.replace("'", "")


def test_the_list_query_starts_from_the_station_code_index_on_postgresql(county_officer):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    queryset = selectors.household_list_for_user(county_officer)[:20]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: ask for an index
        plan = queryset.explain()
    assert "household_station_code" in plan, plan


# --- Count -----------------------------------------------------------------------------------


def test_a_large_list_says_how_many_up_to_the_cap_and_pages_on(
    client, worker, regions, monkeypatch
):
    monkeypatch.setattr("accounts.pagination.COUNT_CAP", 5)
    monkeypatch.setattr("needs.views.PAGE_SIZE", 2)
    for i in range(9):
        make_household(worker, regions["township_a1"], members=[member_input(f"户主{i}")])
    client.force_login(worker)

    response = client.get("/needs/households/")
    page = response.context["page"]
    assert page.paginator.more and page.paginator.cap == 5
    html = response.content.decode()
    assert "5 户以上" in html and "共 9 户" not in html
    assert "第 1 页" in html and "下一页" in html
    # A page past the cap is counted as far as it needs, and reached.
    far = client.get("/needs/households/", {"page": 4}).context["page"]
    assert far.number == 4 and len(far.object_list) == 2
    last = client.get("/needs/households/", {"page": 5})
    assert len(last.context["page"].object_list) == 1 and not last.context["page"].paginator.more
    assert "共 9 户" in last.content.decode()


def test_the_api_counts_a_long_list_up_to_the_cap_and_says_there_is_more(
    client, worker, regions, monkeypatch
):
    """The API's lists count as the pages do: an exact count of the province's households is
    not worth a second of the database per page."""
    monkeypatch.setattr("accounts.pagination.COUNT_CAP", 5)
    monkeypatch.setattr("accounts.pagination.CappedPageNumberPagination.page_size", 2)
    for i in range(9):
        make_household(worker, regions["township_a1"], members=[member_input(f"户主{i}")])
    client.force_login(worker)

    first = client.get("/api/needs/households/").json()
    assert (first["count"], first["more"], len(first["results"])) == (5, True, 2)
    assert first["next"] and first["previous"] is None
    fifth = client.get("/api/needs/households/", {"page": 5}).json()
    assert (fifth["count"], fifth["more"], len(fifth["results"])) == (9, False, 1)
    assert fifth["next"] is None
    # A page number past any list is a 404, not an overflow of SQL's LIMIT.
    assert client.get("/api/needs/households/", {"page": 10**25}).status_code == 404
    assert client.get("/needs/households/", {"page": 10**25}).status_code == 200  # the last page
    needs = client.get("/api/needs/needs/").json()
    assert needs["more"] is False and needs["count"] == 0


def test_a_search_counts_less_far_and_asks_for_more_of_the_name(
    client, worker, regions, monkeypatch
):
    monkeypatch.setattr("accounts.pagination.SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr("needs.views.SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr("needs.views.PAGE_SIZE", 2)
    monkeypatch.setattr("needs.filters.SEARCH_IDS_LIMIT", 2)  # the surname as a condition
    chens = {
        make_household(worker, regions["township_a1"], members=[member_input(f"陈{i}")]).code
        for i in range(5)
    }
    make_household(worker, regions["township_a1"], members=[member_input("王五")])
    client.force_login(worker)

    response = client.get("/needs/households/", {"q": "陈"})
    page = response.context["page"]
    assert page.paginator.more and page.paginator.cap == 3
    html = response.content.decode()
    assert "3 户以上" in html and "请输入更完整的姓名" in html
    found = set()
    for number in (1, 2, 3):
        found |= _codes(client.get("/needs/households/", {"q": "陈", "page": number}))
    assert found == chens
    plain = client.get("/needs/households/").content.decode()
    assert "请输入更完整的姓名" not in plain


def test_a_small_list_keeps_its_exact_count(client, worker, regions):
    for i in range(3):
        make_household(worker, regions["township_a1"], members=[member_input(f"户主{i}")])
    client.force_login(worker)
    response = client.get("/needs/households/")
    assert not response.context["page"].paginator.more
    assert "共 3 户" in response.content.decode()


# --- Search ----------------------------------------------------------------------------------


def test_names_are_found_by_their_beginning_addresses_by_any_part_numbers_whole(
    client, worker, regions
):
    chen = make_household(
        worker,
        regions["township_a1"],
        address="沙口镇幸福村 3 号",
        members=[
            member_input("陈秀英", age=38, sex="female"),
            member_input("陈小明", relation="child", age=10),
        ],
    )
    wang = make_household(worker, regions["township_a1"], members=[member_input("王小明")])
    client.force_login(worker)

    def found(q):
        return _codes(client.get("/needs/households/", {"q": q}))

    assert found("陈") == {chen.code}
    assert found("陈小") == {chen.code}
    assert found("王小明") == {wang.code}
    assert found("小明") == set()  # not the middle of a name
    assert found("幸福村") == {chen.code}  # any part of the address
    assert found(wang.code) == {wang.code}
    assert found(wang.code[:-1]) == set()  # a number is typed in full


# --- Urgency ---------------------------------------------------------------------------------


def _urgent_need(worker, household) -> Need:
    return services.need_register(
        user=worker,
        household=household,
        area="medical_aid",
        form="cash",
        description="药",
        urgent=True,
    )


def _flag(household) -> bool:
    return Household.objects.values_list("has_urgent_need", flat=True).get(pk=household.pk)


def test_the_need_services_keep_the_urgency_flag(worker, household):
    assert not _flag(household)
    plain = services.need_register(
        user=worker, household=household, area="medical_aid", form="cash", description="药费"
    )
    assert not _flag(household)
    urgent = services.need_register(
        user=worker,
        household=household,
        area="education_aid",
        form="cash",
        description="学费",
        urgent=True,
    )
    assert _flag(household)
    services.need_update(user=worker, need=urgent, urgent=False)
    assert not _flag(household)
    services.need_update(user=worker, need=plain, urgent=True)
    assert _flag(household)
    services.need_transition(user=worker, need=plain, to=Need.Status.MATCHING)
    assert _flag(household)
    services.need_transition(user=worker, need=plain, to=Need.Status.MET)
    assert not _flag(household)


def test_a_member_leaving_withdraws_the_urgent_need_and_clears_the_flag(worker, household):
    son = household.members.get(name="陈小明")
    services.need_register(
        user=worker,
        household=household,
        member=son,
        area="education_aid",
        form="cash",
        description="学费",
        urgent=True,
    )
    assert _flag(household)
    services._member_leaves(user=worker, member=son, today=timezone.localdate())
    assert not _flag(household)


def test_the_list_shows_and_filters_on_the_flag(client, worker, regions):
    urgent = make_household(worker, regions["township_a1"], members=[member_input("急")])
    calm = make_household(worker, regions["township_a1"], members=[member_input("缓")])
    services.need_register(
        user=worker,
        household=urgent,
        area="medical_aid",
        form="cash",
        description="药",
        urgent=True,
    )
    client.force_login(worker)
    assert _codes(client.get("/needs/households/", {"urgent": "true"})) == {urgent.code}
    assert _codes(client.get("/needs/households/", {"urgent": "false"})) == {calm.code}
    rows = {h.pk: h.has_urgent for h in selectors.household_list_for_user(worker)}
    assert rows == {urgent.pk: True, calm.pk: False}


def test_the_migration_fills_the_flag_of_households_with_a_live_urgent_need(worker, household):
    need = services.need_register(
        user=worker,
        household=household,
        area="medical_aid",
        form="cash",
        description="药",
        urgent=True,
    )
    closed = make_household(worker, household.region, members=[member_input("旧")])
    old = services.need_register(
        user=worker,
        household=closed,
        area="medical_aid",
        form="cash",
        description="药",
        urgent=True,
    )
    services.need_transition(user=worker, need=old, to=Need.Status.WITHDRAWN, reason="搬走")
    Household.objects.update(has_urgent_need=False)  # as before the migration

    fill_urgent(apps, None)

    assert _flag(need.household) and not _flag(closed)


# --- The region select -----------------------------------------------------------------------


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, name
    return [v for v in re.findall(r'<option value="([^"]*)"', select.group(0)) if v]


def test_officers_above_a_county_choose_the_county_first(client, city_officer, regions):
    for i in range(30):  # villages of another county: never rendered before it is chosen
        RegionFactory(
            code=f"441803102{i + 1:03d}",
            name=f"村{i}",
            level=Region.Level.VILLAGE,
            parent=regions["township_b1"],
            kind="village_committee",
        )
    client.force_login(city_officer)

    html = client.get("/needs/households/").content.decode()
    assert _options(html, "county") == ["441803000000", "441881000000"]
    assert _options(html, "region") == []
    assert "请先选择县（市、区）" in html

    chosen = client.get("/needs/households/", {"county": "441881000000"})
    html = chosen.content.decode()
    assert _options(html, "region") == ["441881101000", "441881102000"]
    # The htmx answer carries the select of the chosen county's places along.
    partial = client.get(
        "/needs/households/", {"county": "441803000000"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'hx-swap-oob="true"' in partial
    assert len(_options(partial, "region")) == 31


def test_a_region_outside_the_rendered_options_still_filters(client, city_officer, worker, regions):
    shakou = make_household(worker, regions["township_a1"])
    client.force_login(city_officer)
    response = client.get("/needs/households/", {"region": "441881101000"})
    assert _codes(response) == {shakou.code}
    assert _options(response.content.decode(), "region") == ["441881101000"]


def test_a_county_officer_and_a_worker_get_no_county_select(county_officer, worker):
    for user in (county_officer, worker):
        filterset = HouseholdFilterSet(None, queryset=Household.objects.none(), user=user)
        assert "county" not in filterset.form.fields
    options = (
        HouseholdFilterSet(None, queryset=Household.objects.none(), user=county_officer)
        .form.fields["region"]
        .widget.choices
    )
    assert [code for code, _name in options if code] == ["441881101000", "441881102000"]


def test_a_search_matching_many_households_keeps_the_same_answer(
    client, worker, regions, monkeypatch
):
    """Past ``SEARCH_IDS_LIMIT`` households the search is a condition the list walks, not a
    list of ids: the same households either way."""
    chens = {
        make_household(worker, regions["township_a1"], members=[member_input(f"陈小{i}")]).code
        for i in range(3)
    }
    make_household(worker, regions["township_a1"], members=[member_input("陈大")])
    make_household(worker, regions["township_a1"], members=[member_input("王五")])
    client.force_login(worker)
    by_ids = _codes(client.get("/needs/households/", {"q": "陈小"}))
    monkeypatch.setattr("needs.filters.SEARCH_IDS_LIMIT", 1)
    by_condition = _codes(client.get("/needs/households/", {"q": "陈小"}))
    assert by_ids == by_condition == chens
    # A surname alone is always the condition, and finds the same households.
    monkeypatch.setattr("needs.filters.SEARCH_IDS_LIMIT", 2000)
    surname = _codes(client.get("/needs/households/", {"q": "陈"}))
    assert surname == chens | _codes(client.get("/needs/households/", {"q": "陈大"}))


@pytest.mark.parametrize(
    "params", [{"status": "dibao"}, {"tag": "left_behind_child"}, {"need_area": "medical_aid"}]
)
def test_a_filter_gives_the_same_households_by_ids_and_as_a_semi_join(
    client, worker, county_officer, household, regions, params, monkeypatch
):
    """A scoped list reads a small filter set as ids, a large one as a semi-join."""
    services.need_register(
        user=worker, household=household, area="medical_aid", form="cash", description="药"
    )
    make_household(worker, regions["township_a1"], members=[member_input("无关")])
    client.force_login(county_officer)
    by_ids = _codes(client.get("/needs/households/", params))
    monkeypatch.setattr("needs.filters.SEARCH_IDS_LIMIT", 0)
    by_join = _codes(client.get("/needs/households/", params))
    assert by_ids == by_join == {household.code}
