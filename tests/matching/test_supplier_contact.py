"""What the supplier reads about reaching the person: "not agreed" is not "no number"."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from matching import services

pytestmark = pytest.mark.django_db

NOT_AGREED = "not shared: the person did not agree to be contacted"
NO_NUMBER = (
    "The person agreed to be contacted, but no phone number is on file: reach them through the "
    "social worker who applied."
)


def _zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return escape(gettext(msgid))


def _supplier_page(client, charity, application) -> str:
    client.force_login(charity)
    response = client.get(f"/matching/applications/{application.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_person_who_agreed_but_has_no_phone_on_file_is_not_called_unwilling(
    client, worker, need, project, consent, charity_a
):
    """GIVEN a child without a phone whose parent has given no consent of their own
    WHEN the worker applies and shares the contact
    THEN the charity reads that the person agreed but no number is recorded, with the worker."""
    application = services.application_create(
        user=worker, need=need, project=project, mode="assisted", share_contact=True
    )
    page = _supplier_page(client, charity_a, application)
    assert _zh(NO_NUMBER) in page
    assert escape(worker.get_full_name()) in page
    assert _zh(NOT_AGREED) not in page


def test_a_person_who_did_not_agree_is_shown_as_not_agreed(
    client, worker, need, project, consent, charity_a
):
    application = services.application_create(
        user=worker, need=need, project=project, mode="assisted", share_contact=False
    )
    page = _supplier_page(client, charity_a, application)
    assert _zh(NOT_AGREED) in page
    assert _zh(NO_NUMBER) not in page
