from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def projects_applied_to(user: Any):
    """Supply's grant: a social worker sees the projects the households of the own township
    applied to (their applications), also once paused or closed."""
    if getattr(user, "role", "") != "social_worker":
        return None
    from .models import Application

    return Application.objects.visible_to(user)


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching service")

    def ready(self) -> None:
        from accounts.dashboard import register_card
        from needs.timeline import register_fragment, register_need_action
        from supply.access import register_project_grant

        register_card(
            "matching:dashboard_card",
            roles={"social_worker", "charity", "civil_affairs", "administrator"},
        )
        register_fragment("matching:household_fragment", _("Applications for aid"))
        register_need_action("matching:candidates", _("Find resources"))
        register_project_grant("matching:applications", projects_applied_to)
