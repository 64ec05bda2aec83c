from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "needs"
    verbose_name = _("Need ledger")

    def ready(self) -> None:
        from accounts.dashboard import register_card

        from . import audit  # noqa: F401  (registers the personal-data models for change history)

        register_card(
            "needs:dashboard_card", roles={"social_worker", "civil_affairs", "administrator"}
        )
