"""Half-year periods of the ledger: an edition is published on 1 January and 1 July."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext

_PERIOD = re.compile(r"^(\d{4})-H([12])$")


def period_of(day: dt.date) -> str:
    """The half year a day belongs to: 2026-03-05 -> 2026-H1, 2026-07-01 -> 2026-H2."""
    return f"{day.year}-H{1 if day.month < 7 else 2}"


def period_label(period: str) -> str:
    """The half year as people say it: 2026-H2 -> 2026年下半年 (the stored code stays for
    sorting, URLs and file names)."""
    match = _PERIOD.match(period or "")
    if not match:
        return period
    if match[2] == "1":
        return gettext("%(year)s, first half") % {"year": match[1]}
    return gettext("%(year)s, second half") % {"year": match[1]}


def period_start(period: str) -> dt.date:
    match = _PERIOD.match(period)
    if not match:
        raise ValueError(f"not a period: {period!r}")
    year, half = int(match[1]), int(match[2])
    return dt.date(year, 1 if half == 1 else 7, 1)


def next_period(period: str) -> str:
    start = period_start(period)
    return period_of(
        start.replace(year=start.year + 1, month=1) if start.month == 7 else start.replace(month=7)
    )


def previous_period(period: str) -> str:
    start = period_start(period)
    return period_of(
        start.replace(month=1) if start.month == 7 else start.replace(year=start.year - 1, month=7)
    )
