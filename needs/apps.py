from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "needs"
    verbose_name = _("Need ledger")

    def ready(self) -> None:
        from accounts.dashboard import register_card
        from accounts.menu import register_menu_item

        from . import audit  # noqa: F401  (registers the personal-data models for change history)

        ledger_keepers = {"social_worker", "civil_affairs", "administrator"}
        register_card("needs:dashboard_card", roles=ledger_keepers)
        register_menu_item("needs", "needs:household_list", _("Households"), roles=ledger_keepers)
        register_menu_item(
            "needs", "needs:filing_export", _("Filing export"), roles=ledger_keepers, order=60
        )
