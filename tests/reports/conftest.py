"""A hand-built fixture for the evaluation's figures: 2025 (and a little of 2024) in Qingyuan.

Rows are written directly with their dates, so that every figure can be computed by hand; the
expected values are in ``tests/reports/test_metrics.py`` with the working next to each. The
clock stands at 1 February 2026, after the year evaluated.

英德市 (county_a): 沙口镇 (a1) with H1 and H2, 望埠镇 (a2) with H3 (archived in 2025) and H4
(recorded in 2026); 清新区 (county_b): 太和镇 (b1) with H5, the "outside" of 英德市.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from accounts.models import Region
from matching.models import Application, Feedback
from needs.models import AssistanceRecord, Household, Member, Need, Visit
from supply.models import (
    LedgerEdition,
    LedgerEntry,
    LedgerEntryCoverage,
    Organization,
    Project,
    ProjectCoverage,
    ProjectTerm,
)

from ..factories import UserFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 2, 1, 10, 0, tzinfo=SHANGHAI)


def at(day: str, hour: int = 12) -> dt.datetime:
    """Noon (by default) of a day in Shanghai."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=SHANGHAI)


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def _blank_pdf(evaluation) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _fast_pdf(request, monkeypatch):
    """WeasyPrint takes a second or two per report: tests that do not read the PDF get a blank
    page instead. A test that reads it asks for the ``real_pdf`` fixture."""
    if "real_pdf" not in request.fixturenames:
        from reports import exports

        monkeypatch.setitem(exports.RENDERERS, "pdf", _blank_pdf)


@pytest.fixture
def real_pdf():
    """The PDF renderer as it is (WeasyPrint)."""


@pytest.fixture
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


class Builder:
    def __init__(self, regions: dict[str, Region]) -> None:
        self.regions = regions
        self.n = 0
        self.worker_a1 = UserFactory(
            username="shakou_worker",
            name="沙口社工",
            role="social_worker",
            region=regions["township_a1"],
        )
        self.worker_a2 = UserFactory(
            username="wangbu_worker",
            name="望埠社工",
            role="social_worker",
            region=regions["township_a2"],
        )
        self.worker_b1 = UserFactory(
            username="taihe_worker",
            name="太和社工",
            role="social_worker",
            region=regions["township_b1"],
        )

    def worker_of(self, region: Region):
        return {
            "441881101": self.worker_a1,
            "441881102": self.worker_a2,
            "441803102": self.worker_b1,
        }[region.code[:9]]

    def household(self, region: Region, created: str, *, gap: str = "", archived: str = ""):
        self.n += 1
        worker = self.worker_of(region)
        return Household.objects.create(
            code=f"H{self.n:04d}",
            region=region,
            station=region,
            address="测试地址",
            worker=worker,
            created_by=worker,
            created_at=at(created),
            gap_class=gap,
            archived_at=at(archived) if archived else None,
        )

    def member(self, household: Household, name: str, created: str, *, left: str = ""):
        return Member.objects.create(
            household=household,
            name=name,
            sex="female",
            birth_date=d("1980-01-01"),
            relation="head",
            created_at=at(created),
            left_at=at(left) if left else None,
        )

    def need(
        self, household, member, created, *, area, form, status="open", closed="", urgent=False
    ):
        closed_at = at(closed) if closed else None
        return Need.objects.create(
            household=household,
            member=member,
            area=area,
            form=form,
            description="需要帮助",
            urgent=urgent,
            status=status,
            status_reason="原因" if status in ("closed_unmet", "withdrawn") else "",
            closed_at=closed_at,
            created_by=household.worker,
            created_at=at(created),
        )

    def organization(
        self, region: Region, code: str, created: str, *, org_type="association", charitable=False
    ):
        return Organization.objects.create(
            name=f"组织{code[-4:]}",
            credit_code=code,
            org_type=org_type,
            registering_region=region,
            charity_status="registered" if charitable else "",
            created_at=at(created),
        )

    def project(
        self,
        organization,
        title,
        *,
        status="published",
        starts,
        ends=None,
        capacity=None,
        budget=None,
        confirmed=None,
        disclosed=None,
        coverage=(),
        areas=(),
        forms=(),
    ):
        project = Project.objects.create(
            organization=organization,
            title=title,
            description="项目说明",
            application_process="申请流程",
            starts_on=d(starts),
            ends_on=d(ends) if ends else None,
            status=status,
            capacity=capacity,
            budget=Decimal(budget) if budget is not None else None,
            last_confirmed_at=at(confirmed) if confirmed else None,
            last_disclosed_on=d(disclosed) if disclosed else None,
            created_at=at(starts, 8) - dt.timedelta(days=30),
        )
        for region in coverage:
            ProjectCoverage.objects.create(project=project, region=region, prefix=region.prefix)
        for value in areas:
            ProjectTerm.objects.create(project=project, kind="area", value=value)
        for value in forms:
            ProjectTerm.objects.create(project=project, kind="form", value=value)
        return project

    def application(
        self,
        need,
        project,
        submitted,
        *,
        status,
        mode="assisted",
        answered="",
        answer="",
        delivered="",
        value=None,
        closed="",
        reason="",
        criterion="",
        simplified=False,
        **extra,
    ):
        household = need.household
        submitted_at = at(submitted)
        answered_at = at(answered) if answered else None
        seconds = int((answered_at - submitted_at).total_seconds()) if answered_at else None
        application = Application.objects.create(
            need=need,
            household=household,
            member=need.member,
            project=project,
            organization=project.organization,
            mode=mode,
            status=status,
            submitted_at=submitted_at,
            answer=answer,
            answered_at=answered_at,
            answer_seconds=seconds,
            rejection_reason=reason,
            rejection_criterion=criterion,
            delivered_on=d(delivered) if delivered else None,
            delivered_value=Decimal(value) if value is not None else None,
            closed_at=at(closed) if closed else None,
            simplified_procedure=simplified,
            created_by=household.worker,
            created_at=submitted_at - dt.timedelta(hours=1),
            **extra,
        )
        return application

    def feedback(self, application, side, score, recorded):
        return Feedback.objects.create(
            application=application,
            side=side,
            satisfaction=score,
            recorded_by=application.created_by,
            recorded_at=at(recorded),
        )


@pytest.fixture
def evaluation_data(regions, frozen_clock) -> dict[str, Any]:
    return populate(regions)


def populate(regions: dict[str, Region]) -> dict[str, Any]:
    """The rows of the fixture (dated in 2024 and 2025, whatever the clock says)."""
    r = regions
    b = Builder(r)
    a1, a2, b1 = r["township_a1"], r["township_a2"], r["township_b1"]

    # --- Households, people, statuses, visits ---
    h1 = b.household(a1, "2024-06-01", gap="not_eligible_in_difficulty")
    h2 = b.household(a1, "2025-03-01", gap="covered_still_in_difficulty")
    h3 = b.household(a2, "2025-05-01", archived="2025-10-01")
    b.household(a2, "2026-01-10")  # after the year
    h5 = b.household(b1, "2025-02-01", gap="not_eligible_in_difficulty")
    m1 = b.member(h1, "甲", "2024-06-01")
    m2 = b.member(h1, "乙", "2024-06-01", left="2025-08-01")
    m3 = b.member(h2, "丙", "2025-03-01")
    m4 = b.member(h2, "丁", "2025-03-01")
    m5 = b.member(h2, "戊", "2025-03-01")
    m6 = b.member(h3, "己", "2025-05-01")
    m8 = b.member(h5, "庚", "2025-02-01")
    b.member(h5, "辛", "2025-02-01")
    for member, status, start, end in [
        (m1, "dibao", "2020-01-01", None),
        (m2, "dibao", "2020-01-01", None),
        (m3, "dibao", "2025-01-01", "2025-06-30"),
        (m3, "tekun", "2025-07-01", None),
        (m4, "dibao", "2025-04-01", None),
        (m8, "dibao", "2025-02-01", None),
    ]:
        AssistanceRecord.objects.create(
            member=member, status=status, started_on=d(start), ended_on=d(end) if end else None
        )
    for household, day in [
        (h1, "2025-01-15"),
        (h1, "2025-06-15"),
        (h2, "2025-03-01"),
        (h3, "2025-05-02"),
        (h1, "2024-12-31"),
        (h5, "2025-04-01"),
    ]:
        Visit.objects.create(
            household=household, visited_on=d(day), worker=household.worker, findings="走访记录"
        )

    # --- Needs ---
    n1 = b.need(h1, m1, "2024-11-01", area="poverty_relief", form="cash")
    n2 = b.need(
        h2,
        m3,
        "2025-03-05",
        area="education_aid",
        form="cash",
        status="met",
        closed="2025-09-01",
        urgent=True,
    )
    n3 = b.need(
        h2,
        m4,
        "2025-04-01",
        area="medical_aid",
        form="cash",
        status="closed_unmet",
        closed="2025-08-01",
    )
    n4 = b.need(h2, m5, "2025-06-01", area="elderly_support", form="care", status="matching")
    n5 = b.need(
        h3,
        m6,
        "2025-05-02",
        area="poverty_relief",
        form="in_kind",
        status="withdrawn",
        closed="2025-10-01",
    )
    n6 = b.need(h1, m1, "2025-12-01", area="education_aid", form="cash", urgent=True)
    n7 = b.need(h5, m8, "2025-03-01", area="poverty_relief", form="cash")
    b.need(
        h2,
        m4,
        "2025-07-01",
        area="medical_aid",
        form="cash",
        status="closed_unmet",
        closed="2025-11-01",
    )

    # --- Organisations and projects ---
    o1 = b.organization(r["county_a"], "51441881MJ0000001R", "2024-01-01", charitable=True)
    o2 = b.organization(r["county_b"], "51441803MJ0000002X", "2024-01-01", org_type="foundation")
    o3 = b.organization(
        r["city"],
        "52441800MJ0000003A",
        "2025-06-01",
        org_type="service_institution",
        charitable=True,
    )
    o4 = b.organization(r["province"], "53440000MJ0000004B", "2023-01-01", org_type="foundation")
    p1 = b.project(
        o1,
        "助学金",
        starts="2025-01-01",
        ends="2025-12-31",
        capacity=10,
        budget="10000",
        confirmed="2025-10-01",
        disclosed="2025-11-15",
        coverage=[r["county_a"]],
        areas=["education_aid"],
        forms=["cash"],
    )
    p2 = b.project(
        o1,
        "济困物资",
        starts="2024-01-01",
        confirmed="2025-03-01",
        disclosed="2025-05-01",
        coverage=[a2],
        areas=["poverty_relief"],
        forms=["in_kind", "cash"],
    )
    b.project(o1, "草稿项目", status="draft", starts="2025-01-01", coverage=[r["county_a"]])
    p4 = b.project(
        o2,
        "清新助老",
        starts="2025-03-01",
        ends="2026-06-30",
        capacity=5,
        confirmed="2025-09-01",
        coverage=[r["county_b"]],
        areas=["elderly_support"],
        forms=["care"],
    )
    p5 = b.project(
        o3,
        "市级医疗救助",
        starts="2025-01-01",
        capacity=20,
        budget="50000",
        confirmed="2025-12-01",
        disclosed="2025-11-01",
        coverage=[r["county_a"]],
        areas=["medical_aid"],
        forms=["cash"],
    )
    b.project(
        o4,
        "省级救灾",
        status="closed",
        starts="2024-01-01",
        ends="2025-03-31",
        capacity=3,
        confirmed="2024-12-01",
        coverage=[r["province"]],
        areas=["disaster_relief"],
        forms=["in_kind"],
    )
    b.project(
        o1,
        "往年项目",
        status="closed",
        starts="2023-01-01",
        ends="2024-06-30",
        coverage=[r["county_a"]],
    )

    # --- Ledger editions ---
    for period, published, entries in [
        ("2025-H1", at("2025-01-01", 2), [(p2, a2.prefix)]),
        ("2025-H2", at("2025-07-01", 2), [(p1, r["county_a"].prefix), (p4, "441803")]),
        ("2024-H2", at("2024-07-01", 2), [(p2, a2.prefix)]),
    ]:
        edition = LedgerEdition.objects.create(
            period=period, published_at=published, content_sha256="0" * 64
        )
        for project, prefix in entries:
            entry = LedgerEntry.objects.create(
                edition=edition,
                project=project,
                tier="county",
                organization_name="组织",
                title=project.title,
                snapshot={},
                snapshot_sha256="0" * 64,
                change="new",
            )
            LedgerEntryCoverage.objects.create(entry=entry, prefix=prefix)

    # --- Applications ---
    a_1 = b.application(
        n2,
        p1,
        "2025-03-10",
        status="closed",
        answered="2025-03-12",
        answer="accepted",
        delivered="2025-04-10",
        value="1000",
        closed="2025-05-02",
        simplified=True,
    )
    b.application(
        n3,
        p5,
        "2025-04-05",
        status="rejected",
        answered="2025-04-09",
        answer="rejected",
        reason="no_places",
        closed="2025-04-09",
    )
    a_3 = b.application(
        n4,
        p5,
        "2025-06-05",
        status="delivered",
        mode="self",
        answered="2025-06-06",
        answer="accepted",
        delivered="2025-06-20",
        value="500.50",
        review_flag="duplicate",
        review_status="confirmed",
        reviewed_at=at("2025-06-07"),
        resolved_at=at("2025-06-10"),
    )
    b.application(n5, p2, "2025-05-03", status="withdrawn", closed="2025-10-01")
    b.application(n1, p2, "2025-01-20", status="expired", closed="2025-02-19")
    b.application(
        n6,
        p1,
        "2025-12-05",
        status="accepted",
        answered="2025-12-10",
        answer="accepted",
        review_flag="duplicate",
        review_status="flagged",
        reviewed_at=at("2025-12-11"),
    )
    a_7 = b.application(
        n7,
        p4,
        "2025-03-05",
        status="delivered",
        answered="2025-03-06",
        answer="accepted",
        delivered="2025-03-20",
        value="300",
    )
    b.application(
        n4,
        p1,
        "2025-06-02",
        status="withdrawn",
        closed="2025-06-15",
        review_flag="duplicate",
        review_status="upheld",
        reviewed_at=at("2025-06-08"),
        resolved_at=at("2025-06-15"),
    )
    b.application(
        n1,
        p2,
        "2024-11-05",
        status="rejected",
        answered="2024-11-10",
        answer="rejected",
        reason="not_eligible",
        criterion="age",
        closed="2024-11-10",
    )

    # --- Feedback ---
    b.feedback(a_1, "household", 5, "2025-05-01")
    b.feedback(a_1, "supplier", 4, "2025-05-02")
    b.feedback(a_3, "household", 3, "2025-07-01")
    b.feedback(a_7, "household", 2, "2025-04-01")
    return {"regions": r, "builder": b, "projects": {"p1": p1, "p2": p2, "p4": p4, "p5": p5}}
