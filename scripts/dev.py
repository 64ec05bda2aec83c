#!/usr/bin/env python3
"""Set up and run AidBridge with nothing but Python 3.11.

    python3 scripts/dev.py demo [ADDRESS]  # venv, dependencies, migrate, demo data, serve
                                           # (on 127.0.0.1:8000, or ADDRESS such as 8001)
    python3 scripts/dev.py test    # venv, dependencies, the whole test suite (pytest args follow)
    python3 scripts/dev.py setup   # venv and dependencies only (used by CI before its checks)

Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if completed.returncode:
        sys.exit(completed.returncode)


def base_python() -> str:
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    for name in ("python3.11", "python311"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit(f"AidBridge needs Python 3.11; this is {sys.version.split()[0]}; no python3.11 found.")


def ensure_environment() -> None:
    if not PY.exists():
        say("Creating the virtual environment in .venv")
        interpreter = base_python()
        if interpreter == sys.executable:
            venv.EnvBuilder(with_pip=True).create(VENV)
        else:
            run(interpreter, "-m", "venv", VENV)
    stamp = VENV / ".aidbridge-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        say("Installing dependencies (pyproject.toml, with the dev extra)")
        run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--upgrade", "pip")
        run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[dev]")
        stamp.write_text(wanted)
    say("Compiling the Chinese message catalogue")
    run(PY, "manage.py", "build_translations")


def demo(argv: list[str]) -> None:
    """Set up and serve the demo; an optional address (``127.0.0.1:8001``, ``0.0.0.0:8000``)
    serves somewhere else when port 8000 is taken. Links in the demo's e-mails use it."""
    address = argv[0] if argv else "127.0.0.1:8000"
    if address.isdigit():  # a bare port
        address = f"127.0.0.1:{address}"
    env = dict(os.environ)
    host, _, port = address.rpartition(":")
    reachable = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 (only compared)
    env.setdefault("SITE_URL", f"http://{reachable}:{port}")
    ensure_environment()
    say("Migrating the database")
    run(PY, "manage.py", "migrate", "--noinput", env=env)
    say("Loading Guangdong regions and demo data")
    run(PY, "manage.py", "seed_demo", env=env)
    say(f"Serving AidBridge on http://{address}/  (Ctrl+C to stop)")
    os.execve(str(PY), [str(PY), "manage.py", "runserver", address], env)


def test(argv: list[str]) -> None:
    ensure_environment()
    env = dict(os.environ)
    say(
        "Running the test suite on "
        + ("PostgreSQL (DATABASE_URL)" if env.get("DATABASE_URL") else "SQLite")
    )
    # One test process per core (pytest-xdist), each with its own test database; a file's
    # tests stay in one process, since several files load the demo once for all their tests.
    # ``-n 0`` (or any ``-n``/``--numprocesses`` given) overrides it.
    if not any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in argv):
        argv = ["-n", "auto", "--dist", "loadfile", *argv]
    run(PY, "-m", "pytest", *argv, env=env)


def setup(argv: list[str]) -> None:
    ensure_environment()


COMMANDS = {"demo": demo, "test": test, "setup": setup}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
