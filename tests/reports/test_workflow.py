"""The workflow up the tiers: the county writes and submits, the city returns or accepts, then
writes its own and submits to the province. Every illegal step is refused with its reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Notification
from reports import metrics, services
from reports.models import AnnualEvaluation

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

S = AnnualEvaluation.Status
WRITTEN = {"worked": "入户走访全覆盖", "not_worked": "部分项目名额不足", "plans": "增加助医项目"}


def make_evaluation(region, *, year=2025, status=S.DRAFT, version=1, current=True, **fields):
    return AnnualEvaluation.objects.create(
        region=region,
        year=year,
        version=version,
        is_current=current,
        status=status,
        metrics=metrics.compute(region, metrics.Period.year(year), previous=False),
        metrics_sha256="0" * 64,
        **fields,
    )


def write_everything(user, evaluation):
    for section in metrics.SECTIONS:
        services.narrative_save(
            user=user, evaluation=evaluation, section=section.key, parts=WRITTEN
        )


def refused(code, function, **kwargs):
    with pytest.raises(ValidationError) as caught:
        function(**kwargs)
    assert getattr(caught.value, "code", None) == code, caught.value.messages
    return caught.value


@pytest.fixture
def officers(regions):
    return {
        "yingde": UserFactory(username="yd", role="civil_affairs", region=regions["county_a"]),
        "qingxin": UserFactory(username="qx", role="civil_affairs", region=regions["county_b"]),
        "city": UserFactory(username="qy", role="civil_affairs", region=regions["city"]),
        "province": UserFactory(username="gd", role="civil_affairs", region=regions["province"]),
    }


@pytest.fixture
def yingde(regions):
    return make_evaluation(regions["county_a"])


def test_the_county_writes_every_section_and_submits_to_the_city(officers, yingde):
    write_everything(officers["yingde"], yingde)
    yingde.refresh_from_db()
    assert yingde.narrative["needs"] == WRITTEN
    services.evaluation_submit(user=officers["yingde"], evaluation=yingde)
    yingde.refresh_from_db()
    assert yingde.status == S.SUBMITTED and yingde.submitted_by == officers["yingde"]
    assert Notification.objects.filter(
        recipient=officers["city"], kind="evaluation_submitted"
    ).exists()


def test_a_county_cannot_submit_without_a_narrative_for_every_section(officers, yingde):
    services.narrative_save(
        user=officers["yingde"], evaluation=yingde, section="needs", parts=WRITTEN
    )
    error = refused(
        "narrative_missing", services.evaluation_submit, user=officers["yingde"], evaluation=yingde
    )
    assert "对接频次" in " ".join(error.messages) or "Matching frequency" in " ".join(
        error.messages
    )
    yingde.refresh_from_db()
    assert yingde.status == S.DRAFT


@pytest.mark.parametrize("who", ["qingxin", "city", "province"])
def test_only_the_county_itself_writes_and_submits(officers, yingde, who, administrator):
    refused(
        "not_allowed",
        services.narrative_save,
        user=officers[who],
        evaluation=yingde,
        section="needs",
        parts=WRITTEN,
    )
    write_everything(officers["yingde"], yingde)
    refused("not_allowed", services.evaluation_submit, user=officers[who], evaluation=yingde)
    refused("not_allowed", services.evaluation_submit, user=administrator, evaluation=yingde)


def test_the_city_returns_it_with_a_comment_and_the_county_resubmits(officers, yingde):
    write_everything(officers["yingde"], yingde)
    services.evaluation_submit(user=officers["yingde"], evaluation=yingde)
    refused(
        "comment_missing",
        services.evaluation_return,
        user=officers["city"],
        evaluation=yingde,
        comment="  ",
    )
    services.evaluation_return(
        user=officers["city"], evaluation=yingde, comment="请补充助医项目名额不足的原因"
    )
    yingde.refresh_from_db()
    assert yingde.status == S.RETURNED and yingde.review_comment == "请补充助医项目名额不足的原因"
    told = Notification.objects.get(recipient=officers["yingde"], kind="evaluation_returned")
    assert told.body == "请补充助医项目名额不足的原因"
    # The county changes its narrative and submits again; the city accepts.
    services.narrative_save(
        user=officers["yingde"],
        evaluation=yingde,
        section="results",
        parts={**WRITTEN, "not_worked": "市级助医项目名额 20 个,申请 2 个被拒"},
    )
    services.evaluation_submit(user=officers["yingde"], evaluation=yingde)
    services.evaluation_accept(user=officers["city"], evaluation=yingde)
    yingde.refresh_from_db()
    assert yingde.status == S.ACCEPTED and yingde.reviewed_by == officers["city"]


@pytest.mark.parametrize("who", ["yingde", "qingxin", "province"])
def test_only_the_city_above_reviews_a_county(officers, yingde, who):
    write_everything(officers["yingde"], yingde)
    services.evaluation_submit(user=officers["yingde"], evaluation=yingde)
    refused("not_allowed", services.evaluation_accept, user=officers[who], evaluation=yingde)
    refused(
        "not_allowed",
        services.evaluation_return,
        user=officers[who],
        evaluation=yingde,
        comment="不行",
    )


def test_a_draft_cannot_be_accepted_or_returned(officers, yingde):
    refused(
        "illegal_transition", services.evaluation_accept, user=officers["city"], evaluation=yingde
    )
    refused(
        "illegal_transition",
        services.evaluation_return,
        user=officers["city"],
        evaluation=yingde,
        comment="不行",
    )


def test_an_accepted_evaluation_is_closed_to_changes(officers, yingde):
    write_everything(officers["yingde"], yingde)
    services.evaluation_submit(user=officers["yingde"], evaluation=yingde)
    services.evaluation_accept(user=officers["city"], evaluation=yingde)
    refused(
        "not_editable",
        services.narrative_save,
        user=officers["yingde"],
        evaluation=yingde,
        section="needs",
        parts=WRITTEN,
    )
    refused(
        "illegal_transition", services.evaluation_submit, user=officers["yingde"], evaluation=yingde
    )
    refused(
        "illegal_transition", services.evaluation_accept, user=officers["city"], evaluation=yingde
    )
    refused(
        "illegal_transition",
        services.evaluation_return,
        user=officers["city"],
        evaluation=yingde,
        comment="再改",
    )


def test_a_submitted_evaluation_cannot_be_submitted_again_or_edited(officers, yingde):
    write_everything(officers["yingde"], yingde)
    services.evaluation_submit(user=officers["yingde"], evaluation=yingde)
    refused(
        "illegal_transition", services.evaluation_submit, user=officers["yingde"], evaluation=yingde
    )
    refused(
        "not_editable",
        services.narrative_save,
        user=officers["yingde"],
        evaluation=yingde,
        section="needs",
        parts=WRITTEN,
    )


def test_two_reviewers_at_once_cannot_both_win(officers, yingde):
    write_everything(officers["yingde"], yingde)
    services.evaluation_submit(user=officers["yingde"], evaluation=yingde)
    second_city = UserFactory(username="qy2", role="civil_affairs", region=yingde.region.parent)
    stale = AnnualEvaluation.objects.get(pk=yingde.pk)  # read before the first decision
    services.evaluation_accept(user=officers["city"], evaluation=yingde)
    refused(
        "conflict", services.evaluation_return, user=second_city, evaluation=stale, comment="退回"
    )
    assert AnnualEvaluation.objects.get(pk=yingde.pk).status == S.ACCEPTED


def test_the_city_submits_to_the_province_once_every_county_is_accepted(officers, regions):
    yingde = make_evaluation(regions["county_a"])
    qingxin = make_evaluation(regions["county_b"])
    city = make_evaluation(regions["city"])
    write_everything(officers["city"], city)
    error = refused(
        "counties_waiting", services.evaluation_submit, user=officers["city"], evaluation=city
    )
    assert "英德市" in error.messages[0] and "清新区" in error.messages[0]
    for officer, evaluation in ((officers["yingde"], yingde), (officers["qingxin"], qingxin)):
        write_everything(officer, evaluation)
        services.evaluation_submit(user=officer, evaluation=evaluation)
        services.evaluation_accept(user=officers["city"], evaluation=evaluation)
    services.evaluation_submit(user=officers["city"], evaluation=city)
    assert Notification.objects.filter(
        recipient=officers["province"], kind="evaluation_submitted"
    ).exists()
    refused("not_allowed", services.evaluation_accept, user=officers["yingde"], evaluation=city)
    services.evaluation_accept(user=officers["province"], evaluation=city)
    city.refresh_from_db()
    assert city.status == S.ACCEPTED


def test_the_province_and_townships_submit_to_nobody(officers, regions):
    province = make_evaluation(regions["province"])
    write_everything(officers["province"], province)
    refused(
        "no_tier_above", services.evaluation_submit, user=officers["province"], evaluation=province
    )
    township = make_evaluation(regions["township_a1"])
    refused("not_allowed", services.evaluation_submit, user=officers["yingde"], evaluation=township)


def test_an_old_version_does_not_move(officers, regions):
    old = make_evaluation(regions["county_a"], version=1, current=False)
    make_evaluation(regions["county_a"], version=2)
    refused(
        "not_current",
        services.narrative_save,
        user=officers["yingde"],
        evaluation=old,
        section="needs",
        parts=WRITTEN,
    )
    refused("not_current", services.evaluation_submit, user=officers["yingde"], evaluation=old)


def test_a_narrative_too_long_or_for_an_unknown_section_is_refused(officers, yingde):
    refused(
        "too_long",
        services.narrative_save,
        user=officers["yingde"],
        evaluation=yingde,
        section="needs",
        parts={"worked": "字" * 5001},
    )
    refused(
        "bad_section",
        services.narrative_save,
        user=officers["yingde"],
        evaluation=yingde,
        section="no_such_section",
        parts=WRITTEN,
    )
