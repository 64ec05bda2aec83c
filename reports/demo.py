"""Demo evaluations, loaded by ``manage.py seed_demo`` (which calls ``seed``) after the other
apps' demo data.

Last year's evaluations of 清远市 and its counties, one in every state of the workflow:

* 英德市 — accepted: its officer (``county_officer``) wrote every section and submitted, the
  city (``city_officer``) accepted;
* 清新区 — returned: submitted by ``county_officer_b``, returned by the city with a comment;
* 佛冈县 — submitted, waiting for the city (the demo has no login for 佛冈县: its narrative and
  submission are written as the county would have, without the pages);
* 清远市 — a draft, its own narrative begun (it cannot be submitted before every county is
  accepted).

Each is built as the yearly job builds it (figures, workbook, PDF, CSV) through
``reports.services``; the workflow steps go through the same services as the pages. A second
run finds the evaluations and does nothing.
"""

from __future__ import annotations

from typing import TextIO

from django.core.management.base import OutputWrapper
from django.utils import timezone

from accounts.models import Region, User

from . import services
from .models import AnnualEvaluation, EvaluationBuild

CITY = "441800000000"
YINGDE = "441881000000"
QINGXIN = "441803000000"
FOGANG = "441821000000"

NARRATIVE = {
    "needs": {
        "worked": "各镇社工站完成困难家庭入户走访,台账覆盖低保、特困和低保边缘家庭。",
        "not_worked": "部分偏远村走访频次不足,需求登记偏少。",
        "plans": "每季度至少走访一次重点家庭,补录急难愁盼需求。",
    },
    "supply": {
        "worked": "县级慈善会和省、市级基金会的项目覆盖本县,跨区域对口帮扶项目已落地。",
        "not_worked": "助医和助残项目名额偏少。",
        "plans": "推动县级社会组织增设助医项目,举办一次项目推介会。",
    },
    "matching": {
        "worked": "社工协助申请为主,简化程序适用于低保、特困对象。",
        "not_worked": "部分社工提交申请较少。",
        "plans": "对申请较少的社工站开展培训。",
    },
    "results": {
        "worked": "多数申请在十天内得到答复,已帮扶对象按时反馈。",
        "not_worked": "个别申请因名额已满被拒,需求未能满足。",
        "plans": "对名额已满的需求及时转介其他项目。",
    },
    "satisfaction": {
        "worked": "服务对象和供给方满意度总体较高。",
        "not_worked": "少数服务对象反映等待时间较长。",
        "plans": "缩短答复时间,每月回访一次。",
    },
    "disclosure": {
        "worked": "大部分项目按时确认,慈善组织按规定公开项目进展。",
        "not_worked": "少数项目超过半年未确认。",
        "plans": "在台账发布前一个月集中提醒确认。",
    },
    "referrals": {
        "worked": "民政与慈善组织双向转介畅通,多数转介按期接收。",
        "not_worked": "部分转介超过 30 日才登记结果。",
        "plans": "每月核对未登记结果的转介,逾期的由县级民政督办。",
    },
    "complaints": {
        "worked": "投诉举报渠道公开,群众可凭查询码查看办理结果。",
        "not_worked": "个别投诉超过 15 个工作日才答复。",
        "plans": "到期前五个工作日提醒承办科室,逾期的报上级民政督办。",
    },
    "demand": {
        "worked": "需求信号按乡镇公布,两家慈善组织据此在缺口乡镇新设了助医、助老项目。",
        "not_worked": "部分乡镇需求较少,数目不予公布,慈善组织难以判断。",
        "plans": "在推介会上发布各县缺口清单,引导慈善力量针对实际需求设立项目。",
    },
}
RETURN_COMMENT = "请补充助医项目名额不足的具体情况和改进措施,并核对未满足需求的原因。"


def _build(region: Region, year: int, admin: User | None) -> AnnualEvaluation:
    build = EvaluationBuild.objects.create(region=region, year=year, requested_by=admin)
    evaluation = services.build_run(build_id=build.pk)
    assert evaluation is not None
    return evaluation


def _write_all(user: User, evaluation: AnnualEvaluation) -> None:
    for section, parts in NARRATIVE.items():
        if section in evaluation.metrics.get("sections", {}):
            services.narrative_save(user=user, evaluation=evaluation, section=section, parts=parts)


def seed(*, stdout: OutputWrapper | TextIO) -> None:
    year = timezone.localdate().year - 1
    regions = Region.objects.in_bulk([CITY, YINGDE, QINGXIN, FOGANG])
    if len(regions) < 4:
        stdout.write("Reports: the Qingyuan regions are missing; no demo evaluations.\n")
        return
    if AnnualEvaluation.objects.filter(region_id__in=regions, year=year).exists():
        stdout.write(f"Reports: the {year} demo evaluations exist.\n")
        return
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["admin", "city_officer", "county_officer", "county_officer_b"]
        )
    }
    admin, city = users.get("admin"), users.get("city_officer")
    yingde_officer, qingxin_officer = users.get("county_officer"), users.get("county_officer_b")
    if not (city and yingde_officer and qingxin_officer):
        stdout.write("Reports: the demo officers are missing; no demo evaluations.\n")
        return

    yingde = _build(regions[YINGDE], year, admin)
    _write_all(yingde_officer, yingde)
    services.evaluation_submit(user=yingde_officer, evaluation=yingde)
    services.evaluation_accept(user=city, evaluation=yingde)

    qingxin = _build(regions[QINGXIN], year, admin)
    _write_all(qingxin_officer, qingxin)
    services.evaluation_submit(user=qingxin_officer, evaluation=qingxin)
    services.evaluation_return(user=city, evaluation=qingxin, comment=RETURN_COMMENT)

    fogang = _build(regions[FOGANG], year, admin)
    AnnualEvaluation.objects.filter(pk=fogang.pk).update(
        narrative={k: v for k, v in NARRATIVE.items() if k in fogang.metrics["sections"]},
        status=AnnualEvaluation.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )

    qingyuan = _build(regions[CITY], year, admin)
    services.narrative_save(
        user=city, evaluation=qingyuan, section="needs", parts=NARRATIVE["needs"]
    )
    stdout.write(
        f"Reports: {year} evaluations of 清远市 (draft), 英德市 (accepted), 清新区 (returned) "
        "and 佛冈县 (submitted).\n"
    )
