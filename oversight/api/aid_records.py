"""The member units' push API (``/api/oversight/aid-records/``): thin views over
``oversight.aid_records``.

A member unit's login (a token from ``/api/token/``, ExpiringTokenAuthentication) pushes one
record (``POST aid-records/``) or up to 500 at once (``POST aid-records/batch/``, all or
nothing), and lists and reads its own records; civil affairs and administrators list and read
those of their area. The answers:

* 201 — a new record (a batch: at least one new record), matched to the ledger or waiting;
* 200 — the same record id with the same content again: the record already there, unchanged;
* 400 — a record does not read (``code: invalid``), with the messages by field;
* 403 — not a member unit's login (``not_member_unit``), or a record for a region outside the
  unit's, or of a person on another region's need ledger (``forbidden_region``);
* 409 — a record id pushed before with other content (``conflict``): records are not changed
  once pushed; push the correction under a new record id.

A refused batch lists each refused record by its position (``index``, from 0) and record id,
and answers with the worst code of them (403 before 409 before 400); nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.errors import NON_FIELD, field_errors
from accounts.scope import get_visible_or_404

from .. import aid_records as service
from ..models import AidRecord
from .serializers import _choice_field

KindField = _choice_field(AidRecord.Kind.choices, "OversightAidRecordKindEnum")
AidStatusField = _choice_field(AidRecord.Status.choices, "OversightAidRecordStatusEnum")
STATUS_CODES = {
    "not_member_unit": status.HTTP_403_FORBIDDEN,
    "forbidden_region": status.HTTP_403_FORBIDDEN,
    "conflict": status.HTTP_409_CONFLICT,
    "invalid": status.HTTP_400_BAD_REQUEST,
}
FILTERS = ("all", *AidRecord.Status.values)


class OversightAidRecordInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=64, help_text="The unit's own record id: pushing it again changes nothing."
    )
    id_number = serializers.CharField(
        max_length=40,
        help_text="Citizen ID number (18 characters; full-width digits and a lower-case x are "
        "read as 0-9 and X; digits of other scripts are refused).",
    )
    person_name = serializers.CharField(max_length=50)
    kind = KindField()
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    given_on = serializers.DateField()
    region = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        help_text="12-digit division code where the person lives, inside the unit's region "
        "(default: the unit's region).",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class OversightAidRecordBatchInputSerializer(serializers.Serializer):
    records = OversightAidRecordInputSerializer(many=True, allow_empty=False, max_length=500)


class OversightAidRecordSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    id_number_masked = serializers.CharField(read_only=True)
    person_name_masked = serializers.CharField(read_only=True)
    kind = KindField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = AidStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = AidRecord
        fields = [
            "id",
            "number",
            "external_id",
            "unit",
            "region",
            "region_name",
            "id_number_masked",
            "person_name_masked",
            "kind",
            "kind_display",
            "amount",
            "given_on",
            "status",
            "status_display",
            "matched_at",
            "created_at",
        ]
        read_only_fields = fields


class OversightAidPushItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class OversightAidPushRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=list(STATUS_CODES))
    errors = OversightAidPushItemErrorSerializer(many=True)


class OversightAidBatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    matched = serializers.IntegerField()
    records = OversightAidRecordSerializer(many=True)


REFUSALS = {
    # The bodies of 400 and 403 are the common ones (ValidationErrors, ErrorDetail) with
    # ``code`` and ``errors`` added, as a 409's.
    400: OpenApiResponse(description="A record does not read (code invalid): nothing written."),
    403: OpenApiResponse(
        description="Not a member unit's login, or a record outside the unit's region "
        "(code forbidden_region): nothing written."
    ),
    409: OpenApiResponse(
        OversightAidPushRefusedSerializer,
        description="A record id pushed before with other content: nothing written.",
    ),
}


def _refused(exc: service.PushRefused) -> Response:
    items = [
        {
            "index": item.index,
            "external_id": item.external_id,
            "code": item.code,
            "errors": field_errors(item.errors, {"__all__": NON_FIELD}),
        }
        for item in exc.items
    ]
    detail = _("%(n)s record(s) refused: nothing was written.") % {"n": len(items)}
    return Response(
        {"detail": detail, "code": exc.code, "errors": items}, status=STATUS_CODES[exc.code]
    )


def _push(request: Request, items: list[dict[str, Any]]) -> service.PushResult | Response:
    try:
        return service.aid_records_push(user=request.user, items=items)
    except service.PushRefused as exc:
        return _refused(exc)


def _records(user: Any) -> QuerySet[AidRecord]:
    return AidRecord.objects.visible_to(user).select_related("unit", "region")


STATUS = OpenApiParameter(
    "status",
    str,
    enum=list(FILTERS),
    description="all (the default), matched, unmatched or dismissed.",
)


class AidRecordListCreateApi(ListAPIView):
    """A member unit's own records (civil affairs: those of their area), and pushing one."""

    serializer_class = OversightAidRecordSerializer

    def get_queryset(self) -> QuerySet[AidRecord]:
        if getattr(self, "swagger_fake_view", False):
            return AidRecord.objects.none()
        wanted = self.request.query_params.get("status") or "all"
        if wanted not in FILTERS:
            raise ValidationError({"status": [", ".join(FILTERS)]})
        found = _records(self.request.user)
        return found if wanted == "all" else found.filter(status=wanted)

    @extend_schema(operation_id="oversight_aid_records_list", parameters=[STATUS])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="oversight_aid_records_push",
        request=OversightAidRecordInputSerializer,
        responses={
            201: OversightAidRecordSerializer,
            200: OversightAidRecordSerializer,
            **REFUSALS,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = OversightAidRecordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = _push(request, [serializer.validated_data])
        if isinstance(result, Response):
            return result
        [pushed] = result.records
        return Response(
            OversightAidRecordSerializer(pushed.record).data,
            status=status.HTTP_201_CREATED if pushed.created else status.HTTP_200_OK,
        )


class AidRecordBatchApi(APIView):
    """Push up to 500 records at once, all or nothing."""

    @extend_schema(
        operation_id="oversight_aid_records_push_batch",
        request=OversightAidRecordBatchInputSerializer,
        responses={
            201: OversightAidBatchResultSerializer,
            200: OversightAidBatchResultSerializer,
            **REFUSALS,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = OversightAidRecordBatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = _push(request, serializer.validated_data["records"])
        if isinstance(result, Response):
            return result
        data = {
            "created": result.created,
            "unchanged": result.unchanged,
            "matched": result.matched,
            "records": [p.record for p in result.records],
        }
        return Response(
            OversightAidBatchResultSerializer(data).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class AidRecordDetailApi(APIView):
    """One record of the unit (civil affairs: of their area)."""

    @extend_schema(
        operation_id="oversight_aid_records_retrieve", responses=OversightAidRecordSerializer
    )
    def get(self, request: Request, pk: int) -> Response:
        record = get_visible_or_404(_records(request.user), request.user, pk=pk)
        return Response(OversightAidRecordSerializer(record).data)
