"""The daily follow-up of applications (beat: config/settings.py, Asia/Shanghai).

Every step is claimed on the application's own row by a conditional update (``reminded_at``,
``escalated_at``, the status, ``feedback_reminded_at``), in the same transaction as its
notification: a second run on the same day, or a concurrent one, finds nothing left to claim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .models import (
    ESCALATE_AFTER,
    EXPIRE_AFTER,
    FEEDBACK_REMIND_EVERY,
    REMIND_AFTER,
    Application,
    Feedback,
)
from .services import county_officers, household_side, supplier_side, tell

S = Application.Status


@dataclass
class FollowUp:
    expired: int = 0
    escalated: int = 0
    reminded: int = 0
    feedback_reminders: int = 0


def _pending(ids: list[int]):
    return Application.objects.filter(pk__in=ids).select_related(
        "household__worker", "created_by", "organization", "project", "need"
    )


def _expire(now: dt.datetime) -> int:
    """30 days without an answer: expired, the household's worker told. Oldest first, so a
    late run expires before it would remind or escalate."""
    ids = list(
        Application.objects.filter(
            status=S.SUBMITTED, submitted_at__lte=now - EXPIRE_AFTER
        ).values_list("pk", flat=True)
    )
    return sum(services.application_expire(application=a, now=now) for a in _pending(ids))


def _escalate(now: dt.datetime) -> int:
    """20 days without an answer: the county civil affairs is told, once."""
    ids = list(
        Application.objects.filter(
            status=S.SUBMITTED,
            submitted_at__lte=now - ESCALATE_AFTER,
            escalated_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    done = 0
    for application in _pending(ids):
        with transaction.atomic():
            claimed = Application.objects.filter(
                pk=application.pk, status=S.SUBMITTED, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            tell(
                county_officers(application),
                _("Application %(number)s has waited 20 days for %(organization)s")
                % {"number": application.number, "organization": application.organization.name},
                application,
                body=_("Please follow up with the supplier; it expires after 30 days."),
            )
            done += 1
    return done


def _remind(now: dt.datetime) -> int:
    """10 days without an answer: the supplier is reminded, once."""
    ids = list(
        Application.objects.filter(
            status=S.SUBMITTED,
            submitted_at__lte=now - REMIND_AFTER,
            reminded_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    done = 0
    for application in _pending(ids):
        with transaction.atomic():
            claimed = Application.objects.filter(
                pk=application.pk, status=S.SUBMITTED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            tell(
                supplier_side(application),
                _("Reminder: application %(number)s has waited 10 days for your answer")
                % {"number": application.number},
                application,
            )
            done += 1
    return done


def _remind_feedback(now: dt.datetime) -> int:
    """Delivered without both sides' feedback: remind the side still missing, every week."""
    due = now - FEEDBACK_REMIND_EVERY
    rows = (
        Application.objects.filter(status=S.DELIVERED)
        .filter(Q(feedback_reminded_at__isnull=True) | Q(feedback_reminded_at__lte=due))
        .filter(status_changed_at__lte=due)
        .annotate(
            household_given=Count("feedback", filter=Q(feedback__side=Feedback.Side.HOUSEHOLD)),
            supplier_given=Count("feedback", filter=Q(feedback__side=Feedback.Side.SUPPLIER)),
        )
        .values_list("pk", "household_given", "supplier_given", "feedback_reminded_at")
    )
    done = 0
    for pk, household_given, supplier_given, last in rows:
        application = _pending([pk]).first()
        with transaction.atomic():
            claimed = Application.objects.filter(
                pk=pk, status=S.DELIVERED, feedback_reminded_at=last
            ).update(feedback_reminded_at=now)
            if not claimed:
                continue
            recipients = []
            if not household_given:
                recipients += household_side(application)
            if not supplier_given:
                recipients += supplier_side(application)
            tell(
                recipients,
                _("Feedback after aid is due for application %(number)s")
                % {"number": application.number},
                application,
            )
            done += 1
    return done


def follow_up(*, now: dt.datetime | None = None) -> FollowUp:
    now = now or timezone.now()
    result = FollowUp()
    result.expired = _expire(now)
    result.escalated = _escalate(now)
    result.reminded = _remind(now)
    result.feedback_reminders = _remind_feedback(now)
    return result


def figures_refresh(*, now: dt.datetime | None = None) -> int:
    """Nightly: every organisation's matching figures recomputed over the twelve months before
    ``now`` (answers between two runs update their organisation at once; this moves the window
    and repairs anything written around the services). Idempotent: a second run writes the
    same rows."""
    return services.organization_figures_refresh(now=now or timezone.now())
