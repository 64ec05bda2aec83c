"""Fragments and need actions that later apps add to the household page (matching's
applications and its "find resources" button, referrals).

A higher app registers the name of one of its URLs that takes the household's pk and answers
with an HTML fragment; the household page loads each with htmx. So needs shows their data
without importing them (apps import only downwards).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Fragment:
    url_name: str
    title: str | Promise


_FRAGMENTS: dict[str, Fragment] = {}


def register_fragment(url_name: str, title: str | Promise) -> None:
    _FRAGMENTS[url_name] = Fragment(url_name, title)


def fragments() -> list[Fragment]:
    return list(_FRAGMENTS.values())


@dataclass(frozen=True)
class NeedAction:
    url_name: str
    label: str | Promise


_NEED_ACTIONS: dict[str, NeedAction] = {}


def register_need_action(url_name: str, label: str | Promise) -> None:
    """A button on each live need of the household page; the URL takes the need's pk."""
    _NEED_ACTIONS[url_name] = NeedAction(url_name, label)


def need_actions() -> list[NeedAction]:
    return list(_NEED_ACTIONS.values())
