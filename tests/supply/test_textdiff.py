"""A change inside a long text field shows what was added or removed, not the whole field."""

from __future__ import annotations

import re

import pytest

from supply import services
from supply.textdiff import inline_diff

from .conftest import TERMS

DESCRIPTION = "为困境儿童提供每学期 1000 元助学金。由社工协助申请,审核通过后发放到监护人账户。"


def test_it_marks_only_the_added_sentence():
    added = "寒暑假另有学习用品包。"
    assert inline_diff(DESCRIPTION, DESCRIPTION + added) == [
        ("equal", DESCRIPTION),
        ("insert", added),
    ]


def test_it_diffs_chinese_by_character_and_latin_by_word():
    assert inline_diff("每学期 1000 元", "每学期 1500 元") == [
        ("equal", "每学期 "),
        ("delete", "1000"),
        ("insert", "1500"),
        ("equal", " 元"),
    ]
    assert inline_diff("发放到监护人账户", "发放到本人账户") == [
        ("equal", "发放到"),
        ("delete", "监护"),
        ("insert", "本"),
        ("equal", "人账户"),
    ]


@pytest.mark.django_db
def test_the_review_page_strikes_nothing_when_a_sentence_is_added(
    client, charity_a, county_officer, published
):
    published.description = DESCRIPTION
    published.save(update_fields=["description"])
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"description": DESCRIPTION + "寒暑假另有学习用品包。"},
        terms=TERMS,
        coverage=[c.region for c in published.coverage.select_related("region")],
    )
    client.force_login(county_officer)
    page = client.get(f"/supply/changes/{change.pk}/").content.decode()
    row = re.search(r'data-field="description">(.*?)</div>', page, re.S).group(1)
    assert re.findall(r'<ins class="diff-ins">(.*?)</ins>', row) == ["寒暑假另有学习用品包。"]
    assert "<del" not in row
    assert DESCRIPTION in row  # the unchanged text is shown once, plain
