from __future__ import annotations

import pytest

from accounts.models import User
from accounts.scope import region_scope

pytestmark = pytest.mark.django_db


def test_it_scopes_each_role(worker, county_officer, administrator, charity_user, regions):
    assert region_scope(worker).prefix == "441881101"
    assert region_scope(county_officer).prefix == "441881"
    assert region_scope(administrator).everything
    assert region_scope(charity_user).is_empty
    no_role = User.objects.create(username="norole")
    assert region_scope(no_role).is_empty
    inactive = User.objects.create(
        username="gone", role="civil_affairs", region=regions["city"], is_active=False
    )
    assert region_scope(inactive).is_empty


def test_it_lets_the_owner_and_colleague_see_and_the_outsider_get_404(
    client, worker, colleague, outsider
):
    client.force_login(worker)
    assert client.get(f"/staff/{worker.pk}/").status_code == 200

    client.force_login(colleague)
    assert client.get(f"/staff/{worker.pk}/").status_code == 200

    client.force_login(outsider)
    response = client.get(f"/staff/{worker.pk}/")
    assert response.status_code == 404
    assert "沙口镇" not in response.content.decode()
    assert client.get("/staff/999999/").status_code == 404  # missing looks the same as forbidden


def test_an_officer_of_another_county_gets_404_and_an_empty_list(
    client, worker, county_officer, other_county_officer
):
    client.force_login(county_officer)
    assert client.get(f"/staff/{worker.pk}/").status_code == 200
    assert worker.name in client.get("/staff/").content.decode()

    client.force_login(other_county_officer)
    assert client.get(f"/staff/{worker.pk}/").status_code == 404
    listing = client.get("/staff/").content.decode()
    assert worker.name not in listing


def test_the_region_filter_cannot_widen_the_scope(client, worker, outsider):
    client.force_login(outsider)
    page = client.get("/staff/", {"region": "44"}).content.decode()
    assert worker.name not in page


def test_the_staff_list_runs_a_bounded_number_of_queries(
    client, county_officer, regions, django_assert_max_num_queries
):
    User.objects.bulk_create(
        User(username=f"w{i}", name=f"社工{i}", role="social_worker", region=regions["township_a2"])
        for i in range(100)
    )
    client.force_login(county_officer)
    with django_assert_max_num_queries(8):
        response = client.get("/staff/")
    assert response.status_code == 200
    assert response.content.decode().count("/staff/") >= 50


def test_a_role_with_a_home_region_of_the_wrong_level_sees_nothing(regions):
    misplaced = User.objects.create(
        username="misplaced", role="social_worker", region=regions["city"]
    )
    assert region_scope(misplaced).is_empty
    assert list(User.objects.visible_to(misplaced)) == [misplaced]
