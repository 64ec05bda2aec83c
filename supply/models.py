from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region

from .periods import period_label

#: A listing not confirmed within this time is stale (the ledger is republished each half year).
STALE_AFTER = dt.timedelta(days=183)
#: A disclosure falling due within this time is shown as "due on …" rather than "up to date".
DISCLOSURE_DUE_SOON = dt.timedelta(days=30)


class Tier(models.TextChoices):
    """The three tiers of the supply ledger: where the organisation is registered."""

    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


TIER_OF_LEVEL = {
    Region.Level.PROVINCE: Tier.PROVINCE,
    Region.Level.PREFECTURE: Tier.CITY,
    Region.Level.COUNTY: Tier.COUNTY,
}


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> OrganizationQuerySet:
        """Civil affairs see the organisations registered in their area; charity staff their own;
        administrators all. Organisations are public bodies, but their contacts and drafts are
        not: the public showcase reads published projects, not this."""
        from accounts.scope import region_scope

        if not user.is_authenticated:
            return self.none()
        scope = region_scope(user)
        if scope.everything:
            return self.all()
        if user.role == "charity":
            return self.filter(staff=user)
        if user.role == "civil_affairs" and not scope.is_empty:
            return self.filter(scope.q("registering_region__code"))
        return self.none()

    def readable_by(self, user: Any) -> OrganizationQuerySet:
        """The organisations whose read-only page a logged-in user may open: those the user
        manages (``visible_to``) and the organisation of every project the user may see (a
        published listing, or one the user's households applied to). Nothing else: an
        organisation with nothing in the ledger is known to its civil affairs only."""
        if not user.is_authenticated:
            return self.none()
        managed = Organization.objects.visible_to(user).values("pk")
        listed = Project.objects.visible_to(user).filter(organization_id=models.OuterRef("pk"))
        return self.filter(models.Q(pk__in=managed) | models.Exists(listed))

    def in_ledger(self) -> OrganizationQuerySet:
        """Organisations with a published listing: those a consent may name by picking them."""
        published = Project.objects.filter(
            organization_id=models.OuterRef("pk"), status=Project.Status.PUBLISHED
        )
        return self.filter(models.Exists(published))


class Organization(models.Model):
    """A social organisation that supplies charity aid (供给方), registered with civil affairs at
    the province, a city or a county: that registration decides its tier of the ledger."""

    class Type(models.TextChoices):
        """The three kinds of social organisation registered with civil affairs, and the
        people's organisations (群团组织) that receive referrals and list projects beside them
        (the Fujian and Shanxi texts name them with the charities)."""

        ASSOCIATION = "association", _("Social association")
        SERVICE_INSTITUTION = "service_institution", _("Social service institution")
        FOUNDATION = "foundation", _("Foundation")
        RED_CROSS = "red_cross", _("Red Cross Society")
        WOMENS_FEDERATION = "womens_federation", _("Women's Federation")
        DISABLED_PERSONS_FEDERATION = (
            "disabled_persons_federation",
            _("Disabled Persons' Federation"),
        )
        YOUTH_LEAGUE = "youth_league", _("Communist Youth League")
        TRADE_UNION = "trade_union", _("Trade union")
        CHARITY_FEDERATION = "charity_federation", _("Charity federation")

    #: Social organisations proper (registered with civil affairs as 社会组织).
    SOCIAL_ORGANIZATION_TYPES = (Type.ASSOCIATION, Type.SERVICE_INSTITUTION, Type.FOUNDATION)

    class CharityStatus(models.TextChoices):
        NONE = "", _("Not a charitable organisation")
        REGISTERED = "registered", _("Registered as charitable organisation")
        RECOGNISED = "recognised", _("Recognised as charitable organisation")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    credit_code_valid = models.BooleanField(
        _("credit code passes the check"),
        default=True,
        help_text=_(
            "Some real codes fail the GB 32100 check: they are kept for a person to confirm."
        ),
    )
    org_type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    registering_region = models.ForeignKey(
        Region,
        verbose_name=_("registered with the civil affairs of"),
        on_delete=models.PROTECT,
        related_name="registered_organizations",
    )
    charity_status = models.CharField(
        _("charitable status"), max_length=20, choices=CharityStatus.choices, blank=True
    )
    charity_status_on = models.DateField(_("charitable status since"), null=True, blank=True)
    public_fundraising = models.BooleanField(_("public fundraising qualification"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    service_regions = models.ManyToManyField(
        Region, verbose_name=_("service areas"), related_name="serving_organizations", blank=True
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff users"),
        related_name="organizations",
        blank=True,
        limit_choices_to={"role": "charity"},
    )
    is_synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        db_default=False,
        editable=False,
        help_text=_(
            "Made by the synthetic data generator (generate_data), not a real organisation."
        ),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("recorded")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["registering_region_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(charity_status="") | models.Q(charity_status_on__isnull=True),
                name="organization_status_date_needs_status",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_charitable(self) -> bool:
        """Registered or recognised as a charitable organisation (登记或认定为慈善组织): only
        such organisations are bound by the disclosure rules."""
        return bool(self.charity_status)

    @property
    def is_peoples_organization(self) -> bool:
        """A people's organisation (红十字会、妇联、残联、共青团、工会、慈善会)."""
        return self.org_type not in self.SOCIAL_ORGANIZATION_TYPES

    @property
    def tier(self) -> str:
        """Province, city or county: the level of the registering civil-affairs department."""
        return TIER_OF_LEVEL[Region.Level(self.registering_region.level)]

    def get_tier_display(self) -> str:
        return str(Tier(self.tier).label)


class ProjectQuerySet(models.QuerySet):
    def published(self) -> ProjectQuerySet:
        return self.filter(status=Project.Status.PUBLISHED)

    def covering(self, region_code: str) -> ProjectQuerySet:
        """Projects whose coverage includes the region (a coverage prefix is a prefix of it)."""
        return self.filter(coverage__prefix__in=code_prefixes(region_code)).distinct()

    def available_in(self, region_code: str) -> ProjectQuerySet:
        """Projects available to some place in the region: those covering the region itself or
        a region above it, and those covering only a part of it (a township of a county)."""
        ids = ProjectCoverage.objects.filter(coverage_reaching(region_code)).values("project_id")
        return self.filter(pk__in=ids)

    def visible_to(self, user: Any) -> ProjectQuerySet:
        """The one scope of projects, for every page, API, export and link.

        Published listings to everyone logged in. Drafts, reviews, paused and closed listings
        to the organisation's staff and to civil affairs of the registering area (and above);
        all to administrators. Apps above supply add the projects a user may see for their own
        reasons (matching: those the user's households applied to), see ``supply.access``.
        """
        from accounts.scope import region_scope

        from .access import project_grants

        if not user.is_authenticated:
            return self.none()
        scope = region_scope(user)
        if scope.everything:
            return self.all()
        own = models.Q(status=Project.Status.PUBLISHED)
        if user.role == "charity":
            # A subquery, not a join over the staff table: no duplicate rows, so no DISTINCT
            # (which sorted every visible row on all its columns).
            staffed = Organization.objects.filter(staff=user).values("pk")
            own |= models.Q(organization_id__in=staffed)
        elif user.role == "civil_affairs" and not scope.is_empty:
            own |= scope.q("organization__registering_region__code")
        for granted in project_grants(user):
            # The grant's rows name a project: EXISTS on them (PostgreSQL hashes the subplan
            # once, for the rows the cheaper conditions did not already admit).
            own |= models.Exists(granted.filter(project_id=models.OuterRef("pk")))
        return self.filter(own)


def code_prefixes(code: str) -> list[str]:
    """Every region prefix that contains ``code``: 441881101000 -> 44, 4418, 441881, 441881101,
    441881101000. A coverage row matches a place when its prefix is one of these."""
    code = str(code)
    return [code[:n] for n in (2, 4, 6, 9, 12) if len(code) >= n]


def region_prefix(code: str) -> str:
    """The significant part of a division code, read from the code alone: 441881000000 ->
    441881, 441800000000 -> 4418, 441881101000 -> 441881101 (a shorter code is padded)."""
    code = str(code).ljust(12, "0")
    for n in (2, 4, 6, 9):
        if code[n:].strip("0") == "":
            return code[:n]
    return code


def coverage_reaching(region_code: str, field: str = "prefix") -> models.Q:
    """Coverage rows that make a project available to some place in the region: a prefix of
    the region or above it (``prefix IN (...)``), or a prefix inside it (``prefix LIKE
    'region%'``). Both on the indexed prefix column, no loop."""
    prefix = region_prefix(region_code)
    above = [p for p in code_prefixes(prefix.ljust(12, "0")) if len(p) < len(prefix)]
    return models.Q(**{f"{field}__in": above}) | models.Q(**{f"{field}__startswith": prefix})


class Project(models.Model):
    """A charity-aid project, one listing of the supply ledger."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_REVIEW = "pending_review", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.DRAFT: {Status.PENDING_REVIEW, Status.CLOSED},
        Status.PENDING_REVIEW: {Status.PUBLISHED, Status.DRAFT},
        Status.PUBLISHED: {Status.PAUSED, Status.CLOSED},
        Status.PAUSED: {Status.PUBLISHED, Status.CLOSED},
        Status.CLOSED: set(),
    }

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    conditions = models.TextField(_("other conditions"), blank=True)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Empty: no fixed number of beneficiaries.")
    )
    places_taken = models.PositiveIntegerField(_("places taken"), default=0, editable=False)
    value_per_beneficiary = models.DecimalField(
        _("value per beneficiary (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    budget = models.DecimalField(
        _("budget (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    application_process = models.TextField(_("how to apply"))
    required_documents = models.TextField(_("documents required"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    status_changed_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("status changed")
    )
    status_reason = models.CharField(_("reason given with the status"), max_length=300, blank=True)
    last_confirmed_at = models.DateTimeField(
        _("last confirmed"), null=True, blank=True, editable=False
    )
    last_disclosed_on = models.DateField(_("last disclosure of progress"), null=True, blank=True)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("recorded")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["organization_id", "title"]
        indexes = [models.Index(fields=["status", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="project_valid_period",
            ),
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_max__gte=models.F("age_min")),
                name="project_valid_age_range",
            ),
            # Accepting an application takes a place: never more than the capacity.
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True)
                | models.Q(places_taken__lte=models.F("capacity")),
                name="project_places_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.places_taken

    @property
    def public_contact(self) -> dict[str, str]:
        """How the public reaches the organisation about this listing: the contact the
        listing gives applicants (the one published in every ledger edition), else the
        organisation's registered contact, and the organisation's address. Nothing of its
        staff accounts or of the people it helps."""
        organization = self.organization
        if self.contact_name or self.contact_phone:
            name, phone = self.contact_name, self.contact_phone
        else:
            name, phone = organization.contact_name, organization.contact_phone
        return {"name": name, "phone": phone, "address": organization.address}

    def is_stale(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        confirmed = self.last_confirmed_at or self.created_at
        return self.status == self.Status.PUBLISHED and confirmed < now - STALE_AFTER

    @property
    def disclosure_required(self) -> bool:
        """The disclosure rules bind charitable organisations only, and only listings that
        have been published (a draft has nothing to disclose)."""
        return self.organization.is_charitable and self.status in (
            self.Status.PUBLISHED,
            self.Status.PAUSED,
            self.Status.CLOSED,
        )

    def disclosure_due_on(self, today: dt.date | None = None) -> dt.date | None:
        """慈善中国 rules, for charitable organisations: a project running over six months
        discloses progress at least every three months, and every project discloses in full
        within three months of its end. None: nothing is owed (not a charitable organisation,
        never published, or the final disclosure is made)."""
        if not self.disclosure_required:
            return None
        today = today or timezone.localdate()
        if self.ends_on and self.ends_on < today:
            # The final disclosure: due within three months of the end, done once made.
            if self.last_disclosed_on and self.last_disclosed_on >= self.ends_on:
                return None
            return self.ends_on + dt.timedelta(days=90)
        runs_long = self.ends_on is None or (self.ends_on - self.starts_on).days > 182
        if not runs_long:
            return self.ends_on + dt.timedelta(days=90)  # only the final disclosure
        last = self.last_disclosed_on or self.starts_on
        return last + dt.timedelta(days=91)

    def disclosure(self, today: dt.date | None = None) -> Disclosure | None:
        """The disclosure status as pages, the API and the showcase show it; None for a listing
        that was never published."""
        if self.status in (self.Status.DRAFT, self.Status.PENDING_REVIEW):
            return None
        today = today or timezone.localdate()
        state = Disclosure.State
        due = self.disclosure_due_on(today)
        if not self.organization.is_charitable:
            status = state.NOT_REQUIRED
        elif due is None:
            status = state.FINAL_DONE
        elif due < today:
            status = state.OVERDUE
        elif due <= today + DISCLOSURE_DUE_SOON:
            status = state.DUE
        else:
            status = state.UP_TO_DATE
        return Disclosure(status=status, due_on=due, last_on=self.last_disclosed_on)


class Disclosure:
    """A project's disclosure status (信息公开) on a day, with its next due date."""

    class State(models.TextChoices):
        NOT_REQUIRED = "not_required", _("Not required")
        UP_TO_DATE = "up_to_date", _("Up to date")
        DUE = "due", _("Due")
        OVERDUE = "overdue", _("Overdue")
        FINAL_DONE = "final_done", _("Final disclosure done")

    def __init__(self, *, status: str, due_on: dt.date | None, last_on: dt.date | None) -> None:
        self.status = status
        self.due_on = due_on
        self.last_on = last_on

    @property
    def is_overdue(self) -> bool:
        return self.status == self.State.OVERDUE

    @property
    def label(self) -> str:
        """One line in the reader's language: "due on 2026-12-20", "overdue since …"."""
        from django.utils.translation import gettext

        state = self.State
        due = self.due_on.isoformat() if self.due_on else ""
        if self.status == state.UP_TO_DATE:
            return gettext("Up to date (next by %(date)s)") % {"date": due}
        if self.status == state.DUE:
            return gettext("Due on %(date)s") % {"date": due}
        if self.status == state.OVERDUE:
            return gettext("Overdue since %(date)s") % {"date": due}
        return str(state(self.status).label)


class ProjectTerm(models.Model):
    """One term of a project's listing: a charity area, a form of aid, or an eligibility term
    (an assistance status or vulnerability tag it serves). One table, so that the candidate
    search filters them all the same way."""

    class Kind(models.TextChoices):
        AREA = "area", _("Charity area")
        FORM = "form", _("Form of aid")
        STATUS = "status", _("Eligible assistance status")
        TAG = "tag", _("Eligible vulnerability")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="terms", verbose_name=_("project")
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    value = models.CharField(max_length=40, verbose_name=_("value"))

    class Meta:
        verbose_name = _("project term")
        verbose_name_plural = _("project terms")
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "value"], name="project_term_once")
        ]
        indexes = [models.Index(fields=["kind", "value"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ProjectCoverage(models.Model):
    """A region a project covers; ``prefix`` is the region's code prefix, so that a household's
    place matches with ``prefix IN code_prefixes(place)`` on an index."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="coverage", verbose_name=_("project")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    prefix = models.CharField(
        max_length=12, db_index=True, editable=False, verbose_name=_("region prefix")
    )

    class Meta:
        verbose_name = _("project coverage")
        verbose_name_plural = _("project coverages")
        constraints = [
            models.UniqueConstraint(fields=["project", "region"], name="project_coverage_once")
        ]

    def __str__(self) -> str:
        return self.prefix


class ListingChange(models.Model):
    """A charity's edit of a published project, waiting for civil affairs of its tier.

    ``proposed`` holds the new values by field name (terms and coverage as lists); approving
    applies them, rejecting needs a reason. The reviewer sees a field-by-field diff.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="changes", verbose_name=_("project")
    )
    proposed = models.JSONField(_("proposed values"))
    previous = models.JSONField(_("values when proposed"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("listing change")
        verbose_name_plural = _("listing changes")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One open change per project: a second edit amends the first.
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status="pending"),
                name="listing_change_one_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(reason=""),
                name="listing_change_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} ({self.get_status_display()})"


class LedgerEdition(models.Model):
    """The half-yearly frozen three-tier ledger (台账版本), e.g. ``2026-H2``, published on 1 January
    and 1 July and sent to every township station. Publishing a period twice makes one edition."""

    period = models.CharField(_("period"), max_length=7, unique=True)
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("published by"),
    )
    content_sha256 = models.CharField(_("content hash"), max_length=64)
    workbook = models.FileField(_("workbook"), upload_to="ledger/", blank=True)
    workbook_sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("workbook hash"))
    entry_count = models.PositiveIntegerField(default=0, verbose_name=_("projects"))
    added_count = models.PositiveIntegerField(default=0, verbose_name=_("added"))
    changed_count = models.PositiveIntegerField(default=0, verbose_name=_("changed"))
    removed_count = models.PositiveIntegerField(default=0, verbose_name=_("removed"))
    stations_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("stations notified")
    )

    class Meta:
        verbose_name = _("ledger edition")
        verbose_name_plural = _("ledger editions")
        ordering = ["-period"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period__regex=r"^[0-9]{4}-H[12]$"), name="edition_period_format"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """2026年下半年: the period as people say it."""
        return period_label(self.period)


class LedgerEntry(models.Model):
    """One project as it stood when an edition was published: a frozen copy, which does not
    move when the project changes afterwards."""

    class Change(models.TextChoices):
        NEW = "new", _("New")
        CHANGED = "changed", _("Changed")
        UNCHANGED = "unchanged", _("Unchanged")

    edition = models.ForeignKey(
        LedgerEdition,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("ledger edition"),
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("project")
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    organization_name = models.CharField(_("organisation"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    snapshot = models.JSONField(_("listing as published"))
    snapshot_sha256 = models.CharField(max_length=64, verbose_name=_("content hash"))
    change = models.CharField(
        _("change since the last edition"), max_length=10, choices=Change.choices
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["edition_id", "tier", "organization_name", "title", "project_id"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "project"], name="ledger_entry_once")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_paused(self) -> bool:
        """Paused when the edition was published: listed, but not taking applications."""
        return bool(self.snapshot.get("paused"))

    @property
    def is_stale(self) -> bool:
        """Not confirmed for half a year when the edition was published."""
        return bool(self.snapshot.get("stale"))


class LedgerEntryCoverage(models.Model):
    """Coverage of an entry as published (for the per-township view of an edition)."""

    entry = models.ForeignKey(
        LedgerEntry,
        on_delete=models.CASCADE,
        related_name="coverage",
        verbose_name=_("ledger entry"),
    )
    prefix = models.CharField(max_length=12, db_index=True, verbose_name=_("region prefix"))

    class Meta:
        verbose_name = _("coverage as published")
        verbose_name_plural = _("coverage as published")
        constraints = [
            models.UniqueConstraint(fields=["entry", "prefix"], name="ledger_entry_coverage_once")
        ]

    def __str__(self) -> str:
        return self.prefix


class LedgerRemoval(models.Model):
    """A project of the previous edition that is no longer in this one (closed or withdrawn)."""

    edition = models.ForeignKey(
        LedgerEdition,
        on_delete=models.CASCADE,
        related_name="removals",
        verbose_name=_("ledger edition"),
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project")
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))

    class Meta:
        verbose_name = _("listing removed from the ledger")
        verbose_name_plural = _("listings removed from the ledger")
        constraints = [
            models.UniqueConstraint(fields=["edition", "project"], name="ledger_removal_once")
        ]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """A periodic message already sent (the compare-and-set claim that makes jobs idempotent):
    one row per kind, period and subject."""

    kind = models.CharField(max_length=40, verbose_name=_("kind"))
    period = models.CharField(max_length=20, verbose_name=_("period"))
    subject = models.CharField(max_length=40, verbose_name=_("subject"))
    sent_at = models.DateTimeField(default=timezone.now, verbose_name=_("sent"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "subject"], name="reminder_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} {self.subject}"
