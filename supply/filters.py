"""FilterSets shared by the ledger pages and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.filters import IdFilter, YesNoFilter
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, VulnerabilityTag

from .models import STALE_AFTER, Project, ProjectTerm, Tier, code_prefixes

TIER_LEVEL = {Tier.PROVINCE: "province", Tier.CITY: "prefecture", Tier.COUNTY: "county"}


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    area = django_filters.ChoiceFilter(
        label=_("Charity area"), choices=CharityArea.choices, method="with_area"
    )
    form = django_filters.ChoiceFilter(
        label=_("Form of aid"), choices=AidForm.choices, method="with_form"
    )
    eligible_status = django_filters.ChoiceFilter(
        label=_("Open to assistance status"),
        choices=AssistanceStatus.choices,
        method="open_to_status",
    )
    eligible_tag = django_filters.ChoiceFilter(
        label=_("Open to vulnerability"), choices=VulnerabilityTag.choices, method="open_to_tag"
    )
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=Tier.choices, method="of_tier")
    covers = django_filters.CharFilter(label=_("Covers region (code)"), method="covering")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Project.Status.choices)
    stale = YesNoFilter(label=_("Not confirmed for half a year"), method="only_stale")
    organization = IdFilter(label=_("Organisation"), field_name="organization_id")

    class Meta:
        model = Project
        fields = [
            "q",
            "area",
            "form",
            "eligible_status",
            "eligible_tag",
            "tier",
            "covers",
            "status",
            "stale",
            "organization",
        ]

    # Semi-joins on the (kind, value) index, like the household filters.
    def _term(self, queryset: QuerySet, kind: str, value: str) -> QuerySet:
        ids = ProjectTerm.objects.filter(kind=kind, value=value).values("project_id")
        return queryset.filter(pk__in=ids)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(organization__name__icontains=value)
        )

    def with_area(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return self._term(queryset, ProjectTerm.Kind.AREA, value)

    def with_form(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return self._term(queryset, ProjectTerm.Kind.FORM, value)

    def open_to_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Projects that name this status among their eligible ones, or name no status at all."""
        restricted = ProjectTerm.objects.filter(kind=ProjectTerm.Kind.STATUS).values("project_id")
        naming = ProjectTerm.objects.filter(kind=ProjectTerm.Kind.STATUS, value=value).values(
            "project_id"
        )
        return queryset.filter(Q(pk__in=naming) | ~Q(pk__in=restricted))

    def open_to_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        restricted = ProjectTerm.objects.filter(kind=ProjectTerm.Kind.TAG).values("project_id")
        naming = ProjectTerm.objects.filter(kind=ProjectTerm.Kind.TAG, value=value).values(
            "project_id"
        )
        return queryset.filter(Q(pk__in=naming) | ~Q(pk__in=restricted))

    def of_tier(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(organization__registering_region__level=TIER_LEVEL[Tier(value)])

    def covering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value.isdigit():
            return queryset
        from .models import ProjectCoverage

        ids = ProjectCoverage.objects.filter(prefix__in=code_prefixes(value.ljust(12, "0"))).values(
            "project_id"
        )
        return queryset.filter(pk__in=ids)

    def only_stale(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        cutoff = timezone.now() - STALE_AFTER
        stale = Q(status=Project.Status.PUBLISHED) & (
            Q(last_confirmed_at__lt=cutoff)
            | Q(last_confirmed_at__isnull=True, created_at__lt=cutoff)
        )
        return queryset.filter(stale) if value else queryset.exclude(stale)


def running_on(day: dt.date | None = None) -> Q:
    """Listings running on a day: started, and not ended."""
    day = day or timezone.localdate()
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
