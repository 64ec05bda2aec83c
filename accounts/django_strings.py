"""Strings of Django 5.2 whose Simplified Chinese translation Django does not ship yet.

Listed here so that makemessages keeps them in our catalogue, which then translates them.
Never called.
"""

from django.utils.translation import ngettext


def _django_strings() -> None:  # pragma: no cover
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        0,
    )
