"""Candidate search (找资源) at province scale: ``matching.candidates.candidate_search(need)``
beside the best single hand-written SQL statement returning the same ranked candidates and
near misses, in the same process, on the same connection.

Scale 1.0 is DOMAIN.md §2's province: 3,000 organisations registered at the three tiers
(province, the 21 cities, the 122 counties), 6,000 projects in every status (about 85 %
published) with charity areas, forms of aid, eligibility terms, ages, places and coverage
spread over Guangdong's regions as the ledger has them, and 450,000 applications of fifteen
months (answers, feedback) from 150,000 households. Organisations and projects are
bulk-created straight into the tables (the listing services are measured by the tests, not
here). The organisations' kept figures are then refreshed by the nightly job (timed).

A set of needs is searched: four crafted people (a child in 沙口镇, an elder in 天河区, a whole
household in 湛江, a disabled adult in 太和镇) and needs of households drawn from the fill.
For each, the function and the bare statement are run ``--repeat`` times each, interleaved;
first both are checked to return the same projects in the same order with the same failed
conditions and scores. p50 and p95 are over every run of every need.

    DATABASE_URL=postgres://aidbridge:aidbridge@127.0.0.1:5432/aidbridge_bench \
        .venv/bin/python bench/bench_candidates.py --scale 0.1
    ... --scale 1.0 --explain        # EXPLAIN ANALYZE of the ranking statement, one need

Targets (issue 13, at scale 1.0 on PostgreSQL): the function's p95 ≤ 50 ms, and ≤ 3× the bare
statement's. The bare statement is PostgreSQL's; on SQLite only the function is timed.
Connections run with ``jit = off`` (config/settings.py), as the application's do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
import warnings
from decimal import Decimal

from _setup import throwaway_database

AREAS = (
    ("poverty_relief", 20), ("elderly_support", 14), ("child_support", 10),
    ("disability_support", 8), ("medical_aid", 12), ("education_aid", 12),
    ("veterans_care", 2), ("disaster_relief", 4), ("rural_revitalization", 8),
    ("community", 7), ("other", 3),
)  # fmt: skip
FORMS = (
    ("cash", 28), ("in_kind", 18), ("care", 8), ("daily_living", 6), ("caring_visit", 10),
    ("rehabilitation", 5), ("education", 8), ("legal_aid", 3), ("employment", 6),
    ("home_modification", 3), ("expertise", 5),
)  # fmt: skip
STATUSES = ("dibao", "tekun", "dibao_marginal", "rigid_expenditure_hardship",
            "relapse_monitored", "temporary_assistance")  # fmt: skip
TAGS = ("orphan", "de_facto_unsupported_child", "child_in_difficulty", "left_behind_child",
        "disabled", "serious_illness", "elder_alone", "elder_no_family", "elder_left_behind",
        "elder_dependent")  # fmt: skip
AGES = ((None, None),) * 6 + ((6, 18), (0, 16), (16, 25), (60, None), (18, 60))
PROJECT_MIX = (
    ("published", 85), ("draft", 5), ("pending_review", 4), ("paused", 3), ("closed", 3),
)  # fmt: skip
#: Applications: status and share; the answered ones feed the acceptance rate and speed.
APPLICATION_MIX = (
    ("closed", 35), ("rejected", 22), ("expired", 8), ("withdrawn", 5),
    ("submitted", 12), ("accepted", 10), ("delivered", 8),
)  # fmt: skip


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...], k: int = 1) -> list[str]:
    values, weights = zip(*options, strict=True)
    chosen: list[str] = []
    while len(chosen) < k:
        value = rng.choices(values, weights=weights)[0]
        if value not in chosen:
            chosen.append(value)
    return chosen


class Places:
    """Guangdong's regions as the generator needs them."""

    def __init__(self) -> None:
        from accounts.models import Region

        rows = list(Region.objects.filter(valid_to__isnull=True))
        self.by_code = {r.code: r for r in rows}
        self.province = next(r for r in rows if r.level == "province")
        self.cities = [r for r in rows if r.level == "prefecture"]
        self.counties = [r for r in rows if r.level == "county"]
        self.townships = [r for r in rows if r.level == "township"]
        self.children: dict[str, list] = {}
        for r in rows:
            if r.parent_id:
                self.children.setdefault(r.parent_id, []).append(r)

    def below(self, region, level: str) -> list:
        """Regions of ``level`` under ``region`` (townships of Dongguan hang under the city)."""
        found, todo = [], [region]
        while todo:
            for child in self.children.get(todo.pop().code, []):
                (found if child.level == level else todo).append(child)
        return found


def fill(
    n_projects: int,
    per_project: int = 5,
    *,
    n_orgs: int | None = None,
    n_applications: int | None = None,
    first_household: int = 0,
) -> dict[str, object]:
    """The ledger and a year of applications. By default (as bench_supply_ledger.py calls
    it) two projects an organisation and ``per_project`` applications a project. Household
    numbers start at ``first_household`` (after another fill's)."""
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import regions_load
    from matching.models import Application, Feedback
    from needs.models import Household, Member, Need
    from supply.models import Organization, Project, ProjectCoverage, ProjectTerm

    n_orgs = n_orgs or max(30, n_projects // 2)
    n_applications = n_projects * per_project if n_applications is None else n_applications
    regions_load()
    rng = random.Random(11)
    places = Places()
    today, now = timezone.localdate(), timezone.now()
    days = dt.timedelta
    worker = User.objects.create(
        username="bench_worker", role="social_worker", region=places.townships[0]
    )

    # -- organisations: three tiers, about two projects each --
    orgs = []
    for i in range(n_orgs):
        roll = rng.random()
        if roll < 0.12:
            region = places.province
        elif roll < 0.40:
            region = rng.choice(places.cities)
        else:
            region = rng.choice(places.counties)
        orgs.append(
            Organization(
                name=f"组织{i:06d}",
                credit_code=f"5{rng.choice('123')}{region.code[:6]}{i:09d}0",
                org_type=rng.choice(["association", "service_institution", "foundation"]),
                registering_region=region,
            )
        )
    orgs = Organization.objects.bulk_create(orgs, batch_size=5000)

    # -- projects, terms, coverage --
    projects, term_plan, cover_plan = [], [], []
    for i in range(n_projects):
        org = orgs[i % n_orgs] if i < n_orgs else rng.choice(orgs)
        status = _weighted(rng, PROJECT_MIX)[0]
        kind = rng.random()
        if kind < 0.35:
            starts, ends = today - days(rng.randint(30, 900)), None
        elif kind < 0.90:
            starts = today - days(rng.randint(0, 300))
            ends = starts + days(rng.choice((180, 364, 729)))
        else:  # ended, or not started yet
            starts = today + days(rng.randint(-500, 60))
            ends = starts + days(rng.randint(60, 180))
        age_min, age_max = rng.choice(AGES)
        capacity = None if rng.random() < 0.25 else rng.randrange(10, 1000, 5)
        projects.append(
            Project(
                organization=org,
                title=f"项目{i:06d}",
                description="基准测试项目",
                application_process="基准测试",
                age_min=age_min,
                age_max=age_max,
                capacity=capacity,
                places_taken=0 if capacity is None else rng.randint(0, capacity),
                value_per_beneficiary=Decimal(rng.randrange(200, 5000, 100)),
                starts_on=starts,
                ends_on=ends,
                status=status,
                last_confirmed_at=now - days(rng.randint(1, 200)),
            )
        )
        terms = [("area", a) for a in _weighted(rng, AREAS, rng.choice((1, 1, 2, 3)))]
        terms += [("form", f) for f in _weighted(rng, FORMS, rng.choice((1, 1, 2)))]
        if rng.random() < 0.40:
            terms += [("status", s) for s in rng.sample(STATUSES, rng.randint(1, 3))]
        if rng.random() < 0.35:
            terms += [("tag", t) for t in rng.sample(TAGS, rng.randint(1, 2))]
        term_plan.append(terms)
        home = org.registering_region
        if home.level == "province":
            covered = [home] if rng.random() < 0.5 else rng.sample(places.cities, rng.randint(1, 3))
        elif home.level == "prefecture":
            below = places.below(home, "county") or places.below(home, "township")
            covered = (
                [home]
                if rng.random() < 0.6 or not below
                else rng.sample(below, min(len(below), rng.randint(1, 3)))
            )
        else:
            below = places.below(home, "township")
            covered = (
                [home]
                if rng.random() < 0.5 or not below
                else rng.sample(below, min(len(below), rng.randint(1, 4)))
            )
        cover_plan.append(covered)
    projects = Project.objects.bulk_create(projects, batch_size=5000)
    ProjectTerm.objects.bulk_create(
        (
            ProjectTerm(project=p, kind=k, value=v)
            for p, terms in zip(projects, term_plan, strict=True)
            for k, v in terms
        ),
        batch_size=10000,
    )
    ProjectCoverage.objects.bulk_create(
        (
            ProjectCoverage(project=p, region=r, prefix=r.prefix)
            for p, covered in zip(projects, cover_plan, strict=True)
            for r in covered
        ),
        batch_size=10000,
    )

    # -- a year of applications to them, from households all over the province --
    # Three applications a household on average: the households of one year's applications.
    n_households = max(1000, n_applications // 3)
    households = []
    for i in range(n_households):
        township = rng.choice(places.townships)
        households.append(
            Household(
                code=f"{township.code[:9]}-{first_household + i:07d}",
                region=township,
                station=township,
                address=f"测试地址 {i} 号",
                worker=worker,
                created_by=worker,
            )
        )
    households = Household.objects.bulk_create(households, batch_size=5000)
    members = Member.objects.bulk_create(
        (
            Member(
                household=h,
                name=f"成员{h.pk}",
                relation="head",
                sex=rng.choice(["male", "female"]),
                birth_date=today - days(rng.randint(365 * 5, 365 * 85)),
            )
            for h in households
        ),
        batch_size=5000,
    )
    needs = Need.objects.bulk_create(
        (
            Need(
                household=m.household,
                member=m,
                area=_weighted(rng, AREAS)[0],
                form=_weighted(rng, FORMS)[0],
                description="测试需求",
                status="matching",
                created_by=worker,
            )
            for m in members
        ),
        batch_size=5000,
    )
    answered = ("accepted", "rejected", "delivered", "closed")
    live = ("submitted", "accepted", "delivered")
    taken: set[tuple[int, int]] = set()
    applications = []
    for _ in range(n_applications):
        project = rng.choice(projects)
        k = rng.randrange(n_households)
        status = _weighted(rng, APPLICATION_MIX)[0]
        if status in live:
            if (k, project.pk) in taken:
                status = "rejected"
            taken.add((k, project.pk))
        submitted = now - days(days=rng.randint(1, 450), hours=rng.randint(0, 23))
        answer_after = days(seconds=rng.randint(3600, 25 * 86400))
        answered_at = submitted + answer_after if status in answered else None
        delivered = status in ("delivered", "closed")
        applications.append(
            Application(
                need=needs[k],
                household=households[k],
                member=members[k],
                project=project,
                organization_id=project.organization_id,
                mode="assisted",
                status=status,
                submitted_at=submitted,
                answer=""
                if answered_at is None
                else ("rejected" if status == "rejected" else "accepted"),
                answered_at=answered_at,
                answer_seconds=None if answered_at is None else int(answer_after.total_seconds()),
                rejection_reason="not_eligible" if status == "rejected" else "",
                rejection_criterion="other" if status == "rejected" else "",
                delivered_on=(answered_at + days(7)).date() if delivered else None,
                delivered_value=Decimal(800) if delivered else None,
                review_status="confirmed",
                created_by=worker,
                created_at=submitted,
            )
        )
    applications = Application.objects.bulk_create(applications, batch_size=5000)
    feedback = []
    for a in applications:
        if a.status not in ("delivered", "closed"):
            continue
        at = a.answered_at + days(10)
        if a.status == "closed":
            feedback.append(
                Feedback(
                    application=a,
                    side="household",
                    satisfaction=rng.choice((3, 4, 4, 5, 5)),
                    recorded_by=worker,
                    recorded_at=at,
                )
            )
        if a.status == "closed" or rng.random() < 0.5:
            feedback.append(
                Feedback(
                    application=a,
                    side="supplier",
                    satisfaction=rng.choice((4, 5)),
                    recorded_by=worker,
                    recorded_at=at,
                )
            )
    Feedback.objects.bulk_create(feedback, batch_size=5000)
    return {
        "places": places,
        "worker": worker,
        "organisations": len(orgs),
        "published": sum(1 for p in projects if p.status == "published"),
        "terms": sum(len(t) for t in term_plan),
        "coverage": sum(len(c) for c in cover_plan),
        "applications": len(applications),
        "feedback": len(feedback),
    }


def searched_needs(places: Places, worker) -> list[tuple[str, object]]:
    """The people searched for: different places (a demo township, a Guangzhou district, the
    far west), ages, statuses and tags, a person's need and a household's."""
    from django.utils import timezone

    from needs.models import AssistanceRecord, Household, Member, MemberTag, Need

    today = timezone.localdate()
    cases = [
        # label, township (county prefix), area, form, [(relation, age, statuses, tags)], whole
        ("child, education, 沙口镇", "441881101000", "education_aid", "cash",
         [("head", 40, ["dibao"], []), ("child", 10, [], ["child_in_difficulty"])], False),
        ("elder alone, care, 天河区", "440106", "elderly_support", "care",
         [("head", 78, ["tekun"], ["elder_alone"])], False),
        ("household, in kind, 湛江", "4408", "poverty_relief", "in_kind",
         [("head", 52, ["dibao"], []), ("spouse", 49, [], ["serious_illness"])], True),
        ("disabled adult, rehab, 太和镇", "441803102000", "disability_support", "rehabilitation",
         [("head", 45, ["dibao_marginal"], ["disabled"])], False),
    ]  # fmt: skip
    found = []
    for i, (label, where, area, form, people, whole) in enumerate(cases):
        township = places.by_code.get(where) or next(
            t for t in places.townships if t.code.startswith(where)
        )
        household = Household.objects.create(
            code=f"SEARCH-{i}",
            region=township,
            station=township,
            address="检索样例",
            worker=worker,
            created_by=worker,
        )
        person = None
        for relation, age, statuses, tags in people:
            member = Member.objects.create(
                household=household,
                name=f"样例{i}{relation}",
                relation=relation,
                sex="female",
                birth_date=today - dt.timedelta(days=365 * age + 40),
            )
            for s in statuses:
                AssistanceRecord.objects.create(member=member, status=s, started_on=today)
            for t in tags:
                MemberTag.objects.create(member=member, tag=t)
            person = member  # the need is the last person's
        need = Need.objects.create(
            household=household,
            member=None if whole else person,
            area=area,
            form=form,
            description="检索样例",
            created_by=worker,
        )
        found.append((label, Need.objects.select_related("household").get(pk=need.pk)))
    return found


#: The best single statement we can write by hand for the same answer: everything the
#: function's Python does (the person's statuses, tags and ages, the place's prefixes) is done
#: in SQL from the need's id; it reads the kept figures as the function does.
BARE_SQL = """
WITH need AS (
    SELECT n.id, n.household_id, n.member_id, n.area, n.form, h.region_id AS place
    FROM needs_need n JOIN needs_household h ON h.id = n.household_id
    WHERE n.id = %(need)s
), people AS (
    SELECT m.id, m.birth_date FROM needs_member m JOIN need ON m.household_id = need.household_id
    WHERE m.left_at IS NULL AND (need.member_id IS NULL OR m.id = need.member_id)
), ages AS (
    SELECT DISTINCT date_part('year', age(%(today)s::date, p.birth_date))::int AS age FROM people p
), statuses AS (
    SELECT DISTINCT r.status FROM needs_assistancerecord r
    JOIN needs_member m ON m.id = r.member_id JOIN need ON m.household_id = need.household_id
    WHERE m.left_at IS NULL AND r.started_on <= %(today)s
      AND (r.ended_on IS NULL OR r.ended_on >= %(today)s)
), tags AS (
    SELECT DISTINCT t.tag FROM needs_membertag t JOIN people p ON p.id = t.member_id
), prefixes AS (
    SELECT left(need.place, k) AS prefix FROM need, unnest(ARRAY[2, 4, 6, 9, 12]) AS k
    WHERE length(need.place) >= k
), hits AS (
    SELECT c.project_id, 1 AS cov, length(c.prefix) AS near, 0 AS area, 0 AS form
    FROM supply_projectcoverage c WHERE c.prefix IN (SELECT prefix FROM prefixes)
    UNION ALL
    SELECT t.project_id, 0, 0, 1, 0 FROM supply_projectterm t JOIN need
        ON t.kind = 'area' AND t.value = need.area
    UNION ALL
    SELECT t.project_id, 0, 0, 0, 1 FROM supply_projectterm t JOIN need
        ON t.kind = 'form' AND t.value = need.form
), pool AS (
    SELECT project_id, max(cov) AS ok_coverage, max(near) AS nearness, max(area) AS ok_area,
           max(form) AS ok_form
    FROM hits GROUP BY project_id HAVING max(cov) + max(area) + max(form) >= 2
), checked AS (
    SELECT p.id, pool.ok_coverage, pool.ok_area, pool.ok_form, pool.nearness,
        (p.starts_on <= %(today)s AND (p.ends_on IS NULL OR p.ends_on >= %(today)s))::int
            AS ok_running,
        (CASE WHEN NOT EXISTS (SELECT 1 FROM ages) THEN p.age_min IS NULL AND p.age_max IS NULL
              ELSE EXISTS (SELECT 1 FROM ages a WHERE (p.age_min IS NULL OR p.age_min <= a.age)
                                                 AND (p.age_max IS NULL OR p.age_max >= a.age))
         END)::int AS ok_age,
        (p.capacity IS NULL OR p.places_taken < p.capacity)::int AS ok_places,
        (coalesce(t.has_status, false) = false OR t.names_status)::int AS ok_status,
        (coalesce(t.has_tag, false) = false OR t.names_tag)::int AS ok_tag,
        (NOT EXISTS (SELECT 1 FROM matching_application a JOIN need
                      ON a.household_id = need.household_id
                     WHERE a.project_id = p.id
                       AND a.status IN ('draft', 'submitted', 'accepted', 'delivered')))::int
            AS ok_already_applied,
        25.0::float8 / coalesce(nullif(t.area_count, 0), 1) AS score_area,
        CASE pool.nearness WHEN 12 THEN 25.0 WHEN 9 THEN 25.0 WHEN 6 THEN 18.0 WHEN 4 THEN 10.0
                           WHEN 2 THEN 5.0 ELSE 0.0 END AS score_near,
        CASE WHEN p.capacity IS NULL THEN 15.0 WHEN p.capacity = 0 THEN 0.0
             ELSE 15.0 * (p.capacity - p.places_taken) / p.capacity::float END AS score_places,
        CASE WHEN coalesce(f.answered, 0) = 0 THEN 7.5
             ELSE 15.0 * f.accepted / f.answered::float END AS score_accept,
        CASE WHEN f.answer_seconds_mean IS NULL OR coalesce(f.answered, 0) = 0 THEN 5.0
             WHEN f.answer_seconds_mean >= 1728000 THEN 0.0
             ELSE 10.0 * (1 - f.answer_seconds_mean / 1728000.0) END AS score_speed,
        CASE WHEN f.satisfaction_mean IS NULL THEN 5.0
             ELSE 10.0 * (f.satisfaction_mean - 1) / 4 END AS score_satisfaction
    FROM pool
    JOIN supply_project p ON p.id = pool.project_id AND p.status = 'published'
    LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE kind = 'area') AS area_count,
               bool_or(kind = 'status') AS has_status,
               bool_or(kind = 'status' AND value IN (SELECT status FROM statuses))
                   AS names_status,
               bool_or(kind = 'tag') AS has_tag,
               bool_or(kind = 'tag' AND value IN (SELECT tag FROM tags)) AS names_tag
        FROM supply_projectterm WHERE project_id = p.id
    ) t ON true
    LEFT JOIN matching_organizationfigures f ON f.organization_id = p.organization_id
), ranked AS (
    SELECT c.*, 9 - (ok_running + ok_coverage + ok_status + ok_tag + ok_age + ok_places
                     + ok_already_applied + ok_form + ok_area) AS misses,
           score_area + score_near + score_places + score_accept + score_speed
               + score_satisfaction AS score
    FROM checked c
)
SELECT id, misses, score FROM (
    SELECT r.*, row_number() OVER (
        PARTITION BY misses ORDER BY (ok_area = 0 OR ok_form = 0), score DESC, id) AS rn
    FROM ranked r WHERE misses <= 1
) x
WHERE (misses = 0 AND rn <= %(limit)s) OR (misses = 1 AND rn <= %(near_limit)s)
ORDER BY misses, rn
"""


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def sampled_needs(count: int) -> list[tuple[str, object]]:
    """Needs of households of the fill, drawn at random (seeded)."""
    from needs.models import Need

    ids = list(
        Need.objects.exclude(household__code__startswith="SEARCH-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(5)
    chosen = rng.sample(ids, min(count, len(ids)))
    needs = Need.objects.select_related("household").in_bulk(chosen)
    return [
        (f"filled {needs[pk].household.region_id} {needs[pk].area}", needs[pk]) for pk in chosen
    ]


def candidates_page(cases: list[tuple[str, object]], repeat: int) -> list[float]:
    """The candidates page as the household's social worker opens it: the whole response
    (login session, the need, the pre-aid check, the search, the template), p50/p95 in ms."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no collectstatic
    samples: list[float] = []
    for _label, need in cases:
        station = need.household.station
        user, _ = User.objects.get_or_create(
            username=f"page_worker_{station.code}",
            defaults={"role": "social_worker", "region": station, "name": "社工"},
        )
        client = Client()
        client.force_login(user)
        url = f"/matching/needs/{need.pk}/candidates/"
        response = client.get(url)  # warm up
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        for _ in range(repeat):
            t0 = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - t0) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = DOMAIN.md's province")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each, per need")
    parser.add_argument("--needs", type=int, default=16, help="filled needs besides the 4 crafted")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of the ranking statement"
    )
    args = parser.parse_args()

    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from matching import jobs
    from matching.candidates import (
        CANDIDATE_LIMIT,
        NEAR_MISS_LIMIT,
        candidate_search,
        ranking_sql,
    )

    n_projects = round(6000 * args.scale)
    n_orgs = round(3000 * args.scale)
    n_applications = round(450_000 * args.scale)
    with throwaway_database() as vendor:
        start = time.perf_counter()
        data = fill(n_projects, n_orgs=n_orgs, n_applications=n_applications)
        fill_s = time.perf_counter() - start
        start = time.perf_counter()
        kept = jobs.figures_refresh()
        refresh_s = time.perf_counter() - start
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                cursor.execute("SHOW jit")
                jit = cursor.fetchone()[0]
                cursor.execute("SHOW server_version")
                server = cursor.fetchone()[0]
        else:
            jit = server = "-"
        print(
            f"database: {vendor} {server} (jit {jit}); scale {args.scale}: {n_projects:,} projects "
            f"({data['published']:,} published) of {data['organisations']:,} organisations, "
            f"{data['terms']:,} terms, {data['coverage']:,} coverage rows, "
            f"{data['applications']:,} applications, {data['feedback']:,} feedback; "
            f"filled in {fill_s:.0f} s; nightly figures job: {kept:,} organisations in "
            f"{refresh_s * 1000:.0f} ms"
        )
        settings.DEBUG = False  # as in production: no query log
        today = timezone.localdate()
        cases = searched_needs(data["places"], data["worker"]) + sampled_needs(args.needs)
        bare = vendor == "postgresql"

        def run_bare(need) -> list[tuple]:
            with connection.cursor() as cursor:
                cursor.execute(
                    BARE_SQL,
                    {
                        "need": need.pk,
                        "today": today,
                        "limit": CANDIDATE_LIMIT,
                        "near_limit": NEAR_MISS_LIMIT,
                    },
                )
                return cursor.fetchall()

        fn_all: list[float] = []
        sql_all: list[float] = []
        for label, need in cases:
            result = candidate_search(need)
            shown = [
                (c.project.pk, 0 if not c.failed else 1, round(c.score, 6))
                for c in result.candidates + result.near_misses
            ]
            if bare:
                same = [(pk, misses, round(score, 6)) for pk, misses, score in run_bare(need)]
                if same != shown:
                    print(f"{label}: the bare statement and the function differ")
                    print("  function:", shown[:8])
                    print("  bare    :", same[:8])
                    return 2
            with CaptureQueriesContext(connection) as ctx:
                candidate_search(need)
            fn, sql = [], []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                candidate_search(need)
                fn.append((time.perf_counter() - t0) * 1000)
                if bare:
                    t0 = time.perf_counter()
                    run_bare(need)
                    sql.append((time.perf_counter() - t0) * 1000)
            fn_all += fn
            sql_all += sql
            print(
                f"{label:<40} {len(result.candidates):>3} candidates {len(result.near_misses):>3} "
                f"near misses, {len(ctx)} queries: function p50 {statistics.median(fn):6.1f} ms"
                + (f", bare SQL p50 {statistics.median(sql):6.1f} ms" if sql else "")
            )
        if args.explain:
            label, need = cases[0]
            sql, params = ranking_sql(need)
            with connection.cursor() as cursor:
                options = "EXPLAIN (ANALYZE, BUFFERS) " if bare else "EXPLAIN QUERY PLAN "
                cursor.execute(options + sql, params)
                plan = "\n".join(str(row[0] if bare else row) for row in cursor.fetchall())
            print(f"\nplan of the ranking statement ({label}):\n{plan}\n")
        page_all = candidates_page(cases, args.repeat)
        pg50, pg95 = statistics.median(page_all), percentile(page_all, 0.95)
        page_ok = pg95 <= 200.0
        p50, p95 = statistics.median(fn_all), percentile(fn_all, 0.95)
        print(
            f"\ncandidates page (GET /matching/needs/<id>/candidates/, whole HTML, a social "
            f"worker of the household's township): p50 {pg50:.1f} ms, p95 {pg95:.1f} ms "
            f"against 200 ms -> {'met' if page_ok else 'MISSED'}"
        )
        print(
            f"function candidate_search: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"({len(cases)} needs x {args.repeat} runs)"
        )
        ok = p95 <= 50.0
        if sql_all:
            s50, s95 = statistics.median(sql_all), percentile(sql_all, 0.95)
            print(f"bare SQL (same answer):    p50 {s50:.1f} ms, p95 {s95:.1f} ms")
            r50, r95 = p50 / s50, p95 / s95
            print(f"ratio function / bare SQL: p50 {r50:.2f}x, p95 {r95:.2f}x")
            ok = ok and r50 <= 3.0 and r95 <= 3.0
            ratio = f", ratio p50 {r50:.2f}x / p95 {r95:.2f}x against 3x"
        else:
            ratio = " (the ratio is measured on PostgreSQL only)"
        ok = ok and page_ok
        print(
            f"verdict: p95 {p95:.1f} ms against 50 ms{ratio}, page p95 {pg95:.1f} ms -> "
            + ("MET" if ok else "MISSED")
            + ("" if args.scale == 1.0 and bare else " (the targets are for scale 1.0, PostgreSQL)")
        )
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
