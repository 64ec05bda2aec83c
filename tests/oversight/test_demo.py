"""The demo complaints that ``manage.py seed_demo`` loads (oversight/demo.py): every status,
every kind of subject, one overdue that the job reminded and escalated, a photo, the named
social worker kept out — a printed tracking code reads the reply — and a second run changes
nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client

from accounts.models import Notification, User
from oversight.models import Complaint, ComplaintAttachment

from ..demo_support import Loaded, seed_demo_twice

pytestmark = pytest.mark.django_db


def _state() -> dict[str, object]:
    return {
        "complaints": dict(Complaint.objects.values_list("pk", "status")),
        "notifications": Notification.objects.filter(kind="complaint").count(),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Loaded]:
    yield from seed_demo_twice(django_db_blocker, tmp_path_factory, _state)


def test_a_second_run_creates_and_changes_nothing(loaded):
    assert loaded.second == loaded.first
    assert loaded.output.count("oversight demo:") == 2
    assert loaded.output.index("referrals demo:") < loaded.output.index("oversight demo:")


def test_every_status_and_subject_with_one_overdue_followed_up(loaded):
    complaints = Complaint.objects.all()
    assert set(complaints.values_list("status", flat=True)) == set(Complaint.Status.values)
    assert set(complaints.values_list("subject_kind", flat=True)) == set(Complaint.Subject.values)
    overdue = complaints.overdue().get()
    assert overdue.region_id == "441803000000"
    assert overdue.reminded_at is not None and overdue.escalated_at is not None
    assert ComplaintAttachment.objects.exists()
    named = User.objects.get(username="worker_colleague")
    assert complaints.get(subject_kind="staff").named_staff.filter(pk=named.pk).exists()


def test_a_printed_tracking_code_reads_the_reply(loaded):
    line = next(line for line in loaded.output.splitlines() if line.strip().startswith("concluded"))
    code = re.search(r"tracking code (\w+)", line).group(1)
    page = Client().post("/complaints/track/", {"code": code}, REMOTE_ADDR="10.3.3.3")
    assert page.status_code == 200
    assert Complaint.objects.get(status="concluded").reply[:10] in page.content.decode()
