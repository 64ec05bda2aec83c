"""The reports API: evaluations (list, detail with the frozen figures, files) and the live
figures of a region, each through the user's scope (404 for strangers)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import metrics, selectors
from ..filters import EvaluationFilterSet
from ..forms import PeriodForm
from ..models import AnnualEvaluation, ReportExport
from . import serializers as s


class EvaluationListApi(GenericAPIView):
    """Evaluations in the user's area (current versions unless ``current=false``), newest year
    first."""

    serializer_class = s.ReportsEvaluationSerializer
    filterset_class = EvaluationFilterSet

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AnnualEvaluation.objects.none()
        return (
            AnnualEvaluation.objects.visible_to(self.request.user)
            .select_related("region")
            .order_by("-year", "region_id", "-version")
        )

    @extend_schema(
        operation_id="reports_evaluations_list", responses=s.ReportsEvaluationSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        if "current" not in request.query_params:
            queryset = queryset.filter(is_current=True)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.ReportsEvaluationSerializer(page, many=True).data)


class EvaluationDetailApi(APIView):
    """One evaluation: its frozen figures by section, its narrative and its files."""

    @extend_schema(
        operation_id="reports_evaluations_retrieve", responses=s.ReportsEvaluationDetailSerializer
    )
    def get(self, request: Request, pk: int) -> Response:
        evaluation = selectors.evaluation_get_for_user(request.user, pk)
        return Response(s.ReportsEvaluationDetailSerializer(evaluation).data)


class EvaluationFilesApi(APIView):
    """The files of an evaluation (workbook, PDF, CSV), newest first."""

    @extend_schema(
        operation_id="reports_evaluations_files", responses=s.ReportsFileSerializer(many=True)
    )
    def get(self, request: Request, pk: int) -> Response:
        evaluation = selectors.evaluation_get_for_user(request.user, pk)
        files = evaluation.exports.order_by("-created_at", "-pk")
        return Response(s.ReportsFileSerializer(files, many=True).data)


class FileDownloadApi(APIView):
    """A file of the reports, as bytes."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="reports_files_download",
        responses={
            **{
                (200, media_type.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY)
                for media_type in ReportExport.CONTENT_TYPES.values()
            },
            404: OpenApiResponse(description=gettext_lazy("No such file, or not ready.")),
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        export = selectors.export_get_for_user(request.user, pk)
        if not export.is_ready:
            raise Http404
        try:
            handle = export.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=export.filename or "report",
            content_type=ReportExport.CONTENT_TYPES[ReportExport.Kind(export.kind)],
        )


class LiveMetricsApi(APIView):
    """The live figures of a region of the user's area for any days (this year by default)."""

    @extend_schema(
        operation_id="reports_metrics",
        parameters=[
            OpenApiParameter(
                "region",
                str,
                description=gettext_lazy(
                    "Division code (12 digits); the user's region if left out."
                ),
                pattern=r"^[0-9]{12}$",
            ),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
        responses={
            200: s.ReportsLiveMetricsSerializer,
            404: OpenApiResponse(
                description=gettext_lazy(
                    "No such region among those the user may see (or no reports for this user)."
                )
            ),
        },
    )
    def get(self, request: Request) -> Response:
        user = request.user
        code = request.query_params.get("region")
        region = selectors.region_for_user(user, code) if code else selectors.home_region(user)
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        data = selectors.live_metrics(region, metrics.Period(start, end))
        output = {"region": region, "start": start, "end": end, "metrics": data}
        return Response(s.ReportsLiveMetricsSerializer(output).data)
