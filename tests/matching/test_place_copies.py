"""Needs, visits and applications carry their household's place (``needs.carried``), so that
the province's figures group them without joining the households (issue 13: the annual
evaluation and the demand signals at province scale). The copy must never drift from the
household: created one by one, in bulk, by the generator, and after the household moves."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from matching import services
from matching.models import Application
from needs import services as needs_services
from needs.models import Household, Member, Need, Visit

from .conftest import move_household, need_for

pytestmark = pytest.mark.django_db


def _places(household: Household) -> set[str]:
    return (
        set(Need.objects.filter(household=household).values_list("place", flat=True))
        | set(Visit.objects.filter(household=household).values_list("place", flat=True))
        | set(Application.objects.filter(household=household).values_list("place", flat=True))
    )


def _visit(worker, household: Household) -> Visit:
    return needs_services.visit_record(
        user=worker, household=household, visited_on=timezone.localdate(), findings="入户走访"
    )


def _apply(worker, need: Need, project) -> Application:
    return services.application_create(
        user=worker, need=need, project=project, mode=Application.Mode.ASSISTED
    )


def test_needs_visits_and_applications_carry_their_households_place(
    worker, family, consent, need, project
):
    _visit(worker, family)
    _apply(worker, need, project)

    assert Need.objects.get(pk=need.pk).place == family.region_id
    assert _places(family) == {family.region_id}
    assert Application.objects.filter(household=family).count() == 1


def test_rows_created_in_bulk_or_by_key_carry_it_too(worker, family, child):
    Need.objects.bulk_create(
        [
            Need(
                household=family, member=child, area="medical_aid", form="cash", created_by=worker
            ),
            Need(household_id=family.pk, area="education_aid", form="cash", created_by=worker),
        ]
    )
    Visit.objects.bulk_create(
        [Visit(household_id=family.pk, visited_on=dt.date(2026, 1, 5), worker=worker)]
    )
    Need.objects.create(
        household_id=family.pk, area="elderly_support", form="care", created_by=worker
    )

    assert Need.objects.filter(household=family).count() == 3
    assert _places(family) == {family.region_id}


def test_the_place_follows_a_household_that_moves(
    worker, outsider, administrator, regions, family, consent, need, project
):
    _visit(worker, family)
    _apply(worker, need, project)
    stale = Need.objects.get(pk=need.pk)  # loaded before the move

    move_household(administrator, family, regions["township_b1"], outsider)
    assert family.region_id == regions["township_b1"].code
    assert _places(family) == {family.region_id}
    assert set(Member.objects.filter(household=family).values_list("station_code", flat=True)) == {
        family.station_id
    }

    # A row loaded before the move and saved after it: a save of its own fields leaves the copy,
    # a whole save reads the household again; neither writes the old place back.
    stale.urgent = True
    stale.save(update_fields=["urgent"])
    assert Need.objects.get(pk=need.pk).place == family.region_id
    stale.save()
    assert Need.objects.get(pk=need.pk).place == family.region_id


def test_the_figures_count_needs_where_their_household_lives(worker, regions, family, child):
    """The demand signals read the copy: a need counts in its household's township."""
    from matching import demand

    for _ in range(2):
        need_for(worker, child, area="medical_aid", form="cash")
    counts = {(t, a, f): n for t, a, f, n in demand.township_counts("440000000000")}
    assert counts == {(family.region_id[:9], "medical_aid", "cash"): 2}


def test_the_copy_stays_out_of_the_change_history(worker, need):
    """A copy of the household's place, not a fact of the need: its history is the
    household's."""
    entries = LogEntry.objects.get_for_object(need)
    assert entries.exists()
    for entry in entries:
        assert "place" not in (entry.changes_dict or {})


def test_the_generator_writes_each_rows_household_place(regions):
    """The generator's rows (INSERT … SELECT on PostgreSQL, bulk on SQLite) carry it too."""
    call_command("generate_data", scale=0.0005, seed=3, stdout=io.StringIO())
    assert Need.objects.exists() and Visit.objects.exists() and Application.objects.exists()
    for model in (Need, Visit, Application):
        assert not model.objects.exclude(place=F("household__region_id")).exists(), model


def test_the_migrations_fill_the_rows_made_before_them(worker, family, consent, need, project):
    """The UPDATEs of needs 0009 and matching 0008 (rows written before the copies existed)."""
    import importlib

    from django.db import connection, migrations

    _visit(worker, family)
    _apply(worker, need, project)
    for model in (Need, Visit, Application, Member):
        model.objects.update(place="")  # as before the migrations
    with connection.cursor() as cursor:
        for name in ("needs.migrations.0009_place_copies", "matching.migrations.0008_place_copy"):
            for operation in importlib.import_module(name).Migration.operations:
                if isinstance(operation, migrations.RunSQL):
                    cursor.execute(operation.sql)
    assert _places(family) == {family.region_id}
    assert set(Member.objects.filter(household=family).values_list("place", flat=True)) == {
        family.region_id
    }
