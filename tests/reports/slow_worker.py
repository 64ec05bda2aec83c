"""A real ``celery worker`` whose PDF step hangs: for the test that kills a worker mid-build.

Run as ``python tests/reports/slow_worker.py QUEUE``; before the hang it writes the file named by
``REPORTS_TEST_MARKER``, so the test knows the build is half-way (figures computed, the workbook
rendered, nothing written yet) when it sends SIGKILL.
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
from reports import exports  # noqa: E402

_real_pdf = exports.RENDERERS["pdf"]


def _hanging_pdf(evaluation):
    Path(os.environ["REPORTS_TEST_MARKER"]).write_text("half-way")
    time.sleep(300)
    return _real_pdf(evaluation)


exports.RENDERERS["pdf"] = _hanging_pdf

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
