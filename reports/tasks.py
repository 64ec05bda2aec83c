"""Celery tasks of the reports: thin wrappers around the services, safe to run twice.

The yearly job runs on 15 January (``CELERY_BEAT_SCHEDULE`` in config/settings.py) and hands
out one task per region; the sweep re-enqueues builds and files whose worker died.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(acks_late=True, expires=12 * 3600)
def build_yearly_evaluations(year: int | None = None) -> int:
    """15 January: last year's evaluation of the province, every city and every county."""
    year = year or timezone.localdate().year - 1
    return len(services.yearly_builds_start(year=year))


@shared_task(acks_late=True)
def build_evaluation(build_id: int) -> int | None:
    evaluation = services.build_run(build_id=build_id)
    return evaluation.pk if evaluation else None


@shared_task(acks_late=True)
def build_export(export_id: int) -> int | None:
    export = services.export_run(export_id=export_id)
    return export.pk if export else None


@shared_task(acks_late=True, expires=9 * 60)
def resume_report_jobs() -> int:
    """Every 10 minutes: builds and files no worker holds any more (a worker died)."""
    return len(services.builds_resume()) + len(services.exports_resume())
