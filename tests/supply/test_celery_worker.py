"""Integration: a real ``celery worker`` process, on the local Redis, publishes an edition.

It needs PostgreSQL (the worker must see the test database from another process) and Redis.
Where they are missing the test is skipped with the reason, except with
AIDBRIDGE_REQUIRE_SERVICES=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Notification
from config.celery import app
from supply.models import LedgerEdition
from supply.tasks import publish_edition

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("AIDBRIDGE_TEST_BROKER", "redis://127.0.0.1:6379/14")


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def services_available(transactional_db):
    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if not _redis_up():
        missing.append(f"Redis at {BROKER}")
    if missing:
        message = "needs " + " and ".join(missing)
        if os.environ.get("AIDBRIDGE_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def worker(services_available):
    queue = f"aidbridge-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    database_url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = {
        key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    app.conf.update(broker_url=BROKER, task_always_eager=False, task_default_queue=queue)
    try:
        yield queue
    finally:
        app.conf.update(saved)
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-4000:])  # shown when the test fails


def test_a_real_worker_publishes_an_edition_and_tells_the_stations(worker, published, colleague):
    # On an explicit connection to the worker's broker: the app may already hold a producer
    # pool for another broker (CI configures one), which a changed broker_url does not reset.
    with app.connection_for_write(BROKER) as connection_:
        publish_edition.apply_async(
            kwargs={"period": "2026-H2"}, queue=worker, connection=connection_
        )

    deadline = time.monotonic() + 90
    edition = None
    while time.monotonic() < deadline:
        edition = LedgerEdition.objects.filter(
            period="2026-H2", stations_notified_at__isnull=False
        ).first()
        if edition is not None:
            break
        time.sleep(0.5)
    assert edition is not None, "the worker did not publish (see its output above)"
    assert edition.entry_count == 1 and edition.workbook_sha256
    assert Notification.objects.filter(recipient=colleague, kind="ledger_edition").count() == 1
