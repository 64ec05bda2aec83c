"""A surname alone searched over a county or city (issue 13): the members carry their
household's station code, kept by the saves, and the search reads the members of the scope's
station range by name. The figures themselves are bench/bench_households.py's."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needs import services
from needs.filters import HouseholdFilterSet
from needs.models import Household, Member

from ..factories import UserFactory
from .factories import current_member_inputs, make_household, member_input

pytestmark = pytest.mark.django_db

migration = importlib.import_module("needs.migrations.0007_member_station_code")


def _stations(household: Household) -> set[str]:
    return set(Member.objects.filter(household=household).values_list("station_code", flat=True))


def _found(client, user, q: str) -> set[str]:
    client.force_login(user)
    response = client.get("/needs/households/", {"q": q})
    assert response.status_code == 200
    return {h.code for h in response.context["page"].object_list}


def test_members_carry_their_household_station_code(worker, regions, household):
    assert _stations(household) == {"441881101000"}
    # Created one by one (the services), in bulk, or with only the household's key.
    other = make_household(worker, regions["township_a1"], members=[member_input("王一")])
    Member.objects.bulk_create(
        [
            Member(household=household, name="陈甲", sex="male", birth_date="2000-01-01"),
            Member(household_id=other.pk, name="王乙", sex="male", birth_date="2000-01-01"),
        ]
    )
    Member.objects.create(household_id=other.pk, name="王丙", sex="female", birth_date="2001-01-01")
    assert _stations(household) == _stations(other) == {"441881101000"}


def test_the_migration_fills_every_members_station_code(worker, outsider, regions, household):
    taihe = make_household(outsider, regions["township_b1"], members=[member_input("陈太和")])
    Member.objects.update(station_code="")  # as before the migration

    migration.fill_station_code(apps, connection.schema_editor())

    assert _stations(household) == {"441881101000"}
    assert _stations(taihe) == {"441803102000"}


def test_a_surname_alone_finds_the_households_of_the_scope_and_none_outside(
    client, worker, outsider, county_officer, other_county_officer, city_officer, regions, household
):
    wangbu_worker = UserFactory(role="social_worker", region=regions["township_a2"])
    wangbu = make_household(wangbu_worker, regions["township_a2"], members=[member_input("陈望")])
    taihe = make_household(outsider, regions["township_b1"], members=[member_input("陈太和")])
    make_household(worker, regions["township_a1"], members=[member_input("王五")])

    assert _found(client, worker, "陈") == {household.code}
    assert _found(client, county_officer, "陈") == {household.code, wangbu.code}
    assert _found(client, other_county_officer, "陈") == {taihe.code}
    assert _found(client, city_officer, "陈") == {household.code, wangbu.code, taihe.code}
    assert _found(client, other_county_officer, "王") == set()
    # A whole name takes the other path (the households' ids), in the same scope.
    assert _found(client, county_officer, "陈太和") == set()
    assert _found(client, city_officer, "陈太和") == {taihe.code}


def test_the_search_reads_the_members_of_the_scope_by_their_station_code(county_officer, household):
    filters = HouseholdFilterSet({"q": "陈"}, queryset=Household.objects.all(), user=county_officer)
    with CaptureQueriesContext(connection) as queries:
        assert list(filters.qs) == [household]
    sql = " ".join(q["sql"] for q in queries).replace("'", "").replace('"', "")
    assert "station_code IN (441881101000, 441881102000)" in sql, sql


def test_a_member_who_left_is_not_found(client, worker, county_officer, regions):
    lin = make_household(
        worker,
        regions["township_a1"],
        members=[
            member_input("林秀英", age=38, sex="female"),
            member_input("陈小明", relation="child", age=10),
        ],
    )
    assert _found(client, county_officer, "陈") == {lin.code}

    services.household_save(
        user=worker,
        household=lin,
        fields={"region": lin.region},
        members=current_member_inputs(lin, **{"陈小明": {"remove": True}}),
    )

    assert _found(client, county_officer, "陈") == set()
    assert _found(client, county_officer, "陈小明") == set()
    assert _found(client, worker, "陈") == set()
    assert _found(client, county_officer, "林") == {lin.code}


def test_a_member_moved_to_another_household_is_found_under_the_new_one(
    client, worker, outsider, county_officer, other_county_officer, regions, household
):
    taihe = make_household(outsider, regions["township_b1"], members=[member_input("黄志强")])
    member = Member.objects.get(household=household, name="陈小明")  # the household not read
    member.household_id = taihe.pk
    member.save()

    assert Member.objects.get(pk=member.pk).station_code == "441803102000"
    assert _found(client, other_county_officer, "陈") == {taihe.code}
    assert _found(client, other_county_officer, "陈小明") == {taihe.code}
    assert _found(client, county_officer, "陈小明") == set()
    assert _found(client, county_officer, "陈") == {household.code}  # the mother stays


def test_the_code_follows_a_household_moving_to_another_station(
    client,
    worker,
    outsider,
    administrator,
    county_officer,
    other_county_officer,
    regions,
    household,
):
    stale = Member.objects.get(household=household, name="陈秀英")  # loaded before the move
    services.household_save(
        user=administrator,
        household=household,
        fields={"region": regions["township_b1"], "worker": outsider},
        members=current_member_inputs(household),
    )
    household.refresh_from_db()
    assert household.station_id == "441803102000"
    assert _stations(household) == {"441803102000"}
    # An instance read before the move, saved after it, does not write the old code back.
    stale.school_or_work = "务农"
    stale.save()
    assert _stations(household) == {"441803102000"}

    assert _found(client, other_county_officer, "陈") == {household.code}
    assert _found(client, outsider, "陈") == {household.code}
    assert _found(client, county_officer, "陈") == set()
    assert _found(client, worker, "陈") == set()


def test_the_station_name_index_serves_the_search_from_the_index_alone_on_postgresql(regions):
    """Its plan is the bench's to show (an empty table's plan is any index's): here, the
    index's columns, so that ``station_code IN (…)`` bounds each station's run of the name and
    the LIKE is checked on the index alone (the name included)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's index")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'needs_member_station_name'"
        )
        (definition,) = cursor.fetchone()
    assert "(station_code, upper((name)::text) text_pattern_ops)" in definition, definition
    assert "INCLUDE (household_id, name) WHERE (left_at IS NULL)" in definition, definition


def test_a_surname_borne_in_many_households_is_probed_in_the_lists_order(
    client, worker, county_officer, regions, monkeypatch
):
    """Past ``SEARCH_IDS_LIMIT`` households a scoped surname is a probe per household of
    the list: the same households as by their ids."""
    chens = {
        make_household(worker, regions["township_a1"], members=[member_input(f"陈{i}")]).code
        for i in range(3)
    }
    make_household(worker, regions["township_a1"], members=[member_input("王五")])
    by_ids = _found(client, county_officer, "陈")
    monkeypatch.setattr("needs.filters.SEARCH_IDS_LIMIT", 1)
    assert _found(client, county_officer, "陈") == by_ids == chens


def test_an_address_matching_many_households_still_finds_a_rare_name(
    client, worker, county_officer, regions, monkeypatch
):
    """Past the limit because of the address, the name's few households are taken by their
    ids beside the address's: the same households as by the ids alone."""
    by_address = {
        make_household(
            worker, regions["township_a1"], address=f"沙口镇幸福村 {i} 号", members=[member_input()]
        ).code
        for i in range(2)
    }
    by_name = make_household(
        worker, regions["township_a1"], address="沙口镇 9 号", members=[member_input("幸福村民")]
    ).code
    make_household(worker, regions["township_a1"], address="沙口镇 10 号")
    assert _found(client, county_officer, "幸福村") == by_address | {by_name}
    monkeypatch.setattr("needs.filters.SEARCH_IDS_LIMIT", 1)
    assert _found(client, county_officer, "幸福村") == by_address | {by_name}


def test_the_carried_code_stays_out_of_the_members_change_history(worker, regions):
    """A copy of the household's station, not a fact about the person: the change history (read
    on the audit page) records the member's own fields only."""
    from auditlog.models import LogEntry

    household = make_household(worker, regions["township_a1"], members=[member_input("李四")])
    member = household.members.get()
    assert member.station_code == household.station_id
    entries = LogEntry.objects.get_for_object(member)
    assert entries.exists()
    for entry in entries:
        assert "station_code" not in (entry.changes_dict or {})
