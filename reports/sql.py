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
    Avg,
    Count,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    QuerySet,
    Sum,
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


def _with_total(rows: QuerySet) -> list[dict[str, Any]] | None:
    """The rows of a query grouped by ``_group`` and, in the same scan, the row of the whole
    (``_group`` None): PostgreSQL's ``GROUP BY GROUPING SETS ((1), ())``, with Django's own
    compiled SQL and its converters. None where that cannot be done (another engine, another
    shape of query): the caller reads the whole apart."""
    if connection.vendor != "postgresql":
        return None
    compiler = rows.query.get_compiler(using=rows.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    if not sql.endswith(" GROUP BY 1") or compiler.select[0][2] != "_group":
        return None
    sql = sql[: -len(" GROUP BY 1")] + " GROUP BY GROUPING SETS ((1), ())"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    selected = compiler.select[: compiler.col_count]
    converters = compiler.get_converters([expression for expression, _sql, _alias in selected])
    if converters:
        found = compiler.apply_converters(found, converters)
    names = [alias for _expression, _sql, alias in selected]
    return [dict(zip(names, row, strict=True)) for row in found]


def aggregate(
    queryset: QuerySet, code_field: str, length: int | None, **aggregates: Any
) -> dict[str, dict[str, Any]]:
    """Aggregates over the whole queryset (key ``""``) or one row per child region prefix and
    the whole beside them (key ``""`` too: on PostgreSQL from the same scan)."""
    queryset = queryset.order_by()
    if length is None:
        return {"": queryset.aggregate(**aggregates)}
    rows = (
        queryset.annotate(_group=group_key(code_field, length))
        .values("_group")
        .annotate(**aggregates)
        .order_by()
    )
    # Means as a sum and a count (additive): (name of the mean, its sum's, its count's).
    means = [
        (name, f"_{name}_sum", f"_{name}_n")
        for name, a in aggregates.items()
        if isinstance(a, Avg) and not a.distinct
    ]
    parts = dict(aggregates)
    for name, total, count in means:
        (expression,) = aggregates[name].source_expressions
        condition = aggregates[name].filter
        del parts[name]
        parts[total] = Sum(expression, filter=condition)
        parts[count] = Count(expression, filter=condition)
    if all(_additive(a) for a in parts.values()):
        # Counts and sums (and means from them): the whole is the sum of the rows (every row of
        # the queryset has a group), and the grouped query keeps PostgreSQL's parallel plan.
        grouped = {
            row.pop("_group"): row
            for row in queryset.annotate(_group=group_key(code_field, length))
            .values("_group")
            .annotate(**parts)
            .order_by()
        }
        grouped[""] = {
            name: _sum([values[name] for values in grouped.values()], a)
            for name, a in parts.items()
        }
        for values in grouped.values():
            for name, total, count in means:
                s, n = values.pop(total), values.pop(count)
                values[name] = float(s) / n if n else None
        return grouped
    both = _with_total(rows)
    if both is None:
        grouped = {row.pop("_group"): row for row in rows}
        grouped[""] = queryset.aggregate(**aggregates)
        return grouped
    return {(row.pop("_group") or ""): row for row in both}


def _additive(expression: Any) -> bool:
    return (isinstance(expression, Count) and not expression.distinct) or isinstance(
        expression, Sum
    )


def _sum(values: list[Any], expression: Any) -> Any:
    """The whole of an additive aggregate from its groups' values, as SQL gives it: a count of
    nothing is 0, a sum of nothing (or of NULLs only) NULL."""
    present = [v for v in values if v is not None]
    if isinstance(expression, Count):
        return sum(present)
    return sum(present[1:], present[0]) if present else None


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
    """The median of ``value`` over the queryset, whole (key ``""``) or per child region and
    whole (as ``aggregate``).

    ``method`` is ``"percentile"`` (PostgreSQL's aggregate) or ``"window"`` (ROW_NUMBER and
    COUNT windows, any engine); by default the first on PostgreSQL, the second elsewhere.
    """
    method = method or ("percentile" if connection.vendor == "postgresql" else "window")
    whole = (queryset, value)
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
        both = _with_total(rows)
        if both is not None:
            return {(row["_group"] or ""): row["m"] for row in both}
        found = {row["_group"]: row["m"] for row in rows}
        found[""] = queryset.aggregate(m=PercentileCont(F("_value")))["m"]
        return found
    base = queryset.annotate(_group=group_key(code_field, length)).values_list("_group", "_value")
    try:
        sql, params = base.query.sql_with_params()
    except EmptyResultSet:  # a queryset that can hold no row (``.none()``)
        return {"": None}
    # The inner query is Django's own compiled SQL; its values stay parameters.
    wrapped = _MEDIAN_SQL.replace("{base}", sql)
    with connection.cursor() as cursor:
        cursor.execute(wrapped, params)
        found = {group: (float(m) if m is not None else None) for group, m in cursor.fetchall()}
    if length is None:
        return {"": found.get("")}
    found[""] = median(*whole, code_field, None, method=method)[""]
    return found
