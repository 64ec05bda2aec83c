from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and annual evaluation")

    def ready(self) -> None:
        from accounts.dashboard import register_card
        from accounts.menu import register_menu_item
        from accounts.services import register_notification_kind

        officers = {"civil_affairs", "administrator"}
        register_card("reports:dashboard_card", roles=officers)
        register_menu_item(
            "reports", "reports:dashboard", _("Live figures"), roles=officers, order=10
        )
        register_menu_item(
            "reports", "reports:evaluation_list", _("Annual evaluations"), roles=officers, order=20
        )
        register_notification_kind("evaluation_built", _("Annual evaluation built"))
        register_notification_kind("evaluations_built", _("Annual evaluations of the year built"))
        register_notification_kind("evaluation_submitted", _("Annual evaluation submitted"))
        register_notification_kind("evaluation_returned", _("Annual evaluation returned"))
        register_notification_kind("evaluation_accepted", _("Annual evaluation accepted"))
