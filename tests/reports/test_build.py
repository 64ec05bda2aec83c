"""Building evaluations: frozen figures and files, versions on rebuild, the yearly job's
idempotence, the claim and its lease, and a failed build that leaves nothing half-written."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import Notification, Region
from reports import metrics, services, tasks
from reports.models import AnnualEvaluation, EvaluationBuild, ReportExport, YearlyRun

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run the tasks it enqueued after commit (Celery is eager in tests)."""

    def _run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return _run


@pytest.fixture
def yingde_officer(regions):
    return UserFactory(username="yingde_officer", role="civil_affairs", region=regions["county_a"])


def test_an_administrator_builds_a_county_evaluation_with_its_files(
    evaluation_data, administrator, yingde_officer, run
):
    county = evaluation_data["regions"]["county_a"]
    build = run(services.build_request, user=administrator, region=county, year=2025)
    build.refresh_from_db()
    assert build.finished_at is not None and build.progress == 100
    evaluation = AnnualEvaluation.objects.get()
    assert (evaluation.region, evaluation.year, evaluation.version) == (county, 2025, 1)
    assert evaluation.is_current and evaluation.status == AnnualEvaluation.Status.DRAFT
    assert evaluation.metrics == metrics.compute(county, metrics.Period.year(2025))
    files = {e.kind: e for e in evaluation.exports.all()}
    assert set(files) == {"xlsx", "pdf", "csv"}
    assert all(e.is_ready and e.size > 0 and len(e.sha256) == 64 for e in files.values())
    assert files["pdf"].file.read(5) == b"%PDF-"
    assert Notification.objects.filter(recipient=yingde_officer, kind="evaluation_built").exists()
    assert Notification.objects.filter(recipient=administrator, kind="evaluation_built").exists()


def test_a_build_run_without_telling_notifies_nobody(
    evaluation_data, administrator, yingde_officer, run
):
    """The synthetic data generator builds the province's evaluation nobody asked for."""
    county = evaluation_data["regions"]["county_a"]
    build = EvaluationBuild.objects.create(region=county, year=2025, requested_by=administrator)
    evaluation = run(services.build_run, build_id=build.pk, tell=False)
    assert evaluation is not None and evaluation.exports.count() == 3
    assert not Notification.objects.exists()


def test_a_rebuild_makes_a_new_version_and_keeps_the_old_one(evaluation_data, administrator, run):
    county = evaluation_data["regions"]["county_a"]
    run(services.build_request, user=administrator, region=county, year=2025)
    first = AnnualEvaluation.objects.get()
    first.narrative = {"needs": {"worked": "入户走访全覆盖", "not_worked": "", "plans": ""}}
    first.save(update_fields=["narrative"])
    run(services.build_request, user=administrator, region=county, year=2025)
    first.refresh_from_db()
    second = AnnualEvaluation.objects.get(is_current=True)
    assert (first.version, first.is_current) == (1, False)
    assert second.version == 2
    assert second.narrative == first.narrative  # carried over
    assert first.exports.count() == 3 and second.exports.count() == 3


def test_the_yearly_job_builds_every_region_down_to_the_counties_once(
    evaluation_data, administrator, run
):
    run(tasks.build_yearly_evaluations, 2025)
    evaluated = set(AnnualEvaluation.objects.values_list("region__level", "region__name"))
    assert evaluated == {
        ("province", "广东省"),
        ("prefecture", "清远市"),
        ("county", "英德市"),
        ("county", "清新区"),
    }
    assert EvaluationBuild.objects.filter(scheduled=True).count() == 4
    # Administrators are told once, when the last build of the year is done.
    assert (
        Notification.objects.filter(recipient=administrator, kind="evaluations_built").count() == 1
    )
    assert YearlyRun.objects.get(year=2025).notified_at is not None
    # A second tick (or a retry) changes nothing.
    run(tasks.build_yearly_evaluations, 2025)
    assert AnnualEvaluation.objects.count() == 4
    assert set(AnnualEvaluation.objects.values_list("version", flat=True)) == {1}
    assert EvaluationBuild.objects.count() == 4
    assert (
        Notification.objects.filter(recipient=administrator, kind="evaluations_built").count() == 1
    )


def test_the_yearly_job_skips_a_region_already_built_on_demand(evaluation_data, administrator, run):
    county = evaluation_data["regions"]["county_a"]
    run(services.build_request, user=administrator, region=county, year=2025)
    run(tasks.build_yearly_evaluations, 2025)
    assert AnnualEvaluation.objects.filter(region=county).count() == 1


def test_the_job_on_15_january_builds_the_previous_year(regions, settings, run):
    schedule = settings.CELERY_BEAT_SCHEDULE["reports-build-yearly-evaluations"]
    assert schedule["task"] == "reports.tasks.build_yearly_evaluations"
    assert schedule["schedule"].day_of_month == {15} and schedule["schedule"].month_of_year == {1}
    moment = dt.datetime(2027, 1, 15, 4, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(moment, tick=False):
        run(tasks.build_yearly_evaluations)
    assert set(AnnualEvaluation.objects.values_list("year", flat=True)) == {2026}


def test_a_claimed_build_is_not_run_twice_until_its_lease_runs_out(evaluation_data, regions, run):
    build = EvaluationBuild.objects.create(region=regions["county_a"], year=2025)
    now = dt.datetime.now(dt.UTC)
    EvaluationBuild.objects.filter(pk=build.pk).update(claimed_at=now)
    assert services.build_run(build_id=build.pk) is None  # another worker holds it
    assert not AnnualEvaluation.objects.exists()
    assert services.builds_resume() == []
    EvaluationBuild.objects.filter(pk=build.pk).update(
        claimed_at=now - services.LEASE - dt.timedelta(seconds=1)
    )
    assert run(services.builds_resume) == [build.pk]  # handed out again: the worker died
    evaluation = AnnualEvaluation.objects.get()
    assert evaluation.version == 1
    assert services.build_run(build_id=build.pk) is None  # finished: nothing more


def test_a_build_that_fails_half_way_leaves_no_evaluation_and_no_file(
    evaluation_data, regions, run
):
    build = EvaluationBuild.objects.create(region=regions["county_a"], year=2025)
    with (
        mock.patch("reports.exports.evaluation_csv", side_effect=RuntimeError("disk full")),
        mock.patch.dict(
            "reports.exports.RENDERERS", {"csv": mock.Mock(side_effect=RuntimeError("disk full"))}
        ),
        pytest.raises(RuntimeError),
    ):
        services.build_run(build_id=build.pk)
    assert not AnnualEvaluation.objects.exists()
    assert not ReportExport.objects.exists()
    build.refresh_from_db()
    assert build.finished_at is None and build.claimed_at is None and "disk full" in build.error
    # The next attempt builds it.
    services.build_run(build_id=build.pk)
    assert AnnualEvaluation.objects.count() == 1


def test_a_build_taken_over_by_another_worker_writes_nothing(evaluation_data, regions, run):
    """The first worker's lease ran out and another claimed the build: when the first one
    reaches its write, its claim is no longer the build's and it writes nothing."""
    build = EvaluationBuild.objects.create(region=regions["county_a"], year=2025)
    real = services.metrics.compute

    def slow_compute(*args, **kwargs):
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        assert EvaluationBuild.objects.filter(pk=build.pk).update(claimed_at=later)
        return real(*args, **kwargs)

    with mock.patch.object(services.metrics, "compute", slow_compute):
        assert services.build_run(build_id=build.pk) is None
    assert not AnnualEvaluation.objects.exists()
    assert not ReportExport.objects.exists()


def test_who_may_build(evaluation_data, regions, county_officer, worker, administrator, run):
    with pytest.raises(ValidationError):
        run(services.build_request, user=county_officer, region=regions["county_a"], year=2025)
    with pytest.raises(ValidationError):
        run(services.build_request, user=county_officer, region=regions["township_b1"], year=2025)
    with pytest.raises(ValidationError):
        run(services.build_request, user=worker, region=regions["township_a1"], year=2025)
    with pytest.raises(ValidationError):
        run(services.build_request, user=administrator, region=regions["county_a"], year=2027)
    village = Region.objects.create(
        code="441881101201", name="沙口村", level="village", parent=regions["township_a1"]
    )
    with pytest.raises(ValidationError):
        run(services.build_request, user=administrator, region=village, year=2025)
    # A township of the officer's county, on demand
    build = run(
        services.build_request, user=county_officer, region=regions["township_a1"], year=2025
    )
    build.refresh_from_db()
    assert build.evaluation.region == regions["township_a1"]
