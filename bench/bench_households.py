"""The household list at province scale, as its pages serve it, and the ID-number lookup.

The data is the need ledger of the project's synthetic data generator (``needs/synthetic.py``,
as ``manage.py generate_data`` makes it): households and members bulk-loaded straight into the
tables (the services, with their ID checks and encryption, are measured by the tests, not
here), spread over the 1,757 Guangdong townships (more households in a few of them, like real
ones) and their synthetic villages, with 30,000 social workers, Chinese names, assistance
statuses, tags, needs and visits in DOMAIN.md's mix. Scale 1.0 is DOMAIN.md §2's 1,000,000
households with 2,400,000 people.

Each case is the whole HTML page (``GET /needs/households/`` through Django's test client:
middleware, the filters, the capped count, the page of 20, the template), p50 and p95 over
``--repeat`` runs, as a township worker, a county officer, a city officer and the province
(an administrator), unfiltered, filtered and searched by name and address. The ID lookup is
``needs.id_lookups.id_number_search`` (blind index, access log) for as many numbers.

    DATABASE_URL=postgres://... .venv/bin/python bench/bench_households.py --scale 0.1
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_households.py --scale 1.0 --keepdb

``--keepdb`` keeps the filled test database for the next run (which then skips the fill).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
import warnings
from collections.abc import Callable

import _setup  # sets Django up
from django.conf import settings
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

PAGE_TARGET_MS = 200.0
LOOKUP_TARGET_MS = 10.0


class QueryTimer:
    """Time spent in the database during a page (a connection execute wrapper)."""

    def __init__(self) -> None:
        self.ms = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - start) * 1000


def p95_of(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]


def percentiles(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """p50 and p95 of the whole call, and p50 of its time in the database."""
    fn()  # warm up
    samples, in_db = [], []
    for _ in range(repeat):
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
        in_db.append(timer.ms)
    return statistics.median(samples), p95_of(samples), statistics.median(in_db)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 1,000,000 households")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    from django.test import Client

    from accounts.models import Region, User
    from needs.id_lookups import id_number_search, index_of
    from needs.idnumbers import generate
    from needs.models import Household, Member

    n_households = round(1_000_000 * args.scale)
    # The test client's host; not setup_test_environment(), whose capture of every template's
    # context would be timed with the page.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False  # as in production (and as Django's test runner sets it)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no collectstatic
    config = setup_databases(
        verbosity=0, interactive=False, keepdb=args.keepdb, serialized_aliases=set()
    )
    vendor = connection.vendor
    try:
        filled = Household.objects.count()
        fill_s = 0.0
        if filled != n_households:
            if filled:
                raise SystemExit(f"the kept database holds {filled:,} households: drop it first")
            start = time.perf_counter()
            _setup.generate(args.scale, only=("needs",))
            fill_s = time.perf_counter() - start
            if vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
        members = Member.objects.count()
        print(
            f"database: {vendor}; {n_households:,} households, {members:,} members"
            + (f", filled in {fill_s:.0f} s" if fill_s else " (kept)")
        )

        # The township, county and city with the most households: the hardest of each level.
        def busiest(level: str) -> str:
            from django.db.models import Count
            from django.db.models.functions import Left

            length = Region.PREFIX_LENGTH[level]
            codes = set(Region.objects.filter(level=level).values_list("code", flat=True))
            rows = (
                Household.objects.annotate(p=Left("station_id", length))
                .values("p")
                .annotate(n=Count("pk"))
                .order_by("-n")
            )
            return next(r["p"].ljust(12, "0") for r in rows if r["p"].ljust(12, "0") in codes)

        township = busiest("township")
        county = busiest("county")
        city = busiest("prefecture")
        users = {
            "township worker": User.objects.filter(role="social_worker", region_id=township)
            .order_by("pk")
            .first(),
            "county": User.objects.get_or_create(
                username="bench_county", defaults={"role": "civil_affairs", "region_id": county}
            )[0],
            "city": User.objects.get_or_create(
                username="bench_city", defaults={"role": "civil_affairs", "region_id": city}
            )[0],
            "province": User.objects.get_or_create(
                username="bench_admin",
                defaults={"role": "administrator", "region_id": "440000000000"},
            )[0],
        }
        a_county_of_city = (
            Region.objects.filter(level="county", code__startswith=city[:4], valid_to__isnull=True)
            .order_by("code")
            .first()
        )
        print(f"township {township}, county {county}, city {city}")
        print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{'case':<46} {'households':>11} {'p50 ms':>8} {'p95 ms':>8} {'db p50':>8}  target")
        missed = 0
        for label, user in users.items():
            visible = Household.objects.visible_to(user)
            someone = (
                Member.objects.filter(household__in=visible.order_by("?")[:1])
                .values_list("name", flat=True)
                .first()
            )
            cases = [
                ("", {}),
                ("dibao", {"status": "dibao"}),
                ("urgent", {"urgent": "true"}),
                ("unvisited 90 days", {"unvisited_days": "90"}),
                ("open need, medical", {"need_area": "medical_aid"}),
                ("left-behind child", {"tag": "left_behind_child"}),
                ("dibao + urgent", {"status": "dibao", "urgent": "true"}),
                (f"name (surname {someone[0]})", {"q": someone[0]}),
                (f"name (a whole name {someone})", {"q": someone}),
                ("name not there", {"q": "欧阳无名"}),
                ("address", {"q": "第7组1"}),
                ("page 5", {"page": "5"}),
            ]
            if label == "city" and a_county_of_city:
                cases.append(("county chosen", {"county": a_county_of_city.code}))
            client = Client()
            client.force_login(user)
            for what, params in cases:

                def page(client=client, params=params):
                    response = client.get("/needs/households/", params)
                    assert response.status_code == 200, response.status_code
                    return response

                html = page().content.decode()
                counted = re.search(r"共 ([0-9,]+) 户|([0-9,]+) 户以上", html)
                shown = counted.group(1) or f"{counted.group(2)}+"
                p50, p95, db50 = percentiles(page, args.repeat)
                ok = p95 <= PAGE_TARGET_MS
                missed += not ok
                name = f"{label}{', ' + what if what else ''}"
                print(
                    f"{name:<46} {shown:>11} {p50:8.1f} {p95:8.1f} {db50:8.1f}  "
                    f"p95 <= {PAGE_TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}",
                    flush=True,
                )

        heads = list(
            Member.objects.filter(relation="head")
            .select_related("household")
            .order_by("?")[: args.repeat * 5]
        )
        numbers = []
        for head in heads:  # a real blind index for each head looked up
            number = generate(
                head.household.region_id[:6], head.birth_date, head.household_id % 500, sex="male"
            )
            index = index_of(number)
            if not Member.objects.filter(id_number_index=index).exclude(pk=head.pk).exists():
                Member.objects.filter(pk=head.pk).update(id_number_index=index)
                numbers.append(number)
        admin = users["province"]
        found = []
        cursor_numbers = iter(numbers * 2)

        def lookup():
            result = id_number_search(user=admin, raw=next(cursor_numbers))
            found.append(result.household is not None)

        p50, p95, _db = percentiles(lookup, len(numbers) - 1)
        ok = p95 <= LOOKUP_TARGET_MS
        missed += not ok
        print(
            f"{'ID number lookup (' + str(sum(found)) + ' found)':<46} {'':>11} {p50:8.1f} "
            f"{p95:8.1f} {_db:8.1f}  p95 <= {LOOKUP_TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}"
        )
        print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"verdict: {missed} target(s) missed")
        return 1 if missed else 0
    finally:
        if not args.keepdb:
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    raise SystemExit(main())
