"""50 simulated staff on gunicorn at province scale: requests per second, p95, errors.

The database is filled at ``--scale`` of DOMAIN.md §2 by the project's synthetic data generator
(``manage.py generate_data``: every app's ``synthetic.py``; 1.0: 1,000,000 households, 2.4 M
people, needs, visits, statuses, tags by PostgreSQL's INSERT ... SELECT; 3,000 organisations,
6,000 projects, 450,000 applications from 150,000 of those households, feedback), then the
organisations' kept figures.
Staff are prepared with logged-in sessions: social workers of townships with applications,
charity staff of organisations with applications, county civil affairs reviewers.

gunicorn serves AidBridge in production settings (DEBUG off, Redis cache, ``--workers``
processes) on loopback; locust (headless, a separate process) runs ``--users`` simulated staff
for ``--seconds`` with the journeys of ``bench/locustfile.py`` — a worker's household list,
search, household page, a need's candidates, applications, dashboard; a charity's inbox, an
application, its projects; a reviewer's queue, an application, the county's households by
status, the project ledger — each waiting 1-4 s between pages as a person does.

Target (issue 13, scale 1.0 on PostgreSQL): p95 ≤ 500 ms over every request, 0 errors.

    pip install -e '.[bench]'      # locust
    DATABASE_URL=postgres://aidbridge:aidbridge@127.0.0.1:5432/aidbridge_bench \\
        REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/bench_load.py --scale 1.0
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT

TARGET_P95_MS = 500.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_staff(per_role: int) -> dict[str, list[dict]]:
    """Sessions and ids for each simulated role (the ids each may open)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import Region, User
    from matching.models import Application
    from needs.models import Household, Member, Need
    from supply.models import Organization

    backend = settings.AUTHENTICATION_BACKENDS[-1]
    rng = random.Random(17)

    def session(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    plan: dict[str, list[dict]] = {"worker": [], "charity": [], "reviewer": []}
    stations = list(
        Application.objects.order_by()
        .values_list("household__station_id", flat=True)
        .distinct()[: per_role * 20]
    )
    for code in rng.sample(stations, min(per_role, len(stations))):
        user, _ = User.objects.get_or_create(
            username=f"load_worker_{code}",
            defaults={
                "name": "社工",
                "role": "social_worker",
                "region": Region.objects.get(code=code),
            },
        )
        households = list(
            Household.objects.filter(station_id=code).values_list("pk", flat=True)[:20]
        )
        needs = list(
            Need.objects.filter(
                household__station_id=code, status__in=Need.LIVE_STATUSES
            ).values_list("pk", flat=True)[:20]
        )
        name = Member.objects.filter(household__station_id=code).values_list("name", flat=True)[0]
        if households and needs:
            plan["worker"].append(
                {
                    "session": session(user),
                    "households": households,
                    "needs": needs,
                    "surname": name[:1],
                }
            )
    organisations = list(
        Organization.objects.filter(applications__isnull=False)
        .order_by()
        .values_list("pk", flat=True)
        .distinct()[: per_role * 20]
    )
    for pk in rng.sample(organisations, min(per_role, len(organisations))):
        user, _ = User.objects.get_or_create(
            username=f"load_charity_{pk}", defaults={"name": "机构", "role": "charity"}
        )
        Organization.objects.get(pk=pk).staff.add(user)
        applications = list(
            Application.objects.filter(organization_id=pk).values_list("pk", flat=True)[:20]
        )
        plan["charity"].append({"session": session(user), "applications": applications})
    counties = sorted(
        {
            code[:6]
            for code in Application.objects.order_by()
            .values_list("household__station_id", flat=True)
            .distinct()[:2000]
        }
    )
    for prefix in rng.sample(counties, min(per_role, len(counties))):
        county = Region.objects.filter(code=f"{prefix}000000").first()
        if county is None:
            continue
        user, _ = User.objects.get_or_create(
            username=f"load_reviewer_{prefix}",
            defaults={"name": "民政", "role": "civil_affairs", "region": county},
        )
        applications = list(
            Application.objects.filter(household__station__code__startswith=prefix).values_list(
                "pk", flat=True
            )[:20]
        )
        if applications:
            plan["reviewer"].append({"session": session(user), "applications": applications})
    return plan


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = DOMAIN.md's province")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--keepdb", action="store_true", help="keep (and reuse) the filled db")
    args = parser.parse_args()

    from _setup import generate
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from needs.models import Household

    if connection.vendor != "postgresql":
        print("bench_load needs PostgreSQL (DATABASE_URL)")
        return 2
    config = setup_databases(
        verbosity=0, interactive=False, keepdb=args.keepdb, serialized_aliases=set()
    )
    gunicorn = None
    try:
        t0 = time.perf_counter()
        if not Household.objects.exists():
            generate(args.scale)  # every app's synthetic data, the figures job included
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(
            f"scale {args.scale}: {Household.objects.count():,} households; "
            f"filled in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        plan = prepare_staff(per_role=max(5, args.users // 3))
        print(
            f"staff: {len(plan['worker'])} social workers, {len(plan['charity'])} charity staff, "
            f"{len(plan['reviewer'])} reviewers",
            flush=True,
        )
        db = connection.settings_dict
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "FIELD_HASH_KEY": settings.FIELD_HASH_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
            "EMAIL_URL": "dummymail://",
        }
        # Production serves the collected, hashed static files (whitenoise's manifest).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        with tempfile.TemporaryDirectory() as tmp:
            plan_file = Path(tmp) / "plan.json"
            plan_file.write_text(json.dumps(plan))

            def locust(seconds: int, prefix: str) -> None:
                subprocess.run(
                    [
                        str(Path(sys.executable).with_name("locust")),
                        "-f",
                        str(ROOT / "bench" / "locustfile.py"),
                        "--headless",
                        "--users",
                        str(args.users),
                        "--spawn-rate",
                        "10",
                        "--run-time",
                        f"{seconds}s",
                        "--host",
                        f"http://127.0.0.1:{port}",
                        "--csv",
                        str(Path(tmp) / prefix),
                        "--only-summary",
                        "--loglevel",
                        "WARNING",
                    ],
                    env={**os.environ, "BENCH_LOAD_PLAN": str(plan_file)},
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )

            # Warm up first (each gunicorn worker's first pages, PostgreSQL's cache), unmeasured.
            locust(min(30, args.seconds), "warmup")
            load_before = os.getloadavg()[0]
            locust(args.seconds, "load")
            rows = list(csv.DictReader((Path(tmp) / "load_stats.csv").open(encoding="utf-8")))
            failures = list(
                csv.DictReader((Path(tmp) / "load_failures.csv").open(encoding="utf-8"))
            )
        print(f"load average before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f}")
        print(f"{'page':<42} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7}")
        for row in rows:
            print(
                f"{row['Name']:<42} {int(row['Request Count']):>8} "
                f"{int(row['Failure Count']):>6} {row['50%']:>7} {row['95%']:>7}"
            )
        total = next(r for r in rows if r["Name"] == "Aggregated")
        requests, errors = int(total["Request Count"]), int(total["Failure Count"])
        p95 = float(total["95%"])
        for failure in failures[:10]:
            print(f"  error: {failure['Name']}: {failure['Error']} ({failure['Occurrences']}×)")
        ok = requests > 0 and errors == 0 and p95 <= TARGET_P95_MS
        print(
            f"{args.users} users, {args.seconds} s, gunicorn {args.workers} workers: "
            f"{float(total['Requests/s']):.1f} requests/s, {requests:,} requests, "
            f"p50 {total['50%']} ms, p95 {p95:.0f} ms, max {float(total['Max Response Time']):.0f} "
            f"ms, {errors} errors -> {'met' if ok else 'MISSED'} (p95 ≤ {TARGET_P95_MS:.0f} ms, "
            "0 errors)"
        )
        return 0 if ok else 1
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        if not args.keepdb:
            connection.close()
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
