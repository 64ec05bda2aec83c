"""Run issue 13's benchmarks at the chosen scales and write bench/RESULTS.md.

Each benchmark runs in its own process on its own throw-away PostgreSQL database (the
``DATABASE_URL``'s server) and prints each figure beside its target with a verdict ("met" or
"MISSED"); this runner keeps those lines, per benchmark and scale, with the machine, the date,
the load average before and after, and how long each took, and writes them to RESULTS.md
(``--output``). Scale-free benchmarks (the 10,000-row import) run once.

    DATABASE_URL=postgres://aidbridge:aidbridge@127.0.0.1:5432/aidbridge_bench \\
        REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/run_all.py --scales 0.01 0.1 1.0

``--only candidates households`` runs some of them. The targets are for scale 1.0; the smaller
scales show the growth. A quiet machine gives the figures that count: other work on the same
cores shows in the load average printed beside each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (name, script, arguments per scale or None when the benchmark has no scale, what it measures)
BENCHES: list[tuple[str, str, bool, str]] = [
    ("candidates", "bench_candidates.py", True, "candidate search, its bare SQL, the page"),
    ("households", "bench_households.py", True, "household list pages, ID-number lookup"),
    ("edition", "bench_edition.py", True, "publishing an edition with its notifications"),
    ("import", "bench_import.py", False, "a 10,000-row supply ledger workbook"),
    ("reports", "bench_reports.py", True, "the annual evaluation's figures and build"),
    ("risk", "bench_risk.py", True, "the early-warning job"),
    ("demand", "bench_demand.py", True, "demand signals"),
    ("load", "bench_load.py", True, "50 simulated staff on gunicorn (locust)"),
]

VERDICT = re.compile(r"\b(met|MET|MISSED)\b")


def machine() -> str:
    cores = os.cpu_count()
    memory = ""
    try:
        total_kb = int(
            next(
                x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("Mem")
            ).split()[1]
        )
        memory = f", {total_kb / 1024 / 1024:.0f} GiB memory"
    except (OSError, StopIteration, ValueError):
        pass
    try:
        server = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        server = "psql not found"
    return (
        f"{platform.node()}: {cores} cores{memory}, {platform.platform()}, "
        f"Python {platform.python_version()}, {server}"
    )


def run(script: str, scale: float | None) -> tuple[int, list[str], float, str]:
    args = [sys.executable, str(ROOT / "bench" / script)]
    if scale is not None:
        args += ["--scale", str(scale)]
    load = f"{os.getloadavg()[0]:.1f}"
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    load += f" → {os.getloadavg()[0]:.1f}"
    lines = [x.rstrip() for x in proc.stdout.splitlines() if VERDICT.search(x)]
    if proc.returncode not in (0, 1) or not lines:
        lines.append(f"(exit {proc.returncode}) " + " ".join(proc.stderr.strip().splitlines()[-3:]))
    return proc.returncode, lines, took, load


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    parser.add_argument("--only", nargs="*", help="names: " + ", ".join(b[0] for b in BENCHES))
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("run_all needs PostgreSQL: set DATABASE_URL")
        return 2
    # In the order given with --only (the ones wanted first), else the table's.
    by_name = {b[0]: b for b in BENCHES}
    chosen = [by_name[n] for n in args.only if n in by_name] if args.only else BENCHES
    started = dt.datetime.now().astimezone()
    sections: list[str] = []
    missed_at_full = 0
    for name, script, scaled, what in chosen:
        rows = []
        for scale in args.scales if scaled else [None]:
            print(f"{name} at scale {scale or '-'} ...", flush=True)
            code, lines, took, load = run(script, scale)
            if scale in (None, 1.0):
                missed_at_full += sum("MISSED" in x for x in lines)
                missed_at_full += code not in (0, 1)
            rows.append((scale, code, lines, took, load))
        out = [f"## {name}: {what}", "", f"`bench/{script}`", ""]
        for scale, _code, lines, took, load in rows:
            out.append(
                f"### scale {scale if scale is not None else '(fixed size)'} "
                f"— {took:.0f} s, load average {load}"
            )
            out += ["", "```", *lines, "```", ""]
        sections.append("\n".join(out))
        print("\n".join(out), flush=True)
        # Written after each benchmark: a run cut short keeps what it measured.
        write(args, started, sections, missed_at_full, done=len(sections) == len(chosen))
    print(f"wrote {args.output}; targets missed at full scale: {missed_at_full}")
    return 1 if missed_at_full else 0


def write(
    args: argparse.Namespace, started: dt.datetime, sections: list[str], missed: int, done: bool
) -> None:
    header = [
        "# Benchmark results",
        "",
        "Written by `bench/run_all.py`; each line is a benchmark's own figure beside its target "
        "with its verdict (issue 13's targets are for scale 1.0 on PostgreSQL).",
        "",
        f"- date: {started:%Y-%m-%d %H:%M %Z}",
        f"- machine: {machine()}",
        f"- scales: {', '.join(str(s) for s in args.scales)}",
        f"- targets missed at scale 1.0 (or fixed size): {missed}"
        + ("" if done else " so far (the run is not finished: benchmarks below are missing)"),
        "",
        "Reproduce: `pip install -e '.[dev,bench]'`, then "
        "`DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/run_all.py "
        f"--scales {' '.join(str(s) for s in args.scales)}`.",
        "",
    ]
    Path(args.output).write_text("\n".join(header) + "\n" + "\n".join(sections), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
