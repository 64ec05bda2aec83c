from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors import unread_notification_count
from .serializers import MeOutputSerializer, TokenOutputSerializer


class MeApi(APIView):
    """The logged-in user: role, home region and unread notifications."""

    @extend_schema(responses=MeOutputSerializer, operation_id="me_retrieve")
    def get(self, request: Request) -> Response:
        user = request.user
        user.unread_notifications = unread_notification_count(user)
        return Response(MeOutputSerializer(user).data)


class TokenObtainApi(APIView):
    """Exchange a user name and password for an API token (valid for API_TOKEN_TTL)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=AuthTokenSerializer, responses=TokenOutputSerializer, operation_id="token_create"
    )
    def post(self, request: Request) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token = Token.objects.filter(user=user).first()
        if token is not None and token.created < timezone.now() - settings.API_TOKEN_TTL:
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        expires = token.created + settings.API_TOKEN_TTL
        return Response(TokenOutputSerializer({"token": token.key, "expires_at": expires}).data)
