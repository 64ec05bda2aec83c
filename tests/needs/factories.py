"""Factories for the need ledger. Households are built through the service, as users do."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from needs import idnumbers
from needs.models import Household, Member
from needs.services import MemberInput, household_save

_sequence = itertools.count(1)


def id_number(region_code: str = "441881101000", *, born: dt.date, sex: str = "male") -> str:
    """A valid ID number, unique within a test run."""
    return idnumbers.generate(region_code, born, next(_sequence), sex=sex)


def born_years_ago(years: int, *, days: int = 30) -> dt.date:
    from needs.selectors import years_ago  # safe on 29 February

    return years_ago(years, timezone.localdate()) - dt.timedelta(days=days)


def member_input(
    name: str = "李大山",
    *,
    relation: str = Member.Relation.HEAD,
    age: int = 45,
    sex: str = "male",
    region_code: str = "441881101000",
    **extra,
) -> MemberInput:
    born = born_years_ago(age)
    return MemberInput(
        name=name,
        relation=relation,
        id_number=extra.pop("id_number", None) or id_number(region_code, born=born, sex=sex),
        **extra,
    )


def make_household(user, region, members: list[MemberInput] | None = None, **fields) -> Household:
    """A household recorded by ``user`` (a social worker of ``region``'s township)."""
    members = members or [member_input(region_code=region.code)]
    values = {
        "region": region,
        "address": fields.pop("address", "英德市沙口镇沙口村 12 号"),
        **fields,
    }
    return household_save(user=user, household=None, fields=values, members=members).household


def current_member_inputs(household: Household, **changes) -> list[MemberInput]:
    """The household's current members as the edit form submits them: unchanged, or
    removed where ``changes`` says ``{name: {"remove": True}}``."""
    rows = []
    for m in household.members.filter(left_at__isnull=True).order_by("pk"):
        rows.append(
            MemberInput(
                member_id=m.pk,
                name=m.name,
                relation=m.relation,
                sex=m.sex,
                birth_date=m.birth_date,
                id_number=m.id_number,
                remove=changes.get(m.name, {}).get("remove", False),
            )
        )
    return rows
