"""Scheduled work of matching (beat schedule in config/settings.py, Asia/Shanghai)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from . import jobs


@shared_task(acks_late=True, expires=12 * 3600)
def follow_up_applications() -> dict[str, int]:
    """Daily: remind suppliers (10 days), escalate to the county (20), expire (30); ask for
    feedback after delivery every week until given. Idempotent: each step is claimed once."""
    return asdict(jobs.follow_up())


@shared_task(acks_late=True, expires=12 * 3600)
def refresh_organization_figures() -> int:
    """Nightly: recompute every organisation's matching figures (acceptance rate, answer time,
    satisfaction) that the candidate search ranks by. Idempotent."""
    return jobs.figures_refresh()
