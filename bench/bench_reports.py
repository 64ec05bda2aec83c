"""The province's annual evaluation at scale 0.1 of DOMAIN.md §2 (one year of Guangdong):
100,000 households, 240,000 people, 60,000 needs, 300 organisations with 600 projects, 45,000
applications, with visits, assistance statuses, feedback, two ledger editions and last year's
share for the comparison.

Rows are bulk-created straight into the tables from one ``random.Random(12)`` (deterministic),
spread over the 1,757 Guangdong townships. Measured: the figures of the province, a city and a
county as the evaluation freezes them (every section, the year before, one row per child
region), and the whole build of the province's evaluation (figures, workbook, PDF, CSV, one
transaction).

    .venv/bin/python bench/bench_reports.py                       # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_reports.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from decimal import Decimal

from _setup import throwaway_database

YEAR = 2025
#: The province's figures (every section, the year before, 21 cities) on PostgreSQL.
TARGET_SECONDS = 10.0
#: Issue 13: the province's whole annual evaluation at scale 1.0.
BUILD_TARGET_SECONDS = 120.0

AREAS = [
    "poverty_relief",
    "medical_aid",
    "education_aid",
    "elderly_support",
    "child_support",
    "disability_support",
]
FORMS = ["cash", "in_kind", "care", "daily_living", "caring_visit", "education"]
STATUSES = ["dibao", "tekun", "dibao_marginal", "rigid_expenditure_hardship"]


def _moment(rng: random.Random, year: int) -> dt.datetime:
    from django.utils import timezone

    day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 18))))


def fill(scale: float) -> dict[str, int]:
    from django.utils import timezone

    from accounts.models import Region, User
    from accounts.services import regions_load
    from matching.models import Application, Feedback
    from needs.models import AssistanceRecord, Household, Member, Need, Visit
    from supply.models import (
        LedgerEdition,
        LedgerEntry,
        LedgerEntryCoverage,
        Organization,
        Project,
        ProjectCoverage,
        ProjectTerm,
    )

    regions_load()
    rng = random.Random(12)
    n_households = int(1_000_000 * scale)
    n_needs = int(600_000 * scale)
    n_orgs, n_projects = int(3_000 * scale), int(6_000 * scale)
    n_applications = int(450_000 * scale)

    townships = list(
        Region.objects.filter(level="township", valid_to__isnull=True).values_list(
            "code", flat=True
        )
    )
    departments = list(
        Region.objects.filter(
            level__in=["province", "prefecture", "county"], valid_to__isnull=True
        ).values_list("code", "level")
    )
    workers = User.objects.bulk_create(
        User(
            username=f"w{code}-{k}",
            name=f"社工{code[-6:]}{k}",
            role="social_worker",
            region_id=code,
        )
        for code in townships
        for k in range(2)
    )
    workers_of: dict[str, list[User]] = {}
    for w in workers:
        workers_of.setdefault(w.region_id, []).append(w)

    counts: dict[str, int] = {}
    # --- Households, people, statuses, visits
    households: list[Household] = []
    for i in range(n_households):
        code = townships[i % len(townships)]
        worker = workers_of[code][i % 2]
        created = _moment(rng, YEAR - 1 if rng.random() < 0.6 else YEAR)
        households.append(
            Household(
                code=f"{code[:9]}-{i:07d}",
                region_id=code,
                station_id=code,
                address="测试地址",
                worker=worker,
                created_by=worker,
                created_at=created,
                gap_class=rng.choice(
                    ["", "", "not_eligible_in_difficulty", "covered_still_in_difficulty"]
                ),
                archived_at=created + dt.timedelta(days=200) if rng.random() < 0.03 else None,
            )
        )
    households = Household.objects.bulk_create(households, batch_size=5000)
    counts["households"] = len(households)
    members: list[Member] = []
    for h in households:
        size = 2 if rng.random() < 0.6 else 3  # 2.4 a household
        for k in range(size):
            members.append(
                Member(
                    household=h,
                    name=f"成员{k}",
                    relation="head" if k == 0 else "child",
                    sex="female" if k % 2 else "male",
                    birth_date=dt.date(1970 + k * 15, 1, 1),
                    created_at=h.created_at,
                )
            )
    members = Member.objects.bulk_create(members, batch_size=10000)
    counts["people"] = len(members)
    records = [
        AssistanceRecord(
            member=m,
            status=rng.choice(STATUSES),
            started_on=dt.date(YEAR - 2, 1, 1) + dt.timedelta(days=rng.randint(0, 900)),
        )
        for m in members
        if rng.random() < 0.3
    ]
    AssistanceRecord.objects.bulk_create(records, batch_size=10000)
    visits = []
    for h in households:
        for _ in range(rng.choice([0, 1, 2, 2])):
            visits.append(
                Visit(
                    household=h,
                    worker=h.worker,
                    findings="走访",
                    visited_on=dt.date(rng.choice([YEAR - 1, YEAR]), 1, 1)
                    + dt.timedelta(days=rng.randint(0, 364)),
                )
            )
    Visit.objects.bulk_create(visits, batch_size=10000)
    counts["visits"] = len(visits)

    # --- Needs
    first_member = {}
    for m in members:
        first_member.setdefault(m.household_id, m)
    needs = []
    for _ in range(n_needs):
        h = households[rng.randrange(len(households))]
        created = max(h.created_at, _moment(rng, YEAR))
        status = rng.choices(
            ["open", "matching", "met", "closed_unmet", "withdrawn"], [30, 15, 35, 12, 8]
        )[0]
        closed = (
            created + dt.timedelta(days=rng.randint(5, 200))
            if status in ("met", "closed_unmet", "withdrawn")
            else None
        )
        needs.append(
            Need(
                household=h,
                member=first_member[h.pk],
                area=rng.choice(AREAS),
                form=rng.choice(FORMS),
                description="需求",
                urgent=rng.random() < 0.1,
                status=status,
                closed_at=closed,
                status_reason="原因" if status in ("closed_unmet", "withdrawn") else "",
                created_by=h.worker,
                created_at=created,
            )
        )
    needs = Need.objects.bulk_create(needs, batch_size=10000)
    counts["needs"] = len(needs)

    # --- Organisations and projects
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"组织{i}",
            credit_code=f"5144{i:014d}"[:18],
            org_type="association",
            registering_region_id=departments[i % len(departments)][0],
            charity_status="registered" if i % 4 == 0 else "",
            created_at=timezone.make_aware(dt.datetime(YEAR - 2, 1, 1)),
        )
        for i in range(n_orgs)
    )
    projects = Project.objects.bulk_create(
        Project(
            organization=organizations[i % len(organizations)],
            title=f"项目{i}",
            description="项目",
            application_process="申请",
            status=rng.choice(["published"] * 8 + ["paused", "closed"]),
            starts_on=dt.date(YEAR - 1, 1, 1) + dt.timedelta(days=rng.randint(0, 500)),
            ends_on=None if i % 3 else dt.date(YEAR + 1, 6, 30),
            capacity=None if i % 5 == 0 else rng.randint(5, 200),
            budget=Decimal(rng.randint(10, 500) * 1000),
            last_confirmed_at=_moment(rng, rng.choice([YEAR - 1, YEAR])),
            last_disclosed_on=dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randint(0, 300)),
            created_at=timezone.make_aware(dt.datetime(YEAR - 1, 1, 1)),
        )
        for i in range(n_projects)
    )
    counts["projects"] = len(projects)
    terms, coverage = [], []
    for p in projects:
        for value in {rng.choice(AREAS), rng.choice(AREAS)}:
            terms.append(ProjectTerm(project=p, kind="area", value=value))
        for value in {rng.choice(FORMS), rng.choice(FORMS)}:
            terms.append(ProjectTerm(project=p, kind="form", value=value))
        code = p.organization.registering_region_id
        region = Region(code=code, level=dict(departments)[code])
        coverage.append(ProjectCoverage(project=p, region_id=code, prefix=region.prefix))
    ProjectTerm.objects.bulk_create(terms, batch_size=10000)
    ProjectCoverage.objects.bulk_create(coverage, batch_size=10000)
    for period, published in (
        (f"{YEAR}-H1", dt.datetime(YEAR, 1, 1, 2)),
        (f"{YEAR}-H2", dt.datetime(YEAR, 7, 1, 2)),
    ):
        edition = LedgerEdition.objects.create(
            period=period, published_at=timezone.make_aware(published), content_sha256="0" * 64
        )
        entries = LedgerEntry.objects.bulk_create(
            LedgerEntry(
                edition=edition,
                project=p,
                tier="county",
                organization_name="组织",
                title=p.title,
                snapshot={},
                snapshot_sha256="0" * 64,
                change="new",
            )
            for p in projects
        )
        LedgerEntryCoverage.objects.bulk_create(
            LedgerEntryCoverage(entry=e, prefix=c.prefix)
            for e, c in zip(entries, coverage, strict=True)
        )

    # --- Applications and feedback
    taken: set[tuple[int, int]] = set()
    applications = []
    for i in range(n_applications):
        need = needs[i % len(needs)]
        project = projects[rng.randrange(len(projects))]
        while (need.household_id, project.pk) in taken:
            project = projects[rng.randrange(len(projects))]
        taken.add((need.household_id, project.pk))
        submitted = need.created_at + dt.timedelta(days=rng.randint(0, 20))
        status = rng.choices(
            ["submitted", "accepted", "rejected", "delivered", "closed", "withdrawn", "expired"],
            [8, 10, 15, 20, 35, 7, 5],
        )[0]
        answered = submitted + dt.timedelta(seconds=rng.randint(3600, 25 * 86400))
        answer = {
            "accepted": "accepted",
            "delivered": "accepted",
            "closed": "accepted",
            "rejected": "rejected",
        }.get(status, "")
        delivered = (
            (answered + dt.timedelta(days=rng.randint(1, 40))).date()
            if status in ("delivered", "closed")
            else None
        )
        applications.append(
            Application(
                need=need,
                household_id=need.household_id,
                member_id=need.member_id,
                project=project,
                organization_id=project.organization_id,
                mode=rng.choice(["self", "assisted", "assisted"]),
                status=status,
                submitted_at=submitted,
                answer=answer,
                answered_at=answered if answer else None,
                answer_seconds=int((answered - submitted).total_seconds()) if answer else None,
                rejection_reason="not_eligible" if status == "rejected" else "",
                rejection_criterion="age" if status == "rejected" else "",
                delivered_on=delivered,
                delivered_value=Decimal(rng.randint(100, 5000)) if delivered else None,
                closed_at=answered
                if status in ("rejected", "closed", "withdrawn", "expired")
                else None,
                review_flag="duplicate" if rng.random() < 0.02 else "",
                reviewed_at=answered if rng.random() < 0.02 else None,
                created_by_id=need.created_by_id,
                created_at=submitted,
            )
        )
    applications = Application.objects.bulk_create(applications, batch_size=5000)
    counts["applications"] = len(applications)
    feedback = []
    for a in applications:
        if a.status in ("delivered", "closed"):
            feedback.append(
                Feedback(
                    application=a,
                    side="household",
                    satisfaction=rng.randint(2, 5),
                    recorded_by_id=a.created_by_id,
                    recorded_at=a.submitted_at + dt.timedelta(days=45),
                )
            )
            if a.status == "closed":
                feedback.append(
                    Feedback(
                        application=a,
                        side="supplier",
                        satisfaction=rng.randint(3, 5),
                        recorded_by_id=a.created_by_id,
                        recorded_at=a.submitted_at + dt.timedelta(days=46),
                    )
                )
    Feedback.objects.bulk_create(feedback, batch_size=10000)
    counts["feedback"] = len(feedback)
    from django.db import connection

    with connection.cursor() as cursor:
        # As the autovacuum daemon would have on a live database (PostgreSQL 13+ vacuums a table
        # after many inserts too): statistics, and the visibility map that index-only scans read
        # (the demand signals' GROUP BY reads the live needs' index alone).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return counts


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
        print(f"{vendor}: filled in {time.perf_counter() - start:.0f} s: {counts}")
        timings = measure()
        engine = timings.pop("engine")
        for label, seconds in timings.items():
            print(f"  {label}: {seconds:.2f} s")
        province = timings["figures of the province"]
        build = timings["whole build of the province (figures, workbook, PDF, CSV)"]
        ok = province < TARGET_SECONDS and build <= BUILD_TARGET_SECONDS
        print(
            f"{engine}: province figures {province:.2f} s (target < {TARGET_SECONDS:.0f} s), "
            f"whole build of the province's evaluation {build:.1f} s "
            f"(target ≤ {BUILD_TARGET_SECONDS:.0f} s): {'met' if ok else 'MISSED'}"
        )
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
