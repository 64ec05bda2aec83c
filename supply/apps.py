from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "supply"
    verbose_name = _("Supply ledger")

    def ready(self) -> None:
        from accounts.dashboard import register_card

        register_card("supply:dashboard_card", roles={"charity", "civil_affairs", "administrator"})
