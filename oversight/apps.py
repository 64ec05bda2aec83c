from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Oversight")

    def ready(self) -> None:
        from accounts.dashboard import register_card
        from accounts.menu import register_menu_item
        from accounts.services import register_notification_kind

        from . import audit  # noqa: F401  (registers the personal-data models for change history)
        from .risk import ensure_rule_settings

        post_migrate.connect(ensure_rule_settings, sender=self)

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
        self._member_units(officers)

    @staticmethod
    def _member_units(officers: set[str]) -> None:
        """Member units' aid records: the queue and the unit's pages, the card, the rows of the
        pre-aid check (matching.hooks) and the household's timeline (needs.timeline)."""
        from accounts.dashboard import register_card
        from accounts.menu import register_menu_item
        from accounts.roles import register_role_areas
        from matching.hooks import register_pre_aid_source
        from needs.timeline import register_fragment

        from . import aid_records

        # A member unit's login reaches its own pages and the public ones, never the ledger.
        register_role_areas(
            "member_unit",
            {"oversight:aid_", "oversight_api:aid_", "complaints", "showcase", "demand"},
        )
        readers = {*officers, "member_unit"}
        register_card("oversight:aid_card", roles=readers)
        register_menu_item(
            "oversight",
            "oversight:aid_record_list",
            _("Aid records of member units"),
            roles=readers,
            order=25,
        )
        register_menu_item(
            "oversight",
            "oversight:aid_import",
            _("Import aid records"),
            roles={"member_unit"},
            order=30,
        )
        register_fragment("oversight:aid_household_fragment", _("Aid from other departments"))
        register_pre_aid_source("member_unit", aid_records.pre_aid_rows)
