"""Rows that apps above matching add to the pre-aid check (帮前查询), without matching
importing them.

The pre-aid check shows what a household received or waits for from every supplier (its
applications); other departments' aid (oversight's member-unit records) joins it through this
registry. A higher app registers, in its ``AppConfig.ready()``, a function that takes the need
and returns the household's other aid as ``OtherAid`` rows; the page and the API list them
beside the applications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from needs.models import Need


@dataclass(frozen=True)
class OtherAid:
    """Aid the household received outside the charity ledger: who gave what to whom, when."""

    source: str  # the registry name, e.g. "member_unit"
    number: str  # the record's number where it is kept (M000012)
    provider: str  # the unit's name (英德市人力资源和社会保障局)
    provider_kind: str  # the kind of department, in words
    kind: str  # the kind of aid (a value of the provider's choices)
    kind_display: str
    member_name: str
    amount: Decimal | None
    given_on: dt.date
    same_area: bool = False


PreAidSource = Callable[["Need"], list[OtherAid]]

_SOURCES: dict[str, PreAidSource] = {}


def register_pre_aid_source(name: str, source: PreAidSource) -> None:
    """Register (or replace, by ``name``) a source of other aid for the pre-aid check."""
    _SOURCES[name] = source


def other_aid(need: Need) -> list[OtherAid]:
    """Every registered source's rows for the need's household, newest first."""
    rows: list[OtherAid] = []
    for source in _SOURCES.values():
        rows.extend(source(need))
    return sorted(rows, key=lambda row: (row.given_on, row.number), reverse=True)
