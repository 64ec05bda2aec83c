from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from . import crypto, identifiers
from .fields import EncryptedTextField
from .scope import RegionScopedQuerySet, region_scope


class Region(models.Model):
    """An administrative division, keyed by its 12-digit statistical code (统计用区划代码).

    The code is hierarchical by prefix (province 2, city 4, county 6, township 9, village 12
    digits), so "inside this region" is ``code LIKE 'prefix%'`` on the primary key. Codes change
    from year to year: a region that disappears is given ``valid_to`` and kept, never deleted,
    because old households and projects still point at it.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        PREFECTURE = "prefecture", _("City")
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")

    class Kind(models.TextChoices):
        """The statistical code's kind of division (the national table's 城乡分类 aside)."""

        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("prefecture-level city")
        DISTRICT = "district", _("city district")
        COUNTY = "county", _("county")
        COUNTY_CITY = "county_city", _("county-level city")
        TOWN = "town", _("town")
        SUBDISTRICT = "subdistrict", _("subdistrict")
        XIANG = "xiang", _("xiang")
        STATISTICAL_UNIT = "statistical_unit", _("statistical unit (farm and the like)")
        RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
        VILLAGE_COMMITTEE = "village_committee", _("village committee")

    PREFIX_LENGTH = {
        Level.PROVINCE: 2,
        Level.PREFECTURE: 4,
        Level.COUNTY: 6,
        Level.TOWNSHIP: 9,
        Level.VILLAGE: 12,
    }

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    kind = models.CharField(
        _("kind"),
        max_length=32,
        blank=True,
        choices=Kind.choices,
        help_text=_("town, subdistrict, xiang, statistical unit, residents' or village committee"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        help_text=_("Generated for demonstration or benchmarks, not an official division."),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="region_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The significant part of the code: what every code inside this region starts with."""
        return self.code[: self.PREFIX_LENGTH[self.Level(self.level)]]

    @property
    def is_current(self) -> bool:
        return self.valid_to is None or self.valid_to >= timezone.localdate()

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)


class UserQuerySet(models.QuerySet):
    region_field = "region__code"

    def visible_to(self, user: Any) -> UserQuerySet:
        """Staff a user may look up: the people working inside the user's region, and oneself."""
        scope = region_scope(user)
        if scope.everything:
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(scope.q("region__code") | models.Q(pk=user.pk))


class AidBridgeUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who logs in: staff of a township station, a civil-affairs department, a charity,
    or an administrator. The role and home region decide what the user may see (accounts.scope).
    """

    class Role(models.TextChoices):
        SOCIAL_WORKER = "social_worker", _("Social worker")
        CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs staff")
        CHARITY = "charity", _("Charity staff")
        ADMINISTRATOR = "administrator", _("Administrator")
        #: Staff of another government department (人社, 医保, 残联 ...) that pushes the aid it
        #: gave; the unit and its region are kept by oversight (``MemberUnitStaff``).
        MEMBER_UNIT = "member_unit", _("Member unit staff")

    #: Roles whose view of personal data is a region: they must have one.
    REGIONAL_ROLES = (Role.SOCIAL_WORKER, Role.CIVIL_AFFAIRS, Role.ADMINISTRATOR)

    name = models.CharField(_("full name"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("home region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = EncryptedTextField(
        _("mobile phone"), blank=True, default="", index_field="phone_index", index_purpose="phone"
    )
    phone_index = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_index=True,
        editable=False,
        verbose_name=_("phone search index"),
    )
    is_synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        db_default=False,
        editable=False,
        help_text=_("Made by the synthetic data generator (generate_data), not a real user."),
    )

    objects = AidBridgeUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["social_worker", "civil_affairs"])
                | models.Q(region__isnull=False),
                name="user_regional_role_has_region",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        """How the admin greets the user (欢迎,省厅管理员): the name, not the login."""
        return self.name or self.username

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMINISTRATOR

    @property
    def is_officer(self) -> bool:
        """Civil affairs of a department, or an administrator: they review listings and
        matches in their area."""
        return self.is_administrator or (
            self.role == self.Role.CIVIL_AFFAIRS and bool(self.region_id)
        )

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone)

    @cached_property
    def region_path(self) -> list[Region]:
        """Province down to the home region (for headers and dashboards)."""
        path: list[Region] = []
        region = self.region
        while region is not None:
            path.append(region)
            region = region.parent
        return list(reversed(path))

    def set_phone(self, value: str) -> None:
        self.phone = normalize_phone(value)  # phone_index follows on save (EncryptedTextField)


def normalize_phone(value: str) -> str:
    """Digits 0-9 and ``+`` (``accounts.identifiers``); ValidationError for other digits."""
    return identifiers.normalize_phone(value)


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The access log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log is append-only.")


class AccessLog(models.Model):
    """One sensitive read: who saw which personal field of whose record, when and why.

    Append-only: rows are created by ``accounts.services.sensitive_field_reveal`` and never
    changed or deleted through the application.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="access_logs",
    )
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT
    )
    subject_id = models.CharField(_("record id"), max_length=64)
    subject_label = models.CharField(_("record"), max_length=200)
    region_code = models.CharField(
        _("region of the record"), max_length=12, blank=True, db_index=True
    )
    field = models.CharField(_("field"), max_length=64)
    reason = models.TextField(_("reason"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("sensitive read")
        # Not "access log": django-axes calls its login log so, and one catalogue names both.
        verbose_name_plural = _("sensitive reads")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        from .audit import access_field_label

        model = self.subject_type.model_class() if self.subject_type_id else None
        field = access_field_label(model, self.field)
        when = timezone.localtime(self.at)
        return f"{when:%Y-%m-%d %H:%M} {self.user} {self.subject_label} · {field}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log is append-only.")


class Notification(models.Model):
    """A message in a user's in-app inbox; also sent by e-mail when the user has an address."""

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=50, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = EncryptedTextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    #: A sender's lease: set when a worker starts sending; a lease older than
    #: EMAIL_LEASE is taken as a crashed sender and the e-mail is sent again.
    email_claimed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("e-mail sending started")
    )

    objects: models.Manager[Notification] = models.Manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


__all__ = [
    "AccessLog",
    "Notification",
    "Region",
    "RegionScopedQuerySet",
    "User",
]
