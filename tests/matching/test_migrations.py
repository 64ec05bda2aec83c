"""Data migrations of matching."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from matching import services
from matching.models import Application
from needs.models import Need

from .conftest import need_for, publish

pytestmark = pytest.mark.django_db

withdraw_stale = importlib.import_module(
    "matching.migrations.0005_withdraw_applications_of_closed_needs"
).withdraw_applications_of_closed_needs


def test_open_applications_of_needs_closed_before_the_hook_are_withdrawn_with_their_places(
    worker, child, need, project, consent, county_org, charity_a, county_officer
):
    """GIVEN a need closed behind the hook's back (as before issue 9) with a submitted and an
    accepted application, and another need still open with its own application
    WHEN the data migration runs
    THEN the closed need's applications are withdrawn with the reason, the accepted one's place
    goes back, and the open need's application is left alone."""
    other = publish(county_org, charity_a, county_officer, title="另一个助学项目")
    submitted = services.application_create(
        user=worker, need=need, project=project, mode="assisted"
    )
    accepted = services.application_create(
        user=worker, need=need, project=other, mode="assisted", overlap_reason="学费仍不足"
    )
    services.application_accept(user=charity_a, application=accepted)
    still_open = need_for(worker, child, area="medical_aid", form="cash")
    third = publish(county_org, charity_a, county_officer, title="第三个项目")
    kept = Application.objects.create(
        need=still_open,
        household=still_open.household,
        member=child,
        project=third,
        organization=third.organization,
        mode="assisted",
        created_by=worker,
    )
    Need.objects.filter(pk=need.pk).update(status=Need.Status.MET, closed_at=timezone.now())
    other.refresh_from_db()
    assert other.places_taken == 1

    withdraw_stale(apps, connection.schema_editor())

    for application in (submitted, accepted):
        application.refresh_from_db()
        assert application.status == Application.Status.WITHDRAWN
        assert application.status_reason == "已撤回:该家庭的需求已满足。"
        assert application.closed_at is not None
    other.refresh_from_db()
    assert other.places_taken == 0
    kept.refresh_from_db()
    assert kept.status == Application.Status.DRAFT
