"""Integration: real ``celery worker`` processes on the local Redis build an evaluation; one is
killed with SIGKILL half-way through, which leaves no half evaluation, and the build is handed
to another worker once its lease runs out.

Needs PostgreSQL (the workers must see the test database from another process) and Redis.
Where they are missing the test is skipped with the reason, except with
AIDBRIDGE_REQUIRE_SERVICES=1 (CI), where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from reports import services
from reports.models import AnnualEvaluation, EvaluationBuild, ReportExport
from reports.tasks import build_evaluation

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("AIDBRIDGE_REPORTS_TEST_BROKER", "redis://127.0.0.1:6379/15")


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


class Workers:
    """Starts worker processes on one queue; stops them all at the end."""

    def __init__(self, queue: str, env: dict[str, str]) -> None:
        self.queue, self.env, self.processes = queue, env, []

    def start(self, *command: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        return process

    def send(self, build_id: int) -> None:
        # On an explicit connection to this broker: the app may hold a producer pool for
        # another broker (CI configures one), which a changed broker_url does not reset.
        with app.connection_for_write(BROKER) as connection_:
            build_evaluation.apply_async(args=[build_id], queue=self.queue, connection=connection_)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
            try:
                output, _ = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
            print(output[-3000:])  # shown when the test fails


@pytest.fixture
def workers(services_available, tmp_path):
    queue = f"aidbridge-reports-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    database_url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "REPORTS_TEST_MARKER": str(tmp_path / "half-way"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    pool = Workers(queue, env)
    try:
        yield pool
    finally:
        app.conf.update(saved)
        pool.stop()


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what} (see the workers' output above)")


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_a_worker_killed_mid_build_leaves_no_half_evaluation_and_another_finishes_it(
    workers, regions, administrator, tmp_path
):
    build = EvaluationBuild.objects.create(
        region=regions["county_a"], year=2025, requested_by=administrator
    )
    marker = Path(workers.env["REPORTS_TEST_MARKER"])
    doomed = workers.start("tests/reports/slow_worker.py", workers.queue)
    workers.send(build.pk)
    _wait(marker.exists, 90, "the build to be half-way")
    build.refresh_from_db()
    assert build.claimed_at is not None and 40 <= build.progress < 100

    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert doomed.returncode == -signal.SIGKILL

    # Nothing half-written: no evaluation, no file row, no file; the build still open.
    assert not AnnualEvaluation.objects.exists()
    assert not ReportExport.objects.exists()
    assert _files(Path(settings.MEDIA_ROOT)) == []
    build.refresh_from_db()
    assert build.finished_at is None and build.evaluation is None

    # While the dead worker's lease runs, nothing is handed out again...
    assert services.builds_resume() == []
    # ...and once it has run out, the sweep hands the build to another worker.
    EvaluationBuild.objects.filter(pk=build.pk).update(
        claimed_at=build.claimed_at - services.LEASE - dt.timedelta(seconds=1)
    )
    workers.start(
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        workers.queue,
        "--pool",
        "solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
    )
    sent: list[int] = []
    original = build_evaluation.delay_on_commit
    build_evaluation.delay_on_commit = lambda build_id: (
        sent.append(build_id),
        workers.send(build_id),
    )
    try:
        assert services.builds_resume() == [build.pk]
    finally:
        build_evaluation.delay_on_commit = original
    assert sent == [build.pk]
    _wait(
        lambda: EvaluationBuild.objects.filter(pk=build.pk, finished_at__isnull=False).exists(),
        120,
        "the second worker to finish the build",
    )
    evaluation = AnnualEvaluation.objects.get()
    assert (evaluation.region_id, evaluation.year, evaluation.version) == (
        regions["county_a"].code,
        2025,
        1,
    )
    assert sorted(evaluation.exports.values_list("kind", flat=True)) == ["csv", "pdf", "xlsx"]
    assert all(export.is_ready for export in evaluation.exports.all())
    assert EvaluationBuild.objects.get(pk=build.pk).attempts == 2
