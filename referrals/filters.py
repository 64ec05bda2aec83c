"""The FilterSets shared by the referral and case lists and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import identifiers
from accounts.filters import IdFilter, YesNoFilter

from .models import Case, Direction, Referral


def _number(value: str, prefix: str) -> int | None:
    digits = identifiers.ascii_digits(identifiers.nfkc(value).upper().removeprefix(prefix))
    if digits is not None and len(digits) <= 18:
        return int(digits)
    return None


class ReferralFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Referral.Status.choices)
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=Direction.choices)
    urgency = django_filters.ChoiceFilter(label=_("Urgency"), choices=Referral.Urgency.choices)
    household = IdFilter(label=_("Household"), method="of_household")
    overdue = YesNoFilter(label=_("Overdue"), method="is_overdue")

    class Meta:
        model = Referral
        fields = ["q", "status", "direction", "urgency", "household", "overdue"]

    def _for_charity(self) -> bool:
        # Charity staff never learn household numbers: they must not probe them either.
        user = getattr(self.request, "user", None)
        return getattr(user, "role", "") == "charity"

    def of_household(self, queryset: QuerySet, name: str, value: int | None) -> QuerySet:
        if value is None or self._for_charity():
            return queryset
        return queryset.filter(household_id=value)

    def is_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = queryset.overdue().values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """By referral number (R000123), household number, or receiving organisation."""
        value = value.strip()
        if not value:
            return queryset
        match = Q(receiver_organization__name__icontains=value) | Q(
            sender_organization__name__icontains=value
        )
        if not self._for_charity():
            match |= Q(household__code__iexact=identifiers.nfkc(value))
        number = _number(value, "R")
        if number is not None:
            match |= Q(pk=number)
        return queryset.filter(match)


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Case.Status.choices)
    mine = YesNoFilter(label=_("My cases"), method="my_cases")
    household = IdFilter(label=_("Household"), field_name="household_id")

    class Meta:
        model = Case
        fields = ["q", "status", "mine", "household"]

    def my_cases(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return queryset
        return queryset.filter(worker=user) if value else queryset.exclude(worker=user)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """By case number (C000123) or household number."""
        value = value.strip()
        if not value:
            return queryset
        match = Q(household__code__iexact=identifiers.nfkc(value))
        number = _number(value, "C")
        if number is not None:
            match |= Q(pk=number)
        return queryset.filter(match)
