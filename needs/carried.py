"""Copies of a household's codes kept on the rows that hang from it.

A province's figures group needs, visits and applications by the household's place (the
annual evaluation, the demand signals): joined to the 1,000,000 households each time, one
such GROUP BY took 0.6 s at province scale, and 0.09 s on the needs alone. So these rows carry
the household's place (``place``: ``Household.region_id``), as members carry its station
(``Member.station_code``, for the search by name).

A copy is registered here (``carry``) and kept:

- on ``save`` (``CarriesHousehold``): from the household object when it is at hand, else read
  (one query), whenever the row is written whole or its household changes; a save of other
  fields (``update_fields``) leaves it;
- on ``bulk_create`` (``CarriesHouseholdQuerySet``): from the household objects given, the rest
  read in one query per 10,000 households;
- when a household moves (``Household.save``, ``household_moved``): one UPDATE a kind of row.

Code writing these rows with ``QuerySet.update()`` or raw SQL must set the copies itself (the
generator's INSERT … SELECT does). Copies are kept out of the change history: their change is
the household's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

#: (model, field on it, household attribute it copies).
_COPIES: list[tuple[type[models.Model], str, str]] = []
CHUNK = 10_000


def carry(model: type[models.Model], field: str, source: str) -> None:
    """Register ``model.field`` as a copy of its household's ``source`` attribute."""
    _COPIES.append((model, field, source))


def copies_of(model: type[models.Model]) -> list[tuple[str, str]]:
    return [(field, source) for m, field, source in _COPIES if m is model]


def copied_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The copies ``model`` carries: kept out of its change history (``exclude`` of
    ``accounts.audit.register_personal_model``)."""
    return tuple(field for field, _source in copies_of(model))


def fill(model: type[models.Model], objs: Iterable[models.Model]) -> None:
    """Set the copies on ``objs`` (rows of ``model`` about to be written)."""
    copies = copies_of(model)
    if not copies:
        return
    objs = list(objs)
    relation = model._meta.get_field("household")
    unknown = sorted(
        {o.household_id for o in objs if not relation.is_cached(o) and o.household_id is not None}
    )
    read: dict[int, tuple[Any, ...]] = {}
    if unknown:
        from .models import Household

        sources = [source for _field, source in copies]
        for start in range(0, len(unknown), CHUNK):
            for pk, *values in Household.objects.filter(
                pk__in=unknown[start : start + CHUNK]
            ).values_list("pk", *sources):
                read[pk] = tuple(values)
    for o in objs:
        if relation.is_cached(o):
            household = o.household
            values = tuple(getattr(household, source) for _field, source in copies)
        elif o.household_id in read:
            values = read[o.household_id]
        else:
            continue
        for (field, _source), value in zip(copies, values, strict=True):
            setattr(o, field, value or "")


def household_moved(household: models.Model, changed: set[str]) -> None:
    """Rewrite the copies of the household's attributes in ``changed`` on its rows."""
    for model, field, source in _COPIES:
        if source in changed:
            model._base_manager.filter(household=household).update(
                **{field: getattr(household, source)}
            )


class CarriesHouseholdQuerySet(models.QuerySet):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        """Rows created in bulk carry their household's copies too (``save`` is not called)."""
        objs = list(objs)
        fill(self.model, objs)
        return super().bulk_create(objs, *args, **kwargs)


class CarriesHousehold(models.Model):
    """A row that carries copies of its household's codes (registered with ``carry``)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"household", "household_id"} & set(update_fields):
            fill(type(self), [self])
            if update_fields is not None:
                kwargs["update_fields"] = [
                    *update_fields,
                    *(field for field, _source in copies_of(type(self))),
                ]
        super().save(*args, **kwargs)
