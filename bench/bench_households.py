"""The household list at province scale: first page and count, as the page runs them.

Households and members are bulk-created straight into the tables (the services, with their
ID checks and encryption, are measured by the tests, not here), spread over the 1,757
Guangdong townships, with assistance statuses, tags, needs and visits in DOMAIN.md's mix.

    .venv/bin/python bench/bench_households.py --households 200000
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_households.py --households 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from _setup import median_ms, throwaway_database

TARGET_MS = 300.0


def fill(n_households: int) -> dict[str, object]:
    from django.utils import timezone

    from accounts.models import Region, User
    from accounts.services import regions_load
    from needs.models import AssistanceRecord, Household, Member, MemberTag, Need

    regions_load()
    rng = random.Random(7)
    townships = list(Region.objects.filter(level="township").values_list("code", flat=True))
    workers = User.objects.bulk_create(
        User(username=f"w{code}", role="social_worker", region_id=code) for code in townships
    )
    worker_of = {w.region_id: w for w in workers}
    today = timezone.localdate()
    now = timezone.now()
    batch = 20_000
    for start in range(0, n_households, batch):
        households = []
        for i in range(start, min(start + batch, n_households)):
            code = townships[i % len(townships)]
            households.append(
                Household(
                    code=f"{code[:9]}-{i:07d}",
                    region_id=code,
                    station_id=code,
                    address=f"测试地址 {i} 号",
                    worker=worker_of[code],
                    created_by=worker_of[code],
                    gap_class=rng.choice(
                        ["", "", "not_eligible_in_difficulty", "covered_still_in_difficulty"]
                    ),
                    last_visited_on=None
                    if rng.random() < 0.1
                    else today - dt.timedelta(days=rng.randint(0, 400)),
                )
            )
        households = Household.objects.bulk_create(households, batch_size=5000)
        members, needs = [], []
        for h in households:
            size = rng.choice([1, 2, 2, 3, 3, 4, 5])
            for k in range(size):
                members.append(
                    Member(
                        household=h,
                        name=f"成员{h.pk}-{k}",
                        relation="head" if k == 0 else "child",
                        sex=rng.choice(["male", "female"]),
                        birth_date=today - dt.timedelta(days=rng.randint(365, 365 * 90)),
                    )
                )
            if rng.random() < 0.6:
                needs.append(
                    Need(
                        household=h,
                        area=rng.choice(
                            ["poverty_relief", "medical_aid", "education_aid", "elderly_support"]
                        ),
                        form="cash",
                        description="测试需求",
                        urgent=rng.random() < 0.1,
                        status=rng.choice(["open", "matching", "met"]),
                        closed_at=None,
                        created_by=h.worker,
                    )
                )
        for need in needs:
            if need.status == "met":
                need.closed_at = now
        members = Member.objects.bulk_create(members, batch_size=5000)
        Need.objects.bulk_create(needs, batch_size=5000)
        records, tags = [], []
        for m in members:
            roll = rng.random()
            if m.relation == "head" and roll < 0.6:
                records.append(AssistanceRecord(member=m, status="dibao", started_on=today))
            elif m.relation == "head" and roll < 0.67:
                records.append(AssistanceRecord(member=m, status="tekun", started_on=today))
            if rng.random() < 0.08:
                tags.append(
                    MemberTag(
                        member=m, tag=rng.choice(["disabled", "left_behind_child", "elder_alone"])
                    )
                )
        AssistanceRecord.objects.bulk_create(records, batch_size=5000)
        MemberTag.objects.bulk_create(tags, batch_size=5000)
    return {"townships": townships, "workers": workers}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=200_000)
    args = parser.parse_args()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from needs.filters import HouseholdFilterSet
    from needs.selectors import household_list_for_user

    with throwaway_database() as vendor:
        start = time.perf_counter()
        data = fill(args.households)
        fill_s = time.perf_counter() - start
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        worker = User.objects.select_related("region").get(pk=data["workers"][0].pk)
        county = User.objects.create(
            username="county", role="civil_affairs", region_id="440106000000"
        )
        admin = User.objects.create(
            username="admin", role="administrator", region_id="440000000000"
        )
        print(f"database: {vendor}; {args.households:,} households filled in {fill_s:.0f} s")

        cases = [
            ("worker, township", worker, {}),
            ("county 天河区", User.objects.select_related("region").get(pk=county.pk), {}),
            ("province", admin, {}),
            ("province, dibao", admin, {"status": "dibao"}),
            ("province, urgent", admin, {"urgent": "true"}),
            ("province, unvisited 90d", admin, {"unvisited_days": "90"}),
        ]
        worst = 0.0
        for label, user, params in cases:

            def page(user=user, params=params):
                filterset = HouseholdFilterSet(
                    params or None, queryset=household_list_for_user(user), user=user
                )
                qs = filterset.qs if params else filterset.queryset
                return qs.count(), list(qs[:50])

            count, rows = page()
            ms = median_ms(page, repeat=5)
            worst = max(worst, ms)
            with CaptureQueriesContext(connection) as ctx:
                page()
            print(
                f"{label:<24} {count:>9,} rows, page of {len(rows)}: "
                f"{ms:8.1f} ms, {len(ctx)} queries"
            )
        ok = worst < TARGET_MS
        print(
            f"verdict: worst median {worst:.0f} ms against {TARGET_MS:.0f} ms -> "
            + ("OK" if ok else "TOO SLOW")
        )
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
