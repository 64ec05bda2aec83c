from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from accounts.services import sensitive_field_reveal

pytestmark = pytest.mark.django_db


def test_the_audit_viewer_lists_sensitive_reads_for_administrators(
    client, administrator, worker, colleague
):
    sensitive_field_reveal(user=colleague, instance=worker, field_name="phone", reason="入户核实")
    client.force_login(administrator)

    page = client.get("/audit/").content.decode()

    assert "入户核实" in page
    assert "13800138000" not in page


@pytest.mark.parametrize("persona", ["worker", "county_officer", "charity_user"])
def test_the_audit_viewer_is_404_for_everyone_else(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/?tab=changes").status_code == 404


def test_change_history_records_that_the_phone_changed_but_not_its_value(
    client, administrator, worker
):
    worker.name = "李社工(已改名)"
    worker.set_phone("13611112222")
    worker.save()

    entry = LogEntry.objects.get_for_object(worker).first()
    assert "name" in entry.changes_dict
    assert entry.changes_dict["phone"] == ["（已修改，内容不记录）", "（已修改，内容不记录）"]
    assert "phone_index" not in entry.changes_dict
    assert "13611112222" not in str(entry.changes) and "13800138000" not in str(entry.changes)

    client.force_login(administrator)
    page = client.get("/audit/", {"tab": "changes", "model": "user"}).content.decode()
    assert "李社工(已改名)" in page
    assert "13611112222" not in page
