"""Sex and date of birth beside an ID number (issue 10, point 4).

The number is the authority (GB 11643: the date of birth is in it, the sex is the parity of the
17th digit). Left blank, sex and date of birth are read from it. Given and agreeing, nothing is
said. Given and disagreeing, they are not overwritten silently: the save is refused with an
error on the sex or date of birth field naming what the number says, and the input is kept,
for the worker to correct one of the two (either may be the mistyped one). A stored number's
date of birth is never named (the edit form hides it beside the masked number).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils.translation import gettext
from rest_framework.test import APIClient

from needs import services
from needs.models import Household, Member

from .factories import born_years_ago, id_number, make_household, member_input

pytestmark = pytest.mark.django_db

FEMALE = dt.date(1949, 12, 31)


def _save(worker, regions, **member):
    return services.household_save(
        user=worker,
        household=None,
        fields={"region": regions["township_a1"], "address": "英德市沙口镇红峰村 3 号"},
        members=[services.MemberInput(name="林秀珍", relation="head", **member)],
    )


def _errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.member_errors[0]


# --- The service -------------------------------------------------------------------------------


def test_a_sex_that_disagrees_with_the_number_is_an_error_naming_the_numbers_sex(worker, regions):
    number = id_number(born=FEMALE, sex="female")
    with pytest.raises(services.LedgerInvalid) as excinfo:
        _save(worker, regions, id_number=number, sex="male")
    errors = _errors(excinfo)
    assert list(errors) == ["sex"]
    assert str(Member.Sex.FEMALE.label) in errors["sex"][0]
    assert Household.objects.count() == 0 and Member.objects.count() == 0


def test_a_birth_date_that_disagrees_with_a_typed_number_names_the_numbers_date(worker, regions):
    number = id_number(born=FEMALE, sex="female")
    with pytest.raises(services.LedgerInvalid) as excinfo:
        _save(worker, regions, id_number=number, sex="female", birth_date=dt.date(1950, 1, 1))
    errors = _errors(excinfo)
    assert list(errors) == ["birth_date"]
    assert "1949-12-31" in errors["birth_date"][0]
    assert Member.objects.count() == 0


def test_both_disagreeing_are_two_errors(worker, regions):
    number = id_number(born=FEMALE, sex="female")
    with pytest.raises(services.LedgerInvalid) as excinfo:
        _save(worker, regions, id_number=number, sex="male", birth_date=dt.date(1950, 1, 1))
    assert set(_errors(excinfo)) == {"sex", "birth_date"}


def test_values_that_agree_with_the_number_are_saved(worker, regions):
    number = id_number(born=FEMALE, sex="female")
    result = _save(worker, regions, id_number=number, sex="female", birth_date=FEMALE)
    member = result.household.members.get()
    assert (member.sex, member.birth_date) == ("female", FEMALE)


def test_values_left_blank_are_read_from_the_number(worker, regions):
    number = id_number(born=FEMALE, sex="female")
    member = _save(worker, regions, id_number=number).household.members.get()
    assert (member.sex, member.birth_date) == ("female", FEMALE)


def test_a_full_width_number_is_compared_as_its_digits(worker, regions):
    number = id_number(born=FEMALE, sex="female")
    full_width = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    with pytest.raises(services.LedgerInvalid) as excinfo:
        _save(worker, regions, id_number=full_width, sex="male")
    assert list(_errors(excinfo)) == ["sex"]
    member = _save(worker, regions, id_number=full_width, sex="female").household.members.get()
    assert member.id_number == number


def test_a_legacy_15_digit_number_is_the_authority_too(worker, regions):
    # 440524 490101 002: born 1949-01-01, sequence 002 is even: a woman.
    with pytest.raises(services.LedgerInvalid) as excinfo:
        _save(
            worker, regions, id_number="440524490101002", sex="male", birth_date=dt.date(1949, 1, 2)
        )
    errors = _errors(excinfo)
    assert set(errors) == {"sex", "birth_date"} and "1949-01-01" in errors["birth_date"][0]


def test_without_a_valid_number_nothing_is_compared(worker, regions):
    """A wrong number is its own error; the sex and date typed beside it are not judged by it."""
    right = id_number(born=FEMALE, sex="female")
    wrong = right[:-1] + ("0" if right[-1] != "0" else "1")
    with pytest.raises(services.LedgerInvalid) as excinfo:
        _save(worker, regions, id_number=wrong, sex="male", birth_date=dt.date(1950, 1, 1))
    assert list(_errors(excinfo)) == ["id_number"]


def test_a_stored_numbers_birth_date_is_not_named(worker, household):
    """The edit form does not show the date of birth beside a masked number; the error about a
    date typed there must not show it either."""
    mother, son = household.members.order_by("id")
    rows = [
        services.MemberInput(
            member_id=mother.pk,
            name=mother.name,
            relation="head",
            id_number=mother.id_number,
            sex=mother.sex,
            birth_date=mother.birth_date + dt.timedelta(days=1),
        ),
        services.MemberInput(
            member_id=son.pk, name=son.name, relation="child", id_number=son.id_number
        ),
    ]
    with pytest.raises(services.LedgerInvalid) as excinfo:
        services.household_save(
            user=worker,
            household=household,
            fields={"region": household.region},
            members=rows,
        )
    message = _errors(excinfo)["birth_date"][0]
    assert mother.birth_date.isoformat() not in message
    assert str(mother.birth_date.year) not in message
    assert message == str(services.BIRTH_DATE_DISAGREES_STORED)


# --- The household form ------------------------------------------------------------------------


def _formset(rows: list[dict], initial: int = 0) -> dict:
    data = {
        "members-TOTAL_FORMS": str(len(rows)),
        "members-INITIAL_FORMS": str(initial),
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"members-{i}-{key}"] = value
    return data


def _post(region, worker, rows, initial=0):
    return {
        "region": region.code,
        "worker": worker.pk,
        "address": "英德市沙口镇红峰村 3 号",
        "gap_class": "not_eligible_in_difficulty",
        "housing": "own",
        **_formset(rows, initial),
    }


def test_the_form_shows_the_disagreement_next_to_the_sex_and_keeps_the_input(
    client, worker, regions
):
    client.force_login(worker)
    number = id_number(born=FEMALE, sex="female")
    row = {"name": "林秀珍", "relation": "head", "id_number": number, "sex": "male"}
    response = client.post("/needs/households/new/", _post(regions["township_a1"], worker, [row]))
    assert response.status_code == 400
    assert Household.objects.count() == 0
    form = response.context["formset"].forms[0]
    assert form.errors["sex"] == [
        gettext("The ID number says %(sex)s: correct the sex or the ID number.")
        % {"sex": gettext("Female")}
    ]
    page = response.content.decode()
    assert 'id="id_members-0-sex_error"' in page
    assert f'value="{number}"' in page
    assert '<option value="male" selected>' in page


def test_the_form_saves_a_typed_sex_and_date_that_agree(client, worker, regions):
    client.force_login(worker)
    number = id_number(born=FEMALE, sex="female")
    row = {
        "name": "林秀珍",
        "relation": "head",
        "id_number": number,
        "sex": "female",
        "birth_date": "1949-12-31",
    }
    response = client.post("/needs/households/new/", _post(regions["township_a1"], worker, [row]))
    assert response.status_code == 302
    assert Member.objects.get().birth_date == FEMALE


def test_a_new_number_replaces_the_sex_shown_for_the_stored_one(client, worker, household):
    """The edit form shows the sex read from the stored number. A new number typed in its place,
    with that sex left as shown, decides the sex: the shown value was not the worker's word."""
    client.force_login(worker)
    mother, son = household.members.order_by("id")
    page = client.get(f"/needs/households/{household.pk}/edit/").content.decode()
    assert 'data-id-derived="stored"' in page
    new_number = id_number(born=born_years_ago(12), sex="female")
    rows = [
        {"member_id": mother.pk, "name": mother.name, "relation": "head", "sex": "female"},
        {
            "member_id": son.pk,
            "name": son.name,
            "relation": "child",
            "sex": "male",  # as shown: read from the stored number
            "id_number": new_number,
        },
    ]
    response = client.post(
        f"/needs/households/{household.pk}/edit/",
        _post(household.region, worker, rows, initial=2),
    )
    assert response.status_code == 302, response.context["formset"].errors
    son.refresh_from_db()
    assert (son.sex, son.id_number) == ("female", new_number)


def test_changing_only_the_sex_of_a_stored_number_is_refused(client, worker, household):
    client.force_login(worker)
    mother, son = household.members.order_by("id")
    rows = [
        {"member_id": mother.pk, "name": mother.name, "relation": "head", "sex": "male"},
        {"member_id": son.pk, "name": son.name, "relation": "child", "sex": "male"},
    ]
    response = client.post(
        f"/needs/households/{household.pk}/edit/",
        _post(household.region, worker, rows, initial=2),
    )
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["sex"]
    mother.refresh_from_db()
    assert mother.sex == "female"


def test_the_form_gives_the_browser_the_servers_messages(client, worker, regions):
    client.force_login(worker)
    page = client.get("/needs/households/new/").content.decode()
    assert "js/idnumber.js" in page
    start = page.index('<script id="idnumber-messages" type="application/json">')
    data = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert data["checksum"] == gettext(
        "The check character is wrong: please check the number digit by digit."
    )
    assert data["female"] == gettext("Female")
    assert "%(sex)s" in data["sex_disagrees"] and "%(date)s" in data["birth_date_disagrees"]
    for kind in ("number", "sex", "birth_date"):
        assert f'data-idnumber="{kind}"' in page


# --- The API -----------------------------------------------------------------------------------


def test_the_api_refuses_a_sex_that_disagrees_and_lets_a_new_number_decide(worker, household):
    api = APIClient()
    api.force_authenticate(worker)
    _mother, son = household.members.order_by("id")
    url = f"/api/needs/households/{household.pk}/"
    response = api.patch(url, {"members": [{"id": son.pk, "sex": "female"}]}, format="json")
    assert response.status_code == 400
    assert "sex" in json.dumps(response.json())
    new_number = id_number(born=born_years_ago(12), sex="female")
    response = api.patch(url, {"members": [{"id": son.pk, "id_number": new_number}]}, format="json")
    assert response.status_code == 200, response.json()
    son.refresh_from_db()
    assert son.sex == "female"
    response = api.patch(
        url,
        {
            "members": [
                {"id": son.pk, "id_number": id_number(born=born_years_ago(12)), "sex": "female"}
            ]
        },
        format="json",
    )
    assert response.status_code == 400


def test_the_demo_and_factories_still_agree(worker, regions):
    """Households built the usual way (number only) keep working."""
    household = make_household(worker, regions["township_a1"], members=[member_input(sex="female")])
    assert household.members.get().sex == "female"
