from __future__ import annotations

import django_filters
from auditlog.models import LogEntry
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from . import forms as number_forms
from . import identifiers
from .models import AccessLog, User


class NumberFilter(django_filters.NumberFilter):
    """django-filter's NumberFilter reads ``Decimal()``, which takes ``٤٢`` as 42: this one reads
    the digits through ``accounts.identifiers`` (full-width digits become 0-9, other scripts are
    an invalid value: a 400 in the API, ignored on a page)."""

    field_class = number_forms.DecimalField


def blank_means_any(form: forms.Form) -> forms.Form:
    """Filter selects say "Any" for their empty choice, not dashes or "Unknown"."""
    for field in form.fields.values():
        if isinstance(field.widget, django_filters.widgets.BooleanWidget):
            field.widget.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        elif isinstance(field, django_filters.fields.ChoiceField):
            # Setting the choices again makes the widget take the new empty label.
            field.empty_label = _("Any")
            field.choices = [choice for choice in field.choices if choice[0] != ""]
    return form


class StaffFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=User.Role.choices)
    region = django_filters.CharFilter(label=_("Region code"), method="in_region")

    class Meta:
        model = User
        fields = ["q", "role", "region"]

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(username__icontains=value)
            | Q(region__name__icontains=value)
        )

    def in_region(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        # Narrows within the scope already applied; it can never widen it.
        code = identifiers.ascii_digits(value)
        return queryset.filter(region__code__startswith=code) if code else queryset


class AccessLogFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(
        label=_("User"), field_name="user__username", lookup_expr="icontains"
    )
    field = django_filters.CharFilter(label=_("Field"), lookup_expr="iexact")
    since = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("Until"), field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AccessLog
        fields = ["user", "field", "since", "until"]


class ChangeHistoryFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(
        label=_("User"), field_name="actor__username", lookup_expr="icontains"
    )
    model = django_filters.CharFilter(
        label=_("Record type"), field_name="content_type__model", lookup_expr="iexact"
    )
    since = django_filters.DateFilter(
        label=_("From"), field_name="timestamp", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("Until"), field_name="timestamp", lookup_expr="date__lte"
    )

    class Meta:
        model = LogEntry
        fields = ["user", "model", "since", "until"]
