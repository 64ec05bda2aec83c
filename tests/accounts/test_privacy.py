"""Personal data at rest: a raw read of every table of the demo database holds no ID number,
no mobile number and none of the demo's health phrases, whether in the ledger's own columns,
in the change history (auditlog's ``changes`` and ``object_repr``) or anywhere else.

The read goes around the ORM (SQL on every column of every table the database lists), as a
``pg_dump`` or a stolen SQLite file would, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from auditlog.registry import auditlog
from django.db import connection

from accounts.fields import encrypted_fields
from needs import demo
from needs.models import Member

from ..demo_support import seed_demo_once

pytestmark = pytest.mark.django_db

#: A mainland mobile number standing alone (not inside a digest, a token or a longer number).
MOBILE = re.compile(r"(?<![0-9A-Za-z_-])1[3-9]\d{9}(?![0-9A-Za-z_-])")
ID_LIKE = re.compile(r"[0-9X]{18,}")


def health_phrases() -> set[str]:
    """What the demo writes about illness, from needs/demo.py's own lists: each detail, the
    health note as written ("尿毒症,每周透析两次") and "患<illness>" as the notes and need
    descriptions put it. A bare illness name alone is not checked: the public supply ledger
    has projects such as "尿毒症患者透析补助", which are no one's personal data."""
    phrases = set()
    for illness, detail in (*demo.CHRONIC, *demo.SERIOUS):
        phrases |= {detail, f"{illness},{detail}", f"患{illness}"}
    phrases |= set(demo.DISABILITY_CARE.values())
    return phrases


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    yield from seed_demo_once(django_db_blocker, tmp_path_factory)


def _raw_values() -> Iterator[tuple[str, str, str]]:
    """(table, column, text) for every text-like value of every table, read with plain SQL."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            cursor.execute(f"SELECT * FROM {quote(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, dict | list):  # json/jsonb on PostgreSQL
                        value = json.dumps(value, ensure_ascii=False)
                    elif isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    if isinstance(value, str) and value:
                        yield table, column, value


def test_a_raw_dump_of_the_demo_holds_no_id_number_mobile_number_or_health_text(demo_output):
    id_numbers = {m.id_number for m in Member.objects.all() if m.id_number}
    phrases = health_phrases()
    assert len(id_numbers) > 500 and len(phrases) > 30
    tables: set[str] = set()
    leaks: list[str] = []

    for table, column, text in _raw_values():
        tables.add(table)
        where = f"{table}.{column}"
        for run in ID_LIKE.findall(text.upper()):
            if any(run[i : i + 18] in id_numbers for i in range(len(run) - 17)):
                leaks.append(f"{where}: an ID number")
        if MOBILE.search(text):
            leaks.append(f"{where}: a mobile number")
        leaks.extend(f"{where}: {p}" for p in phrases if p in text)

    # The dump did read the ledger, the matching service and the change history.
    assert {"needs_household", "needs_need", "matching_application"} <= tables
    assert "auditlog_logentry" in tables
    assert sorted(set(leaks)) == []


def test_the_demo_wrote_the_phrases_the_dump_looks_for(demo_output):
    """The check above can fail: the demo's people do carry these phrases (read decrypted)."""
    members = list(Member.objects.all())
    assert any(p in m.health_notes for m in members for p in health_phrases())
    assert sum(1 for m in members if m.phone) > 50


def test_no_audited_model_names_itself_with_free_text(demo_output):
    """auditlog stores ``str(instance)`` as ``object_repr``: no registered model's name may
    carry an encrypted (free-text or identifying) value."""
    sentinel = "哨兵文本SENTINEL"
    checked = []
    for model in auditlog.get_models():
        names = encrypted_fields(model)
        instances = list(model._default_manager.all()[:20])
        assert instances, f"the demo has no {model._meta.label}"
        for instance in instances:
            for name in names:
                setattr(instance, name, sentinel)
            assert sentinel not in str(instance), model._meta.label
        checked.append(model._meta.label)
    assert {"needs.Household", "needs.Need", "needs.Visit", "matching.Application"} <= set(checked)
