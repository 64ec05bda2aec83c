"""Demand signals (issue 14, point 4): the public page of the showcase and the charity's page.

Both show published aggregates only (``matching.demand``): counts under five are never in the
page, and nothing of a household is read.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import identifiers
from accounts.models import Region, User
from accounts.taxonomies import CharityArea

from . import demand


def _province_code() -> str | None:
    return (
        Region.objects.filter(level=Region.Level.PROVINCE, valid_to__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )


def _area(request: HttpRequest) -> str:
    area = request.GET.get("area", "")
    return area if area in CharityArea.values else ""


def _ancestors(region: demand.RegionDemand) -> list[demand.RegionDemand]:
    chain = []
    parent = region.parent
    while parent:
        above, _kids = demand.region_demand(parent)
        if above is None:
            break
        chain.append(above)
        parent = above.parent
    return list(reversed(chain))


def _row(region: demand.RegionDemand, area: str) -> dict[str, Any]:
    """A region's headline for the chosen area (or all areas)."""
    has_needs = area in region.by_area if area else region.has_needs
    return {
        "code": region.code,
        "name": region.name,
        "has_needs": has_needs,
        "total": region.area_total(area) if area else region.total,
        "gaps": len(region.gaps(area)),
        "gap_total": None if area else region.gap_total,
    }


def place_context(code: str, area: str) -> dict[str, Any]:
    region, children = demand.region_demand(code, children=True)
    if region is None:
        raise Http404
    return {
        "region": region,
        "shown": _row(region, area),
        "ancestors": _ancestors(region),
        "children": [_row(child, area) for child in children],
        "cells": region.cells_in(area),
        "area": area,
        "areas": CharityArea.choices,
        "threshold": demand.THRESHOLD,
    }


def showcase_demand(request: HttpRequest) -> HttpResponse:
    """Open needs by county and township, charity area and form of aid, for everyone."""
    code = identifiers.ascii_digits(request.GET.get("place", "")) or ""
    if len(code) != 12:
        code = _province_code() or ""
    if not code:
        raise Http404
    context = place_context(code, _area(request))
    return render(request, "demand/showcase.html", context)


def _covered_township_or_above(code: str) -> str:
    """A listing may cover a village: its figures are those of its township."""
    code = str(code)
    return code if code[9:].strip("0") == "" else code[:9].ljust(12, "0")


@login_required
def charity_demand(request: HttpRequest) -> HttpResponse:
    """The charity's page: the regions its listings cover first, then the largest gaps of the
    province elsewhere."""
    user = request.user
    if user.role != User.Role.CHARITY:
        raise Http404
    area = _area(request)
    codes = list(dict.fromkeys(_covered_township_or_above(c) for c in demand.charity_regions(user)))
    covered = demand.regions_demand(codes)
    province = codes[0][:2].ljust(12, "0") if codes else _province_code()
    elsewhere = (
        demand.top_gaps(province, area=area, exclude={r.code for r in covered}, limit=10)
        if province
        else []
    )
    own_areas = demand.charity_areas(user)
    context = {
        "covered": [(region, region.cells_in(area)) for region in covered],
        "elsewhere": elsewhere,
        "area": area,
        "areas": CharityArea.choices,
        "own_areas": own_areas,
        "threshold": demand.THRESHOLD,
    }
    return render(request, "demand/charity.html", context)
