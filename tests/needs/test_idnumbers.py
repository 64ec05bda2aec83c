from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from needs import idnumbers


def test_it_accepts_a_valid_number_and_derives_birth_date_and_sex():
    parsed = idnumbers.parse("11010519491231002X")
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "female"
    assert parsed.warnings == []


def test_it_normalises_spaces_dashes_full_width_and_lower_case_x():
    assert idnumbers.parse(" 110105 1949-1231 002x ").number == "11010519491231002X"
    assert idnumbers.parse("１１０１０５１９４９１２３１００２ｘ").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "checksum"),  # wrong check character
        ("11010519490231002X", "birth_date"),  # 31 February... 1949-02-31
        ("110105194913010025", "birth_date"),  # month 13
        ("11010519491231002", "length"),
        ("1101051949123100AX", "format"),
    ],
)
def test_it_rejects(number, code):
    with pytest.raises(ValidationError) as exc:
        idnumbers.parse(number)
    assert exc.value.code == code


def test_it_rejects_a_future_birth_date():
    future = idnumbers.generate("441881", dt.date(2030, 1, 1), 1, sex="male")
    with pytest.raises(ValidationError) as exc:
        idnumbers.parse(future, today=dt.date(2026, 11, 21))
    assert exc.value.code == "future"


@pytest.mark.django_db
def test_an_unknown_area_code_is_a_warning_not_a_rejection():
    number = idnumbers.generate("449901", dt.date(1980, 1, 1), 5, sex="male")  # no such county
    parsed = idnumbers.parse(number)
    assert parsed.birth_date == dt.date(1980, 1, 1)
    assert parsed.warnings and "449901" in parsed.warnings[0]


def test_domains_example_born_1880_is_valid_with_an_age_warning():
    parsed = idnumbers.parse("440524188001010014")
    assert parsed.birth_date == dt.date(1880, 1, 1)
    assert len(parsed.warnings) == 1 and "120" in parsed.warnings[0]


def test_a_legacy_15_digit_number_is_upgraded():
    assert idnumbers.parse("110105491231002").number == "11010519491231002X"


def test_generated_numbers_are_valid_and_carry_the_sex():
    number = idnumbers.generate("441881", dt.date(2015, 3, 4), 7, sex="female")
    parsed = idnumbers.parse(number)
    assert parsed.sex == "female" and parsed.birth_date == dt.date(2015, 3, 4)


def test_an_area_created_after_the_birth_year_is_not_flagged():
    # 英德市 (441881) exists since 1994; people born before it carry its code too.
    number = idnumbers.generate("441881", dt.date(1960, 5, 1), 3, sex="female")
    assert idnumbers.parse(number).warnings == []


@pytest.mark.django_db
def test_a_district_newer_than_the_reference_table_is_known_from_our_regions():
    from accounts.models import Region

    number = idnumbers.generate("449901", dt.date(1980, 1, 1), 5, sex="male")
    assert idnumbers.parse(number).warnings  # unknown to python-stdnum's table
    Region.objects.create(code="449901000000", name="新设区", level="county")
    assert idnumbers.parse(number).warnings == []


@pytest.mark.parametrize(
    "digits", ["０１２３４５６７８９", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗", "⁰¹²³⁴⁵⁶⁷⁸⁹", "⓪①②③④⑤⑥⑦⑧⑨"]
)
def test_digits_that_nfkc_folds_are_the_same_number(digits):
    typed = "11010519491231002x".translate(str.maketrans("0123456789", digits))
    assert idnumbers.parse(typed).number == "11010519491231002X"


@pytest.mark.parametrize("digits", ["٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "๐๑๒๓๔๕๖๗๘๙"])
def test_digits_of_another_script_are_refused_not_read(digits):
    """``str.isdigit`` and ``int()`` take them: the number was stored as typed, with another
    blind index than its ASCII form."""
    typed = "11010519491231002X".translate(str.maketrans("0123456789", digits))
    with pytest.raises(ValidationError) as exc:
        idnumbers.parse(typed)
    assert exc.value.code == "foreign_digit"
