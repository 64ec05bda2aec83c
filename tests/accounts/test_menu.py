"""The main menu: entries registered by each app, grouped per area, chosen by role."""

from __future__ import annotations

import pytest

from accounts.menu import menu_for

pytestmark = pytest.mark.django_db


def _labels(groups):
    return {g.key: [e.label for e in g.entries] for g in groups}


def test_it_groups_an_officers_entries_per_area(county_officer, django_assert_num_queries):
    with django_assert_num_queries(0):
        groups = menu_for(county_officer, "/matching/review/")
    labels = _labels(groups)
    assert list(labels) == [
        "home",
        "needs",
        "supply",
        "matching",
        "referrals",
        "reports",
        "oversight",
        "more",
    ]
    assert labels["oversight"] == ["投诉举报", "风险预警", "成员单位救助记录"]
    assert labels["referrals"] == ["转介", "个案服务"]
    assert labels["matching"] == ["申请", "对接审核"]
    assert labels["reports"] == ["实时统计", "年度总结评估"]
    assert "接口文档" not in labels["more"]
    matching = next(g for g in groups if g.key == "matching")
    assert matching.active
    assert [e.label for e in matching.entries if e.active] == ["对接审核"]


def test_a_charity_sees_its_own_workspace_and_inbox_only(charity_user):
    labels = _labels(menu_for(charity_user, "/dashboard/"))
    assert labels["supply"] == ["台账浏览", "我的机构", "台账版本", "需求信号"]
    assert labels["matching"] == ["收到的申请"]
    assert labels["referrals"] == ["转介", "向民政部门转介"]
    assert "needs" not in labels and "more" not in labels


def test_only_administrators_see_the_api_documentation_and_the_admin_site(administrator):
    assert _labels(menu_for(administrator, "/"))["more"] == [
        "工作人员名录",
        "审计",
        "管理后台",
        "接口文档",
    ]


def test_a_member_unit_sees_its_aid_records_and_the_import_only(regions):
    from ..factories import UserFactory

    staff = UserFactory(username="renshe", role="member_unit", region=regions["county_a"])
    labels = _labels(menu_for(staff, "/dashboard/"))
    assert labels == {"home": ["首页"], "oversight": ["成员单位救助记录", "导入救助记录"]}
