"""The civil-affairs review queue: open flags first, then required reviews, then the rest."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from matching import services
from matching.models import Application
from matching.selectors import review_queue_for_user

from .conftest import publish


def test_open_flags_come_first_then_required_reviews_then_the_rest(
    client, worker, need, consent, county_org, charity_a, county_officer
):
    """GIVEN three applications for one need: a plain one (oldest), a second one of the same
    area (a required review, because of the first) and a third, flagged by the county
    WHEN the county officer opens the review queue
    THEN the flagged one is first, the required review second, the plain one last."""
    projects = [
        publish(county_org, charity_a, county_officer, title=f"助学金项目 {n}") for n in (1, 2, 3)
    ]
    applications = []
    for project in projects:
        applications.append(
            services.application_create(
                user=worker,
                need=need,
                project=project,
                mode="assisted",
                overlap_reason="" if not applications else "上一项不足以支付学费",
            )
        )
    now = timezone.now()
    for days_ago, application in zip((3, 2, 1), applications, strict=True):
        submitted = now - dt.timedelta(days=days_ago)
        Application.objects.filter(pk=application.pk).update(submitted_at=submitted)
    plain, required, flagged = applications
    assert not plain.review_required and required.review_required
    services.review_flag(user=county_officer, application=flagged, flag="duplicate", note="核实")

    assert list(review_queue_for_user(county_officer)) == [flagged, required, plain]

    client.force_login(county_officer)
    page = client.get("/matching/review/").content.decode()
    positions = [page.index(a.number) for a in (flagged, required, plain)]
    assert positions == sorted(positions)
