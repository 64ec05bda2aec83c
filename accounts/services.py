"""Writes with business rules for accounts: regions, sensitive reveals, notifications."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import identifiers
from .audit import record_label
from .fields import EncryptedTextField
from .models import AccessLog, Notification, Region, User

log = logging.getLogger(__name__)

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "guangdong_2023.csv"
REGIONS_VALID_FROM = dt.date(2023, 6, 30)


# --- Regions ---------------------------------------------------------------------------------


@dataclass
class RegionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    skipped_placeholders: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired)


_CSV_LEVELS = {
    "province": Region.Level.PROVINCE,
    "prefecture": Region.Level.PREFECTURE,
    "county": Region.Level.COUNTY,
    "township": Region.Level.TOWNSHIP,
    "village": Region.Level.VILLAGE,
}
_REGION_FIELDS = ("name", "level", "kind", "parent_id", "valid_from", "valid_to", "is_synthetic")


def _read_region_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@transaction.atomic
def regions_load(
    *, path: Path = REGIONS_CSV, valid_from: dt.date = REGIONS_VALID_FROM
) -> RegionLoadResult:
    """Load (or refresh) official divisions from a CSV of the shipped layout; idempotent.

    Columns: code12, code, name, level, kind, parent_code. Placeholder county rows (Dongguan,
    Zhongshan: cities without counties) are skipped and their townships hang under the city.
    Official regions of the file's province that are missing from the file are retired
    (``valid_to``), never deleted; villages, which the file does not carry, are left alone.
    """
    result = RegionLoadResult()
    rows = _read_region_rows(path)
    by_short_code: dict[str, str] = {}  # code at its own length -> 12-digit code of the row used
    placeholder_parent: dict[str, str] = {}
    parent_short_of: dict[str, str] = {}
    wanted: dict[str, Region] = {}
    errors: list[str] = []

    for line_no, row in enumerate(rows, start=2):
        # Codes in NFKC and digits 0-9 only (``str.isdigit`` also takes "٤٤" and "²").
        code12 = identifiers.ascii_digits(row["code12"]) or ""
        short = identifiers.ascii_digits(row["code"]) or ""
        level = row["level"].strip()
        if level not in _CSV_LEVELS or len(code12) != 12 or not short:
            errors.append(
                f"line {line_no}: bad code or level ({row['code12']!r}, {row['code']!r}, {level!r})"
            )
            continue
        if row["kind"].strip() == "placeholder_no_county":
            placeholder_parent[short] = identifiers.nfkc(row["parent_code"]).strip()
            result.skipped_placeholders.append(row["name"])
            continue
        by_short_code[short] = code12
        wanted[code12] = Region(
            code=code12,
            name=row["name"].strip(),
            level=_CSV_LEVELS[level],
            kind=row["kind"].strip(),
            valid_from=valid_from,
            valid_to=None,
            is_synthetic=False,
        )
        parent_short_of[code12] = identifiers.nfkc(row["parent_code"]).strip()

    for code12, region in wanted.items():
        parent_short = parent_short_of[code12]
        parent_short = placeholder_parent.get(parent_short, parent_short)
        if parent_short:
            parent_code = by_short_code.get(parent_short)
            if parent_code is None:
                errors.append(f"{code12}: parent {parent_short} not in file")
            region.parent_id = parent_code
    if errors:
        raise ValidationError(errors[:20])

    existing = {r.code: r for r in Region.objects.filter(code__in=wanted.keys())}
    to_create, to_update = [], []
    order = list(Region.PREFIX_LENGTH)  # parents before children
    for region in sorted(wanted.values(), key=lambda r: (order.index(r.level), r.code)):
        current = existing.get(region.code)
        if current is None:
            to_create.append(region)
        elif any(
            getattr(current, f) != getattr(region, f) for f in _REGION_FIELDS if f != "valid_from"
        ):
            for f in _REGION_FIELDS:
                if f != "valid_from" or current.valid_from is None:
                    setattr(current, f, getattr(region, f))
            to_update.append(current)
        else:
            result.unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=500)
    Region.objects.bulk_update(to_update, list(_REGION_FIELDS), batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)

    provinces = {code[:2] for code in wanted}
    stale = (
        Region.objects.filter(valid_to__isnull=True, is_synthetic=False)
        .exclude(level=Region.Level.VILLAGE)
        .exclude(code__in=wanted.keys())
    )
    stale = stale.filter(
        models.Q.create([("code__startswith", p) for p in provinces], connector=models.Q.OR)
    )
    result.retired = stale.update(valid_to=valid_from)
    return result


# --- Sensitive reads -------------------------------------------------------------------------


@transaction.atomic
def sensitive_field_reveal(
    *,
    user: User,
    instance: models.Model,
    field_name: str,
    reason: str,
    ip_address: str | None = None,
) -> str:
    """Return the plain value of an encrypted field and write exactly one access-log row.

    The record must be visible to the user through its model's own region scope (checked here
    again, whatever the caller did: a stranger gets Http404), and a reason is required, because
    the log must say why.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give the reason for viewing the full value.")})
    model_field = instance._meta.get_field(field_name)
    if not isinstance(model_field, EncryptedTextField):
        raise ValueError(f"{field_name} is not a protected field")
    queryset = type(instance)._default_manager.all()
    region_field = getattr(queryset, "region_field", None)
    visible = queryset.visible_to(user).filter(pk=instance.pk)
    region_code = visible.values_list(region_field, flat=True).first() if region_field else None
    if region_code is None and not visible.exists():
        raise Http404
    AccessLog.objects.create(
        user=user,
        subject_type=ContentType.objects.get_for_model(instance),
        subject_id=str(instance.pk),
        subject_label=record_label(instance)[:200],
        region_code=region_code or "",
        field=field_name,
        reason=reason[:1000],
        ip_address=ip_address,
    )
    return getattr(instance, field_name)


# --- Notifications ---------------------------------------------------------------------------

#: What each kind of notification is called (the administrator's list shows it); apps register
#: the kinds they send in their AppConfig.ready().
_NOTIFICATION_KINDS: dict[str, Any] = {"": gettext_lazy("message")}


def register_notification_kind(kind: str, label: Any) -> None:
    _NOTIFICATION_KINDS[kind] = label


def notification_kind_label(kind: str) -> str:
    """The kind in words; a kind no app registered reads as a plain "notification", never as
    its code."""
    return str(_NOTIFICATION_KINDS.get(kind) or _("Notification"))


def notify(
    *,
    recipients: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "",
    email: bool = True,
) -> list[Notification]:
    """Put a message in each recipient's inbox and, after commit, e-mail those with an address.

    Other apps call this for every event a person must act on.
    """
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=r, title=title[:200], body=body, url=url, kind=kind, created_at=now
            )
            for r in {r.pk: r for r in recipients if r.is_active}.values()
        ]
    )
    if email and notifications:
        from .tasks import send_notification_emails

        ids = [n.pk for n in notifications]
        send_notification_emails.delay_on_commit(ids)
    return notifications


EMAIL_LEASE = dt.timedelta(minutes=15)


def _unsent_emails() -> models.QuerySet[Notification]:
    return Notification.objects.filter(emailed_at__isnull=True, recipient__is_active=True).exclude(
        recipient__email=""
    )


#: Notifications claimed, sent and marked per round trip: an edition tells 30,000 stations.
EMAIL_BATCH = 500


def notification_send_email(*, notification_id: int) -> bool:
    """E-mail one notification at most once; whether this call sent it."""
    return notification_send_emails(notification_ids=[notification_id]) == 1


def notification_send_emails(*, notification_ids: Iterable[int]) -> int:
    """E-mail the given notifications, each at most once, over one mail connection; how many
    this call sent.

    Batches of ``EMAIL_BATCH``: one conditional UPDATE claims a batch (a lease, so a retry or a
    second worker sends nothing twice), one SELECT reads what this call claimed, one UPDATE marks
    what was sent and one releases what failed, so the sweep sends it later. A sender that dies
    after claiming leaves leases that expire (``EMAIL_LEASE``). A failure of one message does
    not stop the others; the failures are logged.
    """
    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection

    ids = list(dict.fromkeys(notification_ids))
    site = settings.SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        where = _("Read it on AidBridge (after logging in):")
    sent_total = 0
    connection = None
    try:
        for start in range(0, len(ids), EMAIL_BATCH):
            chunk = ids[start : start + EMAIL_BATCH]
            lease = timezone.now()
            claimable = (
                _unsent_emails()
                .filter(pk__in=chunk)
                .filter(
                    models.Q(email_claimed_at__isnull=True)
                    | models.Q(email_claimed_at__lt=lease - EMAIL_LEASE)
                )
            )
            if not Notification.objects.filter(pk__in=claimable.values("pk")).update(
                email_claimed_at=lease
            ):
                continue
            # The lease's own instant tells this call's claims from a concurrent sender's.
            claimed = list(
                Notification.objects.filter(pk__in=chunk, email_claimed_at=lease)
                .select_related("recipient")
                .only("pk", "title", "url", "recipient__email")
                .order_by("pk")
            )
            sent: list[int] = []
            failed: list[int] = []
            for notification in claimed:
                # The body may quote free text about a person (a reviewer's note, a reason): it
                # stays behind the login. The e-mail says what happened and where to read it.
                message = EmailMessage(
                    subject=" ".join(notification.title.split()),  # no line breaks in a header
                    body=f"{notification.title}\n\n{where}\n"
                    f"{site}{notification.url or '/notifications/'}",
                    to=[notification.recipient.email],
                )
                try:
                    if connection is None:
                        connection = get_connection()
                        connection.open()
                    if not connection.send_messages([message]):
                        raise OSError("the mail backend sent nothing")
                except Exception:
                    log.exception("e-mail of notification %s failed; sent later", notification.pk)
                    failed.append(notification.pk)
                else:
                    sent.append(notification.pk)
            if sent:
                Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
            if failed:
                Notification.objects.filter(pk__in=failed).update(email_claimed_at=None)
            sent_total += len(sent)
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:
                log.exception("closing the mail connection failed")
    return sent_total


def notification_emails_pending(*, older_than: dt.timedelta = dt.timedelta(minutes=5)) -> list[int]:
    """Notifications whose e-mail is still due (never sent, no live lease), oldest first."""
    now = timezone.now()
    return list(
        _unsent_emails()
        .filter(created_at__lt=now - older_than)
        .filter(
            models.Q(email_claimed_at__isnull=True)
            | models.Q(email_claimed_at__lt=now - EMAIL_LEASE)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def notification_mark_read(*, user: User, notification: Notification) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def user_tokens_revoke(*, user: User) -> int:
    """Delete the user's API tokens (after a password change: old credentials stop working)."""
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).delete()[0]


def user_validate_home_region(*, role: str, region: Region | None) -> dict[str, Any]:
    """Field errors for a role/region pair that does not fit (used by forms and the admin)."""
    allowed = {
        User.Role.SOCIAL_WORKER: {Region.Level.TOWNSHIP},
        User.Role.CIVIL_AFFAIRS: {
            Region.Level.PROVINCE,
            Region.Level.PREFECTURE,
            Region.Level.COUNTY,
        },
        User.Role.ADMINISTRATOR: {Region.Level.PROVINCE},
    }
    if role in (User.Role.SOCIAL_WORKER, User.Role.CIVIL_AFFAIRS) and region is None:
        return {"region": _("This role needs a home region.")}
    if region is not None and role in allowed and region.level not in allowed[role]:
        levels = "、".join(str(Region.Level(level).label) for level in allowed[User.Role(role)])
        return {
            "region": _("For this role the home region must be a %(levels)s.") % {"levels": levels}
        }
    return {}
