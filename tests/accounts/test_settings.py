from __future__ import annotations

import json

from .helpers import run_manage

PRINT_SETTINGS = (
    "from django.conf import settings as s; import json; from config.celery import app;"
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'eager': app.conf.task_always_eager,"
    "'cache': s.CACHES['default']['BACKEND'], 'email': s.EMAIL_BACKEND, 'lang': s.LANGUAGE_CODE,"
    "'tz': s.TIME_ZONE}))"
)


def test_with_no_environment_it_runs_embedded():
    result = run_manage(
        "shell", "-c", PRINT_SETTINGS, unset=("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "db": "django.db.backends.sqlite3",
        "eager": True,
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "email": "django.core.mail.backends.filebased.EmailBackend",
        "lang": "zh-hans",
        "tz": "Asia/Shanghai",
    }


def test_the_embedded_setup_passes_the_system_checks_without_a_warning():
    """A newcomer's first commands (no environment: SQLite) print no warning: the covering
    indexes' INCLUDE columns, a PostgreSQL speed-up SQLite ignores, are not reported."""
    result = run_manage(
        "check",
        "--database",
        "default",
        "--fail-level",
        "WARNING",
        unset=("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"),
    )
    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout


def test_with_database_and_redis_urls_it_uses_postgresql_and_redis():
    result = run_manage(
        "shell",
        "-c",
        PRINT_SETTINGS,
        extra={
            "DATABASE_URL": "postgres://aidbridge@127.0.0.1:5432/aidbridge",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["db"] == "django.db.backends.postgresql"
    assert values["eager"] is False
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
