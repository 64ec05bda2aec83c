"""Reads of matching for the pages and the API: scoped lists, the supplier's minimal view of a
person, the pre-aid check and the figures of the dashboard card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from accounts import crypto
from accounts.scope import get_visible_or_404
from needs.models import Need

from .hooks import OtherAid, other_aid
from .models import PRE_AID_WINDOW, Application, Feedback
from .services import contact_person

S = Application.Status
Review = Application.Review

_RELATED = (
    "need",
    "household__region",
    "member",
    "project__organization",
    "organization",
    "consent",
    "created_by",
)


def application_list_for_user(user: Any) -> QuerySet[Application]:
    """Every application the user may see (region for workers and civil affairs, own
    organisations for charity staff), with what a list row shows."""
    return Application.objects.visible_to(user).select_related(*_RELATED)


def application_get_for_user(user: Any, pk: Any) -> Application:
    return get_visible_or_404(
        Application.objects.select_related(
            *_RELATED,
            "household__worker",
            "reviewed_by",
            "resolved_by",
            "answered_by",
            "explained_by",
            "delivery_recorded_by",
        ).prefetch_related("feedback__recorded_by"),
        user,
        pk=pk,
    )


def inbox_for_user(user: Any) -> QuerySet[Application]:
    """The supplier's inbox: applications to the organisations the user works for, waiting
    ones first."""
    waiting_first = Case(When(status=S.SUBMITTED, then=Value(0)), default=Value(1))
    return (
        Application.objects.filter(organization__staff=user, submitted_at__isnull=False)
        .select_related(*_RELATED)
        .order_by(waiting_first, "submitted_at", "pk")
    )


def review_queue_for_user(user: Any) -> QuerySet[Application]:
    """Matches in the user's region waiting for civil-affairs review or with an open flag:
    open flags first, then required reviews (declared relation, overlap), then the rest;
    oldest first within each."""
    flagged = ExpressionWrapper(Q(review_status=Review.FLAGGED), output_field=BooleanField())
    return (
        Application.objects.visible_to(user)
        .filter(review_status__in=[Review.PENDING, Review.FLAGGED])
        .filter(status__in=[S.SUBMITTED, S.ACCEPTED, S.DELIVERED, S.CLOSED])
        .select_related(*_RELATED)
        .order_by(flagged.desc(), "-review_required", "submitted_at", "pk")
    )


def household_applications(user: Any, household_pk: Any) -> QuerySet[Application]:
    """The household page's fragment: its applications, newest first."""
    return application_list_for_user(user).filter(household_id=household_pk)


def pre_aid_check(need: Need) -> list[Application]:
    """帮前查询: what the household received or waits for from every supplier in the last
    twelve months; ``same_area`` marks those of the need's charity area."""
    since = timezone.now() - PRE_AID_WINDOW
    rows = list(
        Application.objects.filter(household_id=need.household_id)
        .aid_received_or_pending(since)
        .select_related("need", "project", "organization", "member")
        .order_by("-submitted_at", "-pk")
    )
    for row in rows:
        row.same_area = row.need.area == need.area  # type: ignore[attr-defined]
    return rows


def pre_aid_other_departments(need: Need) -> list[OtherAid]:
    """帮前查询 across departments: aid other government units pushed for the household's
    members (registered by the apps above, ``matching.hooks``), newest first."""
    return other_aid(need)


@dataclass(frozen=True)
class SupplierCard:
    """What the supplier may know of the person: the consented minimum.

    With consent no longer in force, only the application's own facts remain."""

    consented: bool
    name: str
    sex: str
    age: int | None
    id_number_masked: str
    place: str
    phone_masked: str
    address: str
    simplified_procedure: bool
    message: str
    # The person agreed to be contacted (with consent in force), whether or not a phone is on
    # file: "not agreed" and "agreed, no number recorded" read differently to the supplier.
    contact_agreed: bool = False
    # Who applied for the person: the supplier's way to them when no phone is on file.
    applied_by: str = ""


def supplier_card(application: Application) -> SupplierCard:
    """Needs member, household__region and consent loaded (``_RELATED``)."""
    consented = application.consent_in_force
    member = application.member
    if not consented:
        return SupplierCard(False, "", "", None, "", "", "", "", False, "")
    contact = application.contact_shared
    return SupplierCard(
        consented=True,
        name=member.name,
        sex=member.get_sex_display(),
        age=member.age(),
        id_number_masked=crypto.mask_id_number(member.id_number),
        place=application.household.region.name,
        phone_masked=crypto.mask_phone(contact_person(application).phone) if contact else "",
        address=application.household.address if contact else "",
        simplified_procedure=application.simplified_procedure,
        message=application.message,
        contact_agreed=contact,
        applied_by=application.created_by.get_full_name() if application.created_by else "",
    )


def counts_for_user(user: Any) -> dict[str, int]:
    """The dashboard card's figures, in one query per role."""
    if user.role == "charity":
        given = Feedback.objects.filter(application=OuterRef("pk"), side=Feedback.Side.SUPPLIER)
        return (
            Application.objects.filter(organization__staff=user, submitted_at__isnull=False)
            .annotate(given=Exists(given))
            .aggregate(
                waiting=Count("pk", filter=Q(status=S.SUBMITTED)),
                to_deliver=Count("pk", filter=Q(status=S.ACCEPTED)),
                feedback_due=Count("pk", filter=Q(status=S.DELIVERED, given=False)),
            )
        )
    given = Feedback.objects.filter(application=OuterRef("pk"), side=Feedback.Side.HOUSEHOLD)
    visible = Application.objects.visible_to(user).annotate(given=Exists(given))
    return visible.aggregate(
        waiting=Count("pk", filter=Q(status=S.SUBMITTED)),
        accepted=Count("pk", filter=Q(status=S.ACCEPTED)),
        to_explain=Count("pk", filter=Q(status=S.REJECTED, explained_at__isnull=True)),
        feedback_due=Count("pk", filter=Q(status=S.DELIVERED, given=False)),
        to_review=Count(
            "pk",
            filter=Q(review_status__in=[Review.PENDING, Review.FLAGGED])
            & ~Q(status__in=[S.DRAFT, S.REJECTED, S.WITHDRAWN, S.EXPIRED]),
        ),
    )
