"""The oversight API: thin views that scope, parse, call a service and serialise.

Complaints are fetched in the user's scope (``selectors``), so a stranger, and the staff a
complaint names, get 404 before anything else. A refused action
(``services.ComplaintError``) is a 400 with the field errors and the refusal's ``code``. The
public files and tracks complaints on the pages (``/complaints/``), not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.errors import service_errors

from .. import selectors, services
from ..models import Complaint
from . import serializers as s


@contextmanager
def refusals() -> Iterator[None]:
    """``service_errors()``, plus the code of a refused action under ``code``."""
    try:
        with service_errors():
            yield
    except ValidationError as exc:
        cause = exc.__cause__
        code = cause.code if isinstance(cause, services.ComplaintError) else None
        if code and isinstance(exc.detail, dict):
            exc.detail["code"] = code
        raise


STATUS = OpenApiParameter(
    "status",
    str,
    enum=list(selectors.FILTERS),
    description="open (the default), overdue, received, investigating, concluded or all.",
)


class ComplaintListApi(ListAPIView):
    """Complaints of the user's civil-affairs departments (and below)."""

    serializer_class = s.OversightComplaintRowSerializer

    def get_queryset(self) -> QuerySet[Complaint]:
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        wanted = self.request.query_params.get("status") or "open"
        if wanted not in selectors.FILTERS:
            raise ValidationError({"status": [", ".join(selectors.FILTERS)]})
        return selectors.complaint_list_for_user(self.request.user, wanted)

    @extend_schema(operation_id="oversight_complaints_list", parameters=[STATUS])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _detail(request: Request, pk: int) -> Response:
    complaint = selectors.complaint_get_for_user(request.user, pk)
    return Response(s.OversightComplaintSerializer(complaint).data)


class ComplaintDetailApi(APIView):
    """One complaint, with what the complainant wrote and their contact masked."""

    @extend_schema(
        operation_id="oversight_complaints_retrieve", responses=s.OversightComplaintSerializer
    )
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)


class ComplaintStartApi(APIView):
    """Start the investigation (the caller becomes the handler)."""

    @extend_schema(
        operation_id="oversight_complaints_start",
        request=None,
        responses=s.OversightComplaintSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        complaint = selectors.complaint_get_for_user(request.user, pk)
        with refusals():
            services.complaint_start(user=request.user, complaint=complaint)
        return _detail(request, pk)


class ComplaintConcludeApi(APIView):
    """Conclude with the finding and the reply the complainant reads."""

    @extend_schema(
        operation_id="oversight_complaints_conclude",
        request=s.OversightConcludeInputSerializer,
        responses=s.OversightComplaintSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        complaint = selectors.complaint_get_for_user(request.user, pk)
        serializer = s.OversightConcludeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with refusals():
            services.complaint_conclude(
                user=request.user, complaint=complaint, **serializer.validated_data
            )
        return _detail(request, pk)
