from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class AidBridgeAdminSite(admin.AdminSite):
    """Django admin for housekeeping, open to administrators only: it shows every region, so
    a staff flag alone (or a stray model permission) must not open it."""

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active and user.is_staff and user.is_authenticated and user.is_administrator
        )


class AidBridgeAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.AidBridgeAdminSite"
