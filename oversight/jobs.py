"""The daily follow-up of complaints (beat: config/settings.py, Asia/Shanghai).

Two days are fixed when a complaint is filed, counted in working days on the Chinese calendar
(``referrals.workdays``: weekends, public holidays and 调休): ``remind_on`` and ``due_on`` (the
15 working days to reply). The job

* reminds the department (and the handler) of a complaint still open on its reminder day, once;
* tells the civil affairs of the department above about a complaint still open after its
  deadline, once, and the department with them.

Every step is claimed on the complaint's own row by a conditional update (``reminded_at``,
``escalated_at``, with the status), in the same transaction as its notification: a second run
on the same day, or a concurrent one, finds nothing left to claim. The staff a complaint names
are never told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Complaint
from .services import department_officers, escalation_officers, tell

S = Complaint.Status


@dataclass
class FollowUp:
    reminded: int = 0
    escalated: int = 0


def _rows(ids: list[int]):
    return Complaint.objects.filter(pk__in=ids).select_related("region__parent", "handler")


def _remind(now: dt.datetime, today: dt.date) -> int:
    ids = list(
        Complaint.objects.open()
        .filter(remind_on__lte=today, reminded_at__isnull=True)
        .values_list("pk", flat=True)
    )
    done = 0
    for complaint in _rows(ids):
        with transaction.atomic():
            claimed = (
                Complaint.objects.open()
                .filter(pk=complaint.pk, reminded_at__isnull=True)
                .update(reminded_at=now)
            )
            if not claimed:
                continue
            recipients = department_officers(complaint)
            if complaint.handler_id:
                recipients.append(complaint.handler)
            tell(
                recipients,
                _("Reminder: complaint %(number)s is to be answered by %(day)s")
                % {"number": complaint.number, "day": complaint.due_on.isoformat()},
                complaint,
                body=_("Conclude the investigation and write the reply to the complainant."),
            )
            done += 1
    return done


def _escalate(now: dt.datetime, today: dt.date) -> int:
    ids = list(
        Complaint.objects.open()
        .filter(due_on__lt=today, escalated_at__isnull=True)
        .values_list("pk", flat=True)
    )
    done = 0
    for complaint in _rows(ids):
        with transaction.atomic():
            claimed = (
                Complaint.objects.open()
                .filter(pk=complaint.pk, escalated_at__isnull=True)
                .update(escalated_at=now)
            )
            if not claimed:
                continue
            title = _("Complaint %(number)s has no reply after its deadline (%(day)s)") % {
                "number": complaint.number,
                "day": complaint.due_on.isoformat(),
            }
            tell(
                escalation_officers(complaint),
                title,
                complaint,
                body=_("Please follow up with %(department)s civil affairs.")
                % {"department": complaint.region.name},
            )
            tell(department_officers(complaint), title, complaint)
            done += 1
    return done


def follow_up(*, now: dt.datetime | None = None) -> FollowUp:
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = FollowUp()
    result.reminded = _remind(now, today)
    result.escalated = _escalate(now, today)
    return result
