"""Browser input for the supply ledger: shape only; the rules live in supply.services."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.db.models import Q
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from accounts import identifiers
from accounts.forms import number_formfield
from accounts.models import Region, User
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, VulnerabilityTag

from .models import Organization, Project, ProjectTerm
from .services import PROJECT_FIELDS, TERM_VOCABULARIES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"})
WHOLE = forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"})


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


#: How deep the coverage choices go below the registering region: a province-wide
#: organisation picks cities and counties (1,700 townships would not fit a form), the others
#: go down to townships.
_COVERAGE_LEVELS = {
    Region.Level.PROVINCE: [Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY],
    Region.Level.PREFECTURE: [Region.Level.PREFECTURE, Region.Level.COUNTY, Region.Level.TOWNSHIP],
    Region.Level.COUNTY: [Region.Level.COUNTY, Region.Level.TOWNSHIP],
}


def coverage_choices(organization: Organization, selected: list[str] | tuple[str, ...] = ()):
    """The regions a listing may cover: the registering region and below (at most down to
    townships), plus any region already chosen, so that editing never drops one silently."""
    root = organization.registering_region
    levels = _COVERAGE_LEVELS.get(Region.Level(root.level), [root.level])
    offered = Q(code__startswith=root.prefix, level__in=levels, valid_to__isnull=True)
    return Region.objects.filter(offered | Q(code__in=list(selected))).order_by("code")


_PLACE_SEPARATORS = re.compile(r"[\s、,，;；]+")
_PLACE_LEVELS = [
    Region.Level.PROVINCE,
    Region.Level.PREFECTURE,
    Region.Level.COUNTY,
    Region.Level.TOWNSHIP,
]


def resolve_places(text: str, organization: Organization) -> list[Region]:
    """Regions named by division code (2 to 12 digits) or by name ("青塘镇", or with its
    county, "英德市青塘镇"), among the current regions of the organisation's province down to
    townships; one query. Unknown or ambiguous names are a field error."""
    tokens = [t for t in _PLACE_SEPARATORS.split(unicodedata.normalize("NFKC", text or "")) if t]
    if not tokens:
        return []
    codes = {t.ljust(12, "0"): t for t in tokens if t.isascii() and t.isdigit() and len(t) <= 12}
    names = [t for t in tokens if not (t.isascii() and t.isdigit())]
    province = organization.registering_region.code[:2]
    regions = list(
        Region.objects.filter(
            code__startswith=province, level__in=_PLACE_LEVELS, valid_to__isnull=True
        )
        .annotate(full_name=Concat("parent__name", "name"))
        .filter(Q(code__in=list(codes)) | Q(name__in=names) | Q(full_name__in=names))
        .order_by("code")
    )
    found: list[Region] = []
    errors: list[str] = []
    for token in tokens:
        matches = [
            r for r in regions if codes.get(r.code) == token or token in (r.name, r.full_name)
        ]
        if len(matches) == 1:
            found.append(matches[0])
        elif not matches:
            errors.append(
                _("No current region of the province, down to townships, is %(place)s.")
                % {"place": token}
            )
        else:
            options = "、".join(
                f"{r.parent.name if r.parent else ''}{r.name} {r.prefix}" for r in matches
            )
            errors.append(
                _("Several places are called %(place)s: enter one code (%(options)s).")
                % {"place": token, "options": options}
            )
    if errors:
        raise forms.ValidationError(errors)
    return found


class ProjectForm(forms.ModelForm):
    """A listing: its fields, its terms (areas, forms of aid, eligible statuses and
    vulnerabilities) and its coverage. Used for drafts and for proposed changes alike."""

    area = forms.MultipleChoiceField(
        label=ProjectTerm.Kind.AREA.label,
        choices=CharityArea.choices,
        required=False,
        widget=_checkboxes(),
    )
    form = forms.MultipleChoiceField(
        label=ProjectTerm.Kind.FORM.label,
        choices=AidForm.choices,
        required=False,
        widget=_checkboxes(),
    )
    status = forms.MultipleChoiceField(
        label=ProjectTerm.Kind.STATUS.label,
        choices=AssistanceStatus.choices,
        required=False,
        widget=_checkboxes(),
        help_text=_("None chosen: open to people of any assistance status."),
    )
    tag = forms.MultipleChoiceField(
        label=ProjectTerm.Kind.TAG.label,
        choices=VulnerabilityTag.choices,
        required=False,
        widget=_checkboxes(),
        help_text=_("None chosen: not limited to a vulnerability."),
    )
    coverage = forms.ModelMultipleChoiceField(
        label=_("Coverage"),
        queryset=Region.objects.none(),
        required=False,
        widget=_checkboxes(),
        help_text=_(
            "A region includes every place below it. A listing may cover any place of the "
            "province: civil affairs of the registering department review it, and the covered "
            "counties are told."
        ),
    )
    other_coverage = forms.CharField(
        label=_("Places elsewhere in the province (cross-region aid)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_(
            "Division codes or names of cities, counties or townships outside the choices "
            "above, separated by spaces or 、, e.g. 441881106 or 英德市青塘镇."
        ),
    )

    class Meta:
        model = Project
        fields = list(PROJECT_FIELDS)
        formfield_callback = number_formfield
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "conditions": forms.Textarea(attrs={"rows": 2}),
            "application_process": forms.Textarea(attrs={"rows": 3}),
            "required_documents": forms.Textarea(attrs={"rows": 2}),
            "starts_on": DATE,
            "ends_on": DATE,
            "age_min": WHOLE,
            "age_max": WHOLE,
            "capacity": WHOLE,
            "value_per_beneficiary": MONEY,
            "budget": MONEY,
            "contact_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the listing's own regions are added to the choices, never codes sent by the
        # browser: the service also refuses coverage outside the registering area.
        self.organization = organization
        selected = self.initial.get("coverage") or []
        self.fields["coverage"].queryset = coverage_choices(organization, selected)
        self.fields["coverage"].label_from_instance = lambda region: region.name

    def _post_clean(self) -> None:
        # Shape only: the service writes the listing (or a change request for review); the
        # form must not copy the values onto the project first.
        pass

    def clean_contact_phone(self) -> str:
        return identifiers.check_phone_text(self.cleaned_data["contact_phone"])

    def clean_other_coverage(self) -> list[Region]:
        return resolve_places(self.cleaned_data.get("other_coverage", ""), self.organization)

    def service_input(self) -> tuple[dict[str, Any], dict[str, list[str]], list[Region]]:
        data = self.cleaned_data
        fields = {name: data[name] for name in PROJECT_FIELDS}
        terms = {kind: list(data[kind]) for kind in TERM_VOCABULARIES}
        return fields, terms, [*data["coverage"], *data.get("other_coverage", [])]

    def coverage_groups(self) -> list[dict[str, Any]]:
        """Coverage checkboxes grouped under their region: a county with its townships."""
        choices = list(self["coverage"])
        if not choices:
            return []
        deepest = max(
            Region.PREFIX_LENGTH[Region.Level(c.data["value"].instance.level)] for c in choices
        )
        groups: list[dict[str, Any]] = []
        heads: dict[str, dict[str, Any]] = {}
        for choice in choices:
            region = choice.data["value"].instance
            head = heads.get(region.parent_id or "")
            if len(region.prefix) == deepest and head is not None:
                head["items"].append(choice)
                continue
            group = {"head": choice, "items": []}
            heads[region.code] = group
            groups.append(group)
        return groups


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Project.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OrganizationForm(forms.ModelForm):
    """Registration of an organisation with the civil affairs of its tier."""

    # Wider than the stored 18 characters: the service removes spaces and checks the code.
    credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("18 characters, as printed on the registration certificate."),
    )
    staff_usernames = forms.CharField(
        label=_("Staff accounts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_("Usernames of the organisation's charity staff accounts, one per line."),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "credit_code",
            "org_type",
            "registering_region",
            "charity_status",
            "charity_status_on",
            "public_fundraising",
            "contact_name",
            "contact_phone",
            "address",
        ]
        labels = {"address": _("Address")}
        help_texts = {
            "charity_status": _(
                "Charitable organisations disclose their projects' progress (慈善中国 rules); "
                "other social organisations do not have to."
            ),
            "public_fundraising": _("Only a charitable organisation can hold it."),
        }
        widgets = {
            "charity_status_on": DATE,
            "contact_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.filter(
            level__in=[Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY],
            valid_to__isnull=True,
        )
        if not user.is_administrator:
            regions = regions.filter(pk=user.region_id)
            self.fields["registering_region"].initial = user.region_id
        self.fields["registering_region"].queryset = regions.order_by("code")
        self.fields["registering_region"].empty_label = None if regions.count() == 1 else "—"

    def _post_clean(self) -> None:
        # The service checks the code (and that it is registered once) and writes the row.
        pass

    def clean_contact_phone(self) -> str:
        return identifiers.check_phone_text(self.cleaned_data["contact_phone"])

    def clean_staff_usernames(self) -> list[User]:
        names = sorted(set(self.cleaned_data["staff_usernames"].split()))
        if not names:
            return []
        users = list(
            User.objects.filter(username__in=names, role=User.Role.CHARITY, is_active=True)
        )
        missing = sorted(set(names) - {u.username for u in users})
        if missing:
            raise forms.ValidationError(
                _("No active charity staff account with the username: %(names)s"),
                params={"names": ", ".join(missing)},
            )
        return users

    def service_input(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["staff"] = data.pop("staff_usernames")
        data["charity_status"] = data["charity_status"] or ""
        return data


class CharityStatusForm(forms.ModelForm):
    """The registering department records an organisation's charitable status (登记或认定为
    慈善组织) and public fundraising qualification, which decide the disclosure rules."""

    class Meta:
        model = Organization
        fields = ["charity_status", "charity_status_on", "public_fundraising"]
        widgets = {"charity_status_on": DATE}
        help_texts = {
            "charity_status": _(
                "Charitable organisations disclose their projects' progress (慈善中国 rules); "
                "other social organisations do not have to."
            ),
            "public_fundraising": _("Only a charitable organisation can hold it."),
        }

    def _post_clean(self) -> None:
        # The service checks and writes the status.
        pass

    def service_input(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["charity_status"] = data["charity_status"] or ""
        return data


class EditionPlaceForm(forms.Form):
    """A township for the per-township view of an edition, chosen through its county when the
    user's area holds more than one county."""

    county = forms.ModelChoiceField(
        label=_("County"), queryset=Region.objects.none(), required=False, empty_label="—"
    )
    township = forms.ModelChoiceField(
        label=_("Township"), queryset=Region.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accounts.scope import region_scope

        regions = Region.objects.filter(valid_to__isnull=True).order_by("code")
        scope = region_scope(user)
        if not scope.is_empty:
            regions = regions.filter(scope.q("code"))
        counties = regions.filter(level=Region.Level.COUNTY)
        townships = regions.filter(level=Region.Level.TOWNSHIP)
        home = user.region if user.region_id else None
        if home is not None and home.level in (Region.Level.COUNTY, Region.Level.TOWNSHIP):
            # One county (or one township) in the user's area: nothing to choose first.
            del self.fields["county"]
        else:
            self.fields["county"].queryset = counties
            county = identifiers.ascii_digits(self.data.get(self.add_prefix("county")))
            township = identifiers.ascii_digits(self.data.get(self.add_prefix("township")))
            if not county and township:
                # A link to a township: its county is the one to show as chosen.
                county = township[:6].ljust(12, "0")
                self.data = self.data.copy()
                self.data[self.add_prefix("county")] = county
            townships = (
                townships.filter(code__startswith=county[:6]) if county else Region.objects.none()
            )
        self.fields["township"].queryset = townships
