"""The supply ledger's synthetic data (``manage.py generate_data``, ``accounts.generator``).

At scale 1.0, DOMAIN.md §2's province: 3,000 organisations registered at the three tiers
(province 12 %, the 21 cities 28 %, the 122 counties 60 %), 6,000 projects in every status
(about 85 % published) with charity areas, forms of aid, eligibility terms (assistance
statuses, vulnerabilities, ages), places and coverage spread over Guangdong's regions as the
ledger has them. Organisations are flagged ``is_synthetic``; their projects, terms and
coverage are synthetic through them. Bulk-created (a few thousand rows).

Leaves in ``ctx.shared``: ``places`` (the regions, ``Places``), ``projects`` (the projects
made, in order).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import pgettext

from accounts.generator import AREAS, FORMS, Context, weighted

ORGANIZATIONS = 3_000
PROJECTS = 6_000

STATUSES = ("dibao", "tekun", "dibao_marginal", "rigid_expenditure_hardship",
            "relapse_monitored", "temporary_assistance")  # fmt: skip
TAGS = ("orphan", "de_facto_unsupported_child", "child_in_difficulty", "left_behind_child",
        "disabled", "serious_illness", "elder_alone", "elder_no_family", "elder_left_behind",
        "elder_dependent")  # fmt: skip
AGES = ((None, None),) * 6 + ((6, 18), (0, 16), (16, 25), (60, None), (18, 60))
PROJECT_MIX = (
    ("published", 85), ("draft", 5), ("pending_review", 4), ("paused", 3), ("closed", 3),
)  # fmt: skip
ORG_KINDS = (
    "慈善会",
    "公益服务中心",
    "社会工作服务中心",
    "助学基金会",
    "志愿者协会",
    "扶老助残协会",
)


class Places:
    """Guangdong's current official regions, as the generator needs them."""

    def __init__(self) -> None:
        from accounts.models import Region

        rows = list(
            Region.objects.filter(valid_to__isnull=True, is_synthetic=False).order_by("code")
        )
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


def generate(ctx: Context) -> None:
    from supply.models import Organization, Project, ProjectCoverage, ProjectTerm

    places = ctx.shared.get("places") or Places()
    ctx.shared["places"] = places
    rng = ctx.rng("supply")
    today, now = ctx.today, ctx.now
    days = dt.timedelta
    n_orgs, n_projects = ctx.count("organisations", ORGANIZATIONS), ctx.count("projects", PROJECTS)

    # -- organisations: three tiers, about two projects each --
    orgs = []
    for i in range(1, n_orgs + 1):
        roll = rng.random()
        if roll < 0.12:
            region = places.province
        elif roll < 0.40:
            region = rng.choice(places.cities)
        else:
            region = rng.choice(places.counties)
        orgs.append(
            Organization(
                name=f"{region.name}{rng.choice(ORG_KINDS)}(合成{i:05d})",
                credit_code=f"5{rng.choice('123')}{region.code[:6]}{i:09d}S",
                credit_code_valid=False,
                org_type=rng.choice(["association", "service_institution", "foundation"]),
                registering_region=region,
                is_synthetic=True,
                created_at=now,
            )
        )
    orgs = Organization.objects.bulk_create(orgs, batch_size=5000)

    # -- projects, terms, coverage --
    projects, term_plan, cover_plan = [], [], []
    for i in range(n_projects):
        org = orgs[i % n_orgs] if i < n_orgs else rng.choice(orgs)
        status = weighted(rng, PROJECT_MIX)[0]
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
                title=f"合成项目{i + 1:06d}",
                description="合成数据项目",
                application_process="合成数据",
                age_min=age_min,
                age_max=age_max,
                capacity=capacity,
                # places_taken: the applications holding a place (matching/synthetic.py)
                value_per_beneficiary=Decimal(rng.randrange(200, 5000, 100)),
                starts_on=starts,
                ends_on=ends,
                status=status,
                last_confirmed_at=now - days(rng.randint(1, 200)),
            )
        )
        terms = [("area", a) for a in weighted(rng, AREAS, rng.choice((1, 1, 2, 3)))]
        terms += [("form", f) for f in weighted(rng, FORMS, rng.choice((1, 1, 2)))]
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
    terms = ProjectTerm.objects.bulk_create(
        (
            ProjectTerm(project=p, kind=k, value=v)
            for p, terms in zip(projects, term_plan, strict=True)
            for k, v in terms
        ),
        batch_size=10000,
    )
    coverage = ProjectCoverage.objects.bulk_create(
        (
            ProjectCoverage(project=p, region=r, prefix=r.prefix)
            for p, covered in zip(projects, cover_plan, strict=True)
            for r in covered
        ),
        batch_size=10000,
    )
    ctx.shared["projects"] = projects
    ctx.record(pgettext("generated rows", "organisations"), len(orgs))
    ctx.record(pgettext("generated rows", "projects"), len(projects))
    ctx.record(
        pgettext("generated rows", "published projects"),
        sum(1 for p in projects if p.status == "published"),
    )
    ctx.record(pgettext("generated rows", "project terms"), len(terms))
    ctx.record(pgettext("generated rows", "project coverage"), len(coverage))
