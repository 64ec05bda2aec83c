"""The API's side of ``accounts.roles``: a user whose role is restricted to some areas gets 404
from an API view outside them (a token is read by DRF, after the pages' middleware ran)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from ..roles import may_reach


class WithinRoleAreas(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        if not may_reach(request.user, getattr(request, "resolver_match", None)):
            raise NotFound
        return True
