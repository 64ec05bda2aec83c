from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.fields import EncryptedTextField
from accounts.scope import RegionScopedQuerySet, region_scope
from needs.carried import CarriesHousehold, CarriesHouseholdQuerySet, carry
from needs.models import Consent, Household, Member, Need
from supply.models import Organization, Project

#: The window of the pre-aid check (帮前查询): aid received or pending in the last twelve months.
PRE_AID_WINDOW = dt.timedelta(days=365)
#: The organisations' matching figures (acceptance rate, answer time, satisfaction) count the
#: answers and the households' feedback of the last twelve months.
FIGURES_WINDOW = dt.timedelta(days=365)
#: Follow-up of an unanswered application: reminder, escalation to the county, expiry.
REMIND_AFTER = dt.timedelta(days=10)
ESCALATE_AFTER = dt.timedelta(days=20)
EXPIRE_AFTER = dt.timedelta(days=30)
#: Feedback after delivery is asked for again every week until both sides have given it.
FEEDBACK_REMIND_EVERY = dt.timedelta(days=7)


class ApplicationQuerySet(CarriesHouseholdQuerySet, RegionScopedQuerySet):
    region_field = "household__region__code"

    def visible_to(self, user: Any) -> ApplicationQuerySet:
        """Social workers and civil affairs by the household's region; charity staff the
        applications sent to their organisations (never drafts); administrators all."""
        if getattr(user, "is_authenticated", False) and user.is_active and user.role == "charity":
            if region_scope(user).everything:
                return self.all()
            # Only what was sent: never a draft, nor a draft withdrawn before sending.
            return self.filter(organization__staff=user, submitted_at__isnull=False)
        return super().visible_to(user)

    def live(self) -> ApplicationQuerySet:
        return self.filter(status__in=Application.LIVE_STATUSES)

    def aid_received_or_pending(self, since: dt.datetime) -> ApplicationQuerySet:
        """What the pre-aid check shows: submitted and not answered yet, accepted, delivered or
        closed; live ones whatever their age, finished ones from ``since`` on."""
        S = Application.Status
        return self.filter(
            models.Q(status__in=[S.SUBMITTED, S.ACCEPTED])
            | models.Q(status__in=[S.DELIVERED, S.CLOSED], delivered_on__gte=since.date())
        )


class Application(CarriesHousehold):
    """A match (对接): one need of a household put to one project of a supplier.

    The worker applies for the household (协助申请) or records the household's own application
    (自主申请); the person's data goes to the supplier only with consent in force for that
    organisation. The status moves only through ``matching.services``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        DELIVERED = "delivered", _("Delivered")
        CLOSED = "closed", pgettext_lazy("application status", "Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired without an answer")

    class Mode(models.TextChoices):
        SELF = "self", _("The household applies itself")
        ASSISTED = "assisted", _("The social worker applies for the household")

    class RejectionReason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", _("Does not meet a condition")
        NO_PLACES = "no_places", _("No places left")
        MISSING_DOCUMENTS = "missing_documents", _("Documents missing")
        OTHER = "other", _("Other reason")

    class Criterion(models.TextChoices):
        """The conditions a project sets, named by the candidate search and by a rejection."""

        RUNNING = "running", _("Running on the day")
        COVERAGE = "coverage", _("Place covered")
        AREA = "area", _("Charity area")
        FORM = "form", _("Form of aid")
        STATUS = "status", _("Assistance status")
        TAG = "tag", _("Vulnerability")
        AGE = "age", _("Age")
        PLACES = "places", _("Places left")
        ALREADY_APPLIED = "already_applied", _("No application already running")
        OTHER = "other", _("Other condition")

    class Review(models.TextChoices):
        NONE = "", _("Not submitted")
        PENDING = "pending", _("Waiting for review")
        CONFIRMED = "confirmed", _("Confirmed")
        FLAGGED = "flagged", _("Flagged")
        UPHELD = "upheld", _("Flag upheld")

    class Flag(models.TextChoices):
        DUPLICATE = "duplicate", _("Duplicate aid")
        ELIGIBILITY = "eligibility", _("Doubt about eligibility")
        CONFLICT = "conflict", _("Conflict of interest")

    LIVE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.ACCEPTED, Status.DELIVERED)
    #: Statuses in which the supplier still owes the household something.
    PENDING_STATUSES = (Status.SUBMITTED, Status.ACCEPTED)
    FINAL_STATUSES = (Status.REJECTED, Status.CLOSED, Status.WITHDRAWN, Status.EXPIRED)
    #: The statuses holding one of the project's places: accepting takes it
    #: (``services.application_accept``), withdrawing an accepted one gives it back.
    PLACE_HOLDING_STATUSES = (Status.ACCEPTED, Status.DELIVERED, Status.CLOSED)
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN, Status.EXPIRED},
        Status.ACCEPTED: {Status.DELIVERED, Status.WITHDRAWN},
        Status.REJECTED: set(),
        Status.DELIVERED: {Status.CLOSED},
        Status.CLOSED: set(),
        Status.WITHDRAWN: set(),
        Status.EXPIRED: set(),
    }

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="applications"
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="applications",
        editable=False,
        verbose_name=_("household"),
    )
    # A copy of the household's place (``needs.carried``): the province's figures group by it
    # without joining the households.
    place = models.CharField(_("household's place"), max_length=12, default="", editable=False)
    member = models.ForeignKey(
        Member,
        verbose_name=_("person applying"),
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("The person whose details go to the supplier, with their consent."),
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="applications"
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="applications",
        editable=False,
        verbose_name=_("organisation"),
    )
    mode = models.CharField(_("who applies"), max_length=10, choices=Mode.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    status_reason = EncryptedTextField(_("reason"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    message = EncryptedTextField(
        _("message to the supplier"),
        blank=True,
        help_text=_("What the supplier needs to know. Do not write health details here."),
    )
    share_contact = models.BooleanField(
        _("the person agrees that the supplier may contact them"),
        default=False,
        help_text=_("Gives the supplier the phone number and address."),
    )
    consent = models.ForeignKey(
        Consent,
        verbose_name=_("consent"),
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        editable=False,
    )
    simplified_procedure = models.BooleanField(
        _("simplified procedure"),
        default=False,
        editable=False,
        help_text=_("The person is classified by civil affairs (dibao, tekun, orphan …)."),
    )
    overlap_reason = EncryptedTextField(
        _("reason to apply despite other aid"),
        blank=True,
        help_text=_("Required when the pre-aid check shows aid in the same area."),
    )
    review_required = models.BooleanField(_("review required"), default=False, editable=False)
    review_status = models.CharField(
        _("review"), max_length=20, choices=Review.choices, blank=True, default=""
    )
    review_flag = models.CharField(_("flag"), max_length=20, choices=Flag.choices, blank=True)
    review_note = EncryptedTextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    resolution_note = EncryptedTextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    answer = models.CharField(
        _("answer"),
        max_length=10,
        blank=True,
        editable=False,
        choices=[("accepted", _("Accepted")), ("rejected", _("Rejected"))],
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, editable=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("answered by"),
    )
    answer_seconds = models.PositiveIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("time taken to answer (seconds)")
    )
    rejection_reason = models.CharField(
        _("reason for rejection"), max_length=20, choices=RejectionReason.choices, blank=True
    )
    rejection_criterion = models.CharField(
        _("condition not met"), max_length=20, choices=Criterion.choices, blank=True
    )
    rejection_note = EncryptedTextField(_("note on the rejection"), blank=True)
    explanation = EncryptedTextField(
        _("explanation given to the household"),
        blank=True,
        help_text=_("How the answer was explained to the person, and what comes next."),
    )
    explained_at = models.DateTimeField(_("explained"), null=True, blank=True, editable=False)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("explained by"),
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivered_quantity = EncryptedTextField(_("quantity delivered"), max_length=100, blank=True)
    delivered_value = models.DecimalField(
        _("value delivered (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    delivery_note = EncryptedTextField(_("delivery note"), blank=True)
    delivery_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("delivery recorded by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    # Claims of the daily follow-up: each step happens once.
    reminded_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("reminded")
    )
    escalated_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("escalated to the county")
    )
    feedback_reminded_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("feedback reminded")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["household", "status"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["review_status", "status"]),
            models.Index(fields=["organization", "answered_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "accepted",
                        "rejected",
                        "delivered",
                        "closed",
                        "withdrawn",
                        "expired",
                    ]
                ),
                name="application_status_valid",
            ),
            # One household, at most one live application per project.
            models.UniqueConstraint(
                fields=["household", "project"],
                condition=models.Q(status__in=["draft", "submitted", "accepted", "delivered"]),
                name="application_one_live_per_household_project",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="application_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["delivered", "closed"])
                | (
                    models.Q(delivered_on__isnull=False)
                    & (models.Q(delivered_value__isnull=False) | ~models.Q(delivered_quantity=""))
                ),
                name="application_delivery_recorded",
            ),
            # Everything but a draft (or a draft withdrawn before sending) was submitted.
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "withdrawn"])
                | models.Q(submitted_at__isnull=False),
                name="application_submitted_at_set",
            ),
        ]

    def __str__(self) -> str:
        return _("Application %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        return f"A{self.pk:06d}" if self.pk else "—"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def waiting_days(self) -> int | None:
        """Days a submitted application has waited for the supplier's answer."""
        if self.status != self.Status.SUBMITTED or self.submitted_at is None:
            return None
        return (timezone.now() - self.submitted_at).days

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    @property
    def waiting_for_review(self) -> bool:
        """Delivery waits while a flag is open, or until a required review confirmed it."""
        if self.review_status == self.Review.FLAGGED:
            return True
        return self.review_required and self.review_status == self.Review.PENDING

    @property
    def contact_shared(self) -> bool:
        """The supplier may see how to reach the person: agreed, and consent still in force."""
        return self.share_contact and self.consent_in_force

    @property
    def consent_in_force(self) -> bool:
        return self.consent is not None and self.consent.in_force


class Feedback(models.Model):
    """Feedback after aid (帮后反馈) from one side: the household (recorded by its social
    worker) or the supplier. Satisfaction of both sides feeds the annual evaluation."""

    class Side(models.TextChoices):
        HOUSEHOLD = "household", _("Household")
        SUPPLIER = "supplier", _("Supplier")

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("application"),
    )
    side = models.CharField(_("from"), max_length=10, choices=Side.choices)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = EncryptedTextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["application_id", "side"]
        constraints = [
            models.UniqueConstraint(fields=["application", "side"], name="feedback_once_per_side"),
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="feedback_satisfaction_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {self.satisfaction}/5"


class OrganizationFigures(models.Model):
    """An organisation's matching figures over the last twelve months, kept so the candidate
    search reads them with one join instead of recomputing them from every application.

    Refreshed for every organisation by a nightly job (``jobs.figures_refresh``) and for one
    organisation, in the same transaction, whenever one of its applications is answered or
    feedback on one is given (``services.organization_figures_refresh``). Between two nightly
    runs an answer that leaves the twelve months still counts: the window is the one of
    ``window_start``."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="matching_figures",
        verbose_name=_("organisation"),
    )
    answered = models.PositiveIntegerField(_("applications answered"), default=0)
    accepted = models.PositiveIntegerField(_("applications accepted"), default=0)
    acceptance_rate = models.FloatField(_("acceptance rate"), null=True, blank=True)
    answer_seconds_mean = models.FloatField(
        _("mean time to answer (seconds)"), null=True, blank=True
    )
    answer_seconds_median = models.FloatField(
        _("median time to answer (seconds)"), null=True, blank=True
    )
    satisfaction_mean = models.FloatField(_("mean household satisfaction"), null=True, blank=True)
    satisfaction_count = models.PositiveIntegerField(_("household feedback given"), default=0)
    window_start = models.DateTimeField(_("counted from"))
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("organisation's matching figures")
        verbose_name_plural = _("organisations' matching figures")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.accepted}/{self.answered}"


carry(Application, "place", "region_id")
