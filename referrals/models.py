"""Two-way referral (双向转介) and case service (个案服务) at the township station.

A referral hands a person over between civil affairs, charities (and people's organisations)
and the township social-work station, in one of three directions; a case is the station's
casework for a household, opened from a referral or directly. Everything written about a person
is encrypted at rest (``EncryptedTextField``); the frozen snapshot of the household as sent is
encrypted JSON. Statuses move only through ``referrals.services``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.fields import EncryptedTextField
from accounts.models import Region
from accounts.scope import region_scope
from accounts.taxonomies import AssistanceStatus
from needs.models import Consent, Household, Member, Need
from supply.models import Organization


class Direction(models.TextChoices):
    TO_CHARITY = "to_charity", _("Civil affairs to a charity")
    TO_CIVIL_AFFAIRS = "to_civil_affairs", _("Charity to civil affairs")
    TO_STATION = "to_station", _("To the township station for case service")


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ReferralQuerySet:
        """Who sees a referral: its sender's side, its receiver's side and the civil affairs of
        the subject's region (and above); administrators all.

        Charity staff see only what was sent to or by their organisations. Social workers see
        the referrals of households of their township; a charity's referral to civil affairs
        is the county's business until it is linked to a household of the ledger.
        """
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return self.none()
        scope = region_scope(user)
        if scope.everything:
            return self.all()
        if user.role == "charity":
            # Subqueries, not joins over the staff table: no duplicate rows.
            staffed = Organization.objects.filter(staff=user).values("pk")
            return self.filter(
                models.Q(receiver_organization__in=staffed)
                | models.Q(sender_organization__in=staffed)
            )
        if scope.is_empty:
            return self.none()
        mine = scope.q("region__code")
        if user.role == "social_worker":
            mine &= ~models.Q(direction=Direction.TO_CIVIL_AFFAIRS) | models.Q(
                household__isnull=False
            )
        return self.filter(mine | models.Q(sender=user))

    def open(self) -> ReferralQuerySet:
        return self.filter(status__in=Referral.OPEN_STATUSES)

    def overdue(self, today: Any = None) -> ReferralQuerySet:
        """Past a deadline: not received within the working days allowed, or without an
        outcome after the days allowed."""
        today = today or timezone.localdate()
        S = Referral.Status
        return self.filter(
            models.Q(status=S.SENT, received_due__lt=today)
            | models.Q(status__in=Referral.WAITING_FOR_OUTCOME, outcome_due__lt=today)
        )


class Referral(models.Model):
    """A referral (转介): a person handed over, with the reason, the needs it concerns and the
    consent that allows it.

    * civil affairs → charity: civil affairs (or a township social worker) refer a person not
      eligible for government aid, or still in difficulty after it, to a charity or a people's
      organisation — only with the person's consent to referral in force for that organisation,
      checked when sending and at every read by the receiver;
    * charity → civil affairs: a charity tells the county civil affairs of the person's region
      about someone who may qualify for government aid; the person need not be in the ledger;
    * to the station: a household still in difficulty goes to its township's social-work
      station for case service.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        IN_SERVICE = "in_service", _("In service")
        CLOSED = "closed", pgettext_lazy("referral status", "Closed")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", pgettext_lazy("urgency", "Urgent")
        CRITICAL = "critical", _("Critical (急难愁盼)")

    class Outcome(models.TextChoices):
        # charity -> civil affairs
        APPLIED = "applied", _("Applied for government aid")
        GRANTED = "granted", _("Government aid granted")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible for government aid")
        # to a charity or the station
        HELPED = "helped", _("Helped: the difficulty is eased")
        PARTLY_HELPED = "partly_helped", _("Partly helped")
        NOT_HELPED = "not_helped", _("Could not help")

    OPEN_STATUSES = (Status.SENT, Status.RECEIVED, Status.ACCEPTED, Status.IN_SERVICE)
    #: Statuses in which the receiver still owes the referral its outcome.
    WAITING_FOR_OUTCOME = (Status.SENT, Status.RECEIVED, Status.ACCEPTED)
    TRANSITIONS = {
        # Accepting or declining a referral nobody confirmed receiving receives it too.
        Status.SENT: {Status.RECEIVED, Status.ACCEPTED, Status.DECLINED},
        Status.RECEIVED: {Status.ACCEPTED, Status.DECLINED},
        Status.ACCEPTED: {Status.IN_SERVICE, Status.CLOSED},
        Status.DECLINED: set(),
        Status.IN_SERVICE: {Status.CLOSED},
        Status.CLOSED: set(),
    }
    OUTCOMES = {
        Direction.TO_CIVIL_AFFAIRS: (Outcome.APPLIED, Outcome.GRANTED, Outcome.NOT_ELIGIBLE),
        Direction.TO_CHARITY: (Outcome.HELPED, Outcome.PARTLY_HELPED, Outcome.NOT_HELPED),
        Direction.TO_STATION: (Outcome.HELPED, Outcome.PARTLY_HELPED, Outcome.NOT_HELPED),
    }

    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SENT
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    # The subject: a household of the ledger (optionally one member), or — from a charity to
    # civil affairs — a person not in the ledger yet, described by the charity.
    region = models.ForeignKey(
        Region,
        verbose_name=_("place"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where the person lives: the civil affairs of this region follow it."),
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="referrals",
        null=True,
        blank=True,
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="referrals",
        null=True,
        blank=True,
    )
    person_name = EncryptedTextField(_("name"), max_length=50, blank=True)
    person_id_number = EncryptedTextField(_("ID number"), max_length=24, blank=True)
    person_phone = EncryptedTextField(_("phone"), max_length=30, blank=True)
    person_address = EncryptedTextField(_("address"), max_length=200, blank=True)
    person_agreed = models.BooleanField(
        _("the person knows and agrees that civil affairs are told"), default=False
    )
    aid_sought = models.CharField(
        _("government aid the person may qualify for"),
        max_length=40,
        choices=AssistanceStatus.choices,
        blank=True,
    )
    needs = models.ManyToManyField(
        Need, verbose_name=_("needs concerned"), related_name="referrals", blank=True
    )
    reason = EncryptedTextField(_("reason for the referral"))
    # Who sends and who receives.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    sender_region = models.ForeignKey(
        Region,
        verbose_name=_("sender's station or department"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text=_("The sender's station or civil-affairs department."),
    )
    sender_organization = models.ForeignKey(
        Organization,
        verbose_name=_("referring organisation"),
        on_delete=models.PROTECT,
        related_name="referrals_sent",
        null=True,
        blank=True,
    )
    receiver_organization = models.ForeignKey(
        Organization,
        verbose_name=_("receiving organisation"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
        null=True,
        blank=True,
    )
    receiver_region = models.ForeignKey(
        Region,
        verbose_name=_("receiving department or station"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    consent = models.ForeignKey(
        Consent,
        verbose_name=_("consent"),
        on_delete=models.PROTECT,
        related_name="referrals",
        null=True,
        blank=True,
        editable=False,
    )
    #: The household as sent (JSON, encrypted): only what the consent allows a charity to see.
    snapshot = EncryptedTextField(_("snapshot as sent"), blank=True, editable=False)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("follows the declined referral"),
        on_delete=models.PROTECT,
        related_name="onward",
        null=True,
        blank=True,
        editable=False,
    )
    application = models.ForeignKey(
        "matching.Application",
        verbose_name=_("instead of the application"),
        on_delete=models.PROTECT,
        related_name="referrals",
        null=True,
        blank=True,
        editable=False,
    )
    # The receiver's answers.
    sent_at = models.DateTimeField(
        pgettext_lazy("referral", "sent"), default=timezone.now, editable=False
    )
    received_at = models.DateTimeField(_("received"), null=True, blank=True, editable=False)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, editable=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    decline_reason = EncryptedTextField(_("reason for declining"), blank=True)
    started_at = models.DateTimeField(_("service started"), null=True, blank=True, editable=False)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = EncryptedTextField(_("outcome note"), blank=True)
    granted_status = models.CharField(
        _("assistance status granted"),
        max_length=40,
        choices=AssistanceStatus.choices,
        blank=True,
        editable=False,
    )
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True, editable=False)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("outcome recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    household_linked_at = models.DateTimeField(
        _("household linked"), null=True, blank=True, editable=False
    )
    # Deadlines, fixed when sent (settings: REFERRAL_RECEIPT_WORKING_DAYS, REFERRAL_OUTCOME_DAYS).
    received_due = models.DateField(_("to be received by"), editable=False)
    outcome_due = models.DateField(_("outcome due by"), editable=False)
    # Claims of the daily follow-up: each step happens once.
    reminded_at = models.DateTimeField(
        _("receiver reminded"), null=True, blank=True, editable=False
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["receiver_organization", "status"]),
            models.Index(fields=["receiver_region", "status"]),
            models.Index(fields=["sender_region", "status"]),
            models.Index(fields=["sender_organization", "status"]),
            models.Index(fields=["status", "received_due"]),
            models.Index(fields=["status", "outcome_due"]),
            models.Index(fields=["household", "sent_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["sent", "received", "accepted", "declined", "in_service", "closed"]
                ),
                name="referral_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(direction="to_charity", receiver_organization__isnull=False)
                    & models.Q(household__isnull=False)
                )
                | (
                    models.Q(direction="to_civil_affairs", receiver_region__isnull=False)
                    & models.Q(sender_organization__isnull=False)
                )
                | (
                    models.Q(direction="to_station", receiver_region__isnull=False)
                    & models.Q(household__isnull=False)
                ),
                name="referral_receiver_fits_direction",
            ),
            models.CheckConstraint(
                condition=models.Q(household__isnull=False) | ~models.Q(person_name=""),
                name="referral_has_a_subject",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(decline_reason=""),
                name="referral_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(outcome=""),
                name="referral_closed_with_outcome",
            ),
            # Refer elsewhere: one onward referral per declined one, so the chain stays a chain.
            models.UniqueConstraint(
                fields=["previous"],
                condition=models.Q(previous__isnull=False),
                name="referral_one_onward_per_declined",
            ),
        ]

    def __str__(self) -> str:
        return _("Referral %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        return f"R{self.pk:06d}" if self.pk else "—"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    @property
    def receiver_name(self) -> str:
        """The receiving organisation, or the department or station (loaded with the row)."""
        if self.receiver_organization_id:
            return self.receiver_organization.name
        return self.receiver_region.name if self.receiver_region_id else ""

    @property
    def needs_consent(self) -> bool:
        """Personal data goes to a charity or a people's organisation only with consent."""
        return self.direction == Direction.TO_CHARITY

    @property
    def consent_in_force(self) -> bool:
        return self.consent is not None and self.consent.in_force

    @property
    def outcome_choices(self) -> list[tuple[str, str]]:
        allowed = self.OUTCOMES[Direction(self.direction)]
        return [(o.value, o.label) for o in allowed]

    def snapshot_data(self) -> dict[str, Any]:
        return json.loads(self.snapshot) if self.snapshot else {}

    def is_overdue(self, today: Any = None) -> bool:
        today = today or timezone.localdate()
        if self.status == self.Status.SENT and self.received_due < today:
            return True
        return self.status in self.WAITING_FOR_OUTCOME and self.outcome_due < today


def attachment_path(instance: ReferralAttachment, filename: str) -> str:
    """A random name under the referral's folder: the person's file name is kept encrypted in
    the row, never on disk."""
    import uuid

    return f"referrals/{instance.referral_id}/{uuid.uuid4().hex}.bin"


class ReferralAttachment(models.Model):
    """A scan or photo sent with a referral (PDF, JPEG or PNG, checked by its content). The
    file is stored encrypted under the private media folder and served only through the
    referral's scoped view."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"

    CONTENT_TYPES = {Kind.PDF: "application/pdf", Kind.JPEG: "image/jpeg", Kind.PNG: "image/png"}

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200, editable=False)
    name = EncryptedTextField(_("file name"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("referral attachment")
        verbose_name_plural = _("referral attachments")
        ordering = ["referral_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        # Named by its referral, kind and time, never by an internal id (the audit pages show it).
        when = timezone.localtime(self.uploaded_at)
        return f"{self.referral.number} · {self.get_kind_display()} · {when:%Y-%m-%d %H:%M}"

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES[self.Kind(self.kind)]


class ReferralNote(models.Model):
    """A note either side adds to a referral; both sides read it (a charity only while the
    person's consent is in force)."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="notes"
    )
    body = EncryptedTextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("referral note")
        verbose_name_plural = _("referral notes")
        ordering = ["referral_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.referral.number} · {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """The station's casework: social workers of the household's township and civil
        affairs of its area (administrators all). Never charities."""
        scope = region_scope(user)
        if scope.everything:
            return self.all()
        if scope.is_empty or user.role not in ("social_worker", "civil_affairs"):
            return self.none()
        return self.filter(scope.q("household__region__code"))

    def open(self) -> CaseQuerySet:
        return self.filter(status=Case.Status.OPEN)


class Case(models.Model):
    """Case service (个案服务) at the township social-work station for a household still in
    difficulty: the case worker's assessment, a service plan of goals with dates, case notes and
    reviews, and the closure with its outcome. Opened from a referral to the station, or
    directly for a household."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("case status", "Open")
        CLOSED = "closed", pgettext_lazy("case status", "Closed")

    class Outcome(models.TextChoices):
        GOALS_MET = "goals_met", _("Goals met")
        PARTLY_MET = "partly_met", _("Goals partly met")
        NOT_MET = "not_met", _("Goals not met")
        REFERRED_ON = "referred_on", _("Referred on to other services")
        ENDED = "ended", _("Ended: moved away or declined the service")

    #: How a case's closure answers the referral it came from.
    REFERRAL_OUTCOME = {
        Outcome.GOALS_MET: Referral.Outcome.HELPED,
        Outcome.PARTLY_MET: Referral.Outcome.PARTLY_HELPED,
        Outcome.NOT_MET: Referral.Outcome.NOT_HELPED,
        Outcome.REFERRED_ON: Referral.Outcome.NOT_HELPED,
        Outcome.ENDED: Referral.Outcome.NOT_HELPED,
    }

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="cases"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
    )
    referral = models.OneToOneField(
        Referral,
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        related_name="case",
        null=True,
        blank=True,
        editable=False,
    )
    station = models.ForeignKey(
        Region, verbose_name=_("station"), on_delete=models.PROTECT, related_name="+"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case worker"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    assessment = EncryptedTextField(_("assessment"), blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    closing_note = EncryptedTextField(_("closing note"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["station", "status"]),
            models.Index(fields=["household", "opened_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True, outcome="")
                | (models.Q(status="closed", closed_at__isnull=False) & ~models.Q(outcome="")),
                name="case_closed_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return _("Case %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        return f"C{self.pk:06d}" if self.pk else "—"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CaseGoal(models.Model):
    """A goal of the service plan, with the date it should be reached by."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="goals"
    )
    goal = EncryptedTextField(_("goal"), max_length=300)
    due_on = models.DateField(_("to be reached by"))
    achieved_on = models.DateField(_("reached on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("service plan goal")
        verbose_name_plural = _("service plan goals")
        ordering = ["case_id", "due_on", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.due_on}"

    @property
    def is_late(self) -> bool:
        return self.achieved_on is None and self.due_on < timezone.localdate()


class CaseNote(models.Model):
    """A case note, or a review of the plan (回顾评估)."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Case note")
        REVIEW = "review", pgettext_lazy("case note", "Review")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = EncryptedTextField(_("note"))
    written_on = models.DateField(_("date"), default=timezone.localdate)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["case_id", "-written_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_kind_display()} · {self.written_on:%Y-%m-%d}"


class Holiday(models.Model):
    """A day that is not what the week says: a public holiday on a weekday, or a weekend day
    worked instead (调休). Administrators keep this table for the years ``chinese-calendar``
    does not know yet (the State Council publishes each year's arrangement late in the year
    before); a row here wins over the library."""

    day = models.DateField(_("day"), unique=True)
    is_workday = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked: a weekend day worked instead (调休). Empty: a public holiday."),
    )
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("public holiday or working day")
        verbose_name_plural = _("public holidays and working days")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}".strip()
