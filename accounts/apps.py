from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and regions")

    def ready(self) -> None:
        from . import audit, checks, receivers  # noqa: F401  (registers audit, checks, receivers)

        _empty_choice_in_words()
        from .menu import register_menu_item
        from .services import register_notification_kind

        register_notification_kind("welcome", _("Welcome"))

        everyone = {"social_worker", "civil_affairs", "charity", "member_unit", "administrator"}
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


def _empty_choice_in_words() -> None:
    """Every select's empty choice reads 请选择, not Django's "---------": the model fields'
    choices (``BLANK_CHOICE_DASH``, also the admin's action list) and the foreign-key selects
    (``ModelChoiceField``'s default ``empty_label``), in our forms and in the admin alike. A
    filter's empty choice says 不限 instead (``accounts.filters.blank_means_any``)."""
    from django import forms
    from django.db.models import fields

    please_choose = _("Please choose")
    fields.BLANK_CHOICE_DASH[:] = [("", please_choose)]
    forms.ModelChoiceField.__init__.__kwdefaults__["empty_label"] = please_choose
