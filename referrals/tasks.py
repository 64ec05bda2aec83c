"""Scheduled work of referrals (beat schedule in config/settings.py, Asia/Shanghai)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from . import jobs


@shared_task(acks_late=True, expires=12 * 3600)
def follow_up_referrals() -> dict[str, int]:
    """Daily: remind the receiver of a referral not received within the working days allowed;
    tell the civil affairs of the subject's region about one without an outcome after the days
    allowed. Idempotent: each step is claimed once."""
    return asdict(jobs.follow_up())
