"""Two-way referral and case service: synthetic data (``manage.py generate_data``,
``accounts.generator``).

At scale 1.0, over the applications' fifteen months (DOMAIN.md §2's province, §1.4's two-way
referral):

* 20,000 referrals about 15,000 synthetic households that have a need (at least one in every
  direction and status, whatever the scale): to a charity 45 %, to
  the township station for case service 35 %, from a charity to the county civil affairs 20 %;
  closed 45 %, in service 15 %, declined 10 %, accepted 8 %, received 7 %, sent 15 % (the open
  ones recent, a fifth of the unreceived ones past their deadline, reminded and escalated as
  the daily job would have). Each status carries the times, people, reasons and outcomes the
  services write (``referrals.services``): receipt, answer, start of service, outcome, closure,
  the deadlines of the day sent on the Chinese calendar. About a third of the declined
  referrals to a charity are referred on to another (``previous``): about 250 more rows.
* A charity's referral is about a person of the ledger's places; 40 % of those received are
  linked to the household (every one whose government aid was granted: the status is added to
  the household head, as ``needs.services`` would; about 1,100 statuses, the households' list
  flags refreshed).
* Consent first: every person referred to a charity has a recorded consent to referral (any
  supplier, two years, before the first referral; a guardian for a child under 14): about
  7,000 consents.
* 8,000 cases (个案服务): the station's case of each referral to the station taken on (about
  3,200: open while the referral is in service, closed with it), and 4,800 opened directly;
  one open case a household at most; 1–3 service-plan goals and 1–4 notes or reviews each
  (about 16,000 goals and 20,000 notes).
* The receivers the services require: one civil-affairs officer for each county department
  (a city's for Dongguan and Zhongshan) of the places referred from, and one staff account for
  each synthetic organisation (3,000). Users are flagged ``is_synthetic``; referrals, cases,
  goals, notes and consents are synthetic through their household or organisation.

Free text about a person (reasons, notes, assessments, goals, the name a charity gives) is one
encrypted placeholder; the snapshot sent is the JSON the receiver's page reads, with that
placeholder as the name. Bulk-created in batches, indexes after the load on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import pgettext

from accounts.generator import Context, chinese_name, indexes_after_load, synthetic_user, weighted

REFERRALS = 20_000
REFERRED_HOUSEHOLDS = 15_000
DIRECT_CASES = 4_800
DIRECTIONS = (("to_charity", 45), ("to_station", 35), ("to_civil_affairs", 20))
STATUSES = ("sent", "received", "accepted", "declined", "in_service", "closed")
STATUS_MIX = (
    ("closed", 45), ("in_service", 15), ("declined", 10), ("accepted", 8), ("received", 7),
    ("sent", 15),
)  # fmt: skip
#: Days since a referral in each status was sent: the open ones are recent.
SENT_DAYS_AGO = {
    "sent": (0, 8),
    "received": (1, 40),
    "accepted": (3, 90),
    "in_service": (10, 300),
    "declined": (5, 450),
    "closed": (15, 450),
}
#: Referrals still not received a long time after their deadline (the receiver reminded).
LATE_SHARE = 0.2
URGENCY = (("normal", 80), ("urgent", 17), ("critical", 3))
AID_SOUGHT = ("dibao", "dibao_marginal", "tekun", "temporary_assistance",
              "rigid_expenditure_hardship")  # fmt: skip
OUTCOMES = {
    "to_charity": (("helped", 60), ("partly_helped", 25), ("not_helped", 15)),
    "to_station": (("helped", 55), ("partly_helped", 30), ("not_helped", 15)),
    "to_civil_affairs": (("granted", 55), ("not_eligible", 45)),
}
#: A closed referral went through service first (a charity served, civil affairs recorded the
#: application, the station kept a case); the others closed straight from accepted.
THROUGH_SERVICE = 0.75
ONWARD_SHARE = 0.3
LINKED_SHARE = 0.4
CASE_OUTCOMES = (
    ("goals_met", 45), ("partly_met", 25), ("not_met", 10), ("referred_on", 10), ("ended", 10),
)  # fmt: skip
#: Case outcome -> the outcome of the referral it closes (``Case.REFERRAL_OUTCOME``).
CASE_TO_REFERRAL = {
    "goals_met": "helped",
    "partly_met": "partly_helped",
    "not_met": "not_helped",
    "referred_on": "not_helped",
    "ended": "not_helped",
}
DIRECT_CLOSED_SHARE = 0.6
TEXT = "合成数据"  # the encrypted fields encrypt it on save
BATCH = 5_000
#: When the daily follow-up runs (config/settings.py beat, Asia/Shanghai).
FOLLOW_UP = dt.time(8, 30)


@dataclass
class Plan:
    """Who a referral is about and who handles it, read once."""

    households: dict[int, dict[str, Any]]
    pool: list[tuple[int, int]]  # (need, household)
    needs: dict[int, dict[str, Any]]
    heads: dict[int, dict[str, Any]]  # household -> head
    held: set[tuple[int, str]]  # (member, status) in force
    workers: dict[str, list[int]]
    orgs: list[int]
    staff: dict[int, int] = field(default_factory=dict)  # organisation -> user
    officers: dict[str, int] = field(default_factory=dict)  # department -> user
    department: Callable[[str], str] = str
    places: Any = None


def generate(ctx: Context) -> None:
    from needs.models import Consent
    from referrals.models import Case, CaseGoal, CaseNote, Referral

    plan = _read(ctx)
    if plan is None:
        return
    with ctx.step("people"):
        _people(ctx, plan)
    with indexes_after_load(
        ctx, Referral, Referral.needs.through, Case, CaseGoal, CaseNote, Consent
    ):
        with ctx.step(pgettext("generated rows", "referrals")):
            referrals, grants = _referrals(ctx, plan)
        with ctx.step(pgettext("generated rows", "cases")):
            _cases(ctx, plan, referrals)
    if grants:
        from needs.flags import household_flags_refresh

        household_flags_refresh(sorted(grants))


# --- What there is to refer ------------------------------------------------------------------


def _read(ctx: Context) -> Plan | None:
    from accounts.models import User
    from needs.models import AssistanceRecord, Household, Member, Need
    from supply.models import Organization
    from supply.synthetic import Places

    rng = ctx.rng("referred households")
    needs = list(
        Need.objects.filter(household__is_synthetic=True)
        .order_by("pk")
        .values_list("pk", "household_id")
    )
    if not needs:
        return None
    # The households that have a need (the referral concerns its first), drawn.
    first: dict[int, int] = {}
    for need, household in needs:
        first.setdefault(household, need)
    households = sorted(first)
    chosen = sorted(
        rng.sample(
            households, min(len(households), ctx.count("referred_households", REFERRED_HOUSEHOLDS))
        )
    )
    pool = [(first[h], h) for h in chosen]
    info: dict[int, dict[str, Any]] = {}
    need_info: dict[int, dict[str, Any]] = {}
    heads: dict[int, dict[str, Any]] = {}
    for start in range(0, len(chosen), 10_000):
        part = chosen[start : start + 10_000]
        for row in Household.objects.filter(pk__in=part).values(
            "pk", "code", "region_id", "station_id", "worker_id", "gap_class"
        ):
            info[row["pk"]] = row
        for row in Need.objects.filter(pk__in=[first[h] for h in part]).values(
            "pk", "area", "form", "urgent"
        ):
            need_info[row["pk"]] = row
        for row in Member.objects.filter(
            household_id__in=part, relation="head", left_at__isnull=True
        ).values("pk", "household_id", "sex", "birth_date"):
            heads[row["household_id"]] = row
    held: set[tuple[int, str]] = set()
    member_ids = sorted(h["pk"] for h in heads.values())
    for start in range(0, len(member_ids), 10_000):
        held.update(
            AssistanceRecord.objects.filter(
                member_id__in=member_ids[start : start + 10_000], ended_on__isnull=True
            ).values_list("member_id", "status")
        )
    pool = [(n, h) for n, h in pool if h in heads and info[h]["worker_id"]]
    if not pool:
        return None
    workers = ctx.shared.get("workers")
    if workers is None:
        workers = {}
        for pk, region in (
            User.objects.filter(is_synthetic=True, role=User.Role.SOCIAL_WORKER)
            .order_by("pk")
            .values_list("pk", "region_id")
        ):
            workers.setdefault(region, []).append(pk)
    orgs = list(
        Organization.objects.filter(is_synthetic=True).order_by("pk").values_list("pk", flat=True)
    )
    places = ctx.shared.get("places") or Places()
    ctx.shared["places"] = places

    def department(code: str) -> str:
        """The county civil affairs of a place (the city's where there is no county level):
        ``referrals.services._department_of``."""
        node = places.by_code.get(code[:9] + "000")
        while node is not None and node.level not in ("county", "prefecture"):
            node = places.by_code.get(node.parent_id)
        return node.code if node is not None else code

    return Plan(
        households=info,
        pool=pool,
        needs=need_info,
        heads=heads,
        held=held,
        workers=workers,
        orgs=orgs,
        department=department,
        places=places,
    )


def _people(ctx: Context, plan: Plan) -> None:
    """The receivers the services require: county civil affairs and charity staff."""
    from accounts.models import User
    from supply.models import Organization

    rng = ctx.rng("referral people")
    departments = sorted({plan.department(plan.households[h]["region_id"]) for _n, h in plan.pool})
    officers = User.objects.bulk_create(
        synthetic_user(rng, f"synthetic_ca_{code}", User.Role.CIVIL_AFFAIRS, code)
        for code in departments
    )
    plan.officers = {u.region_id: u.pk for u in officers}
    staff = User.objects.bulk_create(
        (
            synthetic_user(rng, f"synthetic_cs_{i:05d}", User.Role.CHARITY)
            for i in range(1, len(plan.orgs) + 1)
        ),
        batch_size=BATCH,
    )
    Organization.staff.through.objects.bulk_create(
        (
            Organization.staff.through(organization_id=org, user_id=user.pk)
            for org, user in zip(plan.orgs, staff, strict=True)
        ),
        batch_size=BATCH,
    )
    plan.staff = {org: user.pk for org, user in zip(plan.orgs, staff, strict=True)}
    ctx.record(pgettext("generated rows", "civil affairs staff"), len(officers))
    ctx.record(pgettext("generated rows", "charity staff"), len(staff))


# --- Referrals -------------------------------------------------------------------------------


class Deadlines:
    """The deadlines of a day sent, as ``referrals.services`` fixes them (cached by day)."""

    def __init__(self) -> None:
        self.known: dict[dt.date, tuple[dt.date, dt.date]] = {}

    def __call__(self, day: dt.date) -> tuple[dt.date, dt.date]:
        from referrals.workdays import add_working_days

        if day not in self.known:
            self.known[day] = (
                add_working_days(day, settings.REFERRAL_RECEIPT_WORKING_DAYS),
                day + dt.timedelta(days=settings.REFERRAL_OUTCOME_DAYS),
            )
        return self.known[day]


def _job_time(day: dt.date) -> dt.datetime:
    """The daily follow-up's run on ``day`` (the first run after a deadline)."""
    return timezone.make_aware(dt.datetime.combine(day, FOLLOW_UP))


def _times(
    rng: random.Random, status: str, through: bool, sent: dt.datetime, now: dt.datetime
) -> dict[str, dt.datetime]:
    """The moments a referral of ``status`` went through, squeezed before now if needed."""
    hour = 3600.0
    steps: list[tuple[str, float]] = []
    if status != "sent":
        late = rng.random() < 0.15
        steps.append(("received", rng.uniform(1, 240 if late else 72) * hour))
    if status in ("accepted", "declined", "in_service", "closed"):
        steps.append(("answered", rng.uniform(1, 8 * 24) * hour))
    if status == "in_service" or (status == "closed" and through):
        steps.append(("started", rng.uniform(1, 15 * 24) * hour))
    if status == "closed":
        steps.append(("closed", rng.uniform(5 * 24, 120 * 24) * hour))
    offsets, total = [], 0.0
    for name, seconds in steps:
        total += seconds
        offsets.append((name, total))
    room = (now - sent).total_seconds() * 0.98
    squeeze = min(1.0, room / total) if total else 1.0
    return {name: sent + dt.timedelta(seconds=offset * squeeze) for name, offset in offsets}


def _snapshot(plan: Plan, region: str, on: dt.date, household: int | None, need: int | None):
    """The JSON ``referrals.services`` freezes (``_snapshot``, ``_person_snapshot``), with the
    placeholder as the person's name."""
    from accounts.taxonomies import AidForm, CharityArea
    from needs.idnumbers import age_on
    from needs.models import Member

    township = plan.places.by_code.get(region[:9] + "000")
    person: dict[str, Any] = {
        "name": TEXT,
        "sex": "",
        "age": None,
        "place": township.name if township else "",
        "simplified_procedure": False,
    }
    data: dict[str, Any] = {
        "person": person,
        "household": {"size": None, "difficulty_group": ""},
        "needs": [],
    }
    if household is not None:
        head = plan.heads[household]
        person["sex"] = str(Member.Sex(head["sex"]).label)
        person["age"] = age_on(head["birth_date"], on)
        person["simplified_procedure"] = any(
            (head["pk"], s) in plan.held for s in ("dibao", "tekun")
        )
    if need is not None:
        row = plan.needs[need]
        data["needs"] = [
            {
                "area": str(CharityArea(row["area"]).label),
                "form": str(AidForm(row["form"]).label),
                "urgent": row["urgent"],
            }
        ]
    return json.dumps(data, ensure_ascii=False)


def _referrals(ctx: Context, plan: Plan) -> tuple[list[Any], set[int]]:
    """Every referral with the need it concerns and the consent it rests on; returns the
    referrals and the households granted an assistance status."""
    from needs.models import AssistanceRecord
    from referrals.models import Referral

    rng = ctx.rng("referrals")
    now = ctx.now
    deadlines = Deadlines()
    # A charity's referrals need organisations (none when supply made none).
    directions = tuple((d, w) for d, w in DIRECTIONS if plan.orgs or d == "to_station")
    pairs = [(d, s) for d, _w in directions for s in STATUSES]
    made: list[Any] = []
    need_of: dict[int, int] = {}  # position in made -> the need concerned
    grants: list[tuple[int, int, str, dt.date]] = []  # household, member, status, day
    consent_day: dict[int, dt.date] = {}  # household -> day of its first referral to a charity
    serving: set[int] = set()  # households with a referral to the station in service

    def make(
        direction: str, status: str, sent: dt.datetime, need: int, household: int, previous=None
    ) -> Any:
        home, head = plan.households[household], plan.heads[household]
        if direction == "to_station" and status == "in_service" and household in serving:
            status = "closed"  # one open case a household: the earlier one closed
        through = rng.random() < THROUGH_SERVICE or status == "in_service"
        times = _times(rng, status, through, sent, now)
        received_due, outcome_due = deadlines(timezone.localdate(sent))
        department = plan.department(home["region_id"])
        officer = plan.officers[department]
        values: dict[str, Any] = {
            "direction": direction,
            "status": status,
            "urgency": weighted(rng, URGENCY)[0],
            "region_id": home["region_id"],
            "reason": TEXT,
            "sent_at": sent,
            "created_at": sent,
            "received_due": received_due,
            "outcome_due": outcome_due,
        }
        if direction == "to_civil_affairs":
            org = rng.choice(plan.orgs)
            receiver = officer
            values.update(
                person_name=TEXT,
                person_agreed=True,
                aid_sought=rng.choice(AID_SOUGHT),
                sender_id=plan.staff[org],
                sender_organization_id=org,
                receiver_region_id=department,
            )
        else:
            if previous is not None:  # referred elsewhere by the sender of the declined one
                sender, sender_region = previous.sender_id, previous.sender_region_id
            elif direction == "to_charity" or rng.random() < 0.5:
                sender, sender_region = home["worker_id"], home["station_id"]
            else:
                sender, sender_region = officer, department
            values.update(
                household_id=household,
                member_id=head["pk"],
                sender_id=sender,
                sender_region_id=sender_region,
            )
            if direction == "to_charity":
                org = rng.choice(plan.orgs)
                while (
                    previous is not None
                    and len(plan.orgs) > 1
                    and (org == previous.receiver_organization_id)
                ):
                    org = rng.choice(plan.orgs)
                receiver = plan.staff[org]
                values["receiver_organization_id"] = org
                day = timezone.localdate(sent)
                consent_day[household] = min(consent_day.get(household, day), day)
            else:
                receiver = rng.choice(plan.workers.get(home["station_id"]) or [home["worker_id"]])
                values["receiver_region_id"] = home["station_id"]
        case_outcome = _answer(rng, values, times, receiver)
        if case_outcome:  # closed by the case worker with the case
            values["outcome_by_id"] = home["worker_id"]
        if values.get("outcome") == "granted":
            # Added to the household head through the needs service: a status held already
            # is not granted twice.
            free = [s for s in AID_SOUGHT if (head["pk"], s) not in plan.held]
            if values["aid_sought"] not in free:
                values["aid_sought"] = free[0] if free else values["aid_sought"]
            if free:
                values["granted_status"] = values["aid_sought"]
                plan.held.add((head["pk"], values["aid_sought"]))
                day = timezone.localdate(times["closed"])
                grants.append((household, head["pk"], values["aid_sought"], day))
            else:
                values["outcome"] = "not_eligible"
        if direction == "to_civil_affairs" and (
            values.get("granted_status") or (status != "sent" and rng.random() < LINKED_SHARE)
        ):
            # Civil affairs linked the person to their household in the ledger.
            end = values.get("outcome_at") or values.get("closed_at") or now
            values.update(
                household_id=household,
                member_id=head["pk"],
                household_linked_at=times["received"] + (end - times["received"]) / 2,
            )
        about_household = direction != "to_civil_affairs"
        values["snapshot"] = _snapshot(
            plan,
            home["region_id"],
            timezone.localdate(sent),
            household if about_household else None,
            need if about_household else None,
        )
        _follow_up(values, times, received_due, outcome_due, now)
        referral = Referral(**values)
        referral.case_outcome = case_outcome  # read by _cases
        if about_household:
            need_of[len(made)] = need
        if direction == "to_station" and status == "in_service":
            serving.add(household)
        made.append(referral)
        return referral

    declined: list[int] = []
    for i in range(max(ctx.count("referrals", REFERRALS), len(pairs))):
        if i < len(pairs):  # every direction in every status, whatever the scale
            direction, status = pairs[i]
        else:
            direction, status = weighted(rng, directions)[0], weighted(rng, STATUS_MIX)[0]
        low, high = SENT_DAYS_AGO[status]
        if status == "sent" and rng.random() < LATE_SHARE:
            low, high = 8, 60
        sent = now - dt.timedelta(days=rng.uniform(low, high), minutes=rng.randint(10, 600))
        need, household = rng.choice(plan.pool)
        referral = make(direction, status, sent, need, household)
        onward = referral.status == "declined" and direction == "to_charity"
        if onward and rng.random() < ONWARD_SHARE:
            declined.append(len(made) - 1)
    first_pass = len(made)
    chain: list[tuple[int, int]] = []
    for index in declined:
        previous = made[index]
        sent = previous.answered_at + dt.timedelta(hours=rng.uniform(1, 120))
        status = weighted(rng, STATUS_MIX)[0]
        if sent >= now - dt.timedelta(minutes=10):
            continue
        make("to_charity", status, sent, need_of[index], previous.household_id, previous)
        chain.append((index, len(made) - 1))

    consents = _consents(ctx, plan, consent_day)
    for referral in made:
        if referral.direction == "to_charity":
            referral.consent = consents[referral.household_id]
    saved = Referral.objects.bulk_create(made[:first_pass], batch_size=BATCH)
    for index, later in chain:
        made[later].previous = saved[index]
    saved += Referral.objects.bulk_create(made[first_pass:], batch_size=BATCH)
    Referral.needs.through.objects.bulk_create(
        (
            Referral.needs.through(referral_id=saved[i].pk, need_id=need)
            for i, need in sorted(need_of.items())
        ),
        batch_size=BATCH,
    )
    AssistanceRecord.objects.bulk_create(
        (
            AssistanceRecord(member_id=member, status=status, started_on=day, note=TEXT)
            for _household, member, status, day in grants
        ),
        batch_size=BATCH,
    )
    ctx.record(pgettext("generated rows", "referrals"), len(saved))
    ctx.record(pgettext("generated rows", "consents"), len(consents))
    ctx.record(pgettext("generated rows", "assistance statuses"), len(grants))
    return saved, {household for household, *_rest in grants}


def _answer(
    rng: random.Random, values: dict[str, Any], times: dict[str, dt.datetime], receiver: int
) -> str:
    """The receiver's side of a referral in its status, as the services write it. Returns the
    outcome of the station's case it closed through ('' if none)."""
    status, direction = values["status"], values["direction"]
    changed = values["sent_at"]
    case_outcome = ""
    if "received" in times:
        values.update(received_at=times["received"], received_by_id=receiver)
        changed = times["received"]
    if "answered" in times:
        if rng.random() < 0.3:  # accepted or declined without confirming receipt first
            times["received"] = times["answered"]
            values["received_at"] = times["answered"]
        values.update(answered_at=times["answered"], answered_by_id=receiver)
        changed = times["answered"]
    if status == "declined":
        values.update(decline_reason=TEXT, outcome_at=changed, closed_at=changed)
    if "started" in times:
        changed = times["started"]
        values.update(started_at=changed, outcome_at=changed)
        if direction == "to_civil_affairs":  # the application for government aid recorded
            values.update(outcome="applied", outcome_note=TEXT, outcome_by_id=receiver)
    if status == "closed":
        changed = times["closed"]
        values.update(closed_at=changed, outcome_by_id=receiver)
        if direction == "to_station" and "started" in times:
            # Closed through its case (``case_close``): the outcome follows the case's, and
            # the moment of the outcome stays the opening of the case.
            case_outcome = weighted(rng, CASE_OUTCOMES)[0]
            values["outcome"] = CASE_TO_REFERRAL[case_outcome]
            values["outcome_note"] = "" if case_outcome == "goals_met" else TEXT
        else:
            values.update(
                outcome=weighted(rng, OUTCOMES[direction])[0], outcome_note=TEXT, outcome_at=changed
            )
            values.setdefault("started_at", changed)
    values["status_changed_at"] = changed
    return case_outcome


def _follow_up(
    values: dict[str, Any],
    times: dict[str, dt.datetime],
    received_due: dt.date,
    outcome_due: dt.date,
    now: dt.datetime,
) -> None:
    """What the daily follow-up claimed: the reminder of a referral still not received after
    its deadline, the escalation of one still without an outcome after its days."""
    remind = _job_time(received_due + dt.timedelta(days=1))
    if remind <= now and times.get("received", now) > remind:
        values["reminded_at"] = remind
    # Waiting for the outcome (sent, received, accepted) until declined, served or closed.
    waited_until = times.get("started") or values.get("outcome_at") or now
    escalate = _job_time(outcome_due + dt.timedelta(days=1))
    if escalate <= now and waited_until > escalate:
        values["escalated_at"] = escalate


def _consents(ctx: Context, plan: Plan, first_day: dict[int, dt.date]) -> dict[int, Any]:
    """A consent to referral for the head of each household referred to a charity: given
    before the first referral, to any supplier, for two years (through a guardian for a child
    under 14)."""
    from needs.idnumbers import age_on
    from needs.models import Consent

    rng = ctx.rng("consents")
    rows = []
    for household in sorted(first_day):
        head = plan.heads[household]
        given = first_day[household] - dt.timedelta(days=rng.randint(0, 10))
        child = age_on(head["birth_date"], given) < 14
        guardian = chinese_name(rng)  # drawn either way: the draws do not follow the clock
        rows.append(
            Consent(
                household_id=household,
                member_id=head["pk"],
                given_by=Consent.GivenBy.GUARDIAN if child else Consent.GivenBy.SELF,
                guardian_name=guardian if child else "",
                guardian_relation="祖父母" if child else "",
                purpose=Consent.Purpose.REFERRAL,
                scope=Consent.Scope.ANY_SUPPLIER,
                given_on=given,
                expires_on=given + dt.timedelta(days=730),
                recorded_by_id=plan.households[household]["worker_id"],
                created_at=min(
                    ctx.now, timezone.make_aware(dt.datetime.combine(given, dt.time(10)))
                ),
            )
        )
    rows = Consent.objects.bulk_create(rows, batch_size=BATCH)
    return {c.household_id: c for c in rows}


# --- Cases -----------------------------------------------------------------------------------


def _cases(ctx: Context, plan: Plan, referrals: list[Any]) -> None:
    """The station's case of every referral to the station taken on, and cases opened
    directly; their goals and notes."""
    from referrals.models import Case, CaseGoal, CaseNote

    rng = ctx.rng("cases")
    now, today = ctx.now, ctx.today
    cases: list[Any] = []
    open_at: set[int] = set()
    for r in referrals:
        outcome = r.case_outcome
        if r.direction != "to_station" or not (r.status == "in_service" or outcome):
            continue
        household = plan.households[r.household_id]
        cases.append(
            Case(
                household_id=r.household_id,
                member_id=r.member_id,
                referral_id=r.pk,
                station_id=household["station_id"],
                worker_id=household["worker_id"],
                status="closed" if outcome else "open",
                assessment=TEXT,
                next_review_on=None if outcome else today + dt.timedelta(rng.randint(-20, 60)),
                opened_at=r.started_at,
                opened_by_id=r.answered_by_id,  # the station's worker who took it on
                outcome=outcome,
                closing_note=r.outcome_note if outcome else "",
                closed_at=r.closed_at if outcome else None,
                closed_by_id=household["worker_id"] if outcome else None,
            )
        )
        if not outcome:
            open_at.add(r.household_id)
    for _ in range(ctx.count("direct_cases", DIRECT_CASES)):
        _need, h = rng.choice(plan.pool)
        household = plan.households[h]
        opened = now - dt.timedelta(days=rng.uniform(1, 450), minutes=rng.randint(10, 600))
        closes = rng.random() < DIRECT_CLOSED_SHARE or h in open_at
        closed, outcome = None, ""
        if closes:
            span = (now - opened).total_seconds() * 0.98
            closed = opened + dt.timedelta(seconds=min(span, rng.uniform(20, 300) * 86400))
            outcome = weighted(rng, CASE_OUTCOMES)[0]
        else:
            open_at.add(h)
        cases.append(
            Case(
                household_id=h,
                member_id=plan.heads[h]["pk"] if rng.random() < 0.6 else None,
                station_id=household["station_id"],
                worker_id=household["worker_id"],
                status="closed" if closes else "open",
                assessment=TEXT if rng.random() < 0.9 else "",
                next_review_on=None if closes else today + dt.timedelta(rng.randint(-20, 60)),
                opened_at=opened,
                opened_by_id=household["worker_id"],
                outcome=outcome,
                closing_note="" if outcome in ("", "goals_met") else TEXT,
                closed_at=closed,
                closed_by_id=household["worker_id"] if closes else None,
            )
        )
    cases = Case.objects.bulk_create(cases, batch_size=BATCH)
    goals, notes = [], []
    for case in cases:
        opened = timezone.localdate(case.opened_at)
        end = timezone.localdate(case.closed_at) if case.closed_at else today
        span = max(0, (end - opened).days)
        for _ in range(rng.choice((1, 2, 2, 3))):
            reached = (
                case.outcome == "goals_met"
                or (case.outcome == "partly_met" and rng.random() < 0.5)
                or (case.status == "open" and rng.random() < 0.3)
            )
            goals.append(
                CaseGoal(
                    case=case,
                    goal=TEXT,
                    due_on=opened + dt.timedelta(days=rng.randint(14, 180)),
                    achieved_on=opened + dt.timedelta(days=_upto(rng, span)) if reached else None,
                    created_at=case.opened_at,
                )
            )
        days = sorted(_upto(rng, span) for _ in range(rng.randint(1, 4)))
        for k, offset in enumerate(days):
            written = opened + dt.timedelta(days=offset)
            notes.append(
                CaseNote(
                    case=case,
                    kind="review" if k and rng.random() < 0.3 else "note",
                    body=TEXT,
                    written_on=written,
                    author_id=case.worker_id,
                    created_at=min(
                        now,
                        max(
                            case.opened_at,
                            timezone.make_aware(dt.datetime.combine(written, dt.time(17))),
                        ),
                    ),
                )
            )
    CaseGoal.objects.bulk_create(goals, batch_size=BATCH)
    CaseNote.objects.bulk_create(notes, batch_size=BATCH)
    ctx.record(pgettext("generated rows", "cases"), len(cases))
    ctx.record(pgettext("generated rows", "service plan goals"), len(goals))
    ctx.record(pgettext("generated rows", "case notes"), len(notes))


def _upto(rng: random.Random, days: int) -> int:
    """A day from 0 to ``days`` in one draw whatever ``days`` (which follows the clock):
    ``randint`` draws more or less often with the range, and would shift every later row."""
    return min(days, int(rng.random() * (days + 1)))
