from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "supply"
    verbose_name = _("Supply ledger")

    def ready(self) -> None:
        from accounts.dashboard import register_card
        from accounts.menu import register_menu_item

        officers = {"civil_affairs", "administrator"}
        everyone = {"social_worker", "civil_affairs", "charity", "administrator"}
        register_card("supply:dashboard_card", roles={"charity", *officers})
        register_menu_item(
            "supply", "supply:project_list", _("Browse the ledger"), roles=everyone, order=10
        )
        register_menu_item(
            "supply", "supply:charity_workspace", _("My organisation"), roles={"charity"}, order=20
        )
        register_menu_item(
            "supply", "supply:review_queue", _("Listing review"), roles=officers, order=30
        )
        register_menu_item(
            "supply", "supply:edition_list", _("Ledger editions"), roles=everyone, order=40
        )
