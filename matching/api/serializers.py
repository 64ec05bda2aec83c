"""Input and output serializers of the matching API.

Inputs only parse (writes go through ``matching.services``). Outputs come in two families, one
per side of an application:

* the household's side (its township's social workers, civil affairs above it, administrators):
  the household by id and number, the person by name and masked ID number;
* the supplier's side (charity staff): the consented minimum of the person
  (``selectors.supplier_card``) and the application's own facts, nothing else of the household:
  no health notes, ID number, birth date, income, other members or household number, and the
  phone (masked) and address only while the person agrees to be contacted.

Names start with ``Matching`` so that the OpenAPI components cannot collide with other apps'.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from accounts.api.fields import AsciiDecimalField, AsciiIntegerField
from needs.api.serializers import ScopedPrimaryKeyField
from needs.models import Member, Need
from supply.api.serializers import (
    AidFormField,
    CharityAreaField,
    SupplyOrganizationRefSerializer,
)
from supply.models import Organization, Project

from ..models import Application, Feedback
from ..selectors import supplier_card
from ..services import NEED_OUTCOMES

# --- Vocabularies (one named schema each) ----------------------------------------------------


def _choice_field(choices: Any, component_name: str) -> type:
    """A ChoiceField class over ``choices`` that the schema names ``component_name``. The named
    enum is the vocabulary alone: a field that may hold ``""`` (``allow_blank``, or a blank model
    field it reads) adds it itself (``accounts.api.schema``)."""

    @extend_schema_field(
        serializers.ChoiceField(choices=[c for c in choices if c[0] != ""]),
        component_name=component_name,
    )
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices, **kwargs)

    Field.__name__ = Field.__qualname__ = component_name.removesuffix("Enum") + "Field"
    return Field


StatusField = _choice_field(Application.Status.choices, "MatchingApplicationStatusEnum")
ModeField = _choice_field(Application.Mode.choices, "MatchingApplicationModeEnum")
ReviewField = _choice_field(Application.Review.choices[1:], "MatchingReviewStatusEnum")
FlagField = _choice_field(Application.Flag.choices, "MatchingReviewFlagEnum")
RejectionReasonField = _choice_field(
    Application.RejectionReason.choices, "MatchingRejectionReasonEnum"
)
CriterionField = _choice_field(Application.Criterion.choices, "MatchingCriterionEnum")
AnswerField = _choice_field(Application._meta.get_field("answer").choices, "MatchingAnswerEnum")
FeedbackSideField = _choice_field(Feedback.Side.choices, "MatchingFeedbackSideEnum")
NeedOutcomeField = _choice_field(
    [(value, value) for value in NEED_OUTCOMES], "MatchingNeedOutcomeEnum"
)

#: A score or a part of it, as the pages show it (one decimal).
_POINTS = {"max_digits": 5, "decimal_places": 1, "coerce_to_string": False}


# --- Shared pieces ---------------------------------------------------------------------------


class MatchingUserRefSerializer(serializers.Serializer):
    """A user by name only."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MatchingProjectRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "title"]
        read_only_fields = fields


class MatchingOrganizationRefSerializer(serializers.ModelSerializer):
    """An organisation by name (no tier: that would cost a query per list row)."""

    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class MatchingMemberRefSerializer(serializers.ModelSerializer):
    """The person applying, for the household's side: never the full ID number."""

    id_number_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Member
        fields = ["id", "name", "id_number_masked"]
        read_only_fields = fields


class MatchingFeedbackOutputSerializer(serializers.ModelSerializer):
    side = FeedbackSideField(read_only=True)
    side_display = serializers.CharField(source="get_side_display", read_only=True)
    recorded_by = MatchingUserRefSerializer(read_only=True)

    class Meta:
        model = Feedback
        fields = ["side", "side_display", "satisfaction", "comment", "recorded_by", "recorded_at"]
        read_only_fields = fields


# --- Candidate search ------------------------------------------------------------------------


class MatchingReasonSerializer(serializers.Serializer):
    """One part of a candidate's score, in words."""

    label = serializers.CharField()
    points = serializers.DecimalField(**_POINTS)
    out_of = serializers.IntegerField()
    detail = serializers.CharField()


class MatchingCandidateSerializer(serializers.Serializer):
    """A published project that suits the need, with its score (out of 100) part by part."""

    project = MatchingProjectRefSerializer()
    organization = SupplyOrganizationRefSerializer(source="project.organization")
    score = serializers.DecimalField(**_POINTS)
    reasons = MatchingReasonSerializer(many=True)


class MatchingNearMissSerializer(serializers.Serializer):
    """A project that fails exactly one condition: which one, and why."""

    project = MatchingProjectRefSerializer()
    organization = SupplyOrganizationRefSerializer(source="project.organization")
    score = serializers.DecimalField(**_POINTS)
    failed = CriterionField()
    failed_label = serializers.CharField()
    failed_detail = serializers.CharField()


class MatchingPreAidRowSerializer(serializers.ModelSerializer):
    """帮前查询: aid the household received or waits for (last twelve months);
    ``same_area`` marks aid of the need's charity area."""

    status = StatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    project = MatchingProjectRefSerializer(read_only=True)
    organization = MatchingOrganizationRefSerializer(read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    need_area = CharityAreaField(source="need.area", read_only=True)
    need_area_display = serializers.CharField(source="need.get_area_display", read_only=True)
    same_area = serializers.BooleanField(read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "status",
            "status_display",
            "project",
            "organization",
            "member_name",
            "need_area",
            "need_area_display",
            "same_area",
            "submitted_at",
            "delivered_on",
            "delivered_quantity",
            "delivered_value",
        ]
        read_only_fields = fields


class MatchingOtherAidSerializer(serializers.Serializer):
    """帮前查询 across departments: aid another government unit (人社, 医保, 残联 ...) gave a
    member of the household in the last twelve months, as that unit pushed it."""

    source = serializers.CharField()
    number = serializers.CharField()
    provider = serializers.CharField()
    provider_kind = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    member_name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    given_on = serializers.DateField()
    same_area = serializers.BooleanField()


class MatchingCandidateSearchSerializer(serializers.Serializer):
    """What the worker sees before applying: the candidates ranked, the near misses, and the
    pre-aid check of the household."""

    need = serializers.IntegerField(source="need.pk")
    candidates = MatchingCandidateSerializer(many=True)
    near_misses = MatchingNearMissSerializer(many=True)
    pre_aid_check = MatchingPreAidRowSerializer(many=True)
    pre_aid_other_departments = MatchingOtherAidSerializer(many=True)


# --- Applications: the facts both sides see --------------------------------------------------


class MatchingApplicationFactsSerializer(serializers.ModelSerializer):
    """The application's own facts. Every field either side's serializers may add is declared
    here once; each subclass lists the ones it shows. Expects ``selectors._RELATED`` loaded."""

    status = StatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    mode = ModeField(read_only=True)
    mode_display = serializers.CharField(source="get_mode_display", read_only=True)
    project = MatchingProjectRefSerializer(read_only=True)
    organization = MatchingOrganizationRefSerializer(read_only=True)
    need_area = CharityAreaField(source="need.area", read_only=True)
    need_area_display = serializers.CharField(source="need.get_area_display", read_only=True)
    need_form = AidFormField(source="need.form", read_only=True)
    need_form_display = serializers.CharField(source="need.get_form_display", read_only=True)
    review_status = ReviewField(read_only=True)
    review_status_display = serializers.CharField(
        source="get_review_status_display", read_only=True
    )
    review_flag = FlagField(read_only=True)
    review_flag_display = serializers.CharField(source="get_review_flag_display", read_only=True)
    waiting_for_review = serializers.BooleanField(read_only=True)
    answer = AnswerField(read_only=True)
    rejection_reason = RejectionReasonField(read_only=True)
    rejection_reason_display = serializers.CharField(
        source="get_rejection_reason_display", read_only=True
    )
    rejection_criterion = CriterionField(read_only=True)
    rejection_criterion_display = serializers.CharField(
        source="get_rejection_criterion_display", read_only=True
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "status",
            "status_display",
            "status_changed_at",
            "mode",
            "mode_display",
            "project",
            "organization",
            "need_area",
            "need_area_display",
            "need_form",
            "need_form_display",
            "simplified_procedure",
            "review_status",
            "review_status_display",
            "waiting_for_review",
            "submitted_at",
            "answer",
            "answered_at",
            "delivered_on",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields


#: What both sides see of an answered, delivered or ended application.
_OUTCOME_FIELDS = [
    "status_reason",
    "rejection_reason",
    "rejection_reason_display",
    "rejection_criterion",
    "rejection_criterion_display",
    "rejection_note",
    "delivered_quantity",
    "delivered_value",
    "delivery_note",
    "updated_at",
]


# --- Applications: the household's side -----------------------------------------------------


class MatchingApplicationRowSerializer(MatchingApplicationFactsSerializer):
    """A list row for the household's side."""

    household_code = serializers.CharField(source="household.code", read_only=True)
    member = MatchingMemberRefSerializer(read_only=True)

    class Meta(MatchingApplicationFactsSerializer.Meta):
        fields = [
            *MatchingApplicationFactsSerializer.Meta.fields,
            "need",
            "household",
            "household_code",
            "member",
            "review_required",
        ]
        read_only_fields = fields


class MatchingApplicationOutputSerializer(MatchingApplicationRowSerializer):
    """One application for the household's side (expects ``selectors.application_get_for_user``:
    the deciders and the feedback loaded)."""

    consent_in_force = serializers.BooleanField(read_only=True)
    contact_shared = serializers.BooleanField(read_only=True)
    reviewed_by = MatchingUserRefSerializer(read_only=True, allow_null=True)
    resolved_by = MatchingUserRefSerializer(read_only=True, allow_null=True)
    answered_by = MatchingUserRefSerializer(read_only=True, allow_null=True)
    explained_by = MatchingUserRefSerializer(read_only=True, allow_null=True)
    delivery_recorded_by = MatchingUserRefSerializer(read_only=True, allow_null=True)
    created_by = MatchingUserRefSerializer(read_only=True)
    feedback = MatchingFeedbackOutputSerializer(many=True, read_only=True)

    class Meta(MatchingApplicationRowSerializer.Meta):
        fields = [
            *MatchingApplicationRowSerializer.Meta.fields,
            *_OUTCOME_FIELDS,
            "message",
            "share_contact",
            "consent",
            "consent_in_force",
            "contact_shared",
            "overlap_reason",
            "review_flag",
            "review_flag_display",
            "review_note",
            "reviewed_by",
            "reviewed_at",
            "resolution_note",
            "resolved_by",
            "resolved_at",
            "answered_by",
            "explanation",
            "explained_at",
            "explained_by",
            "delivery_recorded_by",
            "created_by",
            "feedback",
        ]
        read_only_fields = fields


# --- Applications: the supplier's side -------------------------------------------------------


class MatchingSupplierCardSerializer(serializers.Serializer):
    """The consented minimum of the person (``selectors.SupplierCard``); empty once the consent
    is no longer in force. Phone (masked) and address only if the person agrees to be
    contacted."""

    consented = serializers.BooleanField()
    name = serializers.CharField()
    sex = serializers.CharField()
    age = serializers.IntegerField(allow_null=True)
    id_number_masked = serializers.CharField()
    place = serializers.CharField()
    phone_masked = serializers.CharField()
    address = serializers.CharField()
    simplified_procedure = serializers.BooleanField()
    message = serializers.CharField()


class MatchingSupplierApplicationRowSerializer(MatchingApplicationFactsSerializer):
    """A list row for charity staff: the facts and the consented card, nothing of the
    household."""

    person = serializers.SerializerMethodField()
    # That the person is classified by civil affairs is theirs too: only with consent in force.
    simplified_procedure = serializers.SerializerMethodField()

    class Meta(MatchingApplicationFactsSerializer.Meta):
        fields = [*MatchingApplicationFactsSerializer.Meta.fields, "person"]
        read_only_fields = fields

    @extend_schema_field(MatchingSupplierCardSerializer)
    def get_person(self, application: Application) -> dict[str, Any]:
        return MatchingSupplierCardSerializer(supplier_card(application)).data

    def get_simplified_procedure(self, application: Application) -> bool:
        return application.simplified_procedure and application.consent_in_force


class MatchingSupplierApplicationOutputSerializer(MatchingSupplierApplicationRowSerializer):
    """One application for charity staff: the row, the outcome and the supplier's own feedback
    (the household's feedback stays with the household's side)."""

    feedback = serializers.SerializerMethodField()
    household_feedback_given = serializers.SerializerMethodField()

    class Meta(MatchingSupplierApplicationRowSerializer.Meta):
        fields = [
            *MatchingSupplierApplicationRowSerializer.Meta.fields,
            *_OUTCOME_FIELDS,
            "review_flag",
            "review_flag_display",
            "feedback",
            "household_feedback_given",
        ]
        read_only_fields = fields

    @extend_schema_field(MatchingFeedbackOutputSerializer(many=True))
    def get_feedback(self, application: Application) -> list[dict[str, Any]]:
        own = [f for f in application.feedback.all() if f.side == Feedback.Side.SUPPLIER]
        return MatchingFeedbackOutputSerializer(own, many=True).data

    def get_household_feedback_given(self, application: Application) -> bool:
        return any(f.side == Feedback.Side.HOUSEHOLD for f in application.feedback.all())


#: The schema of an application answer: one of the two sides' representations.
APPLICATION_RESPONSE = PolymorphicProxySerializer(
    component_name="MatchingApplication",
    serializers=[MatchingApplicationOutputSerializer, MatchingSupplierApplicationOutputSerializer],
    resource_type_field_name=None,
)
APPLICATION_ROWS_RESPONSE = PolymorphicProxySerializer(
    component_name="MatchingApplicationListItem",
    serializers=[MatchingApplicationRowSerializer, MatchingSupplierApplicationRowSerializer],
    resource_type_field_name=None,
    many=True,
)


# --- Inputs ----------------------------------------------------------------------------------


class MatchingApplicationCreateInputSerializer(serializers.Serializer):
    """An application for ``services.application_create``: submitted at once unless ``submit``
    is false (a draft)."""

    need = ScopedPrimaryKeyField(Need)
    # Published listings to everyone; drafts only to their organisation and tier.
    project = ScopedPrimaryKeyField(Project)
    mode = ModeField()
    member = ScopedPrimaryKeyField(
        Member,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The person applying; only for a need of the whole household."),
    )
    message = serializers.CharField(required=False, allow_blank=True, default="")
    share_contact = serializers.BooleanField(required=False, default=False)
    overlap_reason = serializers.CharField(required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(
        required=False,
        default=True,
        help_text=_("Submit to the supplier at once (the default), or keep a draft."),
    )


# A text the service requires is required here too, so that the schema says so.


class MatchingWithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300,
        error_messages={"required": _("Give the reason."), "blank": _("Give the reason.")},
    )


class MatchingRejectInputSerializer(serializers.Serializer):
    reason = RejectionReasonField()
    criterion = CriterionField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The condition not met, when the reason is not_eligible."),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when the reason is other."),
    )


class MatchingExplainInputSerializer(serializers.Serializer):
    explanation = serializers.CharField(
        error_messages={
            "required": _("Write what the household was told."),
            "blank": _("Write what the household was told."),
        }
    )


class MatchingDeliverInputSerializer(serializers.Serializer):
    delivered_on = serializers.DateField()
    quantity = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The quantity delivered; give it or the value."),
    )
    value = AsciiDecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The value delivered (yuan); give it or the quantity."),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MatchingFeedbackInputSerializer(serializers.Serializer):
    side = FeedbackSideField()
    satisfaction = AsciiIntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    need_outcome = NeedOutcomeField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "The household's side only, while the need is live: met; unmet (give the reason); "
            "or open, to look for other aid."
        ),
    )
    outcome_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when need_outcome is unmet."),
    )


class MatchingReviewConfirmInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MatchingReviewFlagInputSerializer(serializers.Serializer):
    flag = FlagField()
    note = serializers.CharField(
        error_messages={"required": _("Explain the flag."), "blank": _("Explain the flag.")}
    )


class MatchingReviewResolveInputSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(
        help_text=_("True: the flag is upheld (a running application is withdrawn).")
    )
    note = serializers.CharField(
        error_messages={
            "required": _("Record how the flag was resolved."),
            "blank": _("Record how the flag was resolved."),
        }
    )
