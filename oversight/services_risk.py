"""Writes of risk early warning: a person resolves a signal with a note; the daily job tells the
people concerned about the day's new signals (one notification per recipient per day).

The signals themselves are written by the daily job (``oversight.risk.run``), set-based."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Left
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Notification, User
from accounts.services import notify

from .models import RiskSignal

NOTIFICATION_KIND = "risk_signal"


class RiskSignalError(ValidationError):
    """A refused action on a signal; ``code`` says which (``note_required``, ``conflict``)."""

    def __init__(self, message: Any, code: str | None = None, params: Any = None) -> None:
        super().__init__(message, code, params)
        self.code = code


@transaction.atomic
def risk_signal_resolve(*, user: Any, signal: RiskSignal, note: str) -> RiskSignal:
    """Resolve an open signal with a note saying what was done (required). The caller has
    fetched the signal in the user's scope. A signal resolved meanwhile (by a colleague, or
    closed by the job) is refused (``conflict``)."""
    note = (note or "").strip()
    if not note:
        raise RiskSignalError(
            {"note": [_("Say what was done about this signal.")]}, code="note_required"
        )
    now = timezone.now()
    updated = RiskSignal.objects.filter(pk=signal.pk, status=RiskSignal.Status.OPEN).update(
        status=RiskSignal.Status.RESOLVED,
        resolved_at=now,
        resolved_by=user,
        resolution_note=note,
    )
    if not updated:
        raise RiskSignalError(
            {"note": [_("This signal has already been resolved.")]}, code="conflict"
        )
    signal.refresh_from_db()
    return signal


def _county_code(region_code: str) -> str:
    # The civil affairs of a household's county: its code's first six digits (a township
    # directly under a city, as in Dongguan, gives the city itself).
    return region_code[:6].ljust(12, "0")


def risk_signals_notify(*, today: dt.date) -> tuple[int, int]:
    """Tell the responsible social worker of each household and the civil affairs of its county
    how many signals fired for the first time today: one notification per recipient per day,
    whatever the number of signals (a second run the same day tells nobody again). Returns the
    new signals and the notifications sent. A constant number of queries."""
    new = RiskSignal.objects.filter(first_fired_on=today)
    counts: dict[int, int] = defaultdict(int)
    for worker_id, n in new.values_list("household__worker_id").annotate(n=Count("id")).order_by():
        counts[worker_id] += n
    by_county = dict(
        new.annotate(county=Left("region_code", 6))
        .values_list("county")
        .annotate(n=Count("id"))
        .order_by()
    )
    officers = User.objects.filter(
        role=User.Role.CIVIL_AFFAIRS,
        is_active=True,
        region_id__in=[_county_code(c) for c in by_county],
    ).values_list("pk", "region_id")
    for pk, region_id in officers:
        counts[pk] += by_county[region_id[:6]]
    total = sum(by_county.values())
    if not counts:
        return total, 0
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    told = set(
        Notification.objects.filter(
            kind=NOTIFICATION_KIND, created_at__gte=start, recipient_id__in=list(counts)
        ).values_list("recipient_id", flat=True)
    )
    groups: dict[int, list[int]] = defaultdict(list)
    for pk, n in counts.items():
        if pk not in told:
            groups[n].append(pk)
    url = reverse("oversight:risk_signal_list")
    sent = 0
    for n, pks in groups.items():
        recipients = User.objects.filter(pk__in=pks, is_active=True)
        sent += len(
            notify(
                recipients=recipients,
                title=ngettext(
                    "%(count)s new risk signal today", "%(count)s new risk signals today", n
                )
                % {"count": n},
                body=_("Open the list of risk signals to see the facts and resolve them."),
                url=url,
                kind=NOTIFICATION_KIND,
            )
        )
    return total, sent
