"""Demo data of member units' aid records, loaded by ``oversight.demo.seed``.

英德市人力资源和社会保障局 (the login ``member_unit``) pushes, as its system would through the
API, five records for persons of 英德市: three of 沙口镇 household members (matched to the
ledger at once: they show in the pre-aid check and on the household's page; one is a serious
illness grant), and two of persons not on the need ledger (waiting in the queue of 英德市's
civil affairs). 英德市医疗保障局 is a second unit without a login yet. A second run finds the
unit and creates nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TextIO

from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone

from accounts.models import Region, User
from needs import idnumbers
from needs.models import Member

from . import aid_records
from .models import AidRecord, MemberUnit, MemberUnitStaff

YINGDE = "441881000000"
SHAKOU = "441881101000"
UNIT_NAME = "英德市人力资源和社会保障局"


def seed(*, stdout: OutputWrapper | TextIO) -> None:
    with transaction.atomic():
        if not MemberUnit.objects.filter(name=UNIT_NAME).exists():
            _load(timezone.localdate())
    rows = AidRecord.objects.all()
    stdout.write(
        f"member units demo: {MemberUnit.objects.count()} member units, {rows.count()} aid records "
        f"({rows.filter(status='matched').count()} matched, "
        f"{rows.filter(status='unmatched').count()} waiting)\n"
    )


def _load(today: dt.date) -> None:
    yingde = Region.objects.filter(pk=YINGDE).first()
    login = User.objects.filter(username="member_unit").first()
    if yingde is None or login is None:  # regions or logins not loaded (--logins-only)
        return
    unit = MemberUnit.objects.create(
        name=UNIT_NAME, department=MemberUnit.Department.HUMAN_RESOURCES, region=yingde
    )
    MemberUnitStaff.objects.get_or_create(user=login, defaults={"unit": unit})
    MemberUnit.objects.create(
        name="英德市医疗保障局", department=MemberUnit.Department.HEALTHCARE_SECURITY, region=yingde
    )
    members = list(
        Member.objects.filter(household__region__code__startswith=SHAKOU[:9], left_at__isnull=True)
        .exclude(id_number="")
        .order_by("pk")[:3]
    )
    K = AidRecord.Kind
    plans = [
        (K.EMPLOYMENT, Decimal("1500.00"), 40, "公益性岗位补贴"),
        (K.SERIOUS_ILLNESS, Decimal("8000.00"), 25, "大病住院费用补助"),
        (K.EDUCATION, None, 10, "职业技能培训"),
    ]
    items = [
        {
            "external_id": f"{today.year}{n:06d}",
            "id_number": member.id_number,
            "person_name": member.name,
            "kind": kind,
            "amount": amount,
            "given_on": today - dt.timedelta(days=days),
            "note": note,
        }
        for n, (member, (kind, amount, days, note)) in enumerate(
            zip(members, plans, strict=False), start=1
        )
    ]
    # Two persons not on the need ledger (numbers made for the demo, valid but unknown).
    for n, (name, born, kind) in enumerate(
        [("邓秀英", dt.date(1968, 3, 12), K.EMPLOYMENT), ("罗志强", dt.date(1990, 7, 3), K.OTHER)],
        start=len(items) + 1,
    ):
        number = idnumbers.generate(YINGDE, born, 900 + n, sex="female" if n % 2 else "male")
        items.append(
            {
                "external_id": f"{today.year}{n:06d}",
                "id_number": number,
                "person_name": name,
                "kind": kind,
                "amount": Decimal("600.00"),
                "given_on": today - dt.timedelta(days=5 * n),
            }
        )
    aid_records.aid_records_push(user=login, items=items)
