"""Region scope at Guangdong scale: the staff directory of a county, a city and the province.

30,000 social workers spread over the 1,757 townships and 3,000 civil-affairs officers over the
counties (DOMAIN.md, 2025). The directory page is the first page of
``staff_list_for_user(user)`` plus its count, exactly as the view runs it.
"""

from __future__ import annotations

import itertools
import time

from _setup import median_ms, throwaway_database

TARGET_MS = 50.0


def main() -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Region, User
    from accounts.selectors import staff_list_for_user
    from accounts.services import regions_load

    with throwaway_database() as vendor:
        start = time.perf_counter()
        regions_load()
        load_ms = (time.perf_counter() - start) * 1000

        townships = list(Region.objects.filter(level="township").values_list("code", flat=True))
        counties = list(Region.objects.filter(level="county").values_list("code", flat=True))
        start = time.perf_counter()
        workers = (
            User(username=f"sw{i}", name=f"社工{i}", role="social_worker", region_id=code)
            for i, code in zip(range(30_000), itertools.cycle(townships), strict=False)
        )
        User.objects.bulk_create(workers, batch_size=2000)
        officers = (
            User(username=f"ca{i}", name=f"民政{i}", role="civil_affairs", region_id=code)
            for i, code in zip(range(3_000), itertools.cycle(counties), strict=False)
        )
        User.objects.bulk_create(officers, batch_size=2000)
        fill_ms = (time.perf_counter() - start) * 1000
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        viewers = {
            "county 英德市": User.objects.create(
                username="v_county", role="civil_affairs", region_id="441881000000"
            ),
            "city 广州市": User.objects.create(
                username="v_city", role="civil_affairs", region_id="440100000000"
            ),
            "province": User.objects.create(
                username="v_province", role="administrator", region_id="440000000000"
            ),
        }

        print(f"database: {vendor}")
        print(f"load 1,901 regions: {load_ms:.0f} ms; create 33,000 users: {fill_ms:.0f} ms")
        worst = 0.0
        for label, viewer in viewers.items():
            viewer = User.objects.select_related("region").get(pk=viewer.pk)

            def page(viewer=viewer):
                qs = staff_list_for_user(viewer)
                return qs.count(), list(qs[:50])

            count, rows = page()
            ms = median_ms(page)
            worst = max(worst, ms)
            with CaptureQueriesContext(connection) as ctx:
                page()
            print(
                f"{label:<14} {count:>6} visible, page of {len(rows)}: "
                f"{ms:6.1f} ms, {len(ctx)} queries"
            )

        if vendor == "postgresql":
            qs = staff_list_for_user(User.objects.get(username="v_county"))
            plan = qs.explain()
            uses_index = "Index" in plan
            print("county plan uses an index:", uses_index)
        ok = worst < TARGET_MS
        print(
            f"verdict: worst median {worst:.1f} ms against {TARGET_MS:.0f} ms -> "
            + ("OK" if ok else "TOO SLOW")
        )
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
