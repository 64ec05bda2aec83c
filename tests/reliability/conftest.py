"""Shared by the reliability tests: services they need (PostgreSQL, Redis, pg_dump) are skipped
with the reason when missing, except with AIDBRIDGE_REQUIRE_SERVICES=1 (CI), where a missing
service is a failure (as in tests/reports/test_celery_worker.py)."""

from __future__ import annotations

import os

import pytest
from django.db import connection


def require(missing: list[str]) -> None:
    """Skip (or, in CI, fail) when anything in ``missing`` is missing."""
    if not missing:
        return
    message = "needs " + " and ".join(missing)
    if os.environ.get("AIDBRIDGE_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def on_postgresql() -> list[str]:
    return [] if connection.vendor == "postgresql" else ["PostgreSQL (DATABASE_URL)"]
