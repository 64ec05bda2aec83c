from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings


def test_the_chinese_catalogue_is_complete():
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po"))
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_the_catalogue_is_the_one_place_a_translation_lives():
    """Issue 10: no second copy of the translations (a Python table feeding the .po) beside
    Django's own catalogue; ``locale/`` holds only what makemessages and compilation make."""
    locale = Path(settings.BASE_DIR) / "locale"
    kept = {
        p.relative_to(locale).as_posix()
        for p in locale.rglob("*")
        if p.is_file() and p.suffix not in {".mo"} and "__pycache__" not in p.parts
    }
    assert kept == {"zh_Hans/LC_MESSAGES/django.po"}


def test_role_labels_are_translated(db):
    from accounts.models import User

    assert [str(label) for label in User.Role.labels] == [
        "社工",
        "民政工作人员",
        "慈善组织工作人员",
        "管理员",
        "成员单位工作人员",
    ]
