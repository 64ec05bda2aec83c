from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals and case service")

    def ready(self) -> None:
        from accounts.dashboard import register_card
        from accounts.menu import register_menu_item
        from matching.actions import register_application_action
        from matching.models import Application
        from needs.timeline import register_fragment, register_need_action

        from . import audit  # noqa: F401  (registers the personal-data models for change history)

        everyone = {"social_worker", "civil_affairs", "charity", "administrator"}
        government = {"social_worker", "civil_affairs", "administrator"}
        register_card("referrals:dashboard_card", roles=everyone)
        register_fragment("referrals:household_fragment", _("Referrals and case service"))
        register_need_action("referrals:refer_need", _("Refer"))
        register_application_action(
            "referrals:refer_instead",
            _("Refer instead"),
            statuses={Application.Status.REJECTED, Application.Status.EXPIRED},
        )
        register_menu_item("referrals", "referrals:inbox", _("Referrals"), roles=everyone, order=10)
        register_menu_item(
            "referrals", "referrals:case_list", _("Case service"), roles=government, order=20
        )
        register_menu_item(
            "referrals",
            "referrals:refer_person",
            _("Refer a person to civil affairs"),
            roles={"charity"},
            order=30,
        )
