"""Demo data for the need ledger, loaded by ``manage.py seed_demo`` (which calls ``seed``).

About 200 synthetic households in the three demo townships, recorded through the services as
the townships' social workers would: members with valid ID numbers, assistance statuses and
vulnerability tags in realistic proportions (DOMAIN.md §1, §4), home visits, needs in every
charity area, form of aid and status, and consent. Everything is drawn from one
``random.Random(2026)``, with dates relative to today. A second run finds the ``演示-``
households and creates nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from accounts import crypto
from accounts.models import Region, User
from accounts.taxonomies import (
    AidForm,
    AssistanceStatus,
    CharityArea,
    DisabilityType,
    GapClass,
    VulnerabilityTag,
)

from . import idnumbers
from .flags import household_flags_deferred
from .models import Consent, Household, Member, Need
from .services import (
    LedgerInvalid,
    MemberInput,
    consent_record,
    consent_revoke,
    household_save,
    need_register,
    need_transition,
    visit_record,
)

SEED = 2026
REF_PREFIX = "演示-"

Tag = VulnerabilityTag
Rel = Member.Relation
MALE, FEMALE = Member.Sex.MALE, Member.Sex.FEMALE


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- Places ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TownshipPlan:
    code: str
    county: str
    town: str
    workers: tuple[str, ...]
    households: int
    #: (village block number, name): 001-199 居委会, 200-399 村委会 (DOMAIN.md §3).
    villages: tuple[tuple[int, str], ...]


TOWNSHIPS = (
    TownshipPlan(
        code="441881101000",
        county="英德市",
        town="沙口镇",
        workers=("worker", "worker_colleague"),
        households=90,
        villages=(
            (1, "沙口社区居委会"),
            (201, "红峰村委会"),
            (202, "清溪村委会"),
            (203, "龙华村委会"),
            (204, "沙坪村委会"),
        ),
    ),
    TownshipPlan(
        code="441881102000",
        county="英德市",
        town="望埠镇",
        workers=("worker_wangbu",),
        households=60,
        villages=(
            (1, "望埠社区居委会"),
            (201, "同心村委会"),
            (202, "奖岭村委会"),
            (203, "青塘村委会"),
        ),
    ),
    TownshipPlan(
        code="441803102000",
        county="清新区",
        town="太和镇",
        workers=("worker_taihe",),
        households=50,
        villages=(
            (1, "太和社区居委会"),
            (201, "坑口村委会"),
            (202, "白湾村委会"),
            (203, "岩山村委会"),
            (204, "迳口村委会"),
        ),
    ),
)
NATURAL_VILLAGES = (
    "上围", "下围", "新屋", "老屋", "石角", "塘头", "大岭", "水口",
    "田心", "岭背", "坑尾", "黄泥塘", "松岗", "竹山", "围仔",
)  # fmt: skip
STREETS = ("人民路", "建设路", "新街", "沿江路", "文明街", "和平路", "府前路", "东风路")


def village_code(township: TownshipPlan, number: int) -> str:
    return f"{township.code[:9]}{number:03d}"


def villages_ensure(today: dt.date) -> int:
    """Create the synthetic villages that are missing; returns how many were created."""
    wanted = {
        village_code(t, number): (t, number, name) for t in TOWNSHIPS for number, name in t.villages
    }
    existing = set(Region.objects.filter(code__in=wanted).values_list("code", flat=True))
    new = [
        Region(
            code=code,
            name=name,
            level=Region.Level.VILLAGE,
            kind="residents_committee" if number < 200 else "village_committee",
            parent_id=t.code,
            valid_from=today,
            is_synthetic=True,
        )
        for code, (t, number, name) in wanted.items()
        if code not in existing
    ]
    Region.objects.bulk_create(new)
    return len(new)


# --- People ----------------------------------------------------------------------------------

SURNAMES = (
    "黄", "陈", "李", "张", "刘", "林", "何", "罗", "邓", "朱", "钟", "梁", "谢", "曾",
    "吴", "赖", "温", "邱", "范", "冯", "叶", "廖", "欧阳", "潘", "汤", "巫",
)  # fmt: skip
GIVEN = {
    (MALE, "old"): (
        "水生", "亚福", "德才", "金平", "石生", "国华", "炳坤",
        "观福", "木生", "永安", "桂林", "灶荣", "锦昌", "寿全",
    ),
    (FEMALE, "old"): (
        "秀英", "桂芳", "亚娣", "玉兰", "秀珍", "带娣", "凤英",
        "三妹", "銮娇", "群英", "二妹", "金娣", "月娥", "细妹",
    ),
    (MALE, "mid"): (
        "伟明", "志刚", "建华", "永强", "海军", "国平", "志强",
        "建明", "文辉", "振东", "卫东", "冠华", "少林", "俊峰",
    ),
    (FEMALE, "mid"): (
        "丽萍", "美玲", "小燕", "春梅", "丽华", "秀梅", "海燕",
        "少娟", "惠玲", "小红", "翠萍", "玉婷", "碧霞", "金凤",
    ),
    (MALE, "young"): (
        "子豪", "浩然", "宇轩", "俊杰", "梓轩", "嘉豪", "文博",
        "梓航", "家乐", "锦程", "俊熙", "浩宇", "子骏", "天佑",
    ),
    (FEMALE, "young"): (
        "欣怡", "梓涵", "诗琪", "雨桐", "佳琪", "思彤", "晓婷",
        "紫琳", "可欣", "芷晴", "梓萱", "嘉怡", "婉婷", "雅琪",
    ),
}  # fmt: skip
PHONE_PREFIXES = (
    "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "157", "158", "159", "180", "186", "188", "189", "199",
)  # fmt: skip
#: (illness, detail): the illness alone goes into need descriptions.
CHRONIC = (
    ("高血压", "需长期服药"),
    ("糖尿病", "需长期服用降糖药"),
    ("脑梗后遗症", "右侧肢体活动不便"),
    ("慢性阻塞性肺病", "冬季易发作"),
    ("风湿性关节炎", "行走困难"),
    ("冠心病", "每年住院一到两次"),
    ("白内障", "视力差"),
    ("慢性胃炎", "饮食需注意"),
)
CHRONIC_NAMES = {name for name, _detail in CHRONIC}
SERIOUS = (
    ("尿毒症", "每周透析两次"),
    ("肺癌", "术后化疗中"),
    ("乳腺癌", "术后定期复查"),
    ("脑出血", "术后偏瘫"),
    ("肝硬化", "需长期治疗"),
    ("急性白血病", "在省城住院治疗"),
    ("鼻咽癌", "放疗后康复中"),
)
DISABILITY_CN = {
    DisabilityType.VISUAL: "视力",
    DisabilityType.HEARING: "听力",
    DisabilityType.SPEECH: "言语",
    DisabilityType.PHYSICAL: "肢体",
    DisabilityType.INTELLECTUAL: "智力",
    DisabilityType.MENTAL: "精神",
    DisabilityType.MULTIPLE: "多重",
}
DISABILITY_CARE = {
    DisabilityType.VISUAL: "出行需人陪同",
    DisabilityType.HEARING: "与人交流困难",
    DisabilityType.SPEECH: "与人交流困难",
    DisabilityType.PHYSICAL: "需借助拐杖或轮椅",
    DisabilityType.INTELLECTUAL: "生活需人照料",
    DisabilityType.MENTAL: "需按时服药",
    DisabilityType.MULTIPLE: "生活不能自理",
}
GRADES = "一二三四"
WORK_AWAY = ("在东莞电子厂务工", "在深圳建筑工地务工", "在佛山家具厂务工", "在广州做保安")
WORK_LOCAL = (
    "务农",
    "在镇上打零工",
    "保洁员",
    "建筑散工",
    "种植砂糖橘",
    "养鸡",
    "个体(摩托车修理)",
)
FARMING = ("务农", "种植砂糖橘", "养鸡")


@dataclass
class Person:
    name: str
    relation: str
    sex: str
    birth: dt.date
    tags: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    disability_type: str = ""
    disability_grade: int | None = None
    illness: str = ""
    health: str = ""
    work: str = ""
    phone: str = ""
    student: bool = False
    veteran: bool = False
    #: What the household's children call this person (for guardian consent): 父亲, 祖母 ...
    kin: str = ""

    def age(self, on: dt.date) -> int:
        return idnumbers.age_on(self.birth, on)


@dataclass
class HouseholdPlan:
    number: int
    township: TownshipPlan
    village: str
    worker: str
    category: str
    structure: str
    people: list[Person]
    notes: list[str]
    address: str = ""
    housing: str = Household.Housing.OWN
    housing_note: str = ""
    income: Decimal | None = None
    rigid: Decimal | None = None
    gap_class: str = ""


class Builder:
    """Draws people and households from one seeded generator."""

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today

    # -- small draws --

    def person(self, surname: str, relation: str, sex: str, age: int, **extra: Any) -> Person:
        generation = "old" if age >= 55 else "mid" if age >= 23 else "young"
        return Person(
            name=surname + self.rng.choice(GIVEN[(sex, generation)]),
            relation=relation,
            sex=sex,
            birth=_shift_years(self.today, -age) - dt.timedelta(days=self.rng.randint(1, 360)),
            **extra,
        )

    def sex(self, female_share: float = 0.5) -> str:
        return FEMALE if self.rng.random() < female_share else MALE

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"

    def surname(self, avoid: str = "") -> str:
        while (name := self.rng.choice(SURNAMES)) == avoid:
            pass
        return name

    def adult_work(self) -> str:
        return self.rng.choice(WORK_LOCAL if self.rng.random() < 0.6 else WORK_AWAY)

    def disable(self, p: Person, *, severe: bool) -> None:
        p.disability_type = self.rng.choice(DisabilityType.values)
        p.disability_grade = self.rng.choice((1, 2) if severe else (2, 3, 4))
        p.tags.add(Tag.DISABLED)
        kind = DisabilityType(p.disability_type)
        p.health = (
            f"{DISABILITY_CN[kind]}残疾{GRADES[p.disability_grade - 1]}级,{DISABILITY_CARE[kind]}"
        )

    def fall_ill(self, p: Person) -> None:
        p.illness, detail = self.rng.choice(SERIOUS)
        p.health = f"{p.illness},{detail}"
        p.tags.add(Tag.SERIOUS_ILLNESS)

    def chronic(self, p: Person) -> None:
        p.illness, detail = self.rng.choice(CHRONIC)
        p.health = f"{p.illness},{detail}"

    def children(self, surname: str, n: int, oldest: int, relation: str, town: str) -> list[Person]:
        """Up to ``n`` children, oldest first; none younger than two (born before any visit)."""
        kids = []
        age = oldest
        for _ in range(n):
            if age < 2:
                break
            kid = self.person(surname, relation, self.sex(), age)
            if age >= 16 and self.rng.random() < 0.25:
                kid.work = self.rng.choice(("初中毕业后在家", *WORK_AWAY))
                kid.phone = self.phone()
            else:
                kid.work = self._school(age, town)
                kid.student = age >= 15
            kids.append(kid)
            age -= self.rng.randint(2, 4)
        return kids

    def _school(self, age: int, town: str) -> str:
        if age < 6:
            return f"{town}中心幼儿园"
        if age < 12:
            return f"{town}中心小学 {'一二三四五六'[age - 6]}年级"
        if age < 15:
            return f"{town}中学 初{'一二三'[age - 12]}"
        if age < 18:
            if self.rng.random() < 0.25:
                return "清远工贸职业技术学校 在读"
            school = self.rng.choice(("英德中学", "英德市第一中学", "清新区第一中学"))
            return f"{school} 高{'一二三'[age - 15]}"
        return self.rng.choice(("清远职业技术学院", "广东轻工职业技术学院", "韶关学院")) + " 在读"

    # -- household structures: (people, notes) --

    def elder_alone(self, town: str, *, no_family: bool = False) -> tuple[list[Person], list[str]]:
        age = self.rng.randint(68, 92)
        p = self.person(self.surname(), Rel.HEAD, self.sex(0.6), age, tags={Tag.ELDER_ALONE})
        notes = ["独居老人"]
        if no_family:
            p.tags.add(Tag.ELDER_NO_FAMILY)
            notes.append("无配偶无子女,分散供养")
        else:
            notes.append("子女在外地,很少回家")
        if self.rng.random() < 0.25:
            p.tags.add(Tag.ELDER_DEPENDENT)
            p.illness, p.health = "脑梗后遗症", "脑梗后遗症,生活不能完全自理"
        elif self.rng.random() < 0.7:
            self.chronic(p)
        p.work = "无" if age > 80 else "在家种菜"
        if self.rng.random() < 0.4:
            p.phone = self.phone()
        if p.sex == MALE and self.rng.random() < 0.15:
            p.veteran = True
            notes.append("退役军人")
        return [p], notes

    def elder_alone_no_family(self, town: str) -> tuple[list[Person], list[str]]:
        return self.elder_alone(town, no_family=True)

    def elderly_couple(self, town: str) -> tuple[list[Person], list[str]]:
        surname = self.surname()
        age = self.rng.randint(66, 85)
        husband = self.person(surname, Rel.HEAD, MALE, age, work="务农" if age < 75 else "无")
        wife_age = max(60, age - self.rng.randint(1, 6))
        wife = self.person(self.surname(surname), Rel.SPOUSE, FEMALE, wife_age, work=husband.work)
        notes = ["老年夫妇同住"]
        if self.rng.random() < 0.7:
            husband.tags.add(Tag.ELDER_LEFT_BEHIND)
            wife.tags.add(Tag.ELDER_LEFT_BEHIND)
            notes.append(f"子女{self.rng.choice(WORK_AWAY)}")
        for p in (husband, wife):
            roll = self.rng.random()
            if roll < 0.15:
                p.tags.add(Tag.ELDER_DEPENDENT)
                p.health = "长期卧床,需要人照料"
            elif roll < 0.25:
                self.fall_ill(p)
            elif roll < 0.75:
                self.chronic(p)
        self.rng.choice((husband, wife)).phone = self.phone()
        if self.rng.random() < 0.12:
            husband.veteran = True
            notes.append("户主为退役军人")
        return [husband, wife], notes

    def _couple(self, surname: str, age: int) -> tuple[Person, Person]:
        head = self.person(surname, Rel.HEAD, MALE, age, work=self.adult_work(), phone=self.phone())
        spouse_age = age - self.rng.randint(0, 4)
        spouse = self.person(self.surname(surname), Rel.SPOUSE, FEMALE, spouse_age)
        spouse.work = self.rng.choice(("务农", "在家照顾老人和孩子", "超市收银员", "制衣厂工人"))
        if self.rng.random() < 0.6:
            spouse.phone = self.phone()
        head.kin, spouse.kin = "父亲", "母亲"
        return head, spouse

    def couple_children(self, town: str) -> tuple[list[Person], list[str]]:
        surname = self.surname()
        age = self.rng.randint(32, 50)
        head, spouse = self._couple(surname, age)
        oldest = min(age - 22, self.rng.randint(4, 21))
        kids = self.children(surname, self.rng.randint(1, 3), oldest, Rel.CHILD, town)
        notes = [f"夫妻育有 {len(kids)} 个孩子"]
        roll = self.rng.random()
        if roll < 0.15:
            kid = self.rng.choice(kids)
            self.disable(kid, severe=True)
            kid.tags.add(Tag.CHILD_IN_DIFFICULTY)
            notes.append(f"孩子{kid.name}残疾,需长期康复")
        elif roll < 0.3:
            self.chronic(spouse)
        if any(k.student and k.age(self.today) >= 18 for k in kids):
            notes.append("大孩子读大学,学费负担重")
        return [head, spouse, *kids], notes

    def grandparents_grandchildren(self, town: str) -> tuple[list[Person], list[str]]:
        surname = self.surname()
        age = self.rng.randint(58, 76)
        grandma_age = age - self.rng.randint(0, 4)
        grandma = self.person(self.surname(surname), Rel.HEAD, FEMALE, grandma_age, work="务农")
        grandma.kin = "祖母"
        if self.rng.random() < 0.8:
            grandpa = self.person(surname, Rel.HEAD, MALE, age, work="务农", phone=self.phone())
            grandpa.kin = "祖父"
            grandma.relation = Rel.SPOUSE
            elders = [grandpa, grandma]
        else:
            grandma.phone = self.phone()
            elders = [grandma]
        for p in elders:
            if self.rng.random() < 0.5:
                self.chronic(p)
        oldest = self.rng.randint(5, 15)
        kids = self.children(surname, self.rng.randint(1, 3), oldest, Rel.GRANDCHILD, town)
        roll = self.rng.random()
        if roll < 0.12:
            tag, note = Tag.ORPHAN, "孩子父母均已去世,由祖父母抚养"
        elif roll < 0.28:
            tag = Tag.DE_FACTO_UNSUPPORTED_CHILD
            note = self.rng.choice(
                (
                    "孩子父亲因病去世,母亲改嫁后失联",
                    "孩子父亲服刑,母亲离家多年下落不明",
                    "孩子父母均为重度残疾,无抚养能力",
                )
            )
        else:
            tag, note = Tag.LEFT_BEHIND_CHILD, f"孩子父母{self.rng.choice(WORK_AWAY)},春节才回家"
            for p in elders:
                if p.age(self.today) >= 60:
                    p.tags.add(Tag.ELDER_LEFT_BEHIND)
        for kid in kids:
            if tag != Tag.LEFT_BEHIND_CHILD or kid.age(self.today) < 16:
                kid.tags.add(tag)
        return [*elders, *kids], ["祖孙家庭", note]

    def single_parent(self, town: str) -> tuple[list[Person], list[str]]:
        surname = self.surname()
        sex = self.sex(0.7)
        age = self.rng.randint(28, 50)
        parent = self.person(
            surname, Rel.HEAD, sex, age, work=self.adult_work(), phone=self.phone()
        )
        parent.kin = "母亲" if sex == FEMALE else "父亲"
        kid_surname = self.surname(surname) if sex == FEMALE else surname
        oldest = min(age - 20, self.rng.randint(3, 17))
        kids = self.children(kid_surname, self.rng.randint(1, 3), oldest, Rel.CHILD, town)
        note = self.rng.choice(
            ("配偶因病去世", "离异,独自抚养孩子", "配偶车祸去世", "配偶离家多年")
        )
        if self.rng.random() < 0.35:
            for kid in kids:
                kid.tags.add(Tag.CHILD_IN_DIFFICULTY)
        if self.rng.random() < 0.25:
            self.chronic(parent)
        return [parent, *kids], ["单亲家庭", note]

    def disabled_with_parents(self, town: str) -> tuple[list[Person], list[str]]:
        surname = self.surname()
        age = self.rng.randint(52, 72)
        father = self.person(surname, Rel.HEAD, MALE, age, work="务农", phone=self.phone())
        mother_age = age - self.rng.randint(0, 5)
        mother = self.person(self.surname(surname), Rel.SPOUSE, FEMALE, mother_age)
        mother.work = "在家照顾孩子"
        father.kin, mother.kin = "父亲", "母亲"
        child_age = self.rng.randint(18, min(42, age - 22))
        child = self.person(surname, Rel.CHILD, self.sex(), child_age)
        self.disable(child, severe=self.rng.random() < 0.7)
        child.work = "无" if child.disability_grade in (1, 2) else "在家做手工活"
        people = [father, mother, child]
        if self.rng.random() < 0.3:
            sibling_age = self.rng.randint(18, min(40, age - 22))
            sibling = self.person(surname, Rel.CHILD, self.sex(), sibling_age, phone=self.phone())
            sibling.work = self.rng.choice(WORK_AWAY)
            people.append(sibling)
        if self.rng.random() < 0.4:
            self.chronic(father)
        return people, ["残疾人家庭", f"{child.name}{child.health},父母年迈照护吃力"]

    def ill_head_family(self, town: str) -> tuple[list[Person], list[str]]:
        surname = self.surname()
        age = self.rng.randint(38, 60)
        head, spouse = self._couple(surname, age)
        ill, carer = (spouse, head) if self.rng.random() < 0.3 else (head, spouse)
        self.fall_ill(ill)
        ill.work = "因病无法工作"
        carer.work = self.rng.choice(("务农", "在镇上打零工", "在医院陪护"))
        oldest = min(age - 20, self.rng.randint(8, 22))
        kids = self.children(surname, self.rng.randint(1, 2), oldest, Rel.CHILD, town)
        return [head, spouse, *kids], ["因病致困", f"{ill.name}患{ill.health},医疗费用高"]

    def three_generation(self, town: str) -> tuple[list[Person], list[str]]:
        surname = self.surname()
        age = self.rng.randint(32, 50)
        head, spouse = self._couple(surname, age)
        elders = [self.person(surname, Rel.PARENT, FEMALE, age + self.rng.randint(24, 34))]
        if self.rng.random() < 0.5:
            elders.insert(0, self.person(surname, Rel.PARENT, MALE, age + self.rng.randint(26, 36)))
        for e in elders:
            e.work = "无"
            roll = self.rng.random()
            if roll < 0.3:
                e.tags.add(Tag.ELDER_DEPENDENT)
                e.illness, e.health = "脑梗后遗症", "脑梗后遗症,长期卧床"
            elif roll < 0.7:
                self.chronic(e)
        oldest = min(age - 22, self.rng.randint(2, 16))
        kids = self.children(surname, self.rng.randint(1, 2), oldest, Rel.CHILD, town)
        return [head, spouse, *elders, *kids], ["三代同住", "上有老下有小,主要靠户主一人收入"]

    def disabled_alone(self, town: str) -> tuple[list[Person], list[str]]:
        age = self.rng.randint(40, 62)
        p = self.person(self.surname(), Rel.HEAD, self.sex(), age, work="无")
        self.disable(p, severe=True)
        return [p], ["重度残疾,独自居住", "无法定赡养抚养义务人,分散供养"]


# --- Household mix ---------------------------------------------------------------------------

#: Main assistance category of a household, in the proportions of the national low-income
#: monitoring platform (DOMAIN.md §2, of 66 M people: 低保 ~61 %, 特困 ~7 %, 低保边缘 ~9 %).
CATEGORY_SHARES = (
    ("dibao", 0.60),
    ("tekun", 0.07),
    ("dibao_marginal", 0.09),
    ("relapse_monitored", 0.06),
    ("rigid_expenditure_hardship", 0.05),
    ("temporary_assistance", 0.04),
    ("none", 0.09),
)
STRUCTURES: dict[str, tuple[tuple[str, int], ...]] = {
    "tekun": (("elder_alone_no_family", 8), ("disabled_alone", 2)),
    "dibao": (
        ("elder_alone", 12),
        ("elderly_couple", 14),
        ("grandparents_grandchildren", 16),
        ("single_parent", 14),
        ("disabled_with_parents", 12),
        ("ill_head_family", 14),
        ("couple_children", 12),
        ("three_generation", 6),
    ),
    "rigid_expenditure_hardship": (
        ("ill_head_family", 5),
        ("couple_children", 2),
        ("disabled_with_parents", 3),
    ),
    "other": (
        ("elder_alone", 6),
        ("elderly_couple", 10),
        ("grandparents_grandchildren", 14),
        ("single_parent", 10),
        ("disabled_with_parents", 10),
        ("ill_head_family", 20),
        ("couple_children", 20),
        ("three_generation", 10),
    ),
}
INCOME = {  # monthly income per person, yuan
    "tekun": (150, 500),
    "dibao": (250, 850),
    "dibao_marginal": (900, 1300),
    "relapse_monitored": (1000, 1800),
    "rigid_expenditure_hardship": (1200, 2200),
    "temporary_assistance": (600, 1600),
    "none": (800, 2000),
}
DILAPIDATED_NOTES = (
    "泥砖瓦房,建于上世纪八十年代,墙体开裂,雨天漏水",
    "土坯房,屋顶瓦面破损,已列入危房改造排查",
    "木瓦结构老屋,梁木虫蛀,存在安全隐患",
)


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


def _quota(shares: tuple[tuple[str, float], ...], total: int) -> list[str]:
    """Exactly ``round(share * total)`` of each category; the last one takes the remainder."""
    out: list[str] = []
    for name, share in shares[:-1]:
        out += [name] * round(share * total)
    return out + [shares[-1][0]] * (total - len(out))


def plan_households(b: Builder) -> list[HouseholdPlan]:
    rng = b.rng
    categories = _quota(CATEGORY_SHARES, sum(t.households for t in TOWNSHIPS))
    rng.shuffle(categories)
    plans: list[HouseholdPlan] = []
    for township in TOWNSHIPS:
        numbers = [n for n, _name in township.villages]
        weights = [1 if n < 200 else 2 for n in numbers]  # the poor live mostly in the villages
        for i in range(township.households):
            category = categories[len(plans)]
            structure = _weighted(rng, STRUCTURES.get(category, STRUCTURES["other"]))
            people, notes = getattr(b, structure)(township.town)
            village = rng.choices(numbers, weights=weights)[0]
            plan = HouseholdPlan(
                number=len(plans) + 1,
                township=township,
                village=village_code(township, village),
                worker=township.workers[i % len(township.workers)],
                category=category,
                structure=structure,
                people=people,
                notes=notes,
            )
            _assist(rng, plan)
            _means(b, plan, dict(township.villages)[village], residents=village < 200)
            plans.append(plan)
    return plans


def _assist(rng: random.Random, plan: HouseholdPlan) -> None:
    """Assistance statuses of the members and the household's difficulty group."""
    people, head, category = plan.people, plan.people[0], plan.category
    if category == "tekun":
        head.statuses.add(AssistanceStatus.TEKUN)
    elif category == "dibao":
        needy = [p for p in people if p.tags & {Tag.DISABLED, Tag.SERIOUS_ILLNESS}]
        if needy and len(people) > 1 and rng.random() < 0.25:
            # 单人保: only the person with a disability or illness is covered.
            for p in needy:
                p.statuses.add(AssistanceStatus.DIBAO)
            plan.notes.append("单人保")
        else:
            for p in people:
                p.statuses.add(AssistanceStatus.DIBAO)
        if rng.random() < 0.1:
            head.statuses.add(AssistanceStatus.TEMPORARY_ASSISTANCE)
        if rng.random() < 0.08:
            for p in people:
                p.statuses.add(AssistanceStatus.RELAPSE_MONITORED)
    elif category == "temporary_assistance":
        head.statuses.add(AssistanceStatus.TEMPORARY_ASSISTANCE)
    elif category != "none":
        for p in people:
            p.statuses.add(category)

    hard = {Tag.DISABLED, Tag.SERIOUS_ILLNESS, Tag.ELDER_DEPENDENT}
    if category in ("dibao", "tekun"):
        if rng.random() < (0.6 if any(p.tags & hard for p in people) else 0.25):
            plan.gap_class = GapClass.COVERED_STILL_IN_DIFFICULTY
    elif rng.random() < 0.85:
        plan.gap_class = GapClass.NOT_ELIGIBLE_IN_DIFFICULTY


def _means(b: Builder, plan: HouseholdPlan, village_name: str, *, residents: bool) -> None:
    """Income, rigid expenditure, housing and address."""
    rng, people = b.rng, plan.people
    if rng.random() < 0.93:
        lo, hi = INCOME[plan.category]
        plan.income = Decimal(rng.randrange(lo, hi, 10))
    if rng.random() < 0.9:
        if any(Tag.SERIOUS_ILLNESS in p.tags for p in people):
            lo, hi = 20_000, 80_000
        elif any(Tag.DISABLED in p.tags for p in people):
            lo, hi = 6_000, 24_000
        elif any(p.student for p in people):
            lo, hi = 8_000, 22_000
        else:
            lo, hi = 1_500, 8_000
        if plan.category == "rigid_expenditure_hardship":
            lo, hi = max(lo, 30_000), max(hi, 60_000)
        plan.rigid = Decimal(rng.randrange(lo, hi, 100))
    roll = rng.random()
    if roll < 0.08 and not residents:
        plan.housing = Household.Housing.DILAPIDATED
        plan.housing_note = rng.choice(DILAPIDATED_NOTES)
    elif roll < 0.16:
        plan.housing = Household.Housing.PUBLIC_RENTAL if residents else Household.Housing.RELATIVES
    elif roll < 0.26:
        plan.housing = Household.Housing.RENTED
        plan.housing_note = f"月租 {rng.randrange(300, 800, 50)} 元"
    elif roll < 0.28:
        plan.housing = Household.Housing.OTHER
        plan.housing_note = "借住村里闲置的旧校舍"
    if residents:
        street = village_name.removesuffix("居委会") + rng.choice(STREETS)
    else:
        street = f"{village_name}{rng.choice(NATURAL_VILLAGES)}村"
    t = plan.township
    plan.address = f"{t.county}{t.town}{street} {rng.randint(1, 120)} 号"


class IdNumbers:
    """Valid ID numbers, unique in the run and against every member already stored."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken = set(
            Member.objects.exclude(id_number_index="").values_list("id_number_index", flat=True)
        )

    def new(self, area_code: str, birth: dt.date, sex: str) -> str:
        start = self.rng.randint(1, 499)
        for step in range(499):
            # Sequences 1-499 only: 0 would give a woman the same number as sequence 1.
            number = idnumbers.generate(area_code, birth, (start + step - 1) % 499 + 1, sex=sex)
            index = crypto.blind_index(number, purpose="id_number")
            if index not in self.taken:
                self.taken.add(index)
                return number
        raise RuntimeError(f"needs demo: no free ID number for {area_code} {birth}")


# --- Visits ----------------------------------------------------------------------------------

FINDINGS_COMMON = (
    "核对家庭成员和收入情况,近期无新增收入来源。",
    "家中卫生状况一般,基本生活能维持。",
    "宣讲低保、临时救助和医疗救助政策。",
    "协助整理申请材料,告知办理进度。",
    "询问近期困难,家属情绪稳定。",
)
FINDINGS = {
    "elder_alone": ("老人独居,身体尚可,家中缺少取暖用品。", "老人腿脚不便,买菜做饭困难。"),
    "elder_alone_no_family": ("老人无子女,靠邻居和村干部照看。", "老人房屋老旧,厨房漏雨。"),
    "elderly_couple": ("老两口相互照应,子女很少回家。", "老人慢性病用药负担较重。"),
    "grandparents_grandchildren": ("祖辈年纪大,辅导功课吃力,孩子较内向。", "孩子缺少学习用品。"),
    "single_parent": ("家长独自打零工养家,孩子放学后无人照看。", "孩子学费和生活费压力大。"),
    "disabled_with_parents": (
        "残疾子女需长期照料,父母担心以后无人照顾。",
        "已协助办理残疾人两项补贴。",
    ),
    "ill_head_family": ("患者刚出院,后续治疗费用无着落。", "家庭因病负债数万元,配偶压力大。"),
    "couple_children": ("夫妻收入不稳定,孩子读书开支大。", "户主希望在附近找到稳定工作。"),
    "three_generation": ("卧床老人需要照护,家里劳动力不足。", "赡养和抚养负担都落在户主身上。"),
    "disabled_alone": ("独自居住,生活自理困难,靠邻居帮忙。", "轮椅破旧,需要更换。"),
}


def visit_dates(rng: random.Random, today: dt.date) -> list[dt.date]:
    """0-4 visit dates within the last 18 months, oldest first; some not for over 90 days."""
    roll = rng.random()
    if roll < 0.06:
        return []
    days_ago = rng.randint(91, 420) if roll < 0.24 else rng.randint(0, 88)
    dates = [today - dt.timedelta(days=days_ago)]
    earliest = today - dt.timedelta(days=540)
    for _ in range(rng.randint(1, 4) - 1):
        previous = dates[-1] - dt.timedelta(days=rng.randint(30, 160))
        if previous < earliest:
            break
        dates.append(previous)
    return sorted(dates)


# --- Needs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedTemplate:
    area: str
    form: str
    #: Whom the need is about: "household" or a key of ``WHO``.
    who: str
    #: Estimated value in yuan, drawn from this range (None: a service without a price).
    value: tuple[int, int] | None
    quantity: str
    text: str


def _age(p: Person, today: dt.date) -> int:
    return p.age(today)


WHO: dict[str, Callable[[Person, dt.date], bool]] = {
    "worker": lambda p, d: (
        18 <= _age(p, d) <= 55
        and not p.student
        and not p.tags & {Tag.DISABLED, Tag.SERIOUS_ILLNESS}
    ),
    "elder": lambda p, d: _age(p, d) >= 60,
    "dependent": lambda p, d: Tag.ELDER_DEPENDENT in p.tags,
    "lonely_elder": lambda p, d: bool(p.tags & {Tag.ELDER_ALONE, Tag.ELDER_LEFT_BEHIND}),
    "left_behind": lambda p, d: Tag.LEFT_BEHIND_CHILD in p.tags,
    "unsupported": lambda p, d: bool(p.tags & {Tag.ORPHAN, Tag.DE_FACTO_UNSUPPORTED_CHILD}),
    "pupil": lambda p, d: 6 <= _age(p, d) <= 15 and not p.tags & {Tag.DISABLED},
    "disabled": lambda p, d: Tag.DISABLED in p.tags,
    "severely_disabled": lambda p, d: Tag.DISABLED in p.tags and p.disability_grade in (1, 2),
    "mildly_disabled": lambda p, d: (
        Tag.DISABLED in p.tags and p.disability_grade in (3, 4) and 18 <= _age(p, d) < 60
    ),
    "ill": lambda p, d: Tag.SERIOUS_ILLNESS in p.tags,
    "chronic": lambda p, d: p.illness in CHRONIC_NAMES,
    "student": lambda p, d: p.student,
    "school_leaver": lambda p, d: (
        16 <= _age(p, d) <= 22 and p.relation in (Rel.CHILD, Rel.GRANDCHILD) and not p.student
    ),
    "veteran": lambda p, d: p.veteran,
    "farmer": lambda p, d: 25 <= _age(p, d) <= 65 and p.work in FARMING,
}

A, F, T = CharityArea, AidForm, NeedTemplate
NEED_TEMPLATES = (
    # area, form, about whom, estimated value (yuan), quantity,
    #   description ({name}, {illness}, {disability}, {school}, {amount}, {monthly})
    T(A.POVERTY_RELIEF, F.CASH, "household", (1000, 3000), "",
      "家庭收入低,日常开支入不敷出,申请生活救助金。"),
    T(A.POVERTY_RELIEF, F.IN_KIND, "household", (400, 900), "棉被 2 床、冬衣 4 件",
      "家中缺少过冬棉被和衣物。"),
    T(A.POVERTY_RELIEF, F.IN_KIND, "household", (300, 600), "大米 50 斤、油 2 桶",
      "米油等生活物资短缺,希望节前获得慰问物资。"),
    T(A.POVERTY_RELIEF, F.EMPLOYMENT, "worker", None, "",
      "{name}有劳动能力,希望在镇上找到就近务工岗位,方便照顾家里。"),
    T(A.ELDERLY_SUPPORT, F.DAILY_LIVING, "elder", (2400, 4800), "每日午餐",
      "{name}年迈,做饭困难,需要长者饭堂每日送餐。"),
    T(A.ELDERLY_SUPPORT, F.DAILY_LIVING, "elder", (1200, 3000), "每周 1 次",
      "{name}需要志愿者每周上门打扫卫生、助浴。"),
    T(A.ELDERLY_SUPPORT, F.CARE, "dependent", (6000, 15000), "每周 3 次",
      "{name}长期卧床,家人白天要干活,需要上门照护服务。"),
    T(A.ELDERLY_SUPPORT, F.CARING_VISIT, "lonely_elder", None, "",
      "{name}子女不在身边,需要定期探访和精神慰藉。"),
    T(A.ELDERLY_SUPPORT, F.HOME_MODIFICATION, "elder", (3000, 8000), "",
      "{name}行动不便,卫生间需加装扶手和防滑地面(适老化改造)。"),
    T(A.ELDERLY_SUPPORT, F.IN_KIND, "dependent", (1500, 3500), "护理床 1 张、轮椅 1 台",
      "{name}需要护理床和轮椅。"),
    T(A.CHILD_SUPPORT, F.CARING_VISIT, "left_behind", None, "",
      "{name}为留守儿童,父母在外务工,需要儿童主任定期关爱探访和心理疏导。"),
    T(A.CHILD_SUPPORT, F.CASH, "unsupported", (2400, 6000), "每月 200-500 元",
      "{name}无父母抚养,祖辈年老无收入,需要生活补助。"),
    T(A.CHILD_SUPPORT, F.EDUCATION, "pupil", (800, 2000), "每周 2 次",
      "{name}学习跟不上,需要课后辅导(四点半课堂)。"),
    T(A.CHILD_SUPPORT, F.IN_KIND, "pupil", (200, 500), "1 套",
      "{name}需要书包、文具和冬季校服。"),
    T(A.DISABILITY_SUPPORT, F.REHABILITATION, "disabled", (3000, 12000), "每周 2 次",
      "{name}{disability},需要康复训练服务。"),
    T(A.DISABILITY_SUPPORT, F.IN_KIND, "disabled", (800, 5000), "1 件",
      "{name}{disability},需要适配辅具(轮椅、助听器或助行器)。"),
    T(A.DISABILITY_SUPPORT, F.CARE, "severely_disabled", (8000, 20000), "",
      "{name}{disability},家人照护吃力,需要日间照料或托养服务。"),
    T(A.DISABILITY_SUPPORT, F.EMPLOYMENT, "mildly_disabled", None, "",
      "{name}{disability},希望参加技能培训并推荐辅助性就业。"),
    T(A.DISABILITY_SUPPORT, F.HOME_MODIFICATION, "disabled", (2000, 6000), "",
      "家中门槛和台阶多,{name}出入困难,需要无障碍改造。"),
    T(A.MEDICAL_AID, F.CASH, "ill", (5000, 30000), "",
      "{name}患{illness},医保报销后自付约 {amount} 元,家庭难以承担。"),
    T(A.MEDICAL_AID, F.CASH, "chronic", (2400, 7200), "",
      "{name}患{illness}需长期用药,每月药费约 {monthly} 元。"),
    T(A.MEDICAL_AID, F.EXPERTISE, "ill", None, "",
      "{name}患{illness},病情复杂,希望得到省城专家远程会诊和就医指导。"),
    T(A.MEDICAL_AID, F.CARE, "ill", (2000, 6000), "约 20 天",
      "{name}住院期间家人无法陪护,需要医院陪护服务。"),
    T(A.EDUCATION_AID, F.CASH, "student", (3000, 9000), "",
      "{name}({school})每年学费和住宿费约 {amount} 元,申请助学金。"),
    T(A.EDUCATION_AID, F.EDUCATION, "school_leaver", (1500, 4000), "",
      "{name}初中毕业后未继续升学,希望参加职业技能培训。"),
    T(A.VETERANS_CARE, F.CARING_VISIT, "veteran", (500, 1000), "",
      "{name}为退役军人,年老多病,需要节日慰问和定期探访。"),
    T(A.VETERANS_CARE, F.LEGAL_AID, "veteran", None, "",
      "{name}为退役军人,办理优待证和申请待遇需要政策和法律咨询。"),
    T(A.DISASTER_RELIEF, F.IN_KIND, "household", (800, 2500), "被褥 2 套、电饭煲 1 个",
      "汛期暴雨房屋进水,被褥和家电受损,需要生活物资。"),
    T(A.DISASTER_RELIEF, F.CASH, "dilapidated", (5000, 20000), "",
      "台风致房屋瓦面损坏,需要修缮资金。"),
    T(A.RURAL_REVITALIZATION, F.IN_KIND, "farmer", (1000, 3000), "鸡苗 200 只",
      "{name}想发展林下养鸡,需要鸡苗和饲料。"),
    T(A.RURAL_REVITALIZATION, F.EXPERTISE, "farmer", None, "",
      "{name}种了两亩英德红茶,缺少销售渠道,希望得到电商销售指导。"),
    T(A.RURAL_REVITALIZATION, F.EMPLOYMENT, "worker", None, "",
      "{name}希望参加农村电商或家政技能培训,在本地就业。"),
    T(A.COMMUNITY, F.CARING_VISIT, "household", None, "",
      "家庭与邻里往来少,希望参加社区活动、融入社区。"),
    T(A.COMMUNITY, F.DAILY_LIVING, "elder", (600, 1500), "每周 1 次",
      "{name}需要社区志愿者代购药品和日用品。"),
    T(A.OTHER, F.LEGAL_AID, "worker", (3000, 15000), "",
      "{name}在外务工被拖欠工资约 {amount} 元,需要法律援助。"),
    T(A.OTHER, F.LEGAL_AID, "elder", None, "",
      "{name}与子女有赡养纠纷,需要法律咨询和人民调解。"),
    T(A.OTHER, F.EXPERTISE, "household", None, "",
      "家庭对各项补贴政策不清楚,需要社工协助梳理并办理申请。"),
)  # fmt: skip
URGENT_AREAS = {A.MEDICAL_AID, A.DISASTER_RELIEF}
NEED_STATUS_WEIGHTS = (
    (Need.Status.OPEN, 35),
    (Need.Status.MATCHING, 20),
    (Need.Status.MET, 30),
    (Need.Status.CLOSED_UNMET, 8),
    (Need.Status.WITHDRAWN, 7),
)
UNMET_REASONS = (
    "台账中暂无符合条件的慈善项目,已向服务对象解释,转镇社工站个案跟进。",
    "供给方答复不符合项目申请条件(年龄超出资助范围),已向本人解释。",
    "项目本期名额已满,已告知家属,待下一期台账更新后再对接。",
    "所需金额超出现有项目资助上限,已转介县民政局评估临时救助。",
)
WITHDRAWN_REASONS = (
    "家属已自行解决,申请撤回。",
    "服务对象已随子女迁往外地居住。",
    "本人表示暂不需要。",
    "已获得政府临时救助,不再需要。",
)


def _candidates(template: NeedTemplate, plan: HouseholdPlan, today: dt.date) -> list[Person | None]:
    """Whom a template can be about in this household (``[None]``: the household itself)."""
    if template.who == "household":
        return [None]
    if template.who == "dilapidated":
        return [None] if plan.housing == Household.Housing.DILAPIDATED else []
    return [p for p in plan.people if WHO[template.who](p, today)]


def plan_needs(
    rng: random.Random, plan: HouseholdPlan, today: dt.date, covered: set[str]
) -> list[tuple[NeedTemplate, Person | None]]:
    """0-3 needs that fit the household; leans towards areas and forms not seen yet."""
    if rng.random() < 0.12:
        return []
    count = rng.choices((1, 2, 3), weights=(45, 35, 20))[0]
    eligible = [(t, people) for t in NEED_TEMPLATES if (people := _candidates(t, plan, today))]
    personal = [e for e in eligible if e[0].who != "household"]
    chosen: list[tuple[NeedTemplate, Person | None]] = []
    for _ in range(count):
        source = personal if personal and rng.random() < 0.85 else eligible
        pool = [e for e in source if e[0] not in {t for t, _p in chosen}]
        if not pool:
            break
        fresh = [e for e in pool if not {e[0].area, e[0].form} <= covered]
        template, people = rng.choice(fresh if fresh and rng.random() < 0.5 else pool)
        chosen.append((template, rng.choice(people)))
        covered |= {template.area, template.form}
    return chosen


def _describe(template: NeedTemplate, person: Person | None, value: Decimal | None) -> str:
    amount = int(value or 0)
    values: dict[str, Any] = {"amount": amount, "monthly": amount // 120 * 10}
    if person is not None:
        disability = ""
        if person.disability_type:
            kind = DISABILITY_CN[DisabilityType(person.disability_type)]
            disability = f"{kind}残疾{GRADES[(person.disability_grade or 1) - 1]}级"
        values.update(
            name=person.name,
            illness=person.illness,
            disability=disability,
            school=person.work.removesuffix(" 在读"),
        )
    return template.text.format(**values)


# --- Consent ---------------------------------------------------------------------------------


def _credit_code(rng: random.Random, org_class: str, division: str) -> str:
    """A unified social credit code issued by civil affairs (GB 32100, both checks valid)."""
    body = "MJ" + "".join(rng.choice("0123456789") for _ in range(6))
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]  # GB 11714: A=10 ...
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    first17 = f"5{org_class}{division}{body}{ {10: 'X', 11: '0'}.get(check, str(check)) }"
    return first17 + uscc.calc_check_digit(first17)


#: (name, class: 1 社会团体 / 2 社会服务机构 / 3 基金会, registering division)
ORGANISATIONS = (
    ("英德市阳光社会工作服务中心", "2", "441881"),
    ("清远市扶老助残慈善会", "1", "441800"),
    ("广东益善乡村发展基金会", "3", "440000"),
    ("清新区长者关爱协会", "1", "441803"),
    ("英德市爱心助学促进会", "1", "441881"),
)
REVOKE_REASONS = (
    "本人要求撤回同意,不再希望信息提供给慈善组织。",
    "家属认为已不需要帮扶,撤回同意。",
)


def _cannot_consent(person: Person, on: dt.date) -> bool:
    """A child under 14, or an adult with a severe intellectual or mental disability."""
    return person.age(on) < 14 or (
        person.disability_type in (DisabilityType.INTELLECTUAL, DisabilityType.MENTAL)
        and person.disability_grade in (1, 2)
    )


# --- Seed ------------------------------------------------------------------------------------


@dataclass
class Recorded:
    plan: HouseholdPlan
    household: Household
    worker: User
    registered_on: dt.date
    members: dict[int, Member]  # id(Person) -> Member

    def member(self, person: Person | None) -> Member | None:
        return self.members[id(person)] if person is not None else None


def seed(*, stdout: OutputWrapper | TextIO) -> None:
    """Load the need-ledger demo unless it is there already; report what there is."""
    today = timezone.localdate()
    with transaction.atomic():
        villages_ensure(today)
        if not Household.objects.filter(external_ref__startswith=REF_PREFIX).exists():
            # The 200 households' flags are refreshed once at the end, not at every save.
            with household_flags_deferred():
                _Loader(today).run()
    stdout.write(_summary() + "\n")


def _summary() -> str:
    households = Household.objects.filter(external_ref__startswith=REF_PREFIX)
    villages = Region.objects.filter(
        level=Region.Level.VILLAGE, is_synthetic=True, parent_id__in=[t.code for t in TOWNSHIPS]
    ).count()
    members = Member.objects.filter(household__in=households).count()
    statuses = Counter(
        Need.objects.filter(household__in=households).values_list("status", flat=True)
    )
    consents = Consent.objects.filter(household__in=households).count()
    by_status = ", ".join(f"{s} {statuses[s]}" for s in Need.Status.values)
    return (
        f"needs demo: {villages} villages, {households.count()} households, {members} members, "
        f"{statuses.total()} needs ({by_status}), {consents} consents"
    )


class _Loader:
    def __init__(self, today: dt.date) -> None:
        # Reproducible demo data, not secrets: a seeded PRNG is what we want.
        self.rng = random.Random(SEED)  # noqa: S311
        self.today = today
        self.builder = Builder(self.rng, today)
        names = {n for t in TOWNSHIPS for n in t.workers}
        self.users = {
            u.username: u for u in User.objects.filter(username__in=names).select_related("region")
        }
        if missing := names - set(self.users):
            raise RuntimeError(f"needs demo: seed_demo's users are missing: {sorted(missing)}")
        self.ids = IdNumbers(self.rng)
        codes = [village_code(t, n) for t in TOWNSHIPS for n, _name in t.villages]
        self.villages = Region.objects.in_bulk(codes)
        cadres = GIVEN[(MALE, "mid")]
        self.witnesses = {
            code: f"{v.name} {self.rng.choice(SURNAMES[:8])}{self.rng.choice(cadres)}"
            for code, v in self.villages.items()
        }
        self.organisations = [(name, _credit_code(self.rng, c, d)) for name, c, d in ORGANISATIONS]
        self.covered: set[str] = set()

    def run(self) -> None:
        recorded = []
        coi_declared = False
        for plan in plan_households(self.builder):
            dates = visit_dates(self.rng, self.today)
            extra: dict[str, Any] = {}
            if not coi_declared and plan.worker == "worker" and plan.number >= 7:
                extra = {"coi_declared": True, "coi_note": "李社工的表舅一家,已向站长申报"}
                coi_declared = True
            rec = self._household(plan, dates, extra)
            self._visits(rec, dates)
            chosen = plan_needs(self.rng, plan, self.today, self.covered)
            for template, person in chosen:
                self._need(rec, template, person, status=_weighted(self.rng, NEED_STATUS_WEIGHTS))
            if chosen:
                self._consents(rec)
            recorded.append(rec)
        self._cover_the_rest(recorded)

    def _household(self, plan: HouseholdPlan, dates: list[dt.date], extra: dict) -> Recorded:
        worker = self.users[plan.worker]
        # Registered at the first visit, or (never visited) on referral a few weeks ago.
        registered_on = dates[0] if dates else self.today - dt.timedelta(self.rng.randint(3, 60))
        area_code = plan.township.code[:6]
        members = [
            MemberInput(
                name=p.name,
                relation=p.relation,
                id_number=self.ids.new(area_code, p.birth, p.sex),
                phone=p.phone,
                disability_type=p.disability_type,
                disability_grade=p.disability_grade,
                health_notes=p.health,
                school_or_work=p.work,
                statuses=sorted(p.statuses),
                tags=sorted(p.tags),
            )
            for p in plan.people
        ]
        notes = [*plan.notes, *([] if dates else ["由村委会转介登记,尚未入户走访"])]
        fields = {
            "region": self.villages[plan.village],
            "address": plan.address,
            "worker": worker,
            "external_ref": f"{REF_PREFIX}{plan.number:04d}",
            "income_per_capita": plan.income,
            "rigid_expenditure": plan.rigid,
            "housing": plan.housing,
            "housing_note": plan.housing_note,
            "gap_class": plan.gap_class,
            "notes": ";".join(notes),
            **extra,
        }
        try:
            result = household_save(
                user=worker, household=None, fields=fields, members=members, today=registered_on
            )
        except LedgerInvalid as exc:
            ref = fields["external_ref"]
            raise RuntimeError(f"needs demo: {ref} rejected: {exc.message_dict}") from exc
        household = result.household
        stored = household.members.order_by("id")
        return Recorded(
            plan=plan,
            household=household,
            worker=worker,
            registered_on=registered_on,
            members={id(p): m for p, m in zip(plan.people, stored, strict=True)},
        )

    def _visits(self, rec: Recorded, dates: list[dt.date]) -> None:
        rng = self.rng
        colleagues = [self.users[n] for n in rec.plan.township.workers]
        for i, visited_on in enumerate(dates):
            findings = [rng.choice(FINDINGS[rec.plan.structure]), rng.choice(FINDINGS_COMMON)]
            if i == 0:
                findings.insert(0, "首次入户,建立家庭信息汇总表。")
            next_visit = visited_on + dt.timedelta(days=rng.randint(30, 90))
            visit_record(
                # Now and then a colleague of the station covers the visit.
                user=rng.choice(colleagues) if rng.random() < 0.2 else rec.worker,
                household=rec.household,
                visited_on=visited_on,
                findings="".join(findings),
                next_visit_on=next_visit if rng.random() < 0.7 else None,
            )

    def _need(
        self, rec: Recorded, template: NeedTemplate, person: Person | None, *, status: str
    ) -> None:
        rng = self.rng
        value = Decimal(rng.randrange(*template.value, 100)) if template.value else None
        need = need_register(
            user=rec.worker,
            household=rec.household,
            member=rec.member(person),
            area=template.area,
            form=template.form,
            description=_describe(template, person, value),
            urgent=rng.random() < (0.3 if template.area in URGENT_AREAS else 0.06),
            estimated_value=value,
            quantity=template.quantity,
            source=_weighted(rng, tuple(zip(Need.Source.values, (75, 10, 15), strict=True))),
        )
        self.covered |= {template.area, template.form}
        S = Need.Status
        if status == S.OPEN:
            return
        if status in (S.MATCHING, S.MET) or rng.random() < 0.5:
            need_transition(user=rec.worker, need=need, to=S.MATCHING)
        if status == S.MATCHING:
            return
        reason = {
            S.CLOSED_UNMET: rng.choice(UNMET_REASONS),
            S.WITHDRAWN: rng.choice(WITHDRAWN_REASONS),
        }.get(status, "")
        need_transition(user=rec.worker, need=need, to=status, reason=reason)

    def _consents(self, rec: Recorded) -> None:
        """Most members consent at the first visit; a few later expire or are revoked."""
        rng, today, registered_on = self.rng, self.today, rec.registered_on
        span = (today - registered_on).days
        for person in rec.plan.people:
            if rng.random() >= 0.88:
                continue
            given_on = registered_on + dt.timedelta(days=rng.randint(0, min(30, span)))
            expires_on = _shift_years(given_on, 2)
            expired = span > 200 and rng.random() < 0.04
            if expired:
                expires_on = given_on + dt.timedelta(days=rng.randint(60, span - 31))
            if _cannot_consent(person, given_on):
                guardians = [
                    p
                    for p in rec.plan.people
                    if p.kin and p is not person and p.age(given_on) >= 18
                ]
                if not guardians:
                    continue  # the station looks for the legal guardian first
                guardian = rng.choice(guardians)
                how = {
                    "given_by": Consent.GivenBy.GUARDIAN,
                    "guardian_name": guardian.name,
                    "guardian_relation": guardian.kin,
                }
            elif person.age(given_on) >= 75 and rng.random() < 0.3:
                how = {
                    "given_by": Consent.GivenBy.VERBAL_WITNESSED,
                    "witness_name": self.witnesses[rec.plan.village],
                }
            else:
                how = {"given_by": Consent.GivenBy.SELF}
            named = rng.random() < 0.08
            consent = consent_record(
                user=rec.worker,
                household=rec.household,
                member=rec.members[id(person)],
                purpose=Consent.Purpose.MATCHING,
                scope=Consent.Scope.NAMED if named else Consent.Scope.ANY_SUPPLIER,
                given_on=given_on,
                expires_on=expires_on,
                recipients=rng.sample(self.organisations, rng.randint(1, 2)) if named else None,
                **how,
            )
            if not expired and rng.random() < 0.025:
                consent_revoke(user=rec.worker, consent=consent, reason=rng.choice(REVOKE_REASONS))

    def _cover_the_rest(self, recorded: list[Recorded]) -> None:
        """Should the draw have missed a charity area or form of aid, add a fitting need."""
        for template in NEED_TEMPLATES:
            if {template.area, template.form} <= self.covered:
                continue
            for rec in recorded:
                if people := _candidates(template, rec.plan, self.today):
                    self._need(rec, template, people[0], status=Need.Status.OPEN)
                    break
        missing = (set(CharityArea.values) | set(AidForm.values)) - self.covered
        if missing:
            raise RuntimeError(f"needs demo: no household fits {sorted(missing)}")
