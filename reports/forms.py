"""Browser input of the reports: shape only; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region

from .models import ReportExport
from .presentation import NARRATIVE_PARTS
from .services import MAX_NARRATIVE


class PeriodForm(forms.Form):
    """The days of the live dashboard: this year so far unless chosen otherwise."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    MAX_DAYS = 366 * 3

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.localdate()
        start = data.get("start") or today.replace(month=1, day=1)
        end = data.get("end") or max(today, start)
        if end < start:
            self.add_error("end", _("The end comes on or after the start."))
        elif (end - start).days > self.MAX_DAYS:
            self.add_error("end", _("Choose at most three years."))
        elif start.year < 2000 or end.year > today.year + 1:
            self.add_error("start", _("Choose days from 2000 to next year."))
        data["start"], data["end"] = start, end
        return data

    def period_or_default(self) -> tuple[dt.date, dt.date]:
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        today = timezone.localdate()
        return today.replace(month=1, day=1), today


def _year_choices(years: list[int]) -> list[tuple[int, str]]:
    return [(year, str(year)) for year in years]


class BuildForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args: Any, regions: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].label_from_instance = _region_label
        self.fields["year"].choices = _year_choices(years)
        self.fields["year"].initial = years[1] if len(years) > 1 else years[0]


def _region_label(region: Region) -> str:
    if region.parent is not None and region.level != Region.Level.PREFECTURE:
        return f"{region.parent.name} {region.name}"
    return region.name


class ZipForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices(years)
        self.fields["year"].initial = years[1] if len(years) > 1 else years[0]


class NarrativeForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in NARRATIVE_PARTS:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                max_length=MAX_NARRATIVE,
                widget=forms.Textarea(attrs={"rows": 3}),
            )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What must change"),
        max_length=MAX_NARRATIVE,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what must change.")},
    )


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("File"),
        choices=[(k, label) for k, label in ReportExport.Kind.choices if k != "zip"],
    )
