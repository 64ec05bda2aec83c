"""The OpenAPI schema says what the API answers (issue 9, point 13): every error response an
operation can give, "" where a field may hold it and nowhere else, ids and yes/no filters typed
as such, required texts required, null where an output may be null."""

from __future__ import annotations

import json
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _component(schema, name):
    return schema["components"]["schemas"][name]


def _refs(prop: dict[str, Any]) -> list[str]:
    """The component names a property refers to (directly, or through oneOf/allOf)."""
    found = []
    for item in [prop, *prop.get("oneOf", []), *prop.get("allOf", [])]:
        if "$ref" in item:
            found.append(item["$ref"].rsplit("/", 1)[1])
    return found


def _allows_blank(schema, prop: dict[str, Any]) -> bool:
    if "" in prop.get("enum", []):
        return True
    return any("" in _component(schema, name).get("enum", []) for name in _refs(prop))


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        parameters = operation.get("parameters", [])
        query = any(p["in"] == "query" for p in parameters)
        in_path = any(p["in"] == "path" for p in parameters)
        paginated = any(p["name"] == "page" for p in parameters)
        login = path != "/api/auth/token/"
        expected = {"429"}
        if method in WRITES or query:
            expected.add("400")
        if login:
            expected.add("401")
            if method in WRITES:
                expected |= {"403", "404"}
        if in_path or paginated:
            expected.add("404")
        assert expected <= codes, (method, path, expected - codes)
        for code in expected:
            content = operation["responses"][code]["content"]
            ref = content["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ValidationErrors" if code == "400" else "/ErrorDetail")


def test_the_error_bodies_have_the_shape_drf_gives_them(schema):
    errors = _component(schema, "ValidationErrors")
    assert errors["properties"]["non_field_errors"]["items"] == {"type": "string"}
    assert "additionalProperties" in errors
    assert _component(schema, "ErrorDetail")["required"] == ["detail"]


def test_no_named_enum_lists_blank_only_fields_that_may_be_blank_add_it(schema):
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Enum") and name != "BlankEnum":
            assert "" not in component.get("enum", []), name


@pytest.mark.parametrize(
    ("component", "field"),
    [
        # Read-only outputs of blank=True model fields: DRF drops allow_blank from them.
        ("NeedsHouseholdListOutput", "gap_class"),
        ("NeedsHouseholdDetailOutput", "housing"),
        ("NeedsMemberOutput", "disability_type"),
        ("MatchingApplicationOutput", "review_flag"),
        ("MatchingApplicationOutput", "rejection_reason"),
        ("MatchingApplicationOutput", "rejection_criterion"),
        ("MatchingSupplierApplicationOutput", "answer"),
        ("SupplyOrganizationListOutput", "charity_status"),
        ("MeOutput", "role"),
        # Inputs where "" means something (no criterion, no outcome, not a charity).
        ("MatchingRejectInputRequest", "criterion"),
        ("MatchingFeedbackInputRequest", "need_outcome"),
        ("SupplyOrganizationInputRequest", "charity_status"),
    ],
)
def test_a_field_that_may_hold_blank_documents_it(schema, component, field):
    assert _allows_blank(schema, _component(schema, component)["properties"][field])


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("MatchingRejectInputRequest", "reason"),
        ("MatchingReviewFlagInputRequest", "flag"),
        ("MatchingFeedbackInputRequest", "side"),
        ("NeedsNeedTransitionInputRequest", "to"),
        ("SupplyProjectTransitionInputRequest", "to"),
        ("MatchingApplicationOutput", "status"),
    ],
)
def test_a_field_that_may_not_be_blank_does_not_document_blank(schema, component, field):
    assert not _allows_blank(schema, _component(schema, component)["properties"][field])


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("NeedsConsentRevokeInputRequest", "reason"),
        ("SupplyListingChangeRejectInputRequest", "reason"),
        ("MatchingWithdrawInputRequest", "reason"),
        ("MatchingExplainInputRequest", "explanation"),
        ("MatchingReviewFlagInputRequest", "note"),
        ("MatchingReviewResolveInputRequest", "note"),
    ],
)
def test_a_text_the_service_requires_is_required(schema, component, field):
    body = _component(schema, component)
    assert field in body.get("required", [])
    assert body["properties"][field].get("minLength") == 1
    assert "default" not in body["properties"][field]


def test_conditional_texts_say_when_they_are_required(schema):
    for component, field in [
        ("NeedsNeedTransitionInputRequest", "reason"),
        ("SupplyProjectTransitionInputRequest", "reason"),
        ("MatchingRejectInputRequest", "note"),
        ("MatchingFeedbackInputRequest", "outcome_reason"),
    ]:
        assert _component(schema, component)["properties"][field].get("description"), field


def _query(schema, path: str) -> dict[str, dict[str, Any]]:
    parameters = schema["paths"][path]["get"].get("parameters", [])
    return {p["name"]: p for p in parameters if p["in"] == "query"}


def test_id_filters_are_whole_numbers_in_the_id_range_and_yes_no_filters_booleans(schema):
    ids = {"household", "need", "project", "organization", "member"}
    flags = {"urgent", "mine", "stale"}
    seen = set()
    for path, method, _operation in _operations(schema):
        if method != "get":
            continue
        for name, parameter in _query(schema, path).items():
            if name in ids:
                assert parameter["schema"]["type"] == "integer", (path, name)
                assert parameter["schema"]["minimum"] == 1
                assert parameter["schema"]["maximum"] == 2**63 - 1
                seen.add(name)
            elif name in flags:
                assert parameter["schema"]["type"] == "boolean", (path, name)
                seen.add(name)
    assert seen == (ids - {"member"}) | flags
    days = _query(schema, "/api/needs/households/")["unvisited_days"]
    assert days["schema"]["type"] == "integer"


def test_an_empty_optional_query_value_is_documented_as_allowed(schema):
    query = _query(schema, "/api/needs/households/")
    assert query["tag"]["allowEmptyValue"] is True  # "any tag", as the page's form sends it
    assert query["page"]["allowEmptyValue"] is True
    # "status=" among several statuses is not a status.
    assert "allowEmptyValue" not in _query(schema, "/api/needs/needs/")["status"]


def test_path_ids_are_non_negative(schema):
    for _path, _method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"] == {"type": "integer", "minimum": 0}


def test_an_output_that_reads_a_nullable_field_is_nullable(schema):
    # Charity staff have no home region.
    assert _component(schema, "MeOutput")["properties"]["region"]["nullable"] is True
