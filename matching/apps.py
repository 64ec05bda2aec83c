from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching service")

    def ready(self) -> None:
        from accounts.dashboard import register_card
        from needs.timeline import register_fragment, register_need_action

        from . import audit  # noqa: F401  (registers the personal-data models for change history)

        register_card(
            "matching:dashboard_card",
            roles={"social_worker", "charity", "civil_affairs", "administrator"},
        )
        register_fragment("matching:household_fragment", _("Applications for aid"))
        register_need_action("matching:candidates", _("Find resources"))
