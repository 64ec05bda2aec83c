"""The organisations' matching figures the candidate search ranks by: kept in
OrganizationFigures, equal to a recomputation after every answer and feedback, refreshed by
the nightly job and filled by the data migration."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from matching import jobs, services, tasks
from matching.models import Application, Feedback, OrganizationFigures

from .conftest import make_org, need_for, publish

pytestmark = pytest.mark.django_db

DAY = 86400
FIGURES = (
    "answered",
    "accepted",
    "acceptance_rate",
    "answer_seconds_mean",
    "answer_seconds_median",
    "satisfaction_mean",
    "satisfaction_count",
)


def _kept() -> dict[int, dict]:
    return {
        row["organization_id"]: {k: row[k] for k in FIGURES}
        for row in OrganizationFigures.objects.values("organization_id", *FIGURES)
    }


def _recomputed() -> dict[int, dict]:
    return {
        org: {k: values[k] for k in FIGURES}
        for org, values in services.organization_figures_compute().items()
    }


def _close(kept: dict[int, dict], recomputed: dict[int, dict]) -> None:
    assert kept.keys() == recomputed.keys()
    for org, values in recomputed.items():
        for k, v in values.items():
            assert kept[org][k] == pytest.approx(v), (org, k)


def test_answers_and_feedback_keep_the_figures_equal_to_a_recomputation(
    worker, need, consent, project, county_org, charity_a, county_officer
):
    """GIVEN two applications of one household to two projects of one organisation
    WHEN the supplier accepts one, rejects the other, delivers, and both sides give feedback
    THEN after each step the kept figures equal a recomputation from the applications."""
    other = publish(county_org, charity_a, county_officer, title="另一个助学项目")
    first = services.application_create(user=worker, need=need, project=project, mode="assisted")
    second = services.application_create(
        user=worker, need=need, project=other, mode="assisted", overlap_reason="学费仍不足"
    )
    assert _kept() == {}

    services.application_accept(user=charity_a, application=first)
    _close(_kept(), _recomputed())
    assert _kept()[county_org.pk]["answered"] == 1

    services.application_reject(user=charity_a, application=second, reason="no_places")
    _close(_kept(), _recomputed())
    kept = _kept()[county_org.pk]
    assert (kept["answered"], kept["accepted"], kept["acceptance_rate"]) == (2, 1, 0.5)

    services.review_confirm(user=county_officer, application=first)
    services.application_deliver(
        user=charity_a,
        application=first,
        delivered_on=timezone.localdate(),
        value=Decimal("1000"),
    )
    services.feedback_record(
        user=charity_a, application=first, side=Feedback.Side.SUPPLIER, satisfaction=5
    )
    # The supplier's own satisfaction is not the households'.
    assert _kept()[county_org.pk]["satisfaction_count"] == 0
    services.feedback_record(
        user=worker,
        application=first,
        side=Feedback.Side.HOUSEHOLD,
        satisfaction=4,
        need_outcome="open",
    )
    _close(_kept(), _recomputed())
    kept = _kept()[county_org.pk]
    assert (kept["satisfaction_mean"], kept["satisfaction_count"]) == (4.0, 1)


def _answered(project, need, member, *, days_ago: int, accepted: bool, seconds: int, stars=None):
    """An application answered ``days_ago``, written straight into the table."""
    answered = timezone.now() - dt.timedelta(days=days_ago)
    row = Application.objects.create(
        need=need,
        household=need.household,
        member=member,
        project=project,
        organization=project.organization,
        mode=Application.Mode.ASSISTED,
        status=Application.Status.CLOSED if accepted else Application.Status.REJECTED,
        rejection_reason="" if accepted else Application.RejectionReason.NO_PLACES,
        submitted_at=answered - dt.timedelta(seconds=seconds),
        answer="accepted" if accepted else "rejected",
        answered_at=answered,
        answer_seconds=seconds,
        delivered_on=answered.date() if accepted else None,
        delivered_value=Decimal("500") if accepted else None,
        created_by=need.created_by,
    )
    if stars:
        Feedback.objects.create(
            application=row,
            side=Feedback.Side.HOUSEHOLD,
            satisfaction=stars,
            recorded_by=need.created_by,
            recorded_at=answered,
        )
    return row


@pytest.fixture
def history(worker, child, project, county_org, charity_b, county_officer, regions):
    """Answers of two organisations written around the services (as an import would), one
    of them older than twelve months; and a kept row of a third organisation with nothing
    left in the window."""
    other_org = make_org(
        county_officer, regions["county_a"], code="51441881MJ0000002W", staff=[charity_b]
    )
    other = publish(other_org, charity_b, county_officer, title="other")
    idle = make_org(county_officer, regions["county_a"], code="51441881MJ0000005N", name="闲")
    need = need_for(worker, child, area="medical_aid")
    _answered(project, need, child, days_ago=3, accepted=True, seconds=2 * DAY, stars=5)
    _answered(project, need, child, days_ago=30, accepted=False, seconds=4 * DAY)
    _answered(project, need, child, days_ago=60, accepted=True, seconds=9 * DAY, stars=2)
    _answered(project, need, child, days_ago=400, accepted=False, seconds=30 * DAY, stars=1)
    _answered(other, need, child, days_ago=10, accepted=True, seconds=DAY)
    OrganizationFigures.objects.create(
        organization=idle,
        answered=3,
        accepted=3,
        window_start=timezone.now(),
        refreshed_at=timezone.now(),
    )
    return {"county": county_org, "other": other_org, "idle": idle}


def test_the_nightly_job_recomputes_every_organisation_over_twelve_months(history):
    assert jobs.figures_refresh() == 2

    kept = _kept()
    _close(kept, _recomputed())
    county = kept[history["county"].pk]
    # The answer of 400 days ago is not counted.
    assert (county["answered"], county["accepted"]) == (3, 2)
    assert county["answer_seconds_mean"] == pytest.approx(5 * DAY)
    assert county["answer_seconds_median"] == 4 * DAY
    assert (county["satisfaction_mean"], county["satisfaction_count"]) == (3.5, 2)
    assert kept[history["other"].pk]["acceptance_rate"] == 1.0
    # Nothing left in the window: no row (the ranking counts it as average).
    assert history["idle"].pk not in kept

    # A second run writes the same figures.
    jobs.figures_refresh()
    assert _kept() == kept


def test_a_late_run_moves_the_window(history):
    jobs.figures_refresh(now=timezone.now() + dt.timedelta(days=340))
    county = _kept()[history["county"].pk]
    # Only the answer of 3 days ago is inside twelve months of that day.
    assert (county["answered"], county["accepted"], county["satisfaction_count"]) == (1, 1, 1)


def test_the_task_runs_the_job_and_beat_schedules_it_nightly(history):
    assert tasks.refresh_organization_figures.apply().get() == 2
    _close(_kept(), _recomputed())
    entry = settings.CELERY_BEAT_SCHEDULE["matching-refresh-organization-figures"]
    assert entry["task"] == "matching.tasks.refresh_organization_figures"
    assert entry["schedule"].hour == {1}
    assert entry["schedule"].day_of_week == set(range(7))


def test_the_data_migration_fills_the_figures_from_the_applications_there(history):
    OrganizationFigures.objects.all().delete()
    fill = importlib.import_module("matching.migrations.0007_fill_organization_figures").fill

    fill(apps, connection.schema_editor())

    _close(_kept(), _recomputed())
    assert len(_kept()) == 2
