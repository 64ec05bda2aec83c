"""Demo data for matching, loaded by ``manage.py seed_demo`` (which calls ``seed``) after the
need ledger (needs/demo.py) and the supply ledger (supply/demo.py).

About twenty applications of the demo households, made and moved only through
``matching.services``, as the people would: the townships' social workers apply (for the
household or recording its own application), the demo ``charity`` login answers for its two
organisations, delivers and gives feedback, the county officers review, and the daily follow-up
job expires what waited 30 days. Between them they hold every status of an application, answers
of both kinds with an explanation recorded, a flag open, a flag upheld and a flag cleared, an
application of a household whose worker declared a relation, one after the pre-aid check found
other aid, and applications waiting for the charity login, for review, for the supplier's
reminder (10 days) and for escalation to the county (20 days).

Pairs of a need and a project are found among the live needs of the demo households with a
quick check in Python, confirmed by the service; when the charity login's projects run short of
fitting needs, the worker records a new need for a household member that the project fits.

The services stamp the current time, so the stories are moved back afterwards to when they
happened (demo back-dating, by plain queryset updates of columns that are not editable).
Everything is drawn from one ``random.Random(2026)`` with dates relative to today; a second run
finds applications of the demo households and creates nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from needs.demo import REF_PREFIX
from needs.models import Consent, Household, Member, Need
from needs.services import (
    MemberInput,
    consent_allows,
    consent_record,
    household_save,
    need_register,
)
from supply.demo import demo_organizations
from supply.models import Project, ProjectTerm, code_prefixes

from . import jobs, services
from .candidates import Person, person_of
from .models import EXPIRE_AFTER, Application, Feedback
from .selectors import inbox_for_user, review_queue_for_user

SEED = 2026

S = Application.Status
Side = Feedback.Side
YINGDE, QINGXIN = "441881", "441803"  # the demo counties (6-digit prefixes)
OFFICERS = {YINGDE: "county_officer", QINGXIN: "county_officer_b"}
USERS = (
    "worker",
    "worker_colleague",
    "worker_wangbu",
    "worker_taihe",
    "charity",
    "county_officer",
    "county_officer_b",
)

# --- Words -----------------------------------------------------------------------------------

#: Messages to the supplier: practical, never health details (the form says so too).
MESSAGES = (
    "",
    "家中白天有人,上门前请提前一天与社工站联系。",
    "户主外出务工,请与社工或村委会联系安排。",
    "该户居住偏远,社工可陪同上门核实情况。",
    "申请材料已由社工协助整理,可随时补充。",
)
OVERLAP_REASON = (
    "此前获得的帮扶只解决了一部分困难,该户仍有缺口,经社工站评估后再次申请,请民政部门审核。"
)
REJECT_NOTE = "经入户核实,该户家庭人均收入已超过本项目的资助标准(当地低保标准的 1.5 倍)。"
EXPLANATION = (
    "已上门向{name}说明:经慈善组织核实,家庭收入超过本项目资助标准,本次未获资助;"
    "已为其查询其他可申请的项目,并告知家庭情况变化后可以重新申请。{name}表示理解。"
)
MISSING_NOTE = "缺少医院诊断证明和近三个月的费用清单,补齐后可重新提交。"
WITHDRAW_REASON = "家属表示近期已获得亲友资助,暂不需要本项目帮扶,主动撤回申请。"
FLAG_OPEN = "村委会反映该户家庭收入近期有变化,请社工入户核实后再发放。"
FLAG_UPHELD = "该户已获得同一领域的其他项目资助,属于重复帮扶。"
RESOLVED_UPHELD = "经核实与已发放的资助重复,撤回本申请,名额留给其他困难群众。"
FLAG_CLEARED = "请核实该户的低保资格是否仍在有效期内。"
RESOLVED_CLEARED = "已与镇民政办核对,低保证在有效期内,资格无误,同意继续发放。"
CONFIRM_NOTE = "已核对帮前查询记录,无重复帮扶。"
COI_NOTE = "张社工的堂姐一家,已向站长申报"
HOUSEHOLD_COMMENTS = (
    "东西及时送到家,家里人都很感谢。",
    "服务人员态度很好,解决了家里的燃眉之急。",
    "帮助很实在,希望以后还能参加这样的项目。",
    "整体满意,就是等待的时间稍长。",
)
SUPPLIER_COMMENTS = (
    "社工协助准备的材料完整,对接顺利。",
    "家属配合,入户核实和发放都很顺利。",
    "该户后续仍需关注,建议社工站定期回访。",
)
#: Descriptions of a need recorded for a project (the fallback when the ledger runs short).
DESCRIPTIONS = {
    "poverty_relief": "{name}家庭收入低,日常生活开支困难,希望得到生活物资或临时生活补助。",
    "elderly_support": "{name}年纪大、行动不便,子女不在身边,希望有人定期上门照看。",
    "child_support": "{name}放学后缺少照看和陪伴,希望参加儿童关爱活动。",
    "disability_support": "{name}出行和日常生活需要辅助,希望得到助残服务。",
    "medical_aid": "{name}长期看病吃药,医疗费用负担重。",
    "education_aid": "{name}上学的费用负担重,希望得到助学帮助。",
    "veterans_care": "{name}是退役军人,生活较困难,希望得到关爱帮扶。",
    "disaster_relief": "{name}家房屋受灾,需要应急救助。",
    "rural_revitalization": "{name}希望学习种养技术或得到产品销售帮助,增加家庭收入。",
    "community": "{name}行动不便,希望有志愿者定期上门探访,帮忙打扫卫生和代购生活用品。",
    "other": "{name}生活中有困难,需要帮助。",
}
#: What a delivery of each form of aid records (cash records the value instead).
QUANTITIES = {
    "in_kind": "物资 1 份,本人签收",
    "care": "上门照护 {n} 次",
    "daily_living": "上门生活服务 {n} 次",
    "caring_visit": "上门探访 {n} 次",
    "rehabilitation": "康复训练 {n} 次",
    "education": "课业辅导 {n} 节",
    "legal_aid": "法律咨询 2 次,代写文书 1 份",
    "employment": "技能培训 1 期",
    "home_modification": "改造 1 户,已验收",
    "expertise": "上门指导 {n} 次",
}


# --- Which project suits which need ----------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """A published project with its terms and coverage, loaded once."""

    project: Project
    areas: frozenset[str]
    forms: frozenset[str]
    statuses: frozenset[str]
    tags: frozenset[str]
    prefixes: frozenset[str]

    @classmethod
    def of(cls, project: Project) -> Listing:
        terms: dict[str, set[str]] = {kind: set() for kind in ProjectTerm.Kind.values}
        for term in project.terms.all():
            terms[term.kind].add(term.value)
        return cls(
            project,
            frozenset(terms["area"]),
            frozenset(terms["form"]),
            frozenset(terms["status"]),
            frozenset(terms["tag"]),
            frozenset(c.prefix for c in project.coverage.all()),
        )

    def running(self, today: dt.date) -> bool:
        p = self.project
        return p.starts_on <= today and (p.ends_on is None or p.ends_on >= today)

    def reaches(self, need: Need) -> bool:
        return (
            need.area in self.areas
            and need.form in self.forms
            and bool(self.prefixes & set(code_prefixes(need.household.region_id)))
        )

    def suits(self, need: Need, person: Person, today: dt.date) -> bool:
        """A quick check in Python of what the candidate search decides; the service checks
        again, so a miss here only costs a skipped pair."""
        p = self.project
        if not (self.running(today) and self.reaches(need)):
            return False
        if self.statuses and not self.statuses & person.statuses:
            return False
        if self.tags and not self.tags & person.tags:
            return False
        if p.capacity is not None and p.places_taken >= p.capacity:
            return False
        if not person.ages:
            return p.age_min is None and p.age_max is None
        return any(
            (p.age_min is None or p.age_min <= age) and (p.age_max is None or age <= p.age_max)
            for age in person.ages
        )


@dataclass
class Pair:
    need: Need
    listing: Listing

    @property
    def household(self) -> Household:
        return self.need.household

    @property
    def project(self) -> Project:
        return self.listing.project

    @property
    def county(self) -> str:
        return self.household.region_id[:6]


def in_county(county: str) -> Callable[[Household], bool]:
    return lambda household: household.region_id.startswith(county)


@dataclass
class Story:
    """When the steps of one application happened: days before today for the submission,
    days after it for the rest (the services stamped them all with the current time)."""

    application: Application
    days_ago: float
    after: dict[str, float] = field(default_factory=dict)


def member_input(member: Member) -> MemberInput:
    """A member as the household form would submit it unchanged."""
    return MemberInput(
        member_id=member.pk,
        name=member.name,
        relation=member.relation,
        id_number=member.id_number,
        sex=member.sex,
        birth_date=member.birth_date,
        phone=member.phone,
        disability_type=member.disability_type,
        disability_grade=member.disability_grade,
        health_notes=member.health_notes,
        school_or_work=member.school_or_work,
        statuses=sorted({r.status for r in member.assistance.all() if r.ended_on is None}),
        tags=sorted(t.tag for t in member.tags.all()),
    )


def declare_relation(*, user: User, household: Household, note: str) -> Household:
    """Declare that a worker of the station is related to the household, through the needs
    service (the household form with its members unchanged)."""
    members = household.members.filter(left_at__isnull=True).prefetch_related("assistance", "tags")
    return household_save(
        user=user,
        household=household,
        fields={"region": household.region, "coi_declared": True, "coi_note": note},
        members=[member_input(m) for m in members],
    ).household


# --- Seed ------------------------------------------------------------------------------------


def demo_applications() -> QuerySet[Application]:
    return Application.objects.filter(household__external_ref__startswith=REF_PREFIX)


def seed(*, stdout: OutputWrapper | TextIO) -> None:
    """Load the matching demo unless it is there already; report what there is."""
    with transaction.atomic():
        if not demo_applications().exists():
            _Loader(timezone.now()).run()
    stdout.write(_summary() + "\n")


def _summary() -> str:
    applications = demo_applications()
    statuses = Counter(applications.values_list("status", flat=True))
    by_status = ", ".join(f"{s} {statuses[s]}" for s in S.values)
    users = {u.username: u for u in User.objects.filter(username__in=USERS)}
    waiting = 0
    if "charity" in users:
        waiting = inbox_for_user(users["charity"]).filter(status=S.SUBMITTED).count()
    queue = []
    if "county_officer" in users:
        queue = list(review_queue_for_user(users["county_officer"]).values_list("review_status"))
    flagged = sum(1 for (r,) in queue if r == Application.Review.FLAGGED)
    simplified = applications.filter(simplified_procedure=True).count()
    return (
        f"matching demo: {statuses.total()} applications ({by_status}), {waiting} waiting in "
        f"the charity login's inbox, {len(queue)} in the 英德市 review queue ({flagged} "
        f"flagged), {simplified} under the simplified procedure"
    )


class _Loader:
    def __init__(self, now: dt.datetime) -> None:
        # Reproducible demo data, not secrets: a seeded PRNG is what we want.
        self.rng = random.Random(SEED)  # noqa: S311
        self.now = now
        self.today = timezone.localdate(now)
        self.users = {
            u.username: u for u in User.objects.filter(username__in=USERS).select_related("region")
        }
        if missing := set(USERS) - set(self.users):
            raise RuntimeError(f"matching demo: seed_demo's users are missing: {sorted(missing)}")
        self.charity = self.users["charity"]
        households = Household.objects.filter(
            external_ref__startswith=REF_PREFIX, archived_at__isnull=True
        )
        self.households = list(households.select_related("worker", "region").order_by("pk"))
        staffed = set(self.charity.organizations.values_list("pk", flat=True))
        projects = (
            Project.objects.published()
            .filter(organization__in=demo_organizations())
            .select_related("organization")
            .prefetch_related("terms", "coverage")
            .order_by("pk")
        )
        listings = [Listing.of(p) for p in projects]
        listings = [x for x in listings if x.running(self.today)]
        #: The charity login's projects (it answers for them) and the others (nobody answers).
        self.staffed = [x for x in listings if x.project.organization_id in staffed]
        self.unstaffed = [x for x in listings if x.project.organization_id not in staffed]
        pairs = self._pairs(households, listings)
        self.rng.shuffle(pairs)
        self.staffed_pairs = [p for p in pairs if p.project.organization_id in staffed]
        self.other_pairs = [p for p in pairs if p.project.organization_id not in staffed]
        self.used: set[tuple[int, int]] = set()  # (household, project)
        self.used_needs: set[int] = set()
        self.aided: set[tuple[int, str]] = set()  # (household, charity area) with an application
        self.stories: list[Story] = []

    def _pairs(self, households: QuerySet[Household], listings: list[Listing]) -> list[Pair]:
        """Every (live need, project) that the quick check lets through: the person is looked up
        only for needs that some project reaches by area, form and place."""
        needs = (
            Need.objects.filter(household__in=households, status__in=Need.LIVE_STATUSES)
            .select_related("household__worker", "household__region", "member")
            .order_by("pk")
        )
        pairs = []
        for need in needs:
            reaching = [x for x in listings if x.reaches(need)]
            if not reaching:
                continue
            person = person_of(need, today=self.today)
            pairs += [Pair(need, x) for x in reaching if x.suits(need, person, self.today)]
        return pairs

    # -- who and when --

    def _worker(self, household: Household, *, other: bool = False) -> User:
        """The household's worker, sometimes a colleague of the same station; ``other``: always
        a colleague (the relation declared is the responsible worker's)."""
        colleagues = [
            u
            for u in self.users.values()
            if u.role == User.Role.SOCIAL_WORKER
            and u.region_id == household.station_id
            and u.pk != household.worker_id
        ]
        if colleagues and (other or self.rng.random() < 0.25):
            return colleagues[0]
        return household.worker

    def _officer(self, application: Application) -> User:
        return self.users[OFFICERS[application.household.region_id[:6]]]

    def _day(self, days_ago: float) -> dt.date:
        return self.today - dt.timedelta(days=int(days_ago))

    # -- consent and the applicant --

    def _applicant(self, need: Need) -> Member | None:
        if need.member_id:
            return need.member
        members = list(need.household.members.filter(left_at__isnull=True).order_by("pk"))
        heads = [m for m in members if m.relation == Member.Relation.HEAD]
        adults = [m for m in heads + members if m.age(self.today) >= 18]
        return adults[0] if adults else None

    def _consent(self, member: Member, project: Project) -> Consent | None:
        return consent_allows(
            member=member,
            purpose=Consent.Purpose.MATCHING,
            credit_code=project.organization.credit_code,
        )

    def _consent_in_time(self, member: Member, project: Project, days_ago: float) -> bool:
        """Consent given before the day of the application, or none yet (one is recorded then);
        never for a person who revoked their consent to matching."""
        consent = self._consent(member, project)
        if consent is not None:
            return consent.given_on <= self._day(days_ago)
        revoked = member.consents.filter(purpose=Consent.Purpose.MATCHING, revoked_at__isnull=False)
        return not revoked.exists()

    def _give_consent(self, worker: User, member: Member, project: Project, on: dt.date) -> None:
        """Consent for matching, recorded the day the household agreed to apply."""
        if self._consent(member, project) is not None:
            return
        given_by: dict[str, str] = {"given_by": Consent.GivenBy.SELF}
        if member.age(on) < 14:
            adults = [
                m
                for m in member.household.members.filter(left_at__isnull=True).order_by("pk")
                if m.age(on) >= 18
            ]
            if not adults:
                raise services.ApplicationError("no guardian", code="no_consent")
            guardian = adults[0]
            given_by = {
                "given_by": Consent.GivenBy.GUARDIAN,
                "guardian_name": guardian.name,
                "guardian_relation": _kin(member, guardian),
            }
        consent_record(
            user=worker,
            household=member.household,
            member=member,
            purpose=Consent.Purpose.MATCHING,
            scope=Consent.Scope.ANY_SUPPLIER,
            given_on=on,
            expires_on=on + dt.timedelta(days=730),
            **given_by,
        )

    # -- applying --

    def _take(
        self,
        pairs: Iterable[Pair],
        *,
        days_ago: float,
        where: Callable[[Household], bool] | None = None,
        overlap: bool = False,
    ) -> Iterable[Pair]:
        """Pairs still free, in order; ``overlap``: only households that already applied in the
        need's charity area (the need itself may have been used)."""
        for pair in pairs:
            need = pair.need
            if (need.household_id, pair.project.pk) in self.used:
                continue
            if overlap:
                if (need.household_id, need.area) not in self.aided:
                    continue
                need.refresh_from_db(fields=["status"])
                if not need.is_live:
                    continue
            elif need.pk in self.used_needs:
                continue
            if where is not None and not where(pair.household):
                continue
            applicant = self._applicant(need)
            if applicant is None or not self._consent_in_time(applicant, pair.project, days_ago):
                continue
            yield pair

    def _fresh(
        self, listings: list[Listing], households: list[Household], *, days_ago: float
    ) -> Iterable[Pair]:
        """Needs not recorded yet (``pk`` None) that one of ``listings`` suits, for a current
        member of one of ``households``: the worker records it on applying, as after a project
        showcase (推介会). Listings in order, so the first ones are preferred."""
        persons: dict[int, Person] = {}
        members = {
            h.pk: list(h.members.filter(left_at__isnull=True).order_by("pk")) for h in households
        }
        for listing in listings:
            for household in households:
                if (household.pk, listing.project.pk) in self.used:
                    continue
                if not listing.prefixes & set(code_prefixes(household.region_id)):
                    continue
                for member in members[household.pk]:
                    if not self._consent_in_time(member, listing.project, days_ago):
                        continue
                    if member.pk not in persons:
                        probe = Need(household=household, member=member)
                        persons[member.pk] = person_of(probe, today=self.today)
                    for area in sorted(listing.areas):
                        for form in sorted(listing.forms):
                            need = Need(
                                household=household,
                                member=member,
                                area=area,
                                form=form,
                                description=DESCRIPTIONS[area].format(name=member.name),
                                source=Need.Source.HOME_VISIT,
                            )
                            if listing.suits(need, persons[member.pk], self.today):
                                yield Pair(need, listing)

    def _apply(
        self, pair: Pair, *, days_ago: float, colleague: bool = False, submit: bool = True
    ) -> Application | None:
        """Apply through the service, recording the need and the consent first when missing;
        None if a service refuses."""
        household, project, rng = pair.household, pair.project, self.rng
        self.used.add((household.pk, project.pk))
        worker = self._worker(household, other=colleague)
        try:
            with transaction.atomic():
                need = pair.need
                if need.pk is None:
                    need = need_register(
                        user=worker,
                        household=household,
                        **{f: getattr(need, f) for f in ("member", "area", "form", "source")},
                        description=need.description,
                    )
                    pair.need = need
                self.used_needs.add(need.pk)
                applicant = self._applicant(need)
                if applicant is None:
                    return None
                given_on = self._day(days_ago) - dt.timedelta(days=rng.randint(0, 3))
                self._give_consent(worker, applicant, project, given_on)
                overlaps = services.pre_aid_overlaps(need)
                application = services.application_create(
                    user=worker,
                    need=need,
                    project=project,
                    mode=Application.Mode.SELF
                    if rng.random() < 0.25
                    else Application.Mode.ASSISTED,
                    member=applicant,
                    message=rng.choice(MESSAGES),
                    share_contact=rng.random() < 0.7,
                    overlap_reason=OVERLAP_REASON if overlaps else "",
                    submit=submit,
                )
        except ValidationError:  # ApplicationError included: this pair does not work out
            return None
        self.aided.add((household.pk, need.area))
        return application

    def _start(
        self,
        pairs: list[Pair],
        *,
        days_ago: float,
        where: Callable[[Household], bool] | None = None,
        fresh: list[Listing] | None = None,
        colleague: bool = False,
        submit: bool = True,
        overlap: bool = False,
    ) -> Application | None:
        """The first of ``pairs`` that works out; failing that, a need recorded for one of
        ``fresh``."""
        options = {"days_ago": days_ago, "colleague": colleague, "submit": submit}
        for pair in self._take(pairs, days_ago=days_ago, where=where, overlap=overlap):
            if application := self._apply(pair, **options):
                return application
        if fresh is None:
            return None
        households = [h for h in self.households if where is None or where(h)]
        for pair in self._fresh(fresh, households, days_ago=days_ago):
            if application := self._apply(pair, **options):
                return application
        return None

    def _must(self, application: Application | None, what: str) -> Application:
        if application is None:
            raise RuntimeError(f"matching demo: no need and project fit for {what}")
        return application

    def _story(self, application: Application, days_ago: float, **after: float) -> Application:
        self.stories.append(Story(application, days_ago, after))
        return application

    # -- the supplier's side --

    def _accept(self, application: Application) -> None:
        services.application_accept(user=self.charity, application=application)

    def _deliver(self, application: Application) -> None:
        if application.waiting_for_review:
            services.review_confirm(
                user=self._officer(application), application=application, note=CONFIRM_NOTE
            )
        project, need = application.project, application.need
        value, quantity = None, ""
        if need.form == "cash":
            value = project.value_per_beneficiary or need.estimated_value or Decimal(1000)
        else:
            quantity = QUANTITIES.get(need.form, "1 次").format(n=self.rng.randint(4, 12))
        services.application_deliver(
            user=self.charity,
            application=application,
            delivered_on=self.today,
            quantity=quantity,
            value=value,
            note="",
        )

    def _feedback(self, application: Application, side: str, *, outcome: str = "met") -> None:
        rng = self.rng
        if side == Side.HOUSEHOLD:
            services.feedback_record(
                user=self._worker(application.household),
                application=application,
                side=side,
                satisfaction=rng.choice((4, 5, 5)),
                comment=rng.choice(HOUSEHOLD_COMMENTS),
                need_outcome=outcome,
            )
        else:
            services.feedback_record(
                user=self.charity,
                application=application,
                side=side,
                satisfaction=rng.choice((4, 5)),
                comment=rng.choice(SUPPLIER_COMMENTS),
            )

    # -- the stories --

    def run(self) -> None:
        yingde = in_county(YINGDE)
        staffed, pairs, others = self.staffed, self.staffed_pairs, self.other_pairs
        self._coi()

        # Closed with both feedbacks: one confirmed by the county, one after a flag was cleared.
        a = self._must(self._start(pairs, days_ago=68, fresh=staffed), "a closed application")
        self._accept(a)
        services.review_confirm(user=self._officer(a), application=a, note=CONFIRM_NOTE)
        self._deliver(a)
        self._feedback(a, Side.HOUSEHOLD, outcome="met")
        self._feedback(a, Side.SUPPLIER)
        self._story(a, 68, reviewed=1, answered=3, delivered=12, household=17, supplier=18)
        b = self._must(self._start(pairs, days_ago=46, fresh=staffed), "a closed application")
        self._accept(b)
        officer = self._officer(b)
        flag = Application.Flag.ELIGIBILITY
        services.review_flag(user=officer, application=b, flag=flag, note=FLAG_CLEARED)
        services.review_resolve(user=officer, application=b, upheld=False, note=RESOLVED_CLEARED)
        self._deliver(b)
        self._feedback(b, Side.SUPPLIER)
        self._feedback(b, Side.HOUSEHOLD, outcome="open")
        self._story(
            b, 46, answered=1, reviewed=2, resolved=4, delivered=9, supplier=12, household=14
        )

        # Delivered: one for over a week without feedback (the job asks for it), one with the
        # supplier's feedback only.
        c = self._must(self._start(pairs, days_ago=30, fresh=staffed), "a delivered application")
        self._accept(c)
        services.review_confirm(user=self._officer(c), application=c, note=CONFIRM_NOTE)
        self._deliver(c)
        self._story(c, 30, answered=2, reviewed=4, delivered=21)
        d = self._must(self._start(pairs, days_ago=20, fresh=staffed), "a delivered application")
        self._accept(d)
        self._deliver(d)
        self._feedback(d, Side.SUPPLIER)
        self._story(d, 20, answered=4, delivered=17, supplier=18)

        # Accepted: one waiting for delivery, one held by an open flag of the county officer.
        e = self._must(self._start(pairs, days_ago=16, fresh=staffed), "an accepted application")
        self._accept(e)
        self._story(e, 16, answered=5)
        f = self._must(
            self._start(pairs, days_ago=9, where=yingde, fresh=staffed), "a flagged application"
        )
        self._accept(f)
        services.review_flag(
            user=self._officer(f), application=f, flag=Application.Flag.ELIGIBILITY, note=FLAG_OPEN
        )
        self._story(f, 9, answered=2, reviewed=6)

        # Rejected: one explained to the household, one the worker has still to explain.
        g = self._must(self._start(pairs, days_ago=25, fresh=staffed), "a rejected application")
        services.application_reject(
            user=self.charity,
            application=g,
            reason=Application.RejectionReason.NOT_ELIGIBLE,
            criterion=Application.Criterion.OTHER,
            note=REJECT_NOTE,
        )
        services.application_explain(
            user=self._worker(g.household),
            application=g,
            explanation=EXPLANATION.format(name=g.member.name),
        )
        self._story(g, 25, answered=6, explained=8)
        h = self._must(self._start(pairs, days_ago=8, fresh=staffed), "a rejected application")
        services.application_reject(
            user=self.charity,
            application=h,
            reason=Application.RejectionReason.MISSING_DOCUMENTS,
            note=MISSING_NOTE,
        )
        self._story(h, 8, answered=3)

        # Waiting in the charity login's inbox: one past the 10-day reminder, two recent.
        for days in (12, 4, 1):
            waiting = self._start(pairs, days_ago=days, fresh=staffed)
            self._story(self._must(waiting, "a waiting application"), days)

        # Withdrawn by the worker before an answer.
        w = self._must(self._start(pairs, days_ago=14, fresh=staffed), "a withdrawn application")
        services.application_withdraw(
            user=self._worker(w.household), application=w, reason=WITHDRAW_REASON
        )
        self._story(w, 14, ended=2)

        # Projects without staff accounts: nobody answers (reminder, escalation, expiry).
        escalated = self._start(others, days_ago=23, where=yingde)
        self._story(self._must(escalated, "an application due for escalation"), 23, reminded=10)
        upheld = self._must(self._start(others, days_ago=10, where=yingde), "an upheld flag")
        officer = self._officer(upheld)
        services.review_flag(
            user=officer, application=upheld, flag=Application.Flag.DUPLICATE, note=FLAG_UPHELD
        )
        services.review_resolve(user=officer, application=upheld, upheld=True, note=RESOLVED_UPHELD)
        self._story(upheld, 10, reviewed=3, resolved=5, ended=5)
        for days, where in ((6, in_county(QINGXIN)), (3, None)):
            if waiting := self._start(others, days_ago=days, where=where):
                self._story(waiting, days)
        draft = self._must(self._start(others, days_ago=2, submit=False), "a draft")
        self._story(draft, 2)
        # After the pre-aid check found other aid in the same area: a reason, and a review.
        overlap = self._start([*others, *pairs], days_ago=5, overlap=True)
        if overlap is not None:
            self._story(overlap, 5)
        expiring = self._must(self._start(others, days_ago=34), "an expired application")

        self._expire(expiring, 34)
        for story in self.stories:
            self._backdate(story)
        # Back-dating moved answers and feedback around the services: count them again, as
        # the nightly job would.
        jobs.figures_refresh(now=self.now)
        self._check_variety()

    def _coi(self) -> None:
        """An application of a household whose worker declared a relation, made by a colleague
        (the worker does not handle their own relatives); it waits for the county's review."""
        declared = [h for h in self.households if h.coi_declared]
        if not declared:  # the needs demo declares one; should it stop, declare one here
            household = next(p.household for p in self.staffed_pairs if p.county == YINGDE)
            declared = [declare_relation(user=household.worker, household=household, note=COI_NOTE)]
        ids = {h.pk for h in declared}
        application = self._start(
            self.staffed_pairs + self.other_pairs,
            days_ago=2,
            where=lambda household: household.pk in ids,
            fresh=self.staffed + self.unstaffed,
            colleague=True,
        )
        self._story(self._must(application, "a household with a declared relation"), 2)

    # -- follow-up and back-dating --

    def _expire(self, application: Application, days_ago: float) -> None:
        """Submitted 34 days ago and never answered: the daily job expires it (run while it is
        the only application due, so the others still give the job work)."""
        submitted = self.now - dt.timedelta(days=days_ago)
        Application.objects.filter(pk=application.pk).update(submitted_at=submitted)
        jobs.follow_up(now=self.now)
        application.refresh_from_db()
        if application.status != S.EXPIRED:
            raise RuntimeError("matching demo: the follow-up job did not expire the application")
        ended = EXPIRE_AFTER.days
        self.stories.append(
            Story(application, days_ago, {"reminded": 10, "escalated": 20, "ended": ended})
        )

    def _backdate(self, story: Story) -> None:
        """Demo back-dating: move one application's steps back to when they happened, by a
        plain queryset update (the services stamp the current time; these columns are not
        editable). Its need is moved back too if it was recorded after the application."""
        app, rng = story.application, self.rng
        app.refresh_from_db()
        t0 = self.now - dt.timedelta(days=story.days_ago, hours=rng.randint(1, 6))
        at = {k: t0 + dt.timedelta(days=v, hours=rng.randint(0, 3)) for k, v in story.after.items()}
        at = {k: min(v, self.now - dt.timedelta(minutes=10)) for k, v in at.items()}
        values: dict[str, Any] = {"created_at": t0 - dt.timedelta(minutes=rng.randint(5, 90))}
        last = t0 if app.status != S.DRAFT else values["created_at"]
        if app.submitted_at is not None:
            values["submitted_at"] = t0
        if "answered" in at and app.answered_at is not None:
            values["answered_at"] = last = at["answered"]
            values["answer_seconds"] = int((at["answered"] - t0).total_seconds())
        for step, column in (
            ("reviewed", "reviewed_at"),
            ("resolved", "resolved_at"),
            ("explained", "explained_at"),
            ("reminded", "reminded_at"),
            ("escalated", "escalated_at"),
        ):
            if step in at:
                values[column] = at[step]
        if "delivered" in at and app.delivered_on is not None:
            values["delivered_on"] = timezone.localdate(at["delivered"])
            last = at["delivered"]
        for side in Side.values:
            if side in at:
                Feedback.objects.filter(application=app, side=side).update(recorded_at=at[side])
                if app.status == S.CLOSED:
                    last = max(last, at[side]) if last else at[side]
        if "ended" in at:
            last = at["ended"]
        values["status_changed_at"] = last
        if app.closed_at is not None:
            values["closed_at"] = last
        Application.objects.filter(pk=app.pk).update(**values)
        recorded = t0 - dt.timedelta(days=rng.randint(1, 6))
        Need.objects.filter(pk=app.need_id, created_at__gt=recorded).update(created_at=recorded)

    def _check_variety(self) -> None:
        """The draws are fixed, but the checks keep an edit of the ledgers honest."""
        applications = demo_applications()
        missing = set(S.values) - set(applications.values_list("status", flat=True))
        waiting = applications.filter(status=S.SUBMITTED)
        checks = {
            "charity inbox": inbox_for_user(self.charity).filter(status=S.SUBMITTED).exists(),
            "declared relation": applications.filter(household__coi_declared=True).exists(),
            "flag open": applications.filter(review_status=Application.Review.FLAGGED).exists(),
            "simplified procedure": applications.filter(simplified_procedure=True).exists(),
            "reminder due": waiting.filter(
                submitted_at__lte=self.now - dt.timedelta(days=10), reminded_at__isnull=True
            ).exists(),
            "escalation due": waiting.filter(
                submitted_at__lte=self.now - dt.timedelta(days=20), escalated_at__isnull=True
            ).exists(),
        }
        missing |= {name for name, ok in checks.items() if not ok}
        if missing:
            raise RuntimeError(f"matching demo: nothing for {sorted(missing)}")


def _kin(child: Member, guardian: Member) -> str:
    """What the child calls the guardian, for the consent form."""
    female = guardian.sex == Member.Sex.FEMALE
    R = Member.Relation
    if child.relation == R.CHILD and guardian.relation in (R.HEAD, R.SPOUSE):
        return "母亲" if female else "父亲"
    if child.relation == R.GRANDCHILD and guardian.relation in (R.HEAD, R.SPOUSE):
        return "祖母" if female else "祖父"
    return "监护人"
