"""The change history as people read it: for the audit page and the Django admin alike.

django-auditlog keeps each change as the field's name and its old and new values as strings
(``sex: None → female``, ``region: 441881101204``, ``status: draft``, ``True``), and, for a new
record, every relation too (``visits: needs.Visit.None``). An administrator reads the field's
label, the choice's label, 是/否, the related record's name, a local date and time, and no
internal relation or id.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryLine:
    entry: LogEntry
    kind: str
    record: str
    action: str
    actor: str
    changes: list[Change]

    @property
    def summary(self) -> str:
        """The changed fields' labels, for a list."""
        return "、".join(c.label for c in self.changes)


def action_label(action: int) -> str:
    return {
        LogEntry.Action.CREATE: _("Created"),
        LogEntry.Action.UPDATE: _("Changed"),
        LogEntry.Action.DELETE: _("Deleted"),
        LogEntry.Action.ACCESS: _("Viewed"),
    }.get(action, str(action))


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    """The concrete field a change names; None for a relation seen from the other side, a
    many-to-many field's manager, the primary key or a field that no longer exists."""
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not getattr(field, "concrete", False) or getattr(field, "primary_key", False):
        return None
    return field  # type: ignore[return-value]


def _is_empty(value: Any) -> bool:
    return value is None or value in ("", "None", "[]", "{}")


class _Related:
    """Names of the records that foreign keys point to, fetched once per model for a page."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[str]] = defaultdict(set)
        self.names: dict[tuple[type[models.Model], str], str] = {}

    def want(self, field: models.Field, value: Any) -> None:
        if field.is_relation and not _is_empty(value):
            self.wanted[field.related_model].add(str(value))  # type: ignore[index]

    def fetch(self) -> None:
        for model, keys in self.wanted.items():
            pk = model._meta.pk
            ids = set()
            for key in keys:
                with suppress(ValidationError):  # a malformed key is shown as it is
                    ids.add(pk.to_python(key))
            for obj in model._default_manager.filter(pk__in=ids):
                self.names[(model, str(obj.pk))] = str(obj)

    def name(self, field: models.Field, value: str) -> str:
        return self.names.get((field.related_model, value), value)  # type: ignore[arg-type]


def _display(field: models.Field, value: Any, related: _Related) -> str:
    if _is_empty(value):
        return EMPTY
    if isinstance(value, list):
        return "、".join(_display(field, v, related) for v in value) or EMPTY
    text = str(value)
    if field.is_relation:
        return related.name(field, text)
    choices = dict(getattr(field, "flatchoices", None) or [])
    base = getattr(field, "base_field", None)
    if not choices and base is not None:
        choices = dict(getattr(base, "flatchoices", None) or [])
    if choices:
        if text.startswith("["):
            try:
                items = ast.literal_eval(text)
            except (SyntaxError, ValueError):
                items = None
            if isinstance(items, list):
                return "、".join(str(choices.get(i, i)) for i in items) or EMPTY
        return str(choices.get(text, text))
    if isinstance(field, models.BooleanField):
        return {"True": _("Yes"), "False": _("No")}.get(text, text)
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(text)
        if moment is not None:
            if timezone.is_naive(moment):  # auditlog writes UTC without its offset
                moment = moment.replace(tzinfo=dt.UTC)
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if isinstance(field, models.DateField):
        day = parse_date(text[:10])
        if day is not None:
            return day.isoformat()
    return text


def _m2m_display(change: dict[str, Any]) -> tuple[str, str]:
    objects = "、".join(str(o) for o in change.get("objects", [])) or EMPTY
    if change.get("operation") == "add":
        return EMPTY, _("added: %(objects)s") % {"objects": objects}
    return _("removed: %(objects)s") % {"objects": objects}, EMPTY


def history_lines(entries: Iterable[LogEntry]) -> list[HistoryLine]:
    """Each entry with its record, action, author and changes in words; the related records'
    names are read with one query per related model for all the entries together."""
    entries = list(entries)
    related = _Related()
    parsed: list[tuple[LogEntry, type[models.Model] | None, list[tuple[Any, Any, Any]]]] = []
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        rows = []
        for name, change in (entry.changes_dict or {}).items():
            if isinstance(change, dict):
                if change.get("type") == "m2m" and model is not None:
                    try:
                        m2m = model._meta.get_field(name)
                    except FieldDoesNotExist:
                        continue
                    rows.append((m2m, None, change))
                continue
            field = _field(model, name)
            if field is None:
                continue
            old, new = [*list(change), None, None][:2]
            if entry.action == LogEntry.Action.CREATE and _is_empty(new):
                continue
            related.want(field, old)
            related.want(field, new)
            rows.append((field, old, new))
        parsed.append((entry, model, rows))
    related.fetch()

    lines = []
    for entry, model, rows in parsed:
        changes = []
        for field, old, new in rows:
            label = str(capfirst(field.verbose_name))
            if old is None and isinstance(new, dict):
                before, after = _m2m_display(new)
            else:
                before, after = _display(field, old, related), _display(field, new, related)
            changes.append(Change(label, before, after))
        kind = str(capfirst(model._meta.verbose_name)) if model else entry.content_type.name
        record = entry.object_repr
        lines.append(
            HistoryLine(
                entry=entry,
                kind=kind,
                record=record,
                action=action_label(entry.action),
                actor=str(entry.actor) if entry.actor_id else _("system"),
                changes=changes,
            )
        )
    return lines


@dataclass(frozen=True)
class AccessLine:
    entry: Any
    field: str


def access_lines(entries: Iterable[Any]) -> list[AccessLine]:
    """Access-log rows with the field read named in words (手机号码, not ``phone``)."""
    from .audit import access_field_label

    return [
        AccessLine(
            entry=e,
            field=access_field_label(
                e.subject_type.model_class() if e.subject_type_id else None, e.field
            ),
        )
        for e in entries
    ]
