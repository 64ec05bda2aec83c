from __future__ import annotations

import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from accounts import generator
from accounts.app_modules import app_functions
from accounts.models import Region, User
from accounts.services import notify

DEMO_PASSWORD = "AidBridge#2026"

#: The province around the named demo people is the synthetic data generator's (``manage.py
#: generate_data``, the benchmarks' too) at this scale: about 1,000 households in 30 townships
#: with their members, visits and needs, 3 organisations with 6 projects, 450 applications
#: with answers and feedback, 20 referrals and 7 cases, all flagged synthetic. The named people
#: of the two demo counties, whose stories the pages and the tests follow, are the apps'
#: ``demo.py``.
DEMO_SCALE = 0.001
DEMO_SEED = 2026
#: The generator's apps for the demo: all but the evaluations (``reports/demo.py`` builds the
#: demo's own, over the named people too).
DEMO_GENERATED = ("needs", "supply", "matching", "referrals")

# Qingyuan (清远市): Yingde (英德市) with two towns, Qingxin (清新区) with one.
CITY = "441800000000"
COUNTY_A = "441881000000"  # 英德市
COUNTY_B = "441803000000"  # 清新区
TOWNSHIP_A1 = "441881101000"  # 沙口镇
TOWNSHIP_A2 = "441881102000"  # 望埠镇
TOWNSHIP_B1 = "441803102000"  # 太和镇

# username, name, role, region, phone
DEMO_USERS = [
    ("admin", "省厅管理员", User.Role.ADMINISTRATOR, "440000000000", "13800000001"),
    ("province_officer", "省民政厅 陈科长", User.Role.CIVIL_AFFAIRS, "440000000000", "13800000002"),
    ("city_officer", "清远市民政局 林科长", User.Role.CIVIL_AFFAIRS, CITY, "13800000003"),
    ("county_officer", "英德市民政局 黄干事", User.Role.CIVIL_AFFAIRS, COUNTY_A, "13800000004"),
    ("county_officer_b", "清新区民政局 吴干事", User.Role.CIVIL_AFFAIRS, COUNTY_B, "13800000005"),
    ("worker", "沙口镇社工站 李社工", User.Role.SOCIAL_WORKER, TOWNSHIP_A1, "13800000006"),
    (
        "worker_colleague",
        "沙口镇社工站 张社工",
        User.Role.SOCIAL_WORKER,
        TOWNSHIP_A1,
        "13800000007",
    ),
    ("worker_wangbu", "望埠镇社工站 周社工", User.Role.SOCIAL_WORKER, TOWNSHIP_A2, "13800000008"),
    ("worker_taihe", "太和镇社工站 何社工", User.Role.SOCIAL_WORKER, TOWNSHIP_B1, "13800000009"),
    ("charity", "广东省慈善会 王专员", User.Role.CHARITY, None, "13800000010"),
    # A member unit's login (英德市人社局); the unit itself is oversight's (oversight/demo_aid.py).
    (
        "member_unit",
        "英德市人社局 刘科员",
        User.Role.MEMBER_UNIT,
        COUNTY_A,
        "13800000011",
    ),
]


class Command(BaseCommand):
    help = (
        "Load regions, demo logins (one per role, two counties, three townships), the synthetic "
        "province around them (generate_data at a small scale) and each app's named demo people "
        "(<app>.demo.seed). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Allow running with DJANGO_DEBUG=false."
        )
        parser.add_argument(
            "--logins-only",
            action="store_true",
            help="Regions and logins only, without the apps' demo data (fast, for tests).",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["force"]:
            raise CommandError(
                "seed_demo creates logins with a published password; refusing to run in "
                "production (DJANGO_DEBUG=false). Use --force on a demo server only."
            )
        call_command("load_regions", stdout=self.stdout)
        with transaction.atomic():
            created = self._users()
        if not options["logins_only"]:
            self._province()
            self._app_demos()
        self._print_logins(created)

    def _users(self) -> int:
        created = 0
        regions = Region.objects.in_bulk([r for *_, r, _p in DEMO_USERS if r])
        for username, name, role, region_code, phone in DEMO_USERS:
            user, was_created = User.objects.get_or_create(username=username)
            created += was_created
            user.name = name
            user.role = role
            user.region = regions.get(region_code) if region_code else None
            user.email = f"{username}@demo.aidbridge.local"
            user.is_active = True
            user.is_staff = role == User.Role.ADMINISTRATOR
            user.is_superuser = role == User.Role.ADMINISTRATOR
            user.set_phone(phone)
            user.set_password(DEMO_PASSWORD)
            user.save()
            if was_created:
                notify(
                    recipients=[user],
                    title=f"欢迎使用慈善帮扶资源供需对接平台,{name}",
                    body="这是演示账号。登录后可在首页查看本辖区概况。",
                    url="/dashboard/",
                    kind="welcome",
                    email=False,
                )
        # A lockout left over from trying the demo must not block the printed logins.
        from axes.utils import reset

        for username, *_ in DEMO_USERS:
            reset(username=username)
        return created

    def _province(self) -> None:
        """The generator's province at the demo's scale, once (a second run finds it)."""
        if generator.synthetic_rows_present():
            return
        with translation.override(settings.LANGUAGE_CODE):
            ctx = generator.run(
                scale=DEMO_SCALE, seed=DEMO_SEED, only=DEMO_GENERATED, write=lambda _line: None
            )
        made = ", ".join(f"{label} {number:,}" for label, number in ctx.stats.items())
        self.stdout.write(f"generated province (scale {DEMO_SCALE}): {made}")

    def _app_demos(self) -> None:
        """Run ``seed(stdout=...)`` of every app's ``demo`` module, in INSTALLED_APPS order.

        Accounts imports no other app, so the apps above it bring their own demo data. An app
        without a ``demo`` module is skipped; an error inside one is not swallowed.
        """
        for _config, seed in app_functions("demo", "seed"):
            with transaction.atomic():
                seed(stdout=self.stdout)

    def _print_mail(self) -> None:
        """Say where the notifications went instead of printing each e-mail."""
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            folder = Path(settings.EMAIL_FILE_PATH)
            count = len(list(folder.glob("*.log"))) if folder.is_dir() else 0
            where = f"were written to {folder}/ ({count} files)"
        else:
            where = f"went to the {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]} e-mail backend"
        self.stdout.write(
            "\nNotifications are in each user's inbox (消息) on the site; their e-mails "
            f"(links to {settings.SITE_URL}) {where}."
        )

    def _print_logins(self, created: int) -> None:
        self._print_mail()
        self.stdout.write(f"\nDemo logins ({created} new), password for all: {DEMO_PASSWORD}\n")
        users = User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).select_related(
            "region"
        )
        by_name = {u.username: u for u in users}
        for username, *_ in DEMO_USERS:
            u = by_name[username]
            region = u.region.name if u.region else "-"
            role = _pad(str(u.get_role_display()), 18)
            self.stdout.write(f"  {username:<18} {role} {_pad(region, 8)} {u.name}")
        self.stdout.write("")


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - columns, 0)
