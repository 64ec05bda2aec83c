"""Identifiers and numbers as people type them: the one place that reads digits.

``str.isdigit``, ``int()`` and ``Decimal()`` take the digits of every script: Arabic-Indic
``٤٤``, Devanagari ``४४`` and mathematical ``𝟒𝟒`` all read as 44, and ``isdigit`` is also
true for superscript and circled digits, which ``int()`` then refuses. A number stored as typed
gets another blind index than its ASCII form (so the one-person-one-record rule misses it), and
a digit that ``int()`` refuses was a server error.

Everything parsed from input goes through here: NFKC first, so that full-width, mathematical,
superscript and circled digits become 0-9 (the same number gives the same blind index whatever
its script), then only the digits 0-9 are accepted. A digit that NFKC leaves in another script
(Arabic-Indic, Devanagari, Thai ...) is a ``ValidationError`` with a clear message, never
guessed at.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: The characters of a unified social credit code (GB 32100-2015): no I, O, S, V or Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
#: Separators people type inside identifiers (after NFKC: the ideographic space and the
#: full-width hyphen are already a space and "-").
_SEPARATORS = frozenset(" \t\r\n-")


def nfkc(value: Any) -> str:
    """Text in NFKC form: full-width, mathematical, superscript and circled digits become 0-9,
    full-width letters ASCII, the ideographic space a space."""
    return unicodedata.normalize("NFKC", "" if value is None else str(value))


def foreign_digit(text: str) -> str | None:
    """The first character of ``text`` that is a digit, but not one of 0-9."""
    return next((char for char in text if char.isdigit() and not char.isascii()), None)


def is_ascii_digits(text: str) -> bool:
    """Only the digits 0-9 (and at least one): ``str.isdigit`` alone also takes ``٤`` and ``²``."""
    return text.isascii() and text.isdigit()


def check_digits(text: str) -> str:
    """``text`` unchanged when every digit in it is one of 0-9; ValidationError otherwise."""
    char = foreign_digit(text)
    if char is not None:
        raise ValidationError(
            _("“%(char)s” is a digit of another script: type the digits 0-9."),
            code="foreign_digit",
            params={"char": char},
        )
    return text


def digits_error(value: Any) -> str | None:
    """The message for a digit outside 0-9 in ``value`` (after NFKC), or None."""
    try:
        check_digits(nfkc(value))
    except ValidationError as exc:
        return exc.messages[0]
    return None


def normalize(value: Any) -> str:
    """NFKC, trimmed; raises ValidationError for a digit outside 0-9."""
    return check_digits(nfkc(value).strip())


def compact(value: Any) -> str:
    """An identifier as typed (ID number, credit code), NFKC, without spaces and dashes, upper
    case (``x`` -> ``X``). Never raises: the caller checks the digits (``check_digits``) where it
    reports its own errors."""
    return "".join(char for char in nfkc(value) if char not in _SEPARATORS).upper()


def normalize_identifier(value: Any) -> str:
    """``compact(value)``; raises ValidationError for a digit outside 0-9."""
    return check_digits(compact(value))


def ascii_digits(value: Any) -> str | None:
    """A number typed in a filter or a file (a division code or its prefix, a record number):
    its ASCII digits after NFKC, or None when it is anything else (letters, signs, digits of
    another script). Never raises."""
    text = nfkc(value).strip()
    return text if is_ascii_digits(text) else None


# --- Unified social credit code --------------------------------------------------------------


def normalize_credit_code(value: Any) -> str:
    """A unified social credit code as stored and compared (``compact``); never raises, the
    code is checked with ``credit_code_error``."""
    return compact(value)


def credit_code_error(code: str) -> str | None:
    """The hard check of a normalised code (digits, length and alphabet); None when it passes.
    The check character is not checked here: some real codes fail it (a warning for a
    person)."""
    try:
        check_digits(code)
    except ValidationError as exc:
        return exc.messages[0]
    if len(code) != USCC_LENGTH or any(char not in USCC_ALPHABET for char in code):
        return _(
            "A unified social credit code has 18 characters of 0-9 and A-Y (no I, O, S, V, Z)."
        )
    return None


# --- Phone numbers ---------------------------------------------------------------------------


def normalize_phone(value: Any) -> str:
    """A phone number as stored and indexed: the digits 0-9 and ``+``, separators dropped.
    Raises ValidationError for a digit outside 0-9 (it would be dropped silently otherwise)."""
    text = normalize(value)
    return "".join(char for char in text if char == "+" or is_ascii_digits(char))


def phone_error(value: Any) -> str | None:
    """Why ``value`` cannot be stored as a phone number, or None (also for an empty value)."""
    return digits_error(value)


def check_phone_text(value: Any) -> str:
    """A contact phone kept as typed (``0763-1234567 转 8``): NFKC and trimmed; raises
    ValidationError for a digit outside 0-9."""
    return normalize(value)
