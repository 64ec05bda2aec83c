"""Demo data for referrals, loaded by ``manage.py seed_demo`` (which calls ``seed``) after the
need ledger, the supply ledger and matching.

Three people's organisations join the supply ledger (英德市妇女联合会, whose staff is the demo
``charity`` login, 英德市残疾人联合会 and 清远市红十字会). Then, only through
``referrals.services`` and the needs services, as the people would:

* the townships' social workers and the county officers refer households to charities and
  people's organisations (with the person's consent to referral), in every status: sent and
  waiting, past the receipt deadline, received, accepted, in service, closed, declined and
  referred elsewhere (a chain), and one whose consent was revoked after it was accepted — the
  charity sees only that it was withdrawn;
* the demo charity login tells the county civil affairs about people who may qualify for
  government aid: sent, received, accepted, applied, granted (the county registered the
  household and the status shows on it), not eligible, declined, and one without an outcome
  after 30 days;
* referrals to the township stations, with cases opened from them and directly: open cases
  with an assessment, a service plan, notes and reviews, and closed ones.

The services stamp the current time, so each story is moved back afterwards to when it happened
(demo back-dating, by plain queryset updates of columns that are not editable); the daily
follow-up job then reminds and escalates what is overdue. A second run finds the demo
referrals and creates nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from stdnum.cn import uscc

from accounts import crypto
from accounts.models import Region, User
from needs import idnumbers
from needs.demo import REF_PREFIX
from needs.models import Consent, Household, Member, Need
from needs.services import MemberInput, consent_record, consent_revoke
from supply.models import Organization
from supply.services import organization_register

from . import jobs, services
from .models import Case, CaseGoal, CaseNote, Direction, Referral
from .workdays import add_working_days

S = Referral.Status
O = Referral.Outcome  # noqa: E741
YINGDE, QINGXIN = "441881000000", "441803000000"
SHAKOU, WANGBU, TAIHE = "441881101000", "441881102000", "441803102000"
QINGYUAN = "441800000000"
USERS = (
    "worker",
    "worker_colleague",
    "worker_wangbu",
    "worker_taihe",
    "charity",
    "county_officer",
    "county_officer_b",
    "city_officer",
)

#: People's organisations: name, type, registering department, staff (the demo charity login).
PEOPLES_ORGANISATIONS = (
    ("英德市妇女联合会", Organization.Type.WOMENS_FEDERATION, YINGDE, "MB0000001", 1),
    ("英德市残疾人联合会", Organization.Type.DISABLED_PERSONS_FEDERATION, YINGDE, "MB0000002", 0),
    ("清远市红十字会", Organization.Type.RED_CROSS, QINGYUAN, "MB0000003", 0),
)

# --- Words -----------------------------------------------------------------------------------

TO_CHARITY_REASONS = (
    "母亲长期外出务工,孩子由年迈的祖母照看,放学后无人辅导功课,希望得到关爱陪伴服务。",
    "家中主要劳动力去年因病去世,家庭收入骤降,低保金不足以支付两个孩子的学杂费。",
    "老人独居,子女在外地,行动不便,日常买菜做饭困难,希望有志愿者定期上门。",
    "家庭刚性支出大,暂不符合低保条件,但生活确有困难,希望链接慈善资源。",
    "户主务工受伤后无法劳动,家庭陷入困境,需要临时生活帮扶和就业支持。",
    "孩子初中毕业后辍学在家,希望得到职业技能培训方面的帮助。",
)
TO_STATION_REASONS = (
    "低保家庭,孩子情绪和学业问题突出,家长无力应对,需要社工站个案跟进。",
    "已纳入特困供养,但老人与亲属关系紧张、情绪低落,仍有困难,转介个案服务。",
    "家庭多重困难交织,需要社工站评估后制定综合帮扶计划。",
)
PERSONS = (
    # name, sex, birth year, township, phone, address, aid, reason
    (
        "黄阿婆",
        "female",
        1946,
        SHAKOU,
        "13620001001",
        "沙口镇清华村 3 号",
        "tekun",
        "老人独居,无子女,无固定收入,靠邻居接济,可能符合特困人员供养条件。",
    ),
    (
        "钟大叔",
        "male",
        1968,
        SHAKOU,
        "13620001002",
        "沙口镇红群村 17 号",
        "dibao",
        "去年因病失去劳动能力,妻子打零工,两个孩子上学,家庭人均收入低于当地低保标准。",
    ),
    (
        "罗阿姨",
        "female",
        1962,
        WANGBU,
        "13620001003",
        "望埠镇同心村 5 号",
        "temporary_assistance",
        "家中房屋因暴雨受损,暂时借住亲戚家,急需临时救助。",
    ),
    (
        "温伯",
        "male",
        1950,
        WANGBU,
        "13620001004",
        "望埠镇莲塘村 9 号",
        "dibao",
        "老两口务农,儿子残疾在家,收入微薄,未申请过低保。",
    ),
    (
        "陈姐",
        "female",
        1979,
        SHAKOU,
        "13620001005",
        "沙口镇沙口村 22 号",
        "dibao_marginal",
        "单亲妈妈,独自抚养三个孩子,收入略高于低保标准,医疗支出大。",
    ),
    (
        "周叔",
        "male",
        1958,
        TAIHE,
        "13620001006",
        "太和镇太和村 4 号",
        "tekun",
        "无配偶无子女,患慢性病多年,生活不能完全自理。",
    ),
    (
        "李奶奶",
        "female",
        1940,
        SHAKOU,
        "13620001007",
        "沙口镇清华村 11 号",
        "tekun",
        "孤寡老人,住房破旧,身体日渐衰弱。",
    ),
)
DECLINE_REASONS = (
    "本会近期服务名额已满,建议转介至其他机构。",
    "该户情况超出本机构服务范围,建议转介至专业社工机构。",
    "该户经核实不属于本县(区)户籍,请转介至户籍所在地民政部门。",
)
NOTES = (
    "已与户主电话联系,约定下周二上门。",
    "上门了解情况,家长配合,孩子愿意参加活动。",
    "请社工站协助提供孩子的在读证明。",
)
OUTCOME_NOTES = {
    O.HELPED: "已连续三个月每周上门陪伴,孩子学习和情绪明显好转。",
    O.PARTLY_HELPED: "已发放生活物资,就业帮扶仍在对接中。",
    O.NOT_ELIGIBLE: "经入户核查,家庭人均收入高于当地低保标准,暂不符合条件,已告知可申请临时救助。",
    O.APPLIED: "已协助本人提出救助申请,材料齐全,进入审核。",
    O.GRANTED: "经审核审批,纳入救助范围,自下月起发放。",
}
ASSESSMENT = (
    "家庭主要困难:收入低、照护压力大、孩子缺乏陪伴。优势:家长有改善意愿,"
    "村委会支持。风险:祖母身体欠佳,可能无力继续照看孩子。"
)
GOALS = (
    ("每周一次上门陪伴和课业辅导", 30),
    ("链接助学资源,解决下学期学杂费", 60),
    ("协助家长申请临时救助", 20),
)
CASE_NOTES = (
    (CaseNote.Kind.NOTE, "首次面谈:了解家庭情况,孩子较内向,愿意交流。"),
    (CaseNote.Kind.NOTE, "联系学校班主任,了解孩子在校表现。"),
    (CaseNote.Kind.REVIEW, "一个月回顾:陪伴计划执行顺利,学杂费问题已对接慈善会。"),
)
REVOKE_REASON = "家属表示不再希望向外部机构提供个人信息,撤回转介同意。"
#: Files sent with referrals: a blank one-page PDF and a 1×1 PNG stand for the scans.
BLANK_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@dataclass
class Story:
    """When a referral's steps happened: days before today for the sending, days after it for
    the rest (the services stamped them all with the current time)."""

    referral: Referral
    days_ago: int
    after: dict[str, float] = field(default_factory=dict)


def demo_referrals():
    """The demo's referrals: of the demo households, or sent by the demo charity login's
    organisations (a subquery: no duplicate rows)."""
    charity = Organization.objects.filter(staff__username="charity").values("pk")
    return Referral.objects.filter(
        Q(household__external_ref__startswith=REF_PREFIX) | Q(sender_organization__in=charity)
    )


def seed(*, stdout: OutputWrapper | TextIO) -> None:
    """Load the referrals demo unless it is there already; report what there is."""
    with transaction.atomic():
        if not demo_referrals().exists():
            _Loader(timezone.now()).run()
    stdout.write(_summary() + "\n")


def _summary() -> str:
    referrals = demo_referrals()
    directions = Counter(referrals.values_list("direction", flat=True))
    statuses = Counter(referrals.values_list("status", flat=True))
    cases = Case.objects.filter(household__external_ref__startswith=REF_PREFIX)
    by_direction = ", ".join(f"{d} {directions[d]}" for d in Direction.values)
    by_status = ", ".join(f"{s} {statuses[s]}" for s in S.values)
    return (
        f"referrals demo: {statuses.total()} referrals ({by_direction}; {by_status}), "
        f"{cases.filter(status=Case.Status.OPEN).count()} open cases and "
        f"{cases.filter(status=Case.Status.CLOSED).count()} closed, "
        f"{referrals.overdue().count()} overdue"
    )


def _credit_code(organisation_code: str, region: str) -> str:
    """A code of a people's organisation: registered by the staffing authority (1), a mass
    organisation (3), the region's division code, the organisation code, the check."""
    first17 = f"13{region[:6]}{organisation_code}"
    return first17 + uscc.calc_check_digit(first17)


class _Loader:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.today = timezone.localdate(now)
        self.users = {
            u.username: u for u in User.objects.filter(username__in=USERS).select_related("region")
        }
        if missing := set(USERS) - set(self.users):
            raise RuntimeError(f"referrals demo: seed_demo's users are missing: {sorted(missing)}")
        self.charity = self.users["charity"]
        self.stories: list[Story] = []
        self.used: set[int] = set()  # households referred already
        self.sequence = 900

    # -- organisations --

    def _organisations(self) -> dict[str, Organization]:
        found = {}
        for name, org_type, region, code, staffed in PEOPLES_ORGANISATIONS:
            credit_code = _credit_code(code, region)
            organization = Organization.objects.filter(credit_code=credit_code).first()
            if organization is None:
                officer = self.users["county_officer" if region == YINGDE else "city_officer"]
                organization, _warnings = organization_register(
                    user=officer,
                    name=name,
                    credit_code=credit_code,
                    org_type=org_type,
                    registering_region=Region.objects.get(pk=region),
                    contact_name="办公室",
                    service_regions=Region.objects.filter(pk=region),
                    staff=[self.charity] if staffed else [],
                )
            found[name] = organization
        staffed = list(self.charity.organizations.order_by("pk"))
        found["sunshine"] = next(o for o in staffed if "阳光" in o.name)
        found["province"] = next(o for o in staffed if o.name == "广东省慈善会")
        return found

    # -- households and consent --

    def _household(self, township: str, *, adult: bool = True) -> tuple[Household, Member]:
        """A demo household of the township not referred yet, and its head (an adult)."""
        households = (
            Household.objects.filter(
                external_ref__startswith=REF_PREFIX, station_id=township, archived_at__isnull=True
            )
            .exclude(pk__in=self.used)
            .select_related("region", "worker", "station")
            .order_by("pk")
        )
        for household in households:
            head = household.members.filter(
                left_at__isnull=True, relation=Member.Relation.HEAD
            ).first()
            if head is None or (adult and head.age(self.today) < 18):
                continue
            self.used.add(household.pk)
            return household, head
        raise RuntimeError(f"referrals demo: no household left in {township}")

    def _consent(self, worker: User, member: Member, on: dt.date) -> Consent:
        return consent_record(
            user=worker,
            household=member.household,
            member=member,
            given_by=Consent.GivenBy.SELF,
            purpose=Consent.Purpose.REFERRAL,
            scope=Consent.Scope.ANY_SUPPLIER,
            given_on=on,
            expires_on=on + dt.timedelta(days=730),
        )

    def _needs(self, household: Household) -> list[Need]:
        return list(household.needs.filter(status__in=Need.LIVE_STATUSES).order_by("pk")[:2])

    # -- sending --

    def _to_charity(
        self,
        township: str,
        organization: Organization,
        days_ago: int,
        *,
        sender: str | None = None,
        reason: int = 0,
        urgency: str = Referral.Urgency.NORMAL,
        **after: float,
    ) -> Referral:
        household, head = self._household(township)
        worker = household.worker
        self._consent(worker, head, self.today - dt.timedelta(days=days_ago + 3))
        referral = services.referral_send(
            user=self.users[sender] if sender else worker,
            household=household,
            direction=Direction.TO_CHARITY,
            organization=organization,
            member=head,
            needs=self._needs(household),
            urgency=urgency,
            reason=TO_CHARITY_REASONS[reason % len(TO_CHARITY_REASONS)],
        )
        self.stories.append(Story(referral, days_ago, after))
        return referral

    def _to_station(
        self, township: str, days_ago: int, *, sender: str, reason: int = 0, **after: float
    ) -> Referral:
        household, head = self._household(township)
        referral = services.referral_send(
            user=self.users[sender],
            household=household,
            direction=Direction.TO_STATION,
            member=head,
            needs=self._needs(household),
            reason=TO_STATION_REASONS[reason % len(TO_STATION_REASONS)],
        )
        self.stories.append(Story(referral, days_ago, after))
        return referral

    def _person(self, index: int, days_ago: int, **after: float) -> Referral:
        name, sex, year, township, phone, address, aid, reason = PERSONS[index]
        birth = dt.date(year, 3 + index, 10 + index)
        referral = services.referral_send_to_civil_affairs(
            user=self.charity,
            organization=self.orgs["province"],
            region=Region.objects.get(pk=township),
            person_name=name,
            person_id_number=self._id_number(township, birth, sex),
            person_phone=phone,
            person_address=address,
            aid_sought=aid,
            reason=reason,
            person_agreed=True,
            urgency=Referral.Urgency.URGENT if index == 2 else Referral.Urgency.NORMAL,
        )
        self.stories.append(Story(referral, days_ago, after))
        return referral

    def _id_number(self, township: str, birth: dt.date, sex: str) -> str:
        """A valid ID number nobody in the ledger holds."""
        while True:
            self.sequence += 1
            number = idnumbers.generate(township[:6], birth, self.sequence, sex=sex)
            index = crypto.blind_index(number, purpose="id_number")
            if not Member.objects.filter(id_number_index=index).exists():
                return number

    # -- the stories --

    def run(self) -> None:
        self.orgs = orgs = self._organisations()
        fulian, sunshine = orgs["英德市妇女联合会"], orgs["sunshine"]
        staff, county = self.charity, self.users["county_officer"]

        # Civil affairs / workers -> charities and people's organisations.
        self._to_charity(SHAKOU, fulian, 1, reason=0, urgency=Referral.Urgency.URGENT)
        self._to_charity(SHAKOU, sunshine, 8, reason=2)  # past its receipt deadline
        r = self._to_charity(WANGBU, fulian, 4, reason=3)
        services.referral_receive(user=staff, referral=r)
        self._after(r, received=1)
        r = self._to_charity(SHAKOU, sunshine, 6, sender="county_officer", reason=4)
        services.referral_accept(user=staff, referral=r, note=NOTES[0])
        self._after(r, received=2, answered=2)
        r = self._to_charity(SHAKOU, fulian, 20, reason=0)
        services.referral_accept(user=staff, referral=r)
        services.referral_start_service(user=staff, referral=r, note=NOTES[1])
        services.referral_note_add(user=r.sender, referral=r, body=NOTES[2])
        services.referral_attachment_add(
            user=r.sender,
            referral=r,
            uploads=[SimpleUploadedFile("在读证明.pdf", BLANK_PDF, "application/pdf")],
        )
        self._after(r, received=1, answered=1, started=3)
        r = self._to_charity(WANGBU, sunshine, 50, reason=5)
        services.referral_accept(user=staff, referral=r)
        services.referral_start_service(user=staff, referral=r)
        services.referral_record_outcome(
            user=staff, referral=r, outcome=O.HELPED, note=OUTCOME_NOTES[O.HELPED]
        )
        self._after(r, received=1, answered=2, started=4, outcome=40)
        # Declined, then referred elsewhere: the chain.
        first = self._to_charity(SHAKOU, fulian, 15, reason=1)
        services.referral_decline(user=staff, referral=first, reason=DECLINE_REASONS[0])
        self._after(first, received=2, answered=2)
        onward = services.referral_refer_elsewhere(
            user=first.sender,
            previous=first,
            direction=Direction.TO_CHARITY,
            organization=sunshine,
            reason=first.reason,
            needs=list(first.needs.all()),
        )
        services.referral_accept(user=staff, referral=onward)
        self.stories.append(Story(onward, 12, {"received": 1, "answered": 1}))
        # Accepted, then the person revoked their consent: the charity sees it withdrawn.
        r = self._to_charity(WANGBU, sunshine, 10, reason=2)
        services.referral_accept(user=staff, referral=r)
        self._after(r, received=1, answered=1)
        consent_revoke(user=r.household.worker, consent=r.consent, reason=REVOKE_REASON)
        # A Qingxin household, referred by its county to the province's charity federation.
        r = self._to_charity(TAIHE, orgs["province"], 3, sender="county_officer_b", reason=3)

        # Charity -> county civil affairs.
        self._person(0, 2)
        r = self._person(1, 5)
        services.referral_receive(user=county, referral=r)
        self._after(r, received=1)
        r = self._person(2, 9)
        services.referral_attachment_add(
            user=self.charity,
            referral=r,
            uploads=[SimpleUploadedFile("房屋受损照片.png", TINY_PNG, "image/png")],
        )
        services.referral_accept(user=county, referral=r)
        services.referral_record_outcome(
            user=county, referral=r, outcome=O.APPLIED, note=OUTCOME_NOTES[O.APPLIED]
        )
        self._after(r, received=1, answered=1, outcome=3)
        r = self._person(3, 28)
        services.referral_accept(user=county, referral=r)
        self._register(r, county)
        services.referral_record_outcome(
            user=county, referral=r, outcome=O.GRANTED, note=OUTCOME_NOTES[O.GRANTED]
        )
        self._after(r, received=1, answered=1, outcome=21)
        r = self._person(4, 24)
        services.referral_accept(user=county, referral=r)
        services.referral_record_outcome(
            user=county, referral=r, outcome=O.NOT_ELIGIBLE, note=OUTCOME_NOTES[O.NOT_ELIGIBLE]
        )
        self._after(r, received=2, answered=2, outcome=12)
        r = self._person(5, 7)  # 太和镇: 清新区 receives it
        services.referral_decline(
            user=self.users["county_officer_b"], referral=r, reason=DECLINE_REASONS[2]
        )
        self._after(r, received=1, answered=1)
        self._person(6, 36)  # no outcome after 30 days: escalated to the city

        # To the township stations, and cases.
        self._to_station(SHAKOU, 2, sender="county_officer", reason=0)
        r = self._to_station(SHAKOU, 18, sender="county_officer", reason=1)
        services.referral_accept(user=self.users["worker"], referral=r)
        self._case(r.household, self.users["worker"], referral=r, closed=False)
        self._after(r, received=1, answered=1, started=2)
        r = self._to_station(WANGBU, 70, sender="county_officer", reason=2)
        services.referral_accept(user=self.users["worker_wangbu"], referral=r)
        self._case(r.household, self.users["worker_wangbu"], referral=r, closed=True)
        self._after(r, received=1, answered=1, started=2, outcome=60)
        r = self._to_station(TAIHE, 5, sender="county_officer_b", reason=1)
        services.referral_decline(
            user=self.users["worker_taihe"],
            referral=r,
            reason="该户已在本站另一个案中跟进,合并处理。",
        )
        self._after(r, received=1, answered=1)
        household, _head = self._household(SHAKOU)
        self._case(household, self.users["worker_colleague"], closed=False, days_ago=25)
        household, _head = self._household(TAIHE)
        self._case(household, self.users["worker_taihe"], closed=True, days_ago=90)

        for story in self.stories:
            self._backdate(story)
        # The daily follow-up as it would have run this morning: reminders and escalations.
        jobs.follow_up(now=self.now)
        self._check_variety()

    def _after(self, referral: Referral, **after: float) -> None:
        story = next(s for s in self.stories if s.referral.pk == referral.pk)
        story.after.update(after)

    def _register(self, referral: Referral, officer: User) -> None:
        """The county registers the household of the person the charity referred."""
        township = referral.region  # the charity named the township
        worker = (
            User.objects.filter(
                role=User.Role.SOCIAL_WORKER, region_id=township.code, is_active=True
            )
            .order_by("pk")
            .first()
        )
        services.referral_register_household(
            user=officer,
            referral=referral,
            fields={"region": township, "address": referral.person_address, "worker": worker},
            members=[
                MemberInput(
                    name=referral.person_name,
                    relation=Member.Relation.HEAD,
                    id_number=referral.person_id_number,
                    phone=referral.person_phone,
                )
            ],
        )

    def _case(
        self,
        household: Household,
        worker: User,
        *,
        closed: bool,
        referral: Referral | None = None,
        days_ago: int | None = None,
    ) -> Case:
        case = services.case_open(
            user=worker, household=household, referral=referral, assessment=ASSESSMENT
        )
        opened = self.now - dt.timedelta(days=days_ago) if days_ago is not None else None
        for goal, days in GOALS:
            services.case_goal_add(
                user=worker, case=case, goal=goal, due_on=self.today + dt.timedelta(days=days)
            )
        for kind, body in CASE_NOTES:
            services.case_note_add(user=worker, case=case, body=body, kind=kind)
        if closed:
            for goal in case.goals.all():
                services.case_goal_reach(user=worker, goal=goal)
            services.case_close(
                user=worker,
                case=case,
                outcome=Case.Outcome.PARTLY_MET,
                note="主要目标已达成,学杂费问题转由慈善会项目持续资助。",
            )
        if opened is not None:
            self._backdate_case(case, opened, closed)
        return case

    # -- back-dating --

    def _backdate_case(self, case: Case, opened: dt.datetime, closed: bool) -> None:
        shift = timezone.now() - opened
        Case.objects.filter(pk=case.pk).update(opened_at=opened)
        if closed:
            Case.objects.filter(pk=case.pk).update(
                closed_at=opened + dt.timedelta(days=75), next_review_on=None
            )
        for goal in case.goals.all():
            due = goal.due_on - shift.days * dt.timedelta(days=1)
            achieved = min(due, self.today) if goal.achieved_on else None
            CaseGoal.objects.filter(pk=goal.pk).update(due_on=due, achieved_on=achieved)
        for offset, note in enumerate(case.notes.order_by("pk")):
            CaseNote.objects.filter(pk=note.pk).update(
                written_on=timezone.localdate(opened) + dt.timedelta(days=7 * (offset + 1))
            )

    def _backdate(self, story: Story) -> None:
        """Demo back-dating: move one referral's steps back to when they happened, with the
        deadlines fixed from that day, by a plain queryset update."""
        referral = Referral.objects.get(pk=story.referral.pk)
        sent = self.now - dt.timedelta(days=story.days_ago, hours=2)
        at = {k: sent + dt.timedelta(days=v, hours=1) for k, v in story.after.items()}
        at = {k: min(v, self.now - dt.timedelta(minutes=10)) for k, v in at.items()}
        sent_day = timezone.localdate(sent)
        values: dict[str, Any] = {
            "sent_at": sent,
            "created_at": sent,
            "received_due": add_working_days(sent_day, settings.REFERRAL_RECEIPT_WORKING_DAYS),
            "outcome_due": sent_day + dt.timedelta(days=settings.REFERRAL_OUTCOME_DAYS),
        }
        last = sent
        for step, column in (
            ("received", "received_at"),
            ("answered", "answered_at"),
            ("started", "started_at"),
            ("outcome", "outcome_at"),
        ):
            if getattr(referral, column) is not None:
                values[column] = at.get(step, sent)
                last = max(last, values[column])
        if referral.status in (S.DECLINED,) and referral.outcome_at is not None:
            values["outcome_at"] = values.get("answered_at", last)
        if referral.closed_at is not None:
            values["closed_at"] = last
        values["status_changed_at"] = last
        Referral.objects.filter(pk=referral.pk).update(**values)
        referral.notes.update(created_at=last)
        case = Case.objects.filter(referral=referral).first()
        if case is not None:
            opened = values.get("started_at", last)
            self._backdate_case(case, opened, case.status == Case.Status.CLOSED)
            if case.status == Case.Status.CLOSED:
                Case.objects.filter(pk=case.pk).update(closed_at=values.get("closed_at", last))

    def _check_variety(self) -> None:
        """The stories are fixed, but the checks keep an edit honest."""
        referrals = demo_referrals()
        missing = {f"direction {d}" for d in Direction.values} - {
            f"direction {d}" for d in referrals.values_list("direction", flat=True)
        }
        missing |= set(S.values) - set(referrals.values_list("status", flat=True))
        checks = {
            "chain": referrals.filter(previous__isnull=False).exists(),
            "revoked consent": referrals.filter(consent__revoked_at__isnull=False).exists(),
            "granted": referrals.filter(outcome=O.GRANTED).exists(),
            "reminded": referrals.filter(reminded_at__isnull=False).exists(),
            "escalated": referrals.filter(escalated_at__isnull=False).exists(),
            "open case": Case.objects.filter(status=Case.Status.OPEN).exists(),
            "closed case": Case.objects.filter(status=Case.Status.CLOSED).exists(),
        }
        missing |= {name for name, ok in checks.items() if not ok}
        if missing:
            raise RuntimeError(f"referrals demo: nothing for {sorted(missing)}")
