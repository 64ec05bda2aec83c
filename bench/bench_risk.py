"""The daily early-warning job (``oversight.risk.run``) at province scale.

The households, people, needs, visits, statuses and tags are the synthetic data generator's need
ledger (``needs/synthetic.py``, by ``INSERT … SELECT``: 1,000,000 households and about 2.4 M
people at scale 1.0). On top of it, by ``INSERT … SELECT`` as well, what the rules read and that
fill leaves out (``fill_risk``): the needs' dates spread over two months, 5 % of the 低保 and 特困
statuses ended within the last 500 days, a guardian's consent for half the children (expiring
between 200 days ago and 300 days ahead), 60 projects of 30 organisations and 450,000
applications (×0.45 of the households' count) from a third of as many households, three each,
half of the later ones rejected, over 450 days; and a civil-affairs officer in every county.


It times the first run of the job (every signal inserted, every worker and county told), a
second run the same day (every signal refreshed, nobody told again: idempotent), and each
rule's statement alone, and prints the signals by rule. Target: a run ≤ 60 s on PostgreSQL.

    DATABASE_URL=postgres://... .venv/bin/python bench/bench_risk.py --scale 0.1
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_risk.py --scale 1.0 --keepdb

``--keepdb`` keeps the filled test database (the households' fill and this one) for the next
run, which then skips both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import _setup  # sets Django up
from django.db import connection, models, transaction
from django.test.utils import setup_databases, teardown_databases

TARGET_S = 60.0


def _columns(model: type[models.Model], given: dict[str, str]) -> tuple[str, str]:
    """The column list and the SELECT list of an ``INSERT … SELECT`` into ``model``: the
    expressions ``given`` by column, and for every other column its empty value (NULL, '',
    false, or the field's plain default)."""
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        column = f.column
        names.append(column)
        if column in given:
            values.append(given[column])
        elif f.null:
            values.append("NULL")
        elif isinstance(f, models.BooleanField):
            values.append("true" if f.default is True else "false")
        elif isinstance(f, (models.CharField, models.TextField)):
            values.append("''")
        elif f.has_default() and isinstance(f.default, int):
            values.append(str(f.default))
        else:
            raise SystemExit(f"{model.__name__}.{f.name}: give a value")
    return ", ".join(names), ", ".join(values)


def fill_risk(n_households: int) -> None:
    from django.utils import timezone

    from accounts.models import Region, User
    from matching.models import Application
    from needs.models import Consent
    from supply.models import Organization, Project

    now = timezone.now()
    today = timezone.localdate()
    counties = list(
        Region.objects.filter(level="county", valid_to__isnull=True).values_list("code", flat=True)
    )
    User.objects.bulk_create(
        User(username=f"c{code}", role="civil_affairs", region_id=code) for code in counties
    )
    orgs = Organization.objects.bulk_create(
        Organization(
            name=f"基准组织{i:03d}",
            credit_code=f"51440000{i:09d}0",
            org_type="association",
            registering_region_id="440000000000",
        )
        for i in range(30)
    )
    projects = Project.objects.bulk_create(
        Project(
            organization=orgs[i % 30],
            title=f"基准项目{i:03d}",
            description="基准测试项目",
            application_process="基准测试",
            starts_on=today - dt.timedelta(days=500),
            status="published",
            last_confirmed_at=now,
        )
        for i in range(60)
    )
    project_ids = [p.pk for p in projects]
    org_of = [p.organization_id for p in projects]
    n_applicant_households = round(n_households * 0.45 / 3)
    a_columns, a_values = _columns(
        Application,
        {
            "need_id": "x.need_id",
            "household_id": "x.household_id",
            "place": "x.place",
            "member_id": "x.member_id",
            "project_id": "(%s::bigint[])[x.p]",
            "organization_id": "(%s::bigint[])[x.p]",
            "mode": "'assisted'",
            "status": "x.status",
            "submitted_at": "x.submitted",
            "answer": "CASE WHEN x.status IN ('rejected', 'accepted') THEN x.status ELSE '' END",
            "answered_at": "CASE WHEN x.status IN ('rejected', 'accepted') "
            "THEN x.submitted + interval '3 days' END",
            "rejection_reason": "CASE WHEN x.status = 'rejected' THEN 'no_places' ELSE '' END",
            "review_status": "'confirmed'",
            "status_changed_at": "x.submitted",
            "created_at": "x.submitted",
            "updated_at": "x.submitted",
            "created_by_id": "x.worker_id",
        },
    )
    c_columns, c_values = _columns(
        Consent,
        {
            "household_id": "m.household_id",
            "member_id": "m.id",
            "given_by": "'guardian'",
            "guardian_name": "'监护人'",
            "guardian_relation": "'父母'",
            "purpose": "'matching'",
            "scope": "'any_supplier'",
            "given_on": "x.expires - 365",
            "expires_on": "x.expires",
            "recorded_by_id": "h.worker_id",
            "created_at": "%s",
        },
    )
    steps = [
        ("setseed", "SELECT setseed(0.3)", []),
        (
            "needs' dates",
            "UPDATE needs_need SET created_at = %s - random() * interval '60 days', "
            "status_changed_at = %s - random() * interval '60 days'",
            [now, now],
        ),
        (
            "statuses ended",
            "UPDATE needs_assistancerecord SET ended_on = x.ended, started_on = x.ended - 400 "
            "FROM (SELECT id, %s::date - floor(random() * 500)::int AS ended "
            "FROM needs_assistancerecord WHERE random() < 0.05) x "
            "WHERE needs_assistancerecord.id = x.id",
            [today],
        ),
        (
            "guardian consents",
            f"INSERT INTO needs_consent ({c_columns}) SELECT {c_values} "
            "FROM needs_member m JOIN needs_household h ON h.id = m.household_id "
            "CROSS JOIN LATERAL (SELECT %s::date - 200 "
            "+ (floor(random() * 500) + m.id * 0)::int AS expires) x "
            "WHERE m.relation = 'child' AND m.birth_date > %s AND random() < 0.5",
            [now, today, today - dt.timedelta(days=365 * 18)],
        ),
        (
            "applications",
            f"INSERT INTO matching_application ({a_columns}) SELECT {a_values} "
            "FROM (SELECT n.id AS need_id, n.household_id, m.id AS member_id, h.worker_id, "
            "h.region_id AS place, "
            "k, (1 + floor(random() * 60) + n.id * 0)::int AS p, "
            "%s - random() * interval '450 days' AS submitted, "
            "CASE WHEN k = 1 THEN (ARRAY['submitted', 'accepted', 'rejected'])"
            "[1 + floor(random() * 3)::int] "
            "WHEN random() < 0.5 THEN 'rejected' ELSE 'expired' END AS status "
            "FROM (SELECT DISTINCT ON (household_id) id, household_id FROM needs_need "
            "ORDER BY household_id, id LIMIT %s) n "
            "JOIN needs_household h ON h.id = n.household_id "
            "JOIN needs_member m ON m.household_id = n.household_id AND m.relation = 'head' "
            "CROSS JOIN generate_series(1, 3) k) x",
            [project_ids, org_of, now, n_applicant_households],
        ),
    ]
    with connection.cursor() as cursor:
        for label, sql, params in steps:
            start = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  {label}: {cursor.rowcount:,} rows, {time.perf_counter() - start:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 1,000,000 households")
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import Notification
    from matching.models import Application
    from needs.models import Household, Member
    from oversight import risk
    from oversight.models import RiskSignal

    n_households = round(1_000_000 * args.scale)
    config = setup_databases(
        verbosity=0, interactive=False, keepdb=args.keepdb, serialized_aliases=set()
    )
    vendor = connection.vendor
    if vendor != "postgresql":
        raise SystemExit("bench_risk.py fills by INSERT … SELECT: set DATABASE_URL=postgres://…")
    try:
        filled = Household.objects.count()
        if filled not in (0, n_households):
            raise SystemExit(f"the kept database holds {filled:,} households: drop it first")
        start = time.perf_counter()
        if not filled:
            _setup.generate(args.scale, only=("needs",))
        if not Application.objects.exists():
            with transaction.atomic():
                fill_risk(n_households)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        fill_s = time.perf_counter() - start
        if RiskSignal.objects.exists():  # a kept database: start from no signals
            RiskSignal.objects.all().delete()
            Notification.objects.filter(kind="risk_signal").delete()
        print(
            f"database: {vendor}; {n_households:,} households, {Member.objects.count():,} "
            f"people, {Application.objects.count():,} applications; fill {fill_s:.0f} s"
        )
        print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

        now = timezone.now()
        today = timezone.localdate(now)
        settings = risk.settings_in_force()
        print(f"{'rule (its statement alone, signals already there)':<52} {'rows':>9} {'s':>7}")
        timings = {}
        for label in ("first run", "second run (same day)"):
            start = time.perf_counter()
            result = risk.run()
            timings[label] = time.perf_counter() - start
            print(
                f"{label:<52} {sum(result.fired.values()):>9,} {timings[label]:7.1f}  "
                f"new {result.new:,}, closed {sum(result.closed.values()):,}, "
                f"notifications {result.notified:,}"
            )
            print("    " + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()))
        for name, spec in risk.RULES.items():
            start = time.perf_counter()
            rows = risk._upsert(name, spec.candidates(settings[name], today, now), today, now)
            print(f"  {name:<50} {rows:>9,} {time.perf_counter() - start:7.1f}")
        by_rule = dict(
            RiskSignal.objects.values_list("rule").annotate(n=Count("id")).order_by("rule")
        )
        print("open signals by rule:", ", ".join(f"{k} {v:,}" for k, v in by_rule.items()))
        print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        worst = max(timings.values())
        ok = worst <= TARGET_S
        print(
            f"verdict: slowest run {worst:.1f} s, target ≤ {TARGET_S:.0f} s: "
            f"{'met' if ok else 'MISSED'}"
        )
        return 0 if ok else 1
    finally:
        if not args.keepdb:
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    raise SystemExit(main())
