from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class RegionAwareModelBackend(ModelBackend):
    """ModelBackend that loads the user's region chain with the user, so that the region scope
    and the header's region path cost no extra query on each request."""

    def get_user(self, user_id: Any) -> Any:
        from .models import User

        try:
            user = User._default_manager.select_related("region__parent__parent__parent").get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
