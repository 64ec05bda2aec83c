"""The hook a need's closing runs (needs.hooks): needs calls what higher apps registered, and
imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from needs import hooks, services
from needs.models import Need

pytestmark = pytest.mark.django_db

NEEDS = Path(services.__file__).resolve().parent
#: Apps above needs (ARCHITECTURE.md): needs imports only accounts.
HIGHER = {"matching", "referrals", "oversight", "reports", "supply"}


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_needs_imports_no_app_above_it():
    files = sorted(NEEDS.rglob("*.py"))
    assert NEEDS / "hooks.py" in files and NEEDS / "services.py" in files
    offenders = {
        str(path.relative_to(NEEDS)): sorted(
            m for m in _imported_modules(path) if m.split(".")[0] in HIGHER
        )
        for path in files
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test, with matching's registration put back afterwards."""
    monkeypatch.setattr(hooks, "_HOOKS", {})
    return hooks


@pytest.fixture
def need(worker, household) -> Need:
    return services.need_register(
        user=worker, household=household, area="medical_aid", form="cash", description="住院费用"
    )


def _record(pk: int) -> hooks.ClosedRecord:
    return hooks.ClosedRecord(
        kind="thing",
        id=pk,
        number=f"T{pk}",
        title="a project",
        organization="an organisation",
        status="running",
        status_display="running",
    )


def test_a_closing_need_runs_every_registered_close_in_its_transaction(registry, worker, need):
    calls = []

    def close(*, need, user, reason):
        # The need has its new status when the hook runs, inside the same transaction.
        assert Need.objects.get(pk=need.pk).status == Need.Status.WITHDRAWN
        calls.append((need.pk, user, reason))
        return [_record(1)]

    registry.register_need_closing("one", preview=lambda needs: {}, close=close)
    registry.register_need_closing(
        "two", preview=lambda needs: {}, close=lambda **kwargs: [_record(2)]
    )

    closed = services.need_transition(
        user=worker, need=need, to=Need.Status.WITHDRAWN, reason="搬走了"
    )

    assert calls == [(need.pk, worker, "搬走了")]
    assert [r.id for r in closed.closed_with] == [1, 2]


def test_a_move_between_live_statuses_runs_no_close(registry, worker, need):
    calls = []
    registry.register_need_closing(
        "one", preview=lambda needs: {}, close=lambda **kwargs: calls.append(kwargs) or []
    )
    moved = services.need_transition(user=worker, need=need, to=Need.Status.MATCHING)
    assert calls == [] and moved.closed_with == []


def test_a_failing_close_undoes_the_closing(registry, worker, need):
    def close(**kwargs):
        raise RuntimeError("the other app failed")

    registry.register_need_closing("broken", preview=lambda needs: {}, close=close)

    with pytest.raises(RuntimeError):
        services.need_transition(user=worker, need=need, to=Need.Status.WITHDRAWN, reason="重复")

    assert Need.objects.get(pk=need.pk).status == Need.Status.OPEN
    # The caller's copy of the need is the need as it still is.
    assert need.status == Need.Status.OPEN and need.closed_at is None


def test_the_preview_gathers_every_hook_for_every_need(registry, worker, household, need):
    other = services.need_register(
        user=worker, household=household, area="education_aid", form="cash", description="学费"
    )
    registry.register_need_closing(
        "one", preview=lambda needs: {need.pk: [_record(1)]}, close=lambda **kwargs: []
    )
    registry.register_need_closing(
        "two", preview=lambda needs: {need.pk: [_record(2)]}, close=lambda **kwargs: []
    )

    preview = hooks.closing_preview([need, other])

    assert [r.id for r in preview[need.pk]] == [1, 2]
    assert preview[other.pk] == []
    assert hooks.closing_preview([]) == {}
