"""The synthetic data generator's shared pieces (``manage.py generate_data``).

Each installed app that has data to make keeps it in ``<app>/synthetic.py``, a module with a
``generate(ctx: Context)`` function; the command calls them in INSTALLED_APPS order (the same
discovery as ``seed_demo``'s ``<app>/demo.py``), so an app fills its own tables and reads what
the apps below it made through ``ctx.shared``.

Every root row the generator makes is flagged ``is_synthetic`` (users, households,
organisations; villages are ``Region.is_synthetic``); the rows hanging from them (members,
needs, visits, projects, applications, referrals, cases ...) are synthetic through their root.

Deterministic: the same seed and scale give the same rows on the same database engine (a
Python ``random.Random`` per step, seeded from the seed and the step's name; on PostgreSQL
``setseed`` before each ``INSERT … SELECT`` that draws with ``random()``, and no parallel plans).
Dates are counted back from the day of the run.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import zlib
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .app_modules import app_functions

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "明华建国伟芳秀英敏静丽强磊军洋勇艳杰娟涛超兰霞平刚桂志文辉玉珍红春燕丹玲萍飞鹏凤"
    "云莲梅海波宁婷雪荣鑫斌健俊浩宇子晨欣怡佳琳嘉"
)

#: Charity areas and forms of aid with their weights (needs and projects, DOMAIN.md's mix).
AREAS = (
    ("poverty_relief", 20), ("elderly_support", 14), ("child_support", 10),
    ("disability_support", 8), ("medical_aid", 12), ("education_aid", 12),
    ("veterans_care", 2), ("disaster_relief", 4), ("rural_revitalization", 8),
    ("community", 7), ("other", 3),
)  # fmt: skip
FORMS = (
    ("cash", 28), ("in_kind", 18), ("care", 8), ("daily_living", 6), ("caring_visit", 10),
    ("rehabilitation", 5), ("education", 8), ("legal_aid", 3), ("employment", 6),
    ("home_modification", 3), ("expertise", 5),
)  # fmt: skip


def weighted(rng: random.Random, options: tuple[tuple[str, int], ...], k: int = 1) -> list[str]:
    """``k`` distinct values drawn by weight."""
    values, weights = zip(*options, strict=True)
    chosen: list[str] = []
    while len(chosen) < k:
        value = rng.choices(values, weights=weights)[0]
        if value not in chosen:
            chosen.append(value)
    return chosen


def spread(options: tuple[tuple[str, int], ...]) -> list[str]:
    """Each value as many times as its weight: a uniform pick from it is a weighted one (SQL)."""
    return [value for value, weight in options for _ in range(weight)]


def chinese_name(rng: random.Random) -> str:
    """A Chinese name, surnames in a skewed mix (the first ones far more common, as in life)."""
    surname = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return surname + given


def synthetic_user(rng: random.Random, username: str, role: str, region_id: str | None = None):
    """A generated account (not saved): a drawn Chinese name, an unusable password (nobody logs
    in as a generated user), flagged synthetic."""
    from accounts.models import User

    return User(
        username=username,
        password="!synthetic",
        name=chinese_name(rng),
        email=f"{username}@synthetic.aidbridge.local",
        role=role,
        region_id=region_id,
        is_synthetic=True,
    )


@dataclass
class Context:
    """What the apps' ``generate`` functions share: the scale and seed, the day, the counts
    printed at the end (``record``) and lookups one app leaves for the next (``shared``)."""

    scale: float
    seed: int
    today: dt.date
    now: dt.datetime
    stats: dict[str, int] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    #: Optional progress printer (the command's stdout.write); silent when None.
    say: Any = None
    #: Seconds the whole run took (set by ``run``).
    seconds: float = 0.0
    #: Counts given instead of the scale's, by name (``count``): a benchmark that wants 10,000
    #: projects and few households, or no households at all (0).
    sizes: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, at_scale_one: int, minimum: int = 1) -> int:
        """How many of ``name`` to make: DOMAIN.md's province holds ``at_scale_one``; this
        scale's share of it, at least ``minimum``, unless ``sizes`` names another count."""
        if name in self.sizes:
            return self.sizes[name]
        return max(minimum, round(at_scale_one * self.scale))

    def rng(self, name: str) -> random.Random:
        """A generator of its own for one step: steps stay reproducible whatever runs before."""
        # Reproducible synthetic data, not secrets: a seeded PRNG is what we want.
        return random.Random(f"{self.seed}:{name}")  # noqa: S311

    def record(self, label: Any, number: int) -> None:
        """Count ``number`` rows under ``label`` (a translated noun) for the summary."""
        key = str(label)
        self.stats[key] = self.stats.get(key, 0) + number

    @property
    def postgresql(self) -> bool:
        return connection.vendor == "postgresql"

    def pg_seed(self, cursor: Any, name: str) -> None:
        """Seed PostgreSQL's ``random()`` for the statement that follows."""
        value = zlib.crc32(f"{self.seed}:{name}".encode()) / 0xFFFFFFFF  # in [0, 1]
        cursor.execute("SELECT setseed(%s)", [value * 2 - 1])

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Time a step and say so (progress at large scales)."""
        start = time.perf_counter()
        yield
        if self.say is not None:
            self.say(f"  {label}: {time.perf_counter() - start:.1f} s")


@contextmanager
def indexes_after_load(ctx: Context, *models: Any) -> Iterator[None]:
    """On PostgreSQL, load the empty tables of ``models`` without their secondary indexes and
    build them after: one sort per index instead of millions of insertions into each (a
    trigram index above all). Primary keys and constraints stay, so a duplicate still fails
    the load. A table that already holds rows keeps its indexes."""
    if not ctx.postgresql:
        yield
        return
    with connection.cursor() as cursor:
        empty = [m._meta.db_table for m in models if not m._base_manager.exists()]
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1",
            [empty],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    if not indexes:
        return
    with ctx.step("indexes"), connection.cursor() as cursor:
        # Django's foreign keys are checked at commit: a table with checks pending cannot be
        # indexed, so run them now (as the commit would) and defer again after.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def synthetic_models() -> list:
    """Models with an ``is_synthetic`` flag whose rows only the generator makes (regions
    aside: the demo's villages are synthetic too)."""
    from accounts.models import Region

    return [
        model
        for model in apps.get_models()
        if model is not Region and any(f.name == "is_synthetic" for f in model._meta.fields)
    ]


def synthetic_rows_present() -> bool:
    return any(model.objects.filter(is_synthetic=True).exists() for model in synthetic_models())


def generators(only: Collection[str] | None = None) -> list[tuple[Any, Callable[[Context], None]]]:
    """``(app config, generate)`` of every app's ``synthetic`` module, INSTALLED_APPS order
    (only the apps labelled in ``only`` when given)."""
    return app_functions("synthetic", "generate", only)


def run(
    *,
    scale: float,
    seed: int = 1,
    write: Callable[[str], Any] = print,
    progress: bool = False,
    only: Collection[str] | None = None,
    sizes: dict[str, int] | None = None,
) -> Context:
    """Make every app's synthetic data in one transaction (a failure leaves nothing) and
    return the context (counts in ``stats``, lookups in ``shared``). ``only``: the labels of
    the apps to run (a benchmark that needs the need ledger alone); ``sizes``: counts instead of
    the scale's, by name (``Context.count``). The caller checks that
    the database holds no synthetic data yet (``generate_data`` does)."""
    ctx = Context(
        scale=scale,
        seed=seed,
        today=timezone.localdate(),
        now=timezone.now(),
        say=write if progress else None,
        sizes=dict(sizes or {}),
    )
    write(
        _("Generating synthetic data at scale %(scale)s, seed %(seed)s (%(database)s)")
        % {"scale": scale, "seed": seed, "database": connection.vendor}
    )
    start = time.perf_counter()
    with transaction.atomic():
        if ctx.postgresql:
            with connection.cursor() as cursor:
                # Parallel workers draw random() from seeds of their own: none, so the rows
                # follow the seed.
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for config, generate in generators(only):
            app_start = time.perf_counter()
            generate(ctx)
            write(
                _("%(app)s: %(seconds).1f s")
                % {"app": config.verbose_name, "seconds": time.perf_counter() - app_start}
            )
    ctx.seconds = time.perf_counter() - start
    return ctx
