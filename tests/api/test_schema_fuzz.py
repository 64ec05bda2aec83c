"""The API against its own OpenAPI schema: schemathesis generates requests for every operation
from the schema and checks each answer — no server error, a documented status code, a documented
content type, a body that matches the documented schema.

In process (the WSGI application, no server), on the demo data (``seed_demo``, loaded once for
the module and rolled back at the end), as an administrator, a social worker and a charity's
staff (the supplier's side of matching), each with an API token. Each generated request runs in
a savepoint that is rolled back, so a write does not change what the next request sees and the
database does not grow; the throttle cache starts empty for each. Path, query and body
references are pointed at existing rows most of the time (a random id would only ever meet
404), and at a row of another area or none at all the rest of the time.

Bounded and repeatable: a fixed seed, deterministic generation, a few examples per operation, no
example database.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig

from accounts.models import Region, User
from config.celery import app as celery_app
from config.wsgi import application
from matching.models import Application
from needs.models import Consent, Household, Member, Need, Visit
from oversight.models import AidRecord
from referrals.models import Case, Referral
from reports.models import AnnualEvaluation, ReportExport
from supply.models import LedgerEdition, ListingChange, Organization, Project

pytestmark = pytest.mark.django_db

#: Examples per operation and persona (about 45 operations, three personas), valid and invalid
#: input alike: enough to reach the shapes of the schema, little enough for CI.
MAX_EXAMPLES = 8

CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


def _schema() -> dict[str, Any]:
    """The schema ``/api/schema/`` serves, generated without a request."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 9013,
        "generation": {
            # Valid input, and input the schema forbids (which must get a documented 4xx).
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        # The examples phase (there are none) and fuzzing; the coverage phase's boundary cases
        # run to hundreds per operation, and the stateful phase chains requests across
        # operations, which the per-request rollback cannot isolate.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(_schema(), config=CONFIG)


# --- The demo data and the personas -----------------------------------------------------------

#: Which table a path parameter or a body or query field refers to.
PATH_MODELS = {
    "/api/needs/households/": Household,
    "/api/needs/members/": Member,
    "/api/needs/visits/": Visit,
    "/api/needs/needs/": Need,
    "/api/needs/consents/": Consent,
    "/api/matching/needs/": Need,
    "/api/matching/applications/": Application,
    "/api/referrals/referrals/": Referral,
    "/api/referrals/cases/": Case,
    "/api/supply/organizations/": Organization,
    "/api/supply/projects/": Project,
    "/api/supply/changes/": ListingChange,
    "/api/supply/editions/": LedgerEdition,
    "/api/reports/evaluations/": AnnualEvaluation,
    "/api/reports/files/": ReportExport,
    "/api/oversight/aid-records/": AidRecord,
}
FIELD_MODELS = {
    "household": Household,
    "member": Member,
    "need": Need,
    "project": Project,
    "organization": Organization,
    "worker": User,
    "staff": User,
    "region": Region,
    "registering_region": Region,
    "coverage": Region,
    "service_regions": Region,
    "needs": Need,
    "referral": Referral,
    "previous": Referral,
    "application": Application,
}


def _pools() -> dict[Any, list[Any]]:
    """The ids of the demo rows of each table, in a fixed order."""
    pools: dict[Any, list[Any]] = {}
    for model in {*PATH_MODELS.values(), *FIELD_MODELS.values()}:
        rows = model.objects.order_by("pk")
        if model is Region:
            # The demo's own places (three townships and their villages), not the province.
            rows = rows.filter(code__startswith="4418")
        pools[model] = list(rows.values_list("pk", flat=True))
    return pools


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The demo data, API tokens of the personas and the id pools; rolled back afterwards.

    Django's test client disconnects ``close_old_connections`` from the request signals; so
    does this fixture: inside the test's transaction, a request that ends would otherwise
    close the database connection (PostgreSQL) and lose the transaction.
    """
    celery_app.conf.task_always_eager = True
    media = tmp_path_factory.mktemp("media")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                MEDIA_ROOT=media,
            ),
            transaction.atomic(),
        ):
            call_command("seed_demo", stdout=io.StringIO())
            tokens = {
                username: Token.objects.get_or_create(user=User.objects.get(username=username))[
                    0
                ].key
                for username in ("admin", "worker", "charity", "member_unit")
            }
            yield {"tokens": tokens, "pools": _pools(), "media": media}
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# --- Pointing references at rows --------------------------------------------------------------


def _pick(pool: list[Any], value: Any) -> Any:
    """An existing id for three generated values in four; the generated one for the rest. The
    choice follows the generated value (crc32, not ``hash``), so a run repeats exactly."""
    if not pool or isinstance(value, bool) or not isinstance(value, int | str):
        return value
    key = zlib.crc32(str(value).encode())
    return value if key % 4 == 0 else pool[key % len(pool)]


def _point(values: Any, pools: dict[Any, list[Any]]) -> Any:
    """Body or query values with the references to known tables pointed at rows."""
    if isinstance(values, list):
        return [_point(item, pools) for item in values]
    if not isinstance(values, dict):
        return values
    pointed = {}
    for name, value in values.items():
        model = FIELD_MODELS.get(name)
        if model is None:
            pointed[name] = _point(value, pools)
        elif isinstance(value, list):
            pointed[name] = [_pick(pools[model], item) for item in value]
        else:
            pointed[name] = _pick(pools[model], value)
    return pointed


def _point_case(case: Any, pools: dict[Any, list[Any]]) -> None:
    path = case.operation.path
    for prefix, model in PATH_MODELS.items():
        if path.startswith(prefix) and case.path_parameters:
            case.path_parameters = {
                name: _pick(pools[model], value) for name, value in case.path_parameters.items()
            }
            break
    if case.query:
        case.query = _point(case.query, pools)
    if isinstance(case.body, dict | list):
        case.body = _point(case.body, pools)


# --- The test ---------------------------------------------------------------------------------


def _call_and_check(case: Any, demo: dict[str, Any], username: str) -> None:
    _point_case(case, demo["pools"])
    headers = {"Authorization": f"Token {demo['tokens'][username]}"}
    # tests/conftest.py gives each test an empty media folder; the demo's editions are here.
    with override_settings(MEDIA_ROOT=demo["media"]), transaction.atomic():
        cache.clear()  # throttles, lockouts
        response = case.call(app=application, headers=headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS.get_by_names(list(CHECK_NAMES)), headers=headers)


@schema.parametrize()
def test_the_api_keeps_to_its_schema_for_an_administrator(case, demo):
    _call_and_check(case, demo, "admin")


@schema.parametrize()
def test_the_api_keeps_to_its_schema_for_a_social_worker(case, demo):
    _call_and_check(case, demo, "worker")


#: Charity staff see applications from the supplier's side and referrals from a receiver's or
#: a referring charity's side (their own serializers); elsewhere they see next to nothing, which
#: the other personas' 404s already cover.
supplier_side = schema.include(path_regex=r"^/api/(matching/|referrals/|me/)")


@supplier_side.parametrize()
def test_the_api_keeps_to_its_schema_for_charity_staff(case, demo):
    _call_and_check(case, demo, "charity")


#: A member unit's staff push aid records and read their own (the region a record names is
#: pointed at the demo's places, inside the unit's 英德市 and outside it); everything else of
#: the API answers them 404 (accounts.roles).
member_unit_side = schema.include(
    path_regex=r"^/api/(oversight/aid-records|needs/households/$|me/)"
)


@member_unit_side.parametrize()
def test_the_api_keeps_to_its_schema_for_member_unit_staff(case, demo):
    _call_and_check(case, demo, "member_unit")
