"""The filter of the evaluation list, shared by the API (the page keeps its three selects)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import identifiers
from accounts.filters import CountFilter, YesNoFilter
from accounts.models import Region

from .models import AnnualEvaluation

LEVELS = [(value, label) for value, label in Region.Level.choices if value != "village"]


class EvaluationFilterSet(django_filters.FilterSet):
    year = CountFilter(label=_("Year"), min_value=2000, max_value=2100)
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=LEVELS, field_name="region__level"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=AnnualEvaluation.Status.choices)
    region = django_filters.CharFilter(
        label=_("Within region (division code)"), method="within", max_length=12
    )
    current = YesNoFilter(
        label=_("Current versions only (false: every version)"), method="only_current"
    )

    class Meta:
        model = AnnualEvaluation
        fields = ["year", "level", "status", "region", "current"]

    def within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        code = identifiers.ascii_digits(value or "")
        if not code:
            return queryset.none()
        prefix = Region(code=code.ljust(12, "0")[:12], level="").code
        from supply.models import region_prefix

        return queryset.filter(region__code__startswith=region_prefix(prefix))

    def only_current(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(is_current=True) if value else queryset
