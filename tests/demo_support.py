"""Running ``seed_demo`` twice for the demo tests of every app."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from config.celery import app as celery_app


@dataclass
class Loaded:
    first: dict[str, object]
    second: dict[str, object]
    output: str


def seed_demo_twice(
    django_db_blocker, tmp_path_factory, state: Callable[[], dict[str, object]]
) -> Iterator[Loaded]:
    """seed_demo run twice, ``state()`` read after each run, all rolled back afterwards. The
    function-scoped fixtures of tests/conftest.py do not reach a module fixture, so this sets
    fast hashing, a temporary media folder and eager tasks itself."""
    out = io.StringIO()
    with _rolled_back_demo_settings(django_db_blocker, tmp_path_factory):
        call_command("seed_demo", stdout=out)
        first = state()
        call_command("seed_demo", stdout=out)
        yield Loaded(first=first, second=state(), output=out.getvalue())


def seed_demo_once(django_db_blocker, tmp_path_factory, media_root=None) -> Iterator[str]:
    """seed_demo run once for a module's tests (yields its output), rolled back afterwards;
    the same settings as ``seed_demo_twice``. Give ``media_root`` to read the files it wrote
    (the edition workbook) from the tests, whose own MEDIA_ROOT is a folder per test."""
    out = io.StringIO()
    with _rolled_back_demo_settings(django_db_blocker, tmp_path_factory, media_root):
        call_command("seed_demo", stdout=out)
        yield out.getvalue()


@contextlib.contextmanager
def _rolled_back_demo_settings(
    django_db_blocker, tmp_path_factory, media_root=None
) -> Iterator[None]:
    """Database access, fast hashing, a temporary media folder and eager tasks for a module
    fixture, inside a transaction that is rolled back at the end."""
    celery_app.conf.task_always_eager = True
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=media_root or tmp_path_factory.mktemp("media"),
        ),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)
