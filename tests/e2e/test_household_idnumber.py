"""Sex and date of birth from the ID number as it is typed, on a phone (issue 10, point 4).

static/js/idnumber.js reads the number with the server's rules (NFKC, GB 11643 check character
and date, 15-digit legacy numbers) and fills the member's sex and date of birth; a value the
worker chose that disagrees is kept and named next to its field, and saving it is refused by
the server with a field error (services.id_number_disagreements).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from playwright.sync_api import expect

from needs import idnumbers
from needs.models import Household, Member

from ..factories import DEMO_PASSWORD, UserFactory, region_tree
from ..needs.factories import id_number
from .conftest import PHONE, no_sideways_scroll, zh

BORN = dt.date(1949, 12, 31)
FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}


@pytest.fixture
def field_worker(transactional_db):
    regions = region_tree()
    return UserFactory(
        username="shakou", name="李社工", role="social_worker", region=regions["township_a1"]
    )


def _open_form(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("shakou")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/needs/households/new/")


def _fields(page, index: int):
    prefix = f"#id_members-{index}-"
    return (
        page.locator(prefix + "id_number"),
        page.locator(prefix + "sex"),
        page.locator(prefix + "birth_date"),
    )


def _note(page, field_id: str):
    return page.locator(f"#{field_id}_idnumber")


def _zh(message: str, **values) -> str:
    return zh(message) % values if values else zh(message)


def test_typing_a_valid_number_fills_sex_and_birth_date_and_an_invalid_one_says_why(
    page, live_server, field_worker, shoot, console_errors
):
    """GIVEN a worker on a phone recording a household
    WHEN they type a valid ID number digit by digit
    THEN sex and date of birth are filled as soon as the 18th character is in;
    AND in a row added with 添加成员, a number with a wrong check character fills nothing and
    the reason is shown under it; a full-width number fills like its digits."""
    number = id_number(born=BORN, sex="female")
    _open_form(page, live_server)
    id_field, sex, birth = _fields(page, 0)
    id_field.press_sequentially(number[:12])
    expect(_note(page, "id_members-0-id_number")).to_have_text(
        _zh("%(count)s of 18 characters", count=12)
    )
    expect(sex).to_have_value("")
    id_field.press_sequentially(number[12:])
    expect(sex).to_have_value("female")
    expect(birth).to_have_value("1949-12-31")
    expect(_note(page, "id_members-0-id_number")).to_have_text(
        _zh("Read from the ID number: %(sex)s, born on %(date)s.", sex="女", date="1949-12-31")
    )
    birth.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
    shoot(page, "idnumber-filled-phone", full_page=False)

    # Deleting the last character takes back what was filled: the number is no longer valid.
    id_field.press("Backspace")
    expect(sex).to_have_value("")
    expect(birth).to_have_value("")
    id_field.press_sequentially(number[-1])
    expect(sex).to_have_value("female")

    page.get_by_role("button", name=zh("Add a member")).click()
    id2, sex2, birth2 = _fields(page, 1)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    id2.press_sequentially(wrong)
    note = _note(page, "id_members-1-id_number")
    expect(note).to_have_text(
        _zh("The check character is wrong: please check the number digit by digit.")
    )
    expect(note).to_have_class("form-text idnumber-note idnumber-problem")
    expect(sex2).to_have_value("")
    expect(birth2).to_have_value("")
    birth2.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
    shoot(page, "idnumber-invalid-phone", full_page=False)

    child = id_number(born=dt.date(2015, 6, 1), sex="male")
    id2.fill("")
    id2.press_sequentially(child.translate(FULL_WIDTH))
    expect(sex2).to_have_value("male")
    expect(birth2).to_have_value("2015-06-01")
    no_sideways_scroll(page)
    assert console_errors == []


def test_a_contradicting_sex_is_named_next_to_it_and_refused_when_saved(
    page, live_server, field_worker, shoot, console_errors
):
    """GIVEN a worker who chose 男 and typed a date of birth before the ID number
    WHEN they type the number of a woman born on another day
    THEN both values are kept and each field says what the number says;
    AND saving anyway is refused by the server: the error summary at the top lists the sex,
    the field error is next to it, every input is kept; correcting both saves the household."""
    number = id_number(born=BORN, sex="female")
    _open_form(page, live_server)
    page.get_by_label("家庭住址").fill("英德市沙口镇红峰村上围 8 号")
    page.get_by_label(zh("Name")).fill("林秀珍")
    id_field, sex, birth = _fields(page, 0)
    sex.select_option("male")
    birth.fill("1950-01-01")
    id_field.press_sequentially(number)
    sex_note = _note(page, "id_members-0-sex")
    expect(sex_note).to_have_text(
        _zh("The ID number says %(sex)s: correct the sex or the ID number.", sex="女")
    )
    expect(_note(page, "id_members-0-birth_date")).to_have_text(
        _zh(
            "The ID number says born on %(date)s: correct the date of birth or the ID number.",
            date="1949-12-31",
        )
    )
    expect(sex).to_have_value("male")
    expect(birth).to_have_value("1950-01-01")
    sex.scroll_into_view_if_needed()
    shoot(page, "idnumber-contradiction-live-phone", full_page=False)

    page.get_by_role("button", name=zh("Save")).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(zh("Sex"))
    expect(page.locator("#id_members-0-sex_error")).to_contain_text("女")
    expect(page.locator("#id_members-0-birth_date_error")).to_contain_text("1949-12-31")
    # The server's message is not repeated by the script on the page sent back.
    expect(_note(page, "id_members-0-sex")).to_have_count(0)
    expect(sex).to_have_value("male")
    expect(birth).to_have_value("1950-01-01")
    expect(id_field).to_have_value(number)
    assert Household.objects.count() == 0
    shoot(page, "idnumber-contradiction-refused-phone", full_page=False)

    # The worker corrects the sex: its error goes; the date still disagrees, live.
    sex.select_option("female")
    expect(page.locator("#id_members-0-sex_error")).to_be_hidden()
    birth.fill("1949-12-30")
    expect(_note(page, "id_members-0-birth_date")).to_contain_text("1949-12-31")
    birth.fill("1949-12-31")
    expect(_note(page, "id_members-0-birth_date")).to_be_hidden()
    page.get_by_role("button", name=zh("Save")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    member = Member.objects.get()
    assert (member.sex, member.birth_date) == ("female", BORN)
    assert console_errors == []


def test_a_legacy_15_digit_number_fills_when_the_worker_leaves_the_field(
    page, live_server, field_worker, shoot
):
    _open_form(page, live_server)
    id_field, sex, birth = _fields(page, 0)
    id_field.press_sequentially("440524490101002")
    expect(sex).to_have_value("")  # it may still grow into 18 characters
    id_field.press("Tab")
    expect(sex).to_have_value("female")
    expect(birth).to_have_value("1949-01-01")
    birth.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
    shoot(page, "idnumber-legacy-phone", full_page=False)


def _server_says(value: str) -> tuple[str, str, str]:
    """What the server makes of a number: (message, sex, date) as the page shows them."""
    with translation.override("zh-hans"):
        try:
            parsed = idnumbers.parse(value)
        except ValidationError as exc:
            return exc.messages[0], "", ""
        sex = str(Member.Sex(parsed.sex).label)
        date = parsed.birth_date.isoformat()
        return (
            _zh("Read from the ID number: %(sex)s, born on %(date)s.", sex=sex, date=date),
            parsed.sex,
            date,
        )


def test_the_browser_reads_numbers_as_the_server_does(page, live_server, field_worker):
    """Each number typed and the field left: the page says what idnumbers.parse says."""
    valid = id_number(born=BORN, sex="female")
    future = dt.date.today() + dt.timedelta(days=400)
    future_body = f"441881{future:%Y%m%d}123"
    cases = [
        valid,
        valid.translate(FULL_WIDTH),
        "110105 19491231 002x",  # spaces, a lower-case x
        "110105-19491231-002X",
        "440524490101002",  # 15 digits, legacy
        valid[:10],  # too short
        valid + "1",  # too long
        valid[:8] + "A" + valid[9:],  # a letter among the digits
        "٤" + valid[1:],  # an Arabic-Indic digit
        "441881" + "19491332" + "123" + "X",  # no 32 December
        future_body + idnumbers.check_character(future_body),
        valid[:-1] + ("0" if valid[-1] != "0" else "1"),  # the check character
        "44052449013200",  # 14 digits
    ]
    _open_form(page, live_server)
    id_field, sex, birth = _fields(page, 0)
    mismatches = []
    for value in cases:
        id_field.fill(value)
        id_field.dispatch_event("change")
        expected = _server_says(value)
        shown = (
            _note(page, "id_members-0-id_number").text_content(),
            sex.input_value(),
            birth.input_value(),
        )
        if shown != expected:
            mismatches.append(f"{value!r}: page {shown}, server {expected}")
    assert mismatches == []


def test_a_new_number_for_a_stored_member_replaces_the_sex_read_from_the_old_one(
    page, live_server, field_worker, shoot, console_errors
):
    """GIVEN a recorded man whose edit form shows 男, read from his stored (masked) number
    WHEN the worker types a corrected number, a woman's, in its place
    THEN the sex shown changes to 女 without a complaint (it was the old number's, not the
    worker's word), the date of birth is filled, and the household saves."""
    from ..needs.factories import make_household, member_input

    household = make_household(
        field_worker, field_worker.region, members=[member_input("林秀珍", sex="male")]
    )
    _open_form(page, live_server)
    page.goto(f"{live_server.url}/needs/households/{household.pk}/edit/")
    id_field, sex, birth = _fields(page, 0)
    expect(sex).to_have_value("male")
    expect(birth).to_have_value("")  # not shown beside a masked number
    corrected = id_number(born=BORN, sex="female")
    id_field.press_sequentially(corrected)
    expect(sex).to_have_value("female")
    expect(birth).to_have_value("1949-12-31")
    expect(_note(page, "id_members-0-sex")).to_have_count(0)
    birth.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
    shoot(page, "idnumber-stored-member-corrected-phone", full_page=False)
    page.get_by_role("button", name=zh("Save")).click()
    expect(page.locator(".alert-success")).to_be_visible()
    member = Member.objects.get()
    assert (member.sex, member.birth_date, member.id_number) == ("female", BORN, corrected)
    assert console_errors == []
