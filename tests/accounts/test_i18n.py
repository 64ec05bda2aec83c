from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings


def test_the_chinese_catalogue_is_complete():
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po"))
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_role_labels_are_translated(db):
    from accounts.models import User

    assert [str(label) for label in User.Role.labels] == [
        "社工",
        "民政工作人员",
        "慈善组织工作人员",
        "管理员",
    ]
