from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Notification


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the header (one COUNT on an indexed pair)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {"unread_notifications": unread}
