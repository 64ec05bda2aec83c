"""The need ledger's synthetic data (``manage.py generate_data``, ``accounts.generator``).

At scale 1.0, DOMAIN.md §2's province: 26,500 villages under the real townships, 30,000 social
workers spread over the townships, 1,000,000 households (a township of a big county holds
several times the households of a small one) with 2,400,000 members, about 600,000 needs
(charity areas and forms of aid in ``accounts.generator``'s mix; open, matching or met, a tenth
urgent), 900,000 visits, assistance statuses (低保, 特困) and vulnerability tags. At scales where
there are fewer workers than townships, only as many townships (drawn) are used, one worker
each.

On PostgreSQL households and what hangs from them are made by the database itself
(``INSERT … SELECT`` over ``generate_series``, ``setseed`` first): scale 1.0 in minutes. On
other databases (SQLite, small scales) the same mix is bulk-created from Python. Members' ID
number indexes are random digests (unique, as many as real ones); free text is one encrypted
placeholder. The households' kept list flags are refreshed at the end (``needs.flags``), after
ANALYZE on PostgreSQL: without statistics the refresh reads every member for each household.

Leaves in ``ctx.shared``: ``townships`` (codes used), ``workers`` (township code → user ids).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import connection
from django.utils.translation import pgettext

from accounts.generator import (
    AREAS,
    FORMS,
    GIVEN,
    SURNAMES,
    Context,
    chinese_name,
    indexes_after_load,
    spread,
    synthetic_user,
)

HOUSEHOLDS = 1_000_000
SOCIAL_WORKERS = 30_000
VILLAGES = 26_500
#: Members a household: 2.4 on average (DOMAIN.md: 2,400,000 people in 1,000,000 households).
SIZES = (1, 1, 2, 2, 2, 3, 3, 3, 3, 4)
#: A township's weight: how many times a small township's households it holds.
WEIGHTS = (1, 1, 2, 3, 8)
NEED_SHARE = 0.6
NEED_STATUSES = ("open", "matching", "met")
GAP_CLASSES = ("", "", "not_eligible_in_difficulty", "covered_still_in_difficulty")
TAGS = ("disabled", "left_behind_child", "elder_alone")
TAG_SHARE = 0.08
#: Heads: 低保 below 0.6, 特困 from 0.6 to 0.67.
DIBAO_BELOW, TEKUN_BELOW = 0.6, 0.67
#: Synthetic villages are numbered from here in their township (the demo's stay below).
FIRST_VILLAGE = 500
VILLAGE_NAMES = (
    "上围", "下围", "新屋", "老屋", "石角", "塘头", "大岭", "水口", "田心", "岭背", "坑尾",
    "松岗", "竹山", "围仔", "龙岗", "沙坪", "新村", "河背", "高田", "长岭", "东坑", "西岸",
)  # fmt: skip


def generate(ctx: Context) -> None:
    from accounts.models import Region

    townships = list(
        Region.objects.filter(level="township", valid_to__isnull=True, is_synthetic=False)
        .order_by("code")
        .values_list("code", "name")
    )
    rng = ctx.rng("townships")
    weight_of = {code: rng.choice(WEIGHTS) for code, _name in townships}
    n_workers = ctx.count("social_workers", SOCIAL_WORKERS)
    if n_workers < len(townships):
        townships = sorted(rng.sample(townships, n_workers))
    used = [code for code, _name in townships]
    weights = [weight_of[code] for code in used]
    with ctx.step(pgettext("generated rows", "villages")):
        villages = _villages(ctx, used, weights)
    with ctx.step(pgettext("generated rows", "social workers")):
        workers = _workers(ctx, used, weights, n_workers)
    ctx.shared["townships"] = used
    ctx.shared["workers"] = workers
    plan = {
        "townships": townships,
        "weights": weights,
        "villages": villages,
        "workers": workers,
        "households": ctx.count("households", HOUSEHOLDS),
    }
    from needs.models import AssistanceRecord, Household, Member, MemberTag, Need, Visit

    # The households' indexes come last: the flags' refresh rewrites every household row (and
    # would update each of its indexes, the address's trigram index too), and it reads the
    # members, statuses, tags and needs by their household's or member's index.
    with indexes_after_load(ctx, Household):
        with indexes_after_load(ctx, Member, Need, Visit, AssistanceRecord, MemberTag):
            if ctx.postgresql:
                _households_sql(ctx, plan)
            else:
                _households_orm(ctx, plan)
        _refresh_flags(ctx)


def _villages(ctx: Context, used: list[str], weights: list[int]) -> dict[str, list[str]]:
    """Synthetic villages under the townships, more under the heavier ones."""
    from accounts.models import Region

    rng = ctx.rng("villages")
    number: dict[str, int] = {}
    rows = []
    for township in rng.choices(used, weights, k=ctx.count("villages", VILLAGES)):
        k = number.get(township, FIRST_VILLAGE)
        if k > 999:  # a township's codes are spent: the household lives in another village
            continue
        number[township] = k + 1
        rows.append(
            Region(
                code=f"{township[:9]}{k:03d}",
                name=rng.choice(VILLAGE_NAMES) + "村",
                level=Region.Level.VILLAGE,
                kind=Region.Kind.VILLAGE_COMMITTEE,
                parent_id=township,
                valid_from=ctx.today,
                is_synthetic=True,
            )
        )
    Region.objects.bulk_create(rows, batch_size=5000)
    ctx.record(pgettext("generated rows", "villages"), len(rows))
    villages: dict[str, list[str]] = {}
    for region in rows:
        villages.setdefault(region.parent_id, []).append(region.code)
    return villages


def _workers(
    ctx: Context, used: list[str], weights: list[int], n_workers: int
) -> dict[str, list[int]]:
    """One social worker in every township used, the others where the households are."""
    from accounts.models import User

    rng = ctx.rng("workers")
    places = used + rng.choices(used, weights, k=max(0, n_workers - len(used)))
    users = User.objects.bulk_create(
        (
            synthetic_user(rng, f"synthetic_sw_{i:06d}", User.Role.SOCIAL_WORKER, code)
            for i, code in enumerate(sorted(places), start=1)
        ),
        batch_size=5000,
    )
    ctx.record(pgettext("generated rows", "social workers"), len(users))
    workers: dict[str, list[int]] = {}
    for user in users:
        workers.setdefault(user.region_id, []).append(user.pk)
    return workers


def _households_orm(ctx: Context, plan: dict[str, Any]) -> None:
    """The portable path: bulk_create from Python, in batches."""
    from needs.models import AssistanceRecord, Household, Member, MemberTag, Need, Visit

    rng = ctx.rng("households")
    today, now = ctx.today, ctx.now
    names = dict(plan["townships"])
    used, weights = [code for code, _n in plan["townships"]], plan["weights"]
    villages, workers = plan["villages"], plan["workers"]
    text = "合成数据"  # the encrypted fields encrypt it on save
    areas, forms = spread(AREAS), spread(FORMS)
    n_households = plan["households"]
    counts = dict.fromkeys(("households", "members", "needs", "visits", "statuses", "tags"), 0)
    batch = 20_000
    for start in range(0, n_households, batch):
        households = []
        for g in range(start + 1, min(start + batch, n_households) + 1):
            code = rng.choices(used, weights)[0]
            worker = rng.choice(workers[code])
            here = villages.get(code)
            households.append(
                Household(
                    code=f"{code[:9]}-{g:07d}",
                    region_id=rng.choice(here) if here else code,
                    station_id=code,
                    address=f"{names[code]}第{rng.randint(1, 30)}组{rng.randint(1, 200)}号",
                    worker_id=worker,
                    created_by_id=worker,
                    gap_class=rng.choice(GAP_CLASSES),
                    last_visited_on=None
                    if rng.random() < 0.1
                    else today - dt.timedelta(days=rng.randint(0, 400)),
                    is_synthetic=True,
                    created_at=now,
                )
            )
        households = Household.objects.bulk_create(households, batch_size=5000)
        members, needs, visits = [], [], []
        for h in households:
            for k in range(1, rng.choice(SIZES) + 1):
                members.append(
                    Member(
                        household=h,
                        name=chinese_name(rng),
                        id_number_index=hashlib.sha256(f"m{h.pk}-{k}".encode()).hexdigest(),
                        relation="head" if k == 1 else "spouse" if k == 2 else "child",
                        sex=rng.choice(["male", "female"]),
                        birth_date=today - dt.timedelta(days=rng.randint(365, 365 * 90)),
                    )
                )
            if rng.random() < NEED_SHARE:
                status = rng.choice(NEED_STATUSES)
                needs.append(
                    Need(
                        household=h,
                        area=rng.choice(areas),
                        form=rng.choice(forms),
                        description=text,
                        urgent=rng.random() < 0.1,
                        status=status,
                        status_changed_at=now,
                        closed_at=now if status == "met" else None,
                        created_by_id=h.worker_id,
                        created_at=now,
                    )
                )
            if h.last_visited_on is not None:
                visits.append(
                    Visit(
                        household=h,
                        visited_on=h.last_visited_on,
                        worker_id=h.worker_id,
                        findings=text,
                        next_visit_on=h.last_visited_on + dt.timedelta(days=90)
                        if rng.random() < 0.5
                        else None,
                    )
                )
        members = Member.objects.bulk_create(members, batch_size=5000)
        Need.objects.bulk_create(needs, batch_size=5000)
        Visit.objects.bulk_create(visits, batch_size=5000)
        records, tags = [], []
        for m in members:
            if m.relation == "head":
                roll = rng.random()
                if roll < DIBAO_BELOW:
                    records.append(AssistanceRecord(member=m, status="dibao", started_on=today))
                elif roll < TEKUN_BELOW:
                    records.append(AssistanceRecord(member=m, status="tekun", started_on=today))
            if rng.random() < TAG_SHARE:
                tags.append(MemberTag(member=m, tag=rng.choice(TAGS)))
        AssistanceRecord.objects.bulk_create(records, batch_size=5000)
        MemberTag.objects.bulk_create(tags, batch_size=5000)
        for key, rows in (
            ("households", households),
            ("members", members),
            ("needs", needs),
            ("visits", visits),
            ("statuses", records),
            ("tags", tags),
        ):
            counts[key] += len(rows)
        if ctx.say is not None:
            ctx.say(f"  {start + len(households):,}")
    _record(ctx, counts)


def _record(ctx: Context, counts: dict[str, int]) -> None:
    labels = {
        "households": pgettext("generated rows", "households"),
        "members": pgettext("generated rows", "household members"),
        "needs": pgettext("generated rows", "needs"),
        "visits": pgettext("generated rows", "home visits"),
        "statuses": pgettext("generated rows", "assistance statuses"),
        "tags": pgettext("generated rows", "vulnerability tags"),
    }
    for key, number in counts.items():
        ctx.record(labels[key], number)


def _households_sql(ctx: Context, plan: dict[str, Any]) -> None:
    """The same mix made by PostgreSQL (INSERT … SELECT over generate_series, seeded)."""
    from accounts import crypto

    rng = ctx.rng("picks")
    picks = []  # a township as many times as its weight, in the order of the codes
    for (code, name), weight in zip(plan["townships"], plan["weights"], strict=True):
        picks += [(code, name)] * weight
    rng.shuffle(picks)
    villages, workers = plan["villages"], plan["workers"]
    cipher = crypto.encrypt("合成数据")
    today, now = ctx.today, ctx.now
    n_households = plan["households"]
    steps: list[tuple[str, str, list[Any]]] = [
        (
            "households",
            "INSERT INTO needs_household (code, external_ref, region_id, station_id, address, "
            "housing, housing_note, gap_class, notes, last_visited_on, coi_declared, coi_note, "
            "archived_reason, created_at, updated_at, created_by_id, worker_id, "
            "has_urgent_need, flags, is_synthetic) "
            "SELECT left(p.code, 9) || '-' || lpad(g::text, 7, '0'), '', "
            "CASE WHEN cardinality(p.villages) = 0 THEN p.code "
            "ELSE p.villages[1 + (hashint4(g + 1) & 2147483647) %% cardinality(p.villages)] END, "
            "p.code, p.name || '第' || (1 + floor(random() * 30))::int || '组' "
            "|| (1 + floor(random() * 200))::int || '号', '', '', "
            "(ARRAY['', '', 'not_eligible_in_difficulty', 'covered_still_in_difficulty'])"
            "[1 + floor(random() * 4)::int], '', "
            "CASE WHEN random() < 0.1 THEN NULL "
            "ELSE %s::date - floor(random() * 401)::int END, false, '', '', %s, %s, "
            "w.id, w.id, false, 0, true "
            "FROM generate_series(1, %s) g "
            "JOIN synthetic_pick p ON p.i = 1 + (hashint4(g) & 2147483647) %% %s "
            "CROSS JOIN LATERAL (SELECT p.workers[1 + (hashint4(g + 2) & 2147483647) "
            "%% cardinality(p.workers)] AS id) w ORDER BY g",
            [today, now, now, n_households, len(picks)],
        ),
        (
            "members",
            "INSERT INTO needs_member (name, id_number, id_number_index, sex, birth_date, "
            "relation, phone, phone_index, disability_type, health_notes, school_or_work, "
            "created_at, updated_at, household_id, station_code, place) "
            "SELECT substr(%s, 1 + least(floor(-ln(1 - random()) * 18), %s)::int, 1) "
            "|| substr(%s, 1 + floor(random() * %s)::int, 1) "
            "|| CASE WHEN random() < 0.7 THEN substr(%s, 1 + floor(random() * %s)::int, 1) "
            "ELSE '' END, '', encode(sha256(('m' || h.id || '-' || k)::bytea), 'hex'), "
            "CASE WHEN random() < 0.5 THEN 'male' ELSE 'female' END, "
            "%s::date - (365 + floor(random() * 365 * 89))::int, "
            "CASE k WHEN 1 THEN 'head' WHEN 2 THEN 'spouse' ELSE 'child' END, "
            "'', '', '', '', '', %s, %s, h.id, h.station_id, h.region_id "
            # random() in an ordered subquery's select list runs after its sort: in the
            # households' order whatever their order on disk (the seed's rows stay the same).
            "FROM (SELECT h.id, h.station_id, h.region_id, "
            "(%s::int[])[1 + floor(random() * %s)::int] AS size "
            "FROM needs_household h WHERE h.is_synthetic ORDER BY h.id) h "
            "CROSS JOIN LATERAL generate_series(1, h.size) k ORDER BY h.id, k",
            [
                SURNAMES,
                len(SURNAMES) - 1,
                GIVEN,
                len(GIVEN),
                GIVEN,
                len(GIVEN),
                today,
                now,
                now,
                list(SIZES),
                len(SIZES),
            ],
        ),
        (
            "needs",
            "INSERT INTO needs_need (area, form, description, urgent, quantity, source, status, "
            "status_reason, status_changed_at, closed_at, created_at, updated_at, "
            "created_by_id, household_id, place) "
            "SELECT (%s::varchar[])[1 + floor(random() * %s)::int], "
            "(%s::varchar[])[1 + floor(random() * %s)::int], %s, "
            "random() < 0.1, '', 'home_visit', s.status, '', %s, "
            "CASE WHEN s.status = 'met' THEN %s::timestamptz END, %s, %s, s.worker_id, s.id, "
            "s.region_id FROM (SELECT h.id, h.worker_id, h.region_id, "
            "(%s::varchar[])[1 + floor(random() * %s)::int] AS status, random() AS roll "
            "FROM needs_household h WHERE h.is_synthetic ORDER BY h.id) s "
            "WHERE s.roll < %s ORDER BY s.id",
            [
                spread(AREAS),
                len(spread(AREAS)),
                spread(FORMS),
                len(spread(FORMS)),
                cipher,
                now,
                now,
                now,
                now,
                list(NEED_STATUSES),
                len(NEED_STATUSES),
                NEED_SHARE,
            ],
        ),
        (
            "visits",
            "INSERT INTO needs_visit (visited_on, findings, next_visit_on, created_at, "
            "household_id, worker_id, place) SELECT h.last_visited_on, %s, CASE WHEN random() "
            "< 0.5 THEN h.last_visited_on + 90 END, %s, h.id, h.worker_id, h.region_id "
            "FROM needs_household h "
            "WHERE h.is_synthetic AND h.last_visited_on IS NOT NULL ORDER BY h.id",
            [cipher, now],
        ),
        (
            "statuses",
            "INSERT INTO needs_assistancerecord (status, started_on, note, member_id) "
            "SELECT CASE WHEN x.roll < %s THEN 'dibao' ELSE 'tekun' END, %s, '', x.id FROM "
            "(SELECT m.id, random() + (m.id * 0) AS roll FROM needs_member m "
            "JOIN needs_household h ON h.id = m.household_id "
            "WHERE h.is_synthetic AND m.relation = 'head' ORDER BY m.id) x WHERE x.roll < %s",
            [DIBAO_BELOW, today, TEKUN_BELOW],
        ),
        (
            "tags",
            "INSERT INTO needs_membertag (tag, member_id) SELECT x.tag, x.id FROM "
            "(SELECT m.id, random() + (m.id * 0) AS roll, (%s::varchar[])"
            "[1 + floor(random() * %s)::int + (m.id * 0)::int] AS tag FROM needs_member m "
            "JOIN needs_household h ON h.id = m.household_id WHERE h.is_synthetic "
            "ORDER BY m.id) x WHERE x.roll < %s",
            [list(TAGS), len(TAGS), TAG_SHARE],
        ),
    ]
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE synthetic_pick (i int PRIMARY KEY, code varchar(12), "
            "name varchar(100), workers int[], villages varchar[]) ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO synthetic_pick VALUES (%s, %s, %s, %s, %s::varchar[])",
            [
                (i, code, name, workers[code], villages.get(code, []))
                for i, (code, name) in enumerate(picks, start=1)
            ],
        )
        cursor.execute("ANALYZE synthetic_pick")
        for key, sql, params in steps:
            with ctx.step(key):
                ctx.pg_seed(cursor, key)
                cursor.execute(sql, params)
                counts[key] = cursor.rowcount
        cursor.execute("DROP TABLE synthetic_pick")
    _record(ctx, counts)


def _refresh_flags(ctx: Context) -> None:
    """The households' kept list flags (urgency, statuses, tags, need areas), as the services
    keep them, in one statement over the whole load (needs.flags)."""
    from needs.flags import household_flags_refresh
    from needs.models import AssistanceRecord, Household, Member, MemberTag, Need, Visit

    with ctx.step("flags"):
        if ctx.postgresql:
            with connection.cursor() as cursor:
                # Statistics of the freshly loaded tables first: without them the planner
                # reads the members' statuses and tags in full for every household (hours).
                # These tables only: a database-wide ANALYZE locks the shared catalogues
                # (pg_authid) until the transaction ends, and another database's ANALYZE
                # waits for it (the demo's generation in the tests' parallel workers).
                loaded = (Household, Member, Need, Visit, AssistanceRecord, MemberTag)
                cursor.execute("ANALYZE " + ", ".join(m._meta.db_table for m in loaded))
        household_flags_refresh(Household.objects.filter(is_synthetic=True).values("pk"))
