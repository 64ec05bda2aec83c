from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def run_manage(
    *args: str,
    production: bool = False,
    unset: tuple[str, ...] = (),
    extra: dict | None = None,
    timeout: int = 120,
) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # Set by the browser tests' conftest for live_server; never part of a deployment.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if production:
        env.update(
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY="x" * 20 + "-production-secret-for-the-check-0123456789abcdef",
            DJANGO_ALLOWED_HOSTS="aidbridge.example.org",
            FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
            FIELD_HASH_KEY="h" * 40,
            DATABASE_URL=env.get("DATABASE_URL") or "sqlite:////tmp/aidbridge-deploy-check.sqlite3",
            REDIS_URL="redis://127.0.0.1:6379/0",
            EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587",
        )
    env.update(extra or {})
    for name in unset:
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
