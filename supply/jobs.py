"""The services behind the scheduled tasks: reminders and notifications, each claimed once."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify

from .models import STALE_AFTER, LedgerEdition, Organization, Project, Reminder
from .periods import period_label, period_of


def _claim(kind: str, period: str, subject: str) -> bool:
    """Claim a reminder; False when it was already sent (by this or a concurrent run).

    Each job runs in one transaction: a claim and its notification commit together, so a crash
    between them leaves neither and the retry sends it."""
    try:
        with transaction.atomic():
            Reminder.objects.create(kind=kind, period=period, subject=subject)
    except IntegrityError:
        return False
    return True


def _url(name: str, *args: object, fallback: str = "/") -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


@transaction.atomic
def stations_notify(*, edition_id: int) -> int:
    """Tell every township station's social workers that an edition is out (once)."""
    claimed = LedgerEdition.objects.filter(pk=edition_id, stations_notified_at__isnull=True).update(
        stations_notified_at=timezone.now()
    )
    if not claimed:
        return 0
    edition = LedgerEdition.objects.get(pk=edition_id)
    workers = User.objects.filter(role=User.Role.SOCIAL_WORKER, is_active=True)
    sent = notify(
        recipients=workers,
        title=_("The supply ledger %(period)s has been published") % {"period": edition.label},
        body=_(
            "%(count)s projects: %(new)s new, %(changed)s changed, %(removed)s no longer listed."
        )
        % {
            "count": edition.entry_count,
            "new": edition.added_count,
            "changed": edition.changed_count,
            "removed": edition.removed_count,
        },
        url=_url("supply:edition_detail", edition.pk, fallback="/supply/"),
        kind="ledger_edition",
    )
    return len(sent)


def edition_catch_up(*, day: dt.date) -> int | None:
    """The daily safety net of the half-yearly publication: if the edition of the half year
    that ``day`` belongs to is missing (the 1 January or 1 July tick did not run), publish it
    now. Returns the new edition's id, or None when it exists. Idempotent like
    ``edition_publish`` itself: with a second run or the regular tick there is one edition."""
    from .editions import edition_publish

    period = period_of(day)
    if LedgerEdition.objects.filter(period=period).exists():
        return None
    return edition_publish(period=period).pk


@transaction.atomic
def suppliers_remind(*, period: str) -> int:
    """Ask each organisation's staff to confirm or update its listings before ``period``."""
    count = 0
    organizations = (
        Organization.objects.filter(staff__isnull=False).distinct().prefetch_related("staff")
    )
    for organization in organizations:
        if not _claim("confirm_listings", period, str(organization.pk)):
            continue
        notify(
            recipients=organization.staff.all(),
            title=_("Please confirm your listings for the %(period)s ledger")
            % {"period": period_label(period)},
            body=_(
                "The ledger is republished to every township station on the first day of the half "
                "year. Confirm each listing of %(name)s that is still right, or submit a change."
            )
            % {"name": organization.name},
            url=_url("supply:charity_workspace", fallback="/supply/"),
            kind="confirm_listings",
        )
        count += 1
    return count


@transaction.atomic
def stale_listings_flag(*, day: dt.date) -> int:
    """Flag stale listings and overdue disclosures to the charity and the civil affairs of its
    tier, at most once a month per listing and kind."""
    month = day.strftime("%Y-%m")
    cutoff = timezone.now() - STALE_AFTER
    published = Project.objects.published().select_related("organization")
    stale = published.filter(
        Q(last_confirmed_at__lt=cutoff) | Q(last_confirmed_at__isnull=True, created_at__lt=cutoff)
    )
    count = 0
    for project in stale:
        if _claim("stale", month, str(project.pk)):
            _tell_owners(
                project,
                _("The listing “%(title)s” has not been confirmed for half a year")
                % {"title": project.title},
            )
            count += 1
    # Disclosure (慈善中国) binds charitable organisations only: their listings running or
    # ended within the year, closed ones included.
    disclosing = (
        Project.objects.filter(
            status__in=[Project.Status.PUBLISHED, Project.Status.PAUSED, Project.Status.CLOSED]
        )
        .exclude(organization__charity_status="")
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day - dt.timedelta(days=365)))
    )
    for project in disclosing.select_related("organization"):
        due = project.disclosure_due_on(day)
        if due is not None and due < day and _claim("disclosure", month, str(project.pk)):
            _tell_owners(
                project,
                _("The listing “%(title)s” is due to disclose its progress (since %(due)s)")
                % {"title": project.title, "due": due.isoformat()},
            )
            count += 1
    return count


def _tell_owners(project: Project, title: str) -> None:
    organization = project.organization
    officers = User.objects.filter(
        role=User.Role.CIVIL_AFFAIRS, region_id=organization.registering_region_id, is_active=True
    )
    notify(
        recipients=[*organization.staff.all(), *officers],
        title=title,
        url=_url("supply:project_detail", project.pk, fallback="/supply/"),
        kind="listing_followup",
    )
