"""The need-ledger API: thin views that scope, parse, call a service and serialise.

Every object is fetched through a selector in the user's region scope, so a stranger gets 404
before any permission check. Writes go through ``needs.services``: its PermissionDenied becomes
403 (DRF's exception handler), its ValidationError a 400 with the same field errors.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.errors import NON_FIELD, field_errors, plain_messages, service_errors
from accounts.filters import IdFilter
from accounts.net import client_ip
from accounts.scope import get_visible_or_404

from .. import filing, selectors, services
from ..filters import HouseholdFilterSet, NeedFilterSet
from ..models import Consent, Household, Member, Need, Visit
from ..views_filing import filing_response
from . import serializers as s

# --- Errors ----------------------------------------------------------------------------------


def _ledger_errors(
    exc: services.LedgerInvalid, members: list[services.MemberInput], submitted: int
) -> dict[str, Any]:
    """Household errors at the top level, member errors by the member's position in the input
    (``{"members": {"1": {"id_number": [...]}}}``, the shape DRF gives nested list errors)."""
    rename = {"__all__": NON_FIELD}
    detail: dict[str, Any] = field_errors(exc.household_errors, rename)
    for index, errors in sorted(exc.member_errors.items()):
        if index < submitted:
            detail.setdefault("members", {})[index] = field_errors(errors, rename)
        else:  # a current member that the request left out
            detail.setdefault(NON_FIELD, []).extend(
                f"{members[index].name}: {message}"
                for messages in errors.values()
                for message in plain_messages(messages)
            )
    return detail


# --- Scope and permission --------------------------------------------------------------------


def _require_ledger_keeper(user: Any) -> None:
    """403 at once for users who keep no ledger at all (civil affairs, charities): the same
    rule as the services', applied to the user's home region before the input is parsed."""
    services.require_editor(user, user.region_id or "")


class UserFilterBackend(DjangoFilterBackend):
    """django-filter for FilterSets whose choices depend on the user (``HouseholdFilterSet``)."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet, view: Any) -> dict:
        return {**super().get_filterset_kwargs(request, queryset, view), "user": request.user}


class NeedsByHouseholdFilterSet(django_filters.FilterSet):
    """Rows of one household (members, visits, consent); the queryset is already scoped."""

    household = IdFilter(label=_("Household"), field_name="household_id")


# --- Households ------------------------------------------------------------------------------


def _current_member_input(member: Member) -> services.MemberInput:
    return services.MemberInput(
        member_id=member.pk,
        name=member.name,
        relation=member.relation,
        id_number=member.id_number,
        sex=member.sex,
        birth_date=member.birth_date,
        phone=member.phone,
        disability_type=member.disability_type,
        disability_grade=member.disability_grade,
        health_notes=member.health_notes,
        school_or_work=member.school_or_work,
        statuses=[record.status for record in member.current_assistance],
        tags=[tag.tag for tag in member.tags.all()],
    )


def _member_inputs(
    submitted: list[dict[str, Any]], current: list[Member]
) -> list[services.MemberInput]:
    """Every member of the household, as the service expects them.

    The submitted entries come first and in order, so that the service's error positions are
    the request's; a field left out of an existing member's entry keeps its value (the API never
    sends the plain ID number, phone or health note, so a client cannot send them back). Current
    members the request does not mention follow unchanged.
    """
    kept = {member.pk: member for member in current}
    inputs = []
    for item in submitted:
        values = dict(item)
        member_id = values.pop("id", None)
        member = kept.pop(member_id, None) if member_id is not None else None
        if member is not None:
            current = _current_member_input(member)
            if values.get("id_number") and values["id_number"] != member.id_number:
                # A new number decides sex and date of birth: the stored ones were read from
                # the old number, so only values the request gives are compared with it.
                current = dataclasses.replace(current, sex="", birth_date=None)
            inputs.append(dataclasses.replace(current, **values))
        else:
            values = {"name": "", "relation": "", **values}
            inputs.append(services.MemberInput(member_id=member_id, **values))
    inputs.extend(_current_member_input(member) for member in kept.values())
    return inputs


def _household_members(user: Any, household: Household) -> list[Member]:
    return list(selectors.member_list_for_user(user).filter(household=household).order_by("id"))


def _household_save(request: Request, *, household: Household | None, partial: bool) -> Response:
    serializer = s.NeedsHouseholdInputSerializer(
        data=request.data, partial=partial, context={"request": request}
    )
    serializer.is_valid(raise_exception=True)
    fields = dict(serializer.validated_data)
    submitted = fields.pop("members", [])
    current: list[Member] = []
    if household is not None:
        current = _household_members(request.user, household)
        # Fields left out keep their value (the service would otherwise, for example, make the
        # requesting worker responsible for the household).
        fields = {name: getattr(household, name) for name in services.HOUSEHOLD_FIELDS} | fields
    members = _member_inputs(submitted, current)
    try:
        result = services.household_save(
            user=request.user, household=household, fields=fields, members=members
        )
    except services.LedgerThrottled as exc:
        # Too many ID numbers looked up this hour (needs.id_lookups): 429 with Retry-After.
        raise Throttled(wait=exc.retry_after, detail=exc.throttle_message) from exc
    except services.LedgerInvalid as exc:
        raise ValidationError(_ledger_errors(exc, members, len(submitted))) from exc
    saved = selectors.household_get_for_user(request.user, result.household.pk)
    output = s.NeedsHouseholdSavedOutputSerializer(
        saved,
        context={
            "members": _household_members(request.user, saved),
            "warnings": result.warnings,
            "withdrawn": result.withdrawn,
        },
    )
    return Response(output.data, status=status.HTTP_201_CREATED if result.created else 200)


class HouseholdListCreateApi(GenericAPIView):
    """Households of the user's area (the household information summary table), and recording
    a new household with its members."""

    serializer_class = s.NeedsHouseholdInputSerializer  # the browsable API's form and OPTIONS
    filter_backends = [UserFilterBackend]
    filterset_class = HouseholdFilterSet

    def get_queryset(self) -> QuerySet[Household]:
        if getattr(self, "swagger_fake_view", False):
            return Household.objects.none()
        return selectors.household_list_for_user(self.request.user)

    @extend_schema(
        operation_id="needs_households_list",
        responses=s.NeedsHouseholdListOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = s.NeedsHouseholdListOutputSerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="needs_households_create",
        request=s.NeedsHouseholdInputSerializer,
        responses={201: s.NeedsHouseholdSavedOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        _require_ledger_keeper(request.user)
        return _household_save(request, household=None, partial=False)


class HouseholdDetailApi(APIView):
    """One household with its current members; changing it and its members."""

    @extend_schema(
        operation_id="needs_households_retrieve",
        responses=s.NeedsHouseholdDetailOutputSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        household = selectors.household_get_for_user(request.user, pk)
        output = s.NeedsHouseholdDetailOutputSerializer(
            household, context={"members": _household_members(request.user, household)}
        )
        return Response(output.data)

    @extend_schema(
        operation_id="needs_households_update",
        request=s.NeedsHouseholdInputSerializer,
        responses=s.NeedsHouseholdSavedOutputSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        operation_id="needs_households_partial_update",
        request=s.NeedsHouseholdInputSerializer,
        responses=s.NeedsHouseholdSavedOutputSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        household = selectors.household_get_for_user(request.user, pk)
        services.require_editor(request.user, household.region_id)
        return _household_save(request, household=household, partial=partial)


# --- Members ---------------------------------------------------------------------------------


class MemberListApi(GenericAPIView):
    """Current members of the households of the user's area (written through their household)."""

    serializer_class = s.NeedsMemberOutputSerializer
    filterset_class = NeedsByHouseholdFilterSet

    def get_queryset(self) -> QuerySet[Member]:
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        return selectors.member_list_for_user(self.request.user)

    @extend_schema(
        operation_id="needs_members_list", responses=s.NeedsMemberOutputSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.NeedsMemberOutputSerializer(page, many=True).data)


class MemberDetailApi(APIView):
    """One current member."""

    @extend_schema(operation_id="needs_members_retrieve", responses=s.NeedsMemberOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = get_visible_or_404(
            selectors.member_list_for_user(request.user), request.user, pk=pk
        )
        return Response(s.NeedsMemberOutputSerializer(member).data)


# --- Visits ----------------------------------------------------------------------------------


class VisitListCreateApi(GenericAPIView):
    """Home visits of the user's area, and recording a visit."""

    serializer_class = s.NeedsVisitInputSerializer
    filterset_class = NeedsByHouseholdFilterSet

    def get_queryset(self) -> QuerySet[Visit]:
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        return selectors.visit_list_for_user(self.request.user)

    @extend_schema(
        operation_id="needs_visits_list", responses=s.NeedsVisitOutputSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.NeedsVisitOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="needs_visits_create",
        request=s.NeedsVisitInputSerializer,
        responses={201: s.NeedsVisitOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        _require_ledger_keeper(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            visit = services.visit_record(user=request.user, **serializer.validated_data)
        return Response(s.NeedsVisitOutputSerializer(visit).data, status=status.HTTP_201_CREATED)


class VisitDetailApi(APIView):
    """One home visit."""

    @extend_schema(operation_id="needs_visits_retrieve", responses=s.NeedsVisitOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        visit = get_visible_or_404(selectors.visit_list_for_user(request.user), request.user, pk=pk)
        return Response(s.NeedsVisitOutputSerializer(visit).data)


# --- Needs -----------------------------------------------------------------------------------


class NeedListCreateApi(GenericAPIView):
    """The need list (需求信息清单) of the user's area, and registering a need."""

    serializer_class = s.NeedsNeedInputSerializer
    filterset_class = NeedFilterSet

    def get_queryset(self) -> QuerySet[Need]:
        if getattr(self, "swagger_fake_view", False):
            return Need.objects.none()
        return selectors.need_list_for_user(self.request.user)

    @extend_schema(
        operation_id="needs_needs_list", responses=s.NeedsNeedOutputSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.NeedsNeedOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="needs_needs_create",
        request=s.NeedsNeedInputSerializer,
        responses={201: s.NeedsNeedOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        _require_ledger_keeper(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            need = services.need_register(user=request.user, **serializer.validated_data)
        return Response(s.NeedsNeedOutputSerializer(need).data, status=status.HTTP_201_CREATED)


class NeedDetailApi(APIView):
    """One need; changing a live one (its status moves only through the transition action)."""

    @extend_schema(operation_id="needs_needs_retrieve", responses=s.NeedsNeedOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        need = selectors.need_get_for_user(request.user, pk)
        return Response(s.NeedsNeedOutputSerializer(need).data)

    @extend_schema(
        operation_id="needs_needs_update",
        request=s.NeedsNeedUpdateInputSerializer,
        responses=s.NeedsNeedOutputSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        operation_id="needs_needs_partial_update",
        request=s.NeedsNeedUpdateInputSerializer,
        responses=s.NeedsNeedOutputSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        need = selectors.need_get_for_user(request.user, pk)
        services.require_editor(request.user, need.household.region_id)
        serializer = s.NeedsNeedUpdateInputSerializer(
            data=request.data, partial=partial, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        with service_errors():
            need = services.need_update(user=request.user, need=need, **serializer.validated_data)
        return Response(s.NeedsNeedOutputSerializer(need).data)


class NeedTransitionApi(APIView):
    """Move a need along its life cycle (open → matching → met; closing unmet or withdrawing
    needs a reason). A need that closes withdraws its open applications (draft, submitted or
    accepted; delivered aid stays): the answer lists them under ``withdrawn``."""

    @extend_schema(
        operation_id="needs_needs_transition",
        request=s.NeedsNeedTransitionInputSerializer,
        responses=s.NeedsNeedTransitionOutputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        need = selectors.need_get_for_user(request.user, pk)
        services.require_editor(request.user, need.household.region_id)
        serializer = s.NeedsNeedTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors(status="to"):
            need = services.need_transition(
                user=request.user, need=need, **serializer.validated_data
            )
        return Response(s.NeedsNeedTransitionOutputSerializer(need).data)


# --- Consent ---------------------------------------------------------------------------------


class ConsentListCreateApi(GenericAPIView):
    """Recorded consent (知情同意) of the user's area, and recording consent."""

    serializer_class = s.NeedsConsentInputSerializer
    filterset_class = NeedsByHouseholdFilterSet

    def get_queryset(self) -> QuerySet[Consent]:
        if getattr(self, "swagger_fake_view", False):
            return Consent.objects.none()
        return selectors.consent_list_for_user(self.request.user)

    @extend_schema(
        operation_id="needs_consents_list", responses=s.NeedsConsentOutputSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.NeedsConsentOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="needs_consents_create",
        request=s.NeedsConsentInputSerializer,
        responses={201: s.NeedsConsentOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        _require_ledger_keeper(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        recipients = [(r["name"], r.get("credit_code", "")) for r in values.pop("recipients", [])]
        with service_errors():
            consent = services.consent_record(user=request.user, recipients=recipients, **values)
        consent = selectors.consent_get_for_user(request.user, consent.pk)
        return Response(
            s.NeedsConsentOutputSerializer(consent).data, status=status.HTTP_201_CREATED
        )


class ConsentDetailApi(APIView):
    """One recorded consent with the organisations it names."""

    @extend_schema(operation_id="needs_consents_retrieve", responses=s.NeedsConsentOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        consent = selectors.consent_get_for_user(request.user, pk)
        return Response(s.NeedsConsentOutputSerializer(consent).data)


class ConsentRevokeApi(APIView):
    """Revoke consent; nothing more is shared on its strength."""

    @extend_schema(
        operation_id="needs_consents_revoke",
        request=s.NeedsConsentRevokeInputSerializer,
        responses=s.NeedsConsentOutputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        consent = selectors.consent_get_for_user(request.user, pk)
        services.require_editor(request.user, consent.household.region_id)
        serializer = s.NeedsConsentRevokeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            consent = services.consent_revoke(
                user=request.user, consent=consent, **serializer.validated_data
            )
        return Response(s.NeedsConsentOutputSerializer(consent).data)


# --- Filing export ---------------------------------------------------------------------------


class FilingExportApi(APIView):
    """The need ledger's filing export for the social-assistance platform, streamed as CSV or
    JSON in the layout of docs/filing-export.md: masked unless ``full`` with a ``reason``, which
    writes one access-log row. A region outside the user's area: 404."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="needs_filing_export",
        request=s.NeedsFilingExportInputSerializer,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
        },
    )
    def post(self, request: Request) -> StreamingHttpResponse:
        user = request.user
        if not filing.can_file(user):
            raise Http404
        serializer = s.NeedsFilingExportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        filters = filing.FilingFilters(
            region=filing.filing_region_for_user(user, data.get("region")),
            statuses=tuple(data.get("need_statuses") or ()),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
        )
        if data["full"]:
            with service_errors():
                filing.filing_full_log(
                    user=user,
                    filters=filters,
                    fmt=data["format"],
                    reason=data.get("reason", ""),
                    ip_address=client_ip(request),
                )
        return filing_response(user, filters, fmt=data["format"], full=data["full"])
