"""Cards that other apps add to the landing page.

An app registers the name of one of its URLs that answers with an HTML fragment, and the roles
that see it; the dashboard loads each card with htmx. So accounts shows the figures of the
apps above it without importing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Card:
    url_name: str
    roles: frozenset[str]


_CARDS: dict[str, Card] = {}


def register_card(url_name: str, *, roles: set[str] | frozenset[str]) -> None:
    _CARDS[url_name] = Card(url_name, frozenset(roles))


def cards_for(user: Any) -> list[Card]:
    role = "administrator" if user.is_administrator else user.role
    return [card for card in _CARDS.values() if role in card.roles]
