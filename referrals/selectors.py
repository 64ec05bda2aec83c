"""Reads of referrals for the pages and the API: scoped lists and the inboxes per role, the
charity receiver's view of a person (the consented snapshot, re-checked at every read), the
household's referrals and cases, and the dashboard's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.scope import get_visible_or_404
from needs.models import Household
from supply.models import Organization, code_prefixes

from .models import Case, CaseGoal, CaseNote, Direction, Referral, ReferralNote
from .services import receiver_sees_person

S = Referral.Status

_RELATED = (
    "region__parent",
    "household__region",
    "member",
    "sender",
    "sender_region",
    "sender_organization",
    "receiver_organization",
    "receiver_region",
    "consent",
)

BOXES = ("incoming", "outgoing", "overdue")


def referral_list_for_user(user: Any) -> QuerySet[Referral]:
    """Every referral the user may see, with what a list row shows."""
    return Referral.objects.visible_to(user).select_related(*_RELATED)


def referral_get_for_user(user: Any, pk: Any) -> Referral:
    return get_visible_or_404(
        Referral.objects.select_related(
            *_RELATED,
            "household__worker",
            "received_by",
            "answered_by",
            "outcome_by",
            "previous",
            "application__project",
        ).prefetch_related(
            Prefetch("notes", queryset=ReferralNote.objects.select_related("author")),
            "attachments",
            "needs",
            "onward",
        ),
        user,
        pk=pk,
    )


def incoming_q(user: Any) -> Q:
    """What the user's side receives."""
    if user.is_administrator:
        return Q()
    if user.role == User.Role.CHARITY:
        return Q(receiver_organization__in=Organization.objects.filter(staff=user).values("pk"))
    if user.role == User.Role.CIVIL_AFFAIRS:
        return Q(direction=Direction.TO_CIVIL_AFFAIRS, receiver_region_id=user.region_id)
    if user.role == User.Role.SOCIAL_WORKER:
        return Q(direction=Direction.TO_STATION, receiver_region_id=user.region_id)
    return Q(pk__in=[])


def outgoing_q(user: Any) -> Q:
    """What the user's side sent: the organisation's, or the station's or department's."""
    if user.role == User.Role.CHARITY:
        return Q(sender_organization__in=Organization.objects.filter(staff=user).values("pk"))
    if user.region_id:
        return Q(sender_region_id=user.region_id) & ~Q(direction=Direction.TO_CIVIL_AFFAIRS)
    return Q(sender=user)


def box_for_user(user: Any, box: str) -> QuerySet[Referral]:
    """One of the inbox's tabs: incoming (open first), outgoing, or overdue (whatever the user
    may see that is past a deadline)."""
    referrals = referral_list_for_user(user)
    if box == "outgoing":
        return referrals.filter(outgoing_q(user))
    if box == "overdue":
        return referrals.overdue().order_by("received_due", "outcome_due", "pk")
    return referrals.filter(incoming_q(user))


def counts_for_user(user: Any) -> dict[str, int]:
    """The inbox's and the dashboard's figures, in one query (and one for a worker's cases)."""
    today = timezone.localdate()
    overdue = Q(status=S.SENT, received_due__lt=today) | Q(
        status__in=Referral.WAITING_FOR_OUTCOME, outcome_due__lt=today
    )
    open_ = Q(status__in=Referral.OPEN_STATUSES)
    figures = Referral.objects.visible_to(user).aggregate(
        incoming=Count("pk", filter=incoming_q(user) & open_),
        to_receive=Count("pk", filter=incoming_q(user) & Q(status=S.SENT)),
        outgoing=Count("pk", filter=outgoing_q(user) & open_),
        declined=Count("pk", filter=outgoing_q(user) & Q(status=S.DECLINED, onward__isnull=True)),
        overdue=Count("pk", filter=overdue),
    )
    figures["cases"] = (
        Case.objects.visible_to(user).filter(status=Case.Status.OPEN).count()
        if user.role in (User.Role.SOCIAL_WORKER, User.Role.CIVIL_AFFAIRS) or user.is_administrator
        else 0
    )
    return figures


# --- The charity receiver's view -------------------------------------------------------------


@dataclass(frozen=True)
class ReceiverCard:
    """What a charity receiving a referral may know of the person: the snapshot as sent, while
    the consent is in force; nothing personal once it was withdrawn or expired.

    The keys are pinned (``services.SNAPSHOT_*_FIELDS``)."""

    consented: bool
    person: dict[str, Any] = field(default_factory=dict)
    household: dict[str, Any] = field(default_factory=dict)
    needs: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""


def receiver_card(user: Any, referral: Referral) -> ReceiverCard:
    """The person as the user may see them on this referral (the consent is re-read here, at
    every request, with the referral)."""
    if not receiver_sees_person(user, referral):
        return ReceiverCard(consented=False)
    data = referral.snapshot_data()
    return ReceiverCard(
        consented=True,
        person=data.get("person", {}),
        household=data.get("household", {}),
        needs=data.get("needs", []),
        reason=referral.reason,
    )


# --- The household page and the forms --------------------------------------------------------


def household_referrals(user: Any, household_pk: Any) -> list[Referral]:
    return list(
        referral_list_for_user(user)
        .filter(household_id=household_pk)
        .prefetch_related("needs")
        .order_by("-sent_at", "-pk")
    )


def household_cases(user: Any, household_pk: Any) -> list[Case]:
    return list(
        Case.objects.visible_to(user)
        .filter(household_id=household_pk)
        .select_related("worker", "member", "referral")
        .order_by("-opened_at", "-pk")
    )


def receiver_choices(household: Household) -> QuerySet[Organization]:
    """Organisations a household can be referred to: those with staff on the platform,
    registered at a tier above the household (its county, city, province) or serving a region
    that holds it."""
    codes = [p.ljust(12, "0") for p in code_prefixes(household.region_id)[:3]]
    prefixes = code_prefixes(household.region_id)
    serving = Organization.objects.filter(
        service_regions__code__in=[p.ljust(12, "0") for p in prefixes]
    ).values("pk")
    return (
        Organization.objects.filter(staff__is_active=True)
        .filter(Q(registering_region_id__in=codes) | Q(pk__in=serving))
        .select_related("registering_region")
        .distinct()
        .order_by("registering_region_id", "name")
    )


# --- Cases -----------------------------------------------------------------------------------


def case_list_for_user(user: Any) -> QuerySet[Case]:
    return (
        Case.objects.visible_to(user)
        .select_related("household__region", "member", "worker", "referral", "station")
        .annotate(goal_count=Count("goals"))
        .order_by("status", "-opened_at", "-pk")
    )


def case_get_for_user(user: Any, pk: Any) -> Case:
    return get_visible_or_404(
        Case.objects.select_related(
            "household__region",
            "household__worker",
            "member",
            "worker",
            "opened_by",
            "closed_by",
            "referral__sender",
            "station",
        ).prefetch_related(
            Prefetch("goals", queryset=CaseGoal.objects.order_by("due_on", "pk")),
            Prefetch("notes", queryset=CaseNote.objects.select_related("author")),
        ),
        user,
        pk=pk,
    )
