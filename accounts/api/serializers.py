from __future__ import annotations

from rest_framework import serializers

from ..models import Region, User


class RegionOutputSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_display", "prefix"]


class MeOutputSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    region = RegionOutputSerializer(read_only=True)
    phone_masked = serializers.CharField(read_only=True)
    unread_notifications = serializers.IntegerField(read_only=True)
    is_administrator = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "email",
            "role",
            "role_display",
            "is_administrator",
            "region",
            "phone_masked",
            "unread_notifications",
        ]


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
