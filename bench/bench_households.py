"""The household list at province scale, as its pages serve it, and the ID-number lookup.

Households and members are bulk-created straight into the tables (the services, with their
ID checks and encryption, are measured by the tests, not here), spread over the 1,757
Guangdong townships (more households in a few of them, like real ones), with Chinese names,
assistance statuses, tags, needs and visits in DOMAIN.md's mix. Scale 1.0 is DOMAIN.md §2's
1,000,000 households with 2,400,000 people.

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
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable

from _setup import ROOT  # noqa: F401  (sets Django up)
from django.db import connection
from django.test.utils import setup_databases, setup_test_environment, teardown_databases

PAGE_TARGET_MS = 200.0
LOOKUP_TARGET_MS = 10.0

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "明华建国伟芳秀英敏静丽强磊军洋勇艳杰娟涛超兰霞平刚桂志文辉玉珍红春燕丹玲萍飞鹏凤"
    "云莲梅海波宁婷雪荣鑫斌健俊浩宇子晨欣怡佳琳嘉"
)


def chinese_name(rng: random.Random) -> str:
    # Surnames in a skewed mix (the first ones far more common), like the real ones.
    surname = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return surname + given


def percentiles(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
    return statistics.median(samples), p95


def fill(n_households: int) -> None:
    from django.utils import timezone

    from accounts.models import Region, User
    from accounts.services import regions_load
    from needs.id_lookups import index_of
    from needs.idnumbers import generate
    from needs.models import AssistanceRecord, Household, Member, MemberTag, Need

    regions_load()
    rng = random.Random(7)
    townships = list(
        Region.objects.filter(level="township", valid_to__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    # Weights: a township of a big county holds several times the households of a small one.
    weights = [rng.choice([1, 1, 2, 3, 8]) for _ in townships]
    workers = User.objects.bulk_create(
        User(username=f"w{code}", role="social_worker", region_id=code) for code in townships
    )
    worker_of = {w.region_id: w for w in workers}
    names_of = dict(Region.objects.filter(level="township").values_list("code", "name"))
    today = timezone.localdate()
    now = timezone.now()
    batch = 20_000
    number = dict.fromkeys(townships, 0)
    for start in range(0, n_households, batch):
        households = []
        for _ in range(start, min(start + batch, n_households)):
            code = rng.choices(townships, weights)[0]
            number[code] += 1
            households.append(
                Household(
                    code=f"{code[:9]}-{number[code]:05d}",
                    region_id=code,
                    station_id=code,
                    address=f"{names_of[code]}第{rng.randint(1, 30)}组{rng.randint(1, 200)}号",
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
            size = rng.choice([1, 2, 2, 2, 3, 3, 3, 4])
            for k in range(size):
                birth = today - dt.timedelta(days=rng.randint(365, 365 * 90))
                index = ""
                if k == 0:  # heads have a (synthetic) ID number to look up, unique by pk
                    birth = today - dt.timedelta(days=7300 + h.pk // 500 * 5)
                    index = index_of(generate(h.region_id[:6], birth, h.pk % 500, sex="male"))
                members.append(
                    Member(
                        household=h,
                        name=chinese_name(rng),
                        relation="head" if k == 0 else "child",
                        sex=rng.choice(["male", "female"]),
                        birth_date=birth,
                        id_number_index=index,
                    )
                )
            if rng.random() < 0.6:
                status = rng.choice(["open", "matching", "met"])
                needs.append(
                    Need(
                        household=h,
                        area=rng.choice(
                            ["poverty_relief", "medical_aid", "education_aid", "elderly_support"]
                        ),
                        form="cash",
                        description="测试需求",
                        urgent=rng.random() < 0.1,
                        status=status,
                        closed_at=now if status == "met" else None,
                        created_by=h.worker,
                    )
                )
        members = Member.objects.bulk_create(members, batch_size=5000)
        Need.objects.bulk_create(needs, batch_size=5000)
        urgent = [n.household_id for n in needs if n.urgent and n.status != "met"]
        Household.objects.filter(pk__in=urgent).update(has_urgent_need=True)
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
        print(f"  {start + len(households):,} households", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 1,000,000 households")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    from django.test import Client

    from accounts.models import Region, User
    from needs.id_lookups import id_number_search
    from needs.idnumbers import generate
    from needs.models import Household, Member

    n_households = round(1_000_000 * args.scale)
    setup_test_environment()
    config = setup_databases(verbosity=0, interactive=False, keepdb=args.keepdb)
    vendor = connection.vendor
    try:
        filled = Household.objects.count()
        fill_s = 0.0
        if filled != n_households:
            if filled:
                raise SystemExit(f"the kept database holds {filled:,} households: drop it first")
            start = time.perf_counter()
            fill(n_households)
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
            "township worker": User.objects.get(username=f"w{township}"),
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
        print(f"{'case':<46} {'households':>11} {'p50 ms':>8} {'p95 ms':>8}  target")
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
                ("name (surname)", {"q": someone[0]}),
                ("name (whole, rare)", {"q": someone}),
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

                response = page()
                paginator = response.context["page"].paginator
                shown = f"{paginator.cap:,}+" if paginator.more else f"{paginator.count:,}"
                p50, p95 = percentiles(page, args.repeat)
                ok = p95 <= PAGE_TARGET_MS
                missed += not ok
                name = f"{label}{', ' + what if what else ''}"
                print(
                    f"{name:<46} {shown:>11} {p50:8.1f} {p95:8.1f}  "
                    f"p95 <= {PAGE_TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}"
                )

        heads = list(
            Member.objects.filter(relation="head")
            .select_related("household")
            .order_by("?")[: args.repeat * 5]
        )
        numbers = [
            generate(h.household.region_id[:6], h.birth_date, h.household_id % 500, sex="male")
            for h in heads
        ]
        admin = users["province"]
        found = []
        cursor_numbers = iter(numbers * 2)

        def lookup():
            result = id_number_search(user=admin, raw=next(cursor_numbers))
            found.append(result.household is not None)

        p50, p95 = percentiles(lookup, len(numbers) - 1)
        ok = p95 <= LOOKUP_TARGET_MS
        missed += not ok
        print(
            f"{'ID number lookup (' + str(sum(found)) + ' found)':<46} {'':>11} {p50:8.1f} "
            f"{p95:8.1f}  p95 <= {LOOKUP_TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}"
        )
        print(f"verdict: {missed} target(s) missed")
        return 1 if missed else 0
    finally:
        if not args.keepdb:
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    raise SystemExit(main())
