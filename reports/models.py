from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Region
from accounts.scope import region_scope


def _officer(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_officer)


class EvaluationQuerySet(models.QuerySet):
    region_field = "region__code"

    def visible_to(self, user: Any) -> EvaluationQuerySet:
        """Civil affairs see the evaluations of their region and every region below it;
        administrators all; nobody else any (social workers and charities get 404)."""
        if not _officer(user):
            return self.none()
        scope = region_scope(user)
        if scope.everything:
            return self.all()
        if scope.is_empty:
            return self.none()
        return self.filter(scope.q(self.region_field))

    def current(self) -> EvaluationQuerySet:
        return self.filter(is_current=True)


class AnnualEvaluation(models.Model):
    """The annual evaluation (总结评估) of one region for one calendar year: its figures frozen
    when it was built, the narrative the region's civil affairs write to each section, and its
    place in the workflow up the tiers (county -> city -> province).

    Rebuilding makes a new version (the narrative carried over) and keeps the old ones; only
    the current version moves through the workflow.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("evaluation status", "Submitted")
        RETURNED = "returned", _("Returned for changes")
        ACCEPTED = "accepted", pgettext_lazy("evaluation status", "Accepted")

    #: Allowed moves of the workflow; every move is a conditional update on the status read.
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.RETURNED: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.RETURNED, Status.ACCEPTED},
        Status.ACCEPTED: set(),
    }
    EDITABLE = (Status.DRAFT, Status.RETURNED)

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    metrics = models.JSONField(_("figures"))
    metrics_sha256 = models.CharField(_("checksum of the figures"), max_length=64)
    narrative = models.JSONField(_("narrative"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    built_at = models.DateTimeField(_("built"), default=timezone.now)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("built by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    review_comment = models.TextField(_("comment of the reviewing tier"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual evaluation")
        verbose_name_plural = _("annual evaluations")
        ordering = ["-year", "region_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "version"], name="evaluation_version_once"
            ),
            models.UniqueConstraint(
                fields=["region", "year"],
                condition=models.Q(is_current=True),
                name="evaluation_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "submitted", "returned", "accepted"]),
                name="evaluation_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100), name="evaluation_year_range"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="returned") | ~models.Q(review_comment=""),
                name="evaluation_returned_with_comment",
            ),
        ]
        indexes = [models.Index(fields=["year", "is_current", "status"])]

    def __str__(self) -> str:
        return _("%(region)s %(year)s evaluation, version %(version)s") % {
            "region": self.region.name,
            "year": self.year,
            "version": self.version,
        }

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    @property
    def is_editable(self) -> bool:
        return self.is_current and self.status in self.EDITABLE


class EvaluationBuild(models.Model):
    """A request to build one region's evaluation for a year: from the 15 January job (one per
    region and year, ``scheduled``) or on demand. A worker claims it with a lease; a worker that
    dies leaves a lease that runs out, and the sweep hands the build to another. The evaluation
    is written in one transaction at the end, so a dead worker leaves no half evaluation."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    scheduled = models.BooleanField(_("by the yearly job"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    claimed_at = models.DateTimeField(_("taken by a worker"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    evaluation = models.ForeignKey(
        AnnualEvaluation,
        verbose_name=_("annual evaluation"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("evaluation build")
        verbose_name_plural = _("evaluation builds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"],
                condition=models.Q(scheduled=True),
                name="evaluation_build_scheduled_once",
            ),
            models.UniqueConstraint(
                fields=["region", "year"],
                condition=models.Q(finished_at__isnull=True),
                name="evaluation_build_one_running",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="evaluation_build_progress_0_100"
            ),
        ]

    def __str__(self) -> str:
        return _("Build of the %(year)s evaluation of %(region)s") % {
            "year": self.year,
            "region": self.region.name,
        }

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class YearlyRun(models.Model):
    """The 15 January job of one year: administrators are told once, when its last build ends."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    notified_at = models.DateTimeField(_("administrators told"), null=True, blank=True)

    class Meta:
        verbose_name = _("yearly evaluation run")
        verbose_name_plural = _("yearly evaluation runs")

    def __str__(self) -> str:
        return str(self.year)


class ExportQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ExportQuerySet:
        """An evaluation's files to those who see the evaluation; a year's zip of every county
        to administrators only."""
        if not _officer(user):
            return self.none()
        if region_scope(user).everything:
            return self.all()
        evaluations = AnnualEvaluation.objects.visible_to(user).values("pk")
        return self.filter(evaluation__in=evaluations)


class ReportExport(models.Model):
    """A file of the reports: an evaluation's workbook, PDF or CSV, or the zip of every
    county's evaluation of a year. Built by a Celery task with its progress on the page, kept
    under MEDIA_ROOT and downloaded through a scoped view, never from MEDIA_URL."""

    class Kind(models.TextChoices):
        XLSX = "xlsx", _("Excel workbook")
        PDF = "pdf", _("PDF report")
        CSV = "csv", _("CSV table")
        ZIP = "zip", _("Zip of every county")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    CONTENT_TYPES = {
        Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Kind.PDF: "application/pdf",
        Kind.CSV: "text/csv; charset=utf-8",
        Kind.ZIP: "application/zip",
    }

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    evaluation = models.ForeignKey(
        AnnualEvaluation,
        verbose_name=_("annual evaluation"),
        on_delete=models.CASCADE,
        related_name="exports",
        null=True,
        blank=True,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to="reports/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    sha256 = models.CharField(_("checksum"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    claimed_at = models.DateTimeField(_("taken by a worker"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    objects = ExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="zip", evaluation__isnull=True)
                | (~models.Q(kind="zip") & models.Q(evaluation__isnull=False)),
                name="report_export_zip_or_evaluation",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_export_progress_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.filename or str(self.get_kind_display())

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES[self.Kind(self.kind)]
