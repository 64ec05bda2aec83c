"""The demo of member units (oversight/demo_aid.py): 英德市人社局 with the login
``member_unit``, matched records of 沙口镇 members (one a serious illness grant) that show in
the pre-aid check of their household, two waiting in 英德市's queue; a second run changes
nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from accounts.models import User
from needs.models import Need
from oversight.models import AidRecord, MemberUnit

from ..demo_support import Loaded, seed_demo_twice

pytestmark = pytest.mark.django_db


def _state() -> dict[str, object]:
    return {
        "units": MemberUnit.objects.count(),
        "records": dict(AidRecord.objects.values_list("pk", "status")),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Loaded]:
    yield from seed_demo_twice(django_db_blocker, tmp_path_factory, _state)


def test_a_second_run_creates_and_changes_nothing(loaded):
    assert loaded.second == loaded.first
    assert loaded.first["units"] == 2
    assert loaded.output.count("member units demo:") == 2


def test_the_unit_login_has_matched_and_waiting_records(loaded):
    login = User.objects.get(username="member_unit")
    records = AidRecord.objects.visible_to(login)
    assert records.filter(status="matched").count() == 3
    assert records.filter(status="unmatched").count() == 2
    assert records.filter(status="matched", kind="serious_illness").exists()
    officer = User.objects.get(username="county_officer_b")
    assert not AidRecord.objects.visible_to(officer).exists()


def test_a_matched_record_shows_in_the_pre_aid_check_of_its_household(loaded):
    need = (
        Need.objects.filter(
            household_id__in=AidRecord.objects.filter(status="matched").values("household_id")
        )
        .order_by("pk")
        .first()
    )
    assert need is not None, "no matched demo record has a need to check"
    record = AidRecord.objects.filter(household_id=need.household_id).order_by("pk").first()
    client = Client()
    client.force_login(User.objects.get(username="worker"))
    page = client.get(f"/matching/needs/{need.pk}/candidates/").content.decode()
    assert record.number in page[page.index('id="pre-aid-check"') :]
    fragment = client.get(f"/oversight/aid-records/households/{record.household_id}/")
    assert record.number in fragment.content.decode()
