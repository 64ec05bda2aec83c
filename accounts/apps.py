from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and regions")

    def ready(self) -> None:
        from . import audit, checks, receivers  # noqa: F401  (registers audit, checks, receivers)
