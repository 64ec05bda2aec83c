from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Oversight")

    def ready(self) -> None:
        from accounts.dashboard import register_card
        from accounts.menu import register_menu_item
        from accounts.services import register_notification_kind

        from . import audit  # noqa: F401  (registers the personal-data models for change history)

        officers = {"civil_affairs", "administrator"}
        register_card("oversight:dashboard_card", roles=officers)
        register_menu_item(
            "oversight", "oversight:complaint_list", _("Complaints"), roles=officers, order=10
        )
        register_notification_kind("complaint", _("Complaint"))
        # Risk early warning: the township stations' workers and civil affairs.
        watchers = {"social_worker", *officers}
        register_card("oversight:risk_dashboard_card", roles=watchers)
        register_menu_item(
            "oversight", "oversight:risk_signal_list", _("Risk signals"), roles=watchers, order=20
        )
        register_notification_kind("risk_signal", _("Risk signal"))
