"""The household's kept list flags (``needs.flags``): one bit per assistance status and
vulnerability tag of a current member and per charity area of a live need, kept by the
services, filled by the migration, filtered on by the household list (issue 13: a city's list
by tag or status was a semi-join over every member, 0.3-0.7 s at DOMAIN.md's scale)."""

from __future__ import annotations

import dataclasses
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.taxonomies import AssistanceStatus, CharityArea, VulnerabilityTag
from needs import services
from needs.flags import household_flags_deferred, household_flags_refresh
from needs.models import HOUSEHOLD_FLAGS, Household, Need, household_flag

from .factories import make_household, member_input

pytestmark = pytest.mark.django_db

fill_flags = importlib.import_module("needs.migrations.0006_household_flags").fill_flags


def _set(household) -> set[tuple[str, str]]:
    flags = Household.objects.values_list("flags", flat=True).get(pk=household.pk)
    return {pair for i, pair in enumerate(HOUSEHOLD_FLAGS) if flags & (1 << i)}


def _codes(response) -> set[str]:
    return {h.code for h in response.context["page"].object_list}


def test_every_status_tag_and_area_has_one_bit_of_a_bigint():
    expected = (
        {("status", v) for v in AssistanceStatus.values}
        | {("tag", v) for v in VulnerabilityTag.values}
        | {("area", v) for v in CharityArea.values}
    )
    assert set(HOUSEHOLD_FLAGS) == expected
    assert len(HOUSEHOLD_FLAGS) == len(expected) <= 63
    assert household_flag("status", "dibao") == 1
    with pytest.raises(ValueError):
        household_flag("tag", "dibao")


def _family(worker, region):
    return make_household(
        worker,
        region,
        members=[
            member_input("陈大", statuses=["dibao"], tags=["serious_illness"]),
            member_input(
                "陈小",
                relation="child",
                age=9,
                statuses=["dibao"],
                tags=["left_behind_child"],
                id_number=None,
            ),
        ],
    )


def test_the_services_keep_the_flags(worker, regions):
    household = _family(worker, regions["township_a1"])
    assert _set(household) == {
        ("status", "dibao"),
        ("tag", "serious_illness"),
        ("tag", "left_behind_child"),
    }
    need = services.need_register(
        user=worker, household=household, area="medical_aid", form="cash", description="药费"
    )
    assert ("area", "medical_aid") in _set(household)
    services.need_update(user=worker, need=need, area="education_aid")
    assert ("area", "education_aid") in _set(household)
    assert ("area", "medical_aid") not in _set(household)
    services.need_transition(user=worker, need=need, to=Need.Status.MATCHING)
    assert ("area", "education_aid") in _set(household)
    services.need_transition(user=worker, need=need, to=Need.Status.MET)
    assert not {pair for pair in _set(household) if pair[0] == "area"}

    # The head's status changes on the household form; the child leaves.
    head, child = household.members.order_by("pk")
    services.household_save(
        user=worker,
        household=household,
        fields={"region": household.region, "address": household.address},
        members=[
            dataclasses.replace(
                member_input("陈大", statuses=["tekun"], tags=["serious_illness"]),
                id_number=head.id_number,
                member_id=head.pk,
            ),
            dataclasses.replace(
                member_input("陈小", relation="child"),
                id_number=child.id_number,
                member_id=child.pk,
                remove=True,
            ),
        ],
    )
    assert _set(household) == {("status", "tekun"), ("tag", "serious_illness")}

    services.assistance_status_grant(user=None, member=head, status="temporary_assistance")
    assert ("status", "temporary_assistance") in _set(household)


def test_the_list_filters_on_the_flags_and_not_on_what_has_ended(client, worker, regions):
    family = _family(worker, regions["township_a1"])
    services.need_register(
        user=worker, household=family, area="medical_aid", form="cash", description="药费"
    )
    # Near misses: a status ended, a tagged member gone, an area whose need is closed.
    twin = make_household(
        worker,
        regions["township_a1"],
        members=[member_input("王大", statuses=["dibao"], tags=["serious_illness"])],
    )
    head = twin.members.get()
    services.household_save(
        user=worker,
        household=twin,
        fields={"region": twin.region, "address": twin.address},
        members=[
            dataclasses.replace(member_input("王大"), id_number=head.id_number, member_id=head.pk)
        ],
    )
    closed = services.need_register(
        user=worker, household=twin, area="medical_aid", form="cash", description="药费"
    )
    services.need_transition(user=worker, need=closed, to=Need.Status.WITHDRAWN, reason="已解决")
    client.force_login(worker)

    for params in (
        {"status": "dibao"},
        {"tag": "serious_illness"},
        {"tag": "left_behind_child"},
        {"need_area": "medical_aid"},
        {"status": "dibao", "tag": "left_behind_child", "need_area": "medical_aid"},
    ):
        assert _codes(client.get("/needs/households/", params)) == {family.code}, params
    assert _codes(client.get("/needs/households/", {"status": "tekun"})) == set()
    api = client.get("/api/needs/households/", {"tag": "serious_illness"}).json()
    assert [row["code"] for row in api["results"]] == [family.code]


def test_a_filtered_list_reads_only_the_households_rows(client, worker, regions):
    """No member, status, tag or need table in the list's queries when it filters on them."""
    _family(worker, regions["township_a1"])
    client.force_login(worker)
    client.get("/needs/households/")  # warm caches (session, regions)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/needs/households/", {"status": "dibao", "tag": "serious_illness"})
    filtered = [q["sql"] for q in ctx.captured_queries if '"flags"' in q["sql"] and "&" in q["sql"]]
    assert filtered, "the list does not filter on the kept flags"
    for sql in filtered:
        assert "needs_membertag" not in sql and "needs_assistancerecord" not in sql, sql


def test_the_migration_fills_what_the_services_keep(worker, regions):
    family = _family(worker, regions["township_a1"])
    services.need_register(
        user=worker, household=family, area="child_support", form="cash", description="学费"
    )
    plain = make_household(worker, regions["township_a1"], members=[member_input("李一")])
    kept = dict(Household.objects.values_list("pk", "flags"))
    assert kept[family.pk] and not kept[plain.pk]
    Household.objects.update(flags=0)  # as before the migration

    fill_flags(apps, None)

    assert dict(Household.objects.values_list("pk", "flags")) == kept


def _flag_updates(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith('UPDATE "needs_household"') and '"flags" =' in q["sql"]
    ]


def test_a_deferred_refresh_updates_every_household_touched_once_at_its_end(worker, regions):
    """The demo records 200 households through the services: their flags are refreshed in
    one UPDATE when the block ends, the same flags a refresh per service call keeps."""
    first = _family(worker, regions["township_a1"])
    second = make_household(worker, regions["township_a1"], members=[member_input("李一")])
    untouched = make_household(worker, regions["township_a1"], members=[member_input("张三")])
    Household.objects.filter(pk=untouched.pk).update(flags=0)  # stale on purpose

    with CaptureQueriesContext(connection) as ctx, household_flags_deferred():
        for household, area in ((first, "medical_aid"), (second, "education_aid")):
            services.need_register(
                user=worker, household=household, area=area, form="cash", description="费用"
            )
        services.need_register(
            user=worker, household=second, area="elderly_support", form="care", description="护理"
        )
        with household_flags_deferred():  # a nested block joins the outer one
            services.need_register(
                user=worker, household=first, area="child_support", form="cash", description="学费"
            )
        assert ("area", "medical_aid") not in _set(first)  # not yet
        assert not _flag_updates(ctx.captured_queries)

    assert len(_flag_updates(ctx.captured_queries)) == 1
    assert {p for p in _set(first) if p[0] == "area"} == {
        ("area", "medical_aid"),
        ("area", "child_support"),
    }
    assert {p for p in _set(second) if p[0] == "area"} == {
        ("area", "education_aid"),
        ("area", "elderly_support"),
    }
    assert Household.objects.get(pk=untouched.pk).flags == 0  # only the touched ones

    # After the block each service call refreshes at once again.
    services.need_register(
        user=worker, household=untouched, area="medical_aid", form="cash", description="药费"
    )
    assert ("area", "medical_aid") in _set(untouched)


def test_a_deferred_block_that_fails_refreshes_nothing_and_ends(worker, regions):
    household = make_household(worker, regions["township_a1"], members=[member_input("李一")])
    with (
        CaptureQueriesContext(connection) as ctx,
        pytest.raises(RuntimeError),
        household_flags_deferred(),
    ):
        services.need_register(
            user=worker, household=household, area="medical_aid", form="cash", description="药"
        )
        raise RuntimeError("the loader broke")
    assert not _flag_updates(ctx.captured_queries)

    services.need_register(
        user=worker, household=household, area="education_aid", form="cash", description="学费"
    )
    assert ("area", "education_aid") in _set(household)


def test_a_queryset_refresh_inside_a_deferred_block_runs_at_once(worker, regions):
    """A queryset (the generator's refresh of its households) is one statement already."""
    household = make_household(worker, regions["township_a1"], members=[member_input("李一")])
    services.need_register(
        user=worker, household=household, area="medical_aid", form="cash", description="药"
    )
    Household.objects.filter(pk=household.pk).update(flags=0)
    with household_flags_deferred():
        household_flags_refresh(Household.objects.filter(pk=household.pk).values("pk"))
        assert ("area", "medical_aid") in _set(household)
