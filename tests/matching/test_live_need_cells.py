"""The live needs counted by township, area and form are kept by PostgreSQL (``needs``
migration 0010: statement triggers on the needs table), and the demand signals read them
instead of grouping the province's live needs (issue 13: 400,000 at scale 1.0). The kept
counts must equal the GROUP BY after every kind of write: the services, bulk loads,
``QuerySet.update``, a household's move, deletion."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Substr
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import demand
from needs import services as needs_services
from needs.models import LiveNeedCell, Need

from .conftest import move_household, need_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL keeps the counts (triggers); SQLite groups the needs each time",
    ),
]


def grouped() -> dict[tuple[str, str, str], int]:
    """The live needs grouped as the demand signals count them."""
    return {
        (row["township"], row["area"], row["form"]): row["n"]
        for row in Need.objects.live()
        .annotate(township=Substr("place", 1, 9))
        .values("township", "area", "form")
        .annotate(n=Count("*"))
        .order_by()
    }


def kept() -> dict[tuple[str, str, str], int]:
    return {(c.township, c.area, c.form): c.live for c in LiveNeedCell.objects.filter(live__gt=0)}


def test_the_kept_counts_follow_every_kind_of_write(
    worker, outsider, administrator, regions, family, child
):
    need_for(worker, child, area="medical_aid", form="cash")
    second = need_for(worker, child, area="medical_aid", form="cash")
    third = need_for(worker, child, area="education_aid", form="in_kind")
    assert (
        kept()
        == grouped()
        == {
            (family.region_id[:9], "medical_aid", "cash"): 2,
            (family.region_id[:9], "education_aid", "in_kind"): 1,
        }
    )

    # A need leaves the live ones (the service), its area changes (a bulk update).
    needs_services.need_transition(user=worker, need=second, to=Need.Status.WITHDRAWN, reason="x")
    Need.objects.filter(pk=third.pk).update(area="elderly_support")
    assert kept() == grouped()
    assert kept()[(family.region_id[:9], "medical_aid", "cash")] == 1

    # Bulk-created needs, one of them not live.
    Need.objects.bulk_create(
        [
            Need(
                household=family, member=child, area="child_support", form="care", created_by=worker
            ),
            Need(
                household=family,
                member=child,
                area="child_support",
                form="care",
                status=Need.Status.MET,
                closed_at=timezone.now(),
                created_by=worker,
            ),
        ]
    )
    assert kept() == grouped()
    assert kept()[(family.region_id[:9], "child_support", "care")] == 1

    # The household moves to another township: its live needs move with it.
    move_household(administrator, family, regions["township_b1"], outsider)
    assert kept() == grouped()
    assert {township for township, _a, _f in kept()} == {family.region_id[:9]}

    # Deleted needs are counted down; nothing live is left.
    Need.objects.filter(household=family).delete()
    assert kept() == grouped() == {}


def test_the_demand_signals_read_the_kept_counts(worker, family, child):
    for _ in range(2):
        need_for(worker, child, area="medical_aid", form="cash")
    with CaptureQueriesContext(connection) as queries:
        counts = demand.township_counts("440000000000")
    assert counts == [(family.region_id[:9], "medical_aid", "cash", 2)]
    (query,) = queries.captured_queries
    assert "needs_liveneedcell" in query["sql"] and "needs_need" not in query["sql"]
    # At a past moment (the evaluation's end of period) the needs are grouped as before.
    later = demand.township_counts("440000000000", as_of=timezone.now())
    assert later == counts


def test_the_migration_fills_the_counts_from_the_needs_already_there(worker, family, child):
    need_for(worker, child, area="medical_aid", form="cash")
    need_for(worker, child, area="education_aid", form="cash")
    LiveNeedCell.objects.all().delete()
    assert kept() == {}
    migration = importlib.import_module("needs.migrations.0010_live_need_cells")
    with connection.schema_editor() as editor:
        migration.drop_triggers(None, editor)
        migration.create_triggers(None, editor)  # the triggers again, and the fill
    assert kept() == grouped() != {}
