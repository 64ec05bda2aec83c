from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is not correct."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for viewing"),
        max_length=500,
        error_messages={"required": _("Please give the reason for viewing the full value.")},
        widget=forms.TextInput(attrs={"placeholder": _("e.g. calling about a home visit")}),
    )
