"""Identifiers and numbers typed in any script (accounts.identifiers, and every parser that
goes through it): NFKC first, then only the digits 0-9.

Full-width, mathematical, superscript and circled digits are the same number as its ASCII
form (a duplicate is found whatever the script); digits NFKC leaves in another script
(Arabic-Indic, Devanagari, Thai ...) are a field error. Never a server error.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from rest_framework.test import APIClient

from accounts import identifiers, xlsx
from needs import excel as needs_excel
from needs.models import ConsentRecipient, Household, Member
from supply import excel as supply_excel
from supply import services as supply_services
from supply.models import Organization

from ..needs.factories import born_years_ago, id_number, make_household, member_input
from ..supply.conftest import make_org

pytestmark = pytest.mark.django_db

#: Scripts whose digits NFKC turns into 0-9: the same number as the ASCII one.
FOLDED = {
    "fullwidth": "０１２３４５６７８９",
    "mathematical_bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
    "mathematical_double_struck": "𝟘𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠𝟡",
    "mathematical_monospace": "𝟶𝟷𝟸𝟹𝟺𝟻𝟼𝟽𝟾𝟿",
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "subscript": "₀₁₂₃₄₅₆₇₈₉",
    "circled": "⓪①②③④⑤⑥⑦⑧⑨",
}
#: Scripts whose digits NFKC leaves as they are: ``int()`` reads them, we refuse them.
FOREIGN = {
    "arabic_indic": "٠١٢٣٤٥٦٧٨٩",
    "extended_arabic_indic": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
}
SCRIPTS = {**FOLDED, **FOREIGN}


def in_script(text: str, script: str) -> str:
    """``text`` with its digits 0-9 written in ``script`` (letters such as X stay)."""
    return text.translate(str.maketrans("0123456789", SCRIPTS[script]))


def foreign_digit_message(text: str) -> str:
    with pytest.raises(ValidationError) as refused:
        identifiers.check_digits(text)
    return refused.value.messages[0]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def household(worker, regions):
    return make_household(
        worker, regions["township_a1"], members=[member_input("陈秀英", age=38, sex="female")]
    )


@pytest.fixture
def registered_id(household) -> str:
    return household.members.get().id_number


@pytest.fixture
def county_org(county_officer, regions):
    return make_org(county_officer, regions["county_a"], code="51441881MJ0000001R")


# --- The module ------------------------------------------------------------------------------


@pytest.mark.parametrize("script", sorted(FOLDED))
def test_digits_that_nfkc_folds_are_the_ascii_digits(script):
    assert identifiers.normalize(in_script("0123456789", script)) == "0123456789"
    assert identifiers.normalize_identifier(in_script(" 4418-81 ", script)) == "441881"


@pytest.mark.parametrize("script", sorted(FOREIGN))
def test_digits_of_another_script_are_refused_with_the_digit_named(script):
    text = in_script("441881", script)

    with pytest.raises(ValidationError) as refused:
        identifiers.normalize(text)

    assert refused.value.code == "foreign_digit"
    assert SCRIPTS[script][4] in refused.value.messages[0]
    assert identifiers.ascii_digits(text) is None
    assert identifiers.digits_error(text)
    # What str.isdigit and int() say about the same text, and why they are not used.
    assert text.isdigit() and int(text) == 441881


def test_ascii_digits_reads_a_code_or_nothing_and_never_raises():
    assert identifiers.ascii_digits(" ４４１８８１ ") == "441881"
    assert identifiers.ascii_digits("²³") == "23"
    for text in ("", "44a", "-44", "4 4", "½", "٤٤", None):
        assert identifiers.ascii_digits(text) is None


def test_is_ascii_digits_refuses_what_isdigit_takes():
    assert identifiers.is_ascii_digits("0123456789")
    for text in ("²", "①", "٤", "𝟒", "", "4.0"):
        assert not identifiers.is_ascii_digits(text)


def test_a_phone_number_keeps_digits_and_plus_and_refuses_other_scripts():
    assert identifiers.normalize_phone("＋８６ １３８-００１３-８０００") == "+8613800138000"
    assert identifiers.normalize_phone("") == ""
    with pytest.raises(ValidationError):
        identifiers.normalize_phone("١٣٨٠٠١٣٨٠٠٠")


def test_a_credit_code_is_folded_and_checked():
    assert identifiers.normalize_credit_code("９１４４ ０３００-７０８４６１１３６ｔ") == (
        "91440300708461136T"
    )
    assert identifiers.credit_code_error("91440300708461136T") is None
    assert identifiers.credit_code_error("91440300708461136I")  # not in the alphabet
    arabic = identifiers.normalize_credit_code(in_script("91440300708461136T", "arabic_indic"))
    assert identifiers.credit_code_error(arabic) == foreign_digit_message(arabic)


# --- ID numbers: form, API, workbook ---------------------------------------------------------


def _household_post(regions, worker, **member) -> dict:
    data = {
        "region": regions["township_a1"].code,
        "worker": worker.pk,
        "address": "英德市沙口镇红峰村 3 号",
        "gap_class": "not_eligible_in_difficulty",
        "housing": "own",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-name": "陈秀英",
        "members-0-relation": "head",
    }
    data.update({f"members-0-{k}": v for k, v in member.items()})
    return data


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_household_form_finds_the_duplicate_or_refuses_the_digits(
    client, worker, regions, registered_id, household, script
):
    """GIVEN a person registered with an ASCII ID number WHEN the same number is typed in
    another script on the household form THEN it is the same person (duplicate found) or the
    digits are refused next to the field; before, it was a second record or a server error."""
    client.force_login(worker)
    typed = in_script(registered_id, script)

    response = client.post(
        "/needs/households/new/", _household_post(regions, worker, id_number=typed)
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_members-0-id_number_error"' in body
    if script in FOLDED:
        assert household.code in body  # "already registered in household …"
    else:
        assert foreign_digit_message(typed) in body
    assert Household.objects.count() == 1 and Member.objects.count() == 1


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_households_api_finds_the_duplicate_or_refuses_the_digits(
    api, worker, registered_id, household, script
):
    api.force_authenticate(worker)
    typed = in_script(registered_id, script)

    response = api.post(
        "/api/needs/households/",
        {
            "region": "441881101000",
            "address": "英德市沙口镇清华村 3 号",
            "members": [{"name": "陈秀英", "relation": "head", "id_number": typed}],
        },
        format="json",
    )

    assert response.status_code == 400
    (message,) = response.json()["members"]["0"]["id_number"]
    if script in FOLDED:
        assert household.code in message
    else:
        assert message == foreign_digit_message(typed)
    assert Household.objects.count() == 1


def _summary_workbook(**person) -> bytes:
    columns = needs_excel.SUMMARY_COLUMNS
    values = {
        "code": "PLATFORM-001",
        "region_code": "441881101000",
        "address": "沙口村 3 号",
        "name": "陈秀英",
        "relation": "户主",
        **person,
    }
    wb = Workbook()
    ws = wb.active
    ws.title = needs_excel.SUMMARY_SHEET
    ws.append([c.header for c in columns])
    ws.append([values.get(c.key) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _preview(client, url: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.xlsx", data, content_type=xlsx.XLSX_CONTENT_TYPE)
    return client.post(url, {"action": "preview", "file": upload})


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_household_workbook_finds_the_duplicate_or_refuses_the_digits(
    client, worker, registered_id, household, script
):
    client.force_login(worker)
    typed = in_script(registered_id, script)

    response = _preview(
        client, reverse("needs:household_import"), _summary_workbook(id_number=typed)
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "身份证号码" in body
    if script in FOLDED:
        assert household.code in body
    else:
        assert foreign_digit_message(typed) in body
    assert Household.objects.count() == 1


def test_the_id_search_finds_the_person_whatever_the_script(client, worker, registered_id):
    client.force_login(worker)
    found = client.post(
        "/needs/households/find/", {"id_number": in_script(registered_id, "mathematical_bold")}
    )
    refused = client.post(
        "/needs/households/find/", {"id_number": in_script(registered_id, "devanagari")}
    )

    assert found.status_code == 302
    assert refused.status_code == 200
    assert foreign_digit_message(in_script(registered_id, "devanagari")) in refused.content.decode()


# --- Credit codes: organisation form, API, workbook, consent ---------------------------------


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_organisation_form_finds_the_registered_code_or_refuses_the_digits(
    client, county_officer, regions, county_org, script
):
    client.force_login(county_officer)
    typed = in_script(county_org.credit_code, script)

    response = client.post(
        "/supply/organisations/new/",
        {
            "name": "英德市另一个会",
            "credit_code": typed,
            "org_type": "association",
            "registering_region": regions["county_a"].code,
        },
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_credit_code_error"' in body
    if script in FOLDED:
        assert "已登记" in body  # "An organisation with this code is already registered."
    else:
        assert foreign_digit_message(typed) in body
    assert Organization.objects.count() == 1


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_organisations_api_finds_the_registered_code_or_refuses_the_digits(
    api, county_officer, county_org, script
):
    api.force_authenticate(county_officer)
    typed = in_script(county_org.credit_code, script)

    response = api.post(
        "/api/supply/organizations/",
        {
            "name": "英德市另一个会",
            "credit_code": typed,
            "org_type": "association",
            "registering_region": "441881000000",
        },
        format="json",
    )

    assert response.status_code == 400
    (message,) = response.json()["credit_code"]
    if script not in FOLDED:
        assert message == foreign_digit_message(typed)
    assert Organization.objects.count() == 1


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_ledger_workbook_finds_the_registered_code_or_refuses_the_digits(
    client, county_officer, county_org, script
):
    """A code of the ledger typed in another script: the organisation already registered
    (unchanged, as its ASCII code), or a row error; never a second organisation."""
    client.force_login(county_officer)
    typed = in_script(county_org.credit_code, script)
    wb = Workbook()
    ws = wb.active
    ws.title = supply_excel.ORG_SHEET
    values = {"credit_code": typed, "name": county_org.name, "org_type": "社会团体"}
    ws.append([c.header for c in supply_excel.ORG_COLUMNS])
    ws.append([values.get(c.key) for c in supply_excel.ORG_COLUMNS])
    out = io.BytesIO()
    wb.save(out)

    report = supply_excel.ledger_import(
        user=county_officer, data=out.getvalue(), filename="x.xlsx", dry_run=True
    )
    response = _preview(client, reverse("supply:excel_import"), out.getvalue())

    assert response.status_code in (200, 400)
    if script in FOLDED:
        assert report.ok and report.organizations_unchanged == 1
    else:
        assert [(e.row, e.column, e.message) for e in report.errors] == [
            (2, "统一社会信用代码", foreign_digit_message(typed))
        ]
    assert Organization.objects.count() == 1


def test_a_consent_names_an_organisation_by_the_code_it_is_registered_with(
    worker, household, county_org
):
    """The code of a named recipient is what matching compares with the organisation's: typed
    in full width it is the same code; in another script it is refused."""
    from needs import services

    member = household.members.get()
    common = {
        "user": worker,
        "household": household,
        "member": member,
        "given_by": "self",
        "purpose": "matching",
        "scope": "named",
        "given_on": timezone.localdate(),
        "expires_on": timezone.localdate() + dt.timedelta(days=365),
    }
    consent = services.consent_record(
        recipients=[("英德市慈善会", in_script(county_org.credit_code, "fullwidth"))], **common
    )

    assert ConsentRecipient.objects.get(consent=consent).credit_code == county_org.credit_code
    assert services.consent_allows(
        member=member, purpose="matching", credit_code=county_org.credit_code
    )
    with pytest.raises(ValidationError) as refused:
        services.consent_record(
            recipients=[("英德市慈善会", in_script(county_org.credit_code, "thai"))], **common
        )
    assert refused.value.message_dict["recipients"] == [
        foreign_digit_message(in_script(county_org.credit_code, "thai"))
    ]


# --- Phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize("script", ["fullwidth", "mathematical_bold", "arabic_indic", "thai"])
def test_a_member_phone_is_stored_in_ascii_digits_or_refused(client, worker, regions, script):
    client.force_login(worker)
    phone = in_script("13712345678", script)
    person = id_number(born=born_years_ago(40))

    response = client.post(
        "/needs/households/new/", _household_post(regions, worker, id_number=person, phone=phone)
    )

    if script in FOLDED:
        assert response.status_code == 302
        member = Member.objects.get()
        assert member.phone == "13712345678"
        assert Member.objects.filter(phone_index=member.phone_index).count() == 1
    else:
        assert response.status_code == 400
        assert foreign_digit_message(phone) in response.content.decode()
        assert Member.objects.count() == 0


def test_the_api_and_the_workbook_refuse_a_phone_in_another_script(api, client, worker):
    phone = in_script("13712345678", "devanagari")
    api.force_authenticate(worker)
    response = api.post(
        "/api/needs/households/",
        {
            "region": "441881101000",
            "address": "英德市沙口镇清华村 3 号",
            "members": [
                {
                    "name": "陈秀英",
                    "relation": "head",
                    "id_number": id_number(born=born_years_ago(40)),
                    "phone": phone,
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["members"]["0"]["phone"] == [foreign_digit_message(phone)]

    report = needs_excel.household_import(
        user=worker,
        data=_summary_workbook(id_number=id_number(born=born_years_ago(40)), phone=phone),
        filename="x.xlsx",
        dry_run=True,
    )
    assert [(e.column, e.message) for e in report.errors] == [
        ("联系电话", foreign_digit_message(phone))
    ]
    assert Household.objects.count() == 0


# --- Division codes in query parameters and files --------------------------------------------


REGION_PARAMETERS = [
    ("/staff/", "region"),
    ("/supply/", "covers"),
    ("/api/supply/projects/", "covers"),
]


@pytest.fixture
def listings(county_officer, other_county_officer, charity_user, worker, outsider, regions):
    """A published listing in each county (and staff in each county, for the staff list)."""
    from supply.models import Project

    from ..supply.conftest import TERMS, listing

    for officer, county, code in (
        (county_officer, regions["county_a"], "51441881MJ0000001R"),
        (other_county_officer, regions["county_b"], "51441803MJ0000008X"),
    ):
        org = make_org(officer, county, code=code, staff=[charity_user], name=f"{county.name}会")
        project = supply_services.project_save(
            user=charity_user, organization=org, fields=listing(), terms=TERMS, coverage=[county]
        )
        supply_services.project_transition(
            user=charity_user, project=project, to=Project.Status.PENDING_REVIEW
        )
        supply_services.project_transition(
            user=officer, project=project, to=Project.Status.PUBLISHED
        )


@pytest.mark.parametrize(("url", "parameter"), REGION_PARAMETERS)
@pytest.mark.parametrize("script", ["fullwidth", "superscript", "circled", "arabic_indic"])
def test_a_region_code_in_a_query_is_read_as_its_digits_or_ignored(
    client, administrator, listings, url, parameter, script
):
    """A code whose digits NFKC folds filters like the ASCII code; one in another script is
    ignored, like any other text that is no code (the answer before for letters)."""
    client.force_login(administrator)
    typed = in_script("441881", script)

    response = client.get(url, {parameter: typed})
    ascii_ = client.get(url, {parameter: "441881"})
    letters = client.get(url, {parameter: "abc"})

    assert response.status_code == 200
    assert _listing(ascii_) != _listing(letters)  # the filter does filter
    expected = ascii_ if script in FOLDED else letters
    assert _listing(response) == _listing(expected)


def _listing(response) -> list[int]:
    if response.get("Content-Type", "").startswith("application/json"):
        return [row["id"] for row in response.json()["results"]]
    return [row.pk for row in response.context["page"].object_list]


def test_a_superscript_in_an_application_search_is_no_server_error(client, api, administrator):
    """``"A²".removeprefix("A").isdigit()`` was true and ``int("²")`` a server error."""
    api.force_authenticate(administrator)
    for q in ("A²", "A①", "A٤٢", "A" + "9" * 40):
        assert api.get("/api/matching/applications/", {"q": q}).status_code == 200


@pytest.mark.parametrize("script", ["fullwidth", "arabic_indic", "devanagari"])
def test_a_region_code_in_the_household_workbook_is_read_as_its_digits_or_refused(
    worker, regions, script
):
    typed = in_script("441881101000", script)

    report = needs_excel.household_import(
        user=worker,
        data=_summary_workbook(region_code=typed, id_number=id_number(born=born_years_ago(40))),
        filename="x.xlsx",
        dry_run=True,
    )

    if script in FOLDED:
        assert report.ok and report.households_created == 1
    else:
        assert [(e.column, e.message) for e in report.errors] == [
            ("村(社区)/乡镇(街道)代码", foreign_digit_message(typed))
        ]


def test_load_regions_refuses_a_code_in_another_script(tmp_path, db):
    from accounts.services import regions_load

    path = tmp_path / "regions.csv"
    path.write_text(
        "code12,code,name,level,kind,parent_code\n"
        f"{in_script('440000000000', 'arabic_indic')},44,广东省,province,province,\n",
        encoding="utf-8",
    )

    with pytest.raises(ValidationError) as refused:
        regions_load(path=path)
    assert "line 2" in refused.value.messages[0]


# --- Amounts and counts: forms, API, workbooks, filters --------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("６５０.５", Decimal("650.50")), ("⁶⁵⁰", Decimal("650.00")), ("٦٥٠", None), ("६५०", None)],
)
def test_an_amount_on_the_household_form_is_read_as_its_digits_or_refused(
    client, worker, regions, typed, stored
):
    client.force_login(worker)
    person = id_number(born=born_years_ago(40))

    response = client.post(
        "/needs/households/new/",
        {**_household_post(regions, worker, id_number=person), "income_per_capita": typed},
    )

    if stored is not None:
        assert response.status_code == 302
        assert Household.objects.get().income_per_capita == stored
    else:
        assert response.status_code == 400
        assert 'id="id_income_per_capita_error"' in response.content.decode()
        assert Household.objects.count() == 0


@pytest.mark.parametrize(("typed", "ok"), [("６５０", True), ("٦٥٠", False), ("๖๕๐", False)])
def test_an_amount_in_the_api_is_read_as_its_digits_or_refused(api, worker, typed, ok):
    api.force_authenticate(worker)
    response = api.post(
        "/api/needs/households/",
        {
            "region": "441881101000",
            "address": "英德市沙口镇清华村 3 号",
            "income_per_capita": typed,
            "members": [
                {
                    "name": "陈秀英",
                    "relation": "head",
                    "id_number": id_number(born=born_years_ago(40)),
                }
            ],
        },
        format="json",
    )

    if ok:
        assert response.status_code == 201, response.json()
        assert Household.objects.get().income_per_capita == Decimal("650.00")
    else:
        assert response.status_code == 400
        assert response.json()["income_per_capita"] == [foreign_digit_message(typed)]


def test_a_count_in_the_supply_api_and_a_filter_refuse_other_scripts(api, charity_user, regions):
    """A project's capacity and the organisation filter of the project list."""
    org = make_org(
        _officer(regions), regions["county_a"], code="51441881MJ0000001R", staff=[charity_user]
    )
    api.force_authenticate(charity_user)
    body = {
        "organization": org.pk,
        "title": "助老送餐",
        "description": "为独居老人每日送餐",
        "application_process": "社工转介",
        "starts_on": "2026-03-01",
        "areas": ["elderly_support"],
        "forms": ["daily_living"],
        "coverage": ["441881101000"],
    }

    refused = api.post("/api/supply/projects/", {**body, "capacity": "٣٠"}, format="json")
    folded = api.post("/api/supply/projects/", {**body, "capacity": "３０"}, format="json")

    assert refused.status_code == 400 and "capacity" in refused.json()
    assert folded.status_code == 201 and folded.json()["capacity"] == 30
    assert api.get("/api/supply/projects/", {"organization": "٤"}).status_code == 400
    listed = api.get("/api/supply/projects/", {"organization": str(org.pk)})
    assert listed.json()["count"] == 1


def _officer(regions):
    from ..factories import UserFactory

    return UserFactory(role="civil_affairs", region=regions["county_a"])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("１２", 12), ("⑫", 12), ("١٢", "error"), ("१२", "error")],
)
def test_xlsx_cell_parsers_read_folded_digits_and_refuse_other_scripts(typed, expected):
    if expected == "error":
        for parse in (
            lambda v: xlsx.parse_integer(v, maximum=100),
            lambda v: xlsx.parse_decimal(v, max_digits=10),
            lambda v: xlsx.parse_code(v),
        ):
            with pytest.raises(xlsx.CellError):
                parse(typed)
        with pytest.raises(xlsx.CellError):
            xlsx.parse_date(f"2024-01-{typed}")
    else:
        assert xlsx.parse_integer(typed, maximum=100) == expected
        assert xlsx.parse_decimal(typed, max_digits=10) == Decimal(expected)
        assert xlsx.parse_date(f"2024-01-{typed}").day == expected


def test_credit_code_normalisation_in_supply_services_is_the_shared_one():
    assert supply_services.normalize_credit_code("９１４４０３００７０８４６１１３６ｔ") == (
        "91440300708461136T"
    )
    errors, _warnings = supply_services.check_credit_code(
        in_script("91440300708461136T", "devanagari")
    )
    assert errors == [foreign_digit_message(in_script("9", "devanagari"))]


# --- Every number field of every form, serializer and filter ---------------------------------


def _project_classes(base: type) -> list[type]:
    """The subclasses of ``base`` defined in the project's apps (every module imported)."""
    import importlib
    import pkgutil

    for app in ("accounts", "needs", "supply", "matching"):
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    found: list[type] = []
    todo = [base]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in ("accounts", "needs", "supply", "matching"):
                found.append(sub)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_every_number_field_of_a_form_reads_digits_through_identifiers():
    """Django's IntegerField and DecimalField call int() and Decimal(), which read "٤٢" as 42:
    every form of the project uses the fields of accounts.forms instead."""
    from django import forms as django_forms

    from accounts.forms import AsciiNumberMixin

    numbers = (django_forms.IntegerField, django_forms.DecimalField, django_forms.FloatField)
    plain = [
        f"{form.__module__}.{form.__qualname__}.{name}"
        for form in _project_classes(django_forms.BaseForm)
        for name, field in form.base_fields.items()
        if isinstance(field, numbers) and not isinstance(field, AsciiNumberMixin)
    ]
    assert plain == []


def _writable_fields(serializer, path: str):
    from rest_framework import serializers

    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        where = f"{path}.{name}"
        while isinstance(field, serializers.ListSerializer | serializers.ListField):
            field = field.child
        if isinstance(field, serializers.BaseSerializer):
            yield from _writable_fields(field, where)
        else:
            yield where, field


def test_every_writable_number_field_of_the_api_reads_digits_through_identifiers():
    from rest_framework import serializers

    from accounts.api.fields import AsciiNumberMixin

    numbers = (serializers.IntegerField, serializers.DecimalField, serializers.FloatField)
    checked, plain = 0, []
    # Inputs are named so (the house style's Input/Output serializers); an output's fields are
    # never parsed.
    inputs = [s for s in _project_classes(serializers.Serializer) if "Input" in s.__name__]
    for serializer in inputs:
        try:
            fields = list(_writable_fields(serializer(), serializer.__qualname__))
        except AssertionError:
            # A base class that only its subclasses complete: they are checked.
            assert serializer.__subclasses__(), serializer
            continue
        for where, field in fields:
            if isinstance(field, numbers):
                checked += 1
                if not isinstance(field, AsciiNumberMixin):
                    plain.append(where)
    assert plain == []
    assert checked >= 10, checked  # the walk does reach the number fields


def test_every_number_filter_reads_digits_through_identifiers():
    import django_filters

    from accounts.forms import AsciiNumberMixin

    checked = 0
    plain = []
    for filterset in _project_classes(django_filters.FilterSet):
        for name, filter_ in filterset.base_filters.items():
            if isinstance(filter_, django_filters.NumberFilter):
                checked += 1
                if not issubclass(filter_.field_class, AsciiNumberMixin):
                    plain.append(f"{filterset.__qualname__}.{name}")
    assert plain == []
    assert checked >= 5, checked  # the walk does reach the number filters


def test_an_organisations_contact_phone_is_kept_as_typed_in_ascii_digits_or_refused(
    client, api, county_officer, regions
):
    """A contact phone is text (``0763-1234567 转 8``), but its digits are 0-9 everywhere."""
    client.force_login(county_officer)
    body = {
        "name": "英德市助学会",
        "credit_code": "91440300708461136T",
        "org_type": "association",
        "registering_region": regions["county_a"].code,
    }

    refused = client.post("/supply/organisations/new/", {**body, "contact_phone": "٠٧٦٣-١٢٣٤٥٦٧"})
    api.force_authenticate(county_officer)
    refused_api = api.post(
        "/api/supply/organizations/", {**body, "contact_phone": "०७६३"}, format="json"
    )
    folded = client.post(
        "/supply/organisations/new/", {**body, "contact_phone": "０７６３-１２３ 转 ８"}
    )

    assert refused.status_code == 400 and 'id="id_contact_phone_error"' in refused.content.decode()
    assert refused_api.status_code == 400 and "contact_phone" in refused_api.json()
    assert folded.status_code == 302
    assert Organization.objects.get().contact_phone == "0763-123 转 8"


@pytest.mark.parametrize("script", ["fullwidth", "superscript", "arabic_indic"])
def test_a_region_choice_in_another_script_is_an_invalid_choice(client, api, worker, script):
    """The household list's region is a choice of the user's villages and townships: a code in
    another script is no choice (a 400 in the API, ignored on the page), never a 500."""
    typed = in_script("441881101000", script)
    client.force_login(worker)
    api.force_authenticate(worker)

    page = client.get("/needs/households/", {"region": typed})
    response = api.get("/api/needs/households/", {"region": typed})

    assert page.status_code == 200
    assert response.status_code == 400 and "region" in response.json()
    assert api.get("/api/needs/households/", {"unvisited_days": "٣٠"}).status_code == 400
    assert api.get("/api/needs/households/", {"unvisited_days": "３０"}).status_code == 200
    assert api.get("/api/needs/households/", {"unvisited_days": "1e30"}).status_code == 400
    assert client.get("/needs/households/", {"unvisited_days": "1e30"}).status_code == 200


def test_an_editions_coverage_filter_reads_the_code_as_its_digits_or_ignores_it():
    from supply.api.views import LedgerEntryFilterSet
    from supply.models import LedgerEntry

    def sql(value: str) -> str:
        filterset = LedgerEntryFilterSet({"covers": value}, queryset=LedgerEntry.objects.all())
        return str(filterset.qs.query)

    assert sql("４４１８８１") == sql("441881") != sql("abc")
    assert sql("٤٤١٨٨١") == sql("abc") == str(LedgerEntry.objects.all().query)
