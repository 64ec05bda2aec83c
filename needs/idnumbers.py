"""Citizen ID numbers (公民身份号码, GB 11643-1999): normalise, check, derive birth date and sex.

The number is read through ``accounts.identifiers``: NFKC, so that full-width, mathematical,
superscript and circled digits are the number's ASCII digits (and find the same person), and a
digit of another script (Arabic-Indic, Devanagari ...) is refused. The checksum and the birth
date are hard checks. The birthplace table of python-stdnum is old
(districts created since 2015 are missing), so an unknown area code is only a warning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from accounts import identifiers


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "male" | "female"
    warnings: list[str] = field(default_factory=list)


def normalize(value: str) -> str:
    """Remove spaces and dashes, NFKC (full-width and other compatibility digits to ASCII),
    lower-case x to X. A digit of another script stays, for ``parse`` to refuse."""
    return identifiers.compact(value)


def _upgrade_15(number: str) -> str:
    """A legacy 15-digit number: insert 19 before the year and compute the check character."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def parse(value: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate an ID number and derive birth date and sex; raises ValidationError."""
    number = identifiers.check_digits(normalize(value))
    if len(number) == 15 and identifiers.is_ascii_digits(number):
        number = _upgrade_15(number)
    if len(number) != 18:
        raise ValidationError(_("An ID number has 18 characters."), code="length")
    if not identifiers.is_ascii_digits(number[:17]) or not (
        identifiers.is_ascii_digits(number[17]) or number[17] == "X"
    ):
        raise ValidationError(
            _("An ID number has 17 digits followed by a digit or X."), code="format"
        )
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent:
        raise ValidationError(
            _("The birth date in this ID number does not exist."), code="birth_date"
        ) from None
    today = today or timezone.localdate()
    if birth > today:
        raise ValidationError(
            _("The birth date in this ID number is in the future."), code="future"
        )
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(
            _("The check character is wrong: please check the number digit by digit."),
            code="checksum",
        )
    warnings = []
    if not _area_known(number[:6]):
        warnings.append(
            _("The area code %(code)s is not in the reference table (it may be a new district).")
            % {"code": number[:6]}
        )
    if age_on(birth, today) > 120:
        warnings.append(_("The person would be over 120 years old: please check the birth date."))
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return IdNumber(number=number, birth_date=birth, sex=sex, warnings=warnings)


def _area_known(area: str) -> bool:
    """Is the 6-digit area code known: in python-stdnum's table for any period, or a county
    of our own region table?

    Not ``ric.get_birth_place``: it also requires the code to have existed in the birth year,
    but the code records where the number was issued (英德市 441881, created 1994, is on the
    numbers of people born before), so that check warns about valid numbers.
    """
    from stdnum import numdb

    if any("county" in props for _part, props in numdb.get("cn/loc").info(area)):
        return True
    # Districts created since the table was made (清新区 441803, 2012) are in our own regions.
    from accounts.models import Region

    return Region.objects.filter(code__startswith=area, level=Region.Level.COUNTY).exists()


def check_character(first17: str) -> str:
    return ric.calc_check_digit(first17 + "0")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def generate(area_code: str, birth_date: dt.date, sequence: int, *, sex: str) -> str:
    """A valid 18-character number for tests and demo data: area (6 digits of a region code),
    birth date, a 3-digit sequence whose parity gives the sex, and the check character."""
    seq = sequence % 500 * 2 + (1 if sex == "male" else 0)
    seq = seq or 2
    first17 = f"{area_code[:6]}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)
