from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import REGIONS_CSV, REGIONS_VALID_FROM, regions_load


class Command(BaseCommand):
    help = "Load or refresh administrative divisions from the shipped Guangdong file (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=REGIONS_CSV)
        parser.add_argument(
            "--valid-from",
            type=dt.date.fromisoformat,
            default=REGIONS_VALID_FROM,
            help="Date the file's codes took effect (YYYY-MM-DD).",
        )

    def handle(self, *args, **options):
        if not options["file"].exists():
            raise CommandError(f"No such file: {options['file']}")
        try:
            result = regions_load(path=options["file"], valid_from=options["valid_from"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"regions: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.retired} retired "
            f"(placeholders skipped: {', '.join(result.skipped_placeholders) or 'none'})"
        )
