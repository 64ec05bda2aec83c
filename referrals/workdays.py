"""Working days in China: weekends and public holidays, with the official 调休 (weekend days
worked instead).

``chinese-calendar`` knows each year's arrangement once the State Council publishes it (late in
the year before). For a year it does not know, the table administrators keep (``Holiday``)
gives the holidays and the weekend days worked, and the week gives the rest; a row of the table
also wins over the library, so an administrator can correct a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import chinese_calendar

from .models import Holiday


def overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """The administrators' days between ``start`` and ``end`` (inclusive): day -> working."""
    rows = Holiday.objects.filter(day__gte=start, day__lte=end).values_list("day", "is_workday")
    return dict(rows)


def is_workday(day: dt.date, table: Mapping[dt.date, bool] | None = None) -> bool:
    """Whether ``day`` is a working day. ``table`` is the administrators' days (read from the
    database for this one day when not given)."""
    if table is None:
        table = overrides(day, day)
    if day in table:
        return table[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library does not know yet
        return day.weekday() < 5


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``start`` (``start`` itself not counted): a referral
    sent on Friday before the National Day holiday, with three working days to be received, is
    due on the third working day after the holiday."""
    # A generous window for the table: the longest holidays (Spring Festival, National Day)
    # add about a week and a half to a count.
    table = overrides(start, start + dt.timedelta(days=count * 3 + 30))
    day, found = start, 0
    while found < count:
        day += dt.timedelta(days=1)
        if is_workday(day, table):
            found += 1
    return day
