"""SQL building blocks of the metrics, the same figures on SQLite and PostgreSQL.

Medians are exact on both engines: ``percentile_cont(0.5)`` on PostgreSQL, and on SQLite (which
has no ordered-set aggregates) the middle row or the mean of the two middle rows, found with
``ROW_NUMBER()`` and ``COUNT(*)`` windows over the same query. Both give the same value, and
neither reads the rows into Python.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Aggregate,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    QuerySet,
    Value,
)
from django.db.models.functions import Substr


class DayNumber(Func):
    """A date as a whole number of days, so that two dates subtract to days on both engines
    (PostgreSQL: days since 2000-01-01; SQLite: the Julian day number)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)", **extra
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((%(expressions)s)::date - DATE '2000-01-01')",
            **extra,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate ``percentile_cont(fraction) WITHIN GROUP (ORDER BY
    expression)``."""

    function = "percentile_cont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float = 0.5, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=float(fraction), **extra)


def group_key(code_field: str, length: int | None) -> Expression:
    """The child region a row belongs to: the first ``length`` digits of its region code."""
    if length is None:
        return Value("")
    return Substr(code_field, 1, length)


def aggregate(
    queryset: QuerySet, code_field: str, length: int | None, **aggregates: Any
) -> dict[str, dict[str, Any]]:
    """Aggregates over the whole queryset (key ``""``) or one row per child region prefix."""
    queryset = queryset.order_by()
    if length is None:
        return {"": queryset.aggregate(**aggregates)}
    rows = (
        queryset.annotate(_group=group_key(code_field, length))
        .values("_group")
        .annotate(**aggregates)
        .order_by()
    )
    return {row.pop("_group"): row for row in rows}


#: Integer division on both engines: for n rows the middle ones are (n+1)/2 and (n+2)/2, the
#: same row when n is odd.
_MEDIAN_SQL = (
    "SELECT ranked.g, AVG(ranked.v) FROM ("
    " SELECT base._group AS g, base._value AS v,"
    " ROW_NUMBER() OVER (PARTITION BY base._group ORDER BY base._value) AS rn,"
    " COUNT(*) OVER (PARTITION BY base._group) AS n"
    " FROM ({base}) base"
    ") ranked WHERE ranked.rn IN ((ranked.n + 1) / 2, (ranked.n + 2) / 2)"
    " GROUP BY ranked.g"
)


def median(
    queryset: QuerySet,
    value: Any,
    code_field: str,
    length: int | None,
    *,
    method: str | None = None,
) -> dict[str, float | None]:
    """The median of ``value`` over the queryset, whole (key ``""``) or per child region.

    ``method`` is ``"percentile"`` (PostgreSQL's aggregate) or ``"window"`` (ROW_NUMBER and
    COUNT windows, any engine); by default the first on PostgreSQL, the second elsewhere.
    """
    method = method or ("percentile" if connection.vendor == "postgresql" else "window")
    value = F(value) if isinstance(value, str) else value
    queryset = queryset.order_by().annotate(_value=value).filter(_value__isnull=False)
    if method == "percentile":
        if length is None:
            return {"": queryset.aggregate(m=PercentileCont(F("_value")))["m"]}
        rows = (
            queryset.annotate(_group=group_key(code_field, length))
            .values("_group")
            .annotate(m=PercentileCont(F("_value")))
            .order_by()
        )
        return {row["_group"]: row["m"] for row in rows}
    base = queryset.annotate(_group=group_key(code_field, length)).values_list("_group", "_value")
    try:
        sql, params = base.query.sql_with_params()
    except EmptyResultSet:  # a queryset that can hold no row (``.none()``)
        return {"": None} if length is None else {}
    # The inner query is Django's own compiled SQL; its values stay parameters.
    wrapped = _MEDIAN_SQL.replace("{base}", sql)
    with connection.cursor() as cursor:
        cursor.execute(wrapped, params)
        found = {group: (float(m) if m is not None else None) for group, m in cursor.fetchall()}
    if length is None:
        return {"": found.get("")}
    return found
