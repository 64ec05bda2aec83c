"""``manage.py generate_data``: every app's ``synthetic.py`` at a tiny scale, on SQLite (the
portable path) or PostgreSQL (the INSERT … SELECT path) as DATABASE_URL says."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from accounts.models import Region, User
from matching.models import Application, Feedback
from needs.flags import household_flags_refresh
from needs.models import (
    AssistanceRecord,
    Household,
    Member,
    MemberTag,
    Need,
    Visit,
    household_flag,
)
from supply.models import Organization, Project

SCALE = 0.0005  # 500 households, 15 social workers, 2 organisations, 225 applications


def generate(scale: float = SCALE, seed: int = 1) -> str:
    out = io.StringIO()
    call_command("generate_data", scale=scale, seed=seed, stdout=out)
    return out.getvalue()


def digest() -> list[str]:
    """What the generator made, without ids or the run's clock (the rows' content): a digest
    of each kind of row, so that a difference names the kind."""
    rows = [
        sorted(
            Region.objects.filter(is_synthetic=True).values_list("code", "name", "parent_id")
        ),
        sorted(
            User.objects.filter(is_synthetic=True).values_list("username", "name", "region_id")
        ),
        sorted(
            Household.objects.values_list(
                "code", "region_id", "station_id", "address", "worker__username",
                "gap_class", "last_visited_on", "flags", "has_urgent_need",
            )
        ),
        sorted(
            Member.objects.values_list(
                "household__code", "name", "relation", "sex", "birth_date"
            )
        ),
        sorted(Need.objects.values_list("household__code", "area", "status", "urgent")),
        sorted(Visit.objects.values_list("household__code", "visited_on", "next_visit_on")),
        sorted(AssistanceRecord.objects.values_list("member__household__code", "status")),
        sorted(MemberTag.objects.values_list("member__household__code", "member__name", "tag")),
        sorted(Organization.objects.values_list("name", "credit_code", "registering_region_id")),
        sorted(Project.objects.values_list("title", "organization__name", "status", "capacity")),
        sorted(
            Application.objects.values_list(
                "household__code", "project__title", "status", "answer_seconds"
            )
        ),
        sorted(
            Feedback.objects.values_list("application__household__code", "side", "satisfaction")
        ),
    ]  # fmt: skip
    return [hashlib.sha256(repr(part).encode()).hexdigest()[:12] for part in rows]


def generated_digest(seed: int) -> list[str]:
    """Generate, read the digest, and roll everything back (the regions stay)."""
    with transaction.atomic():
        generate(seed=seed)
        value = digest()
        transaction.set_rollback(True)
    return value


@pytest.fixture
def generated(db):
    return generate()


def test_it_makes_each_thing_in_proportion_to_the_scale(generated):
    # DOMAIN.md §2's province times the scale.
    assert User.objects.filter(is_synthetic=True, role="social_worker").count() == 15
    assert Region.objects.filter(is_synthetic=True, level="village").count() == 13
    assert Household.objects.count() == 500
    members = Member.objects.count()
    assert 2.2 * 500 <= members <= 2.6 * 500  # 2.4 a household
    assert 0.5 * 500 <= Need.objects.count() <= 0.7 * 500  # 0.6 a household
    assert Visit.objects.count() == Household.objects.filter(last_visited_on__isnull=False).count()
    assert Organization.objects.count() == 2
    assert Project.objects.count() == 3
    assert Application.objects.count() == 225
    assert Feedback.objects.exists()
    # The summary is printed in Chinese.
    assert "家庭:500" in generated.replace(" ", "")
    assert "需求台账" in generated


def test_it_flags_every_root_row_synthetic(generated):
    assert not Household.objects.filter(is_synthetic=False).exists()
    assert not Organization.objects.filter(is_synthetic=False).exists()
    workers = User.objects.filter(role="social_worker")
    assert workers.exists() and not workers.filter(is_synthetic=False).exists()
    villages = Region.objects.filter(level="village")
    assert villages.exists() and not villages.filter(is_synthetic=False).exists()
    # Households live in synthetic villages or directly in a township, served by a worker of
    # their station.
    assert not Household.objects.exclude(region__level__in=["village", "township"]).exists()
    for household in Household.objects.select_related("worker", "region")[:50]:
        assert household.worker.region_id == household.station_id
        assert household.region.code.startswith(household.station_id[:9])
    # Dependents are synthetic through their root.
    assert not Application.objects.filter(household__is_synthetic=False).exists()
    assert not Project.objects.filter(organization__is_synthetic=False).exists()


def test_the_same_seed_makes_the_same_data_and_another_seed_other_data(db):
    first = generated_digest(seed=1)
    assert generated_digest(seed=1) == first
    assert generated_digest(seed=2) != first


def test_it_refuses_a_database_that_already_holds_synthetic_data(generated):
    with pytest.raises(CommandError, match=r"合成数据|synthetic"):
        generate()
    assert Household.objects.count() == 500  # nothing added


def test_it_leaves_the_households_list_flags_as_the_services_keep_them(generated):
    kept = dict(Household.objects.values_list("pk", "flags"))
    urgent = set(Household.objects.filter(has_urgent_need=True).values_list("pk", flat=True))
    assert any(kept.values()) and urgent
    household_flags_refresh()
    assert dict(Household.objects.values_list("pk", "flags")) == kept
    assert set(Household.objects.filter(has_urgent_need=True).values_list("pk", flat=True)) == (
        urgent
    )
    dibao = Household.objects.filter(
        members__assistance__status="dibao", members__assistance__ended_on=None
    ).distinct()
    flagged = Household.objects.filter(flags__has_bits=household_flag("status", "dibao"))
    assert set(flagged.values_list("pk", flat=True)) == set(dibao.values_list("pk", flat=True))
    assert flagged.exists()


def test_the_members_carry_their_households_station_code(generated):
    """The household search by name within a scope reads the members by their station code
    (needs 0007): the generator's bulk load writes it as the services do."""
    from django.db.models import F

    from needs.models import Member

    assert Member.objects.exists()
    assert not Member.objects.exclude(station_code=F("household__station_id")).exists()
