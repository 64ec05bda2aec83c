"""Candidate search (找资源): which published projects suit a need, ranked, with the reasons.

Everything that decides is one SQL query over the projects: the hard conditions are annotated
as booleans (EXISTS on the indexed term and coverage tables), their failures counted, and the
ranking score computed from columns and per-organisation aggregates. Candidates are the rows
with no failure; near misses the rows with exactly one, named. Python only formats the rows
shown, so the number of queries does not grow with the number of projects.

Score (out of 100):

| part                   | points | how                                                          |
| ---------------------- | ------ | ------------------------------------------------------------ |
| area fit               | 25     | 25 / number of charity areas the project lists               |
| nearness               | 25     | covers township 25, county 18, city 10, province 5           |
| places left            | 15     | 15 × places left / places; no fixed number 15                |
| acceptance rate        | 15     | 15 × accepted / answered (12 months); no answers yet 7.5     |
| answer time            | 10     | 10 × (1 − average days / 20), at least 0; no answers yet 5   |
| past satisfaction      | 10     | 10 × (average household satisfaction − 1) / 4; none yet 5    |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Length
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.taxonomies import (
    CLASSIFIED_STATUSES,
    CLASSIFIED_TAGS,
    AssistanceStatus,
    CharityArea,
    VulnerabilityTag,
)
from needs.models import AssistanceRecord, Household, Member, MemberTag, Need
from supply.models import Project, ProjectCoverage, ProjectTerm, code_prefixes

from .models import Application, Feedback

Criterion = Application.Criterion

#: Criteria in the order a near miss is explained and sorted: a project for another area or
#: form of aid is the least interesting near miss, so those come last.
CRITERIA = (
    Criterion.RUNNING,
    Criterion.COVERAGE,
    Criterion.STATUS,
    Criterion.TAG,
    Criterion.AGE,
    Criterion.PLACES,
    Criterion.ALREADY_APPLIED,
    Criterion.FORM,
    Criterion.AREA,
)
STATS_WINDOW = dt.timedelta(days=365)
ANSWER_DAYS_FOR_ZERO = 20
NEARNESS_POINTS = {12: 25, 9: 25, 6: 18, 4: 10, 2: 5}
CANDIDATE_LIMIT = 50
NEAR_MISS_LIMIT = 20


@dataclass(frozen=True)
class Person:
    """What the search knows of the people a need is for: statuses are the household's (a
    dibao or tekun classification covers the family), tags and ages the person's, or every
    current member's for a need of the whole household."""

    statuses: frozenset[str]
    tags: frozenset[str]
    ages: tuple[int, ...]
    region_code: str

    @property
    def classified(self) -> bool:
        return bool(self.statuses & CLASSIFIED_STATUSES or self.tags & CLASSIFIED_TAGS)


def person_of(need: Need, *, today: dt.date | None = None) -> Person:
    """Two queries: the household's current statuses, the people's tags."""
    today = today or timezone.localdate()
    household: Household = need.household
    statuses = AssistanceRecord.objects.filter(
        member__household=household, member__left_at__isnull=True
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today), started_on__lte=today)
    people = Member.objects.filter(household=household, left_at__isnull=True)
    if need.member_id:
        people = people.filter(pk=need.member_id)
    people = list(
        people.prefetch_related(
            Prefetch("tags", queryset=MemberTag.objects.only("tag", "member_id"))
        )
    )
    return Person(
        statuses=frozenset(statuses.values_list("status", flat=True).distinct()),
        tags=frozenset(t.tag for m in people for t in m.tags.all()),
        ages=tuple(sorted({m.age(today) for m in people})),
        region_code=household.region_id,
    )


def _bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _term(kind: str, **lookups: Any) -> Exists:
    return Exists(ProjectTerm.objects.filter(project=OuterRef("pk"), kind=kind, **lookups))


def _age_fits(ages: tuple[int, ...]) -> Q:
    if not ages:
        return Q(age_min__isnull=True, age_max__isnull=True)
    fits = Q(pk__in=[])
    for age in ages:
        fits |= (Q(age_min__isnull=True) | Q(age_min__lte=age)) & (
            Q(age_max__isnull=True) | Q(age_max__gte=age)
        )
    return fits


def _org_stats(since: dt.datetime) -> dict[str, Subquery]:
    answered = Application.objects.filter(
        organization=OuterRef("organization"), answered_at__gte=since
    ).values("organization")
    satisfaction = Feedback.objects.filter(
        application__organization=OuterRef("organization"),
        side=Feedback.Side.HOUSEHOLD,
        recorded_at__gte=since,
    ).values("application__organization")
    return {
        "answered_count": Subquery(
            answered.annotate(n=Count("pk")).values("n"), output_field=IntegerField()
        ),
        "accepted_count": Subquery(
            answered.filter(answer="accepted").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        "answer_seconds_avg": Subquery(
            answered.annotate(a=Avg("answer_seconds")).values("a"), output_field=FloatField()
        ),
        "satisfaction_avg": Subquery(
            satisfaction.annotate(a=Avg("satisfaction")).values("a"), output_field=FloatField()
        ),
        "satisfaction_count": Subquery(
            satisfaction.annotate(n=Count("pk")).values("n"), output_field=IntegerField()
        ),
    }


def _f(expression: Any) -> Cast:
    return Cast(expression, FloatField())


def _score_parts() -> dict[str, Any]:
    zero_after = float(ANSWER_DAYS_FOR_ZERO * 86400)
    return {
        "score_area": Value(25.0) / _f(Coalesce(F("area_count"), Value(1))),
        "score_near": Case(
            *[When(nearness=n, then=Value(float(p))) for n, p in NEARNESS_POINTS.items()],
            default=Value(0.0),
            output_field=FloatField(),
        ),
        "score_places": Case(
            When(capacity__isnull=True, then=Value(15.0)),
            When(capacity=0, then=Value(0.0)),
            default=Value(15.0) * _f(F("capacity") - F("places_taken")) / _f(F("capacity")),
            output_field=FloatField(),
        ),
        "score_accept": Case(
            When(answered_count__isnull=True, then=Value(7.5)),
            default=Value(15.0)
            * _f(Coalesce(F("accepted_count"), Value(0)))
            / _f(F("answered_count")),
            output_field=FloatField(),
        ),
        "score_speed": Case(
            When(answer_seconds_avg__isnull=True, then=Value(5.0)),
            When(answer_seconds_avg__gte=zero_after, then=Value(0.0)),
            default=Value(10.0) * (Value(1.0) - F("answer_seconds_avg") / Value(zero_after)),
            output_field=FloatField(),
        ),
        "score_satisfaction": Case(
            When(satisfaction_avg__isnull=True, then=Value(5.0)),
            default=Value(10.0) * (F("satisfaction_avg") - Value(1.0)) / Value(4.0),
            output_field=FloatField(),
        ),
    }


SCORE_PARTS = (
    "score_area",
    "score_near",
    "score_places",
    "score_accept",
    "score_speed",
    "score_satisfaction",
)


def annotated_projects(
    need: Need,
    person: Person,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    ignore_application: int | None = None,
) -> QuerySet[Project]:
    """Published projects annotated with one ``ok_<criterion>`` boolean per condition,
    ``misses`` (how many fail), the score and its parts. ``ignore_application`` leaves one
    application out of "already applied" (a draft being submitted)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    prefixes = code_prefixes(person.region_code)
    K = ProjectTerm.Kind
    statuses, tags = sorted(person.statuses), sorted(person.tags)
    live = Application.objects.filter(
        household_id=need.household_id,
        project=OuterRef("pk"),
        status__in=Application.LIVE_STATUSES,
    )
    if ignore_application:
        live = live.exclude(pk=ignore_application)
    nearest = (
        ProjectCoverage.objects.filter(project=OuterRef("pk"), prefix__in=prefixes)
        .annotate(n=Length("prefix"))
        .order_by("-n")
        .values("n")[:1]
    )
    area_count = (
        ProjectTerm.objects.filter(project=OuterRef("pk"), kind=K.AREA)
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    checks = {
        "ok_running": _bool(
            Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        ),
        "ok_coverage": Exists(
            ProjectCoverage.objects.filter(project=OuterRef("pk"), prefix__in=prefixes)
        ),
        "ok_area": _term(K.AREA, value=need.area),
        "ok_form": _term(K.FORM, value=need.form),
        "ok_status": _bool(~Q(has_status_terms=True) | Q(names_status=True)),
        "ok_tag": _bool(~Q(has_tag_terms=True) | Q(names_tag=True)),
        "ok_age": _bool(_age_fits(person.ages)),
        "ok_places": _bool(Q(capacity__isnull=True) | Q(places_taken__lt=F("capacity"))),
        "ok_already_applied": ~Exists(live),
    }
    misses = sum(
        (Case(When(**{f"ok_{c.value}": True}, then=Value(0)), default=Value(1)) for c in CRITERIA),
        Value(0),
    )
    return (
        Project.objects.published()
        .select_related("organization__registering_region")
        .annotate(
            has_status_terms=_term(K.STATUS),
            names_status=_term(K.STATUS, value__in=statuses),
            has_tag_terms=_term(K.TAG),
            names_tag=_term(K.TAG, value__in=tags),
        )
        .annotate(**checks)
        .annotate(
            misses=misses,
            nearness=Subquery(nearest, output_field=IntegerField()),
            area_count=Subquery(area_count, output_field=IntegerField()),
            **_org_stats(now - STATS_WINDOW),
        )
        .annotate(**_score_parts())
        .annotate(score=sum((F(p) for p in SCORE_PARTS[1:]), F(SCORE_PARTS[0])))
    )


# --- What the page shows ---------------------------------------------------------------------


@dataclass
class Reason:
    label: str
    points: float
    out_of: int
    detail: str


@dataclass
class Candidate:
    project: Project
    score: float
    reasons: list[Reason] = field(default_factory=list)
    failed: str = ""
    failed_detail: str = ""

    @property
    def failed_label(self) -> str:
        return str(Criterion(self.failed).label) if self.failed else ""


@dataclass
class CandidateSearch:
    need: Need
    person: Person
    candidates: list[Candidate]
    near_misses: list[Candidate]


def _nearness_detail(nearness: int | None) -> str:
    return {
        12: _("covers the village"),
        9: _("covers the township"),
        6: _("covers the county"),
        4: _("covers the city"),
        2: _("covers the whole province"),
    }.get(nearness or 0, _("does not cover the place"))


def explain(project: Project) -> list[Reason]:
    """The score of an annotated project, part by part, in words."""
    p: Any = project
    reasons = [
        Reason(
            _("Area fit"),
            p.score_area,
            25,
            _("the project serves this area only")
            if (p.area_count or 1) <= 1
            else _("one of the %(count)d areas the project serves") % {"count": p.area_count},
        ),
        Reason(
            _("Nearness"),
            p.score_near,
            25,
            _("%(tier)s tier, %(covers)s")
            % {"tier": p.organization.get_tier_display(), "covers": _nearness_detail(p.nearness)},
        ),
        Reason(
            _("Places left"),
            p.score_places,
            15,
            _("no fixed number")
            if p.capacity is None
            else _("%(left)d of %(capacity)d left")
            % {"left": p.capacity - p.places_taken, "capacity": p.capacity},
        ),
    ]
    if p.answered_count:
        accept = _("accepted %(accepted)d of %(answered)d applications in the last 12 months") % {
            "accepted": p.accepted_count or 0,
            "answered": p.answered_count,
        }
        speed = _("answers in %(days)s days on average") % {
            "days": f"{(p.answer_seconds_avg or 0) / 86400:.1f}"
        }
    else:
        accept = speed = _("no answers yet: counted as average")
    reasons.append(Reason(_("Acceptance rate"), p.score_accept, 15, accept))
    reasons.append(Reason(_("Answer time"), p.score_speed, 10, speed))
    if p.satisfaction_count:
        satisfaction = ngettext(
            "%(avg)s of 5 from %(count)d household",
            "%(avg)s of 5 from %(count)d households",
            p.satisfaction_count,
        ) % {"avg": f"{p.satisfaction_avg:.1f}", "count": p.satisfaction_count}
    else:
        satisfaction = _("no feedback yet: counted as average")
    reasons.append(Reason(_("Past satisfaction"), p.score_satisfaction, 10, satisfaction))
    return reasons


def _labels(values: list[str], choices: Any) -> str:
    names = dict(choices.choices)
    return "、".join(str(names.get(v, v)) for v in values)


def _age_range(project: Project) -> str:
    if project.age_min is not None and project.age_max is not None:
        return _("ages %(min)d to %(max)d") % {"min": project.age_min, "max": project.age_max}
    if project.age_min is not None:
        return _("aged %(min)d or over") % {"min": project.age_min}
    return _("aged %(max)d or under") % {"max": project.age_max}


def failed_criterion(project: Project) -> str:
    p: Any = project
    for criterion in CRITERIA:
        if not getattr(p, f"ok_{criterion.value}"):
            return criterion.value
    return ""


def failure_detail(project: Project, criterion: str, need: Need) -> str:
    """Why a project is not offered, in the worker's words. Uses the prefetched terms."""
    terms: dict[str, list[str]] = {}
    for term in project.terms.all():
        terms.setdefault(term.kind, []).append(term.value)
    K = ProjectTerm.Kind
    if criterion == Criterion.RUNNING:
        if project.starts_on > timezone.localdate():
            return _("starts on %(day)s") % {"day": project.starts_on.isoformat()}
        ended = project.ends_on.isoformat() if project.ends_on else ""
        return _("ended on %(day)s") % {"day": ended}
    if criterion == Criterion.COVERAGE:
        return _("does not cover the household's place")
    if criterion == Criterion.AREA:
        return _("serves %(areas)s, not %(need)s") % {
            "areas": _labels(terms.get(K.AREA, []), CharityArea),
            "need": need.get_area_display(),
        }
    if criterion == Criterion.FORM:
        return _("does not give %(form)s") % {"form": need.get_form_display()}
    if criterion == Criterion.STATUS:
        return _("only for %(statuses)s") % {
            "statuses": _labels(terms.get(K.STATUS, []), AssistanceStatus)
        }
    if criterion == Criterion.TAG:
        return _("only for %(tags)s") % {"tags": _labels(terms.get(K.TAG, []), VulnerabilityTag)}
    if criterion == Criterion.AGE:
        return _("only for people %(range)s") % {"range": _age_range(project)}
    if criterion == Criterion.PLACES:
        return _("all %(capacity)d places are taken") % {"capacity": project.capacity or 0}
    if criterion == Criterion.ALREADY_APPLIED:
        return _("the household already has an application to this project running")
    return ""


def candidate_search(
    need: Need,
    *,
    limit: int = CANDIDATE_LIMIT,
    near_miss_limit: int = NEAR_MISS_LIMIT,
    today: dt.date | None = None,
) -> CandidateSearch:
    """Ranked candidates and near misses for a need (need.household must be loaded).

    Queries: 2 for the person, 1 for the candidates, 1 for the near misses, 1 for the near
    misses' terms — whatever the number of projects.
    """
    person = person_of(need, today=today)
    projects = annotated_projects(need, person, today=today)
    found = list(projects.filter(misses=0).order_by("-score", "pk")[:limit])
    last_area_form = Case(
        When(Q(ok_area=False) | Q(ok_form=False), then=Value(1)),
        default=Value(0),
    )
    near = list(
        projects.filter(misses=1)
        .annotate(area_or_form_missed=last_area_form)
        .prefetch_related("terms")
        .order_by("area_or_form_missed", "-score", "pk")[:near_miss_limit]
    )
    candidates = [Candidate(p, p.score, explain(p)) for p in found]
    near_misses = []
    for p in near:
        criterion = failed_criterion(p)
        near_misses.append(Candidate(p, p.score, [], criterion, failure_detail(p, criterion, need)))
    return CandidateSearch(need, person, candidates, near_misses)


def project_check(
    need: Need, project: Project, *, ignore_application: int | None = None
) -> list[str]:
    """The criteria ``project`` fails for ``need`` (empty: it is a candidate)."""
    person = person_of(need)
    row = (
        annotated_projects(need, person, ignore_application=ignore_application)
        .filter(pk=project.pk)
        .first()
    )
    if row is None:
        return [Criterion.OTHER.value]
    return [c.value for c in CRITERIA if not getattr(row, f"ok_{c.value}")]
