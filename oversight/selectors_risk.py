"""Reads of risk early warning: the scoped list (filters by rule and status), one signal, the
dashboard counts."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count

from accounts.scope import get_visible_or_404

from .models import RiskRule, RiskSignal

STATUSES = ("open", "resolved", "all")


def risk_signal_list_for_user(
    user: Any, *, status: str = "open", rule: str = ""
) -> models.QuerySet[RiskSignal]:
    """The signals of the households the user sees, most recently seen first."""
    found = RiskSignal.objects.visible_to(user).select_related("household__region", "member")
    if status in RiskSignal.Status.values:
        found = found.filter(status=status)
    if rule in RiskRule.values:
        found = found.filter(rule=rule)
    return found


def risk_signal_get_for_user(user: Any, pk: Any) -> RiskSignal:
    return get_visible_or_404(
        RiskSignal.objects.select_related("household__region", "member", "resolved_by"),
        user,
        pk=pk,
    )


def risk_signal_counts_for_user(user: Any) -> dict[str, Any]:
    """Open signals in the user's scope: in all, and by rule (one query)."""
    rows = (
        RiskSignal.objects.visible_to(user)
        .filter(status=RiskSignal.Status.OPEN)
        .values_list("rule")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_rule = dict(rows)
    return {
        "open": sum(by_rule.values()),
        "by_rule": [(value, label, by_rule.get(value, 0)) for value, label in RiskRule.choices],
    }
