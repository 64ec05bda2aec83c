"""The SQL building blocks: exact medians on both engines, day arithmetic, and the disclosure
rule as a filter agreeing with the model's own Python rule."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.db.models import F

from reports.metrics import disclosure_overdue
from reports.sql import DayNumber, median
from supply.models import Organization, Project

from .conftest import d

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(regions):
    organization = Organization.objects.create(
        name="慈善会",
        credit_code="51441881MJ0000001R",
        org_type="association",
        registering_region=regions["county_a"],
        charity_status="registered",
    )
    made = []
    starts = [d("2024-01-01"), d("2025-03-01"), d("2025-06-30")]
    ends = [None, d("2025-05-31"), d("2025-08-31"), d("2025-12-31"), d("2026-12-31")]
    disclosed = [None, d("2025-02-01"), d("2025-06-01"), d("2025-09-30"), d("2026-01-01")]
    for number, (start, end, last) in enumerate(itertools.product(starts, ends, disclosed)):
        if end is not None and end < start:
            continue
        made.append(
            Project.objects.create(
                organization=organization,
                title=f"项目{number}",
                description="-",
                application_process="-",
                starts_on=start,
                ends_on=end,
                last_disclosed_on=last,
                status=Project.Status.PUBLISHED,
                capacity=number % 7,
            )
        )
    return made


@pytest.mark.parametrize("method", ["window", "percentile"])
def test_the_median_is_exact_for_odd_and_even_counts_and_per_group(projects, method):
    if method == "percentile" and connection.vendor != "postgresql":
        pytest.skip("percentile_cont is PostgreSQL's")
    queryset = Project.objects.all()
    values = sorted(p.capacity for p in projects)
    n = len(values)
    expected = (values[(n - 1) // 2] + values[n // 2]) / 2
    assert median(queryset, F("capacity"), "title", None, method=method) == {"": expected}
    odd = queryset.exclude(pk=projects[0].pk)
    odd_values = sorted(p.capacity for p in projects[1:])
    assert median(odd, F("capacity"), "title", None, method=method) == {
        "": float(odd_values[len(odd_values) // 2])
    }
    # Per group: by the first three characters of the title ("项目1", "项目2"...), and the
    # whole beside them (key "")
    grouped = median(queryset, F("capacity"), "title", 3, method=method)
    assert grouped[""] == expected
    for key, value in grouped.items():
        members = sorted(p.capacity for p in projects if not key or p.title[:3] == key)
        m = len(members)
        assert value == (members[(m - 1) // 2] + members[m // 2]) / 2


def test_an_empty_median_is_none(regions):
    assert median(Project.objects.none(), F("capacity"), "title", None) == {"": None}


def test_day_numbers_subtract_to_days(projects):
    rows = Project.objects.filter(ends_on__isnull=False).annotate(
        length=DayNumber("ends_on") - DayNumber("starts_on")
    )
    for project in rows:
        assert project.length == (project.ends_on - project.starts_on).days


@pytest.mark.parametrize(
    "day", [d("2025-01-15"), d("2025-06-30"), d("2025-09-01"), d("2025-12-31"), d("2026-03-31")]
)
def test_the_overdue_disclosure_filter_agrees_with_the_model_rule(projects, day):
    annotated = Project.objects.annotate(_length=DayNumber("ends_on") - DayNumber("starts_on"))
    in_sql = set(annotated.filter(disclosure_overdue(day)).values_list("pk", flat=True))
    in_python = {
        p.pk
        for p in Project.objects.select_related("organization")
        if (due := p.disclosure_due_on(day)) is not None and due < day
    }
    assert in_sql == in_python
    assert in_python  # the fixture has overdue ones on every day tested


def test_the_period_reads_states_at_its_end_or_now(frozen_clock):
    from reports.metrics import Period

    assert Period.year(2025).as_of_date == dt.date(2025, 12, 31)
    assert Period.year(2026).as_of_date == dt.date(2026, 2, 1)
    assert Period(dt.date(2024, 2, 29), dt.date(2024, 3, 31)).previous().start == dt.date(
        2023, 2, 28
    )


def test_the_child_rows_come_with_the_whole_beside_them(projects):
    """``aggregate`` and ``median`` per child region give the whole beside the rows (key ""):
    counts and sums as the sum of the rows (the grouped query keeps its parallel plan), other
    aggregates on PostgreSQL from the same statement (GROUPING SETS), elsewhere from a second
    one."""
    from django.db.models import Avg, Count, Q, Sum
    from django.test.utils import CaptureQueriesContext

    from reports.sql import aggregate

    queryset = Project.objects.all()
    code = "organization__registering_region__code"
    capacities = sorted(p.capacity for p in projects)
    n = len(capacities)
    middle = (capacities[(n - 1) // 2] + capacities[n // 2]) / 2
    postgresql = connection.vendor == "postgresql"

    with CaptureQueriesContext(connection) as queries:
        groups = aggregate(queryset, code, 6, n=Count("pk"), places=Sum("capacity"))
    assert groups == {
        "441881": {"n": n, "places": sum(capacities)},
        "": {"n": n, "places": sum(capacities)},
    }
    assert len(queries) == 1 and "GROUPING SETS" not in queries[0]["sql"]

    # A mean is a sum and a count: still one grouped query.
    with CaptureQueriesContext(connection) as queries:
        groups = aggregate(
            queryset, code, 6, mean=Avg("capacity"), none=Avg("capacity", filter=Q(pk=0))
        )
    assert groups["441881"]["mean"] == groups[""]["mean"] == pytest.approx(sum(capacities) / n)
    assert groups[""]["none"] is None
    assert len(queries) == 1 and "GROUPING SETS" not in queries[0]["sql"]

    with CaptureQueriesContext(connection) as queries:
        groups = aggregate(
            queryset, code, 6, mean=Avg("capacity"), kinds=Count("capacity", distinct=True)
        )
        medians = median(queryset, "capacity", code, 6)
    mean = sum(capacities) / n
    assert groups["441881"]["mean"] == pytest.approx(mean)
    assert groups[""]["mean"] == pytest.approx(mean)
    assert groups[""]["kinds"] == groups["441881"]["kinds"] == len(set(capacities))
    assert medians == {"441881": middle, "": middle}
    if postgresql:
        assert len(queries) == 2
        assert all("GROUPING SETS" in q["sql"] for q in queries)
    else:
        assert len(queries) == 4
