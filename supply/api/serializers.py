"""Input and output serializers of the supply-ledger API.

Inputs only parse (writes go through ``supply.services``). Outputs name an organisation's staff
only to its own staff and to the department that keeps its tier, and then by name alone: never a
username, e-mail address or phone number. Names start with ``Supply`` so that the OpenAPI
components cannot collide with other apps'.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.fields import ModelSerializer, ascii_text
from accounts.api.serializers import RegionOutputSerializer
from accounts.models import Region, User
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, VulnerabilityTag

from ..models import (
    Disclosure,
    LedgerEdition,
    LedgerEntry,
    LedgerRemoval,
    ListingChange,
    Organization,
    Project,
    ProjectTerm,
    Tier,
)
from ..services import PROJECT_FIELDS

#: The API's name for each kind of project term (the services key them by kind).
TERM_FIELDS = {
    ProjectTerm.Kind.AREA: "areas",
    ProjectTerm.Kind.FORM: "forms",
    ProjectTerm.Kind.STATUS: "eligible_statuses",
    ProjectTerm.Kind.TAG: "eligible_tags",
}


# --- Shared pieces ---------------------------------------------------------------------------


class SupplyScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A reference to a row the requesting user may see: any other id reads as "does not
    exist", the same answer as for an id that does not exist at all."""

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        # The empty queryset only tells the schema generator the model; lookups use the scope.
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def get_queryset(self) -> models.QuerySet:
        return self.queryset.model._default_manager.visible_to(self.context["request"].user)


@extend_schema_field(
    serializers.ChoiceField(choices=Project.Status.choices),
    component_name="SupplyProjectStatusEnum",
)
class ProjectStatusField(serializers.ChoiceField):
    """A listing's status; one named schema for the status shown and the status asked for."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Project.Status.choices, **kwargs)


@extend_schema_field(
    serializers.ChoiceField(choices=ListingChange.Status.choices),
    component_name="SupplyListingChangeStatusEnum",
)
class ListingChangeStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ListingChange.Status.choices, **kwargs)


@extend_schema_field(serializers.ChoiceField(choices=Tier.choices), component_name="SupplyTierEnum")
class TierField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Tier.choices, **kwargs)


@extend_schema_field(
    serializers.ChoiceField(choices=Organization.Type.choices),
    component_name="SupplyOrganizationTypeEnum",
)
class OrganizationTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Organization.Type.choices, **kwargs)


# The vocabulary without "" (not a charitable organisation): the fields add it themselves.
@extend_schema_field(
    serializers.ChoiceField(choices=[c for c in Organization.CharityStatus.choices if c[0]]),
    component_name="SupplyCharityStatusEnum",
)
class CharityStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Organization.CharityStatus.choices, **kwargs)


# One named schema per vocabulary (the needs API names the same choices its own way).
@extend_schema_field(
    serializers.ChoiceField(choices=CharityArea.choices), component_name="SupplyCharityAreaEnum"
)
class CharityAreaField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=CharityArea.choices, **kwargs)


@extend_schema_field(
    serializers.ChoiceField(choices=AidForm.choices), component_name="SupplyAidFormEnum"
)
class AidFormField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AidForm.choices, **kwargs)


@extend_schema_field(
    serializers.ChoiceField(choices=AssistanceStatus.choices),
    component_name="SupplyAssistanceStatusEnum",
)
class AssistanceStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AssistanceStatus.choices, **kwargs)


@extend_schema_field(
    serializers.ChoiceField(choices=VulnerabilityTag.choices),
    component_name="SupplyVulnerabilityTagEnum",
)
class VulnerabilityTagField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=VulnerabilityTag.choices, **kwargs)


TERM_CHOICE_FIELDS: dict[str, type[serializers.ChoiceField]] = {
    ProjectTerm.Kind.AREA: CharityAreaField,
    ProjectTerm.Kind.FORM: AidFormField,
    ProjectTerm.Kind.STATUS: AssistanceStatusField,
    ProjectTerm.Kind.TAG: VulnerabilityTagField,
}


def _term_list(kind: str, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=TERM_CHOICE_FIELDS[kind](), **kwargs)


class SupplyStaffRefSerializer(serializers.ModelSerializer):
    """A staff account by name only."""

    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


# --- Organisations ---------------------------------------------------------------------------


class SupplyOrganizationRefSerializer(serializers.ModelSerializer):
    """The organisation of a listing (expects ``registering_region`` loaded, for the tier)."""

    tier = TierField(read_only=True)
    tier_display = serializers.CharField(source="get_tier_display", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "tier", "tier_display"]
        read_only_fields = fields


class SupplyOrganizationListOutputSerializer(serializers.ModelSerializer):
    registering_region = RegionOutputSerializer(read_only=True)
    org_type = OrganizationTypeField(read_only=True)
    charity_status = CharityStatusField(read_only=True)
    tier = TierField(read_only=True)
    tier_display = serializers.CharField(source="get_tier_display", read_only=True)
    org_type_display = serializers.CharField(source="get_org_type_display", read_only=True)
    charity_status_display = serializers.CharField(
        source="get_charity_status_display", read_only=True
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "credit_code",
            "credit_code_valid",
            "org_type",
            "org_type_display",
            "registering_region",
            "tier",
            "tier_display",
            "charity_status",
            "charity_status_display",
            "charity_status_on",
            "public_fundraising",
            "contact_name",
            "contact_phone",
            "address",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SupplyOrganizationDetailOutputSerializer(SupplyOrganizationListOutputSerializer):
    """An organisation with its service areas; ``staff`` (from the context) is null for users
    who are neither its staff nor the department that keeps its tier."""

    service_regions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    staff = serializers.SerializerMethodField()

    class Meta(SupplyOrganizationListOutputSerializer.Meta):
        fields = [*SupplyOrganizationListOutputSerializer.Meta.fields, "service_regions", "staff"]
        read_only_fields = fields

    @extend_schema_field(SupplyStaffRefSerializer(many=True, allow_null=True))
    def get_staff(self, organization: Organization) -> list[dict[str, Any]] | None:
        staff = self.context.get("staff")
        return None if staff is None else SupplyStaffRefSerializer(staff, many=True).data


class SupplyOrganizationSavedOutputSerializer(SupplyOrganizationDetailOutputSerializer):
    """The registered organisation, with warnings that did not stop the registration (a
    credit code whose check character fails is kept for a person to confirm)."""

    warnings = serializers.SerializerMethodField()

    class Meta(SupplyOrganizationDetailOutputSerializer.Meta):
        fields = [*SupplyOrganizationDetailOutputSerializer.Meta.fields, "warnings"]
        read_only_fields = fields

    def get_warnings(self, organization: Organization) -> list[str]:
        return [str(warning) for warning in self.context.get("warnings", [])]


class SupplyOrganizationInputSerializer(ModelSerializer):
    """An organisation to register, for ``services.organization_register``."""

    # Checked and normalised by the service (spaces, lower case, the GB 32100 check).
    credit_code = serializers.CharField(max_length=40)
    org_type = OrganizationTypeField()
    charity_status = CharityStatusField(required=False, allow_blank=True)
    staff = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=User.objects.filter(role=User.Role.CHARITY),
        required=False,
        help_text=_("Charity staff accounts that keep the organisation's listings."),
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
            "service_regions",
            "staff",
        ]

    def validate_contact_phone(self, value: str) -> str:
        return ascii_text(value)


class SupplyOrganizationCharityStatusInputSerializer(serializers.ModelSerializer):
    """The charitable status and fundraising qualification, recorded by the registering
    department (``services.organization_set_charity_status``); left out: not charitable."""

    charity_status = CharityStatusField(required=False, allow_blank=True, default="")

    class Meta:
        model = Organization
        fields = ["charity_status", "charity_status_on", "public_fundraising"]
        extra_kwargs = {
            "charity_status_on": {"required": False, "default": None},
            "public_fundraising": {"required": False, "default": False},
        }


# --- Projects --------------------------------------------------------------------------------


def _terms(project: Project, kind: str) -> list[str]:
    # From the prefetched terms (``selectors._with_listing``), not a query per kind.
    return [term.value for term in project.terms.all() if term.kind == kind]


@extend_schema_field(
    serializers.ChoiceField(choices=Disclosure.State.choices),
    component_name="SupplyDisclosureStatusEnum",
)
class DisclosureStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Disclosure.State.choices, **kwargs)


class SupplyProjectListOutputSerializer(serializers.ModelSerializer):
    """A row of the ledger. Expects the organisation with its region, the terms and the
    coverage loaded (``selectors.project_list_for_user``).

    ``disclosure_status`` applies the disclosure rules (慈善中国), which bind charitable
    organisations only: ``not_required`` for other organisations, else ``up_to_date``, ``due``
    (within 30 days), ``overdue`` (since ``disclosure_due_on``) or ``final_done``; null for a
    listing never published."""

    organization = SupplyOrganizationRefSerializer(read_only=True)
    status = ProjectStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    places_left = serializers.IntegerField(read_only=True, allow_null=True)
    is_stale = serializers.BooleanField(read_only=True)
    areas = serializers.SerializerMethodField()
    forms = serializers.SerializerMethodField()
    eligible_statuses = serializers.SerializerMethodField()
    eligible_tags = serializers.SerializerMethodField()
    coverage = serializers.SerializerMethodField()
    disclosure_status = serializers.SerializerMethodField()
    disclosure_status_display = serializers.SerializerMethodField()
    disclosure_due_on = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "organization",
            "title",
            "status",
            "status_display",
            "starts_on",
            "ends_on",
            "age_min",
            "age_max",
            "capacity",
            "places_left",
            "value_per_beneficiary",
            "areas",
            "forms",
            "eligible_statuses",
            "eligible_tags",
            "coverage",
            "last_confirmed_at",
            "is_stale",
            "last_disclosed_on",
            "disclosure_status",
            "disclosure_status_display",
            "disclosure_due_on",
        ]
        read_only_fields = fields

    @extend_schema_field(_term_list(ProjectTerm.Kind.AREA))
    def get_areas(self, project: Project) -> list[str]:
        return _terms(project, ProjectTerm.Kind.AREA)

    @extend_schema_field(_term_list(ProjectTerm.Kind.FORM))
    def get_forms(self, project: Project) -> list[str]:
        return _terms(project, ProjectTerm.Kind.FORM)

    @extend_schema_field(_term_list(ProjectTerm.Kind.STATUS))
    def get_eligible_statuses(self, project: Project) -> list[str]:
        return _terms(project, ProjectTerm.Kind.STATUS)

    @extend_schema_field(_term_list(ProjectTerm.Kind.TAG))
    def get_eligible_tags(self, project: Project) -> list[str]:
        return _terms(project, ProjectTerm.Kind.TAG)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_coverage(self, project: Project) -> list[str]:
        """Codes of the regions covered (each covers every region below it)."""
        return sorted(c.region_id for c in project.coverage.all())

    def _disclosure(self, project: Project) -> Disclosure | None:
        return project.disclosure()  # from the loaded organisation, no query

    @extend_schema_field(DisclosureStatusField(allow_null=True))
    def get_disclosure_status(self, project: Project) -> str | None:
        disclosure = self._disclosure(project)
        return disclosure.status if disclosure else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_disclosure_status_display(self, project: Project) -> str | None:
        """The status in words, with its date: "due on 2026-12-20", "overdue since …"."""
        disclosure = self._disclosure(project)
        return disclosure.label if disclosure else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_disclosure_due_on(self, project: Project) -> Any:
        """When the next disclosure is due (charitable organisations only)."""
        disclosure = self._disclosure(project)
        due = disclosure.due_on if disclosure else None
        return due.isoformat() if due else None


class SupplyProjectDetailOutputSerializer(SupplyProjectListOutputSerializer):
    """A listing in full, with the regions it covers by name."""

    coverage_regions = serializers.SerializerMethodField()

    class Meta(SupplyProjectListOutputSerializer.Meta):
        fields = [
            *SupplyProjectListOutputSerializer.Meta.fields,
            "description",
            "conditions",
            "places_taken",
            "budget",
            "application_process",
            "required_documents",
            "contact_name",
            "contact_phone",
            "coverage_regions",
            "status_changed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RegionOutputSerializer(many=True))
    def get_coverage_regions(self, project: Project) -> list[dict[str, Any]]:
        regions = sorted((c.region for c in project.coverage.all()), key=lambda r: r.code)
        return RegionOutputSerializer(regions, many=True).data


class SupplyProjectUpdateInputSerializer(ModelSerializer):
    """A listing's values and terms, for ``services.project_save`` (drafts) and
    ``services.listing_change_submit`` (a reviewed change of a published listing).

    On an update, anything left out keeps its value."""

    areas = _term_list(ProjectTerm.Kind.AREA)
    forms = _term_list(ProjectTerm.Kind.FORM)
    eligible_statuses = _term_list(
        ProjectTerm.Kind.STATUS,
        required=False,
        help_text=_("Empty: open to people of any assistance status."),
    )
    eligible_tags = _term_list(
        ProjectTerm.Kind.TAG,
        required=False,
        help_text=_("Empty: open to people with or without a vulnerability."),
    )
    coverage = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        many=True,
        help_text=_(
            "Codes of the regions covered; each covers every region below it. Any current "
            "region of the organisation's province down to townships (cross-region aid): "
            "civil affairs of the registering department review the listing, and the covered "
            "counties are told."
        ),
    )

    class Meta:
        model = Project
        fields = [*PROJECT_FIELDS, *TERM_FIELDS.values(), "coverage"]

    def validate_contact_phone(self, value: str) -> str:
        return ascii_text(value)


class SupplyProjectInputSerializer(SupplyProjectUpdateInputSerializer):
    """A new listing (a draft) of an organisation the user may see."""

    organization = SupplyScopedPrimaryKeyField(Organization)

    class Meta(SupplyProjectUpdateInputSerializer.Meta):
        fields = ["organization", *SupplyProjectUpdateInputSerializer.Meta.fields]


class SupplyProjectTransitionInputSerializer(serializers.Serializer):
    to = ProjectStatusField()
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Required when civil affairs return a listing waiting for review to its "
            "organisation (to draft)."
        ),
    )


# --- Listing changes -------------------------------------------------------------------------


class SupplyProjectRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "title", "organization"]
        read_only_fields = fields


class SupplyListingChangeOutputSerializer(serializers.ModelSerializer):
    """A proposed change of a published listing. Users appear by id only."""

    project = SupplyProjectRefSerializer(read_only=True)
    status = ListingChangeStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ListingChange
        fields = [
            "id",
            "project",
            "status",
            "status_display",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "reason",
        ]
        read_only_fields = fields


class SupplyListingChangeDiffSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=_("The input field's name."))
    label = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


def _field_label(name: str) -> str:
    if name in TERM_FIELDS:
        return str(ProjectTerm.Kind(name).label)
    if name == "coverage":
        return str(_("Regions covered"))
    return str(Project._meta.get_field(name).verbose_name)


class SupplyListingChangeDetailOutputSerializer(SupplyListingChangeOutputSerializer):
    """A proposed change with its field-by-field diff (``diff`` from the context, as
    ``services.listing_change_diff`` gives it)."""

    diff = serializers.SerializerMethodField()

    class Meta(SupplyListingChangeOutputSerializer.Meta):
        fields = [*SupplyListingChangeOutputSerializer.Meta.fields, "diff"]
        read_only_fields = fields

    @extend_schema_field(SupplyListingChangeDiffSerializer(many=True))
    def get_diff(self, change: ListingChange) -> list[dict[str, Any]]:
        return [
            {
                "field": TERM_FIELDS.get(name, name),
                "label": _field_label(name),
                "before": before,
                "after": after,
            }
            for name, before, after in self.context["diff"]
        ]


class SupplyListingChangeRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300,
        error_messages={
            "required": _("Say why the change is rejected."),
            "blank": _("Say why the change is rejected."),
        },
    )


# --- Ledger editions -------------------------------------------------------------------------


class SupplyLedgerEditionOutputSerializer(serializers.ModelSerializer):
    """A published edition; ``workbook_url`` downloads its workbook, whose SHA-256 is
    ``workbook_sha256`` (a station can check the file it was sent)."""

    workbook_url = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEdition
        fields = [
            "id",
            "period",
            "published_at",
            "entry_count",
            "added_count",
            "changed_count",
            "removed_count",
            "content_sha256",
            "workbook_url",
            "workbook_sha256",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_workbook_url(self, edition: LedgerEdition) -> str | None:
        if not edition.workbook:
            return None
        request = self.context["request"]
        return request.build_absolute_uri(
            reverse("supply_api:edition_workbook", kwargs={"pk": edition.pk})
        )


@extend_schema_field(
    serializers.ChoiceField(choices=LedgerEntry.Change.choices),
    component_name="SupplyLedgerEntryChangeEnum",
)
class LedgerEntryChangeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=LedgerEntry.Change.choices, **kwargs)


class SupplyLedgerEntrySummarySerializer(serializers.ModelSerializer):
    """An entry of an edition without its frozen listing."""

    tier = TierField(read_only=True)
    tier_display = serializers.CharField(source="get_tier_display", read_only=True)
    change = LedgerEntryChangeField(read_only=True)
    change_display = serializers.CharField(source="get_change_display", read_only=True)
    is_paused = serializers.BooleanField(
        read_only=True, help_text=_("Paused when the edition was published.")
    )
    is_stale = serializers.BooleanField(
        read_only=True,
        help_text=_("Not confirmed for half a year when the edition was published."),
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "project",
            "tier",
            "tier_display",
            "organization_name",
            "title",
            "change",
            "change_display",
            "is_paused",
            "is_stale",
        ]
        read_only_fields = fields


class SupplyLedgerEntryOutputSerializer(SupplyLedgerEntrySummarySerializer):
    """An entry with the listing as the edition froze it (``snapshot``) and the code prefixes
    of the regions it covers (expects ``coverage`` prefetched)."""

    coverage = serializers.SerializerMethodField()
    snapshot = serializers.JSONField(read_only=True)

    class Meta(SupplyLedgerEntrySummarySerializer.Meta):
        fields = [
            *SupplyLedgerEntrySummarySerializer.Meta.fields,
            "coverage",
            "snapshot",
            "snapshot_sha256",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_coverage(self, entry: LedgerEntry) -> list[str]:
        return sorted(c.prefix for c in entry.coverage.all())


class SupplyLedgerChangedEntrySerializer(SupplyLedgerEntrySummarySerializer):
    """A changed entry, with the listing fields that differ from the previous edition
    (``changed_fields`` from the context, by entry id)."""

    changed_fields = serializers.SerializerMethodField()

    class Meta(SupplyLedgerEntrySummarySerializer.Meta):
        fields = [*SupplyLedgerEntrySummarySerializer.Meta.fields, "changed_fields"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_changed_fields(self, entry: LedgerEntry) -> list[str]:
        return [
            TERM_FIELDS.get(name, name) for name in self.context["changed_fields"].get(entry.pk, [])
        ]


class SupplyLedgerRemovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerRemoval
        fields = ["project", "title"]
        read_only_fields = fields


class SupplyLedgerDiffOutputSerializer(serializers.Serializer):
    """What an edition changed against the previous one."""

    period = serializers.CharField()
    previous_period = serializers.CharField(allow_null=True)
    new = SupplyLedgerEntrySummarySerializer(many=True)
    changed = SupplyLedgerChangedEntrySerializer(many=True)
    removed = SupplyLedgerRemovalSerializer(many=True)
