"""The FilterSet shared by the application lists and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import identifiers
from accounts.filters import IdFilter
from accounts.taxonomies import CharityArea

from .models import Application


class ApplicationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Application.Status.choices
    )
    review_status = django_filters.ChoiceFilter(
        label=_("Review"), choices=Application.Review.choices[1:]
    )
    area = django_filters.ChoiceFilter(
        label=_("Charity area"), choices=CharityArea.choices, field_name="need__area"
    )
    need = IdFilter(label=_("Need"), field_name="need_id")
    household = IdFilter(label=_("Household"), method="of_household")
    project = IdFilter(label=_("Project"), field_name="project_id")

    class Meta:
        model = Application
        fields = ["q", "status", "review_status", "area", "need", "household", "project"]

    def _for_supplier(self) -> bool:
        # Charity staff never learn household numbers: they must not probe them either.
        user = getattr(self.request, "user", None)
        return getattr(user, "role", "") == "charity"

    def of_household(self, queryset: QuerySet, name: str, value: int | None) -> QuerySet:
        if value is None or self._for_supplier():
            return queryset
        return queryset.filter(household_id=value)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """By application number (A000123), household number or project title."""
        value = value.strip()
        if not value:
            return queryset
        match = Q(project__title__icontains=value)
        if not self._for_supplier():
            match |= Q(household__code__iexact=identifiers.nfkc(value))
        digits = identifiers.ascii_digits(identifiers.nfkc(value).upper().removeprefix("A"))
        if digits is not None and len(digits) <= 18:
            match |= Q(pk=int(digits))
        return queryset.filter(match)
