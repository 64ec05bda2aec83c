"""Every HTML list counts only as far as it needs (accounts.pagination.capped_page): past the
cap it says "N+" and pages on with previous and next, as the household list does. Shown on
the staff directory and the risk signals (DOMAIN.md scale: 33,000 staff, 160,000 signals)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oversight.models import RiskRule, RiskSignal

from ..factories import UserFactory
from ..needs.factories import make_household, member_input

pytestmark = pytest.mark.django_db


def test_the_staff_directory_says_how_many_up_to_the_cap(
    client, administrator, regions, monkeypatch
):
    monkeypatch.setattr("accounts.pagination.COUNT_CAP", 3)  # one page (50) is counted anyway
    for i in range(55):
        UserFactory(username=f"w{i}", role="social_worker", region=regions["township_a1"])
    client.force_login(administrator)

    response = client.get("/staff/")
    page = response.context["page"]
    html = response.content.decode()
    assert page.paginator.more
    assert "50 人以上" in html and "共 56 人" not in html and "下一页" in html
    last = client.get("/staff/", {"page": 2})
    assert not last.context["page"].paginator.more
    assert "共 56 人" in last.content.decode()


def test_the_risk_signals_are_counted_up_to_the_cap(
    client, worker, county_officer, regions, monkeypatch
):
    monkeypatch.setattr("accounts.pagination.COUNT_CAP", 2)
    monkeypatch.setattr("oversight.views_risk.PAGE_SIZE", 1)
    today = timezone.localdate()
    for i in range(4):
        household = make_household(
            worker, regions["township_a1"], members=[member_input(f"户主{i}")]
        )
        RiskSignal.objects.create(
            household=household,
            rule=RiskRule.TEKUN_UNVISITED,
            fingerprint=str(i),
            region_code=household.region_id,
            first_fired_on=today,
            last_seen_on=today - dt.timedelta(days=i),
            seen_at=timezone.now(),
        )
    client.force_login(county_officer)

    response = client.get("/oversight/risk-signals/")
    page = response.context["page"]
    assert page.paginator.more and len(page.object_list) == 1
    assert "2 个以上" not in response.content.decode()  # the page says the open count instead
    # The open signals by rule are counted apart, exactly (one GROUP BY).
    assert response.context["counts"]["open"] == 4
