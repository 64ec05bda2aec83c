"""Actions that later apps offer on an application's page (referrals: "refer instead" after a
rejection or an expiry), without matching importing them.

A higher app registers, from its ``AppConfig.ready()``, the name of one of its URLs that takes
the application's pk, a label, and the statuses in which the household's workers see it; the
application page links to it. Like ``needs.timeline.register_need_action``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class ApplicationAction:
    url_name: str
    label: str | Promise
    statuses: frozenset[str]


_ACTIONS: dict[str, ApplicationAction] = {}


def register_application_action(
    url_name: str, label: str | Promise, *, statuses: Iterable[str]
) -> None:
    """Register (or replace, by ``url_name``) an action of the household's side."""
    _ACTIONS[url_name] = ApplicationAction(url_name, label, frozenset(statuses))


def application_actions(status: str) -> list[ApplicationAction]:
    """The registered actions offered for an application in ``status``."""
    return [action for action in _ACTIONS.values() if status in action.statuses]
