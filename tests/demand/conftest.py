from __future__ import annotations

import datetime as dt
import re

import pytest

from needs.models import Need
from supply import services
from supply.models import Project

from ..factories import UserFactory
from ..needs.factories import make_household
from ..supply.conftest import listing, make_org


@pytest.fixture
def needs_in(regions):
    """``needs_in(township, count, area=..., form=...)``: open needs of one household of the
    township (a need is what is counted, not a household)."""
    households = {}

    def make(township, count, *, area="poverty_relief", form="cash", status="open"):
        key = township.code
        if key not in households:
            worker = UserFactory(role="social_worker", region=township)
            households[key] = (make_household(worker, township), worker)
        household, worker = households[key]
        closed = status in Need.CLOSED_STATUSES
        return Need.objects.bulk_create(
            Need(
                household=household,
                area=area,
                form=form,
                description="需求",
                status=status,
                closed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) if closed else None,
                status_reason="原因" if status in ("closed_unmet", "withdrawn") else "",
                created_by=worker,
            )
            for _ in range(count)
        )

    return make


@pytest.fixture
def running_project(regions, county_officer):
    """``running_project(region, area=..., form=..., status=...)``: a listing of 英德市慈善会
    covering the region, running today."""
    charity = UserFactory(username="demand_charity", role="charity")
    organization = make_org(
        county_officer, regions["county_a"], code="51441881MJ0000001R", staff=[charity]
    )

    def make(region, *, area="poverty_relief", form="cash", status="published", **fields):
        project = services.project_save(
            user=charity,
            organization=organization,
            fields=listing(
                **{"title": f"项目{Project.objects.count()}", "starts_on": dt.date(2020, 1, 1)}
                | fields
            ),
            terms={"area": [area], "form": [form], "status": [], "tag": []},
            coverage=[region],
        )
        Project.objects.filter(pk=project.pk).update(status=status)
        project.refresh_from_db()
        return project

    make.charity = charity
    return make


COUNT = re.compile(r'class="demand-count">([\d,]+)<')


def shown_counts(html: str) -> list[int]:
    """Every count of needs a demand page shows as a number."""
    return [int(n.replace(",", "")) for n in COUNT.findall(html)]
