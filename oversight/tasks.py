"""Scheduled work of oversight (beat schedule in config/settings.py, Asia/Shanghai)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from . import jobs


@shared_task(acks_late=True, expires=12 * 3600)
def follow_up_complaints() -> dict[str, int]:
    """Daily: remind the department of a complaint still open on its reminder day; tell the
    department above about one without a reply after its 15 working days. Idempotent: each
    step is claimed once."""
    return asdict(jobs.follow_up())


@shared_task(acks_late=True, expires=12 * 3600)
def compute_risk_signals() -> dict[str, object]:
    """Daily: apply every enabled early-warning rule in the database and tell the people
    concerned about the new signals (``oversight.risk``). Idempotent: run again the same day,
    it updates what it saw and tells nobody twice."""
    from . import risk

    return asdict(risk.run())


@shared_task(acks_late=True, expires=12 * 3600)
def match_waiting_aid_records() -> dict[str, int]:
    """Daily: match member units' records still waiting to the ledger members recorded since.
    Idempotent: each record moves once, by a conditional update."""
    from . import aid_records

    return asdict(aid_records.match_waiting())
