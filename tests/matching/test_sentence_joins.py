"""Sentences put together on a page read as written: the reviewer's note (which ends in its
own full stop) and the sentence after it are two sentences, not "再发放。. 标记……"."""

from __future__ import annotations

import re

from matching import services

from ..accounts.test_chinese_everywhere import STRAY_PUNCTUATION, VisibleText


def test_a_flag_note_and_the_hold_on_delivery_are_two_sentences(
    client, worker, need, consent, project, county_officer
):
    application = services.application_create(
        user=worker, need=need, project=project, mode="assisted"
    )
    services.review_flag(
        user=county_officer,
        application=application,
        flag="duplicate",
        note="与临时救助重复,请核实后再发放。",
    )
    client.force_login(county_officer)

    page = VisibleText()
    page.feed(client.get(f"/matching/applications/{application.pk}/").content.decode())

    assert "请核实后再发放。" in page.text
    assert STRAY_PUNCTUATION.findall(page.text) == []
    assert not re.search(r"再发放。\s*[.．]", page.text)
