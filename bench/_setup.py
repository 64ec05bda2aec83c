"""Shared set-up for benchmarks: Django, a throw-away test database, a timer."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402


@contextmanager
def throwaway_database():
    config = setup_databases(verbosity=0, interactive=False)
    try:
        yield connection.vendor
    finally:
        teardown_databases(config, verbosity=0)


def median_ms(fn: Callable[[], object], *, repeat: int = 20) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def generate(
    scale: float,
    *,
    only: tuple[str, ...] | None = None,
    sizes: dict[str, int] | None = None,
    seed: int = 1,
    vacuum: bool = False,
):
    """Fill the (empty) test database with the project's synthetic data generator
        (``manage.py generate_data``, ``accounts.generator``) at ``scale``; ``only`` the apps
        labelled (``("needs",)``: the need ledger alone); ``sizes``: counts instead of the scale's
        (``accounts.generator.Context.count``); ``vacuum``: then ``VACUUM ANALYZE`` the database, as
    the autovacuum daemon would on a live one after so many inserts (statistics, and the visibility
    map that index-only scans read). Returns the generator's context."""
    from accounts import generator
    from accounts.services import regions_load

    regions_load()
    ctx = generator.run(scale=scale, seed=seed, only=only, sizes=sizes, progress=True)
    print("  " + ", ".join(f"{label} {number:,}" for label, number in ctx.stats.items()))
    if vacuum:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return ctx
