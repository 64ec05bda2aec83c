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
        from accounts.menu import register_menu_item
        from accounts.services import register_notification_kind
        from needs.timeline import register_fragment, register_need_action
        from supply.access import register_project_grant

        from . import audit  # noqa: F401  (registers the personal-data models for change history)

        register_card(
            "matching:dashboard_card",
            roles={"social_worker", "charity", "civil_affairs", "administrator"},
        )
        register_fragment("matching:household_fragment", _("Applications for aid"))
        register_need_action("matching:candidates", _("Find resources"))
        # A need that closes, however it closes, withdraws its open applications.
        from needs.hooks import register_need_closing

        from . import services

        register_need_closing(
            "matching",
            preview=services.need_closing_preview,
            close=services.need_closing_withdraw,
        )
        officers = {"civil_affairs", "administrator"}
        register_menu_item(
            "matching",
            "matching:application_list",
            _("Applications"),
            roles={"social_worker", *officers},
            order=10,
        )
        register_menu_item(
            "matching", "matching:inbox", _("Applications received"), roles={"charity"}, order=20
        )
        register_menu_item(
            "matching", "matching:review_queue", _("Match review"), roles=officers, order=30
        )
        register_menu_item(
            "supply", "matching:charity_demand", _("Demand signals"), roles={"charity"}, order=90
        )
        register_project_grant("matching:applications", projects_applied_to)
        register_notification_kind("application", _("Application for aid"))
