"""Backup and restore on PostgreSQL, as the README tells: ``pg_dump`` of a database holding a
small ledger (households, people with ID numbers, phones and health notes, needs, visits,
consents, projects, applications, feedback, editions), restored into a fresh database.

THEN every model's table holds as many rows in the restored database as in the original; the
personal fields read back with the keys (FIELD_ENCRYPTION_KEY) as they were written; their raw
columns, and the dump itself, hold none of the plain values; with another key they cannot be
read; and the blind index finds a person by ID number in the restored database.

Needs PostgreSQL and its client programs (pg_dump, psql) on PATH; skipped without them, a
failure in CI (AIDBRIDGE_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid

import psycopg2
import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.db import connection

from accounts import crypto
from accounts.fields import EncryptedTextField
from needs.models import Member, Visit

from ..reports.conftest import populate
from .conftest import on_postgresql, require

#: Plain values of people written into the ledger before the dump.
ID_NUMBER = "441881199003071234"
PHONE = "13912345678"
HEALTH = "糖尿病,每月透析两次"
FINDINGS = "家中漏雨,老人独居"


def _dsn(name: str) -> str:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{name}"


@pytest.fixture
def restored(transactional_db, tmp_path):
    """The name of a fresh database for the restore; dropped at the end."""
    programs = [p for p in ("pg_dump", "psql") if shutil.which(p) is None]
    require(on_postgresql() + [f"{p} on PATH" for p in programs])
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:6]}"
    yield {"name": name}
    _server(f'DROP DATABASE IF EXISTS "{name}"')


def _server(sql: str) -> None:
    """A statement outside any database's transaction (CREATE or DROP DATABASE)."""
    admin = psycopg2.connect(_dsn("postgres"))
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql)
    finally:
        admin.close()


class Copy:
    """Queries to the restored database."""

    def __init__(self, name: str) -> None:
        self.connection = psycopg2.connect(_dsn(name))

    def all(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def close(self) -> None:
        self.connection.close()


def _dump_and_restore(state: dict[str, str], tmp_path) -> str:
    dump = tmp_path / "aidbridge.sql"
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "--no-privileges",
            "-f",
            str(dump),
            _dsn(connection.settings_dict["NAME"]),
        ],
        check=True,
        env=env,
        timeout=120,
    )
    _server(f'CREATE DATABASE "{state["name"]}"')
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dump), _dsn(state["name"])],
        check=True,
        env=env,
        timeout=120,
        capture_output=True,
    )
    return dump.read_text(encoding="utf-8")


def _tables() -> dict[str, type]:
    """Every table of the project's models (many-to-many tables included), by name."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables[model._meta.db_table] = model
    return tables


def _encrypted_fields() -> list[tuple[type, str, str]]:
    return [
        (model, field.attname, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def test_a_dump_restored_into_a_fresh_database_has_every_row_and_keeps_personal_fields_sealed(
    restored, regions, tmp_path
):
    data = populate(regions)
    member = Member.objects.filter(household__region__code__startswith="441881").first()
    member.id_number, member.phone, member.health_notes = ID_NUMBER, PHONE, HEALTH
    member.id_number_index = crypto.blind_index(ID_NUMBER, purpose="id_number")
    member.save()
    Visit.objects.create(
        household=member.household,
        visited_on=dt.date(2025, 3, 1),
        worker=data["builder"].worker_a1,
        findings=FINDINGS,
    )
    counts = {table: model._base_manager.count() for table, model in _tables().items()}
    assert counts[Member._meta.db_table] > 5 and sum(counts.values()) > 100

    text = _dump_and_restore(restored, tmp_path)

    # The dump holds the personal fields encrypted only.
    for plain in (ID_NUMBER, PHONE, HEALTH, FINDINGS):
        assert plain not in text

    copy = Copy(restored["name"])
    try:
        # Every row.
        restored_counts = {
            table: copy.all(f'SELECT count(*) FROM "{table}"')[0][0] for table in counts
        }
        assert restored_counts == counts

        # Every encrypted value: readable with the keys, as Django reads it from the original.
        other_key = Fernet(Fernet.generate_key())
        checked = 0
        for model, attname, column in _encrypted_fields():
            table, pk = model._meta.db_table, model._meta.pk.column
            raw = dict(
                copy.all(f'SELECT "{pk}", "{column}" FROM "{table}" WHERE "{column}" <> %s', [""])
            )
            expected = dict(model._base_manager.filter(pk__in=list(raw)).values_list("pk", attname))
            for key, token in raw.items():
                assert crypto.decrypt(token) == expected[key], f"{table}.{column} #{key}"
                assert expected[key] not in token
                with pytest.raises(InvalidToken):
                    other_key.decrypt(token.encode())
                checked += 1
        assert checked >= 20

        # The person's own values, by column.
        table = Member._meta.db_table
        row = copy.all(
            f'SELECT "id_number", "phone", "health_notes" FROM "{table}" WHERE "id" = %s',
            [member.pk],
        )[0]
        assert [crypto.decrypt(value) for value in row] == [ID_NUMBER, PHONE, HEALTH]
        assert not any(plain in value for value in row for plain in (ID_NUMBER, PHONE, HEALTH))
        # The blind index finds the person by ID number (the same FIELD_HASH_KEY).
        index = crypto.blind_index(ID_NUMBER, purpose="id_number")
        found = copy.all(f'SELECT "id" FROM "{table}" WHERE "id_number_index" = %s', [index])
        assert found == [(member.pk,)]
    finally:
        copy.close()
