"""The supply-ledger API: thin views that scope, parse, call a service and serialise.

Every object is fetched through a selector in the user's scope, so a stranger gets 404 before any
permission check. Writes go through ``supply.services``: its PermissionDenied becomes 403 (DRF's
exception handler), its ValidationError a 400 with the same field errors under the input's
names. Ledger editions are sent to every township station: every logged-in user reads them.
"""

from __future__ import annotations

import logging
from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import identifiers
from accounts.api.errors import service_errors
from accounts.filters import IdFilter
from accounts.models import Region, User

from .. import selectors, services
from ..filters import ProjectFilterSet
from ..models import (
    LedgerEdition,
    LedgerEntry,
    LedgerEntryCoverage,
    ListingChange,
    Organization,
    Project,
    Tier,
    coverage_reaching,
)
from . import serializers as s

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The services name term errors by kind; the API by its field names.
TERM_ERRORS = {str(kind): name for kind, name in s.TERM_FIELDS.items()}


# --- Errors ----------------------------------------------------------------------------------


# --- Organisations ---------------------------------------------------------------------------


def _staff_shown(user: Any, organization: Organization) -> list[User] | None:
    """An organisation's staff, by name, for its own staff and the department that keeps its
    tier; nobody else (another charity, another department) learns who they are."""
    if services.keeps_tier(user, organization) or services.is_staff_of(user, organization):
        return list(organization.staff.order_by("name", "pk"))
    return None


class OrganizationListCreateApi(GenericAPIView):
    """Organisations the user may see (civil affairs: registered in its area; charity staff:
    their own), and registering one with the civil affairs of its tier."""

    serializer_class = s.SupplyOrganizationInputSerializer

    def get_queryset(self) -> QuerySet[Organization]:
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        return selectors.organization_list_for_user(self.request.user)

    @extend_schema(
        operation_id="supply_organizations_list",
        responses=s.SupplyOrganizationListOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = s.SupplyOrganizationListOutputSerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="supply_organizations_create",
        request=s.SupplyOrganizationInputSerializer,
        responses={201: s.SupplyOrganizationSavedOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        user = request.user
        # 403 before the input is parsed: the staff field must not tell a stranger which
        # charity accounts exist.
        if not (user.is_administrator or user.role == User.Role.CIVIL_AFFAIRS):
            raise PermissionDenied(
                _("Only civil affairs of the registering department can register it.")
            )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            organization, warnings = services.organization_register(
                user=user, **serializer.validated_data
            )
        organization = selectors.organization_get_for_user(user, organization.pk)
        output = s.SupplyOrganizationSavedOutputSerializer(
            organization,
            context={"staff": _staff_shown(user, organization), "warnings": warnings},
        )
        return Response(output.data, status=status.HTTP_201_CREATED)


class OrganizationDetailApi(APIView):
    """One organisation with its service areas (and its staff, for those who may see them)."""

    @extend_schema(
        operation_id="supply_organizations_retrieve",
        responses=s.SupplyOrganizationDetailOutputSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        organization = selectors.organization_get_for_user(request.user, pk)
        output = s.SupplyOrganizationDetailOutputSerializer(
            organization, context={"staff": _staff_shown(request.user, organization)}
        )
        return Response(output.data)


class OrganizationCharityStatusApi(APIView):
    """Record an organisation's charitable status (登记或认定为慈善组织) and public fundraising
    qualification: the registering department only. The disclosure rules follow it."""

    @extend_schema(
        operation_id="supply_organizations_charity_status",
        request=s.SupplyOrganizationCharityStatusInputSerializer,
        responses=s.SupplyOrganizationDetailOutputSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        user = request.user
        organization = selectors.organization_get_for_user(user, pk)
        if not services.keeps_tier(user, organization):
            raise PermissionDenied(
                _("Only civil affairs of the registering department can change this organisation.")
            )
        serializer = s.SupplyOrganizationCharityStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            organization = services.organization_set_charity_status(
                user=user, organization=organization, **serializer.validated_data
            )
        output = s.SupplyOrganizationDetailOutputSerializer(
            organization, context={"staff": _staff_shown(user, organization)}
        )
        return Response(output.data)


# --- Projects --------------------------------------------------------------------------------


def _terms_and_coverage(
    data: dict[str, Any], project: Project | None
) -> tuple[dict[str, list[str]], list[Region]]:
    """Terms by kind and coverage as the services take them; those left out of the input keep
    the project's current ones (none for a new project)."""
    terms = {}
    for kind, name in s.TERM_FIELDS.items():
        if name in data:
            terms[str(kind)] = list(data[name])
        else:
            terms[str(kind)] = (
                [t.value for t in project.terms.all() if t.kind == kind] if project else []
            )
    if "coverage" in data:
        coverage = list(data["coverage"])
    else:
        coverage = [c.region for c in project.coverage.all()] if project else []
    return terms, coverage


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in services.PROJECT_FIELDS if name in data}


def _require_staff_or_tier(user: Any, organization: Organization) -> None:
    """403 before the input is parsed, for users the service would refuse anyway."""
    if not (services.is_staff_of(user, organization) or services.keeps_tier(user, organization)):
        raise PermissionDenied(
            _("Only the organisation's staff or civil affairs of its tier can change it.")
        )


def _project_output(user: Any, project: Project, status_code: int = status.HTTP_200_OK) -> Response:
    """The listing as saved, read again through the selector (terms and coverage loaded)."""
    project = selectors.project_get_for_user(user, project.pk)
    return Response(s.SupplyProjectDetailOutputSerializer(project).data, status=status_code)


class ProjectListCreateApi(GenericAPIView):
    """The supply ledger as the user may see it (published listings; drafts and reviews of the
    user's organisations or tier), filtered by the ledger's FilterSet; creating a draft."""

    serializer_class = s.SupplyProjectInputSerializer
    filterset_class = ProjectFilterSet

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.project_list_for_user(self.request.user)

    @extend_schema(
        operation_id="supply_projects_list",
        responses=s.SupplyProjectListOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            s.SupplyProjectListOutputSerializer(page, many=True).data
        )

    @extend_schema(
        operation_id="supply_projects_create",
        request=s.SupplyProjectInputSerializer,
        responses={201: s.SupplyProjectDetailOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = data.pop("organization")
        terms, coverage = _terms_and_coverage(data, project=None)
        with service_errors(**TERM_ERRORS):
            project = services.project_save(
                user=request.user,
                organization=organization,
                fields=_fields(data),
                terms=terms,
                coverage=coverage,
            )
        return _project_output(request.user, project, status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    """One listing in full; changing it while it is a draft or waiting for review (a published
    listing changes through a reviewed change: POST .../changes/)."""

    @extend_schema(
        operation_id="supply_projects_retrieve", responses=s.SupplyProjectDetailOutputSerializer
    )
    def get(self, request: Request, pk: int) -> Response:
        project = selectors.project_get_for_user(request.user, pk)
        return Response(s.SupplyProjectDetailOutputSerializer(project).data)

    @extend_schema(
        operation_id="supply_projects_update",
        request=s.SupplyProjectUpdateInputSerializer,
        responses=s.SupplyProjectDetailOutputSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        operation_id="supply_projects_partial_update",
        request=s.SupplyProjectUpdateInputSerializer,
        responses=s.SupplyProjectDetailOutputSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        project = selectors.project_get_for_user(request.user, pk)
        _require_staff_or_tier(request.user, project.organization)
        serializer = s.SupplyProjectUpdateInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        terms, coverage = _terms_and_coverage(data, project)
        # Fields left out keep their value (and the service compares like with like).
        current = {name: getattr(project, name) for name in services.PROJECT_FIELDS}
        with service_errors(**TERM_ERRORS):
            project = services.project_save(
                user=request.user,
                organization=project.organization,
                project=project,
                fields=current | _fields(data),
                terms=terms,
                coverage=coverage,
            )
        return _project_output(request.user, project)


class ProjectTransitionApi(APIView):
    """Move a listing: the charity submits a draft for review; civil affairs of its tier publish
    it or return it (with a reason); either pauses, resumes or closes it."""

    @extend_schema(
        operation_id="supply_projects_transition",
        request=s.SupplyProjectTransitionInputSerializer,
        responses=s.SupplyProjectDetailOutputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        project = selectors.project_get_for_user(request.user, pk)
        serializer = s.SupplyProjectTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors(status="to"):
            project = services.project_transition(
                user=request.user, project=project, **serializer.validated_data
            )
        return _project_output(request.user, project)


class ProjectConfirmApi(APIView):
    """The organisation (or its tier) confirms that a published listing is still right."""

    @extend_schema(
        operation_id="supply_projects_confirm",
        request=None,
        responses=s.SupplyProjectDetailOutputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        project = selectors.project_get_for_user(request.user, pk)
        with service_errors():
            project = services.project_confirm(user=request.user, project=project)
        return _project_output(request.user, project)


class ProjectChangeCreateApi(APIView):
    """Propose a change of a published listing; it applies only when civil affairs of the
    organisation's tier approve it. Anything left out keeps its value."""

    @extend_schema(
        operation_id="supply_projects_changes_create",
        request=s.SupplyProjectUpdateInputSerializer,
        responses={201: s.SupplyListingChangeDetailOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        project = selectors.project_get_for_user(request.user, pk)
        if not services.is_staff_of(request.user, project.organization):
            raise PermissionDenied(
                _("Only the organisation's staff propose changes to its listing.")
            )
        serializer = s.SupplyProjectUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        terms, coverage = _terms_and_coverage(data, project)
        with service_errors(**TERM_ERRORS):
            change = services.listing_change_submit(
                user=request.user,
                project=project,
                fields=_fields(data),
                terms=terms,
                coverage=coverage,
            )
        change = _change_get_for_user(request.user, change.pk)
        return Response(_change_detail(change), status=status.HTTP_201_CREATED)


# --- Listing changes -------------------------------------------------------------------------


def _change_get_for_user(user: Any, pk: Any) -> ListingChange:
    """A listing change of an organisation the user may see (its own staff; civil affairs of
    its area; administrators), else 404 — the same answer for missing and forbidden."""
    organizations = selectors.organization_list_for_user(user).values("pk")
    changes = ListingChange.objects.filter(project__organization__in=organizations)
    return get_object_or_404(changes.select_related("project"), pk=pk)


def _change_detail(change: ListingChange) -> dict[str, Any]:
    return s.SupplyListingChangeDetailOutputSerializer(
        change, context={"diff": services.listing_change_diff(change)}
    ).data


class ListingChangeFilterSet(django_filters.FilterSet):
    project = IdFilter(label=gettext_lazy("Project"), field_name="project_id")
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=ListingChange.Status.choices
    )


class ListingChangeListApi(GenericAPIView):
    """Listing changes: for civil affairs, the changes waiting for the user's own department;
    for charity staff, every change of their organisations' listings."""

    serializer_class = s.SupplyListingChangeOutputSerializer
    filterset_class = ListingChangeFilterSet

    def get_queryset(self) -> QuerySet[ListingChange]:
        if getattr(self, "swagger_fake_view", False):
            return ListingChange.objects.none()
        user = self.request.user
        if user.role == User.Role.CHARITY:
            return selectors.changes_for_charity(user)
        return selectors.review_queue_for_user(user)

    @extend_schema(
        operation_id="supply_changes_list",
        responses=s.SupplyListingChangeOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            s.SupplyListingChangeOutputSerializer(page, many=True).data
        )


class ListingChangeDetailApi(APIView):
    """One proposed change with its field-by-field diff."""

    @extend_schema(
        operation_id="supply_changes_retrieve",
        responses=s.SupplyListingChangeDetailOutputSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_change_detail(_change_get_for_user(request.user, pk)))


class ListingChangeApproveApi(APIView):
    """Approve a change: the listing takes the proposed values (and counts as confirmed)."""

    @extend_schema(
        operation_id="supply_changes_approve",
        request=None,
        responses=s.SupplyListingChangeDetailOutputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        change = _change_get_for_user(request.user, pk)
        with service_errors():
            services.listing_change_approve(user=request.user, change=change)
        return Response(_change_detail(_change_get_for_user(request.user, pk)))


class ListingChangeRejectApi(APIView):
    """Reject a change, saying why; the listing stays as it is."""

    @extend_schema(
        operation_id="supply_changes_reject",
        request=s.SupplyListingChangeRejectInputSerializer,
        responses=s.SupplyListingChangeDetailOutputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        change = _change_get_for_user(request.user, pk)
        serializer = s.SupplyListingChangeRejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            change = services.listing_change_reject(
                user=request.user, change=change, **serializer.validated_data
            )
        return Response(_change_detail(change))


# --- Ledger editions -------------------------------------------------------------------------


def _edition_get(pk: Any) -> LedgerEdition:
    # Editions are published to every township station: no scope beyond being logged in.
    return get_object_or_404(LedgerEdition.objects.all(), pk=pk)


class LedgerEntryFilterSet(django_filters.FilterSet):
    tier = django_filters.ChoiceFilter(label=gettext_lazy("Tier"), choices=Tier.choices)
    change = django_filters.ChoiceFilter(
        label=gettext_lazy("change since the last edition"), choices=LedgerEntry.Change.choices
    )
    covers = django_filters.CharFilter(
        label=gettext_lazy("Covers region (code)"), method="covering"
    )

    def covering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Entries available to some place of a region, as the edition froze their coverage:
        covering it or a region above it, or a part of it."""
        code = identifiers.ascii_digits(value)
        if code is None:
            return queryset
        ids = LedgerEntryCoverage.objects.filter(coverage_reaching(code)).values("entry_id")
        return queryset.filter(pk__in=ids)


class LedgerEditionListApi(GenericAPIView):
    """The half-yearly editions of the three-tier ledger, newest first."""

    serializer_class = s.SupplyLedgerEditionOutputSerializer

    def get_queryset(self) -> QuerySet[LedgerEdition]:
        return LedgerEdition.objects.order_by("-period")

    @extend_schema(
        operation_id="supply_editions_list",
        responses=s.SupplyLedgerEditionOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            s.SupplyLedgerEditionOutputSerializer(
                page, many=True, context={"request": request}
            ).data
        )


class LedgerEditionDetailApi(APIView):
    """One edition: its figures, content hash and workbook."""

    @extend_schema(
        operation_id="supply_editions_retrieve", responses=s.SupplyLedgerEditionOutputSerializer
    )
    def get(self, request: Request, pk: int) -> Response:
        output = s.SupplyLedgerEditionOutputSerializer(
            _edition_get(pk), context={"request": request}
        )
        return Response(output.data)


class LedgerEntryListApi(GenericAPIView):
    """The entries of an edition, each a listing as the edition froze it; ``covers`` gives a
    township station the entries that reach it."""

    serializer_class = s.SupplyLedgerEntryOutputSerializer
    filterset_class = LedgerEntryFilterSet

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        if getattr(self, "swagger_fake_view", False):
            return LedgerEntry.objects.none()
        edition = _edition_get(self.kwargs["pk"])
        return edition.entries.prefetch_related("coverage")

    @extend_schema(
        operation_id="supply_editions_entries_list",
        responses=s.SupplyLedgerEntryOutputSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            s.SupplyLedgerEntryOutputSerializer(page, many=True).data
        )


def _changed_fields(edition: LedgerEdition, previous: LedgerEdition | None) -> dict[int, list[str]]:
    """For each changed entry, the snapshot keys that differ from the previous edition's."""
    if previous is None:
        return {}
    changed = dict(
        edition.entries.filter(change=LedgerEntry.Change.CHANGED).values_list("project_id", "pk")
    )
    before = dict(
        previous.entries.filter(project_id__in=changed).values_list("project_id", "snapshot")
    )
    after = dict(
        edition.entries.filter(pk__in=changed.values()).values_list("project_id", "snapshot")
    )
    result = {}
    for project_id, snapshot in after.items():
        old = before.get(project_id, {})
        keys = sorted(set(old) | set(snapshot))
        result[changed[project_id]] = [k for k in keys if old.get(k) != snapshot.get(k)]
    return result


class LedgerEditionDiffApi(APIView):
    """What an edition changed against the previous one: new and changed entries (with the
    fields that changed) and the listings that left the ledger."""

    @extend_schema(
        operation_id="supply_editions_diff", responses=s.SupplyLedgerDiffOutputSerializer
    )
    def get(self, request: Request, pk: int) -> Response:
        edition = _edition_get(pk)
        previous = (
            LedgerEdition.objects.filter(period__lt=edition.period).order_by("-period").first()
        )
        entries = list(edition.entries.exclude(change=LedgerEntry.Change.UNCHANGED))
        data = {
            "period": edition.period,
            "previous_period": previous.period if previous else None,
            "new": [e for e in entries if e.change == LedgerEntry.Change.NEW],
            "changed": [e for e in entries if e.change == LedgerEntry.Change.CHANGED],
            "removed": edition.removals.order_by("title", "project_id"),
        }
        output = s.SupplyLedgerDiffOutputSerializer(
            data, context={"changed_fields": _changed_fields(edition, previous)}
        )
        return Response(output.data)


class LedgerEditionWorkbookApi(APIView):
    """The edition's workbook (a sheet per tier and one combined), as sent to the stations."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file is not rendered; errors still come out as JSON whatever the Accept header.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="supply_editions_workbook",
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY),
            404: OpenApiResponse(description=gettext_lazy("No such edition, or no workbook.")),
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        edition = _edition_get(pk)
        if not edition.workbook:
            raise Http404
        try:
            workbook = edition.workbook.open("rb")
        except FileNotFoundError:
            # The edition names a file the storage no longer holds (a restore without media):
            # there is no workbook to send, which is the documented 404, not a server error.
            logger.warning("Edition %s: workbook %s is missing", edition.period, edition.workbook)
            raise Http404 from None
        response = FileResponse(
            workbook,
            as_attachment=True,
            filename=f"ledger-{edition.period}.xlsx",
            content_type=XLSX,
        )
        response["ETag"] = f'"{edition.workbook_sha256}"'
        return response
