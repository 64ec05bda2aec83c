"""Oversight: complaints (投诉举报) from the public about a project, an organisation, a match
or a staff member.

A complaint goes to the civil affairs of the region or tier concerned (``Complaint.region``,
the department), runs ``received → investigating → concluded`` with a reply within 15 working
days, and is followed by the daily job (a reminder, then an escalation, once each). The
complainant holds a tracking code that reads the status and the reply and nothing else; only
its keyed hash is stored. What the complainant wrote and their contact are encrypted at rest;
the staff member named in a complaint neither sees nor handles it. Statuses move only through
``oversight.services``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import crypto
from accounts.fields import EncryptedTextField
from accounts.models import Region
from accounts.scope import region_scope
from matching.models import Application
from supply.models import Organization, Project


class ComplaintQuerySet(models.QuerySet):
    #: The department's code: what region scope and the access log read.
    region_field = "region__code"

    def visible_to(self, user: Any) -> ComplaintQuerySet:
        """Civil affairs of the department's region and above (a county's complaints are seen
        by the county, the city and the province, a city's by the city and the province);
        administrators all. Never social workers or charities, and never the staff member the
        complaint names, whoever they are."""
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return self.none()
        scope = region_scope(user)
        if scope.everything:
            found = self.all()
        elif user.role != "civil_affairs" or scope.is_empty:
            return self.none()
        else:
            found = self.filter(scope.q("region__code"))
        return found.exclude(named_staff=user)

    def open(self) -> ComplaintQuerySet:
        return self.exclude(status=Complaint.Status.CONCLUDED)

    def overdue(self, today: dt.date | None = None) -> ComplaintQuerySet:
        today = today or timezone.localdate()
        return self.open().filter(due_on__lt=today)


class Complaint(models.Model):
    """A complaint or report (投诉举报) from the public.

    Its subject is a published project, an organisation of the ledger, a match (an application
    for aid, by its number) or a staff member (by name and place; linked to the user when the
    name is found there). The department is fixed when it is filed: the registering
    civil-affairs department of the project's organisation or of the organisation, the county
    of the application's household, the county (or city, province) of the staff member.
    """

    class Subject(models.TextChoices):
        PROJECT = "project", _("A charity project")
        ORGANIZATION = "organization", _("An organisation")
        APPLICATION = "application", _("A match (application for aid)")
        STAFF = "staff", _("A staff member")

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("complaint status", "Received")
        INVESTIGATING = "investigating", _("Being investigated")
        CONCLUDED = "concluded", _("Concluded")

    class Finding(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
        NOT_UPHELD = "not_upheld", _("Not upheld")

    TRANSITIONS = {
        Status.RECEIVED: {Status.INVESTIGATING},
        Status.INVESTIGATING: {Status.CONCLUDED},
        Status.CONCLUDED: set(),
    }

    subject_kind = models.CharField(
        _("the complaint is about"), max_length=20, choices=Subject.choices
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="complaints",
        null=True,
        blank=True,
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="complaints",
        null=True,
        blank=True,
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="complaints",
        null=True,
        blank=True,
    )
    staff_name = EncryptedTextField(_("staff member as named"), max_length=50, blank=True)
    #: The accounts of the staff member named: those of that name in the place given (a
    #: namesake is kept out too), or linked by the civil affairs handling it.
    named_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff members named"),
        related_name="+",
        blank=True,
        help_text=_("The staff named cannot see or handle the complaint."),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("civil affairs handling it"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = EncryptedTextField(_("what happened"), max_length=2000)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    contact_name = EncryptedTextField(_("complainant's name"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("complainant's phone"), max_length=30, blank=True)
    #: The keyed hash of the tracking code (the code itself is shown once, never stored).
    tracking_index = models.CharField(
        _("tracking code (hashed)"), max_length=64, unique=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    received_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)
    due_on = models.DateField(_("reply due by"), editable=False)
    remind_on = models.DateField(_("reminder on"), editable=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    started_at = models.DateTimeField(
        _("investigation started"), null=True, blank=True, editable=False
    )
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices, blank=True)
    reply = EncryptedTextField(_("reply to the complainant"), max_length=2000, blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True, editable=False)
    # Claims of the daily follow-up: each step happens once.
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["status", "remind_on"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["received_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["received", "investigating", "concluded"]),
                name="complaint_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(subject_kind="project", project__isnull=False)
                | models.Q(subject_kind="organization", organization__isnull=False)
                | models.Q(subject_kind="application", application__isnull=False)
                | (models.Q(subject_kind="staff") & ~models.Q(staff_name="")),
                name="complaint_subject_fits_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="concluded")
                | (~models.Q(reply="") & ~models.Q(finding="")),
                name="complaint_concluded_with_reply",
            ),
            models.CheckConstraint(
                condition=models.Q(anonymous=False)
                | (models.Q(contact_name="") & models.Q(contact_phone="")),
                name="complaint_anonymous_has_no_contact",
            ),
        ]

    def __str__(self) -> str:
        return _("Complaint %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        # T for 投诉: C is a case of the station (referrals), R a referral, A an application.
        return f"T{self.pk:06d}" if self.pk else "—"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CONCLUDED

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_on < today

    @property
    def contact_name_masked(self) -> str:
        return crypto.mask_name(self.contact_name)

    @property
    def contact_phone_masked(self) -> str:
        return crypto.mask_phone(self.contact_phone)

    @property
    def subject_label(self) -> str:
        """What the complaint is about, in words (loaded with the row by the selectors)."""
        if self.subject_kind == self.Subject.PROJECT and self.project_id:
            return self.project.title
        if self.subject_kind == self.Subject.ORGANIZATION and self.organization_id:
            return self.organization.name
        if self.subject_kind == self.Subject.APPLICATION and self.application_id:
            return self.application.number
        return self.staff_name


def attachment_path(instance: ComplaintAttachment, filename: str) -> str:
    """A random name under the complaint's folder: the file name stays encrypted in the row."""
    import uuid

    return f"complaints/{instance.complaint_id}/{uuid.uuid4().hex}.bin"


class ComplaintAttachment(models.Model):
    """A scan or photo the complainant sent (PDF, JPEG or PNG, checked by its content, stored
    encrypted, served only through the complaint's scoped view)."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"

    CONTENT_TYPES = {Kind.PDF: "application/pdf", Kind.JPEG: "image/jpeg", Kind.PNG: "image/png"}

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200, editable=False)
    name = EncryptedTextField(_("file name"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("complaint attachment")
        verbose_name_plural = _("complaint attachments")
        ordering = ["complaint_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        # Named by its complaint, kind and time, never by an internal id (the audit pages).
        when = timezone.localtime(self.uploaded_at)
        return f"{self.complaint.number} · {self.get_kind_display()} · {when:%Y-%m-%d %H:%M}"

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES[self.Kind(self.kind)]


# --- Risk early warning (困难风险预警) ------------------------------------------------------------


class RiskRule(models.TextChoices):
    """The rules of the daily early-warning job (``oversight.risk``)."""

    URGENT_NEED_OPEN = "urgent_need_open", _("Urgent need open too long")
    LEFT_ASSISTANCE_UNVISITED = (
        "left_assistance_unvisited",
        _("Left dibao or tekun with no visit since"),
    )
    GUARDIAN_CONSENT_EXPIRED = "guardian_consent_expired", _("A child's guardian consent expired")
    REPEATED_REJECTIONS = "repeated_rejections", _("Repeated rejections")
    TEKUN_UNVISITED = "tekun_unvisited", _("Tekun household not visited")
    ILLNESS_NO_NEED = "illness_no_need", _("Serious illness reported by a member unit, no need")


class RiskSignalQuerySet(models.QuerySet):
    #: The household's village or township, copied on the row: what region scope reads.
    region_field = "region_code"

    def visible_to(self, user: Any) -> RiskSignalQuerySet:
        """Social workers of the household's township station, civil affairs of its county and
        above, administrators. Charity staff never (their scope is empty)."""
        scope = region_scope(user)
        if scope.everything:
            return self.all()
        if scope.is_empty or user.role not in ("social_worker", "civil_affairs"):
            return self.none()
        # A range of codes, not LIKE 'prefix%': served by the b-tree index under any collation.
        low, high = scope.prefix.ljust(12, "0"), scope.prefix.ljust(12, "9")
        return self.filter(region_code__gte=low, region_code__lte=high)

    def open(self) -> RiskSignalQuerySet:
        return self.filter(status=RiskSignal.Status.OPEN)


class RiskSignal(models.Model):
    """A risk signal (风险预警) of a household: one rule that fired, with the facts behind it.

    The facts are a few non-identifying values (dates, counts, thresholds; never a name or an
    ID number); the sentence shown is built from them when displayed (``oversight.risk``). The
    daily job keeps at most one open signal per household, person and rule (a constraint):
    run again, it updates ``last_seen_on`` and the facts. ``fingerprint`` names the facts that
    made it fire (the newest urgent need, the day the status ended, the consent...): a signal
    resolved by a person does not come back while the fingerprint is the same, and does when
    the facts change. A signal whose rule no longer holds is closed by the job (resolved,
    with nobody and no note).
    """

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("risk signal status", "Open")
        RESOLVED = "resolved", pgettext_lazy("risk signal status", "Resolved")

    household = models.ForeignKey(
        "needs.Household",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="risk_signals",
    )
    member = models.ForeignKey(
        "needs.Member",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="risk_signals",
        null=True,
        blank=True,
    )
    rule = models.CharField(_("rule"), max_length=40, choices=RiskRule.choices)
    facts = models.JSONField(_("facts"), default=dict)
    fingerprint = models.CharField(_("facts fingerprint"), max_length=64, editable=False)
    region_code = models.CharField(_("region code"), max_length=12, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    first_fired_on = models.DateField(_("first fired"), editable=False)
    last_seen_on = models.DateField(_("last seen"), editable=False)
    #: The run of the job that last saw it: a run closes the open signals it did not see.
    seen_at = models.DateTimeField(_("last checked"), editable=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    resolution_note = EncryptedTextField(_("resolution note"), max_length=1000, blank=True)

    objects = RiskSignalQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk signal")
        verbose_name_plural = _("risk signals")
        ordering = ["-last_seen_on", "-id"]
        indexes = [
            models.Index(fields=["region_code", "status"], name="risksignal_region_status"),
            # The province's list in its order (and its count), read from the index.
            models.Index(fields=["status", "-last_seen_on", "-id"], name="risksignal_status_seen"),
            models.Index(fields=["rule", "status"], name="risksignal_rule_status"),
            models.Index(
                fields=["household", "rule", "fingerprint"],
                condition=models.Q(resolved_by__isnull=False),
                name="risksignal_resolved_by_person",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                models.F("household"),
                models.functions.Coalesce(models.F("member"), models.Value(0)),
                models.F("rule"),
                condition=models.Q(status="open"),
                name="risksignal_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "resolved"]),
                name="risksignal_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", resolved_at__isnull=True)
                | models.Q(status="resolved", resolved_at__isnull=False),
                name="risksignal_resolved_at_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_by__isnull=True) | ~models.Q(resolution_note=""),
                name="risksignal_resolved_with_note",
            ),
        ]

    def __str__(self) -> str:
        # No name, no free text: the audit pages show this.
        return f"{self.get_rule_display()} · {self.first_fired_on.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def cleared_by_job(self) -> bool:
        """Closed by the daily job because the rule no longer held."""
        return self.status == self.Status.RESOLVED and self.resolved_by_id is None

    @property
    def sentence(self) -> str:
        from .risk import describe

        return describe(self.rule, self.facts)


class RiskRuleSetting(models.Model):
    """An administrator's setting of one early-warning rule: on or off, and its thresholds.

    One row per rule, seeded with the defaults by a data migration; the daily job reads them."""

    rule = models.CharField(_("rule"), max_length=40, choices=RiskRule.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    days = models.PositiveIntegerField(
        _("days"),
        null=True,
        blank=True,
        help_text=_("The period of the rule in days (left empty where the rule has none)."),
    )
    count = models.PositiveIntegerField(
        _("count"),
        null=True,
        blank=True,
        help_text=_("How many times (only for repeated rejections)."),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("early-warning rule")
        verbose_name_plural = _("early-warning rules")
        ordering = ["rule"]

    def __str__(self) -> str:
        return str(self.get_rule_display())


# --- Member units and the aid they push (issue 14, point 2) ----------------------------------


class MemberUnit(models.Model):
    """A member unit (成员单位): another government department of a region — 人社, 医保, 教育,
    残联, 妇联, 乡村振兴 … — that pushes the aid it gave to civil affairs, so that aid is not
    duplicated across departments. Its staff log in with the role ``member_unit`` and see only
    the records their unit pushed; they push only for persons of the unit's region."""

    class Department(models.TextChoices):
        HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
        HEALTHCARE_SECURITY = "healthcare_security", _("Healthcare security")
        EDUCATION = "education", _("Education")
        DISABLED_PERSONS = "disabled_persons", _("Disabled Persons' Federation")
        WOMEN = "women", _("Women's Federation")
        RURAL_REVITALIZATION = "rural_revitalization", _("Rural revitalisation")
        HEALTH = "health", _("Health commission")
        VETERANS = "veterans", _("Veterans affairs")
        OTHER = "other", _("Other department")

    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=30, choices=Department.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region served"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit pushes aid records only for persons of this region."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("member unit")
        verbose_name_plural = _("member units")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="member_unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class MemberUnitStaff(models.Model):
    """The link of a ``member_unit`` login to its unit (one unit per login). It lives here, not
    on the user, because accounts imports no app."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("member unit"), on_delete=models.CASCADE, related_name="staff"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="member_unit_link",
        limit_choices_to={"role": "member_unit"},
    )

    class Meta:
        verbose_name = _("member unit staff")
        verbose_name_plural = _("member unit staff")

    def __str__(self) -> str:
        return f"{self.unit} · {self.user}"


class AidRecordQuerySet(models.QuerySet):
    #: The region the record is for: what region scope and the access log read.
    region_field = "region__code"

    def visible_to(self, user: Any) -> AidRecordQuerySet:
        """Civil affairs of the record's region and above, administrators: all of their area.
        Member-unit staff: the records of their own unit only. Nobody else (social workers
        read matched records through the pre-aid check and the household's timeline)."""
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return self.none()
        if getattr(user, "role", "") == "member_unit" and not user.is_superuser:
            return self.filter(unit__staff__user=user)
        scope = region_scope(user)
        if scope.everything:
            return self.all()
        if user.role != "civil_affairs" or scope.is_empty:
            return self.none()
        return self.filter(scope.q("region__code"))

    def matched_to_households(self, household_ids: Any) -> AidRecordQuerySet:
        return self.filter(status=AidRecord.Status.MATCHED, household_id__in=household_ids)


class AidRecord(models.Model):
    """Aid a member unit gave a person (a push by API or workbook), matched to the need ledger
    by the blind index of the ID number.

    The unit's own record id (``external_id``) is unique per unit: pushing it again with the
    same content changes nothing, and with other content is refused (409), so a record that
    civil affairs and the social workers have seen never changes under them. A matched record
    points at the ledger member and household; an unmatched one waits in the civil-affairs
    queue of its region until the daily job or a "match again" finds the person, or an officer
    dismisses it with a note.
    """

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("Medical assistance")
        SERIOUS_ILLNESS = "serious_illness", _("Serious illness assistance")
        EDUCATION = "education", _("Education assistance")
        EMPLOYMENT = "employment", _("Employment assistance")
        HOUSING = "housing", _("Housing assistance")
        DISABILITY = "disability", _("Disability assistance")
        WOMEN_CHILDREN = "women_children", _("Aid to women and children")
        RURAL = "rural", _("Rural revitalisation aid")
        VETERANS = "veterans", _("Aid to veterans")
        TEMPORARY = "temporary", _("Temporary relief")
        OTHER = "other", _("Other aid")

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched to the ledger")
        UNMATCHED = "unmatched", _("Waiting for a match")
        DISMISSED = "dismissed", _("Dismissed")

    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("member unit"),
        on_delete=models.PROTECT,
        related_name="aid_records",
    )
    external_id = models.CharField(_("the unit's record id"), max_length=64)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The region the person lives in, inside the unit's region."),
    )
    id_number = EncryptedTextField(
        _("ID number"), max_length=18, index_field="id_number_index", index_purpose="id_number"
    )
    id_number_index = models.CharField(
        _("ID number search index"), max_length=64, db_index=True, editable=False
    )
    person_name = EncryptedTextField(_("name of the person"), max_length=50)
    kind = models.CharField(_("kind of aid"), max_length=30, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    given_on = models.DateField(_("date given"))
    note = EncryptedTextField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNMATCHED
    )
    member = models.ForeignKey(
        "needs.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    household = models.ForeignKey(
        "needs.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    matched_at = models.DateTimeField(_("matched"), null=True, blank=True, editable=False)
    dismissed_at = models.DateTimeField(_("dismissed"), null=True, blank=True, editable=False)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dismissed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    dismiss_note = EncryptedTextField(_("why it was dismissed"), max_length=500, blank=True)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pushed by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AidRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("member unit aid record")
        verbose_name_plural = _("member unit aid records")
        ordering = ["-given_on", "-id"]
        indexes = [
            models.Index(fields=["status", "region"]),
            models.Index(fields=["household", "given_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "external_id"], name="aid_record_unique_unit_record_id"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["matched", "unmatched", "dismissed"]),
                name="aid_record_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="matched")
                | models.Q(member__isnull=False, household__isnull=False),
                name="aid_record_matched_has_member",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                name="aid_record_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return _("Aid record %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        # M for member unit (成员单位): T is a complaint, A an application.
        return f"M{self.pk:06d}" if self.pk else "—"

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def person_name_masked(self) -> str:
        return crypto.mask_name(self.person_name)
