"""Candidate search (找资源): which published projects suit a need, ranked, with the reasons.

Everything that decides is one SQL statement (``ranking_sql``), written so the database starts
from its indexes and computes each thing once:

0. ``people``, ``ages``, ``statuses``, ``tags``: what ``person_of`` knows of the people the
   need is for, read from the household's own rows.
1. ``hits``: the projects that cover the household's place (coverage prefix, one index scan),
   serve the need's charity area or give its form of aid (the term index on kind and value).
   A candidate passes all three and a near miss fails one condition only, so only projects
   passing two of the three are looked at further (``pool``); the rest of the ledger is never
   read.
2. ``checked``: each hard condition once, as a 0/1 column: the dates, the eligibility terms
   (one pass over the pool's terms), ages, places, and the household's live applications (one
   index scan of the household's own).
3. ``scored``: the score, one expression from those columns and the organisation's kept
   figures (``OrganizationFigures``, one join: the figures are not recomputed per search).
4. Candidates are the rows with no failure, near misses the rows with exactly one, each list
   ranked and cut to its limit in the same statement.

Python then loads the projects shown and words the reasons: two queries, whatever the number
of projects, organisations or applications.

Score (out of 100):

| part                   | points | how                                                          |
| ---------------------- | ------ | ------------------------------------------------------------ |
| area fit               | 25     | 25 / number of charity areas the project lists               |
| nearness               | 25     | covers township 25, county 18, city 10, province 5           |
| places left            | 15     | 15 × places left / places; no fixed number 15                |
| acceptance rate        | 15     | 15 × accepted / answered (12 months); no answers yet 7.5     |
| answer time            | 10     | 10 × (1 − average days / 20), at least 0; no answers yet 5   |
| past satisfaction      | 10     | 10 × (average household satisfaction − 1) / 4; none yet 5    |

The twelve-month figures are the organisation's kept ones (see ``OrganizationFigures``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import connection
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
from needs.idnumbers import age_on
from needs.models import AssistanceRecord, Household, Member, MemberTag, Need
from supply.models import Project, ProjectCoverage, ProjectTerm, code_prefixes

from .models import Application, OrganizationFigures

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
    """One query: the household's current members with their tags and assistance records.
    (The search reads the same facts inside its statement; the services use this.)"""
    today = today or timezone.localdate()
    household: Household = need.household
    rows = Member.objects.filter(household_id=household.pk, left_at__isnull=True).values_list(
        "pk",
        "birth_date",
        "tags__tag",
        "assistance__status",
        "assistance__started_on",
        "assistance__ended_on",
    )
    statuses: set[str] = set()
    tags: set[str] = set()
    ages: set[int] = set()
    for pk, birth_date, tag, status, started_on, ended_on in rows:
        # Statuses are the household's: every current member's counts.
        if status and started_on <= today and (ended_on is None or ended_on >= today):
            statuses.add(status)
        if need.member_id and pk != need.member_id:
            continue
        ages.add(age_on(birth_date, today))
        if tag:
            tags.add(tag)
    return Person(
        statuses=frozenset(statuses),
        tags=frozenset(tags),
        ages=tuple(sorted(ages)),
        region_code=household.region_id,
    )


# --- The ranking statement -------------------------------------------------------------------


class _Params:
    """Parameters named where they are written, passed in the order the text uses them:
    ``p(value)`` writes a marker, ``bind(sql)`` turns the markers into ``%s`` and lists the
    values. Only values go through here; the text holds table names and constants only."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        key = f"__p{len(self.values)}__"
        self.values[key] = value
        return key

    def many(self, values: Iterable[Any]) -> str:
        """An IN list; never empty (``IN ()`` is not SQL): no values matches nothing."""
        values = list(values)
        if not values:
            return "(NULL)"
        return "(" + ", ".join(self(v) for v in values) + ")"

    def bind(self, sql: str) -> tuple[str, list[Any]]:
        ordered: list[Any] = []

        def placeholder(match: re.Match[str]) -> str:
            ordered.append(self.values[match.group(0)])
            return "%s"

        return re.sub(r"__p\d+__", placeholder, sql), ordered


#: Columns of a ranked row, in the statement's order.
ROW_COLUMNS = (
    "id",
    *(f"ok_{c.value}" for c in CRITERIA),
    "misses",
    "nearness",
    "area_count",
    "answered_count",
    "accepted_count",
    "answer_seconds_avg",
    "satisfaction_avg",
    "satisfaction_count",
    "score_area",
    "score_near",
    "score_places",
    "score_accept",
    "score_speed",
    "score_satisfaction",
    "score",
    "area_values",
    "status_values",
    "tag_values",
)


def ranking_sql(
    need: Need,
    *,
    today: dt.date | None = None,
    limit: int = CANDIDATE_LIMIT,
    near_miss_limit: int = NEAR_MISS_LIMIT,
    project_pk: int | None = None,
    ignore_application: int | None = None,
) -> tuple[str, list[Any]]:
    """The one statement of the search and its parameters: candidates (``misses`` 0, best
    first, at most ``limit``) then near misses (``misses`` 1, area and form failures last, at
    most ``near_miss_limit``), columns ``ROW_COLUMNS``. With ``project_pk``: that project's row
    alone, whatever it fails (no row when it is not published). ``ignore_application`` leaves
    one application out of "already applied" (a draft being submitted).

    The person is read in the same statement, as ``person_of`` reads it: the household's
    current statuses, the tags and ages of the need's person (or of every current member)."""
    today = today or timezone.localdate()
    p = _Params()
    K = ProjectTerm.Kind
    project_t = Project._meta.db_table
    term_t = ProjectTerm._meta.db_table
    coverage_t = ProjectCoverage._meta.db_table
    application_t = Application._meta.db_table
    figures_t = OrganizationFigures._meta.db_table

    def only(alias: str) -> str:
        return f" AND {alias}.project_id = {p(project_pk)}" if project_pk else ""

    prefixes = p.many(code_prefixes(need.household.region_id))
    area_kind, area, form_kind, form = p(K.AREA.value), p(need.area), p(K.FORM.value), p(need.form)
    if project_pk:
        # The project itself, so that it has a row whatever it fails.
        itself = f"UNION ALL SELECT {p(project_pk)}, 0, 0, 0, 0"
        two_of_three = ""
    else:
        itself = ""
        # Two failures among these three already rule a project out.
        two_of_three = "HAVING MAX(h.cov) + MAX(h.area) + MAX(h.form) >= 2"
    live = p.many(Application.LIVE_STATUSES)
    household = p(need.household_id)
    ignored = f" AND a.id <> {p(ignore_application)}" if ignore_application else ""
    status_terms = p(K.STATUS.value)
    tag_terms = p(K.TAG.value)
    member_t, status_t, tag_t = (
        Member._meta.db_table,
        AssistanceRecord._meta.db_table,
        MemberTag._meta.db_table,
    )
    the_person = f" AND m.id = {p(need.member_id)}" if need.member_id else ""
    on = p(today)
    if connection.vendor == "postgresql":
        age = f"CAST(EXTRACT(YEAR FROM AGE({on}, m.birth_date)) AS INTEGER)"
    else:
        age = (
            f"CAST(strftime('%%Y', {on}) AS INTEGER) - CAST(strftime('%%Y', m.birth_date) AS "
            f"INTEGER) - (strftime('%%m-%%d', {on}) < strftime('%%m-%%d', m.birth_date))"
        )
    area_terms = p(K.AREA.value)
    published = p(Project.Status.PUBLISHED.value)
    running = f"p.starts_on <= {p(today)} AND (p.ends_on IS NULL OR p.ends_on >= {p(today)})"
    ages = (
        "(NOT EXISTS (SELECT 1 FROM ages) AND p.age_min IS NULL AND p.age_max IS NULL) "
        "OR EXISTS (SELECT 1 FROM ages a WHERE (p.age_min IS NULL OR p.age_min <= a.age) "
        "AND (p.age_max IS NULL OR p.age_max >= a.age))"
    )
    zero_after = float(ANSWER_DAYS_FOR_ZERO * 86400)
    near_points = " ".join(f"WHEN {n} THEN {float(pts)}" for n, pts in NEARNESS_POINTS.items())
    oks = " + ".join(f"ok_{c.value}" for c in CRITERIA)
    if project_pk:
        cut = ""
    else:
        cut = (
            f"WHERE (x.misses = 0 AND x.rn <= {p(limit)}) "
            f"OR (x.misses = 1 AND x.rn <= {p(near_miss_limit)})"
        )
    floating = "DOUBLE PRECISION"

    def listed(kind: str) -> str:
        """A near miss's terms of one kind, comma-separated (what the worker is told why);
        read for the near misses shown only."""
        if connection.vendor == "postgresql":
            values = "STRING_AGG(t.value, ',' ORDER BY t.id)"
        else:
            values = "GROUP_CONCAT(t.value, ',')"
        where = f"t.project_id = x.id AND t.kind = {p(kind)}"
        query = f"SELECT {values} FROM {term_t} t WHERE {where}"  # noqa: S608 (see _Params)
        return f"CASE WHEN x.misses = 1 THEN ({query}) END AS {kind}_values"

    shown = [f"x.{c}" for c in ROW_COLUMNS if not c.endswith("_values")]
    shown += [listed(kind) for kind in (K.AREA.value, K.STATUS.value, K.TAG.value)]

    sql = f"""
WITH people AS (
    SELECT m.id, m.birth_date FROM {member_t} m
    WHERE m.household_id = {household} AND m.left_at IS NULL{the_person}
), ages AS (
    SELECT DISTINCT {age} AS age FROM people m
), statuses AS (
    SELECT DISTINCT r.status FROM {status_t} r JOIN {member_t} m ON m.id = r.member_id
    WHERE m.household_id = {household} AND m.left_at IS NULL AND r.started_on <= {on}
      AND (r.ended_on IS NULL OR r.ended_on >= {on})
), tags AS (
    SELECT DISTINCT t.tag FROM {tag_t} t JOIN people m ON m.id = t.member_id
), hits AS (
    SELECT c.project_id, 1 AS cov, LENGTH(c.prefix) AS near, 0 AS area, 0 AS form
    FROM {coverage_t} c WHERE c.prefix IN {prefixes}{only("c")}
    UNION ALL
    SELECT t.project_id, 0, 0, 1, 0 FROM {term_t} t
    WHERE t.kind = {area_kind} AND t.value = {area}{only("t")}
    UNION ALL
    SELECT t.project_id, 0, 0, 0, 1 FROM {term_t} t
    WHERE t.kind = {form_kind} AND t.value = {form}{only("t")}
    {itself}
), pool AS (
    SELECT h.project_id, MAX(h.cov) AS ok_coverage, MAX(h.near) AS nearness,
           MAX(h.area) AS ok_area, MAX(h.form) AS ok_form
    FROM hits h GROUP BY h.project_id {two_of_three}
), live_pool AS (
    SELECT pool.*, p.organization_id, p.capacity, p.places_taken,
           CASE WHEN {running} THEN 1 ELSE 0 END AS ok_running,
           CASE WHEN {ages} THEN 1 ELSE 0 END AS ok_age,
           CASE WHEN p.capacity IS NULL OR p.places_taken < p.capacity THEN 1 ELSE 0 END
               AS ok_places
    FROM pool JOIN {project_t} p ON p.id = pool.project_id
    WHERE p.status = {published}
), terms AS (
    SELECT t.project_id,
           SUM(CASE WHEN t.kind = {area_terms} THEN 1 ELSE 0 END) AS area_count,
           MAX(CASE WHEN t.kind = {status_terms} THEN 1 ELSE 0 END) AS has_status,
           MAX(CASE WHEN t.kind = {status_terms} AND t.value IN (SELECT status FROM statuses)
                    THEN 1 ELSE 0 END) AS names_status,
           MAX(CASE WHEN t.kind = {tag_terms} THEN 1 ELSE 0 END) AS has_tag,
           MAX(CASE WHEN t.kind = {tag_terms} AND t.value IN (SELECT tag FROM tags)
                    THEN 1 ELSE 0 END) AS names_tag
    FROM {term_t} t JOIN live_pool l ON l.project_id = t.project_id
    GROUP BY t.project_id
), applied AS (
    SELECT DISTINCT a.project_id FROM {application_t} a
    WHERE a.household_id = {household} AND a.status IN {live}{ignored}
), checked AS (
    SELECT l.project_id AS id, l.ok_running, l.ok_coverage,
           CASE WHEN COALESCE(t.has_status, 0) = 0 OR t.names_status = 1 THEN 1 ELSE 0 END
               AS ok_status,
           CASE WHEN COALESCE(t.has_tag, 0) = 0 OR t.names_tag = 1 THEN 1 ELSE 0 END AS ok_tag,
           l.ok_age, l.ok_places,
           CASE WHEN ap.project_id IS NULL THEN 1 ELSE 0 END AS ok_already_applied,
           l.ok_form, l.ok_area,
           NULLIF(l.nearness, 0) AS nearness, NULLIF(t.area_count, 0) AS area_count,
           l.capacity, l.places_taken,
           NULLIF(f.answered, 0) AS answered_count, f.accepted AS accepted_count,
           f.answer_seconds_mean AS answer_seconds_avg, f.satisfaction_mean AS satisfaction_avg,
           NULLIF(f.satisfaction_count, 0) AS satisfaction_count
    FROM live_pool l
    LEFT JOIN terms t ON t.project_id = l.project_id
    LEFT JOIN applied ap ON ap.project_id = l.project_id
    LEFT JOIN {figures_t} f ON f.organization_id = l.organization_id
), scored AS (
    SELECT c.*, {len(CRITERIA)} - ({oks}) AS misses,
        CAST(25.0 AS {floating}) / COALESCE(c.area_count, 1) AS score_area,
        CAST(CASE c.nearness {near_points} ELSE 0.0 END AS {floating}) AS score_near,
        CASE WHEN c.capacity IS NULL THEN CAST(15.0 AS {floating})
             WHEN c.capacity = 0 THEN CAST(0.0 AS {floating})
             ELSE CAST(15.0 AS {floating}) * (c.capacity - c.places_taken) / c.capacity
        END AS score_places,
        CASE WHEN c.answered_count IS NULL THEN CAST(7.5 AS {floating})
             ELSE CAST(15.0 AS {floating}) * COALESCE(c.accepted_count, 0) / c.answered_count
        END AS score_accept,
        CASE WHEN c.answer_seconds_avg IS NULL THEN CAST(5.0 AS {floating})
             WHEN c.answer_seconds_avg >= {zero_after} THEN CAST(0.0 AS {floating})
             ELSE CAST(10.0 AS {floating}) * (1.0 - c.answer_seconds_avg / {zero_after})
        END AS score_speed,
        CASE WHEN c.satisfaction_avg IS NULL THEN CAST(5.0 AS {floating})
             ELSE CAST(10.0 AS {floating}) * (c.satisfaction_avg - 1.0) / 4.0
        END AS score_satisfaction
    FROM checked c
), ranked AS (
    SELECT s.*, s.score_area + s.score_near + s.score_places + s.score_accept
               + s.score_speed + s.score_satisfaction AS score
    FROM scored s {"" if project_pk else "WHERE s.misses <= 1"}
)
SELECT {", ".join(shown)} FROM (
    SELECT r.*, ROW_NUMBER() OVER (
        PARTITION BY r.misses
        ORDER BY CASE WHEN r.ok_area = 0 OR r.ok_form = 0 THEN 1 ELSE 0 END,
                 r.score DESC, r.id
    ) AS rn
    FROM ranked r
) x {cut}
ORDER BY x.misses, x.rn"""  # noqa: S608 (values are parameters, see _Params)
    return p.bind(sql)


def ranked_rows(need: Need, **options: Any) -> list[dict[str, Any]]:
    """The ranking statement's rows as dictionaries (one query)."""
    sql, params = ranking_sql(need, **options)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(ROW_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def _with_row(project: Project, row: dict[str, Any]) -> Project:
    """The project carrying its row: ``ok_<criterion>`` as booleans, the figures, the score."""
    for column, value in row.items():
        if column.startswith("ok_"):
            value = bool(value)
        setattr(project, column, value)
    K = ProjectTerm.Kind
    project.term_values = {  # type: ignore[attr-defined]
        kind: row[f"{kind}_values"].split(",") if row[f"{kind}_values"] else []
        for kind in (K.AREA, K.STATUS, K.TAG)
    }
    return project


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
    candidates: list[Candidate]
    near_misses: list[Candidate]

    @cached_property
    def person(self) -> Person:
        """What the search knew of the people (read again only when asked for)."""
        return person_of(self.need)


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
    """Why a project is not offered, in the worker's words. Uses the term values the ranking
    statement listed (``term_values``), or else the project's terms."""
    terms: dict[str, list[str]] | None = getattr(project, "term_values", None)
    if terms is None:
        terms = {}
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

    Queries: 1 for the ranking (the person's facts read in it), 1 for the projects shown —
    whatever the number of projects, organisations and applications.
    """
    rows = ranked_rows(need, today=today, limit=limit, near_miss_limit=near_miss_limit)
    projects = Project.objects.select_related("organization__registering_region")
    shown = projects.in_bulk([r["id"] for r in rows]) if rows else {}
    candidates, near_misses = [], []
    for row in rows:
        p = _with_row(shown[row["id"]], row)
        if row["misses"] == 0:
            candidates.append(Candidate(p, p.score, explain(p)))
        else:
            criterion = failed_criterion(p)
            near_misses.append(
                Candidate(p, p.score, [], criterion, failure_detail(p, criterion, need))
            )
    return CandidateSearch(need, candidates, near_misses)


def project_check(
    need: Need, project: Project, *, ignore_application: int | None = None
) -> list[str]:
    """The criteria ``project`` fails for ``need`` (empty: it is a candidate)."""
    rows = ranked_rows(need, project_pk=project.pk, ignore_application=ignore_application)
    if not rows:
        return [Criterion.OTHER.value]
    return [c.value for c in CRITERIA if not rows[0][f"ok_{c.value}"]]
