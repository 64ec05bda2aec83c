"""People's organisations (红十字会、妇联、残联、共青团、工会、慈善会) in the supply ledger: the
registration form, the API and the workbook import accept them, and they receive referrals."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from stdnum.cn import uscc

from supply import excel
from supply.models import Organization

from ..supply.test_excel import _import, _org_row

pytestmark = pytest.mark.django_db

KINDS = {
    "red_cross": "红十字会",
    "womens_federation": "妇联",
    "disabled_persons_federation": "残联",
    "youth_league": "共青团",
    "trade_union": "工会",
    "charity_federation": "慈善会",
}


def code(n: int) -> str:
    body = f"13441881MB{n:07d}"
    return body + uscc.calc_check_digit(body)


def test_the_six_kinds_are_organisation_types_with_chinese_labels():
    labels = dict(Organization.Type.choices)
    assert {kind: str(labels[kind]) for kind in KINDS} == KINDS
    assert Organization(org_type="red_cross").is_peoples_organization
    assert not Organization(org_type="foundation").is_peoples_organization


def test_the_registration_page_and_the_api_accept_them(client, county_officer, regions):
    client.force_login(county_officer)
    page = client.get(reverse("supply:organization_register"))
    assert 'value="womens_federation"' in page.content.decode()
    api = APIClient()
    api.force_authenticate(county_officer)
    answer = api.post(
        "/api/supply/organizations/",
        {
            "name": "英德市红十字会",
            "credit_code": code(7),
            "org_type": "red_cross",
            "registering_region": "441881000000",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["org_type"] == "red_cross"


def test_the_workbook_import_reads_their_names(county_officer, regions):
    report = _import(
        county_officer,
        orgs=[
            _org_row(credit_code=code(8), name="英德市妇女联合会", org_type="妇女联合会"),
            _org_row(credit_code=code(9), name="英德市总工会", org_type="工会"),
        ],
    )
    assert report.errors == [], report.errors
    types = dict(Organization.objects.values_list("name", "org_type"))
    assert types["英德市妇女联合会"] == "womens_federation"
    assert types["英德市总工会"] == "trade_union"
    assert excel.ORG_TYPE_WORDS["红十字会"] == "red_cross"
