"""The ledger import in a bounded number of queries (issue 13): organisations, regions and
projects are read per sheet into dicts, the checked rows written together, so the queries of
an import do not grow with its rows (a preview of 3,000 rows ran 9,000+ queries, 49 s)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stdnum.cn import uscc

from supply import services
from supply.models import Organization, Project, ProjectCoverage, ProjectTerm

from .test_excel import _import, _org_row, _project_row

pytestmark = pytest.mark.django_db


def _code(i: int) -> str:
    body = f"51441881MJ{i:07d}"
    return body + uscc.calc_check_digit(body)


def _new_rows(n: int, start: int = 0) -> tuple[list[list], list[list]]:
    orgs = [_org_row(credit_code=_code(start + i), name=f"助老服务中心{i}") for i in range(n)]
    projects = [
        _project_row(credit_code=_code(start + i), title=f"独居老人助餐{i}") for i in range(n)
    ]
    return orgs, projects


def _queries(user, orgs, projects, *, dry_run=False) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        report = _import(user, orgs, projects, dry_run=dry_run)
    return len(ctx), report


def test_new_rows_take_as_many_queries_for_40_rows_as_for_4(county_officer):
    few, few_report = _queries(county_officer, *_new_rows(2))
    many, many_report = _queries(county_officer, *_new_rows(20, start=100))

    assert few_report.ok and many_report.ok, many_report.errors
    assert (many_report.organizations_created, many_report.projects_created) == (20, 20)
    assert many == few, (few, many)
    # Written in full: every project with its terms and coverage, numbered in the report.
    project = Project.objects.get(title="独居老人助餐7", organization__credit_code=_code(107))
    assert project.status == Project.Status.DRAFT
    assert ProjectTerm.objects.filter(project=project).count() == 6
    assert set(
        ProjectCoverage.objects.filter(project=project).values_list("region_id", flat=True)
    ) == {
        "441881101000",
        "441881102000",
    }
    keys = {line.key for line in many_report.lines if line.sheet == "帮扶项目"}
    assert str(project.pk) in keys


def test_a_preview_is_as_bounded_and_writes_nothing(county_officer):
    few, _report = _queries(county_officer, *_new_rows(2), dry_run=True)
    many, report = _queries(county_officer, *_new_rows(20, start=100), dry_run=True)

    assert report.ok and report.projects_created == 20
    assert many == few
    assert not Organization.objects.exists() and not Project.objects.exists()


def test_updates_of_drafts_take_as_many_queries_for_20_rows_as_for_2(county_officer):
    assert _import(county_officer, *_new_rows(22)).ok
    numbers = dict(
        Project.objects.filter(
            organization__credit_code__in=[_code(i) for i in range(22)]
        ).values_list("organization__credit_code", "pk")
    )

    def changed(indexes):
        orgs = [
            _org_row(credit_code=_code(i), name=f"助老服务中心{i}", address=f"英城街道 {i} 号")
            for i in indexes
        ]
        projects = [
            _project_row(
                number=numbers[_code(i)],
                credit_code=_code(i),
                title=f"独居老人助餐{i}（新）",
                coverage="441881101000",
                area="扶老、助学",
            )
            for i in indexes
        ]
        return orgs, projects

    few, few_report = _queries(county_officer, *changed(range(2)))
    many, many_report = _queries(county_officer, *changed(range(2, 22)))

    assert few_report.ok and many_report.ok, many_report.errors
    assert (many_report.organizations_updated, many_report.projects_updated) == (20, 20)
    assert many == few, (few, many)
    project = Project.objects.get(pk=numbers[_code(9)])
    assert (
        project.title == "独居老人助餐9（新）" and project.organization.address == "英城街道 9 号"
    )
    assert set(project.coverage.values_list("region_id", flat=True)) == {"441881101000"}
    assert set(project.terms.filter(kind="area").values_list("value", flat=True)) == {
        "elderly_support",
        "education_aid",
    }
    assert services.listing_values(project)["coverage"] == ["441881101000"]


def test_row_errors_are_still_reported_per_row_and_nothing_is_written(county_officer):
    orgs, projects = _new_rows(5)
    projects[3] = _project_row(credit_code=_code(3), title="独居老人助餐3", coverage="999999")
    orgs[1] = _org_row(credit_code=_code(1), name="")

    report = _import(county_officer, orgs, projects)

    assert [(e.sheet, e.row) for e in report.errors] == [("社会组织", 4), ("帮扶项目", 6)]
    assert not Organization.objects.exists() and not Project.objects.exists()
