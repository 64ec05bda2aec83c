"""The coverage filter (issue 9 point 12): choosing a region finds every project available to
some place in it — covering the region or a region above it, or covering a part of it — on the
indexed coverage prefix, in the ledger browser, the API and the showcase alike."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from supply import services
from supply.filters import ProjectFilterSet
from supply.models import Project, ProjectCoverage, coverage_reaching

from ..factories import UserFactory
from .conftest import TERMS, listing, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_officer(regions):
    return UserFactory(username="city_officer", role="civil_affairs", region=regions["city"])


@pytest.fixture
def spread(county_officer, city_officer, other_county_officer, regions, charity_a):
    """Published listings covering: one township of 英德市 (沙口镇), the city, the province, and
    one township of 清新区 (太和镇)."""
    county = make_org(county_officer, regions["county_a"], code="51441881MJ0000001R")
    city = make_org(city_officer, regions["city"], code="51441800MJ0000001X", name="清远市慈善会")
    other = make_org(
        other_county_officer, regions["county_b"], code="51441803MJ0000002X", name="清新区慈善会"
    )
    plan = [
        (county, county_officer, "沙口镇助学", regions["township_a1"]),
        (city, city_officer, "清远全市助学", regions["city"]),
        (city, city_officer, "全省助学", regions["province"]),
        (other, other_county_officer, "太和镇助学", regions["township_b1"]),
    ]
    for organization, officer, title, region in plan:
        project = services.project_save(
            user=officer,
            organization=organization,
            fields=listing(title=title),
            terms=TERMS,
            coverage=[region],
        )
        Project.objects.filter(pk=project.pk).update(status=Project.Status.PUBLISHED)


YINGDE = ["全省助学", "沙口镇助学", "清远全市助学"]


@pytest.mark.parametrize(
    ("covers", "titles"),
    [
        ("441881000000", YINGDE),  # 英德市: its township's project, and those above it
        ("441881", YINGDE),  # the same by its prefix
        ("441881101000", YINGDE),  # 沙口镇 itself
        ("441881102000", ["全省助学", "清远全市助学"]),  # 望埠镇: not the 沙口镇 project
        ("441803000000", ["全省助学", "太和镇助学", "清远全市助学"]),  # 清新区
        ("441800000000", ["全省助学", "沙口镇助学", "清远全市助学", "太和镇助学"]),  # the city
        ("440000000000", ["全省助学", "沙口镇助学", "清远全市助学", "太和镇助学"]),
        ("440300000000", ["全省助学"]),  # 深圳市: only the province-wide one
    ],
)
def test_a_region_finds_every_project_available_somewhere_in_it(
    client, api_client, spread, county_officer, covers, titles
):
    client.force_login(county_officer)
    page = client.get("/supply/", {"covers": covers})
    assert sorted(p.title for p in page.context["page"].object_list) == sorted(titles)
    api_client.force_authenticate(county_officer)
    data = api_client.get("/api/supply/projects/", {"covers": covers}).json()
    assert sorted(p["title"] for p in data["results"]) == sorted(titles)


def test_the_showcase_city_filter_works_the_same_way(client, spread, regions):
    page = client.get("/showcase/", {"city": regions["city"].pk})
    assert len(page.context["page"].object_list) == 4


def test_the_filter_is_one_query_on_the_coverage_prefix(spread, county_officer):
    from django.test.utils import CaptureQueriesContext

    filterset = ProjectFilterSet(
        {"covers": "441881000000"}, queryset=Project.objects.visible_to(county_officer)
    )
    with CaptureQueriesContext(connection) as queries:
        assert len(list(filterset.qs)) == 3
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert '"prefix" IN' in sql and '"prefix"' in sql and "LIKE" in sql.upper()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner of PostgreSQL")
def test_postgresql_can_answer_the_filter_from_the_prefix_indexes(spread):
    queryset = ProjectCoverage.objects.filter(coverage_reaching("441881000000")).values(
        "project_id"
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    assert "Index" in plan, plan


@pytest.fixture
def api_client():
    return APIClient()
