"""Input and output serializers of the need-ledger API.

Inputs only parse (writes go through ``needs.services``); outputs never carry a full ID number,
phone number or health note: only their masked forms. Names start with ``Needs`` so that the
OpenAPI components cannot collide with other apps'.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.fields import AsciiIntegerField, ModelSerializer
from accounts.api.serializers import RegionOutputSerializer
from accounts.models import User
from accounts.taxonomies import AssistanceStatus, DisabilityType, VulnerabilityTag

from ..models import Consent, ConsentRecipient, Household, Member, Need, Visit

# --- Shared pieces ---------------------------------------------------------------------------


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A reference to a row the requesting user may see: any other id reads as "does not
    exist", the same answer as for an id that does not exist at all."""

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        # The empty queryset only tells the schema generator the model; lookups use the scope.
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def get_queryset(self) -> models.QuerySet:
        return self.queryset.model._default_manager.visible_to(self.context["request"].user)


class NeedsUserRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "name"]


@extend_schema_field(
    serializers.ChoiceField(choices=Need.Status.choices), component_name="NeedsNeedStatusEnum"
)
class NeedStatusField(serializers.ChoiceField):
    """A need's status; one named schema for the status shown and the status asked for."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Need.Status.choices, **kwargs)


_STATUS_LIST = serializers.ListField(
    child=serializers.ChoiceField(choices=AssistanceStatus.choices)
)
_TAG_LIST = serializers.ListField(child=serializers.ChoiceField(choices=VulnerabilityTag.choices))


# --- Members ---------------------------------------------------------------------------------


class NeedsMemberOutputSerializer(serializers.ModelSerializer):
    """A member with masked personal fields. Expects ``current_assistance`` and ``tags``
    prefetched (``selectors.member_list_for_user``)."""

    household_code = serializers.CharField(source="household.code", read_only=True)
    sex_display = serializers.CharField(source="get_sex_display", read_only=True)
    relation_display = serializers.CharField(source="get_relation_display", read_only=True)
    age = serializers.IntegerField(read_only=True)
    is_minor = serializers.BooleanField(read_only=True)
    is_under_14 = serializers.BooleanField(read_only=True)
    id_number_masked = serializers.CharField(read_only=True)
    phone_masked = serializers.CharField(read_only=True)
    health_masked = serializers.CharField(read_only=True)
    statuses = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Member
        # No birth date: with the masked ID number and the region it would give the number away.
        fields = [
            "id",
            "household",
            "household_code",
            "name",
            "relation",
            "relation_display",
            "sex",
            "sex_display",
            "age",
            "is_minor",
            "is_under_14",
            "id_number_masked",
            "phone_masked",
            "health_masked",
            "disability_type",
            "disability_grade",
            "school_or_work",
            "statuses",
            "tags",
        ]
        read_only_fields = fields

    @extend_schema_field(_STATUS_LIST)
    def get_statuses(self, member: Member) -> list[str]:
        return [record.status for record in member.current_assistance]

    @extend_schema_field(_TAG_LIST)
    def get_tags(self, member: Member) -> list[str]:
        return [tag.tag for tag in member.tags.all()]


class NeedsMemberInputSerializer(serializers.Serializer):
    """One member in a household submission. For an existing member (``id``) a field left out
    keeps its value, so that the plain ID number, phone and health note, which are never sent
    out, need not be sent back."""

    id = AsciiIntegerField(required=False)
    name = serializers.CharField(max_length=50, required=False)
    relation = serializers.ChoiceField(choices=Member.Relation.choices, required=False)
    id_number = serializers.CharField(
        max_length=32, required=False, allow_blank=True, write_only=True
    )
    sex = serializers.ChoiceField(choices=Member.Sex.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True, write_only=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, write_only=True)
    disability_type = serializers.ChoiceField(
        choices=DisabilityType.choices, required=False, allow_blank=True
    )
    disability_grade = AsciiIntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    health_notes = serializers.CharField(required=False, allow_blank=True, write_only=True)
    school_or_work = serializers.CharField(max_length=100, required=False, allow_blank=True)
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=AssistanceStatus.choices), required=False
    )
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=VulnerabilityTag.choices), required=False
    )
    remove = serializers.BooleanField(required=False, write_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("id") is None and not attrs.get("remove"):
            missing = {
                name: [self.fields[name].error_messages["required"]]
                for name in ("name", "relation")
                if not attrs.get(name)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


# --- Households ------------------------------------------------------------------------------


class NeedsHouseholdListOutputSerializer(serializers.ModelSerializer):
    """A row of the household list; the figures are annotated by the selector."""

    region = RegionOutputSerializer(read_only=True)
    worker = NeedsUserRefSerializer(read_only=True)
    head_name = serializers.CharField(read_only=True, allow_null=True)
    member_count = serializers.IntegerField(read_only=True, allow_null=True)
    live_need_count = serializers.IntegerField(read_only=True, allow_null=True)
    has_urgent = serializers.BooleanField(read_only=True)
    has_minor = serializers.BooleanField(read_only=True)
    has_child_under_14 = serializers.BooleanField(read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "region",
            "station",
            "address",
            "worker",
            "gap_class",
            "head_name",
            "member_count",
            "live_need_count",
            "has_urgent",
            "has_minor",
            "has_child_under_14",
            "last_visited_on",
            "coi_declared",
        ]
        read_only_fields = fields


class NeedsHouseholdDetailOutputSerializer(serializers.ModelSerializer):
    """A household with its current members (passed in as ``members`` in the context)."""

    region = RegionOutputSerializer(read_only=True)
    station = RegionOutputSerializer(read_only=True)
    worker = NeedsUserRefSerializer(read_only=True)
    housing_display = serializers.CharField(source="get_housing_display", read_only=True)
    gap_class_display = serializers.CharField(source="get_gap_class_display", read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "external_ref",
            "region",
            "station",
            "address",
            "worker",
            "income_per_capita",
            "rigid_expenditure",
            "housing",
            "housing_display",
            "housing_note",
            "gap_class",
            "gap_class_display",
            "notes",
            "last_visited_on",
            "coi_declared",
            "coi_note",
            "archived_at",
            "archived_reason",
            "created_at",
            "updated_at",
            "members",
        ]
        read_only_fields = fields

    @extend_schema_field(NeedsMemberOutputSerializer(many=True))
    def get_members(self, household: Household) -> list[dict[str, Any]]:
        return NeedsMemberOutputSerializer(self.context["members"], many=True).data


class NeedsClosedRecordSerializer(serializers.Serializer):
    """A record of another app that the need's closing ended (``needs.hooks.ClosedRecord``):
    today an application of matching, withdrawn. ``status`` is the one it had until then."""

    kind = serializers.CharField(read_only=True)
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    organization = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(read_only=True)


class NeedsHouseholdSavedOutputSerializer(NeedsHouseholdDetailOutputSerializer):
    """The saved household, with warnings that did not stop the save (e.g. an area code
    missing from the reference table), and the applications withdrawn because a member who
    left took their open needs along (``withdrawn``)."""

    warnings = serializers.SerializerMethodField()
    withdrawn = serializers.SerializerMethodField()

    class Meta(NeedsHouseholdDetailOutputSerializer.Meta):
        fields = [*NeedsHouseholdDetailOutputSerializer.Meta.fields, "warnings", "withdrawn"]
        read_only_fields = fields

    def get_warnings(self, household: Household) -> list[str]:
        return list(self.context.get("warnings", []))

    @extend_schema_field(NeedsClosedRecordSerializer(many=True))
    def get_withdrawn(self, household: Household) -> list[dict[str, Any]]:
        return NeedsClosedRecordSerializer(self.context.get("withdrawn", []), many=True).data


class NeedsHouseholdInputSerializer(ModelSerializer):
    """A household with its members, for ``services.household_save``."""

    worker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=User.Role.SOCIAL_WORKER),
        required=False,
        allow_null=True,
    )
    members = NeedsMemberInputSerializer(
        many=True,
        help_text=_(
            "Current members left out of the list stay as they are; to remove one, send its "
            "id with remove set to true."
        ),
    )

    class Meta:
        model = Household
        fields = [
            "region",
            "address",
            "worker",
            "external_ref",
            "income_per_capita",
            "rigid_expenditure",
            "housing",
            "housing_note",
            "gap_class",
            "notes",
            "coi_declared",
            "coi_note",
            "members",
        ]

    def validate_members(self, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [m["id"] for m in members if m.get("id") is not None]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("The same member is listed twice."))
        return members


# --- Visits ----------------------------------------------------------------------------------


class NeedsVisitOutputSerializer(serializers.ModelSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    worker = NeedsUserRefSerializer(read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "household",
            "household_code",
            "visited_on",
            "worker",
            "findings",
            "next_visit_on",
            "created_at",
        ]
        read_only_fields = fields


class NeedsVisitInputSerializer(ModelSerializer):
    household = ScopedPrimaryKeyField(Household)

    class Meta:
        model = Visit
        fields = ["household", "visited_on", "findings", "next_visit_on"]


# --- Needs -----------------------------------------------------------------------------------


class NeedsNeedOutputSerializer(serializers.ModelSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True, allow_null=True)
    area_display = serializers.CharField(source="get_area_display", read_only=True)
    form_display = serializers.CharField(source="get_form_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    status = NeedStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "household",
            "household_code",
            "member",
            "member_name",
            "area",
            "area_display",
            "form",
            "form_display",
            "description",
            "urgent",
            "estimated_value",
            "quantity",
            "source",
            "source_display",
            "status",
            "status_display",
            "status_reason",
            "status_changed_at",
            "closed_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class NeedsNeedInputSerializer(ModelSerializer):
    household = ScopedPrimaryKeyField(Household)
    member = ScopedPrimaryKeyField(Member, required=False, allow_null=True)

    class Meta:
        model = Need
        fields = [
            "household",
            "member",
            "area",
            "form",
            "description",
            "urgent",
            "estimated_value",
            "quantity",
            "source",
        ]


class NeedsNeedUpdateInputSerializer(NeedsNeedInputSerializer):
    """The same fields without the household: a need does not move between households."""

    class Meta(NeedsNeedInputSerializer.Meta):
        fields = [f for f in NeedsNeedInputSerializer.Meta.fields if f != "household"]


class NeedsNeedTransitionInputSerializer(serializers.Serializer):
    to = NeedStatusField()
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required to close a need unmet (closed_unmet) or to withdraw it."),
    )


class NeedsNeedTransitionOutputSerializer(NeedsNeedOutputSerializer):
    """The need after the move, with what its closing withdrew (empty unless it closed)."""

    withdrawn = NeedsClosedRecordSerializer(source="closed_with", many=True, read_only=True)

    class Meta(NeedsNeedOutputSerializer.Meta):
        fields = [*NeedsNeedOutputSerializer.Meta.fields, "withdrawn"]
        read_only_fields = fields


# --- Consent ---------------------------------------------------------------------------------


class NeedsConsentRecipientSerializer(ModelSerializer):
    class Meta:
        model = ConsentRecipient
        fields = ["name", "credit_code"]


class NeedsConsentOutputSerializer(serializers.ModelSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    given_by_display = serializers.CharField(source="get_given_by_display", read_only=True)
    purpose_display = serializers.CharField(source="get_purpose_display", read_only=True)
    scope_display = serializers.CharField(source="get_scope_display", read_only=True)
    in_force = serializers.BooleanField(read_only=True)
    recipients = NeedsConsentRecipientSerializer(many=True, read_only=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "household",
            "household_code",
            "member",
            "member_name",
            "given_by",
            "given_by_display",
            "guardian_name",
            "guardian_relation",
            "witness_name",
            "purpose",
            "purpose_display",
            "scope",
            "scope_display",
            "recipients",
            "given_on",
            "expires_on",
            "in_force",
            "revoked_at",
            "revoked_reason",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class NeedsConsentInputSerializer(ModelSerializer):
    household = ScopedPrimaryKeyField(Household)
    member = ScopedPrimaryKeyField(Member)
    recipients = NeedsConsentRecipientSerializer(many=True, required=False)

    class Meta:
        model = Consent
        fields = [
            "household",
            "member",
            "given_by",
            "guardian_name",
            "guardian_relation",
            "witness_name",
            "purpose",
            "scope",
            "given_on",
            "expires_on",
            "recipients",
        ]


class NeedsConsentRevokeInputSerializer(serializers.Serializer):
    # Required, as the service requires it: the schema must not call it optional.
    reason = serializers.CharField(
        max_length=200,
        error_messages={"required": _("Give the reason."), "blank": _("Give the reason.")},
    )


# --- Filing export ---------------------------------------------------------------------------


class NeedsFilingExportInputSerializer(serializers.Serializer):
    """What the filing export takes (docs/filing-export.md); the page's form, as JSON."""

    region = serializers.RegexField(
        r"^[0-9]{12}$",
        required=False,
        allow_blank=True,
        help_text=_(
            "12-digit code of a county, township or village in your area; empty: everything "
            "you can see"
        ),
    )
    need_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=Need.Status.choices),
        required=False,
        help_text=_("Need statuses; empty: every status"),
    )
    created_from = serializers.DateField(required=False, allow_null=True)
    created_to = serializers.DateField(required=False, allow_null=True)
    format = serializers.ChoiceField(choices=[("csv", "CSV"), ("json", "JSON")], default="json")
    full = serializers.BooleanField(
        default=False, help_text=_("Full ID numbers, phones and health notes")
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=_("Required for full values; written to the access log"),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("created_from"), attrs.get("created_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"created_to": [_("The end of the period is before its start.")]}
            )
        return attrs
