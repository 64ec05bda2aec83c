from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from accounts.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from accounts.models import Region, User

from ..demo_support import Loaded, seed_demo_twice

pytestmark = pytest.mark.django_db


def _state() -> dict[str, object]:
    from needs.models import Household

    return {
        "users": dict(User.objects.values_list("username", "role")),
        "generated households": Household.objects.filter(is_synthetic=True).count(),
        "named households": Household.objects.filter(
            is_synthetic=False, external_ref__startswith="演示-"
        ).count(),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Loaded]:
    """seed_demo run twice for the module (a full run takes half a minute), rolled back at
    its end; each test runs in a savepoint inside it."""
    yield from seed_demo_twice(django_db_blocker, tmp_path_factory, _state)


def test_seed_demo_is_idempotent_and_every_printed_login_works(loaded):
    assert loaded.second == loaded.first
    assert User.objects.filter(is_synthetic=False).count() == len(DEMO_USERS)
    assert Region.objects.filter(level=Region.Level.TOWNSHIP).count() == 1757
    assert {u.role for u in User.objects.all()} == set(User.Role.values)
    for username, *_ in DEMO_USERS:
        assert loaded.output.count(f"  {username} ") == 2  # the logins table of each run
        request = RequestFactory().post("/login/")
        assert authenticate(request=request, username=username, password=DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in loaded.output


def test_the_demo_province_is_the_generators_at_a_small_scale_made_once(loaded):
    """GIVEN a fresh database
    WHEN seed_demo runs twice
    THEN around the named demo people lies the synthetic data generator's province at the
    demo's scale (the benchmarks' generator: households in townships of many cities, their
    needs, projects, applications and referrals, all synthetic through a flagged root), made by
    the first run only."""
    from accounts.management.commands.seed_demo import DEMO_SCALE
    from matching.models import Application
    from needs.models import Household
    from needs.synthetic import HOUSEHOLDS
    from referrals.models import Referral

    assert loaded.first["generated households"] == round(HOUSEHOLDS * DEMO_SCALE)
    assert loaded.second["generated households"] == loaded.first["generated households"]
    assert loaded.output.count("generated province") == 1
    generated = Household.objects.filter(is_synthetic=True)
    assert generated.values("region_id").distinct().count() > 3  # beyond the demo's townships
    assert len({code[:4] for code in generated.values_list("region_id", flat=True)}) > 2
    assert Application.objects.filter(household__is_synthetic=True).exists()
    assert Referral.objects.filter(household__is_synthetic=True).exists()
    assert loaded.first["named households"] == 200
    assert User.objects.filter(is_synthetic=True, role="social_worker").exists()


def test_seed_demo_spans_two_counties_and_several_townships(loaded):
    workers = User.objects.filter(role="social_worker")
    assert len({u.region_id[:6] for u in workers}) >= 2
    assert len({u.region_id for u in workers}) >= 3


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refusing"):
        call_command("seed_demo")


def test_the_demo_command_prints_the_logins_not_the_emails(tmp_path):
    """GIVEN a fresh embedded setup (no environment: e-mail goes to files)
    WHEN the README's demo steps migrate and seed it, serving on port 8001
    THEN the output is short, ends with the logins table, says where the e-mails went, and
    the e-mails link to the address actually served."""
    from .helpers import run_manage

    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",
        "SITE_URL": "http://127.0.0.1:8001",
    }
    unset = ("REDIS_URL", "CELERY_BROKER_URL")
    migrated = run_manage("migrate", "--noinput", extra=env, unset=unset)
    assert migrated.returncode == 0, migrated.stderr
    seeded = run_manage("seed_demo", extra=env, unset=unset, timeout=600)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stderr == ""  # no warning (kombu's "No hostname was supplied" was one)
    lines = seeded.stdout.splitlines()
    assert len(lines) < 120, f"{len(lines)} lines printed"
    assert not any(line.startswith(("Subject:", "Content-Type:")) for line in lines)
    assert "password for all: AidBridge#2026" in seeded.stdout
    assert lines[-2].split()[0] == DEMO_USERS[-1][0]  # the table is the last thing printed
    mails = list((tmp_path / "mail").glob("*.log"))
    assert mails
    assert f"were written to {tmp_path / 'mail'}/ ({len(mails)} files)" in seeded.stdout
    text = "".join(m.read_text() for m in mails[:20])
    assert "http://127.0.0.1:8001/" in text
    assert "http://127.0.0.1:8000/" not in text
