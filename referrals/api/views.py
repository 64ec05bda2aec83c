"""The referrals API: thin views that scope, parse, call a service and serialise.

Every referral and case is fetched in the user's scope (``selectors``), so a stranger gets 404
before anything else; the services answer 404 too when a user who may see a referral may not
take the action. A refused action (``services.ReferralError``) is a 400 with the field errors
and the refusal's ``code`` (e.g. ``no_consent``).

The representation of a referral depends on the user's side (``_output_class``): the
government's side sees it whole; a charity receiving it sees the pinned allowlist, emptied of
the person once the consent is no longer in force; a charity that referred a person to civil
affairs sees what it sent and the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.errors import service_errors
from accounts.models import User
from needs.services import MemberInput

from .. import selectors, services
from ..filters import CaseFilterSet, ReferralFilterSet
from ..models import Case, CaseGoal, Direction, Referral
from . import serializers as s

# --- Errors ----------------------------------------------------------------------------------


@contextmanager
def refusals() -> Iterator[None]:
    """``service_errors()``, plus the code of a refused action under ``code``."""
    try:
        with service_errors():
            yield
    except ValidationError as exc:
        cause = exc.__cause__
        code = cause.code if isinstance(cause, services.ReferralError) else None
        if code and isinstance(exc.detail, dict):
            exc.detail["code"] = code
        raise


# --- The sides -------------------------------------------------------------------------------


def _output_class(user: Any, referral: Referral, *, row: bool = False) -> type:
    if user.role == User.Role.CHARITY:
        if referral.direction == Direction.TO_CIVIL_AFFAIRS:
            return s.ReferralsSentByCharitySerializer
        return s.ReferralsReceiverReferralSerializer
    return s.ReferralsReferralRowSerializer if row else s.ReferralsReferralOutputSerializer


def _rows(request: Request, referrals: list[Referral]) -> list[dict[str, Any]]:
    context = {"request": request}
    return [_output_class(request.user, r, row=True)(r, context=context).data for r in referrals]


def _detail(request: Request, pk: Any, status_code: int = status.HTTP_200_OK) -> Response:
    referral = selectors.referral_get_for_user(request.user, pk)
    data = _output_class(request.user, referral)(referral, context={"request": request}).data
    return Response(data, status=status_code)


BOX = OpenApiParameter(
    "box",
    str,
    enum=list(selectors.BOXES),
    description="incoming (what the user's side receives), outgoing (what it sent) or overdue.",
)


class ReferralListCreateApi(GenericAPIView):
    """Referrals the user may see (``box``: incoming, outgoing or overdue), and referring a
    household to a charity or people's organisation, or to its township station."""

    serializer_class = s.ReferralsReferralCreateInputSerializer
    filterset_class = ReferralFilterSet

    def get_queryset(self) -> QuerySet[Referral]:
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        box = self.request.query_params.get("box") or ""
        if box in selectors.BOXES:
            return selectors.box_for_user(self.request.user, box).prefetch_related(
                "notes__author", "attachments"
            )
        return selectors.referral_list_for_user(self.request.user).prefetch_related(
            "notes__author", "attachments"
        )

    @extend_schema(
        operation_id="referrals_referrals_list",
        parameters=[BOX],
        responses=s.REFERRAL_ROWS_RESPONSE,
    )
    def get(self, request: Request) -> Response:
        box = request.query_params.get("box") or ""
        if box and box not in selectors.BOXES:
            raise ValidationError({"box": ["incoming, outgoing or overdue."]})
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(_rows(request, page))

    @extend_schema(
        operation_id="referrals_referrals_create",
        request=s.ReferralsReferralCreateInputSerializer,
        responses={201: s.REFERRAL_RESPONSE},
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        previous = values.pop("previous")
        with refusals():
            if previous is not None:
                values.pop("application")
                referral = services.referral_refer_elsewhere(
                    user=request.user, previous=previous, **values
                )
            else:
                referral = services.referral_send(user=request.user, **values)
        return _detail(request, referral.pk, status.HTTP_201_CREATED)


class PersonReferralApi(APIView):
    """A charity refers a person (who need not be in the ledger) to the county civil affairs
    of the person's region."""

    @extend_schema(
        operation_id="referrals_referrals_person",
        request=s.ReferralsPersonReferralInputSerializer,
        responses={201: s.REFERRAL_RESPONSE},
    )
    def post(self, request: Request) -> Response:
        serializer = s.ReferralsPersonReferralInputSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        previous = values.pop("previous")
        with refusals():
            if previous is not None:
                referral = services.referral_refer_elsewhere(
                    user=request.user, previous=previous, **values
                )
            else:
                referral = services.referral_send_to_civil_affairs(user=request.user, **values)
        return _detail(request, referral.pk, status.HTTP_201_CREATED)


class ReferralDetailApi(APIView):
    """One referral, as the user's side may see it."""

    @extend_schema(operation_id="referrals_referrals_retrieve", responses=s.REFERRAL_RESPONSE)
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)


def _act(
    request: Request,
    pk: int,
    service: Callable[..., Any],
    input_class: type[serializers.Serializer] | None = None,
) -> Response:
    """Fetch in scope (404 for strangers), parse, call the service, answer the referral."""
    referral = selectors.referral_get_for_user(request.user, pk)
    values: dict[str, Any] = {}
    if input_class is not None:
        serializer = input_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
    with refusals():
        service(user=request.user, referral=referral, **values)
    return _detail(request, pk)


def _action(
    name: str,
    doc: str,
    service: Callable[..., Any],
    input_class: type[serializers.Serializer] | None = None,
) -> type[APIView]:
    """One action of a referral: POST with its input, answering the referral."""

    class ActionApi(APIView):
        @extend_schema(
            operation_id=f"referrals_referrals_{name}",
            request=input_class,
            responses=s.REFERRAL_RESPONSE,
            description=doc,
        )
        def post(self, request: Request, pk: int) -> Response:
            return _act(request, pk, service, input_class)

    ActionApi.__name__ = ActionApi.__qualname__ = "Referral" + name.title().replace("_", "") + "Api"
    ActionApi.__doc__ = doc
    return ActionApi


ReferralReceiveApi = _action("receive", "The receiver confirms receipt.", services.referral_receive)
ReferralAcceptApi = _action(
    "accept",
    "The receiver takes the referral on (a charity only with the consent still in force).",
    services.referral_accept,
    s.ReferralsOptionalNoteInputSerializer,
)
ReferralDeclineApi = _action(
    "decline",
    "The receiver declines, giving the reason; the sender may refer elsewhere.",
    services.referral_decline,
    s.ReferralsDeclineInputSerializer,
)
ReferralStartApi = _action(
    "start",
    "A charity starts serving the person it accepted.",
    services.referral_start_service,
    s.ReferralsOptionalNoteInputSerializer,
)
ReferralOutcomeApi = _action(
    "outcome",
    "The receiver records the outcome: civil affairs applied, granted (the assistance status is "
    "added to the person) or not eligible; a charity or the station helped, partly helped or "
    "not helped.",
    services.referral_record_outcome,
    s.ReferralsOutcomeInputSerializer,
)
ReferralNoteApi = _action(
    "notes",
    "A note from either side, read by both.",
    services.referral_note_add,
    s.ReferralsNoteInputSerializer,
)
ReferralLinkHouseholdApi = _action(
    "link_household",
    "Civil affairs link a charity's referral to the person's household in the ledger.",
    services.referral_link_household,
    s.ReferralsLinkHouseholdInputSerializer,
)


class ReferralAttachmentApi(APIView):
    """Scans or photos added to a referral by either side: PDF, JPEG or PNG (checked by their
    content) within the size limit; downloaded through each attachment's ``url``."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="referrals_referrals_attachments",
        request={"multipart/form-data": s.ReferralsAttachmentInputSerializer},
        responses=s.REFERRAL_RESPONSE,
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = selectors.referral_get_for_user(request.user, pk)
        serializer = s.ReferralsAttachmentInputSerializer(
            data={"files": request.FILES.getlist("files")}
        )
        serializer.is_valid(raise_exception=True)
        with refusals():
            services.referral_attachment_add(
                user=request.user, referral=referral, uploads=serializer.validated_data["files"]
            )
        return _detail(request, pk)


class ReferralRegisterHouseholdApi(APIView):
    """Civil affairs register the household of a person a charity referred (the person as its
    first member, the responsible worker named) and link it to the referral."""

    @extend_schema(
        operation_id="referrals_referrals_register_household",
        request=s.ReferralsRegisterHouseholdInputSerializer,
        responses={201: s.REFERRAL_RESPONSE},
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = selectors.referral_get_for_user(request.user, pk)
        serializer = s.ReferralsRegisterHouseholdInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person = data.pop("person")
        # The ledger's refusals (LedgerInvalid) are field errors like the others.
        with refusals():
            services.referral_register_household(
                user=request.user, referral=referral, fields=data, members=[MemberInput(**person)]
            )
        return _detail(request, pk, status.HTTP_201_CREATED)


# --- Cases -----------------------------------------------------------------------------------


def _case(request: Request, pk: Any, status_code: int = status.HTTP_200_OK) -> Response:
    case = selectors.case_get_for_user(request.user, pk)
    return Response(s.ReferralsCaseOutputSerializer(case).data, status=status_code)


class CaseListCreateApi(GenericAPIView):
    """Cases of the station (social workers of the township, civil affairs of the area), and
    opening one, directly or from an accepted referral to the station."""

    serializer_class = s.ReferralsCaseOpenInputSerializer
    filterset_class = CaseFilterSet

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.case_list_for_user(self.request.user)

    @extend_schema(
        operation_id="referrals_cases_list", responses=s.ReferralsCaseRowSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.ReferralsCaseRowSerializer(page, many=True).data)

    @extend_schema(
        operation_id="referrals_cases_create",
        request=s.ReferralsCaseOpenInputSerializer,
        responses={201: s.ReferralsCaseOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with refusals():
            case = services.case_open(user=request.user, **serializer.validated_data)
        return _case(request, case.pk, status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(
        operation_id="referrals_cases_retrieve", responses=s.ReferralsCaseOutputSerializer
    )
    def get(self, request: Request, pk: int) -> Response:
        return _case(request, pk)


def _case_action(
    name: str,
    doc: str,
    input_class: type[serializers.Serializer],
    call: Callable[[Any, Case, dict[str, Any]], Any],
) -> type[APIView]:
    class CaseActionApi(APIView):
        @extend_schema(
            operation_id=f"referrals_cases_{name}",
            request=input_class,
            responses=s.ReferralsCaseOutputSerializer,
            description=doc,
        )
        def post(self, request: Request, pk: int) -> Response:
            case = selectors.case_get_for_user(request.user, pk)
            serializer = input_class(data=request.data)
            serializer.is_valid(raise_exception=True)
            with refusals():
                call(request.user, case, dict(serializer.validated_data))
            return _case(request, pk)

    CaseActionApi.__name__ = CaseActionApi.__qualname__ = (
        "Case" + name.title().replace("_", "") + "Api"
    )
    CaseActionApi.__doc__ = doc
    return CaseActionApi


def _reach(user: Any, case: Case, data: dict[str, Any]) -> Any:
    goal = CaseGoal.objects.filter(case=case, pk=data["goal"]).first()
    if goal is None:
        raise services.ReferralError({"goal": [_("No such goal in this case.")]})
    return services.case_goal_reach(user=user, goal=goal, achieved_on=data["achieved_on"])


CaseAssessApi = _case_action(
    "assessment",
    "Record or revise the assessment and the next review date.",
    s.ReferralsCaseAssessInputSerializer,
    lambda user, case, data: services.case_assess(user=user, case=case, **data),
)
CaseGoalApi = _case_action(
    "goals",
    "Add a goal to the service plan, with the date it should be reached by.",
    s.ReferralsCaseGoalInputSerializer,
    lambda user, case, data: services.case_goal_add(user=user, case=case, **data),
)
CaseGoalReachApi = _case_action(
    "goals_reached",
    "Mark a goal of the plan as reached.",
    s.ReferralsCaseGoalReachInputSerializer,
    _reach,
)
CaseNoteApi = _case_action(
    "notes",
    "A case note, or a review of the plan.",
    s.ReferralsCaseNoteInputSerializer,
    lambda user, case, data: services.case_note_add(user=user, case=case, **data),
)
CaseCloseApi = _case_action(
    "close",
    "Close the case with its outcome; the referral it came from closes with it.",
    s.ReferralsCaseCloseInputSerializer,
    lambda user, case, data: services.case_close(user=user, case=case, **data),
)
