"""Browser input for the need ledger: shape only; the rules live in needs.services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import forms as number_forms
from accounts import identifiers
from accounts.forms import number_formfield
from accounts.models import User
from accounts.scope import region_scope
from accounts.taxonomies import AssistanceStatus, DisabilityType, VulnerabilityTag

from .models import Consent, Household, Member, Need, Visit
from .selectors import region_choices_for_user
from .services import BIRTH_DATE_DISAGREES, SEX_DISAGREES, MemberInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}({obj.code})" if obj.level == "village" else obj.name


class HouseholdForm(forms.ModelForm):
    region = RegionChoiceField(label=_("Village or township"), queryset=None)
    worker = forms.ModelChoiceField(label=_("Responsible social worker"), queryset=None)

    class Meta:
        model = Household
        formfield_callback = number_formfield
        fields = [
            "region",
            "address",
            "worker",
            "gap_class",
            "income_per_capita",
            "rigid_expenditure",
            "housing",
            "housing_note",
            "external_ref",
            "notes",
            "coi_declared",
            "coi_note",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2}),
            "income_per_capita": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            "rigid_expenditure": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_choices_for_user(user)
        self.fields["worker"].queryset = (
            User.objects.filter(
                region_scope(user).q("region__code"), role=User.Role.SOCIAL_WORKER, is_active=True
            )
            .select_related("region")
            .order_by("region_id", "name")
        )
        self.fields["worker"].label_from_instance = lambda u: f"{u}({u.region.name})"
        if not self.instance.pk and user.role == User.Role.SOCIAL_WORKER:
            self.fields["region"].initial = user.region_id
            self.fields["worker"].initial = user.pk

    def _post_clean(self) -> None:
        # Shape only: the service compares the submitted values with the stored household and
        # writes them; the form must not copy them onto the instance first.
        pass

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MemberForm(forms.Form):
    """One member row. On an existing member the encrypted values are never sent to the page:
    left blank, the stored ID number, phone and health notes are kept."""

    member_id = number_forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Member.Relation.choices)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=24,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "inputmode": "text",
                "spellcheck": "false",
                "data-idnumber": "number",
            }
        ),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("", "—"), *Member.Sex.choices],
        required=False,
        widget=forms.Select(attrs={"data-idnumber": "sex"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "data-idnumber": "birth_date"}, format="%Y-%m-%d"
        ),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    statuses = forms.MultipleChoiceField(
        label=_("Assistance status"),
        choices=AssistanceStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    tags = forms.MultipleChoiceField(
        label=_("Vulnerability"),
        choices=VulnerabilityTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    disability_type = forms.ChoiceField(
        label=_("Disability type"), choices=[("", "—"), *DisabilityType.choices], required=False
    )
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"),
        choices=[("", "—"), *[(i, str(i)) for i in range(1, 5)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    health_notes = forms.CharField(
        label=_("Health"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    clear_phone = forms.BooleanField(label=_("Remove the stored phone"), required=False)
    clear_health_notes = forms.BooleanField(
        label=_("Remove the stored health notes"), required=False
    )
    school_or_work = forms.CharField(label=_("School or work"), max_length=100, required=False)

    def __init__(
        self, *args: Any, existing: dict[int, Member] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.existing = existing or {}
        member = self.existing.get(self.initial.get("member_id"))
        if member is not None:
            self.fields["id_number"].help_text = _(
                "Stored: %(masked)s. Leave blank to keep it."
            ) % {"masked": member.id_number_masked or "—"}
            if member.id_number:
                # The sex shown was read from the stored number: a new number typed in its
                # place replaces it (the browser refills it, and to_input lets it go).
                self.fields["sex"].widget.attrs["data-id-derived"] = "stored"
            if member.phone:
                self.fields["phone"].help_text = _(
                    "Stored: %(masked)s. Leave blank to keep it."
                ) % {"masked": member.phone_masked}
            if member.health_notes:
                self.fields["health_notes"].help_text = _(
                    "Notes are stored. Leave blank to keep them."
                )

    @property
    def member(self) -> Member | None:
        """The stored member this row edits: only members of this household can be named."""
        cleaned = getattr(self, "cleaned_data", {})
        return self.existing.get(cleaned.get("member_id") or self.initial.get("member_id"))

    def to_input(self) -> MemberInput:
        """The row as the service takes it. The ID number decides sex and date of birth; a sex
        or date typed beside it is passed on, for the service to refuse when it disagrees
        (``services.id_number_disagreements``). The sex shown for a stored number was read from
        that number: left as shown while a new number is typed, it is not the worker's word and
        gives way to the new number."""
        data = self.cleaned_data
        member = self.member
        sex = data["sex"]
        if member is not None and not data["id_number"]:
            sex = sex or member.sex
        elif member is not None and member.id_number and "sex" not in self.changed_data:
            sex = ""
        return MemberInput(
            member_id=member.pk if member else None,
            name=data["name"],
            relation=data["relation"],
            id_number=data["id_number"] or (member.id_number if member else ""),
            sex=sex,
            birth_date=data["birth_date"]
            or (member.birth_date if member and not data["id_number"] else None),
            phone=""
            if data["clear_phone"]
            else (data["phone"] or (member.phone if member else "")),
            health_notes=""
            if data["clear_health_notes"]
            else (data["health_notes"] or (member.health_notes if member else "")),
            disability_type=data["disability_type"],
            disability_grade=data["disability_grade"],
            school_or_work=data["school_or_work"],
            statuses=data["statuses"],
            tags=data["tags"],
            remove=bool(data.get("DELETE")),
        )


class BaseMemberFormSet(forms.BaseFormSet):
    @property
    def id_number_messages(self) -> dict[str, str]:
        """What the browser says as an ID number is typed (static/js/idnumber.js): the
        server's own messages, so that the page and the saved form say the same."""
        return {
            "length": _("An ID number has 18 characters."),
            "format": _("An ID number has 17 digits followed by a digit or X."),
            "foreign_digit": _("“%(char)s” is a digit of another script: type the digits 0-9."),
            "birth_date": _("The birth date in this ID number does not exist."),
            "future": _("The birth date in this ID number is in the future."),
            "checksum": _("The check character is wrong: please check the number digit by digit."),
            "typing": _("%(count)s of 18 characters"),
            "filled": _("Read from the ID number: %(sex)s, born on %(date)s."),
            "sex_disagrees": str(SEX_DISAGREES),
            "birth_date_disagrees": str(BIRTH_DATE_DISAGREES),
            "male": str(Member.Sex.MALE.label),
            "female": str(Member.Sex.FEMALE.label),
        }


MemberFormSet = forms.formset_factory(
    MemberForm,
    formset=BaseMemberFormSet,
    extra=0,
    can_delete=True,
    min_num=1,
    validate_min=True,
)


def member_initial(member: Member) -> dict[str, Any]:
    """Initial values of a member row: never the plain ID number, phone or health notes."""
    return {
        "member_id": member.pk,
        "name": member.name,
        "relation": member.relation,
        "sex": member.sex,
        # Not beside a masked ID number: with it, the birth date gives the number away.
        "birth_date": None if member.id_number else member.birth_date,
        "statuses": [r.status for r in getattr(member, "current_assistance", [])],
        "tags": [t.tag for t in member.tags.all()],
        "disability_type": member.disability_type,
        "disability_grade": member.disability_grade,
        "school_or_work": member.school_or_work,
    }


class NeedForm(forms.ModelForm):
    class Meta:
        model = Need
        formfield_callback = number_formfield
        fields = [
            "member",
            "area",
            "form",
            "description",
            "urgent",
            "estimated_value",
            "quantity",
            "source",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "estimated_value": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(left_at__isnull=True)
        self.fields["member"].empty_label = _("The whole household")


class NeedTransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Need.Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visited_on", "findings", "next_visit_on"]
        widgets = {
            "visited_on": DATE,
            "next_visit_on": DATE,
            "findings": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()


#: Organisations one consent may name (a person names a few; the limit keeps a page sane).
MAX_RECIPIENTS = 20


def _values(data: Any, key: str) -> list[Any]:
    """Every value sent under ``key`` (a QueryDict's list, or a plain dict's value)."""
    if hasattr(data, "getlist"):
        return data.getlist(key)
    value = data.get(key, [])
    return list(value) if isinstance(value, list | tuple) else [value]


class RecipientsWidget(forms.Widget):
    """The organisations picked by name from the ledger: the form posts each one as a pair of
    inputs ``recipients_name`` and ``recipients_code`` (hidden inputs the picker adds, or the
    typed rows of the page without JavaScript). The template draws them; this reads them."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[tuple[str, str]]:
        names = _values(data, f"{name}_name")
        codes = _values(data, f"{name}_code")
        rows = list(zip(names, codes, strict=False))
        rows += [(n, "") for n in names[len(codes) :]] + [("", c) for c in codes[len(names) :]]
        return [(str(n), str(c)) for n, c in rows]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class RecipientsField(forms.Field):
    """Organisations named in a consent, each by name and unified social credit code: the code
    is what matching compares with a project's organisation, so a name alone is refused."""

    widget = RecipientsWidget
    default_error_messages = {
        "no_code": _("“%(name)s” has no unified social credit code: pick it from the list."),
        "no_name": _("Code %(code)s has no organisation name: pick it from the list."),
        "bad_code": _("%(name)s: %(problem)s"),
        "too_long": _("An organisation's name has at most 200 characters."),
        "too_many": _("Name at most %(limit)s organisations in one consent."),
    }

    def to_python(self, value: Any) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        for name, code in value or []:
            name = identifiers.nfkc(name).strip()
            code = identifiers.normalize_credit_code(code)
            if name or code:
                rows.append((name, code))
        return rows

    def validate(self, value: list[tuple[str, str]]) -> None:
        super().validate(value)
        if len(value) > MAX_RECIPIENTS:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"limit": MAX_RECIPIENTS}
            )
        for name, code in value:
            if not code:
                raise ValidationError(
                    self.error_messages["no_code"], code="no_code", params={"name": name}
                )
            if not name:
                raise ValidationError(
                    self.error_messages["no_name"], code="no_name", params={"code": code}
                )
            if len(name) > 200:
                raise ValidationError(self.error_messages["too_long"], code="too_long")
            if problem := identifiers.credit_code_error(code):
                raise ValidationError(
                    self.error_messages["bad_code"],
                    code="bad_code",
                    params={"name": name, "problem": problem},
                )

    def clean(self, value: Any) -> list[tuple[str, str]]:
        rows = super().clean(value)
        # The same organisation picked twice is named once.
        seen: dict[str, tuple[str, str]] = {}
        for name, code in rows:
            seen.setdefault(code, (name, code))
        return list(seen.values())


class ConsentForm(forms.ModelForm):
    """Consent as the worker records it with the person: the organisations of a consent for
    named recipients are picked by name from the supply ledger (an htmx search of supply's
    URL, so that needs stays unaware of supply); the form carries their names and codes."""

    recipients = RecipientsField(
        label=_("Organisations named"),
        required=False,
        help_text=_(
            "Only for “only the organisations named”: type part of an organisation's name and "
            "pick it from the ledger; its unified social credit code is stored with the name."
        ),
    )

    class Meta:
        model = Consent
        fields = [
            "member",
            "purpose",
            "given_by",
            "guardian_name",
            "guardian_relation",
            "witness_name",
            "scope",
            "given_on",
            "expires_on",
        ]
        widgets = {"given_on": DATE, "expires_on": DATE}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = household.members.filter(left_at__isnull=True).order_by("id")
        self.fields["member"].queryset = members
        today = timezone.localdate()
        self.fields["given_on"].initial = today
        self.fields["expires_on"].initial = today + dt.timedelta(days=365)
        self.fields["purpose"].initial = Consent.Purpose.MATCHING
        self.fields["scope"].initial = Consent.Scope.ANY_SUPPLIER
        #: Members who consent through a guardian (the service refuses them otherwise): the
        #: form says so before the worker meets the refusal.
        self.children = [m for m in members if m.age(today) < 14]
        chosen = self["member"].value()
        self.for_child = next((m for m in self.children if str(m.pk) == str(chosen)), None)
        if self.for_child is not None and not self.is_bound:
            self.fields["given_by"].initial = Consent.GivenBy.GUARDIAN

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("scope") != Consent.Scope.NAMED:
            # Organisations picked before the worker chose "any supplier" are not named.
            self._errors.pop("recipients", None)
            cleaned["recipients"] = []
        return cleaned

    @property
    def picked_recipients(self) -> list[tuple[str, str]]:
        """The organisations picked so far (after a refusal, as they were sent)."""
        if not self.is_bound:
            return []
        value = self.fields["recipients"].widget.value_from_datadict(
            self.data, self.files, self.add_prefix("recipients")
        )
        return self.fields["recipients"].to_python(value)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class IdSearchForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": _("18-character ID number")}
        ),
    )
