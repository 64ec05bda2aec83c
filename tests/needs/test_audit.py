"""The change history records THAT a protected field changed, never its value (accounts.audit)."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry

from needs import services
from needs.models import Member, Need

from .factories import born_years_ago, id_number

pytestmark = pytest.mark.django_db

MARKER = "（已修改，内容不记录）"


def _history_text(entry: LogEntry) -> str:
    return json.dumps(entry.changes, ensure_ascii=False) + entry.object_repr


def _current_inputs(household) -> list[services.MemberInput]:
    return [
        services.MemberInput(
            member_id=m.pk,
            name=m.name,
            relation=m.relation,
            id_number=m.id_number,
            sex=m.sex,
            birth_date=m.birth_date,
            phone=m.phone,
            health_notes=m.health_notes,
            school_or_work=m.school_or_work,
            statuses=[r.status for r in m.assistance.filter(ended_on__isnull=True)],
            tags=[t.tag for t in m.tags.all()],
        )
        for m in household.members.filter(left_at__isnull=True).order_by("id")
    ]


def _save(worker, household, members=None, **changes):
    fields = {name: getattr(household, name) for name in services.HOUSEHOLD_FIELDS} | changes
    return services.household_save(
        user=worker,
        household=household,
        fields=fields,
        members=members or _current_inputs(household),
    )


def test_editing_household_notes_records_the_field_without_either_value(worker, household):
    _save(worker, household, notes="户主确诊肺癌,正在化疗")
    _save(worker, household, notes="户主肺癌术后,需长期复查")

    entry = LogEntry.objects.get_for_object(household).filter(action=LogEntry.Action.UPDATE).first()
    assert entry.changes_dict["notes"] == [MARKER, MARKER]
    assert "肺癌" not in _history_text(entry) and "化疗" not in _history_text(entry)
    created = LogEntry.objects.get_for_object(household).get(action=LogEntry.Action.CREATE)
    assert "肺癌" not in _history_text(created)


def test_editing_a_need_description_records_the_field_without_either_value(worker, household):
    son = household.members.get(name="陈小明")
    need = services.need_register(
        user=worker,
        household=household,
        member=son,
        area="medical_aid",
        form="cash",
        description="陈小明哮喘反复发作,每月药费约 300 元",
    )

    services.need_update(user=worker, need=need, description="陈小明哮喘住院,需要住院押金")

    entries = LogEntry.objects.get_for_object(need)
    update = entries.get(action=LogEntry.Action.UPDATE)
    assert update.changes_dict["description"] == [MARKER, MARKER]
    create = entries.get(action=LogEntry.Action.CREATE)
    assert create.changes_dict["description"] == ["", MARKER]  # nothing before, something now
    for entry in entries:
        assert "哮喘" not in _history_text(entry)
    assert Need.objects.get(pk=need.pk).description == "陈小明哮喘住院,需要住院押金"


def test_changing_an_id_number_records_that_it_changed_but_neither_number(worker, household):
    son = household.members.get(name="陈小明")
    old_number = son.id_number
    new_number = id_number(born=son.birth_date, sex=son.sex)
    members = _current_inputs(household)
    for data in members:
        if data.member_id == son.pk:
            data.id_number = new_number
            data.health_notes = "哮喘,需随身携带喷雾"

    _save(worker, household, members=members)

    entry = LogEntry.objects.get_for_object(son).filter(action=LogEntry.Action.UPDATE).first()
    assert entry.changes_dict["id_number"] == [MARKER, MARKER]
    assert entry.changes_dict["health_notes"] == [MARKER, MARKER]
    assert "id_number_index" not in entry.changes_dict  # blind indexes stay out altogether
    text = _history_text(entry)
    for secret in (old_number, new_number, old_number[-8:], new_number[-8:], "哮喘"):
        assert secret not in text
    assert Member.objects.get(pk=son.pk).id_number == new_number


def test_a_new_member_records_the_protected_fields_as_set_not_their_values(worker, household):
    members = _current_inputs(household)
    number = id_number(born=born_years_ago(70), sex="female")
    members.append(
        services.MemberInput(
            name="陈阿婆",
            relation=Member.Relation.GRANDPARENT,
            id_number=number,
            phone="13912345678",
            health_notes="糖尿病,需长期服用降糖药",
            school_or_work="因病无法工作",
        )
    )

    _save(worker, household, members=members)

    grandma = household.members.get(name="陈阿婆")
    entry = LogEntry.objects.get_for_object(grandma).get(action=LogEntry.Action.CREATE)
    for name in ("id_number", "phone", "health_notes", "school_or_work"):
        assert entry.changes_dict[name] == ["", MARKER]
    text = _history_text(entry)
    for secret in (number, "13912345678", "糖尿病", "因病"):
        assert secret not in text
    assert entry.changes_dict["name"] == ["None", "陈阿婆"]  # names are kept: not free text


def test_the_change_history_page_shows_the_marker_in_chinese(
    client, administrator, worker, household
):
    _save(worker, household, notes="低保复核中,户主肝硬化")
    client.force_login(administrator)

    page = client.get("/audit/", {"tab": "changes", "model": "household"}).content.decode()

    assert MARKER in page and "修改历史" in page
    assert "肝硬化" not in page
