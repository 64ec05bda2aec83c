"""Run the daily early-warning job now (the beat runs it at 02:30): every enabled rule in the
database, the new signals told to the workers and the county. Safe to run again."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from oversight import risk


class Command(BaseCommand):
    help = "Compute the risk signals now (idempotent; the daily job runs at 02:30)."

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        result = risk.run()
        for rule, n in result.fired.items():
            self.stdout.write(f"{rule}: {n} fired, {result.closed.get(rule, 0)} closed")
        self.stdout.write(
            f"new today: {result.new}; notifications: {result.notified}; "
            f"{time.perf_counter() - start:.1f} s"
        )
