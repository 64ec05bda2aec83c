from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import User
from accounts.scope import get_visible_or_404
from supply import services
from supply.models import ListingChange, Organization, Project

from ..factories import RegionFactory, UserFactory
from .conftest import TERMS, VALID_CODE, listing, make_org

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("region_key", "tier"), [("province", "province"), ("city", "city"), ("county_a", "county")]
)
def test_the_tier_derives_from_the_registering_region(regions, region_key, tier):
    region = regions[region_key]
    officer = UserFactory(username=f"officer_{region_key}", role="civil_affairs", region=region)
    organization = make_org(officer, region, code=VALID_CODE)
    assert organization.tier == tier


def test_a_real_code_that_fails_the_check_is_kept_with_a_warning(county_officer, regions):
    organization, warnings = services.organization_register(
        user=county_officer,
        name="某慈善会",
        credit_code="51440000mjl1234567",
        org_type="association",
        registering_region=regions["county_a"],
    )
    assert organization.credit_code == "51440000MJL1234567"
    assert organization.credit_code_valid is False
    assert "51440000MJL1234567" in warnings[0]


@pytest.mark.parametrize("code", ["5144000", "51440000MJL12345I7", ""])
def test_a_malformed_code_is_refused(county_officer, regions, code):
    with pytest.raises(ValidationError) as exc:
        make_org(county_officer, regions["county_a"], code=code)
    assert "credit_code" in exc.value.message_dict
    assert Organization.objects.count() == 0


def test_a_code_is_registered_once(county_officer, regions):
    make_org(county_officer, regions["county_a"], code=VALID_CODE)
    with pytest.raises(ValidationError):
        make_org(county_officer, regions["county_a"], code=VALID_CODE.lower())


def test_only_the_registering_department_registers(county_officer, other_county_officer, regions):
    with pytest.raises(PermissionDenied):
        make_org(other_county_officer, regions["county_a"], code=VALID_CODE)
    with pytest.raises(PermissionDenied):
        make_org(county_officer, regions["city"], code=VALID_CODE)


def test_a_charity_cannot_see_or_edit_another_charitys_draft(draft, charity_b, regions):
    with pytest.raises(Http404):
        get_visible_or_404(Project.objects.all(), charity_b, pk=draft.pk)
    with pytest.raises(PermissionDenied):
        services.project_save(
            user=charity_b,
            organization=draft.organization,
            project=draft,
            fields=listing(title="改"),
            terms=TERMS,
            coverage=[regions["county_a"]],
        )
    assert Project.objects.get(pk=draft.pk).title == "困境儿童助学金"


def test_the_owner_and_the_tier_see_the_draft_others_do_not(
    draft, charity_a, county_officer, other_county_officer, worker
):
    for user in (charity_a, county_officer):
        assert draft in Project.objects.visible_to(user)
    for user in (other_county_officer, worker):
        assert draft not in Project.objects.visible_to(user)


def test_a_published_listing_is_visible_to_every_logged_in_user(
    published, worker, other_county_officer
):
    assert published in Project.objects.visible_to(worker)
    assert published in Project.objects.visible_to(other_county_officer)


def test_only_the_tier_publishes_and_a_return_needs_a_reason(
    draft, charity_a, county_officer, other_county_officer
):
    services.project_transition(user=charity_a, project=draft, to="pending_review")
    with pytest.raises(PermissionDenied):
        services.project_transition(user=charity_a, project=draft, to="published")
    with pytest.raises(PermissionDenied):
        services.project_transition(user=other_county_officer, project=draft, to="published")
    with pytest.raises(ValidationError):
        services.project_transition(user=county_officer, project=draft, to="draft", reason="")
    project = services.project_transition(user=county_officer, project=draft, to="published")
    assert project.status == "published" and project.last_confirmed_at is not None


def test_a_change_applies_only_after_review(published, charity_a, county_officer, regions):
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 20, "title": "困境儿童助学金(扩容)"},
        terms=TERMS,
        coverage=[regions["county_a"], regions["township_a2"]],
    )
    published.refresh_from_db()
    assert (published.capacity, published.title) == (10, "困境儿童助学金")
    diff = {name: (old, new) for name, old, new in services.listing_change_diff(change)}
    assert diff["capacity"] == (10, 20)
    assert diff["coverage"] == (["441881000000"], ["441881000000", "441881102000"])

    services.listing_change_approve(user=county_officer, change=change)
    published.refresh_from_db()
    assert (published.capacity, published.title) == (20, "困境儿童助学金(扩容)")
    assert set(published.coverage.values_list("prefix", flat=True)) == {"441881", "441881102"}
    with pytest.raises(ValidationError):
        services.listing_change_approve(user=county_officer, change=change)


def test_a_rejected_change_needs_a_reason_and_changes_nothing(
    published, charity_a, county_officer, regions
):
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 99},
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    with pytest.raises(ValidationError):
        services.listing_change_reject(user=county_officer, change=change, reason=" ")
    services.listing_change_reject(user=county_officer, change=change, reason="名额需与预算一致")
    published.refresh_from_db()
    assert published.capacity == 10
    assert ListingChange.objects.get().status == "rejected"


def test_a_published_listing_is_not_edited_directly(published, charity_a, regions):
    with pytest.raises(ValidationError):
        services.project_save(
            user=charity_a,
            organization=published.organization,
            project=published,
            fields=listing(capacity=50),
            terms=TERMS,
            coverage=[regions["county_a"]],
        )


def test_coverage_matches_by_code_prefix(published, regions):
    assert list(Project.objects.covering("441881101000")) == [published]  # a town of the county
    assert list(Project.objects.covering("441803102000")) == []  # another county


def test_a_listing_needs_an_area_a_form_and_coverage(county_org, charity_a):
    with pytest.raises(ValidationError) as exc:
        services.project_save(
            user=charity_a, organization=county_org, fields=listing(), terms={}, coverage=[]
        )
    assert {"area", "form", "coverage"} <= set(exc.value.message_dict)


def test_staff_accounts_must_be_charity_users(county_officer, regions, worker):
    with pytest.raises(ValidationError):
        make_org(county_officer, regions["county_a"], code=VALID_CODE, staff=[worker])
    assert User.objects.filter(organizations__isnull=False).count() == 0


def test_a_listing_covers_places_of_its_province_only_down_to_townships(
    county_org, charity_a, regions
):
    other_province = RegionFactory(
        code="450000000000", name="广西壮族自治区", level="province", kind="province"
    )
    village = RegionFactory(
        code="441881101001",
        name="沙口村",
        level="village",
        parent=regions["township_a1"],
        kind="village",
    )
    for outside in (other_province, village):
        with pytest.raises(ValidationError) as exc:
            services.project_save(
                user=charity_a,
                organization=county_org,
                fields=listing(),
                terms=TERMS,
                coverage=[outside],
            )
        assert list(exc.value.message_dict) == ["coverage"]
    # Another county of the province, or the whole province, is fine (对口帮扶).
    project = services.project_save(
        user=charity_a,
        organization=county_org,
        fields=listing(),
        terms=TERMS,
        coverage=[regions["county_b"], regions["province"]],
    )
    assert sorted(project.coverage.values_list("prefix", flat=True)) == ["44", "441803"]


def test_a_change_is_not_applied_to_a_closed_listing(published, charity_a, county_officer, regions):
    change = services.listing_change_submit(
        user=charity_a,
        project=published,
        fields={"capacity": 15},
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    services.project_transition(user=county_officer, project=published, to="closed")
    assert ListingChange.objects.get(pk=change.pk).status == "withdrawn"
    with pytest.raises(ValidationError):
        services.listing_change_approve(
            user=county_officer, change=ListingChange.objects.get(pk=change.pk)
        )
    assert Project.objects.get(pk=published.pk).capacity == 10


def test_capacity_cannot_drop_below_the_places_taken(published, charity_a, county_officer, regions):
    Project.objects.filter(pk=published.pk).update(places_taken=8)
    with pytest.raises(ValidationError) as exc:
        services.listing_change_submit(
            user=charity_a,
            project=published,
            fields={"capacity": 5},
            terms=TERMS,
            coverage=[regions["county_a"]],
        )
    assert "capacity" in exc.value.message_dict


def test_a_stale_copy_cannot_undo_a_publication(draft, charity_a, county_officer, regions):
    stale = Project.objects.get(pk=draft.pk)
    services.project_transition(user=charity_a, project=draft, to="pending_review")
    services.project_transition(
        user=county_officer, project=Project.objects.get(pk=draft.pk), to="published"
    )
    with pytest.raises(ValidationError):
        services.project_save(
            user=charity_a,
            organization=draft.organization,
            project=stale,
            fields=listing(title="改"),
            terms=TERMS,
            coverage=[regions["county_a"]],
        )
    assert Project.objects.get(pk=draft.pk).status == "published"


def test_amounts_are_compared_as_stored(published, charity_a, regions):
    from decimal import Decimal

    Project.objects.filter(pk=published.pk).update(value_per_beneficiary=Decimal("100.00"))
    published.refresh_from_db()
    with pytest.raises(ValidationError):  # 100 is the same amount: nothing has changed
        services.listing_change_submit(
            user=charity_a,
            project=published,
            fields={"value_per_beneficiary": Decimal("100")},
            terms=TERMS,
            coverage=[regions["county_a"]],
        )


def test_allowed_transitions_follow_the_rules(draft, charity_a, county_officer):
    assert services.allowed_transitions(charity_a, draft) == ["pending_review", "closed"]
    services.project_transition(user=charity_a, project=draft, to="pending_review")
    draft.refresh_from_db()
    assert services.allowed_transitions(charity_a, draft) == []
    assert services.allowed_transitions(county_officer, draft) == ["draft", "published"]


def test_a_disclosure_is_recorded(published, charity_a):
    import datetime as dt

    services.project_record_disclosure(user=charity_a, project=published, on=dt.date(2026, 10, 1))
    assert Project.objects.get(pk=published.pk).last_disclosed_on == dt.date(2026, 10, 1)


def test_the_review_flow_tells_each_side(
    draft, charity_a, county_officer, other_county_officer, regions
):
    from accounts.models import Notification

    def titles(user):
        return list(
            Notification.objects.filter(recipient=user, kind="listing_review").values_list(
                "title", flat=True
            )
        )

    services.project_transition(user=charity_a, project=draft, to="pending_review")
    assert titles(county_officer) == ["待审核的新项目:困境儿童助学金(英德市慈善会)"]
    assert titles(other_county_officer) == []
    services.project_transition(user=county_officer, project=draft, to="published")
    assert titles(charity_a) == ["您的项目“困境儿童助学金”已发布"]

    change = services.listing_change_submit(
        user=charity_a,
        project=draft,
        fields={"capacity": 12},
        terms=TERMS,
        coverage=[regions["county_a"]],
    )
    assert "待审核的变更:困境儿童助学金(英德市慈善会)" in titles(county_officer)
    services.listing_change_reject(user=county_officer, change=change, reason="名额需与预算一致")
    assert "您对“困境儿童助学金”的变更被驳回:名额需与预算一致" in titles(charity_a)
