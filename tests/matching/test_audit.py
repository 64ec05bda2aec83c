"""Applications and feedback are in the change history, their free text masked."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry

from matching import services

pytestmark = pytest.mark.django_db

MARKER = "（已修改，内容不记录）"


def test_an_application_is_recorded_with_its_message_masked(worker, need, project, consent):
    application = services.application_create(
        user=worker,
        need=need,
        project=project,
        mode="assisted",
        message="孩子父亲患尿毒症,每周透析两次,请尽快",
    )

    entry = LogEntry.objects.get_for_object(application).get(action=LogEntry.Action.CREATE)
    assert entry.changes_dict["message"] == ["", MARKER]
    assert entry.changes_dict["status"][1] == "draft"  # then submitted by a conditional update
    text = json.dumps(entry.changes, ensure_ascii=False) + entry.object_repr
    assert "尿毒症" not in text and "透析" not in text
