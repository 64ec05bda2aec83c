from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import crypto
from accounts.fields import EncryptedTextField
from accounts.models import Region
from accounts.scope import RegionScopedQuerySet, region_scope
from accounts.taxonomies import (
    AidForm,
    AssistanceStatus,
    CharityArea,
    DisabilityType,
    GapClass,
    VulnerabilityTag,
)

from .carried import (
    CarriesHousehold,
    CarriesHouseholdQuerySet,
    carry,
    copied_fields,
    fill,
    household_moved,
)
from .idnumbers import age_on

#: The household's codes its rows carry copies of (``needs.carried``).
CARRIED_CODES = ("station_id", "region_id")


def code_range(prefix: str) -> tuple[str, str]:
    """The 12-digit division codes that start with ``prefix``, as a closed range.

    A range, unlike ``LIKE 'prefix%'``, is served by an ordinary b-tree index under any
    collation (codes are digits of one length), and by the same index that orders the list."""
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


#: What the household list filters on, kept on the household as one bit each (``flags``):
#: an assistance status of a current member, a vulnerability tag of a current member, a live
#: need's charity area. The list's filters then read the household's own row in the list's
#: index instead of a semi-join over 2.4 million members (0.3-0.7 s for a city, DOMAIN.md §2).
#: The bits are stored: new values are appended, never inserted or reordered (a data
#: migration would have to recompute every household).
HOUSEHOLD_FLAGS: tuple[tuple[str, str], ...] = (
    ("status", "dibao"),
    ("status", "tekun"),
    ("status", "dibao_marginal"),
    ("status", "rigid_expenditure_hardship"),
    ("status", "relapse_monitored"),
    ("status", "temporary_assistance"),
    ("tag", "orphan"),
    ("tag", "de_facto_unsupported_child"),
    ("tag", "child_in_difficulty"),
    ("tag", "left_behind_child"),
    ("tag", "disabled"),
    ("tag", "serious_illness"),
    ("tag", "elder_alone"),
    ("tag", "elder_no_family"),
    ("tag", "elder_left_behind"),
    ("tag", "elder_dependent"),
    ("area", "poverty_relief"),
    ("area", "elderly_support"),
    ("area", "child_support"),
    ("area", "disability_support"),
    ("area", "medical_aid"),
    ("area", "education_aid"),
    ("area", "veterans_care"),
    ("area", "disaster_relief"),
    ("area", "rural_revitalization"),
    ("area", "community"),
    ("area", "other"),
)


def household_flag(kind: str, value: str) -> int:
    """The bit of ``HOUSEHOLD_FLAGS`` for a status, tag or area (KeyError if none)."""
    return 1 << HOUSEHOLD_FLAGS.index((kind, value))


class HasBits(models.Lookup):
    """``flags__has_bits=bit``: every bit of ``bit`` is set (``flags & bit = bit``)."""

    lookup_name = "has_bits"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) = {rhs}", [*lhs_params, *rhs_params, *rhs_params]


class FlagsField(models.BigIntegerField):
    """A set of bits (``HOUSEHOLD_FLAGS``), filtered with ``__has_bits``."""


FlagsField.register_lookup(HasBits)


class HouseholdQuerySet(RegionScopedQuerySet):
    region_field = "region__code"

    def visible_to(self, user: Any) -> HouseholdQuerySet:
        """The region scope, written on the station: a household's station is the township of
        its village (``services._stations_for``), so for a township or any larger region the
        households under its prefix are exactly those whose station is under it."""
        scope = region_scope(user)
        if scope.everything or scope.is_empty:
            return super().visible_to(user)
        return self.within(scope.prefix)

    def within(self, prefix: str) -> HouseholdQuerySet:
        """Households in the region of ``prefix``, on the index that starts with ``station_id``
        and orders the list (``household_station_code``): a range of station codes, which the
        planner can estimate and walk in order. (A county's first page walked the station index
        and filtered 815,000 rows by ``region_id LIKE 'prefix%'``.) A village adds its code."""
        if len(prefix) <= 9:
            return self.filter(station__code__range=code_range(prefix))
        return self.filter(station__code__range=code_range(prefix[:9]), region_id=prefix)


class Household(models.Model):
    """A household served (服务对象家庭): one row of the household information summary table.

    It lives in a village or directly in a township; its station is the township's social-work
    station, and one social worker of that station is responsible for it.
    """

    class Housing(models.TextChoices):
        OWN = "own", _("Own home")
        RENTED = "rented", _("Rented")
        RELATIVES = "relatives", _("Lives with relatives or friends")
        PUBLIC_RENTAL = "public_rental", _("Public rental housing")
        DILAPIDATED = "dilapidated", _("Dilapidated house")
        OTHER = "other", _("Other")

    code = models.CharField(_("household number"), max_length=20, unique=True, editable=False)
    external_ref = models.CharField(
        _("number in the source system"),
        max_length=64,
        blank=True,
        help_text=_("e.g. the household number of the low-income monitoring platform"),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("village or township"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    station = models.ForeignKey(
        Region,
        verbose_name=_("station (township)"),
        on_delete=models.PROTECT,
        related_name="station_households",
        editable=False,
    )
    address = models.CharField(_("address"), max_length=200)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible social worker"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    income_per_capita = models.DecimalField(
        _("monthly income per person (yuan)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    rigid_expenditure = models.DecimalField(
        _("yearly rigid expenditure (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("medical, education and similar unavoidable costs"),
    )
    housing = models.CharField(_("housing"), max_length=20, choices=Housing.choices, blank=True)
    housing_note = EncryptedTextField(_("housing details"), max_length=200, blank=True)
    gap_class = models.CharField(
        _("difficulty group"), max_length=40, choices=GapClass.choices, blank=True
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    last_visited_on = models.DateField(_("last visit"), null=True, blank=True, editable=False)
    has_urgent_need = models.BooleanField(
        _("has an urgent need"),
        default=False,
        editable=False,
        help_text=_("Kept by the need services: a live need of the household is urgent."),
    )
    flags = FlagsField(
        _("statuses, vulnerabilities and open need areas"),
        default=0,
        editable=False,
        help_text=_("Kept by the household and need services."),
    )
    coi_declared = models.BooleanField(
        _("the responsible worker is related to this household"),
        default=False,
        help_text=_(
            "A declared relation sends every match of this household to civil affairs review."
        ),
    )
    coi_note = EncryptedTextField(_("relation declared"), max_length=200, blank=True)
    coi_declared_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("conflict of interest declared")
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)
    archived_reason = EncryptedTextField(_("reason for archiving"), max_length=200, blank=True)
    is_synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        db_default=False,
        editable=False,
        help_text=_("Made by the synthetic data generator (generate_data), not a real household."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("recorded")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["station_id", "code"]
        indexes = [
            models.Index(fields=["station", "last_visited_on"]),
            # The list's scope (a station range) and its order in one index, with the id for
            # the filters' semi-joins and the capped count (index-only on PostgreSQL).
            models.Index(
                fields=["station", "code"],
                include=["id", "has_urgent_need", "last_visited_on", "flags"],
                condition=models.Q(archived_at__isnull=True),
                name="household_station_code",
            ),
            models.Index(fields=["external_ref"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(coi_declared=True) | ~models.Q(coi_note=""),
                name="household_coi_has_note",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A household moving to another station or place takes the copies its rows carry
        along (``needs.carried``: members' station code, needs', visits' and applications'
        place), one UPDATE a kind of row."""
        stored = getattr(self, "_stored_codes", None) or {}
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            written = {f"{name}_id" for name in update_fields} | set(update_fields)
            stored = {k: v for k, v in stored.items() if k in written}
        super().save(*args, **kwargs)
        changed = {k for k, v in stored.items() if v != getattr(self, k)}
        if changed:
            household_moved(self, changed)
        self._stored_codes = {k: getattr(self, k) for k in CARRIED_CODES}

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Household:
        household = super().from_db(db, field_names, values)
        household._stored_codes = {
            k: household.__dict__[k] for k in CARRIED_CODES if k in household.__dict__
        }
        return household

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class MemberQuerySet(CarriesHouseholdQuerySet, RegionScopedQuerySet):
    region_field = "household__region__code"


class Member(models.Model):
    """A person of a household. ID number, phone and health notes are encrypted at rest."""

    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDPARENT = "grandparent", _("Grandparent")
        GRANDCHILD = "grandchild", _("Grandchild")
        SIBLING = "sibling", _("Sibling")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    name = models.CharField(_("full name"), max_length=50)
    id_number = EncryptedTextField(_("ID number"), blank=True, default="")
    id_number_index = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        verbose_name=_("ID number search index"),
    )
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    relation = models.CharField(_("relation to the head"), max_length=20, choices=Relation.choices)
    phone = EncryptedTextField(
        _("phone"), blank=True, default="", index_field="phone_index", index_purpose="phone"
    )
    phone_index = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        db_index=True,
        verbose_name=_("phone search index"),
    )
    disability_type = models.CharField(
        _("disability type"), max_length=20, choices=DisabilityType.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    health_notes = EncryptedTextField(_("health"), blank=True, default="")
    school_or_work = EncryptedTextField(_("school or work"), max_length=100, blank=True)
    left_at = models.DateTimeField(_("left the household"), null=True, blank=True, editable=False)
    # The household's station (a copy of ``Household.station_id``), so that a search by name
    # within a county or city reads that scope's range of the members' name index instead of
    # every member of the province bearing the name. Written on creation and on a move to
    # another household (``save``, ``bulk_create``); a household moving station rewrites its
    # members' (``Household.save``).
    station_code = models.CharField(
        _("station (township) code"), max_length=12, default="", editable=False
    )
    # The household's place, copied likewise: the evaluation counts the people of a region
    # without joining the households.
    place = models.CharField(_("household's place"), max_length=12, default="", editable=False)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("recorded")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household_id", "id"]
        constraints = [
            # One person, one record in the whole province (by the blind index of the ID number).
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="member_unique_id_number",
            ),
            models.CheckConstraint(
                condition=models.Q(disability_grade__isnull=True)
                | models.Q(disability_grade__gte=1, disability_grade__lte=4),
                name="member_disability_grade_1_4",
            ),
        ]
        indexes = [
            models.Index(fields=["birth_date"]),
            models.Index(fields=["name"]),
            # The current members of a household, read from the index alone (the list's
            # filters by a person's status or tag within a county or city).
            models.Index(
                fields=["household", "id"],
                condition=models.Q(left_at__isnull=True),
                name="member_current_household",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Carry the household's station code and place (``needs.carried``): from the household
        object when it is at hand (the services'), read when the member is new or moves to
        another household. Otherwise the stored copies are left as they are (``update_fields``
        without them): the household's save keeps them, and an instance loaded before a move
        must not write them back."""
        moved = self._state.adding or self.household_id != getattr(
            self, "_stored_household_id", None
        )
        update_fields = kwargs.get("update_fields")
        copies = copied_fields(Member)
        if Member.household.is_cached(self) or moved:
            fill(Member, [self])
        elif update_fields is None:
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in copies and f.attname not in deferred
            ]
        if update_fields is not None and moved:
            kwargs["update_fields"] = [
                *update_fields,
                *(f for f in copies if f not in update_fields),
            ]
        super().save(*args, **kwargs)
        self._stored_household_id = self.household_id

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Member:
        member = super().from_db(db, field_names, values)
        member._stored_household_id = member.__dict__.get("household_id")
        return member

    def age(self, on: dt.date | None = None) -> int:
        return age_on(self.birth_date, on or timezone.localdate())

    @property
    def is_minor(self) -> bool:
        return self.age() < 18

    @property
    def is_under_14(self) -> bool:
        return self.age() < 14

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone)

    @property
    def health_masked(self) -> str:
        return crypto.mask_text(self.health_notes)


class AssistanceRecord(models.Model):
    """One assistance status of a person over a period; a current one has no end date."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="assistance", verbose_name=_("member")
    )
    status = models.CharField(
        _("assistance status"), max_length=40, choices=AssistanceStatus.choices
    )
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = EncryptedTextField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("assistance status")
        verbose_name_plural = _("assistance statuses")
        ordering = ["member_id", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "status"],
                condition=models.Q(ended_on__isnull=True),
                name="assistance_one_current_per_status",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="assistance_valid_period",
            ),
        ]
        indexes = [models.Index(fields=["status", "ended_on"])]

    def __str__(self) -> str:
        return self.get_status_display()


class MemberTag(models.Model):
    """A vulnerability tag of a person (DOMAIN.md §4)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="tags", verbose_name=_("member")
    )
    tag = models.CharField(_("vulnerability"), max_length=40, choices=VulnerabilityTag.choices)

    class Meta:
        verbose_name = _("vulnerability tag")
        verbose_name_plural = _("vulnerability tags")
        constraints = [models.UniqueConstraint(fields=["member", "tag"], name="member_tag_once")]
        indexes = [models.Index(fields=["tag"])]

    def __str__(self) -> str:
        return self.get_tag_display()


class VisitQuerySet(CarriesHouseholdQuerySet, RegionScopedQuerySet):
    region_field = "household__region__code"


class Visit(CarriesHousehold):
    """A home visit (入户走访)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="visits", verbose_name=_("household")
    )
    # A copy of the household's place (``needs.carried``): the province's figures group by it
    # without joining the households.
    place = models.CharField(_("household's place"), max_length=12, default="", editable=False)
    visited_on = models.DateField(_("date of visit"))
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("social worker"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    findings = EncryptedTextField(_("findings"))
    next_visit_on = models.DateField(_("next planned visit"), null=True, blank=True)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("recorded")
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(next_visit_on__isnull=True)
                | models.Q(next_visit_on__gte=models.F("visited_on")),
                name="visit_next_after_visit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.visited_on}"


class NeedQuerySet(CarriesHouseholdQuerySet, RegionScopedQuerySet):
    region_field = "household__region__code"

    def live(self) -> NeedQuerySet:
        return self.filter(status__in=Need.LIVE_STATUSES)


class Need(CarriesHousehold):
    """One charity-aid need of a household (a line of the need list, 需求信息清单).

    The status moves only through ``needs.services.need_transition``.
    """

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("need status", "Open")
        MATCHING = "matching", _("Matching")
        MET = "met", _("Met")
        CLOSED_UNMET = "closed_unmet", _("Closed, not met")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        HOME_VISIT = "home_visit", _("Home visit")
        REFERRAL = "referral", _("Referral")
        SELF_REPORTED = "self_reported", _("Reported by the household")

    LIVE_STATUSES = (Status.OPEN, Status.MATCHING)
    CLOSED_STATUSES = (Status.MET, Status.CLOSED_UNMET, Status.WITHDRAWN)
    #: Allowed moves; a reason is required to close unmet or withdraw.
    TRANSITIONS = {
        Status.OPEN: {Status.MATCHING, Status.CLOSED_UNMET, Status.WITHDRAWN},
        Status.MATCHING: {Status.OPEN, Status.MET, Status.CLOSED_UNMET, Status.WITHDRAWN},
        Status.MET: set(),
        Status.CLOSED_UNMET: set(),
        Status.WITHDRAWN: set(),
    }
    REASON_REQUIRED = (Status.CLOSED_UNMET, Status.WITHDRAWN)

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="needs", verbose_name=_("household")
    )
    # A copy of the household's place (``needs.carried``): the province's figures group by it
    # without joining the households.
    place = models.CharField(_("household's place"), max_length=12, default="", editable=False)
    member = models.ForeignKey(
        Member,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="needs",
        null=True,
        blank=True,
        help_text=_("Leave empty for a need of the whole household."),
    )
    area = models.CharField(_("charity area"), max_length=30, choices=CharityArea.choices)
    form = models.CharField(_("form of aid"), max_length=30, choices=AidForm.choices)
    description = EncryptedTextField(_("description"))
    urgent = models.BooleanField(_("urgent (急难愁盼)"), default=False)
    estimated_value = models.DecimalField(
        _("estimated value (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    quantity = EncryptedTextField(_("quantity"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.HOME_VISIT
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    status_reason = EncryptedTextField(_("reason"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-urgent", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "area"]),
            models.Index(fields=["household", "status"]),
            # The list's filter "open need in area": the households, read from the index.
            models.Index(
                fields=["area", "household"],
                condition=models.Q(status__in=["open", "matching"]),
                name="need_live_area_household",
            ),
            # The demand signals' one GROUP BY of the province's live needs by township, area
            # and form (matching.demand): read in this index's order, from it alone.
            models.Index(
                Substr("place", 1, 9),
                "area",
                "form",
                include=["place"],
                condition=models.Q(status__in=["open", "matching"]),
                name="need_live_township_cell",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["open", "matching", "met", "closed_unmet", "withdrawn"]
                ),
                name="need_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "matching"], closed_at__isnull=True)
                | models.Q(
                    status__in=["met", "closed_unmet", "withdrawn"], closed_at__isnull=False
                ),
                name="need_closed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["closed_unmet", "withdrawn"])
                | ~models.Q(status_reason=""),
                name="need_reason_when_unmet_or_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_area_display()} · {self.get_form_display()}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]


class ConsentQuerySet(RegionScopedQuerySet):
    region_field = "household__region__code"

    def in_force(self, on: dt.date | None = None) -> ConsentQuerySet:
        on = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, given_on__lte=on, expires_on__gte=on)


class Consent(models.Model):
    """Recorded consent (知情同意) to share a person's information: who, for what, with whom,
    until when.

    Nothing about a person goes to a charity without consent in force for that purpose and
    recipient. A child under 14 consents through a guardian. Revocable.
    """

    class GivenBy(models.TextChoices):
        SELF = "self", _("The person, in writing")
        GUARDIAN = "guardian", _("A guardian, in writing")
        VERBAL_WITNESSED = "verbal_witnessed", _("The person, verbally, with a witness")

    class Purpose(models.TextChoices):
        MATCHING = "matching", _("Share with suppliers to match aid")
        REFERRAL = "referral", _("Referral to charities or the township station")

    class Scope(models.TextChoices):
        ANY_SUPPLIER = "any_supplier", _("Any supplier in the ledger")
        NAMED = "named", _("Only the organisations named")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="consents", verbose_name=_("household")
    )
    member = models.ForeignKey(
        Member, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consents"
    )
    given_by = models.CharField(_("given by"), max_length=20, choices=GivenBy.choices)
    guardian_name = models.CharField(_("guardian's name"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("guardian's relation"), max_length=50, blank=True)
    witness_name = models.CharField(_("witness"), max_length=50, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    scope = models.CharField(_("recipients"), max_length=20, choices=Scope.choices)
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = EncryptedTextField(_("reason for revoking"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("recorded")
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("given_on")),
                name="consent_valid_period",
            ),
            models.CheckConstraint(
                condition=~models.Q(given_by="guardian") | ~models.Q(guardian_name=""),
                name="consent_guardian_named",
            ),
            models.CheckConstraint(
                condition=~models.Q(given_by="verbal_witnessed") | ~models.Q(witness_name=""),
                name="consent_witness_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_purpose_display()}"

    def in_force_on(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.revoked_at is None and self.given_on <= day <= self.expires_on

    @property
    def in_force(self) -> bool:
        return self.in_force_on()

    def covers(
        self, *, purpose: str, credit_code: str | None = None, day: dt.date | None = None
    ) -> bool:
        """Does this consent allow sharing for ``purpose`` with the organisation ``credit_code``?"""
        if not self.in_force_on(day) or self.purpose != purpose:
            return False
        if self.scope == self.Scope.ANY_SUPPLIER:
            return True
        code = (credit_code or "").strip().upper()
        return bool(code) and any(r.credit_code == code for r in self.recipients.all())


class ConsentRecipient(models.Model):
    """An organisation named in a consent, by its unified social credit code."""

    consent = models.ForeignKey(
        Consent, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("consent")
    )
    name = models.CharField(_("organisation"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)

    class Meta:
        verbose_name = _("named recipient")
        verbose_name_plural = _("named recipients")
        indexes = [models.Index(fields=["credit_code"])]

    def __str__(self) -> str:
        return self.name


def household_region_code(obj: Any) -> str:
    """The region code of any needs object, for access-log rows."""
    household = obj if isinstance(obj, Household) else obj.household
    return household.region_id


carry(Member, "station_code", "station_id")
carry(Member, "place", "region_id")
carry(Visit, "place", "region_id")
carry(Need, "place", "region_id")


class LiveNeedCell(models.Model):
    """The live needs counted by township, charity area and form of aid: the input of the
    demand signals (``matching.demand.township_counts``), kept by PostgreSQL itself. Statement
    triggers on the needs table (migration 0010) add and subtract the live rows of every
    INSERT, UPDATE and DELETE, grouped: the services' saves, bulk loads, ``QuerySet.update``
    and a household's move alike. Reading it is one short scan instead of grouping the
    province's 400,000 live needs (scale 1.0). On SQLite (embedded, small) the table stays empty
    and the demand signals group the needs themselves."""

    township = models.CharField(_("township (9-digit prefix)"), max_length=9)
    area = models.CharField(_("charity area"), max_length=30, choices=CharityArea.choices)
    form = models.CharField(_("form of aid"), max_length=30, choices=AidForm.choices)
    live = models.IntegerField(_("live needs"), default=0)

    class Meta:
        verbose_name = _("live needs of a township by area and form")
        verbose_name_plural = _("live needs of the townships by area and form")
        constraints = [
            models.UniqueConstraint(
                fields=["township", "area", "form"], name="live_need_cell_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.area} {self.form}: {self.live}"
