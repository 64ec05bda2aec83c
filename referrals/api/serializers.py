"""Input and output serializers of the referrals API.

Inputs only parse (writes go through ``referrals.services``). Outputs come in three families,
one per side of a referral, chosen by the view, never by conditionals inside one serializer:

* the government's side (social workers, civil affairs, administrators): the whole referral;
* a charity receiving a referral: a pinned allowlist (``RECEIVER_FIELDS``) — the referral's own
  facts and the snapshot as sent, which is empty (``person`` and ``household`` null, no needs,
  reason, notes or files) once the person's consent is no longer in force;
* a charity that referred a person to civil affairs: what it sent and the outcome, nothing of
  the ledger.

Names start with ``Referrals`` so that the OpenAPI components cannot collide with other apps'.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from accounts import crypto
from accounts.api.fields import AsciiIntegerField, ascii_text
from accounts.models import Region, User
from accounts.taxonomies import AssistanceStatus, GapClass
from matching.models import Application
from needs.api.serializers import ScopedPrimaryKeyField
from needs.models import Household, Member, Need
from supply.models import Organization

from ..models import Case, CaseGoal, CaseNote, Direction, Referral, ReferralAttachment, ReferralNote
from ..selectors import receiver_card


def _choice_field(choices: Any, component_name: str) -> type:
    """A ChoiceField class over ``choices`` that the schema names ``component_name`` (the
    vocabulary alone: a field that may hold ``""`` adds it itself)."""

    @extend_schema_field(
        serializers.ChoiceField(choices=[c for c in choices if c[0] != ""]),
        component_name=component_name,
    )
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices, **kwargs)

    Field.__name__ = Field.__qualname__ = component_name.removesuffix("Enum") + "Field"
    return Field


DirectionField = _choice_field(Direction.choices, "ReferralsDirectionEnum")
SendDirectionField = _choice_field(
    [c for c in Direction.choices if c[0] != Direction.TO_CIVIL_AFFAIRS],
    "ReferralsSendDirectionEnum",
)
StatusField = _choice_field(Referral.Status.choices, "ReferralsStatusEnum")
UrgencyField = _choice_field(Referral.Urgency.choices, "ReferralsUrgencyEnum")
OutcomeField = _choice_field(Referral.Outcome.choices, "ReferralsOutcomeEnum")
AidField = _choice_field(AssistanceStatus.choices, "ReferralsAssistanceStatusEnum")
KindField = _choice_field(ReferralAttachment.Kind.choices, "ReferralsAttachmentKindEnum")
CaseStatusField = _choice_field(Case.Status.choices, "ReferralsCaseStatusEnum")
CaseOutcomeField = _choice_field(Case.Outcome.choices, "ReferralsCaseOutcomeEnum")
CaseNoteKindField = _choice_field(CaseNote.Kind.choices, "ReferralsCaseNoteKindEnum")
GapClassField = _choice_field(GapClass.choices, "ReferralsGapClassEnum")
SexField = _choice_field(Member.Sex.choices, "ReferralsSexEnum")
RelationField = _choice_field(Member.Relation.choices, "ReferralsRelationEnum")


# --- References ------------------------------------------------------------------------------


class AsciiKeyMixin:
    """A reference read through ``accounts.identifiers``: full-width digits become 0-9, and a
    digit of another script is a field error (Django's lookups would take ``٤٢`` as 42)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            data = ascii_text(data)
        return super().to_internal_value(data)  # type: ignore[misc]


class ScopedKeyField(AsciiKeyMixin, ScopedPrimaryKeyField):
    """A row the requesting user may see (``needs.api.serializers.ScopedPrimaryKeyField``)."""


class KeyField(AsciiKeyMixin, serializers.PrimaryKeyRelatedField):
    pass


# --- Shared pieces ---------------------------------------------------------------------------


def side_field(side: str) -> serializers.Field:
    """``side``: which of the three representations this is (``government``, ``receiver`` or
    ``referring_charity``), one value each, so that a client — and the schema's ``oneOf`` —
    can tell them apart."""

    name = "".join(part.title() for part in side.split("_"))

    @extend_schema_field(
        serializers.ChoiceField(choices=[(side, side)]),
        component_name=f"ReferralsSide{name}Enum",
    )
    class SideField(serializers.Field):
        def __init__(self) -> None:
            super().__init__(read_only=True, source="*")

        def to_representation(self, value: Any) -> str:
            return side

    return SideField()


class ReferralsUserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)


class ReferralsOrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class ReferralsRegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]
        read_only_fields = fields


class ReferralsMemberRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "name"]
        read_only_fields = fields


class ReferralsPersonSnapshotSerializer(serializers.Serializer):
    """The person as sent (``services.SNAPSHOT_PERSON_FIELDS``)."""

    name = serializers.CharField()
    sex = serializers.CharField()
    age = serializers.IntegerField(allow_null=True)
    place = serializers.CharField()
    simplified_procedure = serializers.BooleanField()


class ReferralsHouseholdSnapshotSerializer(serializers.Serializer):
    """The household as sent (``services.SNAPSHOT_HOUSEHOLD_FIELDS``)."""

    size = serializers.IntegerField(allow_null=True)
    difficulty_group = serializers.CharField()


class ReferralsNeedSnapshotSerializer(serializers.Serializer):
    """A need concerned, as sent (``services.SNAPSHOT_NEED_FIELDS``)."""

    area = serializers.CharField()
    form = serializers.CharField()
    urgent = serializers.BooleanField()


class ReferralsSnapshotSerializer(serializers.Serializer):
    """The household as sent: only what a charity receiver may see with the consent."""

    person = ReferralsPersonSnapshotSerializer()
    household = ReferralsHouseholdSnapshotSerializer()
    needs = ReferralsNeedSnapshotSerializer(many=True)


class ReferralsNoteOutputSerializer(serializers.ModelSerializer):
    author = ReferralsUserRefSerializer(read_only=True)

    class Meta:
        model = ReferralNote
        fields = ["id", "body", "author", "created_at"]
        read_only_fields = fields


class ReferralsAttachmentOutputSerializer(serializers.ModelSerializer):
    """A file of the referral; ``url`` downloads it (the scoped page view)."""

    kind = KindField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReferralAttachment
        fields = ["id", "name", "kind", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment: ReferralAttachment) -> str:
        return reverse(
            "referrals:attachment_download", args=[attachment.referral_id, attachment.pk]
        )


# --- Referrals: the facts every side sees ----------------------------------------------------


class ReferralsReferralFactsSerializer(serializers.ModelSerializer):
    """The referral's own facts. Expects ``selectors._RELATED`` loaded."""

    direction = DirectionField(read_only=True)
    direction_display = serializers.CharField(source="get_direction_display", read_only=True)
    status = StatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    urgency = UrgencyField(read_only=True)
    urgency_display = serializers.CharField(source="get_urgency_display", read_only=True)
    outcome = OutcomeField(read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    receiver_organization = ReferralsOrganizationRefSerializer(read_only=True)
    receiver_region = ReferralsRegionRefSerializer(read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "number",
            "direction",
            "direction_display",
            "status",
            "status_display",
            "urgency",
            "urgency_display",
            "receiver_organization",
            "receiver_region",
            "sent_at",
            "received_due",
            "outcome_due",
            "overdue",
            "received_at",
            "answered_at",
            "started_at",
            "outcome",
            "outcome_display",
            "outcome_at",
            "closed_at",
        ]
        read_only_fields = fields


# --- The government's side -------------------------------------------------------------------


class ReferralsReferralRowSerializer(ReferralsReferralFactsSerializer):
    side = side_field("government")
    region = ReferralsRegionRefSerializer(read_only=True)
    household_code = serializers.SerializerMethodField()
    member = ReferralsMemberRefSerializer(read_only=True)
    person_name = serializers.SerializerMethodField()
    sender = ReferralsUserRefSerializer(read_only=True)
    sender_organization = ReferralsOrganizationRefSerializer(read_only=True)
    consent_in_force = serializers.BooleanField(read_only=True)

    class Meta(ReferralsReferralFactsSerializer.Meta):
        fields = [
            "side",
            *ReferralsReferralFactsSerializer.Meta.fields,
            "region",
            "household",
            "household_code",
            "member",
            "person_name",
            "sender",
            "sender_organization",
            "consent",
            "consent_in_force",
            "previous",
        ]
        read_only_fields = fields

    def get_household_code(self, referral: Referral) -> str:
        """The household's number; empty for a person a charity referred, not linked yet."""
        return referral.household.code if referral.household_id else ""

    def get_person_name(self, referral: Referral) -> str:
        """The person referred: the member, the head of the household as sent, or the name a
        charity gave."""
        if referral.member_id:
            return referral.member.name
        if referral.person_name:
            return referral.person_name
        return referral.snapshot_data().get("person", {}).get("name", "")


class ReferralsReferralOutputSerializer(ReferralsReferralRowSerializer):
    """One referral for the government's side (expects ``selectors.referral_get_for_user``)."""

    needs = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    snapshot = serializers.SerializerMethodField()
    aid_sought = AidField(read_only=True)
    aid_sought_display = serializers.CharField(source="get_aid_sought_display", read_only=True)
    granted_status = AidField(read_only=True)
    granted_status_display = serializers.CharField(
        source="get_granted_status_display", read_only=True
    )
    person_id_number_masked = serializers.SerializerMethodField()
    person_phone_masked = serializers.SerializerMethodField()
    received_by = ReferralsUserRefSerializer(read_only=True, allow_null=True)
    answered_by = ReferralsUserRefSerializer(read_only=True, allow_null=True)
    outcome_by = ReferralsUserRefSerializer(read_only=True, allow_null=True)
    onward = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    case = serializers.SerializerMethodField()
    notes = ReferralsNoteOutputSerializer(many=True, read_only=True)
    attachments = ReferralsAttachmentOutputSerializer(many=True, read_only=True)

    class Meta(ReferralsReferralRowSerializer.Meta):
        fields = [
            *ReferralsReferralRowSerializer.Meta.fields,
            "needs",
            "reason",
            "snapshot",
            "person_id_number_masked",
            "person_phone_masked",
            "person_address",
            "person_agreed",
            "aid_sought",
            "aid_sought_display",
            "application",
            "received_by",
            "answered_by",
            "decline_reason",
            "outcome_note",
            "outcome_by",
            "granted_status",
            "granted_status_display",
            "onward",
            "case",
            "notes",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(ReferralsSnapshotSerializer)
    def get_snapshot(self, referral: Referral) -> dict[str, Any]:
        return referral.snapshot_data()

    def get_person_id_number_masked(self, referral: Referral) -> str:
        return crypto.mask_id_number(referral.person_id_number)

    def get_person_phone_masked(self, referral: Referral) -> str:
        return crypto.mask_phone(referral.person_phone)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_case(self, referral: Referral) -> int | None:
        case = getattr(referral, "case", None)
        return case.pk if case is not None else None


# --- A charity receiving a referral ----------------------------------------------------------

#: Everything a charity receiving a referral sees, page and API alike (pinned by the tests).
RECEIVER_FIELDS = [
    "side",
    *ReferralsReferralFactsSerializer.Meta.fields,
    "sender",
    "consent_in_force",
    "person",
    "household",
    "needs",
    "reason",
    "decline_reason",
    "outcome_note",
    "notes",
    "attachments",
]


class ReferralsReceiverReferralSerializer(ReferralsReferralFactsSerializer):
    """A referral for the charity receiving it: the facts, who referred, and the snapshot as
    sent while the person's consent is in force; ``person`` and ``household`` null and nothing
    else of the person once it was withdrawn or expired."""

    side = side_field("receiver")
    sender = serializers.SerializerMethodField()
    consent_in_force = serializers.BooleanField(read_only=True)
    person = serializers.SerializerMethodField()
    household = serializers.SerializerMethodField()
    needs = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta(ReferralsReferralFactsSerializer.Meta):
        fields = RECEIVER_FIELDS
        read_only_fields = fields

    def _card(self, referral: Referral):
        if not hasattr(referral, "_receiver_card"):
            referral._receiver_card = receiver_card(self.context["request"].user, referral)
        return referral._receiver_card

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"name": {"type": "string"}, "department": {"type": "string"}},
            "required": ["name", "department"],
        }
    )
    def get_sender(self, referral: Referral) -> dict[str, str]:
        department = referral.sender_region.name if referral.sender_region_id else ""
        return {"name": referral.sender.get_full_name(), "department": department}

    @extend_schema_field(ReferralsPersonSnapshotSerializer(allow_null=True))
    def get_person(self, referral: Referral) -> dict[str, Any] | None:
        card = self._card(referral)
        return ReferralsPersonSnapshotSerializer(card.person).data if card.consented else None

    @extend_schema_field(ReferralsHouseholdSnapshotSerializer(allow_null=True))
    def get_household(self, referral: Referral) -> dict[str, Any] | None:
        card = self._card(referral)
        return ReferralsHouseholdSnapshotSerializer(card.household).data if card.consented else None

    @extend_schema_field(ReferralsNeedSnapshotSerializer(many=True))
    def get_needs(self, referral: Referral) -> list[dict[str, Any]]:
        return ReferralsNeedSnapshotSerializer(self._card(referral).needs, many=True).data

    def get_reason(self, referral: Referral) -> str:
        return self._card(referral).reason

    @extend_schema_field(ReferralsNoteOutputSerializer(many=True))
    def get_notes(self, referral: Referral) -> list[dict[str, Any]]:
        if not self._card(referral).consented:
            return []
        return ReferralsNoteOutputSerializer(referral.notes.all(), many=True).data

    @extend_schema_field(ReferralsAttachmentOutputSerializer(many=True))
    def get_attachments(self, referral: Referral) -> list[dict[str, Any]]:
        if not self._card(referral).consented:
            return []
        return ReferralsAttachmentOutputSerializer(referral.attachments.all(), many=True).data


# --- A charity that referred a person to civil affairs ---------------------------------------


class ReferralsSentByCharitySerializer(ReferralsReferralFactsSerializer):
    """A charity's own referral to civil affairs: what it sent and the outcome; nothing of the
    ledger (not even whether the person was found in it)."""

    side = side_field("referring_charity")
    region = ReferralsRegionRefSerializer(read_only=True)
    sender_organization = ReferralsOrganizationRefSerializer(read_only=True)
    aid_sought = AidField(read_only=True)
    granted_status = AidField(read_only=True)
    person_id_number_masked = serializers.SerializerMethodField()
    person_phone_masked = serializers.SerializerMethodField()
    notes = ReferralsNoteOutputSerializer(many=True, read_only=True)
    attachments = ReferralsAttachmentOutputSerializer(many=True, read_only=True)

    class Meta(ReferralsReferralFactsSerializer.Meta):
        fields = [
            "side",
            *ReferralsReferralFactsSerializer.Meta.fields,
            "region",
            "sender_organization",
            "person_name",
            "person_id_number_masked",
            "person_phone_masked",
            "person_address",
            "aid_sought",
            "reason",
            "decline_reason",
            "outcome_note",
            "granted_status",
            "previous",
            "notes",
            "attachments",
        ]
        read_only_fields = fields

    def get_person_id_number_masked(self, referral: Referral) -> str:
        return crypto.mask_id_number(referral.person_id_number)

    def get_person_phone_masked(self, referral: Referral) -> str:
        return crypto.mask_phone(referral.person_phone)


REFERRAL_RESPONSE = PolymorphicProxySerializer(
    component_name="ReferralsReferral",
    serializers=[
        ReferralsReferralOutputSerializer,
        ReferralsReceiverReferralSerializer,
        ReferralsSentByCharitySerializer,
    ],
    resource_type_field_name=None,
)
REFERRAL_ROWS_RESPONSE = PolymorphicProxySerializer(
    component_name="ReferralsReferralListItem",
    serializers=[
        ReferralsReferralRowSerializer,
        ReferralsReceiverReferralSerializer,
        ReferralsSentByCharitySerializer,
    ],
    resource_type_field_name=None,
    many=True,
)


# --- Inputs ----------------------------------------------------------------------------------


def _required(message: Any) -> dict[str, Any]:
    return {"required": message, "blank": message}


class ReferralsReferralCreateInputSerializer(serializers.Serializer):
    """A household referred to a charity or people's organisation (``organization``), or to its
    township station for case service."""

    household = ScopedKeyField(Household)
    direction = SendDirectionField()
    organization = KeyField(
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The receiving organisation; required to refer to a charity."),
    )
    member = ScopedKeyField(
        Member,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The person referred; empty for the whole household (the head's consent)."),
    )
    needs = ScopedKeyField(Need, many=True, required=False, default=list)
    urgency = UrgencyField(required=False, default=Referral.Urgency.NORMAL)
    reason = serializers.CharField(error_messages=_required(_("Say why you refer the household.")))
    previous = ScopedKeyField(
        Referral,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A declined referral this one refers elsewhere."),
    )
    application = ScopedKeyField(
        Application,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A rejected or expired application this referral comes instead of."),
    )


class ReferralsPersonReferralInputSerializer(serializers.Serializer):
    """A charity tells the county civil affairs of the person's region about someone who may
    qualify for government aid (the person need not be in the ledger)."""

    organization = KeyField(
        queryset=Organization.objects.all(), help_text=_("One of your organisations.")
    )
    region = KeyField(
        queryset=Region.objects.all(),
        help_text=_("The township or village (12-digit code) where the person lives."),
    )
    person_name = serializers.CharField(
        max_length=50, error_messages=_required(_("Enter the person's name."))
    )
    person_id_number = serializers.CharField(
        max_length=24, required=False, allow_blank=True, default=""
    )
    person_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    person_address = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    aid_sought = AidField(required=False, allow_blank=True, default="")
    urgency = UrgencyField(required=False, default=Referral.Urgency.NORMAL)
    reason = serializers.CharField(
        error_messages=_required(_("Say why the person may qualify for government aid."))
    )
    person_agreed = serializers.BooleanField(
        help_text=_("The person knows and agrees that civil affairs are told (must be true).")
    )
    previous = ScopedKeyField(Referral, required=False, allow_null=True, default=None)


class ReferralsNoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(error_messages=_required(_("Write the note.")))


class ReferralsOptionalNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReferralsDeclineInputSerializer(serializers.Serializer):
    reason = serializers.CharField(error_messages=_required(_("Give the reason for declining.")))


class ReferralsOutcomeInputSerializer(serializers.Serializer):
    outcome = OutcomeField()
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when the person is not eligible or could not be helped."),
    )
    status = AidField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The assistance status granted (default: the aid the charity named)."),
    )
    member = ScopedKeyField(
        Member,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The person granted (default: the person referred)."),
    )


class ReferralsAttachmentInputSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        help_text=_("PDF, JPEG or PNG files (checked by their content), within the size limit."),
    )


class ReferralsLinkHouseholdInputSerializer(serializers.Serializer):
    household = ScopedKeyField(Household)
    member = ScopedKeyField(Member, required=False, allow_null=True, default=None)


class ReferralsPersonInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    relation = RelationField(required=False, default=Member.Relation.HEAD)
    id_number = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")
    sex = SexField(required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ReferralsRegisterHouseholdInputSerializer(serializers.Serializer):
    """The household of a person a charity referred, registered by civil affairs with the
    person as its first member."""

    region = KeyField(
        queryset=Region.objects.all(), help_text=_("The village or township (12-digit code).")
    )
    address = serializers.CharField(max_length=200)
    worker = KeyField(
        queryset=User.objects.filter(role=User.Role.SOCIAL_WORKER),
        help_text=_("The responsible social worker of the township's station."),
    )
    gap_class = GapClassField(required=False, allow_blank=True, default="")
    person = ReferralsPersonInputSerializer()


# --- Cases -----------------------------------------------------------------------------------


class ReferralsCaseGoalOutputSerializer(serializers.ModelSerializer):
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = CaseGoal
        fields = ["id", "goal", "due_on", "achieved_on", "is_late"]
        read_only_fields = fields


class ReferralsCaseNoteOutputSerializer(serializers.ModelSerializer):
    kind = CaseNoteKindField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    author = ReferralsUserRefSerializer(read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "kind", "kind_display", "written_on", "body", "author", "created_at"]
        read_only_fields = fields


class ReferralsCaseRowSerializer(serializers.ModelSerializer):
    status = CaseStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    outcome = CaseOutcomeField(read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    household_code = serializers.CharField(source="household.code", read_only=True)
    member = ReferralsMemberRefSerializer(read_only=True)
    worker = ReferralsUserRefSerializer(read_only=True)
    station = ReferralsRegionRefSerializer(read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "status_display",
            "household",
            "household_code",
            "member",
            "station",
            "worker",
            "referral",
            "next_review_on",
            "opened_at",
            "outcome",
            "outcome_display",
            "closed_at",
        ]
        read_only_fields = fields


class ReferralsCaseOutputSerializer(ReferralsCaseRowSerializer):
    opened_by = ReferralsUserRefSerializer(read_only=True)
    closed_by = ReferralsUserRefSerializer(read_only=True, allow_null=True)
    goals = ReferralsCaseGoalOutputSerializer(many=True, read_only=True)
    notes = ReferralsCaseNoteOutputSerializer(many=True, read_only=True)

    class Meta(ReferralsCaseRowSerializer.Meta):
        fields = [
            *ReferralsCaseRowSerializer.Meta.fields,
            "assessment",
            "opened_by",
            "closing_note",
            "closed_by",
            "goals",
            "notes",
        ]
        read_only_fields = fields


class ReferralsCaseOpenInputSerializer(serializers.Serializer):
    household = ScopedKeyField(Household)
    member = ScopedKeyField(Member, required=False, allow_null=True, default=None)
    referral = ScopedKeyField(
        Referral,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("An accepted referral of the household to the station."),
    )
    worker = KeyField(
        queryset=User.objects.filter(role=User.Role.SOCIAL_WORKER),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The case worker, of the station (default: you)."),
    )
    assessment = serializers.CharField(required=False, allow_blank=True, default="")
    next_review_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferralsCaseAssessInputSerializer(serializers.Serializer):
    assessment = serializers.CharField(error_messages=_required(_("Write the assessment.")))
    next_review_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferralsCaseGoalInputSerializer(serializers.Serializer):
    goal = serializers.CharField(max_length=300, error_messages=_required(_("Write the goal.")))
    due_on = serializers.DateField()


class ReferralsCaseGoalReachInputSerializer(serializers.Serializer):
    goal = AsciiIntegerField(min_value=1)
    achieved_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferralsCaseNoteInputSerializer(serializers.Serializer):
    kind = CaseNoteKindField(required=False, default=CaseNote.Kind.NOTE)
    body = serializers.CharField(error_messages=_required(_("Write the note.")))
    written_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferralsCaseCloseInputSerializer(serializers.Serializer):
    outcome = CaseOutcomeField()
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required unless the goals were met."),
    )
