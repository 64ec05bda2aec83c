from __future__ import annotations

from schemathesis.pytest.plugin import SchemathesisFunction


def pytest_collection_modifyitems(items):
    """Schemathesis names each generated test after its operation
    (``test_…[GET /api/needs/households/]``), but under pytest 9.2 (whose node ids are built
    from the parametrization, which schemathesis leaves empty) they all got the function's node
    id; pytest-xdist keeps its tests by node id, so it ran one operation per function and never
    the rest. Each such test gets its operation back in its node id."""
    for item in items:
        if not isinstance(item, SchemathesisFunction) or item.nodeid.endswith("]"):
            continue
        operation = item.name.partition("[")[2].removesuffix("]")
        if operation and hasattr(item, "_id"):
            item._id = item._id.with_params(operation)
