"""Reads of complaints: the officers' scoped lists and detail, the complainant's view by
tracking code (status and reply, nothing else), the dashboard counts and the yearly figures
the annual evaluation reads (``complaint_figures``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q
from django.utils import timezone

from accounts.models import Region
from accounts.scope import get_visible_or_404

from . import conf
from .models import Complaint
from .services import throttle, tracking_code_normalize, tracking_index

S = Complaint.Status
FILTERS = ("open", "received", "investigating", "concluded", "overdue", "all")


def complaint_list_for_user(user: Any, status: str = "open") -> models.QuerySet[Complaint]:
    """The complaints of the user's departments (and below), newest first; the staff a
    complaint names never see it."""
    found = Complaint.objects.visible_to(user).select_related(
        "region", "project", "organization", "application"
    )
    if status == "open":
        found = found.open()
    elif status == "overdue":
        found = found.overdue()
    elif status in S.values:
        found = found.filter(status=status)
    return found


def complaint_get_for_user(user: Any, pk: Any) -> Complaint:
    return get_visible_or_404(
        Complaint.objects.select_related(
            "region__parent",
            "project__organization",
            "organization",
            "application__household__region",
            "handler",
        ),
        user,
        pk=pk,
    )


def complaint_counts_for_user(user: Any) -> dict[str, int]:
    today = timezone.localdate()
    return Complaint.objects.visible_to(user).aggregate(
        open=Count("pk", filter=~Q(status=S.CONCLUDED)),
        received=Count("pk", filter=Q(status=S.RECEIVED)),
        overdue=Count("pk", filter=~Q(status=S.CONCLUDED) & Q(due_on__lt=today)),
    )


# --- The complainant -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tracked:
    """All the complainant reads of a complaint: its status and, once concluded, the reply."""

    status: str
    status_label: str
    due_on: dt.date
    concluded_on: dt.date | None
    reply: str


def complaint_track(*, code: str, client_address: str | None) -> Tracked | None:
    """The complaint of a tracking code, or None (also for a malformed code). Each client
    address tries a limited number of codes an hour (``services.Throttled``)."""
    normalized = tracking_code_normalize(code)
    throttle(
        scope="complaint_track",
        client_address=client_address,
        item=normalized or str(code)[:40],
        limit=conf.lookups_per_hour(),
    )
    if normalized is None:
        return None
    row = (
        Complaint.objects.filter(tracking_index=tracking_index(normalized))
        .only("status", "due_on", "concluded_at", "reply")
        .first()
    )
    if row is None:
        return None
    concluded = row.status == S.CONCLUDED
    return Tracked(
        status=row.status,
        status_label=str(row.get_status_display()),
        due_on=row.due_on,
        concluded_on=timezone.localdate(row.concluded_at) if row.concluded_at else None,
        reply=row.reply if concluded else "",
    )


# --- Figures for the annual evaluation -------------------------------------------------------


def complaint_figures(region: Region | str, year: int) -> dict[str, Any]:
    """Complaints received in ``year`` by the civil affairs of ``region`` and below: how many,
    how many concluded (within the 15 working days or late), still open, upheld in whole or in
    part, and the time from receipt to conclusion (mean and longest, in days). One query.

    ``region`` is a Region or its 12-digit code; the year runs in local (Asia/Shanghai) time.
    """
    if not isinstance(region, Region):
        region = Region.objects.get(pk=region)
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, 1, 1, tzinfo=tz)
    end = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    rows = Complaint.objects.filter(
        region__code__startswith=region.prefix, received_at__gte=start, received_at__lt=end
    )
    concluded = Q(status=S.CONCLUDED)
    taken = ExpressionWrapper(F("concluded_at") - F("received_at"), output_field=DurationField())
    figures = rows.aggregate(
        received=Count("pk"),
        concluded=Count("pk", filter=concluded),
        # concluded_at is an instant, due_on a local day: the local day it was concluded.
        concluded_in_time=Count("pk", filter=concluded & Q(concluded_at__date__lte=F("due_on"))),
        open=Count("pk", filter=~concluded),
        upheld=Count(
            "pk",
            filter=Q(finding__in=[Complaint.Finding.UPHELD, Complaint.Finding.PARTLY_UPHELD]),
        ),
        mean_time=Avg(taken, filter=concluded),
        longest_time=Max(taken, filter=concluded),
    )
    figures["concluded_late"] = figures["concluded"] - figures["concluded_in_time"]
    for key in ("mean_time", "longest_time"):
        value = figures.pop(key)
        figures[key.replace("_time", "_days")] = (
            round(value.total_seconds() / 86400, 1) if value is not None else None
        )
    by_kind = dict(
        rows.values_list("subject_kind").annotate(n=Count("pk")).order_by("subject_kind")
    )
    figures["by_subject"] = {kind: by_kind.get(kind, 0) for kind in Complaint.Subject.values}
    return figures
