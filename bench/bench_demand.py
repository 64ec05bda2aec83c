"""Demand signals (issue 14, point 4) at province scale: the data of ``bench_reports.py``, the
project's synthetic data generator (scale 0.1 of DOMAIN.md §2 by default: 100,000 households,
about 60,000 needs, 600 projects, over Guangdong's townships), vacuumed as the autovacuum daemon
would.

Measured, each the median of 10 on a warm database:

- the one GROUP BY of the province's live needs by township, area and form;
- the listings' coverage and terms (two queries);
- the whole computation of the province (both, the roll-up along the region tree and the
  suppression of every published sum), which the pages cache for ``CACHE_SECONDS``;
- the public page of the province, a city and a county, and the API of a county, through the
  test client, with the computation cached (as a visitor meets them), and the county's page
  cold (cache cleared before each request: the computation included).

Target: each page query ≤ 200 ms (the GROUP BY, and a page served from the cache); the cold
page is reported beside it.

    .venv/bin/python bench/bench_demand.py                       # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_demand.py [--scale 0.1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _setup import median_ms, throwaway_database

TARGET_MS = 200.0


def measure() -> dict[str, float]:
    from django.core.cache import cache
    from django.test import Client

    from matching import demand

    province = "440000000000"
    client = Client()
    timings: dict[str, float] = {}

    counts = demand.township_counts(province)
    assert counts, "no live needs"
    timings["GROUP BY of the live needs (township × area × form)"] = median_ms(
        lambda: demand.township_counts(province), repeat=10
    )
    timings["coverage and terms of the running listings"] = median_ms(
        lambda: demand.covered_cells(province, dt.date.today()), repeat=10
    )
    timings["whole computation of the province (cold)"] = median_ms(
        lambda: demand.compute_province(province), repeat=5
    )
    figures = demand.compute_province(province)
    hidden = sum(1 for r in figures.values() for c in r.cells if c.open is None)
    cells = sum(len(r.cells) for r in figures.values())
    print(f"  {len(counts):,} township cells; {cells:,} cells in all regions, {hidden:,} hidden")

    def page(url: str, params: dict[str, str]) -> None:
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code

    for label, code in (
        ("province", province),
        ("city 广州市", "440100000000"),
        ("county 英德市", "441881000000"),
    ):
        timings[f"showcase page of the {label} (cached)"] = median_ms(
            lambda code=code: page("/showcase/demand/", {"place": code}), repeat=10
        )
    from accounts.models import User

    officer = User.objects.create(
        username="bench-officer", role="civil_affairs", region_id="441881000000"
    )
    api = Client()
    api.force_login(officer)

    def api_page() -> None:
        response = api.get("/api/matching/demand/", {"place": "441881000000"})
        assert response.status_code == 200, response.status_code

    timings["API of the county 英德市 (cached)"] = median_ms(api_page, repeat=10)

    def cold() -> None:
        cache.clear()
        page("/showcase/demand/", {"place": "441881000000"})

    timings["showcase page of the county 英德市 (cold: computation included)"] = median_ms(
        cold, repeat=5
    )
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args()
    with throwaway_database() as vendor:
        from bench_reports import fill
        from django.conf import settings
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        start = time.perf_counter()
        counts = fill(args.scale)
        rows = sum(counts.values())
        print(f"{vendor}: filled in {time.perf_counter() - start:.0f} s ({rows:,} rows)")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET jit = off")
        timings = measure()
        for label, ms in timings.items():
            print(f"  {label}: {ms:.1f} ms")
        query = timings["GROUP BY of the live needs (township × area × form)"]
        pages = [ms for label, ms in timings.items() if "(cached)" in label]
        worst = max([query, *pages])
        verdict = "met" if worst <= TARGET_MS else "MISSED"
        print(
            f"{vendor}: GROUP BY {query:.1f} ms, slowest cached page {max(pages):.1f} ms "
            f"(target ≤ {TARGET_MS:.0f} ms): {verdict}"
        )


if __name__ == "__main__":
    main()
