from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and regions")

    def ready(self) -> None:
        from . import audit, checks, receivers  # noqa: F401  (registers audit, checks, receivers)
        from .menu import register_menu_item

        everyone = {"social_worker", "civil_affairs", "charity", "administrator"}
        register_menu_item("home", "dashboard", _("Home"), roles=everyone)
        register_menu_item(
            "more",
            "staff_list",
            _("Staff directory"),
            roles={"social_worker", "civil_affairs", "administrator"},
            order=10,
        )
        register_menu_item("more", "audit", _("Audit"), roles={"administrator"}, order=20)
        register_menu_item(
            "more", "admin:index", _("Administration"), roles={"administrator"}, order=30
        )
        register_menu_item("more", "swagger-ui", _("API"), roles={"administrator"}, order=40)
