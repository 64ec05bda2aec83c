"""Reads for accounts pages and the API: every list goes through the region scope."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import AccessLog, Notification, Region, User
from .scope import get_visible_or_404, region_scope


def require_administrator(user: Any) -> None:
    """Administrator-only pages look like missing pages to everyone else."""
    if not (user.is_authenticated and user.is_administrator):
        raise Http404


def staff_list_for_user(user: User) -> QuerySet[User]:
    return (
        User.objects.visible_to(user)
        .filter(is_active=True)
        .select_related("region__parent")
        .order_by("region_id", "name", "username")
    )


def staff_get_for_user(user: User, pk: Any) -> User:
    return get_visible_or_404(
        User.objects.select_related("region__parent__parent__parent"), user, pk=pk
    )


def unread_notification_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list_for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_get_for_user(user: User, pk: Any) -> Notification:
    try:
        return Notification.objects.get(recipient=user, pk=int(pk))
    except (Notification.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def access_log_list_for_user(user: User) -> QuerySet[AccessLog]:
    require_administrator(user)
    return AccessLog.objects.select_related("user", "subject_type")


def change_history_list_for_user(user: User) -> QuerySet[LogEntry]:
    require_administrator(user)
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")


def dashboard_figures_for_user(user: User) -> dict[str, Any]:
    """Counts for the landing page, each one aggregate query inside the user's scope."""
    scope = region_scope(user)
    figures: dict[str, Any] = {}
    if scope.is_empty:
        return figures
    regions = Region.objects.filter(scope.q("code"), valid_to__isnull=True).exclude(
        code=user.region_id or ""
    )
    figures["regions"] = regions.aggregate(
        cities=Count("code", filter=Q(level=Region.Level.PREFECTURE)),
        counties=Count("code", filter=Q(level=Region.Level.COUNTY)),
        townships=Count("code", filter=Q(level=Region.Level.TOWNSHIP)),
        villages=Count("code", filter=Q(level=Region.Level.VILLAGE)),
    )
    staff = User.objects.visible_to(user).filter(is_active=True)
    figures["staff"] = staff.aggregate(
        social_workers=Count("pk", filter=Q(role=User.Role.SOCIAL_WORKER)),
        civil_affairs=Count("pk", filter=Q(role=User.Role.CIVIL_AFFAIRS)),
        charity=Count("pk", filter=Q(role=User.Role.CHARITY)),
        administrators=Count("pk", filter=Q(role=User.Role.ADMINISTRATOR)),
    )
    if scope.everything:
        figures["recent_access"] = list(access_log_list_for_user(user)[:5])
    return figures
