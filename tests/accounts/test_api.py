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
    assert response.json()["expires_at"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/me/").json()["username"] == "worker"


def test_a_token_expires_and_a_new_one_is_issued(api, worker):
    import datetime as dt

    import time_machine

    key = api.post(
        "/api/auth/token/", {"username": "worker", "password": "Correct-Horse-42"}
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with time_machine.travel(dt.timedelta(hours=13)):
        assert api.get("/api/me/").status_code == 401
        api.credentials()
        fresh = api.post(
            "/api/auth/token/", {"username": "worker", "password": "Correct-Horse-42"}
        ).json()
    assert fresh["token"] != key


def test_a_password_change_revokes_the_tokens(api, client, worker):
    key = api.post(
        "/api/auth/token/", {"username": "worker", "password": "Correct-Horse-42"}
    ).json()["token"]
    client.force_login(worker)
    new = "Qingyuan-Shakou-2026"
    client.post(
        "/account/password/",
        {"old_password": "Correct-Horse-42", "new_password1": new, "new_password2": new},
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/me/").status_code == 401


def test_a_bad_password_gets_a_400_with_errors(api, worker):
    response = api.post("/api/auth/token/", {"username": "worker", "password": "nope"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/me/" in out.read_text()


def test_the_schema_and_docs_need_a_login(client, regions):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)


def test_swagger_ui_is_served_from_our_own_static_files(client, worker):
    client.force_login(worker)
    body = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in body
    assert "cdn" not in body.lower()
