from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_me_describes_the_logged_in_user(api, worker):
    api.force_authenticate(worker)
    data = api.get("/api/me/").json()
    assert data["username"] == "worker"
    assert data["role"] == "social_worker"
    assert data["region"]["code"] == "441881101000"
    assert data["region"]["prefix"] == "441881101"
    assert data["phone_masked"] == "138****8000"
    assert "13800138000" not in str(data)
    assert AccessLog.objects.count() == 0


def test_me_needs_authentication(api, regions):
    assert api.get("/api/me/").status_code in (401, 403)


def test_a_token_from_username_and_password_authenticates(api, worker):
    response = api.post("/api/auth/token/", {"username": "worker", "password": "Correct-Horse-42"})
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/me/").json()["username"] == "worker"


def test_a_bad_password_gets_a_400_with_errors(api, worker):
    response = api.post("/api/auth/token/", {"username": "worker", "password": "nope"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/me/" in out.read_text()


def test_swagger_ui_is_served_from_our_own_static_files(client, regions):
    body = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in body
    assert "cdn" not in body.lower()
