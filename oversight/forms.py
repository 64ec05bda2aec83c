"""Forms of complaints: shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region

from .models import Complaint


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        if obj.level == Region.Level.COUNTY and obj.parent_id:
            return f"{obj.parent.name} {obj.name}"
        return str(obj.name)


def places() -> Any:
    """Where a staff member works: the current counties and cities (a township's social
    worker is found under its county)."""
    return (
        Region.objects.filter(level__in=[Region.Level.PREFECTURE, Region.Level.COUNTY])
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))
        .select_related("parent")
        .order_by("code")
    )


class ComplaintForm(forms.Form):
    ANONYMOUS = (
        ("yes", _("Anonymously")),
        ("no", _("Leave a contact so that civil affairs can call me back")),
    )

    subject_kind = forms.ChoiceField(
        label=_("The complaint is about"),
        choices=Complaint.Subject.choices,
        widget=forms.RadioSelect,
    )
    project = forms.IntegerField(required=False, widget=forms.HiddenInput)
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput)
    subject_name = forms.CharField(
        label=_("Name of the project, organisation or staff member"),
        max_length=200,
        required=False,
        help_text=_("As the showcase or the staff member's badge shows it."),
    )
    application_number = forms.CharField(
        label=_("Application number"),
        max_length=20,
        required=False,
        help_text=_("On the notice of the application, like A000123."),
    )
    place = PlaceChoiceField(
        label=_("Where the staff member works"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("Choose the county or city"),
    )
    body = forms.CharField(
        label=_("What happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("When and where, and what you ask civil affairs to do."),
    )
    anonymous = forms.ChoiceField(
        label=_("Your contact"),
        choices=ANONYMOUS,
        initial="yes",
        widget=forms.RadioSelect,
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("Your phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    attachment = forms.FileField(
        label=_("A photo or document (optional)"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Shown with the other errors of the form (the service checks it again).
        if data.get("anonymous") == "no" and not (data.get("contact_phone") or "").strip():
            self.add_error(
                "contact_phone", _("Leave a phone number, or file the complaint anonymously.")
            )
        return data

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["anonymous"] = data["anonymous"] == "yes"
        data["upload"] = data.pop("attachment") or None
        return data


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=_("The 16 letters and digits you were given when you filed the complaint."),
    )


class ConcludeForm(forms.Form):
    finding = forms.ChoiceField(
        label=_("Finding"), choices=Complaint.Finding.choices, widget=forms.RadioSelect
    )
    reply = forms.CharField(
        label=_("Reply to the complainant"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "The complainant reads it with the tracking code: no personal data of anyone else."
        ),
    )
