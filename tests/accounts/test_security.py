from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from .helpers import run_manage

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _login(client, username="worker", password="Correct-Horse-42"):
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7"
    )


def test_it_locks_an_account_after_five_failures(client, worker):
    for _ in range(5):
        response = _login(client, password="wrong-password")
        assert response.status_code in (200, 429)

    response = _login(client)  # the right password, too late

    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(client, worker):
    for _ in range(4):
        assert _login(client, password="wrong-password").status_code == 200
    assert _login(client).status_code == 302


def test_a_wrong_password_is_explained_next_to_the_form_and_the_username_is_kept(client, worker):
    response = _login(client, password="wrong-password")
    body = response.content.decode()
    assert "用户名或密码不正确" in body
    assert 'value="worker"' in body


def test_it_logs_out_after_30_idle_minutes(client, worker):
    with time_machine.travel(START, tick=False) as traveller:
        assert _login(client).status_code == 302
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/dashboard/").status_code == 200
        traveller.shift(dt.timedelta(minutes=31))

        response = client.get("/dashboard/")

        assert response.status_code == 302
        assert response["Location"] == "/login/?next=%2Fdashboard%2F"
        assert "您已连续 30 分钟未操作" in client.get(response["Location"]).content.decode()
        assert client.get("/dashboard/").status_code == 302


def test_activity_keeps_the_session_until_the_absolute_limit(client, worker, settings):
    with time_machine.travel(START, tick=False) as traveller:
        _login(client)
        for _ in range(29):  # 29 x 20 minutes = 9 h 40 min of steady work
            traveller.shift(dt.timedelta(minutes=20))
            assert client.get("/dashboard/").status_code == 200
        traveller.shift(dt.timedelta(minutes=21))  # past 10 hours since login

        assert client.get("/dashboard/").status_code == 302


def test_htmx_requests_are_redirected_by_header_when_the_session_timed_out(client, worker):
    with time_machine.travel(START, tick=False) as traveller:
        _login(client)
        traveller.shift(dt.timedelta(minutes=45))
        response = client.get("/staff/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/")


def test_security_headers_are_sent(client, worker):
    client.force_login(worker)
    response = client.get("/dashboard/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp


def test_pages_need_a_login(client, regions):
    for url in ("/dashboard/", "/staff/", "/notifications/", "/audit/", "/account/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/")


def test_the_login_page_is_in_chinese(client, regions):
    body = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录" in body and "用户名" in body and "密码" in body


def test_the_404_page_is_generic_and_chinese(client, worker):
    client.force_login(worker)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_logged_in_pages_are_never_cached(client, worker):
    client.force_login(worker)
    response = client.get("/dashboard/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    fragment = client.get("/staff/", HTTP_HX_REQUEST="true")
    assert "HX-Request" in fragment["Vary"]


def test_the_login_page_states_the_configured_idle_limit(client, regions, settings):
    settings.SESSION_IDLE_TIMEOUT = 15 * 60
    assert "连续 15 分钟未操作" in client.get("/login/").content.decode()


def test_check_deploy_is_clean_with_a_production_environment():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", production=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY", "DJANGO_ALLOWED_HOSTS"],
)
def test_production_refuses_to_start_without_its_secrets(missing):
    result = run_manage("check", production=True, unset=(missing,))
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_the_500_page_is_generic_chinese_and_needs_no_request_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "系统出现错误" in html
    assert "Traceback" not in html


def test_a_weak_new_password_is_refused_next_to_the_field(client, worker):
    client.force_login(worker)
    response = client.post(
        "/account/password/",
        {
            "old_password": "Correct-Horse-42",
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "密码长度太短" in body and "这个密码太常见了" in body
    worker.refresh_from_db()
    assert worker.check_password("Correct-Horse-42")


def test_a_strong_new_password_is_accepted(client, worker):
    client.force_login(worker)
    new = "Qingyuan-Shakou-2026"
    response = client.post(
        "/account/password/",
        {"old_password": "Correct-Horse-42", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.check_password(new)
