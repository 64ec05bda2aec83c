"""The demo evaluations that ``manage.py seed_demo`` loads (reports/demo.py): last year's of
清远市 and its counties, one in every state of the workflow, with their files; a second run
changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import timezone

from reports.models import AnnualEvaluation, ReportExport

from ..demo_support import Loaded, seed_demo_twice

pytestmark = pytest.mark.django_db


def _state() -> dict[str, object]:
    return {
        "evaluations": dict(
            AnnualEvaluation.objects.values_list("region__name", "status").order_by("region_id")
        ),
        "versions": AnnualEvaluation.objects.count(),
        "files": ReportExport.objects.count(),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Loaded]:
    yield from seed_demo_twice(django_db_blocker, tmp_path_factory, _state)


def test_the_demo_has_an_evaluation_of_last_year_in_every_state(loaded):
    assert loaded.first["evaluations"] == {
        "清远市": "draft",
        "清新区": "returned",
        "佛冈县": "submitted",
        "英德市": "accepted",
    }
    assert set(AnnualEvaluation.objects.values_list("year", flat=True)) == {
        timezone.localdate().year - 1
    }
    assert loaded.first["files"] == 12  # a workbook, a PDF and a CSV each
    returned = AnnualEvaluation.objects.get(region__name="清新区")
    assert returned.review_comment and returned.narrative["needs"]["worked"]


def test_a_second_run_changes_nothing(loaded):
    assert loaded.second == loaded.first
    assert "demo evaluations exist" in loaded.output
