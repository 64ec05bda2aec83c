"""Small template helpers shared by every app's pages."""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html

from accounts import crypto

register = template.Library()


@register.filter
def bs(field: forms.BoundField) -> str:
    """Render a form field's widget with Bootstrap classes and its error state."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    attrs = {"class": f"{widget.attrs.get('class', '')} {css}".strip()}
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    return field.as_widget(attrs=attrs)


@register.filter
def masked_phone(value: str) -> str:
    return crypto.mask_phone(value or "")


@register.filter
def masked_id(value: str) -> str:
    return crypto.mask_id_number(value or "")


@register.simple_tag
def region_path(regions) -> str:
    return format_html(" / ".join(["{}"] * len(regions)), *[r.name for r in regions])
