"""Scheduled work of the supply ledger (beat schedule in config/settings.py, Asia/Shanghai).

Every task is idempotent: a unique edition per period, and one Reminder row per kind, period
and subject claimed before anything is sent, so a retry or a second beat tick does nothing.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import jobs
from .periods import next_period, period_of


@shared_task(acks_late=True)
def publish_edition(period: str | None = None) -> int:
    """1 January and 1 July, 02:00: publish the half year that starts that day."""
    from .editions import edition_publish

    return edition_publish(period=period or period_of(timezone.localdate())).pk


@shared_task(acks_late=True, expires=12 * 3600)
def catch_up_edition(day: str | None = None) -> int | None:
    """Daily: publish the current half year's edition if its tick was missed (else nothing)."""
    return jobs.edition_catch_up(day=dt.date.fromisoformat(day) if day else timezone.localdate())


@shared_task(acks_late=True)
def notify_stations_of_edition(edition_id: int) -> int:
    return jobs.stations_notify(edition_id=edition_id)


@shared_task(acks_late=True)
def remind_suppliers(period: str | None = None) -> int:
    """30 days before each edition: ask every organisation to confirm or update its listings."""
    today = timezone.localdate()
    return jobs.suppliers_remind(period=period or next_period(period_of(today)))


@shared_task(acks_late=True, expires=12 * 3600)
def flag_stale_listings(day: str | None = None) -> int:
    """Daily: stale listings and overdue disclosures, to the charity and its tier."""
    return jobs.stale_listings_flag(day=dt.date.fromisoformat(day) if day else timezone.localdate())
