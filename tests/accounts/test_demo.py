from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from accounts.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from accounts.models import Region, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_every_printed_login_works(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out

    assert User.objects.count() == len(DEMO_USERS)
    assert Region.objects.filter(level=Region.Level.TOWNSHIP).count() == 1757
    assert {u.role for u in User.objects.all()} == set(User.Role.values)
    for username, *_ in DEMO_USERS:
        assert username in out
        request = RequestFactory().post("/login/")
        assert authenticate(request=request, username=username, password=DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in out


def test_seed_demo_spans_two_counties_and_several_townships():
    call_command("seed_demo")
    workers = User.objects.filter(role="social_worker")
    assert len({u.region_id[:6] for u in workers}) >= 2
    assert len({u.region_id for u in workers}) >= 3


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refusing"):
        call_command("seed_demo")
