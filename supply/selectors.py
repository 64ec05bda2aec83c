"""Reads of the supply ledger, each through its scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts import identifiers
from accounts.scope import get_visible_or_404

from .models import (
    LedgerEdition,
    ListingChange,
    Organization,
    Project,
    ProjectCoverage,
    ProjectTerm,
)


def _with_listing(queryset: QuerySet[Project]) -> QuerySet[Project]:
    return queryset.select_related("organization__registering_region").prefetch_related(
        Prefetch("terms", queryset=ProjectTerm.objects.order_by("kind", "value")),
        Prefetch("coverage", queryset=ProjectCoverage.objects.select_related("region")),
    )


def project_list_for_user(user: Any) -> QuerySet[Project]:
    return _with_listing(Project.objects.visible_to(user)).order_by(
        "organization__name", "title", "pk"
    )


def project_get_for_user(user: Any, pk: Any) -> Project:
    return get_visible_or_404(_with_listing(Project.objects.all()), user, pk=pk)


def public_project_list() -> QuerySet[Project]:
    """The public showcase: published listings only, with nothing personal in them."""
    return _with_listing(Project.objects.published()).order_by("organization__name", "title", "pk")


def organization_list_for_user(user: Any) -> QuerySet[Organization]:
    return (
        Organization.objects.visible_to(user).select_related("registering_region").order_by("name")
    )


def organization_get_for_user(user: Any, pk: Any) -> Organization:
    return get_visible_or_404(
        Organization.objects.select_related("registering_region"), user, pk=pk
    )


def review_queue_for_user(user: Any) -> QuerySet[ListingChange]:
    """Pending listing changes the user reviews: those of organisations registered with the
    user's own department (the tier that keeps them); administrators see all."""
    pending = ListingChange.objects.filter(status=ListingChange.Status.PENDING).select_related(
        "project__organization__registering_region", "submitted_by"
    )
    if not user.is_authenticated:
        return pending.none()
    if user.is_administrator:
        return pending
    if user.role == "civil_affairs" and user.region_id:
        return pending.filter(project__organization__registering_region_id=user.region_id)
    return pending.none()


def projects_waiting_for_review(user: Any) -> QuerySet[Project]:
    """New listings submitted for publication to the user's department."""
    waiting = Project.objects.filter(status=Project.Status.PENDING_REVIEW)
    if user.is_authenticated and user.is_administrator:
        return _with_listing(waiting)
    if user.is_authenticated and user.role == "civil_affairs" and user.region_id:
        return _with_listing(waiting.filter(organization__registering_region_id=user.region_id))
    return waiting.none()


def changes_for_charity(user: Any) -> QuerySet[ListingChange]:
    return ListingChange.objects.filter(project__organization__staff=user).select_related(
        "project__organization", "submitted_by", "reviewed_by"
    )


def change_get_for_user(user: Any, pk: Any) -> ListingChange:
    """A listing change, for those who may see its organisation (404 for others)."""
    from django.http import Http404

    organizations = Organization.objects.visible_to(user)
    change = (
        ListingChange.objects.filter(project__organization__in=organizations)
        .select_related("project__organization__registering_region", "submitted_by", "reviewed_by")
        .filter(pk=pk)
        .first()
        if identifiers.is_ascii_digits(str(pk))
        else None
    )
    if change is None:
        raise Http404
    return change


def edition_list() -> QuerySet[LedgerEdition]:
    """Editions are sent to every station: every logged-in user reads them."""
    return LedgerEdition.objects.order_by("-period")


def edition_get(pk: Any) -> LedgerEdition:
    from django.shortcuts import get_object_or_404

    if not identifiers.is_ascii_digits(str(pk)):
        from django.http import Http404

        raise Http404
    return get_object_or_404(LedgerEdition, pk=pk)


def supply_counts_for_user(user: Any) -> dict[str, int]:
    """Figures for the landing page: the user's own listings (charity) or the review work of
    the user's department (civil affairs), one aggregate query each."""
    from django.db.models import Count, Q

    figures: dict[str, int] = {}
    if user.role == "charity":
        figures.update(
            Project.objects.filter(organization__staff=user).aggregate(
                published=Count("pk", filter=Q(status=Project.Status.PUBLISHED)),
                drafts=Count(
                    "pk", filter=Q(status__in=[Project.Status.DRAFT, Project.Status.PENDING_REVIEW])
                ),
            )
        )
        figures["changes_pending"] = (
            changes_for_charity(user).filter(status=ListingChange.Status.PENDING).count()
        )
    else:
        figures["changes_pending"] = review_queue_for_user(user).count()
        figures["listings_waiting"] = projects_waiting_for_review(user).count()
    return figures
