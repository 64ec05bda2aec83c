from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AccessLog
from accounts.services import sensitive_field_reveal

pytestmark = pytest.mark.django_db


def test_every_reveal_writes_exactly_one_access_log_row(client, worker, colleague):
    client.force_login(colleague)

    for n in (1, 2):
        response = client.post(
            f"/staff/{worker.pk}/reveal-phone/",
            {"reason": "入户前电话联系"},
            REMOTE_ADDR="10.1.2.3",
        )
        assert response.status_code == 200
        assert "13800138000" in response.content.decode()
        assert AccessLog.objects.count() == n

    entry = AccessLog.objects.first()
    assert (entry.user, entry.subject_id, entry.field) == (colleague, str(worker.pk), "phone")
    assert entry.reason == "入户前电话联系"
    assert entry.ip_address == "10.1.2.3"
    assert entry.region_code == worker.region_id


def test_the_detail_page_shows_the_phone_masked(client, worker, colleague):
    client.force_login(colleague)
    page = client.get(f"/staff/{worker.pk}/").content.decode()
    assert "138****8000" in page
    assert "13800138000" not in page
    assert AccessLog.objects.count() == 0


def test_a_reveal_without_reason_shows_the_error_and_logs_nothing(client, worker, colleague):
    client.force_login(colleague)

    response = client.post(f"/staff/{worker.pk}/reveal-phone/", {"reason": "  "})

    assert response.status_code == 400
    assert "13800138000" not in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert AccessLog.objects.count() == 0


def test_the_htmx_reveal_returns_only_the_fragment(client, worker, colleague):
    client.force_login(colleague)
    response = client.post(
        f"/staff/{worker.pk}/reveal-phone/", {"reason": "核实"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.strip().startswith('<div id="phone">')
    assert "13800138000" in body
    assert AccessLog.objects.count() == 1


def test_an_outsider_cannot_reveal_and_nothing_is_logged(client, worker, outsider):
    client.force_login(outsider)
    response = client.post(f"/staff/{worker.pk}/reveal-phone/", {"reason": "curious"})
    assert response.status_code == 404
    assert AccessLog.objects.count() == 0


def test_the_service_checks_the_scope_itself(worker, outsider):
    from django.http import Http404

    with pytest.raises(Http404):
        sensitive_field_reveal(user=outsider, instance=worker, field_name="phone", reason="好奇")
    assert AccessLog.objects.count() == 0


def test_a_forged_forwarded_for_header_is_not_logged_as_the_client(client, worker, colleague):
    client.force_login(colleague)
    client.post(
        f"/staff/{worker.pk}/reveal-phone/",
        {"reason": "核实"},
        REMOTE_ADDR="10.9.8.7",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    assert AccessLog.objects.get().ip_address == "10.9.8.7"


def test_behind_one_trusted_proxy_the_address_it_saw_is_logged(client, worker, colleague, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(colleague)
    client.post(
        f"/staff/{worker.pk}/reveal-phone/",
        {"reason": "核实"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5",
    )
    assert AccessLog.objects.get().ip_address == "203.0.113.5"


def test_the_service_requires_a_reason(worker, colleague):
    with pytest.raises(ValidationError):
        sensitive_field_reveal(user=colleague, instance=worker, field_name="phone", reason="")
    with pytest.raises(ValueError, match="not a protected field"):
        sensitive_field_reveal(user=colleague, instance=worker, field_name="email", reason="x")
    assert AccessLog.objects.count() == 0


def test_the_access_log_is_append_only(worker, colleague):
    sensitive_field_reveal(user=colleague, instance=worker, field_name="phone", reason="核实")
    entry = AccessLog.objects.get()

    entry.reason = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.update(reason="changed")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().reason == "核实"
