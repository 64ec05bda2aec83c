"""Shared factories: regions, users. Other apps' factories build on these."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import Region, User

DEMO_PASSWORD = "Correct-Horse-42"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"4499{n:02d}000000")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = Region.Level.COUNTY
    kind = "district"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    role = User.Role.SOCIAL_WORKER
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def phone_number(self, create, extracted, **kwargs):
        if extracted:
            self.set_phone(extracted)
        if create:
            self.save()


def region_tree() -> dict[str, Region]:
    """Province > Qingyuan > {Yingde > {Shakou, Wangbu}, Qingxin > {Taihe}}."""
    province = RegionFactory(
        code="440000000000", name="广东省", level=Region.Level.PROVINCE, kind="province"
    )
    city = RegionFactory(
        code="441800000000",
        name="清远市",
        level=Region.Level.PREFECTURE,
        parent=province,
        kind="prefecture",
    )
    county_a = RegionFactory(
        code="441881000000",
        name="英德市",
        level=Region.Level.COUNTY,
        parent=city,
        kind="county_city",
    )
    county_b = RegionFactory(
        code="441803000000", name="清新区", level=Region.Level.COUNTY, parent=city, kind="district"
    )
    township_a1 = RegionFactory(
        code="441881101000",
        name="沙口镇",
        level=Region.Level.TOWNSHIP,
        parent=county_a,
        kind="town",
    )
    township_a2 = RegionFactory(
        code="441881102000",
        name="望埠镇",
        level=Region.Level.TOWNSHIP,
        parent=county_a,
        kind="town",
    )
    township_b1 = RegionFactory(
        code="441803102000",
        name="太和镇",
        level=Region.Level.TOWNSHIP,
        parent=county_b,
        kind="town",
    )
    return {
        "province": province,
        "city": city,
        "county_a": county_a,
        "county_b": county_b,
        "township_a1": township_a1,
        "township_a2": township_a2,
        "township_b1": township_b1,
    }
