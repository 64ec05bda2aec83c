"""The risk early-warning API: the signals of the households the user sees (filters by rule
and status) and the resolve action. Signals are fetched in the user's scope, so a stranger
gets 404; a refused resolve (no note, already resolved) is a 400 with the field errors and
the refusal's ``code``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.errors import service_errors

from .. import selectors_risk as selectors
from .. import services_risk as services
from ..models import RiskRule, RiskSignal
from .serializers import _choice_field

RuleField = _choice_field(RiskRule.choices, "OversightRiskRuleEnum")
SignalStatusField = _choice_field(RiskSignal.Status.choices, "OversightRiskSignalStatusEnum")


class OversightRiskSignalSerializer(serializers.ModelSerializer):
    rule = RuleField(read_only=True)
    status = SignalStatusField(read_only=True)
    household_code = serializers.CharField(source="household.code", read_only=True)
    region_name = serializers.CharField(source="household.region.name", read_only=True)
    sentence = serializers.CharField(read_only=True)
    facts = serializers.SerializerMethodField()
    cleared_by_job = serializers.BooleanField(read_only=True)

    class Meta:
        model = RiskSignal
        fields = [
            "id",
            "rule",
            "status",
            "household",
            "household_code",
            "member",
            "region_name",
            "facts",
            "sentence",
            "first_fired_on",
            "last_seen_on",
            "resolved_at",
            "cleared_by_job",
        ]

    @extend_schema_field(
        serializers.DictField(help_text="Dates, counts and thresholds; never a name.")
    )
    def get_facts(self, obj: RiskSignal) -> dict[str, Any]:
        return obj.facts


class OversightRiskSignalDetailSerializer(OversightRiskSignalSerializer):
    resolution_note = serializers.CharField(read_only=True)
    resolved_by_name = serializers.SerializerMethodField()

    class Meta(OversightRiskSignalSerializer.Meta):
        fields = [*OversightRiskSignalSerializer.Meta.fields, "resolution_note", "resolved_by_name"]

    def get_resolved_by_name(self, obj: RiskSignal) -> str:
        return str(obj.resolved_by) if obj.resolved_by_id else ""


class OversightRiskResolveInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, allow_blank=True)


STATUS = OpenApiParameter(
    "status", str, enum=list(selectors.STATUSES), description="open (the default), resolved, all."
)
RULE = OpenApiParameter("rule", str, enum=RiskRule.values, description="One rule (all if empty).")


class RiskSignalListApi(ListAPIView):
    """Risk signals of the households the user sees."""

    serializer_class = OversightRiskSignalSerializer

    def get_queryset(self) -> QuerySet[RiskSignal]:
        if getattr(self, "swagger_fake_view", False):
            return RiskSignal.objects.none()
        status = self.request.query_params.get("status") or "open"
        rule = self.request.query_params.get("rule") or ""
        if status not in selectors.STATUSES:
            raise ValidationError({"status": [", ".join(selectors.STATUSES)]})
        if rule and rule not in RiskRule.values:
            raise ValidationError({"rule": [", ".join(RiskRule.values)]})
        return selectors.risk_signal_list_for_user(self.request.user, status=status, rule=rule)

    @extend_schema(operation_id="oversight_risk_signals_list", parameters=[STATUS, RULE])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RiskSignalDetailApi(APIView):
    """One signal with its facts (and, once resolved, the note)."""

    @extend_schema(
        operation_id="oversight_risk_signals_retrieve",
        responses=OversightRiskSignalDetailSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        signal = selectors.risk_signal_get_for_user(request.user, pk)
        return Response(OversightRiskSignalDetailSerializer(signal).data)


class RiskSignalResolveApi(APIView):
    """Resolve an open signal with a note saying what was done (required)."""

    @extend_schema(
        operation_id="oversight_risk_signals_resolve",
        request=OversightRiskResolveInputSerializer,
        responses=OversightRiskSignalDetailSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        signal = selectors.risk_signal_get_for_user(request.user, pk)
        serializer = OversightRiskResolveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                services.risk_signal_resolve(
                    user=request.user, signal=signal, note=serializer.validated_data["note"]
                )
        except ValidationError as exc:
            cause = exc.__cause__
            if isinstance(cause, services.RiskSignalError) and isinstance(exc.detail, dict):
                exc.detail["code"] = cause.code
            raise
        signal = selectors.risk_signal_get_for_user(request.user, pk)
        return Response(OversightRiskSignalDetailSerializer(signal).data)
