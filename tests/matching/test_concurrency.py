"""Places under concurrency: 50 staff accept 50 applications at once on a project with 10 places.

Real transactions on real connections, one thread each, all released together by a barrier.
PostgreSQL only (SQLite serialises writers with a file lock, which proves nothing); skipped with
the reason on SQLite, and a failure where AIDBRIDGE_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, connections

from matching import services
from matching.models import Application, OrganizationFigures
from supply.models import Project

from ..needs.factories import make_household, member_input
from .conftest import give_consent, need_for

APPLICATIONS = 50
PLACES = 10


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        message = "needs PostgreSQL (DATABASE_URL) for concurrent transactions"
        if os.environ.get("AIDBRIDGE_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


def test_fifty_concurrent_acceptances_on_ten_places_accept_exactly_ten(
    postgresql, worker, regions, project, charity_a
):
    Project.objects.filter(pk=project.pk).update(capacity=PLACES)
    ids = []
    for n in range(APPLICATIONS):
        household = make_household(
            worker,
            regions["township_a1"],
            members=[
                member_input(f"申请人{n}", age=12, statuses=["dibao"], tags=["child_in_difficulty"])
            ],
            address=f"沙口镇 {n} 号",
        )
        child = household.members.get()
        give_consent(worker, child)
        application = services.application_create(
            user=worker, need=need_for(worker, child), project=project, mode="assisted"
        )
        ids.append(application.pk)

    barrier = threading.Barrier(APPLICATIONS)
    accepted, refused, errors = [], [], []
    lock = threading.Lock()

    def accept(pk: int) -> None:
        try:
            application = Application.objects.select_related(
                "organization", "household__worker", "created_by", "project"
            ).get(pk=pk)
            barrier.wait(timeout=30)
            services.application_accept(user=charity_a, application=application)
            with lock:
                accepted.append(pk)
        except services.ApplicationError as exc:
            with lock:
                refused.append((pk, exc.code))
        except Exception as exc:  # any other outcome is a failure, counted
            with lock:
                errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(pk,)) for pk in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(accepted) == PLACES
    assert len(refused) == APPLICATIONS - PLACES
    assert {code for _pk, code in refused} == {"no_places"}
    project.refresh_from_db()
    assert project.places_taken == PLACES
    statuses = Application.objects.filter(pk__in=ids).values_list("status", flat=True)
    assert sorted(set(statuses)) == ["accepted", "submitted"]
    assert Application.objects.filter(pk__in=ids, status="accepted").count() == PLACES
    # Each acceptance counted its organisation's figures again, one after the other: none of
    # the ten is lost to a concurrent recount.
    kept = OrganizationFigures.objects.get(organization=project.organization)
    assert (kept.answered, kept.accepted) == (PLACES, PLACES)


def test_concurrent_answers_of_one_organisation_are_all_counted_in_its_figures(
    postgresql, worker, regions, project, charity_a
):
    """GIVEN twenty applications of twenty households to one organisation
    WHEN its staff reject them all at the same moment (no place is taken: nothing else
    orders the transactions)
    THEN the organisation's kept figures count all twenty: each recount waits for the one
    before it to commit."""
    ids = []
    for n in range(20):
        household = make_household(
            worker,
            regions["township_a1"],
            members=[
                member_input(f"家长{n}", age=12, statuses=["dibao"], tags=["child_in_difficulty"])
            ],
            address=f"望埠镇 {n} 号",
        )
        child = household.members.get()
        give_consent(worker, child)
        application = services.application_create(
            user=worker, need=need_for(worker, child), project=project, mode="assisted"
        )
        ids.append(application.pk)
    barrier = threading.Barrier(len(ids))
    errors = []

    def reject(pk: int) -> None:
        try:
            application = Application.objects.select_related(
                "organization", "household__worker", "created_by", "project"
            ).get(pk=pk)
            barrier.wait(timeout=30)
            services.application_reject(user=charity_a, application=application, reason="no_places")
        except Exception as exc:  # any outcome but a rejection is a failure, counted
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reject, args=(pk,)) for pk in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    kept = OrganizationFigures.objects.get(organization=project.organization)
    assert (kept.answered, kept.accepted) == (20, 0)
