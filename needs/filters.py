"""FilterSets shared by the HTML pages and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import identifiers
from accounts.filters import CountFilter, IdFilter, YesNoFilter
from accounts.models import Region
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, GapClass, VulnerabilityTag

from .models import AssistanceRecord, Household, Member, MemberTag, Need
from .selectors import region_choices_for_user


class HouseholdFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, address or number"), method="search")
    region = django_filters.ModelChoiceFilter(
        label=_("Village or township"), queryset=None, method="in_region", empty_label=_("Any")
    )
    gap_class = django_filters.ChoiceFilter(
        label=_("Difficulty group"), choices=GapClass.choices, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Assistance status"),
        choices=AssistanceStatus.choices,
        method="with_status",
        empty_label=_("All"),
    )
    tag = django_filters.ChoiceFilter(
        label=_("Vulnerability"),
        choices=VulnerabilityTag.choices,
        method="with_tag",
        empty_label=_("All"),
    )
    need_area = django_filters.ChoiceFilter(
        label=_("Open need in area"),
        choices=CharityArea.choices,
        method="with_need_area",
        empty_label=_("All"),
    )
    urgent = YesNoFilter(label=_("Urgent need"), method="with_urgent")
    unvisited_days = CountFilter(
        label=_("Not visited for (days)"), method="unvisited_for", min_value=1, max_value=36500
    )
    mine = YesNoFilter(label=_("Only mine"), method="only_mine")

    class Meta:
        model = Household
        fields = [
            "q",
            "region",
            "gap_class",
            "status",
            "tag",
            "need_area",
            "urgent",
            "unvisited_days",
            "mine",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["region"].queryset = (
            region_choices_for_user(user) if user else Region.objects.none()
        )

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        named = Member.objects.filter(
            household=OuterRef("pk"), left_at__isnull=True, name__icontains=value
        )
        return queryset.filter(
            Q(Exists(named))
            | Q(address__icontains=value)
            | Q(code__iexact=identifiers.nfkc(value))  # a number typed in full width
        )

    def in_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(region__code__startswith=value.prefix) if value else queryset

    # Each filter is a semi-join, ``pk IN (SELECT household_id ...)``: the inner set is computed
    # once from its own index. A correlated EXISTS let SQLite drive the plan from the status
    # index for every household (35 s at 10,000 households; bench/bench_households.py).

    def with_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        records = AssistanceRecord.objects.filter(
            status=value, ended_on__isnull=True, member__left_at__isnull=True
        )
        return queryset.filter(pk__in=records.values("member__household_id"))

    def with_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tags = MemberTag.objects.filter(tag=value, member__left_at__isnull=True)
        return queryset.filter(pk__in=tags.values("member__household_id"))

    def with_need_area(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        needs = Need.objects.filter(area=value, status__in=Need.LIVE_STATUSES)
        return queryset.filter(pk__in=needs.values("household_id"))

    def with_urgent(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        urgent = Need.objects.filter(urgent=True, status__in=Need.LIVE_STATUSES).values(
            "household_id"
        )
        return queryset.filter(pk__in=urgent) if value else queryset.exclude(pk__in=urgent)

    def unvisited_for(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        cutoff = timezone.localdate() - dt.timedelta(days=int(value))
        return queryset.filter(Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=cutoff))

    def only_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(worker=self.user) if value and self.user else queryset


class NeedFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Need.Status.choices)
    area = django_filters.ChoiceFilter(
        label=_("Charity area"), choices=CharityArea.choices, empty_label=_("All")
    )
    form = django_filters.ChoiceFilter(
        label=_("Form of aid"), choices=AidForm.choices, empty_label=_("All")
    )
    urgent = YesNoFilter(label=_("Urgent"))
    household = IdFilter(label=_("Household"), field_name="household_id")

    class Meta:
        model = Need
        fields = ["status", "area", "form", "urgent", "household"]
