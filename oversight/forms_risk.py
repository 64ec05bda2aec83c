"""Browser input of risk early warning: the note that resolves a signal."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RiskResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("e.g. visited on the day, need re-registered, consent renewed."),
    )
