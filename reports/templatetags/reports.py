from __future__ import annotations

from typing import Any

from django import template

from ..presentation import display

register = template.Library()


@register.filter
def figure(value: Any) -> str:
    """A figure as text: thousands separators, one decimal, a dash for nothing."""
    return display(value)


@register.filter
def get(mapping: Any, key: str) -> Any:
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""
