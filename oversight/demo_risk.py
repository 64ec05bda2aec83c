"""Demo of risk early warning, loaded by ``oversight.demo.seed``: the daily job run once on the
demo ledger (its back-dated visits, needs, statuses and consents make a few rules fire), so the
signals list, the dashboard card and the notifications have something to show. A second run
the same day changes nothing (the job is idempotent)."""

from __future__ import annotations

from typing import TextIO

from django.core.management.base import OutputWrapper

from . import risk
from .models import RiskSignal


def seed(*, stdout: OutputWrapper | TextIO) -> None:
    result = risk.run()
    open_ = RiskSignal.objects.open()
    by_rule = ", ".join(f"{rule} {n}" for rule, n in sorted(result.fired.items()) if n)
    stdout.write(
        f"risk early warning: {open_.count()} open signals ({by_rule or 'none'}); "
        f"{result.notified} notifications\n"
    )
