"""The demand signals in the API: the public aggregates of one region (``matching.demand``).

For every logged-in user (the public reads the same figures on the showcase's page): nothing of
a household is in it, and a count under five is null with ``suppressed`` true, never the
number (nor a larger one that a published total would give a small one away by).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.taxonomies import CharityArea

from .. import demand
from ..views_demand import _province_code


class DemandQueryInputSerializer(serializers.Serializer):
    place = serializers.RegexField(
        r"^[0-9]{12}$",
        required=False,
        help_text=_(
            "A province, city, county or township (12-digit code); the province if left out."
        ),
    )
    area = serializers.ChoiceField(
        choices=CharityArea.choices, required=False, help_text=_("Only this charity area.")
    )


class DemandCellOutputSerializer(serializers.Serializer):
    area = serializers.CharField()
    area_label = serializers.CharField()
    form = serializers.CharField()
    form_label = serializers.CharField()
    open_needs = serializers.IntegerField(
        allow_null=True, help_text=_("Null when under five (suppressed).")
    )
    suppressed = serializers.BooleanField()
    gap = serializers.BooleanField(
        help_text=_("True: some township here has open needs and no running project for them.")
    )
    gap_needs = serializers.IntegerField(
        allow_null=True,
        help_text=_("The needs a project here would meet; null when under five (suppressed)."),
    )


class DemandRegionOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    open_needs = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()
    gaps = serializers.IntegerField(help_text=_("Combinations of area and form that are gaps."))


class DemandOutputSerializer(serializers.Serializer):
    threshold = serializers.IntegerField()
    region = DemandRegionOutputSerializer()
    cells = DemandCellOutputSerializer(many=True)
    children = DemandRegionOutputSerializer(many=True)


def _region(region: demand.RegionDemand, area: str) -> dict[str, Any]:
    has = area in region.by_area if area else region.has_needs
    value = (region.area_total(area) if area else region.total) if has else 0
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "open_needs": value,
        "suppressed": value is None,
        "gaps": len(region.gaps(area)),
    }


def _cell(cell: demand.Cell) -> dict[str, Any]:
    return {
        "area": cell.area,
        "area_label": cell.area_label,
        "form": cell.form,
        "form_label": cell.form_label,
        "open_needs": cell.open,
        "suppressed": cell.open is None,
        "gap": cell.is_gap,
        "gap_needs": (cell.gap if cell.is_gap else 0),
    }


class DemandSignalsApi(APIView):
    """Open needs of a region by charity area and form of aid, its gaps, and its child regions
    (published aggregates; counts under five suppressed)."""

    @extend_schema(
        parameters=[DemandQueryInputSerializer],
        responses=DemandOutputSerializer,
        operation_id="demand_signals_retrieve",
    )
    def get(self, request: Request) -> Response:
        query = DemandQueryInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        code = query.validated_data.get("place") or _province_code()
        area = query.validated_data.get("area", "")
        region, children = demand.region_demand(code, children=True) if code else (None, [])
        if region is None:
            raise ValidationError(
                {"place": [_("Not a current province, city, county or township.")]}
            )
        data = {
            "threshold": demand.THRESHOLD,
            "region": _region(region, area),
            "cells": [_cell(c) for c in region.cells_in(area)],
            "children": [_region(c, area) for c in children],
        }
        return Response(DemandOutputSerializer(data).data)
