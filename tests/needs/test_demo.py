"""The demo need ledger that ``manage.py seed_demo`` loads (needs/demo.py).

A full seed_demo takes half a minute, so the module runs it twice, once for all its tests
(idempotence, then content), in an outer transaction rolled back at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from accounts.models import Region
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea
from needs import idnumbers
from needs.demo import REF_PREFIX, TOWNSHIPS, village_code
from needs.flags import household_flags_refresh
from needs.models import AssistanceRecord, Consent, Household, Member, Need, Visit

from ..demo_support import Loaded, seed_demo_twice

pytestmark = pytest.mark.django_db


def _state() -> dict[str, object]:
    return {
        "villages": Region.objects.filter(level=Region.Level.VILLAGE).count(),
        "households": Household.objects.count(),
        "members": Member.objects.count(),
        "statuses": AssistanceRecord.objects.count(),
        "visits": Visit.objects.count(),
        "needs": Need.objects.count(),
        "consents": Consent.objects.count(),
        "need states": dict(Need.objects.values_list("pk", "status")),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Loaded]:
    yield from seed_demo_twice(django_db_blocker, tmp_path_factory, _state)


def _share_with(status: str) -> float:
    demo = Household.objects.filter(external_ref__startswith=REF_PREFIX)
    with_status = demo.filter(
        members__assistance__status=status, members__assistance__ended_on__isnull=True
    ).distinct()
    return with_status.count() / demo.count()


def test_it_loads_once_and_a_second_run_creates_and_changes_nothing(loaded):
    out = loaded.output

    assert loaded.second == loaded.first
    # The demo's own villages (the generator's are numbered from 500 in their township).
    demo_villages = [village_code(t, n) for t in TOWNSHIPS for n, _name in t.villages]
    assert Region.objects.filter(code__in=demo_villages).count() == len(demo_villages)
    # The app's summary comes before the logins, which stay last.
    assert out.count("needs demo:") == 2
    assert out.rindex("needs demo:") < out.rindex("Demo logins")


def test_the_demo_ledger_is_realistic_and_complete(loaded):
    demo = Household.objects.filter(external_ref__startswith=REF_PREFIX)

    assert 180 <= demo.count() <= 220
    assert set(demo.values_list("station_id", flat=True)) == {t.code for t in TOWNSHIPS}
    assert all(
        region.level == Region.Level.VILLAGE
        for region in Region.objects.filter(pk__in=demo.values("region"))
    )

    needs = Need.objects.filter(household__in=demo)
    assert set(needs.values_list("area", flat=True)) == set(CharityArea.values)
    assert set(needs.values_list("form", flat=True)) == set(AidForm.values)
    assert set(needs.values_list("status", flat=True)) == set(Need.Status.values)
    assert not needs.filter(status__in=Need.REASON_REQUIRED, status_reason="").exists()

    # The flags the loader refreshed once at its end are those a refresh of every household
    # computes now.
    kept = dict(demo.values_list("pk", "flags"))
    urgent = set(demo.filter(has_urgent_need=True).values_list("pk", flat=True))
    assert sum(1 for bits in kept.values() if bits) > len(kept) // 2 and urgent
    household_flags_refresh()
    assert dict(demo.values_list("pk", "flags")) == kept
    assert set(demo.filter(has_urgent_need=True).values_list("pk", flat=True)) == urgent

    assert 0.50 <= _share_with(AssistanceStatus.DIBAO) <= 0.70
    assert 0.04 <= _share_with(AssistanceStatus.TEKUN) <= 0.10
    assert 0.06 <= _share_with(AssistanceStatus.DIBAO_MARGINAL) <= 0.12

    guardian_consents = Consent.objects.filter(
        household__in=demo, given_by=Consent.GivenBy.GUARDIAN
    ).select_related("member")
    assert any(c.member.age(c.given_on) < 14 and c.guardian_name for c in guardian_consents)

    numbers = [m.id_number for m in Member.objects.filter(household__in=demo)]
    assert all(idnumbers.parse(n).number == n for n in numbers)
    duplicates = [n for n, times in Counter(numbers).items() if times > 1]
    assert duplicates == []
