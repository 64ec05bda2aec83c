"""Publishing the half-yearly ledger edition at province scale: the edition itself (snapshot of
every listed project, workbook, content hash), the notification of every township station's
social workers, and their e-mails.

Scale 1.0 is DOMAIN.md §2's province: 6,000 projects of 3,000 organisations and 30,000 social
workers with an e-mail address over the 1,757 townships, as the project's synthetic data
generator makes them (``supply/synthetic.py``, ``needs/synthetic.py`` without households). Two
editions are published in turn: the first (every project new), then, after a tenth of the
projects changed, the next half year's (compared with the first).

Each publication runs in a fresh process on the filled database (PostgreSQL), as a Celery
worker would, with tasks eager: the process's peak resident memory (``ru_maxrss``) is the
figure, Django's own start included. The e-mail backend renders every message (as SMTP would)
and drops it. Targets (issue 13, scale 1.0): ≤ 60 s and ≤ 1 GB peak for the whole
publication, notifications and e-mails included.

    DATABASE_URL=postgres://aidbridge:aidbridge@127.0.0.1:5432/aidbridge_bench \\
        .venv/bin/python bench/bench_edition.py --scale 1.0
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from _setup import throwaway_database

TARGET_S = 60.0
TARGET_MB = 1024.0


class RenderingBackend:
    """An e-mail backend that renders each message to bytes, as SMTP would, and drops it."""

    def __init__(self, *args: object, fail_silently: bool = False, **kwargs: object) -> None:
        self.fail_silently = fail_silently

    def open(self) -> bool:
        return True

    def close(self) -> None:
        return None

    def send_messages(self, messages: list) -> int:
        for message in messages:
            message.message().as_bytes()
        return len(messages)


def child(database: str, period: str) -> int:
    """Publish ``period`` on ``database``; print the timings as JSON."""
    from django.conf import settings
    from django.db import connection

    from accounts import services as account_services
    from config.celery import app
    from supply import jobs
    from supply.editions import edition_publish

    # The worker's tasks in this process, whatever broker the environment names.
    app.conf.task_always_eager = True
    connection.close()
    connection.settings_dict["NAME"] = database
    settings.EMAIL_BACKEND = "bench_edition.RenderingBackend"
    settings.DEBUG = False
    timings = {"notify_s": 0.0, "email_s": 0.0, "notified": 0, "emailed": 0}

    def timed(fn, key: str, count: str):
        def wrapper(**kwargs):
            t0 = time.perf_counter()
            result = fn(**kwargs)
            timings[key] += time.perf_counter() - t0
            timings[count] += result
            return result

        return wrapper

    jobs.stations_notify = timed(jobs.stations_notify, "notify_s", "notified")
    account_services.notification_send_emails = timed(
        account_services.notification_send_emails, "email_s", "emailed"
    )
    t0 = time.perf_counter()
    edition = edition_publish(period=period)
    total = time.perf_counter() - t0
    timings.update(
        total_s=total,
        entries=edition.entry_count,
        new=edition.added_count,
        changed=edition.changed_count,
        removed=edition.removed_count,
        peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    print("RESULT " + json.dumps(timings))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = DOMAIN.md's province")
    parser.add_argument("--child", nargs=2, metavar=("DATABASE", "PERIOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)

    import random

    from _setup import generate
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from supply.models import Organization, Project
    from supply.periods import next_period, period_of

    n_projects = round(6000 * args.scale)
    with throwaway_database() as vendor:
        if vendor != "postgresql":
            print("bench_edition needs PostgreSQL (DATABASE_URL): each run is its own process")
            return 2
        t0 = time.perf_counter()
        # The ledger and the stations' social workers (with an e-mail address) of the
        # synthetic data generator, without households.
        generate(args.scale, only=("needs", "supply"), sizes={"households": 0})
        n_workers = User.objects.filter(role=User.Role.SOCIAL_WORKER).count()
        data = {
            "published": Project.objects.filter(status="published").count(),
            "organisations": Organization.objects.count(),
        }
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"scale {args.scale}: {n_projects:,} projects ({data['published']:,} published) of "
            f"{data['organisations']:,} organisations, {n_workers:,} social workers; filled in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        database = connection.settings_dict["NAME"]
        first = period_of(timezone.localdate())
        second = next_period(first)
        verdicts = []
        for period in (first, second):
            if period == second:  # a tenth of the listings changed in the half year
                rng = random.Random(3)
                ids = list(Project.objects.values_list("pk", flat=True))
                Project.objects.filter(pk__in=rng.sample(ids, len(ids) // 10)).update(
                    description="基准测试项目(本半年已更新)"
                )
            proc = subprocess.run(
                [sys.executable, __file__, "--child", database, period],
                capture_output=True,
                text=True,
                env=os.environ,
                check=False,
            )
            lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
            if proc.returncode or not lines:
                print(proc.stdout[-2000:], proc.stderr[-4000:])
                return 1
            r = json.loads(lines[0][len("RESULT ") :])
            ok = r["total_s"] <= TARGET_S and r["peak_mb"] <= TARGET_MB and r["notified"] > 0
            verdicts.append(ok)
            print(
                f"edition {period}: {r['entries']:,} entries ({r['new']:,} new, "
                f"{r['changed']:,} changed, {r['removed']:,} removed) published, "
                f"{r['notified']:,} notifications, {r['emailed']:,} e-mails: "
                f"{r['total_s']:.1f} s in all (notifications {r['notify_s']:.1f} s, of which "
                f"e-mails {r['email_s']:.1f} s), peak {r['peak_mb']:.0f} MB — "
                f"{'met' if ok else 'MISSED'} (≤ {TARGET_S:.0f} s, ≤ {TARGET_MB:.0f} MB)"
            )
        return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
