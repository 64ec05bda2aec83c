"""``dumpdata`` refuses personal models unless --reveal-personal-data is given
(accounts/management/commands/dumpdata.py)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.management.commands.dumpdata import FLAG

pytestmark = pytest.mark.django_db


def _dump(*args: str) -> str:
    out = io.StringIO()
    call_command("dumpdata", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        (),  # everything, personal models included implicitly
        ("needs",),
        ("matching",),
        ("accounts",),
        ("needs.Household",),
        ("needs.Visit",),
        ("auditlog",),
        ("accounts.AccessLog",),
        ("supply", "accounts.User"),
    ],
)
def test_it_refuses_personal_models_named_or_implied(args, worker):
    with pytest.raises(CommandError) as refused:
        _dump(*args)
    message = str(refused.value)
    assert FLAG in message and "pg_dump" in message
    assert "13800138000" not in message


def test_the_refusal_names_every_personal_model_of_a_bare_dump(worker):
    with pytest.raises(CommandError) as refused:
        _dump()
    for label in (
        "accounts.User",
        "accounts.AccessLog",
        "accounts.Notification",
        "auditlog.LogEntry",
        "needs.Household",
        "needs.Member",
        "needs.Visit",
        "needs.Need",
        "needs.Consent",
        "matching.Application",
        "matching.Feedback",
    ):
        assert label in str(refused.value)
    for plain in ("supply.Organization", "accounts.Region", "needs.MemberTag"):
        assert plain not in str(refused.value)


def test_a_refused_dump_writes_no_file(worker, tmp_path):
    target = tmp_path / "dump.json"
    with pytest.raises(CommandError):
        call_command("dumpdata", "accounts", output=str(target))
    assert not target.exists()


def test_models_without_personal_data_dump_as_before(worker, regions):
    rows = json.loads(_dump("accounts.Region", "supply", "needs.MemberTag"))
    assert {row["model"] for row in rows} == {"accounts.region"}


def test_excluding_the_personal_models_allows_the_rest(worker):
    rows = json.loads(
        _dump(
            "accounts",
            "--exclude",
            "accounts.User",
            "--exclude",
            "accounts.AccessLog",
            "--exclude",
            "accounts.Notification",
        )
    )
    assert rows and {row["model"] for row in rows} == {"accounts.region"}


def test_with_the_flag_it_dumps_in_plain_text_and_warns(worker):
    out, err = io.StringIO(), io.StringIO()
    call_command("dumpdata", "accounts.User", reveal_personal_data=True, stdout=out, stderr=err)

    assert "13800138000" in out.getvalue()  # what the flag is for, and why it is needed
    assert "plain text" in err.getvalue()


def test_the_flag_is_accepted_on_the_command_line(worker):
    out = io.StringIO()
    call_command("dumpdata", "needs.Household", FLAG, stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue()) == []
