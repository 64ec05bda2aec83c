"""The main menu: entries that each app registers, grouped by area.

An app registers the name of one of its URLs, the label and the roles that see it; the header
groups the entries of one area into a dropdown (a plain link when a role sees only one entry of
the area). So accounts draws the whole menu without importing the apps above it, and a new app
adds its pages without touching the base template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# Areas in the order the header shows them.
GROUPS: dict[str, Promise] = {
    "home": pgettext_lazy("menu", "Home"),
    "needs": pgettext_lazy("menu", "Need ledger"),
    "supply": pgettext_lazy("menu", "Supply ledger"),
    "matching": pgettext_lazy("menu", "Matching"),
    "referrals": pgettext_lazy("menu", "Referrals"),
    "reports": pgettext_lazy("menu", "Reports"),
    "oversight": pgettext_lazy("menu", "Oversight"),
    "more": pgettext_lazy("menu", "More"),
}


@dataclass(frozen=True)
class MenuItem:
    group: str
    url_name: str
    label: Promise | str
    roles: frozenset[str]
    order: int = 50


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str
    active: bool


@dataclass(frozen=True)
class MenuGroup:
    key: str
    label: str
    entries: list[MenuEntry]

    @property
    def active(self) -> bool:
        return any(e.active for e in self.entries)


_ITEMS: dict[str, MenuItem] = {}


def register_menu_item(
    group: str,
    url_name: str,
    label: Promise | str,
    *,
    roles: set[str] | frozenset[str],
    order: int = 50,
) -> None:
    if group not in GROUPS:
        raise ValueError(f"Unknown menu group {group!r}; add it to accounts.menu.GROUPS.")
    _ITEMS[url_name] = MenuItem(group, url_name, label, frozenset(roles), order)


def _role_of(user: Any) -> str:
    return "administrator" if user.is_administrator else user.role


def menu_for(user: Any, path: str) -> list[MenuGroup]:
    """The groups a user sees, each with its entries; the entry whose address is the longest
    prefix of ``path`` is the active one (so a detail page lights up its list)."""
    role = _role_of(user)
    items = sorted(
        (item for item in _ITEMS.values() if role in item.roles),
        key=lambda item: (list(GROUPS).index(item.group), item.order),
    )
    resolved: list[tuple[MenuItem, str]] = []
    for item in items:
        try:
            resolved.append((item, reverse(item.url_name)))
        except NoReverseMatch:  # an app that is not installed in this configuration
            continue
    home = reverse("dashboard")
    candidates = [url for _item, url in resolved if url != home and path.startswith(url)]
    active_url = max(candidates, key=len) if candidates else (home if path == home else "")
    groups: dict[str, list[MenuEntry]] = {}
    for item, url in resolved:
        entry = MenuEntry(label=str(item.label), url=url, active=url == active_url)
        groups.setdefault(item.group, []).append(entry)
    return [MenuGroup(key, str(GROUPS[key]), entries) for key, entries in groups.items()]
