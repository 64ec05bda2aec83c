"""``dumpdata`` that will not write personal data in plain text unless told to.

Django's serializers read fields through the model, so every encrypted field (ID numbers,
phones, health and the free text about people) comes out decrypted. A routine fixture dump must
not become a plaintext export of the ledger: when the models to dump (named, or included by a
bare ``dumpdata`` or ``dumpdata <app>``) contain personal ones, the command refuses and names
them, unless ``--reveal-personal-data`` is given. It refuses rather than leaving them out, so
that nobody mistakes a silently partial dump for a complete one. Personal models are those with
an encrypted field, the change history (auditlog's LogEntry) and the access log.

Backups are ``pg_dump`` of the database (encrypted values only) with the keys kept apart: see
README.md, "Backups".
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import CommandError
from django.core.management.commands import dumpdata
from django.core.management.utils import parse_apps_and_model_labels
from django.db import models

from accounts.fields import EncryptedTextField

FLAG = "--reveal-personal-data"
#: Personal without an encrypted field: they record who did or saw what to whom.
PERSONAL_LABELS = frozenset({"auditlog.logentry", "accounts.accesslog"})


def is_personal(model: type[models.Model]) -> bool:
    return model._meta.label_lower in PERSONAL_LABELS or any(
        isinstance(field, EncryptedTextField) for field in model._meta.concrete_fields
    )


def models_to_dump(app_labels: tuple[str, ...], excludes: list[str]) -> list[type[models.Model]]:
    """The concrete models ``dumpdata`` would write for these arguments (as Django's command
    chooses them; unknown labels raise its CommandError)."""
    excluded_models, excluded_apps = parse_apps_and_model_labels(excludes)
    chosen: list[type[models.Model]] = []
    if not app_labels:
        for app_config in apps.get_app_configs():
            if app_config.models_module is not None and app_config not in excluded_apps:
                chosen.extend(app_config.get_models())
    else:
        named_models, named_apps = parse_apps_and_model_labels(app_labels)
        chosen.extend(m for m in named_models if m._meta.app_config not in excluded_apps)
        for app_config in named_apps - excluded_apps:
            if app_config.models_module is not None:
                chosen.extend(app_config.get_models())
    return [
        model
        for model in dict.fromkeys(chosen)
        if model not in excluded_models and not model._meta.proxy
    ]


class Command(dumpdata.Command):
    help = (
        dumpdata.Command.help
        + " Personal models (encrypted fields, change history, access log) are refused unless "
        f"{FLAG} is given: their values would be written in plain text. Not a backup: use "
        "pg_dump and keep the keys apart."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            FLAG,
            action="store_true",
            dest="reveal_personal_data",
            help=(
                "Also dump personal models; their encrypted fields are written in plain text. "
                "Keep the output as safe as the database itself and delete it after use."
            ),
        )

    def handle(self, *app_labels, **options):
        personal = [m for m in models_to_dump(app_labels, options["exclude"]) if is_personal(m)]
        if personal and not options["reveal_personal_data"]:
            names = ", ".join(sorted(m._meta.label for m in personal))
            raise CommandError(
                "Refusing to dump personal data in plain text. These models hold personal "
                f"data: {names}. Leave them out (for example --exclude {personal[0]._meta.label}"
                f") or give {FLAG} if a plaintext export is really needed. For backups use "
                "pg_dump, which keeps the encrypted values encrypted (README.md, Backups)."
            )
        if personal:
            self.stderr.write(
                "Warning: the output holds personal data in plain text "
                f"({len(personal)} personal models). Keep it safe and delete it after use."
            )
        return super().handle(*app_labels, **options)
