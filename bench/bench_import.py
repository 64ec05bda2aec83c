"""Importing a 10,000-row supply ledger workbook: 5,000 organisations and 5,000 projects (the
most a sheet takes, ``supply.excel.MAX_ROWS``), as a county's civil affairs officer would.

Measured, each ``--repeat`` times (p50 and p95), in a throw-away database: the preview of the
new rows (a dry run: every check, every write, rolled back), the import itself (the same,
committed), and the preview of the county's whole ledger exported and read back (5,000
organisations and 5,000 projects, all unchanged: the update path). Each figure is printed with
its query count and against the 60 s target.

    DATABASE_URL=postgres://... .venv/bin/python bench/bench_import.py
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from _setup import throwaway_database

TARGET_S = 60.0
COUNTY = "441881000000"  # 英德市


def workbook(rows: int, townships: list[str]) -> bytes:
    from openpyxl import Workbook
    from stdnum.cn import uscc

    from supply import excel

    def code(i: int) -> str:
        body = f"51441881MJ{i:07d}"
        return body + uscc.calc_check_digit(body)

    wb = Workbook()
    wb.remove(wb.active)
    orgs = wb.create_sheet(excel.ORG_SHEET)
    orgs.append(["英德市 社会组织"])
    orgs.append([c.header for c in excel.ORG_COLUMNS])
    projects = wb.create_sheet(excel.PROJECT_SHEET)
    projects.append(["英德市 帮扶项目"])
    projects.append([c.header for c in excel.PROJECT_COLUMNS])
    for i in range(rows):
        org = {
            "credit_code": code(i),
            "name": f"英德市第{i}助老服务中心",
            "org_type": "社会服务机构",
            "contact_name": "张三",
            "contact_phone": "0763-2222222",
            "address": f"英城街道 {i} 号",
        }
        orgs.append([org.get(c.key) for c in excel.ORG_COLUMNS])
        project = {
            "credit_code": code(i),
            "title": f"独居老人助餐第{i}期",
            "description": "为独居老人每日送一餐",
            "area": "扶老",
            "form": "生活照料(助餐、助洁、助浴)、资金",
            "status": "低保对象、特困人员",
            "tag": "独居老人",
            "age_min": 60,
            "capacity": 30,
            "value_per_beneficiary": "1,200.5元",
            "application_process": "社工协助申请",
            "starts_on": "2026-01-01",
            "coverage": "、".join(townships[i % len(townships) : i % len(townships) + 2]),
        }
        projects.append([project.get(c.key) for c in excel.PROJECT_COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000, help="per sheet (two sheets)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Region, User
    from accounts.services import regions_load
    from supply import excel
    from supply.models import Organization, Project

    with throwaway_database() as vendor:
        regions_load()
        officer = User.objects.create(
            username="county_officer", role="civil_affairs", region_id=COUNTY
        )
        townships = list(
            Region.objects.filter(
                level="township", code__startswith=COUNTY[:6], valid_to__isnull=True
            )
            .order_by("code")
            .values_list("code", flat=True)
        )
        data = workbook(args.rows, townships)
        print(
            f"database: {vendor}; workbook of {2 * args.rows:,} rows "
            f"({args.rows:,} organisations, {args.rows:,} projects), {len(data) / 1e6:.1f} MB"
        )

        def run(label: str, payload: bytes, *, dry_run: bool, repeat: int) -> bool:
            samples, queries = [], 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    report = excel.ledger_import(
                        user=officer, data=payload, filename="ledger.xlsx", dry_run=dry_run
                    )
                    samples.append(time.perf_counter() - start)
                assert report.ok, report.errors[:5]
                queries = len(ctx)
            samples.sort()
            p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
            ok = p95 <= TARGET_S
            print(
                f"{label:<44} p50 {statistics.median(samples):6.1f} s  p95 {p95:6.1f} s  "
                f"{queries:>5} queries  target {TARGET_S:.0f} s: {'met' if ok else 'MISSED'}"
            )
            return ok

        ok = run("preview of the new rows (dry run)", data, dry_run=True, repeat=args.repeat)
        ok &= run("import of the new rows", data, dry_run=False, repeat=1)
        assert Organization.objects.count() == args.rows
        assert Project.objects.count() == args.rows
        exported = excel.ledger_workbook(user=officer)
        ok &= run(
            "preview of the exported ledger (unchanged)", exported, dry_run=True, repeat=args.repeat
        )
        print("verdict: " + ("met" if ok else "MISSED"))
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
