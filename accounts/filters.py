from __future__ import annotations

import django_filters
from auditlog.models import LogEntry
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import forms as number_forms
from . import identifiers
from .models import AccessLog, User

# django-filter's NumberFilter parses a decimal and a filter with a method has no model field to
# type it by, so the OpenAPI schema would call an id a number or a string, and "1.5" would pass.

#: The ids of our tables (BigAutoField). A larger number crashed the database driver (SQLite:
#: OverflowError; PostgreSQL: bigint out of range) when compared with a foreign key.
ID_MAX = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number from 1 to ``ID_MAX`` (anything else is a field error), read
    through ``accounts.identifiers`` (full-width digits become 0-9, other scripts are refused)."""

    field_class = number_forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class CountFilter(django_filters.NumberFilter):
    """A whole number within ``min_value`` and ``max_value`` (e.g. a number of days), read
    through ``accounts.identifiers`` like every number."""

    field_class = number_forms.IntegerField


@extend_schema_field(OpenApiTypes.BOOL)
class YesNoFilter(django_filters.BooleanFilter):
    """``true`` or ``false`` (empty: no filter), for pages and the API alike."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", django_filters.widgets.BooleanWidget())
        super().__init__(*args, **kwargs)


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        blank_means_any(self.form)

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


def _access_fields() -> list[tuple[str, str]]:
    from .audit import access_field_choices

    return access_field_choices()


def _history_models() -> list[tuple[str, str]]:
    """The record types the change history holds, by name (家庭, 成员 ...)."""
    from auditlog.registry import auditlog

    return sorted(
        ((m._meta.model_name, str(m._meta.verbose_name)) for m in auditlog.get_models()),
        key=lambda choice: choice[1],
    )


class AccessLogFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(
        label=_("User"), field_name="user__username", lookup_expr="icontains"
    )
    field = django_filters.ChoiceFilter(label=_("Field"), choices=_access_fields)
    since = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("Until"), field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AccessLog
        fields = ["user", "field", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        blank_means_any(self.form)


class ChangeHistoryFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(
        label=_("User"), field_name="actor__username", lookup_expr="icontains"
    )
    model = django_filters.ChoiceFilter(
        label=_("Record type"), field_name="content_type__model", choices=_history_models
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        blank_means_any(self.form)
