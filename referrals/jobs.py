"""The daily follow-up of referrals (beat: config/settings.py, Asia/Shanghai).

Two deadlines are fixed when a referral is sent (``received_due``: the working days of
``REFERRAL_RECEIPT_WORKING_DAYS`` on the Chinese calendar, weekends and public holidays left
out; ``outcome_due``: ``REFERRAL_OUTCOME_DAYS`` later). The job

* reminds the receiver of a referral still not received after its receipt deadline, once;
* tells the civil affairs of the subject's region (those above the county when the county is
  the receiver) about a referral without an outcome after its outcome deadline, once, and the
  receiver and the sender with them.

Every step is claimed on the referral's own row by a conditional update (``reminded_at``,
``escalated_at``, with the status), in the same transaction as its notification: a second run
on the same day, or a concurrent one, finds nothing left to claim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Referral
from .services import escalation_side, receiver_side, sender_side, tell

S = Referral.Status


@dataclass
class FollowUp:
    reminded: int = 0
    escalated: int = 0


def _rows(ids: list[int]):
    return Referral.objects.filter(pk__in=ids).select_related(
        "sender",
        "sender_organization",
        "receiver_organization",
        "receiver_region",
        "household",
    )


def _remind(now: dt.datetime, today: dt.date) -> int:
    """Not received by the receipt deadline: the receiver is reminded, once."""
    ids = list(
        Referral.objects.filter(
            status=S.SENT, received_due__lt=today, reminded_at__isnull=True
        ).values_list("pk", flat=True)
    )
    done = 0
    for referral in _rows(ids):
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk, status=S.SENT, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            tell(
                receiver_side(referral),
                _("Reminder: referral %(number)s was to be received by %(day)s")
                % {"number": referral.number, "day": referral.received_due.isoformat()},
                referral,
                body=_("Please confirm receipt, then accept or decline it."),
            )
            done += 1
    return done


def _escalate(now: dt.datetime, today: dt.date) -> int:
    """No outcome by the outcome deadline: the civil affairs of the subject's region are told,
    once (and the receiver and the sender)."""
    ids = list(
        Referral.objects.filter(
            status__in=Referral.WAITING_FOR_OUTCOME,
            outcome_due__lt=today,
            escalated_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    done = 0
    for referral in _rows(ids):
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk,
                status__in=Referral.WAITING_FOR_OUTCOME,
                escalated_at__isnull=True,
            ).update(escalated_at=now)
            if not claimed:
                continue
            title = _("Referral %(number)s has no outcome after its deadline (%(day)s)") % {
                "number": referral.number,
                "day": referral.outcome_due.isoformat(),
            }
            tell(
                escalation_side(referral),
                title,
                referral,
                body=_("Please follow up with %(receiver)s.")
                % {
                    "receiver": referral.receiver_organization.name
                    if referral.receiver_organization_id
                    else referral.receiver_region.name
                },
            )
            tell(receiver_side(referral) + sender_side(referral), title, referral)
            done += 1
    return done


def follow_up(*, now: dt.datetime | None = None) -> FollowUp:
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = FollowUp()
    result.reminded = _remind(now, today)
    result.escalated = _escalate(now, today)
    return result
