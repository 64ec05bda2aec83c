"""Serializers of the oversight API. Inputs only parse (writes go through
``oversight.services``). The complainant's contact is masked; the names start with
``Oversight`` so that the OpenAPI components cannot collide with other apps'."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import crypto

from ..models import Complaint, ComplaintAttachment


def _choice_field(choices: Any, component_name: str) -> type:
    """A ChoiceField class over ``choices`` that the schema names ``component_name``."""

    @extend_schema_field(
        serializers.ChoiceField(choices=[c for c in choices if c[0] != ""]),
        component_name=component_name,
    )
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices, **kwargs)

    Field.__name__ = Field.__qualname__ = component_name.removesuffix("Enum") + "Field"
    return Field


StatusField = _choice_field(Complaint.Status.choices, "OversightComplaintStatusEnum")
SubjectField = _choice_field(Complaint.Subject.choices, "OversightComplaintSubjectEnum")
FindingField = _choice_field(Complaint.Finding.choices, "OversightComplaintFindingEnum")


class OversightComplaintAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintAttachment
        fields = ["id", "kind", "size", "uploaded_at", "url"]

    def get_url(self, obj: ComplaintAttachment) -> str:
        return reverse("oversight:attachment_download", args=[obj.complaint_id, obj.pk])


class OversightComplaintRowSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    subject_kind = SubjectField(read_only=True)
    status = StatusField(read_only=True)
    subject_label = serializers.CharField(read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "subject_kind",
            "subject_label",
            "region",
            "region_name",
            "status",
            "received_at",
            "due_on",
            "overdue",
            "concluded_at",
        ]

    def get_overdue(self, obj: Complaint) -> bool:
        return obj.is_overdue()


class OversightComplaintSerializer(OversightComplaintRowSerializer):
    handler_name = serializers.SerializerMethodField()
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    attachments = OversightComplaintAttachmentSerializer(many=True, read_only=True)
    finding = FindingField(read_only=True, allow_blank=True)

    class Meta(OversightComplaintRowSerializer.Meta):
        fields = [
            *OversightComplaintRowSerializer.Meta.fields,
            "project",
            "organization",
            "application",
            "staff_name",
            "body",
            "anonymous",
            "contact_name",
            "contact_phone",
            "handler_name",
            "started_at",
            "finding",
            "reply",
            "attachments",
        ]

    def get_handler_name(self, obj: Complaint) -> str:
        return str(obj.handler) if obj.handler_id else ""

    @extend_schema_field(serializers.CharField(help_text="Masked (张*)."))
    def get_contact_name(self, obj: Complaint) -> str:
        return crypto.mask_name(obj.contact_name)

    @extend_schema_field(serializers.CharField(help_text="Masked (138****8000)."))
    def get_contact_phone(self, obj: Complaint) -> str:
        return crypto.mask_phone(obj.contact_phone)


class OversightConcludeInputSerializer(serializers.Serializer):
    finding = FindingField()
    reply = serializers.CharField(max_length=2000)
