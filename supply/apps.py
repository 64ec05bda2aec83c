from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "supply"
    verbose_name = _("Supply ledger")

    def ready(self) -> None:
        from accounts.dashboard import register_card
        from accounts.menu import register_menu_item
        from accounts.services import register_notification_kind

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
        register_notification_kind("ledger_edition", _("New edition of the supply ledger"))
        register_notification_kind("confirm_listings", _("Request to confirm listings"))
        register_notification_kind("listing_followup", _("Listing follow-up"))
        register_notification_kind("listing_coverage", _("Listing covering your area"))
        register_notification_kind("listing_review", _("Listing to review"))
