"""A real ``celery worker`` killed with SIGKILL at the worst moment of the two long jobs —
publishing the supply ledger edition and building an annual evaluation — after their rows and
files are written and before the transaction commits. After a worker is started again:

- the edition: Redis hands the unacknowledged task to the new worker (acks late), which
  publishes the edition once; exactly one edition of the period exists, its workbook is
  byte-identical to a clean run's, and the media folder holds no file of the dead attempt;
- the evaluation: once the dead worker's lease has run out the sweep hands the build out again;
  exactly one version exists, its three files equal a clean run's (the workbook and CSV byte for
  byte, the PDF by its text), and no file of the dead attempt is left.

Needs PostgreSQL (the workers see the test database from other processes) and Redis (database 6
unless AIDBRIDGE_RELIABILITY_BROKER says otherwise); skipped without them, a failure in CI
(AIDBRIDGE_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from config.celery import app
from reports import services as report_services
from reports.models import AnnualEvaluation, EvaluationBuild
from reports.tasks import build_evaluation
from supply.editions import edition_publish
from supply.models import LedgerEdition
from supply.periods import period_of
from supply.tasks import publish_edition

from ..reports.conftest import populate
from .conftest import on_postgresql, require

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("AIDBRIDGE_RELIABILITY_BROKER", "redis://127.0.0.1:6379/6")
#: Seconds after which Redis hands a dead worker's unacknowledged task to another worker.
VISIBILITY_TIMEOUT = 3


def _redis_missing() -> list[str]:
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return [f"Redis at {BROKER}"]
    return []


class Workers:
    """Worker processes on a queue of their own; all stopped at the end."""

    def __init__(self, queue: str, env: dict[str, str]) -> None:
        self.queue, self.env, self.processes = queue, env, []

    def start(self, **extra_env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "tests/reliability/hanging_worker.py", self.queue],
            cwd=ROOT,
            env={**self.env, **extra_env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        return process

    def send(self, task, *args) -> None:
        # On an explicit connection to this broker: the app may hold a producer pool for
        # another broker (CI configures one), which a changed broker_url does not reset.
        with app.connection_for_write(BROKER) as connection_:
            task.apply_async(args=list(args), queue=self.queue, connection=connection_)

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
def workers(transactional_db, tmp_path):
    require(on_postgresql() + _redis_missing())
    queue = f"aidbridge-reliability-{uuid.uuid4().hex[:8]}"
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
        "EMAIL_URL": "consolemail://",
        "AIDBRIDGE_HANG_MARKER": str(tmp_path / "hanging"),
        "AIDBRIDGE_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
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


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by its path inside it."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _kill_when_hanging(workers: Workers, doomed: subprocess.Popen) -> None:
    marker = Path(workers.env["AIDBRIDGE_HANG_MARKER"])
    _wait(marker.exists, 120, "the worker to hang before its commit")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert doomed.returncode == -signal.SIGKILL


def _pdf_text(data: bytes) -> str:
    """The PDF's text, its "figures frozen on" minute masked: the clean run and the restarted
    one are built at different times, the rest must be equal."""
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"(?:\d{4}-\s*)?\d{2}-\d{2}\s+\d{2}:\d{2}", "<built at>", text)


def test_an_edition_whose_worker_was_killed_before_its_commit_is_published_once_as_a_clean_run(
    workers, regions, tmp_path
):
    populate(regions)
    period = period_of(timezone.localdate())

    # A clean run, in this process, rolled back, its file written to a folder of its own.
    clean_media = tmp_path / "clean"
    with override_settings(MEDIA_ROOT=clean_media), transaction.atomic():
        clean = edition_publish(period=period)
        clean_workbook = Path(clean.workbook.path).read_bytes()
        clean_figures = (
            clean.content_sha256,
            clean.workbook_sha256,
            clean.entry_count,
            list(clean.entries.order_by("pk").values_list("project_id", "snapshot_sha256")),
        )
        transaction.set_rollback(True)
    assert clean_figures[2] > 0
    assert not LedgerEdition.objects.filter(period=period).exists()

    doomed = workers.start(AIDBRIDGE_HANG_AT="edition")
    workers.send(publish_edition, period)
    _kill_when_hanging(workers, doomed)
    # The transaction died with the worker.
    assert not LedgerEdition.objects.filter(period=period).exists()

    # A new worker gets the task again from Redis (acks late) and publishes.
    workers.start()
    _wait(
        lambda: LedgerEdition.objects.filter(period=period).exists(),
        90,
        "the new worker to publish the edition",
    )
    edition = LedgerEdition.objects.get(period=period)
    assert (
        edition.content_sha256,
        edition.workbook_sha256,
        edition.entry_count,
        list(edition.entries.order_by("pk").values_list("project_id", "snapshot_sha256")),
    ) == clean_figures
    media = Path(settings.MEDIA_ROOT)
    assert _files(media) == {edition.workbook.name: clean_workbook}

    # Sent again (a second tick, the daily catch-up): still one edition, no new file.
    workers.send(publish_edition, period)
    time.sleep(3)
    assert LedgerEdition.objects.filter(period=period).count() == 1
    assert _files(media) == {edition.workbook.name: clean_workbook}


def test_an_evaluation_whose_worker_was_killed_before_its_commit_is_built_once_as_a_clean_run(
    workers, regions, administrator, tmp_path
):
    populate(regions)
    county = regions["county_a"]

    # A clean run, in this process (the real PDF renderer), rolled back.
    clean_media = tmp_path / "clean"
    with override_settings(MEDIA_ROOT=clean_media), transaction.atomic():
        build = EvaluationBuild.objects.create(region=county, year=2025, requested_by=administrator)
        evaluation = report_services.build_run(build_id=build.pk)
        clean_files = {
            export.kind: Path(export.file.path).read_bytes() for export in evaluation.exports.all()
        }
        clean_metrics = evaluation.metrics_sha256
        transaction.set_rollback(True)
    assert sorted(clean_files) == ["csv", "pdf", "xlsx"]
    assert not AnnualEvaluation.objects.exists()

    build = EvaluationBuild.objects.create(region=county, year=2025, requested_by=administrator)
    doomed = workers.start(AIDBRIDGE_HANG_AT="evaluation")
    workers.send(build_evaluation, build.pk)
    _kill_when_hanging(workers, doomed)
    assert not AnnualEvaluation.objects.exists()  # the transaction died with the worker
    build.refresh_from_db()
    assert build.finished_at is None and build.claimed_at is not None

    # The lease runs out; the sweep hands the build to a new worker.
    EvaluationBuild.objects.filter(pk=build.pk).update(
        claimed_at=build.claimed_at - report_services.LEASE - dt.timedelta(seconds=1)
    )
    workers.start()
    original = build_evaluation.delay_on_commit
    build_evaluation.delay_on_commit = lambda build_id: workers.send(build_evaluation, build_id)
    try:
        assert report_services.builds_resume() == [build.pk]
    finally:
        build_evaluation.delay_on_commit = original
    _wait(
        lambda: EvaluationBuild.objects.filter(pk=build.pk, finished_at__isnull=False).exists(),
        120,
        "the new worker to finish the build",
    )

    evaluation = AnnualEvaluation.objects.get()
    assert (evaluation.region_id, evaluation.year, evaluation.version) == (county.code, 2025, 1)
    assert evaluation.metrics_sha256 == clean_metrics
    files = {export.kind: export for export in evaluation.exports.all()}
    assert sorted(files) == ["csv", "pdf", "xlsx"]
    stored = {kind: Path(export.file.path).read_bytes() for kind, export in files.items()}
    assert stored["xlsx"] == clean_files["xlsx"]
    assert stored["csv"] == clean_files["csv"]
    assert _pdf_text(stored["pdf"]) == _pdf_text(clean_files["pdf"])
    assert all(files[kind].sha256 for kind in files)
    # Nothing of the dead attempt is left beside the three files.
    assert sorted(_files(Path(settings.MEDIA_ROOT))) == sorted(
        export.file.name for export in files.values()
    )
