"""Free text about people is encrypted at rest (EncryptedTextField), and the data migrations
encrypt what a production database already holds."""

from __future__ import annotations

import importlib
import types

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldError, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.fields import EncryptedTextField
from needs import services
from needs.forms import HouseholdForm
from needs.models import Household, Need, Visit

pytestmark = pytest.mark.django_db

#: The free text about a person or household, field by field (names, addresses and choices
#: stay plain: they are searched and listed).
PROTECTED = {
    "needs.Household": {"housing_note", "notes", "coi_note", "archived_reason"},
    "needs.Member": {"id_number", "phone", "health_notes", "school_or_work"},
    "needs.AssistanceRecord": {"note"},
    "needs.Visit": {"findings"},
    "needs.Need": {"description", "quantity", "status_reason"},
    "needs.Consent": {"revoked_reason"},
    "matching.Application": {
        "status_reason",
        "message",
        "overlap_reason",
        "review_note",
        "resolution_note",
        "rejection_note",
        "explanation",
        "delivered_quantity",
        "delivery_note",
    },
    "matching.Feedback": {"comment"},
    "accounts.Notification": {"body"},
}


def _raw(model, pk, *names) -> tuple:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


def _set_raw(model, pk, **values) -> None:
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(model._meta.get_field(n).column)} = %s" for n in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE id = %s",
            [*values.values(), pk],
        )


@pytest.mark.parametrize("label", sorted(PROTECTED))
def test_every_free_text_field_about_people_is_encrypted(label):
    model = apps.get_model(label)
    encrypted = {f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)}
    assert PROTECTED[label] <= encrypted


def test_the_text_is_a_token_in_the_database_and_plain_in_python(worker, household):
    need = services.need_register(
        user=worker,
        household=household,
        area="medical_aid",
        form="cash",
        description="母亲患乳腺癌,术后定期复查",
        quantity="化疗 6 次",
    )
    visit = services.visit_record(
        user=worker,
        household=household,
        visited_on=timezone.localdate(),
        findings="孩子哮喘发作,已送镇卫生院",
    )

    description, quantity = _raw(Need, need.pk, "description", "quantity")
    (findings,) = _raw(Visit, visit.pk, "findings")
    for token, plain in ((description, "乳腺癌"), (quantity, "化疗"), (findings, "哮喘")):
        assert token.startswith("gAAAAA") and plain not in token
    assert Need.objects.get(pk=need.pk).description == "母亲患乳腺癌,术后定期复查"


def test_emptiness_may_be_asked_but_nothing_else(worker, household):
    need = services.need_register(
        user=worker, household=household, area="other", form="cash", description="x"
    )
    assert list(Need.objects.filter(status_reason="")) == [need]
    assert list(Need.objects.exclude(description="")) == [need]
    with pytest.raises(FieldError, match="blind index"):
        Need.objects.filter(description="x").count()
    with pytest.raises(FieldError):
        list(Need.objects.order_by("description").values_list("description__lower"))


def test_the_check_constraints_on_encrypted_reasons_still_hold(worker, household):
    need = services.need_register(
        user=worker, household=household, area="other", form="cash", description="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(
            status="withdrawn", closed_at=timezone.now(), status_reason=""
        )
    Need.objects.filter(pk=need.pk).update(
        status="withdrawn", closed_at=timezone.now(), status_reason="已搬离"
    )
    need.refresh_from_db()
    assert need.status_reason == "已搬离"


def test_max_lengths_still_bind_models_forms_and_the_api(worker, household, client):
    need = Need(household=household, area="other", form="cash", description="x")
    need.status_reason = "长" * 301
    with pytest.raises(ValidationError) as refused:
        need.full_clean(exclude=["household", "created_by"])
    assert "status_reason" in refused.value.message_dict

    field = HouseholdForm(user=worker).fields["housing_note"]
    assert field.max_length == 200 and field.widget.input_type == "text"

    client.force_login(worker)
    response = client.patch(
        f"/api/needs/households/{household.pk}/",
        {"housing_note": "漏" * 201},
        content_type="application/json",
    )
    assert response.status_code == 400 and "housing_note" in response.json()


# --- The data migrations ---------------------------------------------------------------------


def _operations(app_label: str, name: str):
    module = importlib.import_module(f"{app_label}.migrations.{name}")
    return module.Migration.operations


def _schema_editor():
    return types.SimpleNamespace(connection=connection)


def test_the_migration_encrypts_existing_plain_text_once_and_reverses(worker, household):
    _set_raw(Household, household.pk, notes="户主患肝硬化,需长期治疗", housing_note="危房")
    encrypt = _operations("needs", "0003_encrypt_existing_free_text")[0]

    encrypt.code(apps, _schema_editor())
    notes, housing_note = _raw(Household, household.pk, "notes", "housing_note")
    assert notes.startswith("gAAAAA") and "肝硬化" not in notes
    assert Household.objects.get(pk=household.pk).notes == "户主患肝硬化,需长期治疗"

    encrypt.code(apps, _schema_editor())  # again: tokens are left as they are
    assert _raw(Household, household.pk, "notes", "housing_note") == (notes, housing_note)

    encrypt.reverse_code(apps, _schema_editor())
    assert _raw(Household, household.pk, "notes", "housing_note") == (
        "户主患肝硬化,需长期治疗",
        "危房",
    )


def test_the_migration_masks_free_text_already_in_the_change_history(household):
    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Household),
        object_pk=str(household.pk),
        object_id=household.pk,
        object_repr=household.code,
        action=LogEntry.Action.UPDATE,
        changes={"notes": ["", "户主患肺癌"], "address": ["旧址", "新址"]},
    )
    mask = _operations("needs", "0003_encrypt_existing_free_text")[1]

    mask.code(apps, _schema_editor())

    entry.refresh_from_db()
    assert entry.changes_dict == {
        "notes": ["", "（已修改，内容不记录）"],
        "address": ["旧址", "新址"],
    }
