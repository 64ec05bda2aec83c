from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .menu import menu_for
from .selectors import unread_notification_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu and the unread count for the header (one COUNT on an indexed pair)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "menu": menu_for(user, request.path),
        "unread_notifications": unread_notification_count(user),
    }
