"""FilterSets shared by the ledger pages and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import identifiers
from accounts.filters import IdFilter, YesNoFilter
from accounts.scope import region_scope
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, VulnerabilityTag

from .models import STALE_AFTER, Project, ProjectCoverage, ProjectTerm, Tier, coverage_reaching

TIER_LEVEL = {Tier.PROVINCE: "province", Tier.CITY: "prefecture", Tier.COUNTY: "county"}
MY_AREA_CHOICES = [
    ("either", _("Registered in my area or reaching it")),
    ("registered", _("Registered in my area")),
    ("reaching", _("Registered elsewhere, reaching my area")),
]


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
    my_area = django_filters.ChoiceFilter(
        label=_("My area"),
        choices=MY_AREA_CHOICES,
        method="in_my_area",
        help_text=_(
            "For civil affairs: listings registered in the user's area, listings of "
            "organisations registered elsewhere that reach it (cross-region aid), or either."
        ),
    )
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
            "my_area",
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
        """Projects available to some place of the region: covering it or a region above it,
        or covering a part of it (a county finds a project of one of its townships)."""
        code = identifiers.ascii_digits(value)
        if code is None:
            return queryset
        ids = ProjectCoverage.objects.filter(coverage_reaching(code)).values("project_id")
        return queryset.filter(pk__in=ids)

    def in_my_area(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The ledger of a department: listings registered in its area, and those of other
        departments' organisations that reach it (对口帮扶). Users without an area: nothing."""
        return queryset.filter(my_area_q(getattr(self.request, "user", None), value))

    def only_stale(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        cutoff = timezone.now() - STALE_AFTER
        stale = Q(status=Project.Status.PUBLISHED) & (
            Q(last_confirmed_at__lt=cutoff)
            | Q(last_confirmed_at__isnull=True, created_at__lt=cutoff)
        )
        return queryset.filter(stale) if value else queryset.exclude(stale)


def my_area_q(user: Any, value: str = "either") -> Q:
    """Listings registered in the user's area (its tier's ledger), those registered elsewhere
    reaching some place of it, or either: one filter on indexed columns."""
    scope = region_scope(user) if user is not None else None
    if scope is None or scope.is_empty:
        return Q(pk__in=[])
    registered = scope.q("organization__registering_region__code")
    if scope.everything:
        reaching = Q(pk__in=[])  # nothing is registered outside everything
    else:
        ids = ProjectCoverage.objects.filter(coverage_reaching(scope.prefix)).values("project_id")
        reaching = Q(pk__in=ids) & ~registered
    return {"registered": registered, "reaching": reaching}.get(value, registered | reaching)


def running_on(day: dt.date | None = None) -> Q:
    """Listings running on a day: started, and not ended."""
    day = day or timezone.localdate()
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
