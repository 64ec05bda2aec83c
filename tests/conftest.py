from __future__ import annotations

import pytest
from django.core.cache import cache

from config.celery import app as celery_app

from .factories import UserFactory, region_tree


@pytest.fixture(autouse=True)
def _isolated_services():
    """Tasks run inline in tests (a few integration tests start a real worker themselves), and
    the cache (Redis in CI, which throttles and lockouts use) starts empty for every test."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
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
