"""The province's annual evaluation at province scale: the project's synthetic data generator
(``manage.py generate_data``, as every benchmark; scale 0.1 by default: 100,000 households,
240,000 people, 60,000 needs, 300 organisations with 600 projects, 45,000 applications with
their answers and feedback, 2,000 referrals, 800 cases, dated back from today), then
``VACUUM ANALYZE`` as the autovacuum daemon would. Measured for this year so far (``YEAR``):
the figures of the province, a city and a county as the evaluation freezes them (every
section, the year before, one row per child region), and the whole build of the province's
evaluation (figures, workbook, PDF, CSV, one transaction).

    .venv/bin/python bench/bench_reports.py                       # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_reports.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _setup import throwaway_database

#: The year evaluated: this one, so far (its end is now). The generator dates its rows back from
#: the day it runs (needs recorded that day, visits within 400 days, applications within 450):
#: the running year holds most of them, as the evaluated year does when the yearly job runs in
#: January, and the year before the rest, read for the comparison. Last year's would hold only
#: a quarter of the applications and none of the needs.
YEAR = dt.date.today().year
#: Issue 13's target: the province's whole annual evaluation (figures, workbook, PDF, CSV) at
#: scale 1.0 on PostgreSQL.
BUILD_TARGET_SECONDS = 120.0
#: The province's figures alone (every section, the year before, 21 cities): a guard this
#: benchmark set itself when issue 12 asked for a benchmark at scale 0.1 (with no figure), held
#: up to that scale. At 1.0 the figures are part of the build, whose target is issue 13's.
TARGET_SECONDS = 10.0
TARGET_UP_TO_SCALE = 0.1

#: The generator's apps the evaluation reads (its own evaluation of last year is left out: the
#: benchmark builds one).
APPS = ("needs", "supply", "matching", "referrals")


def fill(scale: float) -> dict[str, int]:
    """The project's synthetic data (``manage.py generate_data``) at ``scale``, vacuumed."""
    from _setup import generate

    return generate(scale, only=APPS, vacuum=True).stats


def measure() -> dict[str, float]:
    from django.db import connection

    from accounts.models import Region, User
    from reports import metrics, services
    from reports.models import EvaluationBuild

    period = metrics.Period.year(YEAR)
    timings = {}
    for label, code in (
        ("province", "440000000000"),
        ("city 广州市", "440100000000"),
        ("county 英德市", "441881000000"),
    ):
        region = Region.objects.get(code=code)
        start = time.perf_counter()
        data = metrics.compute(region, period)
        timings[f"figures of the {label}"] = time.perf_counter() - start
        if label == "province":
            figures = data["sections"]["matching"]["figures"]
            assert figures["applications"] > 0, figures
            assert len(data["sections"]["needs"]["children"]) == 21
    admin = User.objects.create(
        username="bench-admin", role="administrator", region_id="440000000000", is_superuser=True
    )
    build = EvaluationBuild.objects.create(region_id="440000000000", year=YEAR, requested_by=admin)
    start = time.perf_counter()
    evaluation = services.build_run(build_id=build.pk)
    timings["whole build of the province (figures, workbook, PDF, CSV)"] = (
        time.perf_counter() - start
    )
    assert evaluation is not None and evaluation.exports.count() == 3
    timings["engine"] = connection.vendor  # type: ignore[assignment]
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args()
    with throwaway_database() as vendor:
        from django.conf import settings

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        start = time.perf_counter()
        counts = fill(args.scale)
        rows = sum(counts.values())
        print(f"{vendor}: filled in {time.perf_counter() - start:.0f} s ({rows:,} rows)")
        timings = measure()
        engine = timings.pop("engine")
        for label, seconds in timings.items():
            print(f"  {label}: {seconds:.2f} s")
        province = timings["figures of the province"]
        build = timings["whole build of the province (figures, workbook, PDF, CSV)"]
        ok, figures = verdict(args.scale, province, build)
        print(
            f"{engine}: province figures {province:.2f} s ({figures}), "
            f"whole build of the province's evaluation {build:.1f} s "
            f"(target ≤ {BUILD_TARGET_SECONDS:.0f} s): {'met' if ok else 'MISSED'}"
        )
        return 0 if ok else 1


def verdict(scale: float, province: float, build: float) -> tuple[bool, str]:
    """Whether the targets hold at ``scale``, and what the figures alone are held to there."""
    ok = build <= BUILD_TARGET_SECONDS
    if scale <= TARGET_UP_TO_SCALE:
        return ok and province < TARGET_SECONDS, f"target < {TARGET_SECONDS:.0f} s"
    return ok, (
        f"part of the build; this benchmark's own < {TARGET_SECONDS:.0f} s holds up to scale "
        f"{TARGET_UP_TO_SCALE}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
