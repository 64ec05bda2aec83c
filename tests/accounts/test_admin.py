from __future__ import annotations

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, administrator):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    return client


def test_the_change_form_shows_no_editable_password_and_masks_the_phone(admin_client, worker):
    page = admin_client.get(f"/admin/accounts/user/{worker.pk}/change/").content.decode()
    assert 'name="password"' not in page
    assert "138****8000" in page and "13800138000" not in page


def test_the_change_form_stores_a_new_phone_encrypted_and_keeps_the_password(admin_client, worker):
    page = admin_client.get(f"/admin/accounts/user/{worker.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        username="worker",
        name="李社工",
        role="social_worker",
        region=worker.region_id,
        phone_input="139 0000 1111",
        is_active="on",
        date_joined_0="2026-01-01",
        date_joined_1="08:00:00",
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    response = admin_client.post(f"/admin/accounts/user/{worker.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    worker.refresh_from_db()
    assert worker.phone == "13900001111"
    assert worker.check_password("Correct-Horse-42")


def test_adding_a_social_worker_with_a_city_as_home_region_is_refused(admin_client, regions):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newworker",
            "name": "新社工",
            "role": "social_worker",
            "region": regions["city"].code,
            "usable_password": "true",
            "password1": "Qingyuan-Shakou-2026",
            "password2": "Qingyuan-Shakou-2026",
        },
    )
    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="newworker").exists()


def test_adding_a_social_worker_of_a_township_works(admin_client, regions):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newworker",
            "name": "新社工",
            "role": "social_worker",
            "region": regions["township_a1"].code,
            "usable_password": "true",
            "password1": "Qingyuan-Shakou-2026",
            "password2": "Qingyuan-Shakou-2026",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newworker").region == regions["township_a1"]


@pytest.mark.parametrize("persona", ["county_officer", "worker"])
def test_staff_who_are_not_administrators_cannot_open_the_admin(client, request, persona):
    user = request.getfixturevalue(persona)
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())  # even with every permission
    client.force_login(user)
    assert client.get("/admin/").status_code == 302  # to the admin login
    assert client.get("/admin/accounts/user/").status_code == 302
