"""Risk early warning (困难风险预警): the rules of the daily job, each computed in the database.

Each rule is one function that returns the rule's *candidates* as one aggregate queryset, one
row per household (or person) it fires for, with these columns:

==========  ================================================================================
``hh``      the household
``mem``     the person (NULL for a signal about the whole household)
``rc``      the household's village or township code (region scope of the signal)
``fp``      the fingerprint of the facts: what must change for a resolved signal to fire again
``fx``      a JSON object of non-identifying facts (dates, counts, thresholds)
==========  ================================================================================

``run`` applies every enabled rule with one statement each (``_upsert``): an
``INSERT … SELECT … ON CONFLICT DO UPDATE`` over the candidates, on the partial unique index of
open signals (``risksignal_one_open``). A household that already has an open signal for the
rule gets its facts and ``last_seen_on`` updated; a new one gets a signal, unless a person
resolved one with the same fingerprint (a resolved signal does not come back until the facts
change). Then one ``UPDATE`` closes the rule's open signals this run did not see (``seen_at``;
the rule no longer holds; closed with nobody and no note). No Python loop over households:
the work is the same few statements at any scale. Run twice on the same day, it changes
nothing the second time.

Adding a rule is one function: write ``def _my_rule(setting, today, now) -> QuerySet`` with
the columns above, decorate it with ``@rule(RiskRule.X, days=…, count=…)`` and add a sentence
to ``describe``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as django_apps
from django.db import connection, models, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Cast, Coalesce, JSONObject, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.taxonomies import AssistanceStatus
from matching.models import Application
from needs.models import AssistanceRecord, Consent, Household, Need
from needs.selectors import years_ago

from .models import AidRecord, RiskRule, RiskRuleSetting, RiskSignal

CandidateFn = Callable[["Setting", dt.date, dt.datetime], models.QuerySet]


@dataclass(frozen=True)
class Setting:
    """A rule's setting as the job reads it (the row, or the defaults when there is none)."""

    enabled: bool
    days: int | None
    count: int | None


@dataclass(frozen=True)
class Rule:
    rule: str
    candidates: CandidateFn
    days: int | None = None
    count: int | None = None


RULES: dict[str, Rule] = {}


def rule(name: str, *, days: int | None = None, count: int | None = None):
    """Register ``fn`` as the candidates of rule ``name`` with its default thresholds."""

    def register(fn: CandidateFn) -> CandidateFn:
        RULES[name] = Rule(name, fn, days, count)
        return fn

    return register


def _no_member() -> Cast:
    # Typed, so that the column of the derived table is an integer on PostgreSQL.
    return Cast(Value(None), BigIntegerField())


def _text(expression: Any) -> Cast:
    return Cast(expression, CharField(max_length=64))


def _local_date(name: str) -> TruncDate:
    return TruncDate(name, tzinfo=timezone.get_current_timezone())


# --- The rules ---------------------------------------------------------------------------------


@rule(RiskRule.URGENT_NEED_OPEN, days=7)
def _urgent_need_open(setting: Setting, today: dt.date, now: dt.datetime) -> models.QuerySet:
    """An urgent need (急难愁盼) still open or matching more than ``days`` days after it was
    recorded. One signal per household; the fingerprint is its newest such need."""
    since = now - dt.timedelta(days=setting.days or 0)
    return (
        Need.objects.filter(
            urgent=True,
            status__in=Need.LIVE_STATUSES,
            created_at__lt=since,
            household__archived_at__isnull=True,
        )
        .values("household_id")
        .annotate(
            hh=F("household_id"),
            mem=_no_member(),
            rc=F("household__region_id"),
            fp=_text(Max("id")),
            fx=JSONObject(
                since=Min(_local_date("created_at")),
                count=Count("id"),
                threshold=Value(setting.days or 0, output_field=IntegerField()),
            ),
        )
        .values("hh", "mem", "rc", "fp", "fx")
    )


@rule(RiskRule.LEFT_ASSISTANCE_UNVISITED, days=365)
def _left_assistance_unvisited(
    setting: Setting, today: dt.date, now: dt.datetime
) -> models.QuerySet:
    """A person whose 低保 or 特困 ended within ``days`` days (and who holds neither now), in a
    household with no visit on or after that day. Read from the assistance statuses' periods
    (``AssistanceRecord.ended_on``) and the household's last visit (``last_visited_on``, kept by
    the visit services). One signal per household; the fingerprint is the latest end."""
    kinds = [AssistanceStatus.DIBAO, AssistanceStatus.TEKUN]
    still = AssistanceRecord.objects.filter(
        member=OuterRef("member"), status__in=kinds, ended_on__isnull=True
    )
    return (
        AssistanceRecord.objects.filter(
            status__in=kinds,
            ended_on__gte=today - dt.timedelta(days=setting.days or 0),
            ended_on__lte=today,
            member__household__archived_at__isnull=True,
        )
        .filter(
            Q(member__household__last_visited_on__isnull=True)
            | Q(member__household__last_visited_on__lt=F("ended_on"))
        )
        .filter(~Exists(still))
        .values("member__household_id")
        .annotate(
            hh=F("member__household_id"),
            mem=_no_member(),
            rc=F("member__household__region_id"),
            fp=_text(Max("ended_on")),
            fx=JSONObject(
                left_on=Max("ended_on"),
                people=Count("member_id", distinct=True),
                last_visit=Max("member__household__last_visited_on"),
            ),
        )
        .values("hh", "mem", "rc", "fp", "fx")
    )


@rule(RiskRule.GUARDIAN_CONSENT_EXPIRED)
def _guardian_consent_expired(
    setting: Setting, today: dt.date, now: dt.datetime
) -> models.QuerySet:
    """A child (under 18 today, still in the household) whose guardian's consent has expired and
    was not followed by a later consent for the same purpose (renewed, or revoked since). One
    signal per child; the fingerprint is the newest expired consent."""
    later = Consent.objects.filter(
        member=OuterRef("member"),
        purpose=OuterRef("purpose"),
        expires_on__gt=OuterRef("expires_on"),
    )
    adult_born_by = years_ago(18, today)
    return (
        Consent.objects.filter(
            given_by=Consent.GivenBy.GUARDIAN,
            revoked_at__isnull=True,
            expires_on__lt=today,
            member__left_at__isnull=True,
            member__birth_date__gt=adult_born_by,
            household__archived_at__isnull=True,
        )
        .filter(~Exists(later))
        .values("member_id")
        .annotate(
            hh=F("household_id"),
            mem=F("member_id"),
            rc=F("household__region_id"),
            fp=_text(Max("id")),
            fx=JSONObject(expired_on=Max("expires_on"), consents=Count("id")),
        )
        .values("hh", "mem", "rc", "fp", "fx")
    )


@rule(RiskRule.REPEATED_REJECTIONS, days=180, count=3)
def _repeated_rejections(setting: Setting, today: dt.date, now: dt.datetime) -> models.QuerySet:
    """At least ``count`` applications of a household rejected by suppliers within ``days`` days.
    The fingerprint is the newest rejection: another one fires a resolved signal again."""
    return (
        Application.objects.filter(
            answer="rejected",
            answered_at__gte=now - dt.timedelta(days=setting.days or 0),
            household__archived_at__isnull=True,
        )
        .values("household_id")
        .annotate(n=Count("id"))
        .filter(n__gte=setting.count or 1)
        .annotate(
            hh=F("household_id"),
            mem=_no_member(),
            rc=F("household__region_id"),
            fp=_text(Max("id")),
            fx=JSONObject(
                count=Count("id"),
                first_on=Min(_local_date("answered_at")),
                last_on=Max(_local_date("answered_at")),
                threshold=Value(setting.days or 0, output_field=IntegerField()),
            ),
        )
        .values("hh", "mem", "rc", "fp", "fx")
    )


@rule(RiskRule.TEKUN_UNVISITED, days=90)
def _tekun_unvisited(setting: Setting, today: dt.date, now: dt.datetime) -> models.QuerySet:
    """A household with a current 特困 person and no home visit within ``days`` days. The
    fingerprint is the last visit: resolved, it comes back after the next visit lapses."""
    tekun = AssistanceRecord.objects.filter(
        member__household=OuterRef("pk"),
        member__left_at__isnull=True,
        status=AssistanceStatus.TEKUN,
        ended_on__isnull=True,
    )
    return (
        Household.objects.filter(archived_at__isnull=True)
        .filter(
            Q(last_visited_on__isnull=True)
            | Q(last_visited_on__lt=today - dt.timedelta(days=setting.days or 0))
        )
        .filter(Exists(tekun))
        .values(
            hh=F("id"),
            mem=_no_member(),
            rc=F("region_id"),
            fp=Coalesce(_text(F("last_visited_on")), Value("never"), output_field=CharField()),
            fx=JSONObject(
                last_visit=F("last_visited_on"),
                threshold=Value(setting.days or 0, output_field=IntegerField()),
            ),
        )
    )


@rule(RiskRule.ILLNESS_NO_NEED, days=180)
def _illness_no_need(setting: Setting, today: dt.date, now: dt.datetime) -> models.QuerySet:
    """A member unit's record of serious-illness assistance (大病救助, matched to a current
    member through the blind index) given within ``days`` days, in a household with no live
    need and no need recorded since that aid was given: nobody has looked at what the illness
    means for the household. One signal per person; the fingerprint is the newest record."""
    since = today - dt.timedelta(days=setting.days or 0)
    live = Need.objects.filter(household=OuterRef("household"), status__in=Need.LIVE_STATUSES)
    recorded_since = Need.objects.filter(
        household=OuterRef("household"), created_at__date__gte=OuterRef("given_on")
    )
    return (
        AidRecord.objects.filter(
            status=AidRecord.Status.MATCHED,
            kind=AidRecord.Kind.SERIOUS_ILLNESS,
            given_on__gte=since,
            given_on__lte=today,
            member__left_at__isnull=True,
            household__archived_at__isnull=True,
        )
        .filter(~Exists(live), ~Exists(recorded_since))
        .values("member_id")
        .annotate(
            hh=Max("household_id"),
            mem=F("member_id"),
            rc=Max("household__region_id"),
            fp=_text(Max("id")),
            fx=JSONObject(
                given_on=Max("given_on"),
                records=Count("id"),
                threshold=Value(setting.days or 0, output_field=IntegerField()),
            ),
        )
        .values("hh", "mem", "rc", "fp", "fx")
    )


# --- What a signal says -----------------------------------------------------------------------


def _day(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _days_since(value: Any, today: dt.date) -> int | None:
    day = _day(value)
    return (today - day).days if day else None


def describe(rule_name: str, facts: dict[str, Any], today: dt.date | None = None) -> str:
    """The sentence a signal shows, built from its facts (in the active language)."""
    today = today or timezone.localdate()
    facts = facts or {}
    if rule_name == RiskRule.URGENT_NEED_OPEN:
        return _(
            "%(count)s urgent need(s) open since %(since)s (%(days)s days; the limit is "
            "%(threshold)s days)."
        ) % {
            "count": facts.get("count", 0),
            "since": facts.get("since", ""),
            "days": _days_since(facts.get("since"), today),
            "threshold": facts.get("threshold", ""),
        }
    if rule_name == RiskRule.LEFT_ASSISTANCE_UNVISITED:
        last = facts.get("last_visit")
        visit = _("last visit on %(day)s") % {"day": last} if last else _("never visited")
        return _(
            "%(people)s person(s) left dibao or tekun on %(day)s (%(days)s days ago); no home "
            "visit since (%(visit)s)."
        ) % {
            "people": facts.get("people", 1),
            "day": facts.get("left_on", ""),
            "days": _days_since(facts.get("left_on"), today),
            "visit": visit,
        }
    if rule_name == RiskRule.GUARDIAN_CONSENT_EXPIRED:
        return _(
            "The guardian's consent for this child expired on %(day)s (%(days)s days ago) and "
            "has not been renewed."
        ) % {
            "day": facts.get("expired_on", ""),
            "days": _days_since(facts.get("expired_on"), today),
        }
    if rule_name == RiskRule.REPEATED_REJECTIONS:
        return _(
            "%(count)s applications rejected between %(first)s and %(last)s (within "
            "%(threshold)s days)."
        ) % {
            "count": facts.get("count", 0),
            "first": facts.get("first_on", ""),
            "last": facts.get("last_on", ""),
            "threshold": facts.get("threshold", ""),
        }
    if rule_name == RiskRule.TEKUN_UNVISITED:
        last = facts.get("last_visit")
        if not last:
            return _("A tekun household never visited (the limit is %(threshold)s days).") % {
                "threshold": facts.get("threshold", "")
            }
        return _(
            "A tekun household last visited on %(day)s, %(days)s days ago (the limit is "
            "%(threshold)s days)."
        ) % {
            "day": last,
            "days": _days_since(last, today),
            "threshold": facts.get("threshold", ""),
        }
    if rule_name == RiskRule.ILLNESS_NO_NEED:
        return _(
            "A member unit recorded serious illness assistance on %(day)s (%(days)s days ago, "
            "%(records)s record(s)); the household has no open need and none recorded since."
        ) % {
            "day": facts.get("given_on", ""),
            "days": _days_since(facts.get("given_on"), today),
            "records": facts.get("records", 1),
        }
    return ""


# --- The job ---------------------------------------------------------------------------------


def settings_in_force() -> dict[str, Setting]:
    """Every rule's setting: the administrators' row, or the rule's defaults."""
    rows = {row.rule: row for row in RiskRuleSetting.objects.all()}
    found = {}
    for name in RiskRule.values:
        default = RULES.get(name)
        row = rows.get(name)
        if row is not None:
            # A threshold left empty by an administrator falls back to the rule's default.
            found[name] = Setting(
                row.enabled and default is not None,
                row.days if row.days is not None else getattr(default, "days", None),
                row.count if row.count is not None else getattr(default, "count", None),
            )
        elif default is not None:
            found[name] = Setting(True, default.days, default.count)
        else:
            found[name] = Setting(False, None, None)
    return found


def ensure_rule_settings(*, using: str = "default", apps: Any = None, **kwargs: Any) -> None:
    """After every ``migrate`` and ``flush`` (Django's post_migrate): a row with the rule's
    defaults for each rule that has none, so an administrator always finds every rule to set.
    The data migrations seed them on a new database; a flush (``manage.py flush``, a
    transactional test's teardown) empties the table, and this puts the defaults back. An
    administrator's existing row is never changed."""
    try:
        setting = (apps or django_apps).get_model("oversight", "RiskRuleSetting")
    except LookupError:  # migrated back before the settings existed
        return
    manager = setting._default_manager.db_manager(using)
    have = set(manager.values_list("rule", flat=True))
    manager.bulk_create(
        setting(rule=name, enabled=True, days=default.days, count=default.count)
        for name, default in RULES.items()
        if name not in have
    )


_TABLE = RiskSignal._meta.db_table
#: The table name and the ORM-compiled candidates go in by ``format``; every value is a
#: parameter. ``WHERE`` after the ``SELECT`` also keeps SQLite's upsert parser unambiguous.
_UPSERT = (
    "INSERT INTO {table} (household_id, member_id, rule, facts, fingerprint, region_code, "
    "status, first_fired_on, last_seen_on, seen_at, resolution_note) "
    "SELECT c.hh, c.mem, %s, c.fx, c.fp, c.rc, 'open', %s, %s, %s, '' FROM ({candidates}) c "
    "WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.household_id = c.hh AND r.rule = %s "
    "AND r.resolved_by_id IS NOT NULL AND r.fingerprint = c.fp "
    "AND COALESCE(r.member_id, 0) = COALESCE(c.mem, 0)) "
    "ON CONFLICT (household_id, COALESCE(member_id, 0), rule) WHERE status = 'open' "
    "DO UPDATE SET facts = excluded.facts, fingerprint = excluded.fingerprint, "
    "region_code = excluded.region_code, last_seen_on = excluded.last_seen_on, "
    "seen_at = excluded.seen_at"
)


def _upsert(name: str, candidates: models.QuerySet, today: dt.date, now: dt.datetime) -> int:
    """One statement: insert the candidates as open signals, or refresh the open ones."""
    sql, params = candidates.query.sql_with_params()
    statement = _UPSERT.format(table=_TABLE, candidates=sql)
    values = [name, today, today, now, *params, name]
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        return cursor.rowcount


def _close_unseen(name: str, today: dt.date, now: dt.datetime, *, everything: bool) -> int:
    """Close the rule's open signals the run did not see (or all of them: rule switched off)."""
    found = RiskSignal.objects.filter(rule=name, status=RiskSignal.Status.OPEN)
    if not everything:
        found = found.filter(seen_at__lt=now)
    return found.update(status=RiskSignal.Status.RESOLVED, resolved_at=now)


@dataclass
class RunResult:
    fired: dict[str, int] = field(default_factory=dict)
    closed: dict[str, int] = field(default_factory=dict)
    new: int = 0
    notified: int = 0
    #: Wall time of each rule (its upsert and close) and of the notifications, in seconds.
    seconds: dict[str, float] = field(default_factory=dict)


def run(*, now: dt.datetime | None = None) -> RunResult:
    """Apply every rule (each in its own transaction), then tell the people concerned."""
    from .services_risk import risk_signals_notify

    now = now or timezone.now()
    today = timezone.localdate(now)
    result = RunResult()
    for name, setting in settings_in_force().items():
        spec = RULES.get(name)
        started = time.perf_counter()
        with transaction.atomic():
            if spec is None or not setting.enabled:
                result.closed[name] = _close_unseen(name, today, now, everything=True)
                continue
            result.fired[name] = _upsert(name, spec.candidates(setting, today, now), today, now)
            result.closed[name] = _close_unseen(name, today, now, everything=False)
        result.seconds[name] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    result.new, result.notified = risk_signals_notify(today=today)
    result.seconds["notify"] = round(time.perf_counter() - started, 3)
    return result
