"""The application filters: charity staff cannot probe household numbers."""

from __future__ import annotations

from django.test import RequestFactory

from matching import services
from matching.filters import ApplicationFilterSet
from matching.selectors import application_list_for_user


def _filtered(user, **params):
    request = RequestFactory().get("/", params)
    request.user = user
    return ApplicationFilterSet(
        request.GET, queryset=application_list_for_user(user), request=request
    ).qs


def test_a_worker_finds_an_application_by_household_number_or_number(
    worker, need, consent, project
):
    application = services.application_create(
        user=worker, need=need, project=project, mode="assisted"
    )
    assert list(_filtered(worker, q=need.household.code)) == [application]
    assert list(_filtered(worker, q=application.number)) == [application]
    assert list(_filtered(worker, q="no such thing")) == []


def test_charity_staff_cannot_search_by_household_number_or_id(
    worker, need, consent, project, charity_a
):
    services.application_create(user=worker, need=need, project=project, mode="assisted")
    # The household filter is ignored and a household number matches nothing for them.
    assert _filtered(charity_a, q=need.household.code).count() == 0
    assert _filtered(charity_a, household=need.household_id + 1000).count() == 1
    assert _filtered(charity_a, q=project.title).count() == 1
