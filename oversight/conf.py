"""The knobs of complaints, overridable in settings (``COMPLAINT_*``)."""

from __future__ import annotations

from django.conf import settings


def reply_working_days() -> int:
    """Working days to conclude a complaint with a reply (the policy's 15)."""
    return getattr(settings, "COMPLAINT_REPLY_WORKING_DAYS", 15)


def reminder_working_days() -> int:
    """Working days after receipt when the department is reminded of an open complaint."""
    return getattr(settings, "COMPLAINT_REMINDER_WORKING_DAYS", 10)


def filings_per_hour() -> int:
    """Complaints one client address may file in an hour."""
    return getattr(settings, "COMPLAINT_FILINGS_PER_HOUR", 5)


def lookups_per_hour() -> int:
    """Tracking codes one client address may try in an hour."""
    return getattr(settings, "COMPLAINT_LOOKUPS_PER_HOUR", 20)
