from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test.utils import override_settings

from config.celery import app as celery_app

from .factories import UserFactory, region_tree


@pytest.fixture(scope="session", autouse=True)
def _own_redis_database_per_process():
    """Under pytest-xdist each process gets its own Redis database for the cache: the tests
    empty the cache between tests (FLUSHDB), which would otherwise empty another process's
    mid-test (a throttle's or a lockout's count), and a worker started by a test would read
    another process's cached figures (the demand signals of an evaluation). Process ``gwN``
    takes database 2N above the configured one (the broker's, one above, is only used by tests
    that start a worker with their own broker)."""
    process = os.environ.get("PYTEST_XDIST_WORKER", "")
    cache_config = django_settings.CACHES["default"]
    if not process.startswith("gw") or not cache_config["BACKEND"].endswith("RedisCache"):
        yield
        return
    url = urlsplit(cache_config["LOCATION"])
    database = int(url.path.strip("/") or 0) + 2 * int(process[2:])
    location = urlunsplit(url._replace(path=f"/{database}"))
    # The processes the tests start (a real celery worker, manage.py) read REDIS_URL.
    before = os.environ.get("REDIS_URL")
    os.environ["REDIS_URL"] = location
    try:
        with override_settings(CACHES={"default": {**cache_config, "LOCATION": location}}):
            yield
    finally:
        if before is None:
            os.environ.pop("REDIS_URL", None)
        else:
            os.environ["REDIS_URL"] = before


@pytest.fixture(autouse=True)
def _isolated_services():
    """Tasks run inline in tests (a few integration tests start a real worker themselves), and
    the cache (Redis in CI, which throttles and lockouts use) starts empty for every test."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    # Celery's "a task is running here" flag is a process global that an eager task sets and
    # resets around itself; two eager tasks at once in a browser test's live-server threads
    # can leave it set, and every later ``.delay().get()`` would then refuse to wait.
    _set_task_join_will_block(False)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    """Files the tests write (ledger editions, exports) stay out of the project folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness buys nothing in tests (production keeps the default)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def regions(db):
    return region_tree()


@pytest.fixture
def worker(regions):
    """A social worker of Shakou town (英德市 沙口镇): the owner persona."""
    return UserFactory(
        username="worker",
        role="social_worker",
        region=regions["township_a1"],
        phone_number="13800138000",
    )


@pytest.fixture
def colleague(regions):
    """Another social worker of the same township."""
    return UserFactory(
        username="colleague",
        role="social_worker",
        region=regions["township_a1"],
        phone_number="13900139000",
    )


@pytest.fixture
def outsider(regions):
    """A social worker of another county (清新区 太和镇): sees nothing of Yingde."""
    return UserFactory(
        username="outsider",
        role="social_worker",
        region=regions["township_b1"],
        phone_number="13700137000",
    )


@pytest.fixture
def county_officer(regions):
    return UserFactory(username="county_officer", role="civil_affairs", region=regions["county_a"])


@pytest.fixture
def city_officer(regions):
    return UserFactory(username="city_officer", role="civil_affairs", region=regions["city"])


@pytest.fixture
def other_county_officer(regions):
    return UserFactory(
        username="other_county_officer", role="civil_affairs", region=regions["county_b"]
    )


@pytest.fixture
def administrator(regions):
    return UserFactory(
        username="administrator", role="administrator", region=regions["province"], is_staff=True
    )


@pytest.fixture
def charity_user(regions):
    return UserFactory(username="charity_user", role="charity", region=None)
