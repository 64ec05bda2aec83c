"""Browser input for referrals and cases: shape only; the rules live in referrals.services.

The referral page carries several action forms at once, so each has its own prefix (its fields
are named ``decline-reason``, ``outcome-note`` ...) and its errors stay next to its fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, User
from accounts.scope import region_scope
from accounts.taxonomies import AssistanceStatus, GapClass
from needs.models import Household, Member, Need
from supply.models import Organization

from .models import Case, CaseNote, Direction, Referral

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RADIOS = forms.RadioSelect(attrs={"class": "form-check-input"})
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (``<input type=file multiple>``); the service checks each
    one's size and content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


ATTACHMENTS_HELP = _("Scans or photos: PDF, JPEG or PNG, up to %(mb)s MB each.")


def attachments_field(label: Any = None) -> MultipleFileField:
    from django.conf import settings

    mb = settings.REFERRAL_ATTACHMENT_MAX_BYTES // (1024 * 1024)
    return MultipleFileField(
        label=label or _("Attachments"), help_text=ATTACHMENTS_HELP % {"mb": mb}
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name}({obj.get_relation_display()})"


class NeedChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Need) -> str:
        who = obj.member.name if obj.member_id else _("whole household")
        return f"{obj.get_area_display()} · {obj.get_form_display()} · {who}"


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name}({obj.get_org_type_display()})"


class ReferralForm(forms.Form):
    """Refer a household (or one of its members) to a charity or people's organisation, or to
    the township station for case service."""

    direction = forms.ChoiceField(
        label=_("Refer to"),
        choices=[
            (Direction.TO_CHARITY.value, _("A charity or people's organisation")),
            (Direction.TO_STATION.value, _("The township station, for case service")),
        ],
        initial=Direction.TO_CHARITY,
        widget=RADIOS,
    )
    organization = OrganizationChoiceField(
        label=_("Receiving organisation"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Only with the person's consent to referral in force for it."),
    )
    member = MemberChoiceField(
        label=_("Person referred"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("The whole household (the head's consent)"),
    )
    needs = NeedChoiceField(
        label=_("Needs concerned"),
        queryset=Need.objects.none(),
        required=False,
        widget=CHECKBOXES,
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Referral.Urgency.choices,
        initial=Referral.Urgency.NORMAL,
        widget=RADIOS,
    )
    reason = forms.CharField(
        label=_("Reason for the referral"),
        widget=TEXTAREA,
        help_text=_(
            "What the receiver needs to know to help. Write health details only if the help "
            "depends on them."
        ),
    )

    def __init__(self, *args: Any, household: Household, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["member"].queryset = household.members.filter(left_at__isnull=True).order_by(
            "pk"
        )
        self.fields["needs"].queryset = (
            household.needs.filter(status__in=Need.LIVE_STATUSES)
            .select_related("member")
            .order_by("pk")
        )
        self.fields["attachments"] = attachments_field()


class PersonReferralForm(forms.Form):
    """A charity tells the county civil affairs about a person who may qualify for government
    aid (the person need not be in the ledger)."""

    organization = forms.ModelChoiceField(
        label=_("Your organisation"), queryset=Organization.objects.none()
    )
    person_name = forms.CharField(label=_("Name"), max_length=50)
    region = forms.ModelChoiceField(
        label=_("Township where the person lives"),
        queryset=Region.objects.none(),
        help_text=_("The county civil affairs of this place receive the referral."),
    )
    person_address = forms.CharField(label=_("Address"), max_length=200, required=False)
    person_id_number = forms.CharField(
        label=_("ID number"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    person_phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    aid_sought = forms.ChoiceField(
        label=_("Government aid the person may qualify for"),
        choices=[("", _("Not sure")), *AssistanceStatus.choices],
        required=False,
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Referral.Urgency.choices,
        initial=Referral.Urgency.NORMAL,
        widget=RADIOS,
    )
    reason = forms.CharField(
        label=_("Why the person may qualify"),
        widget=TEXTAREA,
        help_text=_("What you found: the person's situation, income, what they already receive."),
    )
    person_agreed = forms.BooleanField(
        label=_("The person knows and agrees that civil affairs are told"),
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organizations = Organization.objects.filter(staff=user).order_by("name")
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].pk
        self.fields["region"].queryset = townships_served(organizations)
        self.fields["region"].label_from_instance = _region_label
        self.fields["attachments"] = attachments_field()

    def service_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "attachments"}


def townships_served(organizations: Any) -> Any:
    """The townships a charity's organisations work in: where they are registered and the
    regions they serve (a province-level organisation: the whole province)."""
    from django.db.models import Q

    prefixes = {
        o.registering_region.prefix for o in organizations.select_related("registering_region")
    }
    for organization in organizations.prefetch_related("service_regions"):
        prefixes |= {r.prefix for r in organization.service_regions.all()}
    where = Q(pk__in=[])
    for prefix in prefixes:
        where |= Q(code__startswith=prefix)
    return (
        Region.objects.filter(where, level=Region.Level.TOWNSHIP, valid_to__isnull=True)
        .select_related("parent__parent")
        .order_by("code")
    )


def _region_label(region: Region) -> str:
    parts = [region.name]
    node = region.parent
    while node is not None and node.level != Region.Level.PROVINCE:
        parts.append(node.name)
        node = node.parent
    return " / ".join(reversed(parts))


class ActionForm(forms.Form):
    """A button without fields (receive); it holds the service's refusal."""


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class OptionalNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the sender (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The sender reads it and may refer the person elsewhere."),
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=(), widget=RADIOS)
    status = forms.ChoiceField(
        label=_("Assistance status granted"),
        choices=AssistanceStatus.choices,
        required=False,
    )
    member = MemberChoiceField(
        label=_("Person granted"), queryset=Member.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the person is not eligible or could not be helped."),
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = referral.outcome_choices
        if referral.status == Referral.Status.IN_SERVICE:
            choices = [c for c in choices if c[0] != Referral.Outcome.APPLIED]
        self.fields["outcome"].choices = choices
        if referral.direction == Direction.TO_CIVIL_AFFAIRS and referral.household_id:
            self.fields["status"].initial = referral.aid_sought
            self.fields["member"].queryset = referral.household.members.filter(
                left_at__isnull=True
            ).order_by("pk")
            self.fields["member"].initial = referral.member_id
        else:
            del self.fields["status"]
            del self.fields["member"]


class AttachmentForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field(_("Add scans or photos"))


class LinkHouseholdForm(forms.Form):
    household = forms.CharField(
        label=_("Household number"),
        max_length=20,
        help_text=_("The person is already in the ledger: the household's number."),
    )


class RegisterHouseholdForm(forms.Form):
    """The household of a person a charity referred, registered by civil affairs with the
    person as its first member; the responsible worker completes it on the next visit."""

    region = forms.ModelChoiceField(label=_("Village or township"), queryset=Region.objects.none())
    address = forms.CharField(label=_("Address"), max_length=200)
    worker = forms.ModelChoiceField(
        label=_("Responsible social worker"), queryset=User.objects.none()
    )
    gap_class = forms.ChoiceField(
        label=_("Difficulty group"), choices=[("", "—"), *GapClass.choices], required=False
    )
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.ChoiceField(
        label=_("Relation to the head"),
        choices=Member.Relation.choices,
        initial=Member.Relation.HEAD,
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("", "—"), *Member.Sex.choices], required=False
    )
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = region_scope(user)
        self.fields["region"].queryset = (
            Region.objects.filter(
                scope.q("code"), level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE]
            )
            .filter(valid_to__isnull=True)
            .select_related("parent")
            .order_by("code")
        )
        self.fields["region"].label_from_instance = _region_label
        self.fields["worker"].queryset = (
            User.objects.filter(
                scope.q("region__code"), role=User.Role.SOCIAL_WORKER, is_active=True
            )
            .select_related("region")
            .order_by("region_id", "name")
        )
        self.fields["worker"].label_from_instance = lambda u: f"{u}({u.region.name})"


# --- Cases -----------------------------------------------------------------------------------


class CaseOpenForm(forms.Form):
    member = MemberChoiceField(
        label=_("Person served"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("The whole household"),
    )
    worker = forms.ModelChoiceField(label=_("Case worker"), queryset=User.objects.none())
    assessment = forms.CharField(
        label=_("Assessment"),
        required=False,
        widget=TEXTAREA,
        help_text=_("The situation, strengths and risks, what the household asks for."),
    )
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE)

    def __init__(self, *args: Any, household: Household, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(left_at__isnull=True).order_by(
            "pk"
        )
        self.fields["worker"].queryset = User.objects.filter(
            role=User.Role.SOCIAL_WORKER, region_id=household.station_id, is_active=True
        ).order_by("name")
        if user.role == User.Role.SOCIAL_WORKER:
            self.fields["worker"].initial = user.pk


class AssessmentForm(forms.Form):
    assessment = forms.CharField(label=_("Assessment"), widget=TEXTAREA)
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE)


class GoalForm(forms.Form):
    goal = forms.CharField(label=_("Goal"), max_length=300)
    due_on = forms.DateField(label=_("To be reached by"), widget=DATE)


class CaseNoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CaseNote.Kind.choices, initial=CaseNote.Kind.NOTE, widget=RADIOS
    )
    written_on = forms.DateField(label=_("Date"), widget=DATE)
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["written_on"].initial = timezone.localdate()


class CaseCloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Case.Outcome.choices, widget=RADIOS)
    note = forms.CharField(
        label=_("Closing note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required unless the goals were met."),
    )
