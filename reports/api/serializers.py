"""Output serializers of the reports API (reads only; the workflow runs on the pages).

Names start with ``Reports`` so that the OpenAPI components cannot collide with other apps'.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Region

from ..models import AnnualEvaluation, ReportExport


class ReportsRegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level"]
        read_only_fields = fields


class ReportsFileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportExport
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "filename",
            "size",
            "sha256",
            "created_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_download_url(self, export: ReportExport) -> str | None:
        if not export.is_ready:
            return None
        return reverse("reports_api:file_download", args=[export.pk])


class ReportsEvaluationSerializer(serializers.ModelSerializer):
    region = ReportsRegionSerializer(read_only=True)

    class Meta:
        model = AnnualEvaluation
        fields = [
            "id",
            "region",
            "year",
            "version",
            "is_current",
            "status",
            "built_at",
            "submitted_at",
            "reviewed_at",
        ]
        read_only_fields = fields


class ReportsEvaluationDetailSerializer(ReportsEvaluationSerializer):
    metrics = serializers.SerializerMethodField()
    narrative = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta(ReportsEvaluationSerializer.Meta):
        fields = [
            *ReportsEvaluationSerializer.Meta.fields,
            "review_comment",
            "metrics",
            "narrative",
            "files",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_metrics(self, evaluation: AnnualEvaluation) -> dict[str, Any]:
        return evaluation.metrics

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "string"},
            },
        }
    )
    def get_narrative(self, evaluation: AnnualEvaluation) -> dict[str, Any]:
        return evaluation.narrative or {}

    @extend_schema_field(ReportsFileSerializer(many=True))
    def get_files(self, evaluation: AnnualEvaluation) -> list[dict[str, Any]]:
        files = evaluation.exports.order_by("-created_at", "-pk")
        return ReportsFileSerializer(files, many=True).data


class ReportsLiveMetricsSerializer(serializers.Serializer):
    region = ReportsRegionSerializer()
    start = serializers.DateField()
    end = serializers.DateField()
    metrics = serializers.JSONField()
