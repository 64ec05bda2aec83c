"""``manage.py generate_data --scale 1.0 --seed 1``: deterministic synthetic data.

Scale 1.0 is DOMAIN.md §2's province (Guangdong): villages under the real townships, 30,000
social workers, 1,000,000 households with 2,400,000 members, 600,000 needs, 3,000
organisations, 6,000 projects, 450,000 applications with their answers and feedback, 20,000
referrals in the three directions, 8,000 cases, and last year's annual evaluation of the
province. Each installed app's ``<app>/synthetic.py`` makes its own part (``generate(ctx)``,
see ``accounts.generator``), in INSTALLED_APPS order.

Every root row made is flagged synthetic (``is_synthetic``: users, households, organisations,
and the villages' regions); members, needs, visits, projects, applications, referrals, cases
and the rest are synthetic through the household or organisation they belong to. The command
refuses a database that already holds synthetic rows (start from an empty one), and production
unless ``--force``. Everything is made in one transaction: a failure leaves nothing behind in
the database (the evaluation's files, written under MEDIA_ROOT when it is built, stay:
reports/synthetic.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import generator


class Command(BaseCommand):
    help = (
        "Make deterministic synthetic data at a scale of DOMAIN.md's province (1.0: 1,000,000 "
        "households, 30,000 social workers, 3,000 organisations, 450,000 applications, 20,000 "
        "referrals, 8,000 cases, last year's evaluation of the province ...) "
        "through each app's <app>/synthetic.py. Root rows (users, households, organisations, "
        "villages) are flagged is_synthetic; the rest is synthetic through them. Refuses a "
        "database that already holds synthetic data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=0.01, help="1.0 = DOMAIN.md's province (default 0.01)"
        )
        parser.add_argument("--seed", type=int, default=1, help="same seed and scale, same rows")
        parser.add_argument(
            "--force", action="store_true", help="Allow running with DJANGO_DEBUG=false."
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(options)

    def _handle(self, options) -> None:
        scale, seed = options["scale"], options["seed"]
        if not 0 < scale <= 10:
            raise CommandError(_("The scale must be above 0 and at most 10."))
        if settings.PRODUCTION and not options["force"]:
            raise CommandError(
                _(
                    "generate_data fills the database with synthetic people; refusing to run in "
                    "production (DJANGO_DEBUG=false). Use --force on a test server only."
                )
            )
        call_command("load_regions", stdout=self.stdout, verbosity=0)
        if generator.synthetic_rows_present():
            raise CommandError(
                _(
                    "This database already holds synthetic data: generate it into an empty "
                    "database (or one with real or demo data only)."
                )
            )
        ctx = generator.run(
            scale=scale,
            seed=seed,
            write=self.stdout.write,
            progress=options["verbosity"] >= 2,
        )
        self.stdout.write(_("Created:"))
        for label, number in ctx.stats.items():
            self.stdout.write(f"  {label}: {number:,}")
        self.stdout.write(_("Done in %(seconds).1f s.") % {"seconds": ctx.seconds})
