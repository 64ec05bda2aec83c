from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Notification
from .serializers import MeOutputSerializer


class MeApi(APIView):
    """The logged-in user: role, home region and unread notifications."""

    @extend_schema(responses=MeOutputSerializer, operation_id="me_retrieve")
    def get(self, request: Request) -> Response:
        user = request.user
        user.unread_notifications = Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count()
        return Response(MeOutputSerializer(user).data)
