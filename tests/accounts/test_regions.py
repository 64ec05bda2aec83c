from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.models import Region
from accounts.services import REGIONS_CSV, regions_load

pytestmark = pytest.mark.django_db


def test_it_loads_1757_townships_under_21_cities():
    result = regions_load()

    assert result.created == 1 + 21 + 122 + 1757
    assert Region.objects.filter(level=Region.Level.PROVINCE).count() == 1
    assert Region.objects.filter(level=Region.Level.PREFECTURE).count() == 21
    assert Region.objects.filter(level=Region.Level.COUNTY).count() == 122
    assert Region.objects.filter(level=Region.Level.TOWNSHIP).count() == 1757
    # Every township hangs under a county or, for the two cities without counties, a city.
    cities = set(
        Region.objects.filter(level=Region.Level.PREFECTURE).values_list("code", flat=True)
    )
    township_cities = {
        code[:4] + "00000000"
        for code in Region.objects.filter(level=Region.Level.TOWNSHIP).values_list(
            "code", flat=True
        )
    }
    assert township_cities == cities


def test_it_hangs_dongguan_and_zhongshan_townships_directly_under_the_city():
    regions_load()

    dongguan_towns = Region.objects.filter(level=Region.Level.TOWNSHIP, code__startswith="4419")
    assert dongguan_towns.count() > 20
    assert set(dongguan_towns.values_list("parent_id", flat=True)) == {"441900000000"}
    zhongshan = Region.objects.get(code="442000000000")
    assert zhongshan.level == Region.Level.PREFECTURE  # the placeholder county row was skipped
    assert zhongshan.children.filter(level=Region.Level.TOWNSHIP).count() > 20


def test_it_is_idempotent():
    regions_load()
    before = list(
        Region.objects.order_by("code").values_list("code", "name", "parent_id", "valid_to")
    )

    second = regions_load()

    assert (second.created, second.updated, second.retired) == (0, 0, 0)
    assert second.unchanged == len(before)
    after = list(
        Region.objects.order_by("code").values_list("code", "name", "parent_id", "valid_to")
    )
    assert after == before


def test_it_retires_a_region_missing_from_a_newer_file_instead_of_deleting_it(tmp_path):
    regions_load()
    lines = REGIONS_CSV.read_text(encoding="utf-8").splitlines()
    newer = [line for line in lines if not line.startswith("441881109000")]  # 大站镇 disappears
    path = tmp_path / "newer.csv"
    path.write_text("\n".join(newer) + "\n", encoding="utf-8")

    result = regions_load(path=path, valid_from=dt.date(2024, 6, 30))

    assert result.retired == 1
    gone = Region.objects.get(code="441881109000")
    assert gone.valid_to == dt.date(2024, 6, 30)
    assert not gone.is_current


def test_the_command_reports_counts(capsys):
    call_command("load_regions")
    call_command("load_regions")

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("regions: 1901 created")
    assert out[1].startswith("regions: 0 created, 0 updated, 1901 unchanged, 0 retired")


def test_prefix_follows_the_level():
    assert Region(code="440000000000", level="province").prefix == "44"
    assert Region(code="441800000000", level="prefecture").prefix == "4418"
    assert Region(code="441881000000", level="county").prefix == "441881"
    assert Region(code="440106010000", level="township").prefix == "440106010"
    assert Region(code="440106010001", level="village").prefix == "440106010001"
