"""Browser input for matching: shape only; the rules live in matching.services.

The application page carries several action forms at once, so each has its own prefix (its
fields are named ``reject-reason``, ``flag-note`` ...) and its errors stay next to its fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import forms as number_forms
from needs.models import Member, Need

from .models import Application

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RADIOS = forms.RadioSelect(attrs={"class": "form-check-input"})
SATISFACTION = [(n, str(n)) for n in range(1, 6)]


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name}({obj.get_relation_display()})"


class ApplicationForm(forms.Form):
    """Apply with or for a household. The person applying is chosen only for a need of the
    whole household; the reason to go on despite other aid is asked only when the pre-aid
    check found aid of the same area."""

    mode = forms.ChoiceField(
        label=_("Who applies"),
        choices=Application.Mode.choices,
        initial=Application.Mode.ASSISTED,
        widget=RADIOS,
    )
    member = MemberChoiceField(
        label=_("Person applying"),
        queryset=Member.objects.none(),
        help_text=_("The person whose details go to the supplier, with their consent."),
    )
    message = forms.CharField(
        label=_("Message to the supplier"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the supplier needs to know. Do not write health details here."),
    )
    share_contact = forms.BooleanField(
        label=_("The person agrees that the supplier may contact them"),
        required=False,
        help_text=_("Gives the supplier the phone number and address."),
    )
    overlap_reason = forms.CharField(
        label=_("Reason to apply despite the aid above"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Give the reason to apply again; civil affairs will review it.")
        },
        help_text=_("Civil affairs review this application before the aid is delivered."),
    )

    def __init__(self, *args: Any, need: Need, overlaps: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if need.member_id:
            del self.fields["member"]
        else:
            self.fields["member"].queryset = need.household.members.filter(
                left_at__isnull=True
            ).order_by("id")
        if not overlaps:
            del self.fields["overlap_reason"]


class ActionForm(forms.Form):
    """A button without fields (submit, accept); it holds the service's refusal."""


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawing"), max_length=300)


class ExplainForm(forms.Form):
    explanation = forms.CharField(
        label=_("What the household was told"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("说明解释: how the answer was explained to the person, and what comes next."),
    )


class FeedbackForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1 = very unhappy, 5 = very happy)"),
        choices=SATISFACTION,
        coerce=int,
        widget=RADIOS,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class HouseholdFeedbackForm(FeedbackForm):
    """The household's feedback, recorded by its worker; while the need is live it also says
    whether the need is met."""

    need_outcome = forms.ChoiceField(
        label=_("Is the need met?"),
        choices=[
            ("met", _("Met")),
            ("unmet", _("Not met: close it")),
            ("open", _("Not yet: keep it open for other aid")),
        ],
        widget=RADIOS,
    )
    outcome_reason = forms.CharField(
        label=_("Why the need is not met"), max_length=300, required=False
    )

    def __init__(self, *args: Any, need_live: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not need_live:
            del self.fields["need_outcome"]
            del self.fields["outcome_reason"]


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for rejection"), choices=Application.RejectionReason.choices
    )
    criterion = forms.ChoiceField(
        label=_("Condition not met"),
        choices=[("", "—"), *Application.Criterion.choices],
        required=False,
        help_text=_("Required when the person does not meet a condition."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The social worker explains your answer to the household with it."),
    )


class DeliverForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE)
    quantity = forms.CharField(label=_("Quantity delivered"), max_length=100, required=False)
    value = number_forms.DecimalField(
        label=_("Value delivered (yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )
    note = forms.CharField(
        label=_("Delivery note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivered_on"].initial = timezone.localdate()


class ConfirmForm(forms.Form):
    note = forms.CharField(label=_("Review note"), required=False, max_length=1000)


class FlagForm(forms.Form):
    flag = forms.ChoiceField(label=_("What is wrong"), choices=Application.Flag.choices)
    note = forms.CharField(label=_("Explain the flag"), widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Resolution"),
        choices=[
            ("cleared", _("Cleared: the match goes on")),
            ("upheld", _("Upheld: a running application is withdrawn")),
        ],
        widget=RADIOS,
    )
    note = forms.CharField(
        label=_("How the flag was resolved"), widget=forms.Textarea(attrs={"rows": 2})
    )
