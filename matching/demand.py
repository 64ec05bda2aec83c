"""Demand signals for charities (issue 14, point 4): open needs counted by region, charity
area and form of aid, for the public showcase, a charity's workspace, the API and the annual
evaluation (Guangdong: 针对…实际需求设立、优化相关慈善帮扶项目).

It reads needs and supply together, so it lives in matching (apps import only downwards).

**Counting.** One GROUP BY over the province's needs that are live (``Need.LIVE_STATUSES``), or
open at a moment for the evaluation, by township (the first 9 digits of the household's place),
area and form. Counties, cities and the province are sums of these aggregate rows along the
region tree (Dongguan and Zhongshan: townships under the city). Nothing loops over needs.

**Gaps.** A cell (area × form) of a township is a gap when no running published listing
(``supply.filters.running_on``) covers the township or a region above it
(``supply.models.code_prefixes``) with that area and that form. "A project here would meet N
needs": N is the open needs of the cell in the townships where it is a gap, summed upwards.

**Suppression.** A count under ``THRESHOLD`` is never published: it is None here ("不公布" on
the pages, null in the API). Because sums are published too (a region's total and area
subtotals, a parent region's cells, the gap and the covered part of a cell), a suppressed value
could come back as a difference; so every sum is a constraint ``parent = Σ members`` and, until
nothing changes, a constraint with exactly one hidden value, or whose hidden members add up to
under ``THRESHOLD`` beside a published parent, hides its smallest published member too
(complementary suppression). Every hidden value reads the same ("不公布"), the small ones and
those hidden with them, so that a reader cannot bound one by the other. The computation is for
a whole province at once, so that every page, export and API answer of the province hides the
same cells; it is cached briefly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import pgettext

from accounts.models import Region
from accounts.taxonomies import AidForm, CharityArea
from needs.models import Need
from supply.filters import running_on
from supply.models import Project, ProjectCoverage, ProjectTerm, code_prefixes, region_prefix

#: Counts under this are suppressed everywhere.
THRESHOLD = 5
#: How long a province's computed figures are reused.
CACHE_SECONDS = 300
LEVELS = (
    Region.Level.PROVINCE,
    Region.Level.PREFECTURE,
    Region.Level.COUNTY,
    Region.Level.TOWNSHIP,
)

# A value's key: (region code, kind, area, form). Kinds: T a region's total, A an area's
# subtotal, C a cell, G the gap part of a cell, V the covered part of a cell (never shown, but
# known to a reader who subtracts G from C, so it is protected like the others); GT and VT the
# region's gap and covered parts of its total.
Key = tuple[str, str, str, str]


@dataclass
class Cell:
    area: str
    form: str
    open: int | None  # None: suppressed
    gap: int | None  # needs a project here would meet; None: suppressed (see ``is_gap``)
    is_gap: bool  # some township of the region has open needs here and no project for them
    fully_uncovered: bool  # no township of the region has a project for it

    @property
    def area_label(self) -> str:
        return str(CharityArea(self.area).label) if self.area in CharityArea.values else ""

    @property
    def form_label(self) -> str:
        return str(AidForm(self.form).label) if self.form in AidForm.values else ""


@dataclass
class RegionDemand:
    """The published figures of one region: every value is either a count of at least
    ``THRESHOLD`` or None."""

    code: str
    name: str
    level: str
    parent: str | None
    total: int | None
    gap_total: int | None  # open needs no running project covers: a new project would meet them
    has_needs: bool
    by_area: dict[str, int | None] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    def area_total(self, area: str) -> int | None:
        return self.by_area.get(area, 0)

    def cells_in(self, area: str = "") -> list[Cell]:
        return [c for c in self.cells if not area or c.area == area]

    def gaps(self, area: str = "") -> list[Cell]:
        return [c for c in self.cells_in(area) if c.is_gap]


# --- The database reads ----------------------------------------------------------------------


def open_needs(province: str, *, as_of: dt.datetime | None = None):
    """The needs counted: live now, or open at ``as_of`` (recorded before it and not closed
    before it), in the province."""
    needs = Need.objects.filter(place__startswith=province[:2])  # the household's place
    if as_of is None:
        return needs.live()
    return needs.filter(created_at__lt=as_of).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=as_of)
    )


def township_counts(province: str, *, as_of: dt.datetime | None = None) -> list[tuple]:
    """(township prefix, area, form, count) of the open needs, in that order. The live ones on
    PostgreSQL are the counts it keeps (``needs.models.LiveNeedCell``), read by a bare cursor: at
    scale 1.0, 122,703 rows in about 0.1 s, where grouping the 400,000 live needs and reading
    them through the ORM took 0.3–0.5 s. Otherwise (SQLite, or at ``as_of``) the one GROUP BY."""
    if as_of is None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT township, area, form, live FROM needs_liveneedcell "
                "WHERE township LIKE %s AND live > 0 ORDER BY 1, 2, 3",
                [province[:2] + "%"],
            )
            return cursor.fetchall()
    return list(
        open_needs(province, as_of=as_of)
        .annotate(township=Substr("place", 1, 9))
        # In the order of the live needs' index (need_live_township_cell), COUNT(*): read from
        # the index alone, without a sort.
        .order_by("township", "area", "form")
        .values_list("township", "area", "form")
        .annotate(n=Count("*"))
    )


def covered_cells(province: str, day: dt.date) -> set[tuple[str, str, str]]:
    """(coverage prefix, area, form) of every published listing running on ``day`` that covers
    a place of the province or the whole of it: two queries on the listing's terms and
    coverage."""
    running = Project.objects.published().filter(running_on(day)).values("pk")
    prefixes: dict[int, list[str]] = defaultdict(list)
    for project_id, prefix in ProjectCoverage.objects.filter(
        project_id__in=running, prefix__startswith=province[:2]
    ).values_list("project_id", "prefix"):
        prefixes[project_id].append(prefix)
    areas: dict[int, list[str]] = defaultdict(list)
    forms: dict[int, list[str]] = defaultdict(list)
    for project_id, kind, value in ProjectTerm.objects.filter(
        project_id__in=prefixes.keys(), kind__in=[ProjectTerm.Kind.AREA, ProjectTerm.Kind.FORM]
    ).values_list("project_id", "kind", "value"):
        (areas if kind == ProjectTerm.Kind.AREA else forms)[project_id].append(value)
    return {
        (prefix, area, form)
        for project_id, covered in prefixes.items()
        for prefix in covered
        for area in areas[project_id]
        for form in forms[project_id]
    }


def _region_tree(province: str) -> dict[str, tuple[str, str, str | None]]:
    """code -> (name, level, parent code) of the province's current regions down to the
    townships."""
    return {
        code: (name, level, parent)
        for code, name, level, parent in Region.objects.filter(
            code__startswith=province[:2], level__in=LEVELS, valid_to__isnull=True
        ).values_list("code", "name", "level", "parent_id")
    }


# --- Suppression -----------------------------------------------------------------------------


def suppress(values: dict[Key, int], groups: list[tuple[Key, list[Key]]]) -> set[Key]:
    """The keys to hide: counts under ``THRESHOLD`` (zeros are not values: a cell without open
    needs is simply absent), and as few more as it takes so that no constraint
    ``parent = Σ members`` gives a hidden value (or a sum of hidden values under
    ``THRESHOLD``) back by subtraction. Deterministic for the same values and groups: ties are
    broken by key, and the constraints are visited in their order, then again only those a
    newly hidden value belongs to."""
    hidden = {key for key, n in values.items() if 0 < n < THRESHOLD}
    prepared = [
        (parent, sorted((m for m in members if values.get(m, 0) > 0), key=lambda k: (values[k], k)))
        for parent, members in groups
        if values.get(parent, 0) > 0
    ]
    touching: dict[Key, list[int]] = defaultdict(list)
    for index, (parent, members) in enumerate(prepared):
        touching[parent].append(index)
        for member in members:
            touching[member].append(index)
    queue = deque(range(len(prepared)))
    queued = [True] * len(prepared)
    while queue:
        index = queue.popleft()
        queued[index] = False
        parent, members = prepared[index]
        hidden_sum = sum(values[m] for m in members if m in hidden)
        n_hidden = sum(1 for m in members if m in hidden) + (parent in hidden)
        exposed = n_hidden == 1 or (parent not in hidden and 0 < hidden_sum < THRESHOLD)
        if not exposed:
            continue
        shown = next((m for m in members if m not in hidden), None)
        key = shown if shown is not None else parent
        hidden.add(key)
        for other in [index, *touching[key]]:
            if not queued[other]:
                queued[other] = True
                queue.append(other)
    return hidden


# --- The province's figures ------------------------------------------------------------------


def compute_province(
    province: str, *, as_of: dt.datetime | None = None, day: dt.date | None = None
) -> dict[str, RegionDemand]:
    """Every region of the province (province, cities, counties, townships) with its published
    figures. ``as_of`` None: live needs and listings running today."""
    return build_province(*province_inputs(province, as_of=as_of, day=day))


def province_inputs(
    province: str, *, as_of: dt.datetime | None = None, day: dt.date | None = None
) -> tuple[dict[str, tuple[str, str, str | None]], set[tuple[str, str, str]], list[tuple]]:
    """What the province's figures are computed from (three reads): the region tree, the
    covered cells, the township counts."""
    day = day or (timezone.localdate(as_of) if as_of else timezone.localdate())
    return (
        _region_tree(province),
        covered_cells(province, day),
        sorted(township_counts(province, as_of=as_of)),
    )


def build_province(
    tree: dict[str, tuple[str, str, str | None]],
    covered: set[tuple[str, str, str]],
    counts: list[tuple],
) -> dict[str, RegionDemand]:
    """The province's figures from its inputs (``province_inputs``), without the database:
    the roll-up along the region tree and the suppression."""
    values: dict[Key, int] = defaultdict(int)
    cells_of: dict[str, set[tuple[str, str]]] = defaultdict(set)
    uncovered_somewhere: set[tuple[str, str, str]] = set()
    covered_somewhere: set[tuple[str, str, str]] = set()

    def chain(code: str) -> list[str]:
        codes = []
        while code is not None and code in tree:
            codes.append(code)
            code = tree[code][2]
        return codes

    chains: dict[str, list[str]] = {}
    for township, area, form, n in counts:
        code = township.ljust(12, "0")
        if code not in chains:
            chains[code] = chain(code) or [code]
        is_covered = any((p, area, form) in covered for p in code_prefixes(code))
        part = "V" if is_covered else "G"
        for region in chains[code]:
            values[(region, "T", "", "")] += n
            values[(region, "A", area, "")] += n
            values[(region, "C", area, form)] += n
            values[(region, part, area, form)] += n
            values[(region, part + "T", "", "")] += n
            cells_of[region].add((area, form))
            (covered_somewhere if is_covered else uncovered_somewhere).add((region, area, form))

    children_of: dict[str, list[str]] = defaultdict(list)
    for code, (_name, _level, parent) in tree.items():
        if parent is not None:
            children_of[parent].append(code)

    groups: list[tuple[Key, list[Key]]] = []
    for region in sorted(cells_of):
        cells = sorted(cells_of[region])
        areas = sorted({area for area, _form in cells})
        groups.append(((region, "T", "", ""), [(region, "A", a, "") for a in areas]))
        for a in areas:
            forms = [f for area, f in cells if area == a]
            groups.append(((region, "A", a, ""), [(region, "C", a, f) for f in forms]))
        for a, f in cells:
            groups.append(((region, "C", a, f), [(region, "G", a, f), (region, "V", a, f)]))
        groups.append(((region, "T", "", ""), [(region, "GT", "", ""), (region, "VT", "", "")]))
        for kind in ("G", "V"):
            groups.append(((region, kind + "T", "", ""), [(region, kind, a, f) for a, f in cells]))
        kids = [c for c in children_of.get(region, []) if c in cells_of]
        if kids:
            for kind in ("T", "GT", "VT"):
                groups.append(((region, kind, "", ""), [(c, kind, "", "") for c in kids]))
            for a in areas:
                groups.append(((region, "A", a, ""), [(c, "A", a, "") for c in kids]))
            for a, f in cells:
                for kind in ("C", "G", "V"):
                    groups.append(((region, kind, a, f), [(c, kind, a, f) for c in kids]))
    hidden = suppress(values, groups)

    def shown(key: Key) -> int | None:
        return None if key in hidden else values.get(key, 0)

    result: dict[str, RegionDemand] = {}
    for code, (name, level, parent) in tree.items():
        cells = sorted(cells_of.get(code, ()))
        result[code] = RegionDemand(
            code=code,
            name=name,
            level=level,
            parent=parent,
            total=shown((code, "T", "", "")),
            gap_total=shown((code, "GT", "", "")),
            has_needs=bool(cells),
            by_area={a: shown((code, "A", a, "")) for a in sorted({area for area, _f in cells})},
            cells=[
                Cell(
                    area=a,
                    form=f,
                    open=shown((code, "C", a, f)),
                    gap=shown((code, "G", a, f)),
                    is_gap=(code, a, f) in uncovered_somewhere,
                    fully_uncovered=(code, a, f) not in covered_somewhere,
                )
                for a, f in cells
            ],
            children=sorted(c for c in children_of.get(code, []) if c in tree),
        )
    return result


def _bundle(code: str) -> str:
    """The cache entry holding a region's figures with its children's: the province with its
    cities, or a city with everything in it (a handful of entries, whatever the cache's
    size limit)."""
    return code[:2] if code[2:].strip("0") == "" else code[:4]


def _cache_key(province: str, bundle: str) -> str:
    return f"demand:{province}:{timezone.localdate().isoformat()}:{bundle}"


def _compute_and_cache(province: str) -> dict[str, RegionDemand]:
    computed = compute_province(province)
    bundles: dict[str, dict[str, RegionDemand]] = defaultdict(dict)
    for code, region in computed.items():
        bundles[_bundle(code)][code] = region
        if region.level == Region.Level.PREFECTURE:
            bundles[_bundle(province)][code] = region
    entries: dict[str, Any] = {
        _cache_key(province, key): regions for key, regions in bundles.items()
    }
    # Computed: a place in no bundle (a code of no current region) is not a reason to compute
    # again.
    entries[_cache_key(province, "computed")] = True
    cache.set_many(entries, CACHE_SECONDS)
    return computed


def region_demand(
    code: str, *, children: bool = False
) -> tuple[RegionDemand | None, list[RegionDemand]]:
    """A region's live figures (and its children's), from the cache of its province's
    computation (one entry read), computed when missing. None for a region that is not a
    current province, city, county or township."""
    province = code[:2].ljust(12, "0")
    key, computed = _cache_key(province, _bundle(code)), _cache_key(province, "computed")
    cached = cache.get_many([key, computed])
    if key in cached:
        found = cached[key]
    elif computed in cached:
        found = {}
    else:
        found = _compute_and_cache(province)
    demand = found.get(code)
    if demand is None or not children:
        return demand, []
    return demand, [found[c] for c in demand.children if c in found]


def regions_demand(codes: list[str]) -> list[RegionDemand]:
    """Several regions' figures (a charity's covered regions), in the order given."""
    found = []
    for code in codes:
        demand, _kids = region_demand(code)
        if demand is not None:
            found.append(demand)
    return found


def top_gaps(
    province: str,
    *,
    area: str = "",
    exclude: set[str] | frozenset[str] = frozenset(),
    limit: int = 10,
) -> list[tuple[RegionDemand, Cell]]:
    """The largest published gaps of the province's counties (counts that are shown only, so
    the order says nothing of a hidden value), outside the regions in ``exclude``."""
    province = province[:2].ljust(12, "0")
    root, cities = region_demand(province, children=True)
    if root is None:
        return []
    counties: list[RegionDemand] = []
    for city in cities:
        if city.children and city.cells:
            _city, kids = region_demand(city.code, children=True)
            counties.extend(k for k in kids if k.level == Region.Level.COUNTY)
    found = [
        (county, cell)
        for county in counties
        if county.code not in exclude
        for cell in county.gaps(area)
        if cell.gap is not None
    ]
    found.sort(key=lambda item: (-(item[1].gap or 0), item[0].code, item[1].area, item[1].form))
    return found[:limit]


def charity_regions(user: Any) -> list[str]:
    """The regions the charity's listings cover (drafts and paused ones too: where it works),
    broadest first, within the province of each."""
    prefixes = (
        ProjectCoverage.objects.filter(project__organization__staff=user)
        .exclude(project__status=Project.Status.CLOSED)
        .values_list("region_id", flat=True)
        .distinct()
    )
    return sorted(set(prefixes), key=lambda code: (len(region_prefix(code)), code))


def charity_areas(user: Any) -> list[str]:
    return sorted(
        set(
            ProjectTerm.objects.filter(
                project__organization__staff=user, kind=ProjectTerm.Kind.AREA
            ).values_list("value", flat=True)
        )
    )


# --- The annual evaluation -------------------------------------------------------------------


def suppressed_text() -> str:
    """How a suppressed count reads in an evaluation's frozen figures (which are stored as
    numbers or this text, and read in the interface's language, Chinese)."""
    with translation.override(settings.LANGUAGE_CODE):
        return pgettext("demand count", "not published")


def province_at(
    province: str, *, as_of: dt.datetime, day: dt.date, asking: str
) -> dict[str, RegionDemand]:
    """The province's figures for the needs open at ``as_of`` (an evaluation's end), cached
    briefly for the region ``asking``: its evaluation asks for them per part of the section
    (totals, child rows, breakdowns), so one region's evaluation computes them once, whatever
    other region's evaluation ran before."""
    key = _at_key(province, as_of=as_of, day=day, asking=asking)
    found = cache.get(key)
    if found is None:
        found = compute_province(province, as_of=as_of, day=day)
        cache.set(key, found, CACHE_SECONDS)
    return found


def _at_key(province: str, *, as_of: dt.datetime, day: dt.date, asking: str) -> str:
    return f"demand-at:{province}:{as_of.isoformat()}:{day.isoformat()}:{asking}"


def province_at_later(
    province: str, *, as_of: dt.datetime, day: dt.date, asking: str
) -> Callable[[], None] | None:
    """For an evaluation with other sections to compute first: read the inputs of
    ``province_at``'s figures now and return the rest (Python only, no database: the roll-up
    and the suppression, about 2.5 s for a province of 1,000,000 households), which leaves them
    where ``province_at`` finds them; to run in a thread while the other sections' queries run.
    None when they are there already."""
    key = _at_key(province, as_of=as_of, day=day, asking=asking)
    if cache.get(key) is not None:
        return None
    inputs = province_inputs(province, as_of=as_of, day=day)

    def finish() -> None:
        cache.set(key, build_province(*inputs), CACHE_SECONDS)

    return finish


def _published(value: int | None) -> int | str:
    return suppressed_text() if value is None else value


def evaluation_values(region: RegionDemand | None) -> dict[str, Any]:
    """The evaluation's headline figures of one region: counts of needs suppressed under
    ``THRESHOLD``; counts of combinations (not of needs) as they are."""
    if region is None or not region.has_needs:
        return {
            "demand_open_needs": 0,
            "demand_cells": 0,
            "demand_gap_cells": 0,
            "demand_gap_needs": 0,
        }
    return {
        "demand_open_needs": _published(region.total),
        "demand_cells": len(region.cells),
        "demand_gap_cells": len(region.gaps()),
        "demand_gap_needs": _published(region.gap_total),
    }


def evaluation_groups(
    code: str, child_prefixes: list[tuple[str, str]] | None, *, as_of: dt.datetime, day: dt.date
) -> dict[str, dict[str, Any]]:
    """``{"": figures}`` for the region, or ``{child prefix: figures}`` for each child (given
    as (code, prefix)) when ``child_prefixes`` is not None."""
    figures = province_at(code[:2].ljust(12, "0"), as_of=as_of, day=day, asking=code)
    if child_prefixes is None:
        return {"": evaluation_values(figures.get(code))}
    return {prefix: evaluation_values(figures.get(child)) for child, prefix in child_prefixes}


def evaluation_breakdowns(
    code: str, *, as_of: dt.datetime, day: dt.date
) -> dict[str, list[dict[str, Any]]]:
    """Open needs by charity area, and the gaps (area:form) with the needs a project would
    meet; published counts first, largest first, then the suppressed ones."""
    region = province_at(code[:2].ljust(12, "0"), as_of=as_of, day=day, asking=code).get(code)
    if region is None:
        return {"demand_by_area": [], "demand_gaps": []}

    def ordered(rows: list[tuple[str, int | None]]) -> list[dict[str, Any]]:
        rows.sort(key=lambda row: (row[1] is None, -(row[1] or 0), row[0]))
        return [{"key": key, "value": _published(value)} for key, value in rows]

    return {
        "demand_by_area": ordered(list(region.by_area.items())),
        "demand_gaps": ordered([(f"{c.area}:{c.form}", c.gap) for c in region.gaps()]),
    }


def cell_labels() -> dict[str, Any]:
    """Labels of the ``area:form`` keys of the gaps breakdown, lazily translated."""
    return {
        f"{area}:{form}": format_lazy("{} · {}", area_label, form_label)
        for area, area_label in CharityArea.choices
        for form, form_label in AidForm.choices
    }
