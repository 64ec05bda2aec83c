"""The matching API: thin views that scope, parse, call a service and serialise.

Every application is fetched in the user's scope (``selectors``) and every need through
``needs.selectors.need_get_for_user``, so a stranger gets 404 before anything else; the
services answer 404 too when a user who may see an application may not take the action. A
refused action (``services.ApplicationError``) is a 400 with the same field errors and the
refusal's ``code`` (e.g. ``no_consent``), so a client can offer the right help.

Which representation an application gets depends on the side of the user, never on
conditionals inside one serializer: charity staff get the supplier's serializers (the consented
minimum of the person), everyone else who may see it the household's side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.errors import service_errors
from accounts.models import User
from accounts.scope import get_visible_or_404
from needs.selectors import need_get_for_user

from .. import selectors, services
from ..candidates import candidate_search
from ..filters import ApplicationFilterSet
from ..models import Application
from . import serializers as s

# --- Errors ----------------------------------------------------------------------------------


def _refusal_code(exc: BaseException | None) -> str | None:
    if not isinstance(exc, services.ApplicationError):
        return None
    return exc.code


@contextmanager
def refusals(**rename: str) -> Iterator[None]:
    """``service_errors()``, plus the code of a refused action under ``code``."""
    try:
        with service_errors(**rename):
            yield
    except ValidationError as exc:
        code = _refusal_code(exc.__cause__)
        if code and isinstance(exc.detail, dict):
            exc.detail["code"] = code
        raise


# --- The two sides ---------------------------------------------------------------------------


def _supplier_side(user: Any) -> bool:
    """Charity staff see an application as its supplier; social workers, civil affairs and
    administrators as the household's side."""
    return user.role == User.Role.CHARITY


def _rows(user: Any, applications: Any) -> Any:
    if _supplier_side(user):
        return s.MatchingSupplierApplicationRowSerializer(applications, many=True).data
    return s.MatchingApplicationRowSerializer(applications, many=True).data


def _detail(user: Any, pk: Any, status_code: int = status.HTTP_200_OK) -> Response:
    """The application as it is now, read again through the selector (deciders and feedback
    loaded), in the user's side's representation."""
    application = selectors.application_get_for_user(user, pk)
    if _supplier_side(user):
        data = s.MatchingSupplierApplicationOutputSerializer(application).data
    else:
        data = s.MatchingApplicationOutputSerializer(application).data
    return Response(data, status=status_code)


class _ApplicationListApi(GenericAPIView):
    """A paginated, filtered list of applications from a selector (``select``)."""

    filterset_class = ApplicationFilterSet
    select: Callable[[Any], QuerySet[Application]]

    def get_queryset(self) -> QuerySet[Application]:
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return self.select(self.request.user)

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(_rows(request.user, page))


# --- Candidate search ------------------------------------------------------------------------


class NeedCandidatesApi(APIView):
    """找资源: published projects that suit a need, ranked with the reasons of their score;
    the near misses with the one condition they fail; and the pre-aid check (帮前查询) of the
    household."""

    @extend_schema(
        operation_id="matching_needs_candidates", responses=s.MatchingCandidateSearchSerializer
    )
    def get(self, request: Request, need_id: int) -> Response:
        need = need_get_for_user(request.user, need_id)
        search = candidate_search(need)
        data = {
            "need": need,
            "candidates": search.candidates,
            "near_misses": search.near_misses,
            "pre_aid_check": selectors.pre_aid_check(need),
            "pre_aid_other_departments": selectors.pre_aid_other_departments(need),
        }
        return Response(s.MatchingCandidateSearchSerializer(data).data)


# --- Applications ----------------------------------------------------------------------------


class ApplicationListCreateApi(_ApplicationListApi):
    """Applications the user may see (the household's area; for charity staff, those sent to
    their organisations), and applying with or for a household."""

    serializer_class = s.MatchingApplicationCreateInputSerializer
    select = staticmethod(selectors.application_list_for_user)

    @extend_schema(operation_id="matching_applications_list", responses=s.APPLICATION_ROWS_RESPONSE)
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(
        operation_id="matching_applications_create",
        request=s.MatchingApplicationCreateInputSerializer,
        responses={201: s.APPLICATION_RESPONSE},
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with refusals():
            application = services.application_create(
                user=request.user, **serializer.validated_data
            )
        return _detail(request.user, application.pk, status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    """One application, as the user's side may see it."""

    @extend_schema(operation_id="matching_applications_retrieve", responses=s.APPLICATION_RESPONSE)
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request.user, pk)


def _act(
    request: Request,
    pk: int,
    service: Callable[..., Any],
    input_class: type[serializers.Serializer] | None = None,
) -> Response:
    """Fetch in scope (404 for strangers), parse, call the service, answer the application."""
    application = get_visible_or_404(
        selectors.application_list_for_user(request.user), request.user, pk=pk
    )
    values: dict[str, Any] = {}
    if input_class is not None:
        serializer = input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
    with refusals():
        service(user=request.user, application=application, **values)
    return _detail(request.user, pk)


class ApplicationSubmitApi(APIView):
    """Submit a draft to the supplier (the project and the consent are checked again)."""

    @extend_schema(
        operation_id="matching_applications_submit",
        request=None,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.application_submit)


class ApplicationWithdrawApi(APIView):
    """The household or its worker withdraws, giving the reason."""

    @extend_schema(
        operation_id="matching_applications_withdraw",
        request=s.MatchingWithdrawInputSerializer,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.application_withdraw, s.MatchingWithdrawInputSerializer)


class ApplicationAcceptApi(APIView):
    """The supplier accepts, taking a place of the project."""

    @extend_schema(
        operation_id="matching_applications_accept",
        request=None,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.application_accept)


class ApplicationRejectApi(APIView):
    """The supplier rejects with a reason; "not eligible" names the condition, "other" needs
    a note."""

    @extend_schema(
        operation_id="matching_applications_reject",
        request=s.MatchingRejectInputSerializer,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.application_reject, s.MatchingRejectInputSerializer)


class ApplicationExplainApi(APIView):
    """The worker records how a rejection or an expiry was explained to the household."""

    @extend_schema(
        operation_id="matching_applications_explain",
        request=s.MatchingExplainInputSerializer,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.application_explain, s.MatchingExplainInputSerializer)


class ApplicationDeliverApi(APIView):
    """The supplier records the aid given: the day and a quantity or a value."""

    @extend_schema(
        operation_id="matching_applications_deliver",
        request=s.MatchingDeliverInputSerializer,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.application_deliver, s.MatchingDeliverInputSerializer)


class ApplicationFeedbackApi(APIView):
    """Feedback after aid (帮后反馈) from one side; with both sides in, the application
    closes."""

    @extend_schema(
        operation_id="matching_applications_feedback",
        request=s.MatchingFeedbackInputSerializer,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.feedback_record, s.MatchingFeedbackInputSerializer)


class ReviewConfirmApi(APIView):
    """Civil affairs confirm a match waiting for review."""

    @extend_schema(
        operation_id="matching_applications_review_confirm",
        request=s.MatchingReviewConfirmInputSerializer,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.review_confirm, s.MatchingReviewConfirmInputSerializer)


class ReviewFlagApi(APIView):
    """Civil affairs flag a match (duplicate aid, eligibility doubt, conflict of interest);
    delivery waits until the flag is resolved."""

    @extend_schema(
        operation_id="matching_applications_review_flag",
        request=s.MatchingReviewFlagInputSerializer,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.review_flag, s.MatchingReviewFlagInputSerializer)


class ReviewResolveApi(APIView):
    """Civil affairs resolve a flag: cleared, or upheld (a running application is
    withdrawn)."""

    @extend_schema(
        operation_id="matching_applications_review_resolve",
        request=s.MatchingReviewResolveInputSerializer,
        responses=s.APPLICATION_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.review_resolve, s.MatchingReviewResolveInputSerializer)


# --- Work lists ------------------------------------------------------------------------------


class InboxApi(_ApplicationListApi):
    """The supplier's inbox: applications to the organisations the user works for, those
    waiting for an answer first (empty for anyone but charity staff)."""

    serializer_class = s.MatchingSupplierApplicationRowSerializer
    select = staticmethod(selectors.inbox_for_user)

    @extend_schema(operation_id="matching_inbox_list", responses=s.APPLICATION_ROWS_RESPONSE)
    def get(self, request: Request) -> Response:
        return super().get(request)


class ReviewQueueApi(_ApplicationListApi):
    """Civil affairs' review queue: matches of the user's area waiting for review or with an
    open flag, required reviews and flags first."""

    serializer_class = s.MatchingApplicationRowSerializer
    select = staticmethod(selectors.review_queue_for_user)

    @extend_schema(operation_id="matching_review_queue_list", responses=s.APPLICATION_ROWS_RESPONSE)
    def get(self, request: Request) -> Response:
        return super().get(request)
