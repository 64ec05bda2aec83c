"""Reads of the supply ledger, each through its scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Length
from django.http import Http404

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


@dataclass(frozen=True)
class OrganizationPage:
    """An organisation as one user may see it: ``manages`` for its staff and the civil affairs
    that keep it (and administrators), who get the full page; everyone else logged in reads the
    public facts and its published projects."""

    organization: Organization
    manages: bool


def organization_page_for_user(user: Any, pk: Any) -> OrganizationPage:
    """The organisation's page for any logged-in user who may see one of its projects (404 for
    others, and for an organisation with nothing in the ledger that the user does not keep)."""
    if not identifiers.is_ascii_digits(str(pk)):
        raise Http404
    organizations = Organization.objects.select_related("registering_region").filter(pk=pk)
    managed = organizations.visible_to(user).first()
    if managed is not None:
        return OrganizationPage(managed, manages=True)
    readable = organizations.readable_by(user).first()
    if readable is None:
        raise Http404
    return OrganizationPage(readable, manages=False)


#: Matches one search of the consent form's organisation picker shows.
SEARCH_LIMIT = 20
SEARCH_MAX_LENGTH = 100


def search_text(raw: Any) -> str:
    """What a person typed, as the search reads it: NFKC (full-width letters and digits become
    ASCII), control characters (a NUL breaks PostgreSQL) and surrounding spaces dropped, at
    most ``SEARCH_MAX_LENGTH`` characters."""
    text = identifiers.nfkc(raw)
    text = "".join(char for char in text if char.isprintable() or char == " ")
    return text.strip()[:SEARCH_MAX_LENGTH]


def organization_search(raw: Any, *, limit: int = SEARCH_LIMIT) -> tuple[list[Organization], bool]:
    """Organisations in the published ledger whose name (or credit code) contains the text,
    best first (names starting with it, then the shortest): at most ``limit``, and whether there
    were more. One query."""
    text = search_text(raw)
    if not text:
        return [], False
    match = Q(name__icontains=text)
    code = identifiers.normalize_credit_code(text)
    if code and code.isascii() and code.isalnum():
        match |= Q(credit_code__icontains=code)
    found = list(
        Organization.objects.in_ledger()
        .filter(match)
        .select_related("registering_region")
        .annotate(
            starts=Case(When(name__istartswith=text, then=Value(0)), default=Value(1)),
            name_length=Length("name"),
        )
        .order_by("starts", "name_length", "name", "pk")[: limit + 1]
    )
    return found[:limit], len(found) > limit


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
