from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from accounts import crypto
from accounts.models import User, normalize_phone

pytestmark = pytest.mark.django_db


def _raw_phone(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()


def test_the_encrypted_field_stores_no_plaintext(worker):
    raw, index = _raw_phone(worker)

    assert "13800138000" not in raw
    assert "13800138000" not in index
    assert crypto.decrypt(raw) == "13800138000"
    assert User.objects.get(pk=worker.pk).phone == "13800138000"


def test_the_blind_index_finds_the_row(worker, colleague):
    typed = normalize_phone("138 0013 8000")
    found = User.objects.filter(phone_index=crypto.blind_index(typed, purpose="phone"))
    assert list(found) == [worker]


@pytest.mark.parametrize("lookup", ["exact", "iexact", "contains", "startswith", "in"])
def test_the_encrypted_field_refuses_lookups_that_cannot_work(worker, lookup):
    value = ["13800138000"] if lookup == "in" else "13800138000"
    with pytest.raises(FieldError, match="blind index"):
        User.objects.filter(**{f"phone__{lookup}": value}).count()


def test_the_blind_index_follows_every_save_of_the_value(worker):
    worker.phone = "13911112222"  # assigned directly, not through set_phone
    worker.save()
    assert (
        User.objects.get(phone_index=crypto.blind_index("13911112222", purpose="phone")) == worker
    )
    worker.phone = ""
    worker.save()
    assert User.objects.get(pk=worker.pk).phone_index == ""


def test_rotation_covers_several_batches_and_skips_empty_values(
    worker, colleague, outsider, settings
):
    User.objects.filter(pk=outsider.pk).update(phone="")
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_field_keys", "--batch-size", "1", verbosity=0)

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert User.objects.get(pk=worker.pk).phone == "13800138000"
    assert User.objects.get(pk=colleague.pk).phone == "13900139000"
    assert User.objects.get(pk=outsider.pk).phone == ""


def test_rotation_never_overwrites_a_value_edited_meanwhile(worker, settings):
    from accounts.management.commands import rotate_field_keys

    raw_before, _ = _raw_phone(worker)
    worker.set_phone("13122223333")
    worker.save()  # the edit lands between the read and the write of the rotation
    rotated = crypto.rotate(raw_before)
    assert not rotate_field_keys._write_if_unchanged(
        User, worker.pk, {"phone": raw_before}, {"phone": rotated}
    )
    assert User.objects.get(pk=worker.pk).phone == "13122223333"


def test_rotation_re_encrypts_under_the_new_key(worker, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_field_keys", verbosity=0)

    raw, _ = _raw_phone(worker)
    assert Fernet(new_key.encode()).decrypt(raw.encode()).decode() == "13800138000"
    with pytest.raises(InvalidToken):
        Fernet(old_key.encode()).decrypt(raw.encode())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert User.objects.get(pk=worker.pk).phone == "13800138000"


@pytest.mark.parametrize(
    ("mask", "value", "expected"),
    [
        (crypto.mask_id_number, "44030519900101013X", "4403**********013X"),
        (crypto.mask_id_number, "", ""),
        (crypto.mask_phone, "13800138000", "138****8000"),
        (crypto.mask_phone, "7654321", "*****21"),
        (crypto.mask_name, "张三", "张*"),
        (crypto.mask_name, "欧阳小明", "欧***"),
        (crypto.mask_text, "糖尿病", "••••••"),
    ],
)
def test_masks(mask, value, expected):
    assert mask(value) == expected


def test_the_blind_index_depends_on_purpose_and_key(settings):
    a = crypto.blind_index("13800138000", purpose="phone")
    assert a != crypto.blind_index("13800138000", purpose="id_number")
    settings.FIELD_HASH_KEY = "another-key-that-is-long-enough-0123456789"
    assert a != crypto.blind_index("13800138000", purpose="phone")
