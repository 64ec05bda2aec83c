"""The need ledger's filing export (needs.filing) at scale: a county's and a city's file.

The data is the synthetic data generator's need ledger (``needs/synthetic.py``, scale 0.1 =
100,000 households over the 1,757 townships), with every member given an encrypted ID number and
phone so that the export decrypts and masks as many values as a real ledger holds. Each case is
the whole download as the page serves it (``POST /needs/export/filing/`` through Django's test
client, the stream read to its end): the time, the number of queries, the bytes, and the peak of
Python's memory while the file is written (tracemalloc, in a second run: it slows Python down)
beside the process's maximum resident size.


    DATABASE_URL=postgres://... .venv/bin/python bench/bench_filing.py --scale 0.1 --keepdb

Target: memory flat in the size of the file (the stream holds one chunk of 500 households), a
city's file of tens of thousands of needs within a minute.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
import warnings

import _setup  # sets Django up
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases

URL = "/needs/export/filing/"
CITY_TARGET_S = 60.0
PEAK_TARGET_MB = 100.0


def _encrypt_members() -> None:
    """An encrypted ID number and phone on every member (the fill leaves them empty)."""
    from accounts import crypto
    from needs.models import Member

    if not Member.objects.filter(id_number="").exists():
        return
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE needs_member SET id_number = %s, phone = %s, health_notes = %s "
            "WHERE id_number = ''",
            [
                crypto.encrypt("44188119880101001X"),
                crypto.encrypt("13712345678"),
                crypto.encrypt("高血压"),
            ],
        )
        print(
            f"  encrypted values: {cursor.rowcount:,} members, {time.perf_counter() - start:.0f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 1,000,000 households")
    parser.add_argument("--keepdb", action="store_true")
    parser.add_argument("--province", action="store_true", help="also the province's file")
    args = parser.parse_args()

    from django.db.models import Count
    from django.db.models.functions import Left
    from django.test import Client

    from accounts.models import Region, User
    from needs.models import Household, Need

    n_households = round(1_000_000 * args.scale)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    warnings.filterwarnings("ignore", message="No directory at")
    config = setup_databases(
        verbosity=0, interactive=False, keepdb=args.keepdb, serialized_aliases=set()
    )
    vendor = connection.vendor
    missed = 0
    try:
        filled = Household.objects.count()
        if filled != n_households:
            if filled:
                raise SystemExit(f"the kept database holds {filled:,} households: drop it first")
            start = time.perf_counter()
            _setup.generate(args.scale, only=("needs",))
            print(f"filled in {time.perf_counter() - start:.0f} s")
        _encrypt_members()
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(f"database: {vendor}; {n_households:,} households, {Need.objects.count():,} needs")

        def busiest(level: str) -> str:
            length = Region.PREFIX_LENGTH[level]
            codes = set(Region.objects.filter(level=level).values_list("code", flat=True))
            rows = (
                Household.objects.annotate(p=Left("station_id", length))
                .values("p")
                .annotate(n=Count("pk"))
                .order_by("-n")
            )
            return next(r["p"].ljust(12, "0") for r in rows if r["p"].ljust(12, "0") in codes)

        users = {
            "county": User.objects.get_or_create(
                username="bench_filing_county",
                defaults={"role": "civil_affairs", "region_id": busiest("county")},
            )[0],
            "city": User.objects.get_or_create(
                username="bench_filing_city",
                defaults={"role": "civil_affairs", "region_id": busiest("prefecture")},
            )[0],
        }
        if args.province:
            users["province"] = User.objects.get_or_create(
                username="bench_filing_admin",
                defaults={"role": "administrator", "region_id": "440000000000"},
            )[0]
        print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(
            f"{'case':<26} {'households':>10} {'needs':>8} {'MB':>7} {'s':>7} {'queries':>8} "
            f"{'peak MB':>8} {'maxrss MB':>9}"
        )
        for label, user in users.items():
            client = Client()
            client.force_login(user)
            for fmt, full in (("csv", False), ("json", False), ("csv", True)):
                data = {"format": fmt}
                if full:
                    data.update(full="on", reason="基准测试")

                def download(client=client, data=data) -> tuple[int, int]:
                    response = client.post(URL, data)
                    assert response.status_code == 200 and response.streaming, response
                    size = 0
                    lines = 0
                    for piece in response.streaming_content:
                        size += len(piece)
                        lines += piece.count(b"\n")
                    return size, lines

                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    size, lines = download()
                    seconds = time.perf_counter() - start
                # Read now: the log is cleared when the next request starts.
                n_queries = len(queries)
                tracemalloc.start()
                download()
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                households = (
                    Household.objects.visible_to(user)
                    .filter(archived_at__isnull=True, needs__isnull=False)
                    .distinct()
                    .count()
                )
                needs = Need.objects.visible_to(user).filter(household__archived_at=None).count()
                name = f"{label} {fmt}{' full' if full else ''}"
                ok = peak / 2**20 <= PEAK_TARGET_MB and (
                    label != "city" or seconds <= CITY_TARGET_S
                )
                missed += not ok
                print(
                    f"{name:<26} {households:>10,} {needs:>8,} {size / 2**20:7.1f} "
                    f"{seconds:7.1f} {n_queries:>8} {peak / 2**20:8.1f} {maxrss:9.0f}"
                    f"  {'met' if ok else 'MISSED'} (lines {lines:,})",
                    flush=True,
                )
        print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"verdict: {missed} target(s) missed")
        return 1 if missed else 0
    finally:
        if not args.keepdb:
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    raise SystemExit(main())
