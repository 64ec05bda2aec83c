"""Demo data for the supply ledger, loaded by ``manage.py seed_demo`` (which calls ``seed``).

Forty-one social organisations across the three tiers (DOMAIN.md §1.2): eight registered with
the province, thirteen with cities (清远, 广州, 韶关, and a 深圳 foundation whose listings aid
two townships of 英德市 across regions: 对口帮扶) and twenty with counties (mostly the demo
counties 英德市 and 清新区). Each is registered through ``supply.services`` by the civil
affairs of its registering department (the demo officers; the administrator for the other
cities and counties), with a valid unified social credit code (GB 32100: authority 5, class
1/2/3 by type, the office's division code, a GB 11714 organisation code and the check
character) except one real-looking code that fails the check and is kept with a warning.

About 120 projects cover every charity area and form of aid (DOMAIN.md §4); most are submitted
and published through ``project_transition``, some stay drafts or wait for review, a few are
paused or closed. Some listings are stale (not confirmed for over half a year) and some of
the charitable organisations' listings are late with their disclosure. The demo charity login
proposes changes to its published listings so that the county officer's review queue is not
empty, and the edition of the current half year is published. Everything is drawn from one
``random.Random(2026)`` with dates relative to today; a second run finds the organisations and
creates nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from django.apps import apps
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from accounts.models import Region, User
from accounts.taxonomies import (
    CLASSIFIED_STATUSES,
    CLASSIFIED_TAGS,
    AidForm,
    AssistanceStatus,
    CharityArea,
    VulnerabilityTag,
)

from . import services
from .editions import edition_publish
from .models import (
    STALE_AFTER,
    LedgerEdition,
    ListingChange,
    Organization,
    Project,
    ProjectTerm,
    code_prefixes,
)
from .periods import period_of

SEED = 2026

A, F, S, T = CharityArea, AidForm, AssistanceStatus, VulnerabilityTag
St = Project.Status
Type = Organization.Type
REGISTERED = Organization.CharityStatus.REGISTERED
RECOGNISED = Organization.CharityStatus.RECOGNISED

# --- Places ----------------------------------------------------------------------------------

PROVINCE = "440000000000"
GUANGZHOU = "440100000000"
SHENZHEN = "440300000000"
SHAOGUAN = "440200000000"
QINGYUAN = "441800000000"
YINGDE = "441881000000"  # 英德市 (demo county A)
QINGXIN = "441803000000"  # 清新区 (demo county B)
SHAKOU = "441881101000"  # 沙口镇
WANGBU = "441881102000"  # 望埠镇
TAIHE = "441803102000"  # 太和镇
QINGTANG = "441881106000"  # 青塘镇 (英德, no demo station)
LECHANG = "440281000000"
TIANHE = "440106000000"
QINGCHENG = "441802000000"
YANGSHAN = "441823000000"
LIANZHOU = "441882000000"
ZHANJIANG = "440800000000"
MAOMING = "440900000000"
MEIZHOU = "441400000000"

#: Who keeps each registering department's ledger in the demo; other departments: "admin".
OFFICERS = {
    PROVINCE: "province_officer",
    QINGYUAN: "city_officer",
    YINGDE: "county_officer",
    QINGXIN: "county_officer_b",
}
#: Where an organisation registered with the department has its office.
OFFICE = {
    PROVINCE: ("广州市越秀区", "020"),
    GUANGZHOU: ("广州市天河区", "020"),
    SHAOGUAN: ("韶关市浈江区", "0751"),
    QINGYUAN: ("清远市清城区", "0763"),
    YINGDE: ("清远市英德市", "0763"),
    QINGXIN: ("清远市清新区", "0763"),
    QINGCHENG: ("清远市清城区", "0763"),
    YANGSHAN: ("清远市阳山县", "0763"),
    LIANZHOU: ("清远市连州市", "0763"),
    LECHANG: ("韶关市乐昌市", "0751"),
    TIANHE: ("广州市天河区", "020"),
    SHENZHEN: ("深圳市福田区", "0755"),
}
STREETS = (
    "人民路", "建设路", "新华路", "沿江路", "和平路", "府前路", "东风路", "环城路",
    "文化路", "健康路", "迎宾大道", "光明路",
)  # fmt: skip
SURNAMES = ("黄", "陈", "李", "张", "刘", "林", "何", "罗", "邓", "朱", "钟", "梁", "谢", "曾")
GIVEN = (
    "伟明", "志刚", "建华", "丽萍", "美玲", "小燕", "春梅", "海燕",
    "文辉", "振东", "惠玲", "俊峰", "晓婷", "嘉怡", "少娟", "国平",
)  # fmt: skip

# --- Project templates -----------------------------------------------------------------------

PROCESS_CASH = (
    "1. 本人或家属向村(居)委会或镇(街)社工站提出申请,无法自行申请的由社工协助填写《{org}"
    "帮扶申请表》;2. 社工入户核实家庭情况,村(居)委会出具意见;3. {org}收到材料后 15 个工作日内"
    "完成评审,结果在村(居)务公开栏公示 5 天;4. 公示无异议后,资金直接转入受助人本人银行账户,"
    "社工站跟进回访。"
)
PROCESS_SERVICE = (
    "1. 镇(街)社工站通过平台向{org}转介服务对象,或本人、家属电话咨询;2. {org}在 7 个工作日内"
    "安排人员上门评估,制定服务计划;3. 签订服务协议后按计划提供服务,每月回访一次;"
    "4. 服务结束后由社工站收集服务对象的满意度反馈。"
)
PROCESS_KIND = (
    "1. 村(居)委会和社工站摸排需求,汇总受助名单报{org};2. {org}核对名单,避免与其他项目重复"
    "发放;3. 统一发放或由社工、志愿者送货上门,受助人签收;4. 发放情况在村(居)务公开栏公示。"
)
PROCESS_TRAINING = (
    "1. 在平台或到镇(街)社工站报名,填写报名表;2. {org}按报名情况分班,开班前 3 天电话通知;"
    "3. 参加培训并完成考核,结业后由{org}推荐岗位并跟踪 3 个月。"
)
PROCESS_MEDICAL = (
    "1. 患者或家属持诊断证明、住院费用清单向社工站或{org}提出申请;2. {org}的医务社工在 5 个"
    "工作日内审核,必要时与医院核实;3. 审核通过后按个人自付费用核定资助金额,直接支付给医院或"
    "转入本人账户;4. 资助结果告知社工站,便于帮后反馈。"
)
PROCESS_LEGAL = (
    "1. 拨打{org}服务热线或到社工站预约,说明纠纷情况;2. 律师志愿者 3 个工作日内联系当事人,"
    "提供咨询或代写文书;3. 符合条件的,协助向当地法律援助中心申请指派律师代理。"
)
SIMPLIFIED = (
    "低保、特困、低保边缘、刚性支出困难家庭成员及孤儿、事实无人抚养儿童,凭民政部门认定信息"
    "简化办理,无需另行提供收入证明。"
)
DOCS_ID = "身份证、户口簿"
DOCS_STATUS = "身份证、户口簿,低保证、特困供养证或民政部门认定材料(如有)"
DOCS_MEDICAL = "身份证、户口簿,医院诊断证明、住院费用清单或发票"
DOCS_DISABLED = "身份证、户口簿,第二代残疾人证"
DOCS_STUDENT = "学生身份证或户口簿、学籍证明或录取通知书,家庭困难情况说明"


@dataclass(frozen=True)
class Template:
    title: str
    areas: tuple[str, ...]
    forms: tuple[str, ...]
    description: str
    process: str
    documents: str = DOCS_ID
    conditions: str = ""
    statuses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    ages: tuple[int | None, int | None] = (None, None)
    capacity: tuple[int, int] | None = None
    value: tuple[int, int] | None = None


TEMPLATES: dict[str, Template] = {
    "dibao_relief": Template(
        "困难家庭生活救助金",
        (A.POVERTY_RELIEF,),
        (F.CASH,),
        "为未纳入或已纳入兜底保障但生活仍有困难的家庭提供一次性生活救助金,缓解基本生活困难。",
        PROCESS_CASH,
        DOCS_STATUS,
        "家庭人均月收入低于当地低保标准 1.5 倍,或因刚性支出导致基本生活困难。",
        statuses=(S.DIBAO_MARGINAL, S.RIGID_EXPENDITURE_HARDSHIP, S.DIBAO),
        capacity=(60, 200),
        value=(1000, 3000),
    ),
    "festival_goods": Template(
        "“暖心年”节日慰问",
        (A.POVERTY_RELIEF,),
        (F.IN_KIND, F.CARING_VISIT),
        "春节、中秋前走访慰问困难群众,送上米、油、棉被等慰问物资。",
        PROCESS_KIND,
        DOCS_STATUS,
        statuses=(S.DIBAO, S.TEKUN, S.DIBAO_MARGINAL),
        capacity=(150, 600),
        value=(300, 600),
    ),
    "temporary_hardship": Template(
        "急难救助“微心愿”",
        (A.POVERTY_RELIEF, A.OTHER),
        (F.CASH, F.IN_KIND),
        "对遭遇突发事件、意外伤害导致生活陷入困境的家庭,在政府临时救助之外给予补充帮扶。",
        PROCESS_CASH,
        DOCS_STATUS,
        "已申请或已获得临时救助,仍有急难困难的家庭。",
        statuses=(S.TEMPORARY_ASSISTANCE, S.RELAPSE_MONITORED),
        capacity=(30, 80),
        value=(500, 2000),
    ),
    "meals_elderly": Template(
        "长者助餐服务",
        (A.ELDERLY_SUPPORT,),
        (F.DAILY_LIVING,),
        "依托村(居)长者饭堂为困难老人提供午餐,行动不便的由志愿者送餐上门。",
        PROCESS_SERVICE,
        conditions="特困、低保老人及独居、空巢老人优先。",
        tags=(T.ELDER_ALONE, T.ELDER_NO_FAMILY, T.ELDER_DEPENDENT),
        ages=(70, None),
        capacity=(30, 80),
        value=(1200, 3600),
    ),
    "home_care": Template(
        "居家养老上门照护",
        (A.ELDERLY_SUPPORT,),
        (F.CARE, F.DAILY_LIVING),
        "护理员上门提供助洁、助浴、陪护、健康监测等服务,每月不少于 8 次。",
        PROCESS_SERVICE,
        conditions="经评估为失能、半失能的困难老人。",
        statuses=(S.DIBAO, S.TEKUN),
        tags=(T.ELDER_DEPENDENT, T.ELDER_ALONE),
        ages=(60, None),
        capacity=(20, 60),
        value=(2400, 4800),
    ),
    "elder_visits": Template(
        "独居空巢老人关爱探访",
        (A.ELDERLY_SUPPORT,),
        (F.CARING_VISIT,),
        "社工和志愿者定期探访独居、空巢、留守老人,提供情绪疏导、安全检查和紧急联络。",
        PROCESS_SERVICE,
        tags=(T.ELDER_ALONE, T.ELDER_LEFT_BEHIND, T.ELDER_NO_FAMILY),
        ages=(60, None),
        capacity=(50, 150),
    ),
    "elder_home_mod": Template(
        "困难老人居家适老化改造",
        (A.ELDERLY_SUPPORT,),
        (F.HOME_MODIFICATION,),
        "为困难老年人家庭加装扶手、防滑地面、坐便椅和紧急呼叫设备,降低跌倒风险。",
        PROCESS_SERVICE,
        DOCS_STATUS,
        statuses=(S.DIBAO, S.TEKUN, S.DIBAO_MARGINAL),
        tags=(T.ELDER_DEPENDENT,),
        ages=(60, None),
        capacity=(20, 50),
        value=(3000, 6000),
    ),
    "bathing": Template(
        "失能老人助浴服务",
        (A.ELDERLY_SUPPORT, A.DISABILITY_SUPPORT),
        (F.DAILY_LIVING, F.CARE),
        "专业助浴员携带移动助浴设备上门,为失能、半失能老人和重度残疾人提供助浴。",
        PROCESS_SERVICE,
        tags=(T.ELDER_DEPENDENT, T.DISABLED),
        ages=(60, None),
        capacity=(20, 40),
        value=(600, 1200),
    ),
    "child_stipend": Template(
        "困境儿童成长关爱金",
        (A.CHILD_SUPPORT,),
        (F.CASH,),
        "每学期为困境儿童发放成长关爱金,用于学习和生活开支。",
        PROCESS_CASH,
        DOCS_STATUS,
        tags=(T.ORPHAN, T.DE_FACTO_UNSUPPORTED_CHILD, T.CHILD_IN_DIFFICULTY),
        ages=(0, 18),
        capacity=(40, 120),
        value=(1000, 2000),
    ),
    "orphan_foster": Template(
        "孤儿及事实无人抚养儿童助养计划",
        (A.CHILD_SUPPORT,),
        (F.CASH, F.CARING_VISIT),
        "结对爱心人士按月助养,社工每季度探访,关注孩子的学业与心理。",
        PROCESS_CASH,
        DOCS_STATUS,
        tags=(T.ORPHAN, T.DE_FACTO_UNSUPPORTED_CHILD),
        ages=(0, 18),
        capacity=(20, 60),
        value=(2400, 4800),
    ),
    "left_behind_children": Template(
        "留守儿童“四点半课堂”",
        (A.CHILD_SUPPORT, A.EDUCATION_AID),
        (F.EDUCATION, F.CARING_VISIT),
        "放学后在村(居)儿童之家开展作业辅导、阅读和安全教育,寒暑假开设兴趣营。",
        PROCESS_SERVICE,
        tags=(T.LEFT_BEHIND_CHILD, T.CHILD_IN_DIFFICULTY),
        ages=(6, 15),
        capacity=(40, 100),
    ),
    "child_psych": Template(
        "困境儿童心理支持与个案辅导",
        (A.CHILD_SUPPORT,),
        (F.CARING_VISIT, F.EXPERTISE),
        "心理咨询师和社工为困境儿童提供心理评估、个案辅导和家庭支持。",
        PROCESS_SERVICE,
        tags=(T.CHILD_IN_DIFFICULTY, T.DE_FACTO_UNSUPPORTED_CHILD, T.ORPHAN, T.LEFT_BEHIND_CHILD),
        ages=(6, 18),
        capacity=(20, 60),
    ),
    "child_school_kit": Template(
        "新学期爱心书包",
        (A.CHILD_SUPPORT, A.EDUCATION_AID),
        (F.IN_KIND,),
        "秋季开学前为困难家庭中小学生送上书包、文具和校服。",
        PROCESS_KIND,
        DOCS_STUDENT,
        statuses=(S.DIBAO, S.TEKUN, S.DIBAO_MARGINAL, S.RELAPSE_MONITORED),
        ages=(6, 15),
        capacity=(200, 800),
        value=(150, 300),
    ),
    "disab_rehab": Template(
        "残疾儿童康复训练资助",
        (A.DISABILITY_SUPPORT, A.CHILD_SUPPORT),
        (F.REHABILITATION, F.CASH),
        "资助残疾儿童在定点康复机构接受言语、运动和认知康复训练。",
        PROCESS_MEDICAL,
        DOCS_DISABLED + ",康复机构评估报告",
        tags=(T.DISABLED,),
        ages=(0, 14),
        capacity=(20, 60),
        value=(6000, 12000),
    ),
    "disab_aids": Template(
        "辅助器具免费适配",
        (A.DISABILITY_SUPPORT,),
        (F.IN_KIND, F.REHABILITATION),
        "为困难残疾人免费适配轮椅、助行器、助听器等辅助器具,并上门指导使用。",
        PROCESS_SERVICE,
        DOCS_DISABLED,
        tags=(T.DISABLED,),
        capacity=(50, 150),
        value=(800, 3000),
    ),
    "disab_employment": Template(
        "残疾人就业培训与岗位推荐",
        (A.DISABILITY_SUPPORT,),
        (F.EMPLOYMENT, F.EDUCATION),
        "开展电商客服、手工编织等适合残疾人的职业技能培训,结业后推荐就业岗位。",
        PROCESS_TRAINING,
        DOCS_DISABLED,
        tags=(T.DISABLED,),
        ages=(16, 59),
        capacity=(30, 80),
    ),
    "barrier_free": Template(
        "困难残疾人家庭无障碍改造",
        (A.DISABILITY_SUPPORT,),
        (F.HOME_MODIFICATION,),
        "为困难重度残疾人家庭改造出入口坡道、卫生间扶手和厨房操作台。",
        PROCESS_SERVICE,
        DOCS_DISABLED + ",低保证或特困供养证(如有)",
        statuses=(S.DIBAO, S.TEKUN, S.DIBAO_MARGINAL),
        tags=(T.DISABLED,),
        capacity=(15, 40),
        value=(4000, 8000),
    ),
    "disab_respite": Template(
        "重度残疾人托养与家庭喘息服务",
        (A.DISABILITY_SUPPORT,),
        (F.CARE,),
        "为长期照顾重度残疾人的家庭提供短期托养或上门照护,让照护者得到休息。",
        PROCESS_SERVICE,
        DOCS_DISABLED,
        "一、二级重度残疾人,家庭照护压力大。",
        tags=(T.DISABLED,),
        capacity=(10, 30),
        value=(2000, 5000),
    ),
    "serious_illness_aid": Template(
        "大病医疗救助金",
        (A.MEDICAL_AID,),
        (F.CASH,),
        "对医保报销和政府医疗救助后个人自付费用仍然较高的大病患者给予补充救助。",
        PROCESS_MEDICAL,
        DOCS_MEDICAL,
        "个人自付医疗费用超过 1 万元。",
        statuses=(S.DIBAO, S.DIBAO_MARGINAL, S.RIGID_EXPENDITURE_HARDSHIP, S.RELAPSE_MONITORED),
        tags=(T.SERIOUS_ILLNESS,),
        capacity=(50, 150),
        value=(3000, 20000),
    ),
    "dialysis": Template(
        "尿毒症患者透析补助",
        (A.MEDICAL_AID,),
        (F.CASH,),
        "为需要长期血液透析的困难尿毒症患者按次补助透析费用。",
        PROCESS_MEDICAL,
        DOCS_MEDICAL,
        tags=(T.SERIOUS_ILLNESS,),
        capacity=(30, 80),
        value=(2000, 6000),
    ),
    "free_clinic": Template(
        "乡村义诊与慢病管理",
        (A.MEDICAL_AID, A.RURAL_REVITALIZATION),
        (F.EXPERTISE, F.CARING_VISIT),
        "组织三甲医院医生下乡义诊,为慢病患者建立随访档案,指导用药。",
        PROCESS_SERVICE,
    ),
    "cataract": Template(
        "白内障复明手术资助",
        (A.MEDICAL_AID, A.ELDERLY_SUPPORT),
        (F.CASH, F.REHABILITATION),
        "联合定点眼科医院为困难白内障患者免费筛查,资助手术费用。",
        PROCESS_MEDICAL,
        DOCS_MEDICAL,
        ages=(50, None),
        capacity=(60, 200),
        value=(2000, 4000),
    ),
    "medical_escort": Template(
        "困难患者就医陪诊",
        (A.MEDICAL_AID,),
        (F.CARE,),
        "志愿者陪同独居老人和重病患者到县级以上医院挂号、检查、取药。",
        PROCESS_SERVICE,
        tags=(T.SERIOUS_ILLNESS, T.ELDER_ALONE),
        capacity=(30, 80),
    ),
    "hospice": Template(
        "安宁疗护与临终关怀",
        (A.MEDICAL_AID, A.OTHER),
        (F.CARE, F.CARING_VISIT),
        "医护和社工为终末期患者及家属提供舒缓治疗、心理支持和哀伤辅导。",
        PROCESS_SERVICE,
        DOCS_MEDICAL,
        tags=(T.SERIOUS_ILLNESS,),
        capacity=(10, 30),
    ),
    "drug_aid": Template(
        "慈善援药",
        (A.MEDICAL_AID,),
        (F.IN_KIND,),
        "联合药企为符合条件的困难患者免费提供靶向药、抗排异药。",
        PROCESS_MEDICAL,
        DOCS_MEDICAL + ",处方",
        tags=(T.SERIOUS_ILLNESS,),
        capacity=(50, 200),
        value=(5000, 30000),
    ),
    "scholarship_college": Template(
        "困难家庭大学新生助学金",
        (A.EDUCATION_AID,),
        (F.CASH,),
        "资助当年考取全日制本科、专科的困难家庭学生,一次性发放入学资助。",
        PROCESS_CASH,
        DOCS_STUDENT,
        statuses=(S.DIBAO, S.TEKUN, S.DIBAO_MARGINAL, S.RELAPSE_MONITORED),
        tags=(T.ORPHAN, T.DE_FACTO_UNSUPPORTED_CHILD),
        ages=(16, 25),
        capacity=(50, 200),
        value=(3000, 8000),
    ),
    "highschool_aid": Template(
        "高中生“圆梦”助学金",
        (A.EDUCATION_AID,),
        (F.CASH,),
        "为品学兼优的困难家庭高中生每学年发放助学金,直至高中毕业。",
        PROCESS_CASH,
        DOCS_STUDENT,
        statuses=(S.DIBAO, S.DIBAO_MARGINAL, S.RELAPSE_MONITORED),
        ages=(14, 20),
        capacity=(30, 120),
        value=(1500, 3000),
    ),
    "tutoring": Template(
        "大学生志愿者线上学业辅导",
        (A.EDUCATION_AID,),
        (F.EDUCATION, F.EXPERTISE),
        "高校志愿者每周两次线上一对一辅导,帮助困难家庭孩子补习语文、数学和英语。",
        PROCESS_SERVICE,
        tags=(T.LEFT_BEHIND_CHILD, T.CHILD_IN_DIFFICULTY),
        ages=(7, 15),
        capacity=(40, 100),
    ),
    "vocational": Template(
        "家政与电工职业技能培训",
        (A.EDUCATION_AID, A.POVERTY_RELIEF),
        (F.EDUCATION, F.EMPLOYMENT),
        "免费开设家政服务、育婴、电工等培训班,考取职业技能证书后推荐就业。",
        PROCESS_TRAINING,
        statuses=(S.DIBAO_MARGINAL, S.RELAPSE_MONITORED),
        ages=(18, 55),
        capacity=(40, 120),
    ),
    "veterans_visits": Template(
        "优抚对象与困难退役军人关爱",
        (A.VETERANS_CARE,),
        (F.CARING_VISIT, F.IN_KIND),
        "八一、春节期间走访慰问困难退役军人和优抚对象,为高龄优抚对象提供上门服务。",
        PROCESS_KIND,
        DOCS_ID + ",退役军人证或优待证",
        capacity=(50, 200),
        value=(300, 800),
    ),
    "veterans_cash": Template(
        "困难退役军人帮扶援助金",
        (A.VETERANS_CARE,),
        (F.CASH,),
        "对因病、因灾导致生活困难的退役军人给予帮扶援助。",
        PROCESS_CASH,
        DOCS_ID + ",退役军人证或优待证,困难情况证明",
        capacity=(20, 80),
        value=(2000, 5000),
    ),
    "veterans_employment": Template(
        "退役军人就业创业帮扶",
        (A.VETERANS_CARE,),
        (F.EMPLOYMENT, F.EXPERTISE),
        "提供创业指导、技能培训和岗位对接,帮助退役军人稳定就业。",
        PROCESS_TRAINING,
        DOCS_ID + ",退役军人证",
        ages=(18, 55),
        capacity=(30, 100),
    ),
    "disaster_emergency": Template(
        "洪涝灾害应急救助",
        (A.DISASTER_RELIEF,),
        (F.IN_KIND, F.CASH),
        "汛期灾害发生后 48 小时内向受灾困难群众发放应急物资和过渡期生活补助。",
        PROCESS_KIND,
        conditions="因洪涝、台风等自然灾害导致房屋受损或基本生活困难的家庭。",
        statuses=(S.TEMPORARY_ASSISTANCE,),
        value=(500, 2000),
    ),
    "house_repair": Template(
        "受灾困难家庭房屋修缮",
        (A.DISASTER_RELIEF, A.POVERTY_RELIEF),
        (F.HOME_MODIFICATION, F.CASH),
        "资助受灾或居住危房的困难家庭修缮屋顶、墙体,确保住房安全。",
        PROCESS_CASH,
        DOCS_STATUS + ",房屋安全鉴定或村委会证明",
        statuses=(S.DIBAO, S.TEKUN, S.DIBAO_MARGINAL, S.TEMPORARY_ASSISTANCE),
        capacity=(10, 40),
        value=(8000, 20000),
    ),
    "disaster_psych": Template(
        "灾后心理疏导",
        (A.DISASTER_RELIEF,),
        (F.CARING_VISIT, F.EXPERTISE),
        "灾后组织心理咨询师和社工入户,开展心理评估、危机干预和社区支持小组。",
        PROCESS_SERVICE,
    ),
    "tea_industry": Template(
        "英德红茶产业帮扶",
        (A.RURAL_REVITALIZATION,),
        (F.EMPLOYMENT, F.EXPERTISE),
        "组织茶企与脱贫户签订种植、采摘用工协议,提供茶苗和种植技术指导。",
        PROCESS_TRAINING,
        statuses=(S.RELAPSE_MONITORED, S.DIBAO_MARGINAL),
        ages=(18, 65),
        capacity=(60, 200),
    ),
    "rural_skills": Template(
        "乡村致富带头人培训",
        (A.RURAL_REVITALIZATION,),
        (F.EDUCATION, F.EXPERTISE),
        "面向返乡青年和种养大户开展电商直播、特色种养和合作社经营培训。",
        PROCESS_TRAINING,
        ages=(18, 55),
        capacity=(40, 100),
    ),
    "village_consumption": Template(
        "农产品消费帮扶",
        (A.RURAL_REVITALIZATION, A.POVERTY_RELIEF),
        (F.EMPLOYMENT, F.EXPERTISE),
        "对接企业食堂和电商平台,帮助困难家庭销售砂糖橘、茶叶等农产品。",
        PROCESS_TRAINING,
        statuses=(S.RELAPSE_MONITORED,),
    ),
    "women_employment": Template(
        "困难妇女“巧手”居家就业",
        (A.OTHER, A.POVERTY_RELIEF),
        (F.EMPLOYMENT, F.EDUCATION),
        "培训手工编织、来料加工,企业上门派单回收,帮助照顾家庭的妇女在家就业。",
        PROCESS_TRAINING,
        ages=(18, 55),
        capacity=(30, 100),
    ),
    "community_volunteers": Template(
        "邻里守望志愿服务",
        (A.COMMUNITY,),
        (F.CARING_VISIT, F.DAILY_LIVING),
        "组建村(居)志愿服务队,为独居老人、残疾人提供代购、打扫和日常问候。",
        PROCESS_SERVICE,
        tags=(T.ELDER_ALONE, T.DISABLED),
    ),
    "community_legal": Template(
        "法律服务进村居",
        (A.COMMUNITY, A.OTHER),
        (F.LEGAL_AID, F.EXPERTISE),
        "律师每月到村(居)坐班,提供赡养、土地、婚姻家庭等法律咨询和普法讲座。",
        PROCESS_LEGAL,
    ),
    "community_capacity": Template(
        "村(居)社会工作能力建设",
        (A.COMMUNITY,),
        (F.EXPERTISE, F.EDUCATION),
        "为镇(街)社工站和村(居)社工点提供督导、个案研讨和需求评估培训。",
        PROCESS_TRAINING,
    ),
    "legal_aid_vulnerable": Template(
        "困难群众法律援助",
        (A.OTHER, A.POVERTY_RELIEF),
        (F.LEGAL_AID,),
        "为困难群众在追讨欠薪、赡养费、抚养费和工伤赔偿等纠纷中提供免费法律服务。",
        PROCESS_LEGAL,
        DOCS_STATUS,
        statuses=(S.DIBAO, S.TEKUN, S.DIBAO_MARGINAL),
    ),
    "anti_fraud": Template(
        "长者防诈骗宣讲",
        (A.COMMUNITY, A.ELDERLY_SUPPORT),
        (F.EDUCATION, F.LEGAL_AID),
        "联合派出所和律师到长者饭堂、村(居)活动室开展防诈骗、防非法集资宣讲。",
        PROCESS_SERVICE,
        ages=(60, None),
    ),
    "winter_warmth": Template(
        "“暖冬行动”棉被棉衣发放",
        (A.POVERTY_RELIEF, A.ELDERLY_SUPPORT),
        (F.IN_KIND,),
        "入冬前为山区困难老人和困境儿童发放棉被、棉衣和取暖器。",
        PROCESS_KIND,
        DOCS_STATUS,
        statuses=(S.DIBAO, S.TEKUN),
        tags=(T.ELDER_ALONE, T.CHILD_IN_DIFFICULTY),
        capacity=(200, 800),
        value=(200, 500),
    ),
}

# --- Organisations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgPlan:
    name: str
    org_type: str
    region: str  # the registering department's division code (12 digits)
    place: str  # how project titles begin
    templates: tuple[str, ...]
    charity: str = ""  # registered / recognised as a charitable organisation
    charity_year: int | None = None
    fundraising: bool = False
    #: Coverage choices for its projects (one is drawn per project); default: its department.
    coverage: tuple[tuple[str, ...], ...] = ()
    staff: bool = False  # the demo charity login works here
    bad_code: bool = False  # a real-looking code whose check character is wrong
    #: Statuses of its first projects, fixed (the listing changes need published ones).
    pinned: tuple[str, ...] = ()


ORGANISATIONS = (
    # Province (广东省民政厅)
    OrgPlan(
        "广东省慈善会",
        Type.ASSOCIATION,
        PROVINCE,
        "广东省",
        ("serious_illness_aid", "scholarship_college", "winter_warmth", "disaster_emergency",
         "drug_aid", "orphan_foster"),
        RECOGNISED, 2017, fundraising=True, staff=True, pinned=(St.PUBLISHED, St.PUBLISHED),
    ),
    OrgPlan(
        "广东益善乡村发展基金会",
        Type.FOUNDATION,
        PROVINCE,
        "益善",
        ("rural_skills", "village_consumption", "free_clinic"),
        REGISTERED, 2018,
        coverage=((PROVINCE,), (QINGYUAN, SHAOGUAN, MEIZHOU)),
    ),
    OrgPlan(
        "广东省南粤助学基金会",
        Type.FOUNDATION,
        PROVINCE,
        "南粤",
        ("highschool_aid", "tutoring", "child_school_kit"),
        RECOGNISED, 2017, fundraising=True,
        coverage=((PROVINCE,), (PROVINCE,), (ZHANJIANG, MAOMING)),
    ),
    OrgPlan(
        "广东省康宁助残基金会",
        Type.FOUNDATION,
        PROVINCE,
        "康宁",
        ("disab_aids", "disab_rehab", "barrier_free"),
        REGISTERED, 2019, fundraising=True,
    ),
    OrgPlan(
        "广东省长者服务协会",
        Type.ASSOCIATION,
        PROVINCE,
        "广东省",
        ("elder_home_mod", "anti_fraud", "hospice", "cataract"),
        coverage=((PROVINCE,), (QINGYUAN,), (ZHANJIANG, MAOMING, MEIZHOU)),
    ),
    OrgPlan(
        "广东省乡村振兴促进会",
        Type.ASSOCIATION,
        PROVINCE,
        "广东省",
        ("village_consumption", "women_employment", "community_capacity"),
        coverage=((PROVINCE,), (QINGYUAN, SHAOGUAN)),
    ),
    OrgPlan(
        "广东省启明社会工作服务中心",
        Type.SERVICE_INSTITUTION,
        PROVINCE,
        "启明",
        ("child_psych", "disaster_psych", "community_capacity", "legal_aid_vulnerable"),
        REGISTERED, 2020,
    ),
    OrgPlan(
        "广东省退役军人关爱基金会",
        Type.FOUNDATION,
        PROVINCE,
        "广东省",
        ("veterans_cash", "veterans_employment"),
        REGISTERED, 2021,
    ),
    # Cities: 清远市民政局
    OrgPlan(
        "清远市扶老助残慈善会",
        Type.ASSOCIATION,
        QINGYUAN,
        "清远市",
        ("meals_elderly", "bathing", "disab_respite", "elder_home_mod"),
        REGISTERED, 2018,
        coverage=((QINGYUAN,), (YINGDE, QINGXIN)),
    ),
    OrgPlan(
        "清远市慈善会",
        Type.ASSOCIATION,
        QINGYUAN,
        "清远市",
        ("dibao_relief", "festival_goods", "house_repair", "serious_illness_aid",
         "temporary_hardship"),
        RECOGNISED, 2017, fundraising=True,
    ),
    OrgPlan(
        "清远市乡村振兴基金会",
        Type.FOUNDATION,
        QINGYUAN,
        "清远市",
        ("rural_skills", "village_consumption"),
        REGISTERED, 2019,
        coverage=((QINGYUAN,), (YANGSHAN, LIANZHOU)),
    ),
    OrgPlan(
        "清远市助学促进会",
        Type.ASSOCIATION,
        QINGYUAN,
        "清远市",
        ("highschool_aid", "scholarship_college", "vocational"),
        REGISTERED, 2020,
    ),
    OrgPlan(
        "清远市心桥社会工作服务中心",
        Type.SERVICE_INSTITUTION,
        QINGYUAN,
        "心桥",
        ("child_psych", "elder_visits", "medical_escort", "legal_aid_vulnerable"),
        coverage=((QINGYUAN,), (YINGDE,), (QINGCHENG,)),
    ),
    OrgPlan(
        "清远市退役军人志愿服务协会",
        Type.ASSOCIATION,
        QINGYUAN,
        "清远市",
        ("veterans_visits", "veterans_employment"),
    ),
    # Cities: 广州市、韶关市 (their projects cover only their own city)
    OrgPlan(
        "广州市善医助医基金会",
        Type.FOUNDATION,
        GUANGZHOU,
        "善医",
        ("dialysis", "cataract"),
        REGISTERED, 2017, fundraising=True,
    ),
    OrgPlan(
        "广州市法律援助志愿者协会",
        Type.ASSOCIATION,
        GUANGZHOU,
        "广州市",
        ("legal_aid_vulnerable", "community_legal"),
    ),
    OrgPlan(
        "广州市启智康复服务中心",
        Type.SERVICE_INSTITUTION,
        GUANGZHOU,
        "启智",
        ("disab_rehab", "disab_employment"),
        REGISTERED, 2021,
    ),
    OrgPlan(
        "韶关市慈善总会",
        Type.ASSOCIATION,
        SHAOGUAN,
        "韶关市",
        ("dibao_relief", "disaster_emergency", "winter_warmth"),
        RECOGNISED, 2017, fundraising=True,
    ),
    OrgPlan(
        "韶关市南岭乡村发展基金会",
        Type.FOUNDATION,
        SHAOGUAN,
        "南岭",
        ("rural_skills", "village_consumption"),
        REGISTERED, 2020,
    ),
    OrgPlan(
        "韶关市同心社会工作服务中心",
        Type.SERVICE_INSTITUTION,
        SHAOGUAN,
        "同心",
        ("home_care", "elder_visits"),
    ),
    # Counties: 英德市民政局
    OrgPlan(
        "英德市阳光社会工作服务中心",
        Type.SERVICE_INSTITUTION,
        YINGDE,
        "阳光",
        ("left_behind_children", "elder_visits", "community_volunteers", "medical_escort",
         "home_care", "orphan_foster", "tutoring"),
        REGISTERED, 2021,
        coverage=((YINGDE,), (SHAKOU,), (SHAKOU, WANGBU)),
        staff=True,
        pinned=(St.PUBLISHED,) * 5 + (St.PENDING_REVIEW, St.DRAFT),
    ),
    OrgPlan(
        "英德市爱心助学促进会",
        Type.ASSOCIATION,
        YINGDE,
        "英德市",
        ("child_stipend", "child_school_kit", "highschool_aid", "tutoring", "scholarship_college"),
        REGISTERED, 2019,
    ),
    OrgPlan(
        "英德市慈善会",
        Type.ASSOCIATION,
        YINGDE,
        "英德市",
        ("dibao_relief", "festival_goods", "temporary_hardship", "serious_illness_aid",
         "house_repair", "winter_warmth"),
        RECOGNISED, 2017, fundraising=True,
        coverage=((YINGDE,), (YINGDE,), (WANGBU, QINGTANG)),
    ),
    OrgPlan(
        "英德市颐康居家养老服务中心",
        Type.SERVICE_INSTITUTION,
        YINGDE,
        "颐康",
        ("meals_elderly", "home_care", "elder_home_mod", "bathing"),
        coverage=((YINGDE,), (SHAKOU, WANGBU), (QINGTANG,)),
    ),
    OrgPlan(
        "英德市残疾人互助协会",
        Type.ASSOCIATION,
        YINGDE,
        "英德市",
        ("disab_aids", "disab_employment", "barrier_free"),
    ),
    OrgPlan(
        "英德市红茶产业帮扶促进会",
        Type.ASSOCIATION,
        YINGDE,
        "英德市",
        ("tea_industry", "women_employment"),
        coverage=((YINGDE,), (SHAKOU, WANGBU, QINGTANG)),
    ),
    OrgPlan(
        "英德市童心儿童服务中心",
        Type.SERVICE_INSTITUTION,
        YINGDE,
        "童心",
        ("child_psych", "left_behind_children"),
        REGISTERED, 2022,
    ),
    OrgPlan(
        "英德市应急救援协会",
        Type.ASSOCIATION,
        YINGDE,
        "英德市",
        ("disaster_emergency", "disaster_psych"),
    ),
    # Counties: 清新区民政局
    OrgPlan(
        "清新区长者关爱协会",
        Type.ASSOCIATION,
        QINGXIN,
        "清新区",
        ("elder_visits", "meals_elderly", "anti_fraud", "home_care"),
        REGISTERED, 2020,
        coverage=((QINGXIN,), (TAIHE,)),
    ),
    OrgPlan(
        "清新区慈善会",
        Type.ASSOCIATION,
        QINGXIN,
        "清新区",
        ("dibao_relief", "festival_goods", "serious_illness_aid", "temporary_hardship"),
        RECOGNISED, 2018, fundraising=True,
    ),
    OrgPlan(
        "清新区启航社会工作服务中心",
        Type.SERVICE_INSTITUTION,
        QINGXIN,
        "启航",
        ("left_behind_children", "community_volunteers", "community_capacity"),
        coverage=((QINGXIN,), (TAIHE,)),
    ),
    OrgPlan(
        "清新区康乐助残服务中心",
        Type.SERVICE_INSTITUTION,
        QINGXIN,
        "康乐",
        ("disab_respite", "disab_rehab", "barrier_free"),
    ),
    OrgPlan(
        "清新区退役军人服务协会",
        Type.ASSOCIATION,
        QINGXIN,
        "清新区",
        ("veterans_visits", "veterans_cash"),
    ),
    OrgPlan(
        "清新区义工联合会",
        Type.ASSOCIATION,
        QINGXIN,
        "清新区",
        ("winter_warmth", "community_volunteers"),
        bad_code=True,
    ),
    # Other counties (registered by the administrator in the demo)
    OrgPlan(
        "清城区慈善会",
        Type.ASSOCIATION,
        QINGCHENG,
        "清城区",
        ("dibao_relief", "temporary_hardship"),
        RECOGNISED, 2018,
    ),
    OrgPlan(
        "清城区和谐社区发展中心",
        Type.SERVICE_INSTITUTION,
        QINGCHENG,
        "和谐",
        ("community_legal", "community_volunteers"),
    ),
    OrgPlan(
        "阳山县扶贫济困协会",
        Type.ASSOCIATION,
        YANGSHAN,
        "阳山县",
        ("festival_goods", "house_repair"),
    ),
    OrgPlan(
        "连州市助学促进会",
        Type.ASSOCIATION,
        LIANZHOU,
        "连州市",
        ("highschool_aid", "child_school_kit"),
    ),
    OrgPlan(
        "乐昌市慈善会",
        Type.ASSOCIATION,
        LECHANG,
        "乐昌市",
        ("serious_illness_aid", "disaster_emergency"),
        RECOGNISED, 2018,
    ),
    OrgPlan(
        "天河区长者综合服务中心",
        Type.SERVICE_INSTITUTION,
        TIANHE,
        "天河区",
        ("home_care", "hospice"),
    ),
    # Cross-region aid (对口帮扶): a Shenzhen foundation aids two townships of 英德市, point to
    # point. The city of Shenzhen reviews its listings; 英德市 is told and sees them.
    OrgPlan(
        "深圳市鹏城对口帮扶基金会",
        Type.FOUNDATION,
        SHENZHEN,
        "鹏城",
        ("child_stipend", "tea_industry"),
        REGISTERED, 2019, fundraising=True,
        coverage=((WANGBU, QINGTANG),),
        pinned=(St.PUBLISHED, St.PUBLISHED),
    ),
)  # fmt: skip
NAMES = tuple(plan.name for plan in ORGANISATIONS)
ORG_CLASS = {Type.ASSOCIATION: "1", Type.SERVICE_INSTITUTION: "2", Type.FOUNDATION: "3"}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: Why the county officer rejects one of the charity's proposed changes.
CHANGE_REASON = "降低资助标准并删去低保对象,须附理事会决议并说明对已受助对象的安排后再提交。"

# --- Helpers ---------------------------------------------------------------------------------


def organisation_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714): ``MJ`` (civil affairs) + 6 digits + check."""
    body = "MJ" + "".join(rng.choice("0123456789") for _ in range(6))
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]  # A=10 ... Z=35
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, org_type: str, region: str) -> str:
    """A unified social credit code issued by civil affairs (GB 32100-2015, check included)."""
    first17 = f"5{ORG_CLASS[org_type]}{region[:6]}{organisation_code(rng)}"
    return first17 + uscc.calc_check_digit(first17)


def spoil_check(code: str) -> str:
    """The same code with a wrong check character (as some real codes have)."""
    good = USCC_ALPHABET.index(code[-1])
    return code[:-1] + USCC_ALPHABET[(good + 7) % len(USCC_ALPHABET)]


def _codes_named_in_consents() -> dict[str, str]:
    """The needs demo names five of these organisations as consent recipients, with codes of
    its own; reusing them makes those named consents cover the organisations. Read through the
    app registry so that supply does not import needs."""
    if not apps.is_installed("needs"):
        return {}
    recipient = apps.get_model("needs", "ConsentRecipient")
    codes: dict[str, str] = {}
    rows = recipient.objects.filter(name__in=NAMES).exclude(credit_code="").order_by("pk")
    for name, code in rows.values_list("name", "credit_code"):
        codes.setdefault(name, code)
    return codes


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


# --- Seed ------------------------------------------------------------------------------------


def demo_organizations():
    return Organization.objects.filter(name__in=NAMES)


def seed(*, stdout: OutputWrapper | TextIO) -> None:
    """Load the supply-ledger demo unless it is there already; report what there is."""
    with transaction.atomic():
        if not demo_organizations().exists():
            _Loader(timezone.now()).run()
    stdout.write(_summary() + "\n")


def _summary() -> str:
    organizations = demo_organizations().select_related("registering_region")
    tiers = Counter(o.tier for o in organizations)
    to_confirm = sum(1 for o in organizations if not o.credit_code_valid)
    projects = Project.objects.filter(organization__in=organizations)
    statuses = Counter(projects.values_list("status", flat=True))
    today, now = timezone.localdate(), timezone.now()
    published = list(
        projects.filter(status=St.PUBLISHED)
        .select_related("organization__registering_region")
        .prefetch_related("coverage")
    )
    stale = sum(1 for p in published if p.is_stale(now))
    cross = sum(1 for p in published if _cross_region(p))
    overdue = sum(1 for p in published if (due := p.disclosure_due_on(today)) and due < today)
    waiting = ListingChange.objects.filter(
        project__in=projects, status=ListingChange.Status.PENDING
    ).count()
    edition = LedgerEdition.objects.filter(period=period_of(today)).first()
    by_tier = ", ".join(f"{tier} {tiers[tier]}" for tier in ("province", "city", "county"))
    by_status = ", ".join(f"{s} {statuses[s]}" for s in St.values)
    return (
        f"supply demo: {len(organizations)} organisations ({by_tier}; {to_confirm} credit code "
        f"to confirm), {statuses.total()} projects ({by_status}), {stale} stale, "
        f"{overdue} late with disclosure, {cross} aiding across regions, "
        f"{waiting} listing changes waiting for review, "
        f"edition {edition.period if edition else 'none'}"
    )


def _cross_region(project: Project) -> bool:
    """Covers a place outside its registering department's area (对口帮扶)."""
    home = project.organization.registering_region.prefix
    return any(not c.prefix.startswith(home) for c in project.coverage.all())


class _Loader:
    def __init__(self, now: dt.datetime) -> None:
        # Reproducible demo data, not secrets: a seeded PRNG is what we want.
        self.rng = random.Random(SEED)  # noqa: S311
        self.now = now
        self.today = timezone.localdate(now)
        names = {*OFFICERS.values(), "admin", "charity"}
        self.users = {u.username: u for u in User.objects.filter(username__in=names)}
        if missing := names - set(self.users):
            raise RuntimeError(f"supply demo: seed_demo's users are missing: {sorted(missing)}")
        codes = {c for plan in ORGANISATIONS for option in plan.coverage for c in option}
        codes |= {plan.region for plan in ORGANISATIONS}
        self.regions = Region.objects.in_bulk(codes)
        if missing := codes - set(self.regions):
            raise RuntimeError(f"supply demo: regions are missing: {sorted(missing)}")
        self.known_codes = _codes_named_in_consents()
        self.issued: set[str] = set()
        self.projects: list[tuple[OrgPlan, Project]] = []

    def officer(self, region: str) -> User:
        return self.users[OFFICERS.get(region, "admin")]

    def run(self) -> None:
        for plan in ORGANISATIONS:
            organization = self._organization(plan)
            for index, key in enumerate(plan.templates):
                self._project(plan, organization, index, TEMPLATES[key])
        self._check_variety()
        # The edition freezes the published ledger; the charity's changes come after it.
        edition_publish(period=period_of(self.today), user=self.users["admin"])
        self._listing_changes()

    # -- organisations --

    def _code(self, plan: OrgPlan) -> str:
        code = credit_code(self.rng, plan.org_type, plan.region)
        while code in self.issued:
            code = credit_code(self.rng, plan.org_type, plan.region)
        known = self.known_codes.get(plan.name, "")
        if uscc.is_valid(known) and known[:8] == code[:8] and known not in self.issued:
            code = known
        if plan.bad_code:
            code = spoil_check(code)
        self.issued.add(code)
        return code

    def _organization(self, plan: OrgPlan) -> Organization:
        rng = self.rng
        region = self.regions[plan.region]
        office, area_code = OFFICE[plan.region]
        since = None
        if plan.charity:
            since = dt.date(plan.charity_year, rng.randint(1, 12), rng.randint(1, 28))
        # Guangzhou and Shenzhen numbers have 8 digits, the others 7.
        rest = 7 if area_code in ("020", "0755") else 6
        phone = f"{area_code}-{rng.randint(2, 8)}{rng.randint(0, 10**rest - 1):0{rest}d}"
        service_regions = plan.coverage[0] if plan.coverage else (plan.region,)
        organization, warnings = services.organization_register(
            user=self.officer(plan.region),
            name=plan.name,
            credit_code=self._code(plan),
            org_type=plan.org_type,
            registering_region=region,
            charity_status=plan.charity,
            charity_status_on=since,
            public_fundraising=plan.fundraising,
            contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            contact_phone=phone,
            address=f"{office}{rng.choice(STREETS)}{rng.randint(1, 288)}号",
            service_regions=[self.regions[c] for c in service_regions],
            staff=[self.users["charity"]] if plan.staff else [],
        )
        if bool(warnings) != plan.bad_code:
            raise RuntimeError(f"supply demo: unexpected code check for {plan.name}: {warnings}")
        return organization

    # -- projects --

    def _status(self, plan: OrgPlan, index: int) -> str:
        if index < len(plan.pinned):
            return plan.pinned[index]
        weights = ((St.PUBLISHED, 72), (St.DRAFT, 8), (St.PENDING_REVIEW, 9))
        weights += ((St.PAUSED, 5), (St.CLOSED, 6))
        statuses, w = zip(*weights, strict=True)
        return self.rng.choices(statuses, weights=w)[0]

    def _dates(self, status: str, pinned: bool) -> tuple[dt.date, dt.date | None]:
        """Start and end: long-running, a year or two, or a short campaign; closed ones mostly
        ended, a few published ones ended and still owing their final disclosure."""
        rng, today = self.rng, self.today
        days = dt.timedelta
        if status in (St.DRAFT, St.PENDING_REVIEW):
            starts = today + days(rng.randint(-10, 60))
            return starts, rng.choice((None, starts + days(364), starts + days(729)))
        if status == St.CLOSED:
            ends = today - days(rng.randint(5, 400))
            return ends - days(rng.choice((120, 364, 729))), ends
        if status == St.PUBLISHED and not pinned and rng.random() < 0.08:
            ends = today - days(rng.randint(10, 160))  # ended, not yet closed
            return ends - days(rng.choice((150, 364))), ends
        kind = rng.choices(("long", "year", "two_years", "campaign"), weights=(30, 35, 20, 15))[0]
        if kind == "long":
            return today - days(rng.randint(30, 1000)), None
        if kind == "campaign":
            starts = today - days(rng.randint(-20, 60))
            return starts, starts + days(rng.randint(90, 150))
        length = 364 if kind == "year" else 729
        return today - days(rng.randint(-20, length - 30)), today + days(rng.randint(30, 300))

    def _coverage(self, plan: OrgPlan) -> list[Region]:
        codes = self.rng.choice(plan.coverage) if plan.coverage else (plan.region,)
        return [self.regions[c] for c in codes]

    def _project(self, plan: OrgPlan, organization: Organization, index: int, t: Template) -> None:
        rng = self.rng
        status = self._status(plan, index)
        starts, ends = self._dates(status, index < len(plan.pinned))
        capacity = None
        if t.capacity:
            capacity = rng.randrange(t.capacity[0], t.capacity[1] + 1, 5)
        value = Decimal(rng.randrange(t.value[0], t.value[1] + 1, 100)) if t.value else None
        if capacity and value:
            budget = capacity * value
        else:
            budget = rng.choice((None, Decimal(rng.randrange(30_000, 300_001, 10_000))))
        process = t.process.format(org=organization.name)
        if set(t.statuses) & CLASSIFIED_STATUSES or set(t.tags) & CLASSIFIED_TAGS:
            process += SIMPLIFIED  # people classified by civil affairs apply more simply
        fields = {
            "title": f"{plan.place}{t.title}",
            "description": t.description,
            "age_min": t.ages[0],
            "age_max": t.ages[1],
            "conditions": t.conditions,
            "capacity": capacity,
            "value_per_beneficiary": value,
            "budget": budget,
            "application_process": process,
            "required_documents": t.documents,
            "contact_name": organization.contact_name,
            "contact_phone": organization.contact_phone,
            "starts_on": starts,
            "ends_on": ends,
        }
        terms = {
            ProjectTerm.Kind.AREA: list(t.areas),
            ProjectTerm.Kind.FORM: list(t.forms),
            ProjectTerm.Kind.STATUS: list(t.statuses),
            ProjectTerm.Kind.TAG: list(t.tags),
        }
        officer = self.officer(plan.region)
        owner = self.users["charity"] if plan.staff else officer
        project = services.project_save(
            user=owner,
            organization=organization,
            fields=fields,
            terms=terms,
            coverage=self._coverage(plan),
        )
        self._move(project, status, owner, officer)
        self._backdate(project, status)
        self.projects.append((plan, project))

    def _move(self, project: Project, status: str, owner: User, officer: User) -> None:
        def to(user: User, target: str, reason: str = "") -> None:
            services.project_transition(user=user, project=project, to=target, reason=reason)

        if status == St.DRAFT:
            if self.rng.random() < 0.3:  # submitted once and sent back
                to(owner, St.PENDING_REVIEW)
                to(officer, St.DRAFT, reason="请补充申请所需材料清单和项目预算明细。")
            return
        to(owner, St.PENDING_REVIEW)
        if status == St.PENDING_REVIEW:
            return
        to(officer, St.PUBLISHED)
        if status in (St.PAUSED, St.CLOSED):
            to(self.rng.choice((owner, officer)), status)

    def _backdate(self, project: Project, status: str) -> None:
        """Give the listing a history: when it was created, published, last confirmed and
        last disclosed. Demo back-dating only, hence a direct queryset update (the services
        stamp the current time, and last_confirmed_at / created_at are not editable)."""
        rng, now, today = self.rng, self.now, self.today
        days = dt.timedelta
        started = (today - project.starts_on).days  # negative: starts later
        values: dict[str, Any] = {}
        if status in (St.DRAFT, St.PENDING_REVIEW):
            created = now - days(days=rng.randint(2, 40), hours=rng.randint(0, 8))
            values["created_at"] = created
            values["status_changed_at"] = created + (now - created) * rng.random()
        else:
            # Listed a little before it started; the platform's ledger began about 900 days ago.
            published_ago = min(max(started + rng.randint(0, 20), rng.randint(1, 20)), 900)
            # Stale: published over half a year ago and not confirmed since (DOMAIN.md §5).
            odds = 0.35 if project.ends_on is None else 0.12
            if status == St.PUBLISHED and published_ago > 200 and rng.random() < odds:
                confirmed_ago = rng.randint(190, published_ago)
            else:
                confirmed_ago = min(published_ago, rng.randint(1, 150))
            published = now - days(days=published_ago, hours=rng.randint(0, 8))
            values["created_at"] = published - days(days=rng.randint(2, 30))
            values["last_confirmed_at"] = now - days(days=confirmed_ago, hours=rng.randint(0, 8))
            values["status_changed_at"] = published
            if status == St.CLOSED and project.ends_on:
                values["status_changed_at"] = min(
                    now, _at(project.ends_on + days(rng.randint(1, 20)))
                )
            elif status in (St.PAUSED, St.CLOSED):
                values["status_changed_at"] = now - days(
                    rng.randint(1, max(1, min(60, published_ago - 1)))
                )
            values["last_disclosed_on"] = self._disclosed(project, status)
        Project.objects.filter(pk=project.pk).update(**values)
        project.refresh_from_db()  # a later save (an approved change) must not undo this

    def _disclosed(self, project: Project, status: str) -> dt.date | None:
        """Long projects disclose every three months; some are late (DOMAIN.md §5)."""
        rng, today = self.rng, self.today
        days = dt.timedelta
        starts, ends = project.starts_on, project.ends_on
        if starts > today:
            return None
        if ends and ends < today:
            if status == St.CLOSED:  # disclosed in full after the end
                return min(today, ends + days(rng.randint(10, 80)))
            return max(starts, ends - days(rng.randint(20, 90)))
        if rng.random() < 0.15:  # late: nothing for four months or more
            last = today - days(rng.randint(120, 300))
            return last if last >= starts else None
        last = today - days(rng.randint(3, 85))
        return last if last >= starts else None

    def _check_variety(self) -> None:
        """The draws are fixed, but the checks keep an edit of the tables honest."""
        projects = Project.objects.filter(organization__name__in=NAMES)
        published = projects.filter(status=St.PUBLISHED)
        terms = ProjectTerm.objects.filter(project__in=published)
        missing = set(St.values) - set(projects.values_list("status", flat=True))
        missing |= set(A.values) - set(terms.filter(kind="area").values_list("value", flat=True))
        missing |= set(F.values) - set(terms.filter(kind="form").values_list("value", flat=True))
        stale_before = self.now - STALE_AFTER
        if not published.filter(last_confirmed_at__lt=stale_before).exists():
            missing.add("stale listing")
        if missing:
            raise RuntimeError(f"supply demo: nothing for {sorted(missing)}")

    # -- listing changes --

    def _listing_changes(self) -> None:
        """The charity login proposes edits to its published listings: three wait for the county
        officer, one for the province officer; one was approved and one rejected."""
        charity, county = self.users["charity"], self.users["county_officer"]
        mine = [
            p
            for plan, p in self.projects
            if plan.staff
            and p.status == St.PUBLISHED
            and (p.ends_on is None or p.ends_on > self.today)
        ]
        yingde = [p for p in mine if p.organization.registering_region_id == YINGDE]
        province = [p for p in mine if p.organization.registering_region_id == PROVINCE]
        if len(yingde) < 5 or not province:
            raise RuntimeError("supply demo: the charity login has too few published listings")
        # The rejected one lowers the amount and drops the assistance statuses it serves.
        rejected = next(
            p for p in yingde if p.value_per_beneficiary and p.terms.filter(kind="status")
        )
        a, b, c, d = [p for p in yingde if p != rejected][:4]

        def propose(project: Project, fields: dict[str, Any], add: str = "") -> ListingChange:
            terms: dict[str, list[str]] = {kind: [] for kind in ProjectTerm.Kind.values}
            for term in project.terms.all():
                terms[term.kind].append(term.value)
            terms.update(fields.pop("terms", {}))
            coverage = [c.region for c in project.coverage.select_related("region")]
            if add and not project.coverage.filter(prefix__in=code_prefixes(add)).exists():
                coverage.append(Region.objects.get(pk=add))
            return services.listing_change_submit(
                user=charity, project=project, fields=fields, terms=terms, coverage=coverage
            )

        propose(
            a,
            {
                "capacity": (a.capacity or 40) + 20,
                "application_process": a.application_process + "也可在本平台在线提交申请。",
            },
        )
        if b.ends_on:
            propose(b, {"ends_on": b.ends_on + dt.timedelta(days=365)}, add=WANGBU)
        else:
            propose(b, {"conditions": "望埠镇、沙口镇的服务对象优先安排。"}, add=WANGBU)
        propose(c, {"contact_name": "王专员", "contact_phone": "0763-2285166"})
        approved = propose(
            d, {"description": d.description + "每季度在平台公示服务人次和经费使用情况。"}
        )
        services.listing_change_approve(user=county, change=approved)
        change = propose(
            rejected,
            {
                "value_per_beneficiary": (rejected.value_per_beneficiary / 2).quantize(Decimal(1)),
                "terms": {ProjectTerm.Kind.STATUS: []},
            },
        )
        services.listing_change_reject(user=county, change=change, reason=CHANGE_REASON)
        p = province[0]
        propose(p, {"required_documents": p.required_documents + ",本人银行卡复印件"})
