"""A real ``celery worker`` that can be made to hang at the worst moment of a job: for the tests
that kill a worker with SIGKILL (tests/reliability/test_worker_killed.py).

Run as ``python tests/reliability/hanging_worker.py QUEUE``. With ``AIDBRIDGE_HANG_AT`` set it
hangs (after writing the file named by ``AIDBRIDGE_HANG_MARKER``) at one of:

- ``edition``: the ledger edition's rows and workbook file are written, the transaction is not
  committed yet;
- ``evaluation``: the evaluation's row and its three files are written, the transaction is not
  committed yet.

Without it this is a plain worker. ``AIDBRIDGE_VISIBILITY_TIMEOUT`` (seconds) shortens the time
after which Redis hands an unacknowledged task (its worker died) to another worker; production
keeps Celery's default of an hour.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from config.celery import app  # noqa: E402
from reports import services as report_services  # noqa: E402
from supply import editions  # noqa: E402


def _hang() -> None:
    Path(os.environ["AIDBRIDGE_HANG_MARKER"]).write_text("hanging")
    time.sleep(300)


def _hanging_after(function):
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        _hang()
        return result

    return wrapper


HANG_AT = os.environ.get("AIDBRIDGE_HANG_AT", "")
if HANG_AT == "edition":
    editions._publish = _hanging_after(editions._publish)
elif HANG_AT == "evaluation":
    report_services._write = _hanging_after(report_services._write)
elif HANG_AT:
    raise SystemExit(f"unknown AIDBRIDGE_HANG_AT: {HANG_AT}")

if os.environ.get("AIDBRIDGE_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        "visibility_timeout": int(os.environ["AIDBRIDGE_VISIBILITY_TIMEOUT"]),
        # Look for such tasks every second (by default every 100 s).
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

if __name__ == "__main__":
    app.worker_main(
        [
            "worker",
            "-Q",
            sys.argv[1],
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
    )
