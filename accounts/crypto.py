"""Encryption of personal fields at rest, blind indexes for exact lookups, and masking.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). The keys come from settings
(``FIELD_ENCRYPTION_KEYS``, newest first): MultiFernet encrypts with the first and decrypts with
any, so a key is rotated by prepending a new one and running ``manage.py rotate_field_keys``.

A blind index is a keyed HMAC-SHA256 of the normalised value under its own key
(``FIELD_HASH_KEY``): equal values give equal digests, so a column of digests can be unique and
searched exactly, while the digest alone reveals nothing without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key."""
    return fernet().rotate(token.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed digest of an already normalised value; ``purpose`` separates the kinds of values."""
    message = f"{purpose}\x1f{value}".encode()
    return hmac.new(settings.FIELD_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()


def mask_middle(value: str, *, keep_start: int, keep_end: int, char: str = "*") -> str:
    """Keep the first and last characters and hide the rest, keeping the length."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return char * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + char * hidden + (value[-keep_end:] if keep_end else "")


def mask_id_number(value: str) -> str:
    """``440305199001010134`` -> ``4403**********0134`` (region of the city and last four)."""
    return mask_middle(value, keep_start=4, keep_end=4)


def mask_phone(value: str) -> str:
    """``13800138000`` -> ``138****8000``; short numbers keep only their last two."""
    digits = value.strip()
    if len(digits) >= 11:
        return mask_middle(digits, keep_start=3, keep_end=4)
    return mask_middle(digits, keep_start=0, keep_end=2)


def mask_name(value: str) -> str:
    """``张三`` -> ``张*``, ``欧阳小明`` -> ``欧***``."""
    return mask_middle(value, keep_start=1, keep_end=0) if len(value) > 1 else value


def mask_text(value: str) -> str:
    """Free text such as health notes is not shown in part at all."""
    return "••••••" if value else ""
