"""The demo supply ledger that ``manage.py seed_demo`` loads (supply/demo.py).

A full seed_demo takes several seconds (regions, the need ledger, the supply ledger), so the
module runs it twice, once for all its tests: the data lives in an outer transaction that is
rolled back at the end, and each test runs in a savepoint inside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.utils import timezone
from stdnum.cn import uscc

from accounts.models import User
from accounts.taxonomies import AidForm, CharityArea
from supply.demo import NAMES, ORG_CLASS, QINGTANG, SHAKOU, SHENZHEN, TAIHE, WANGBU
from supply.editions import publication_day
from supply.models import (
    LedgerEdition,
    ListingChange,
    Organization,
    Project,
    ProjectCoverage,
    ProjectTerm,
)
from supply.periods import period_of
from supply.selectors import projects_waiting_for_review, review_queue_for_user

from ..demo_support import Loaded, seed_demo_twice

pytestmark = pytest.mark.django_db


def _state() -> dict[str, object]:
    """Counts, and the states a rerun could move (statuses, confirmations, reviews)."""
    return {
        # The supply demo's own (later apps' demos may register more, e.g. referrals').
        "organisations": Organization.objects.filter(name__in=NAMES).count(),
        "projects": Project.objects.count(),
        "terms": ProjectTerm.objects.count(),
        "coverage": ProjectCoverage.objects.count(),
        "changes": Counter(ListingChange.objects.values_list("status", flat=True)),
        "editions": LedgerEdition.objects.count(),
        "statuses": dict(Project.objects.values_list("pk", "status")),
        "confirmed": dict(Project.objects.values_list("pk", "last_confirmed_at")),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Loaded]:
    yield from seed_demo_twice(django_db_blocker, tmp_path_factory, _state)


def _demo_orgs():
    return Organization.objects.filter(name__in=NAMES).select_related("registering_region")


def _demo_projects():
    return Project.objects.filter(organization__name__in=NAMES)


def test_a_second_run_creates_and_changes_nothing(loaded):
    assert loaded.second == loaded.first
    assert loaded.first["organisations"] == len(NAMES)
    out = loaded.output
    assert out.count("supply demo:") == 2
    # After the need ledger (INSTALLED_APPS order), before the logins, which stay last.
    assert out.index("needs demo:") < out.index("supply demo:")
    assert out.rindex("supply demo:") < out.rindex("Demo logins")


def test_about_forty_organisations_in_all_three_tiers(loaded):
    orgs = list(_demo_orgs())
    tiers = Counter(o.tier for o in orgs)

    assert 36 <= len(orgs) <= 44
    assert 6 <= tiers["province"] <= 10
    assert 10 <= tiers["city"] <= 14
    assert 18 <= tiers["county"] <= 22
    assert {o.org_type for o in orgs} == set(Organization.SOCIAL_ORGANIZATION_TYPES)
    charitable = [o for o in orgs if o.charity_status]
    assert {o.charity_status for o in charitable} == {"registered", "recognised"}
    assert all(o.charity_status_on for o in charitable)
    assert any(o.public_fundraising for o in orgs)
    assert all(o.charity_status for o in orgs if o.public_fundraising)
    # Mostly the demo counties, and a few other regions at every tier.
    regions = Counter(o.registering_region_id[:6] for o in orgs)
    assert regions["441881"] >= 6 and regions["441803"] >= 4
    assert len(regions) >= 8


def test_credit_codes_are_valid_but_one_kept_for_confirmation(loaded):
    orgs = list(_demo_orgs())
    failing = [o for o in orgs if not o.credit_code_valid]

    assert len(failing) == 1
    assert not uscc.is_valid(failing[0].credit_code)
    assert len(failing[0].credit_code) == 18
    for o in orgs:
        code = o.credit_code
        if o is not failing[0]:
            assert uscc.is_valid(code), code
        # Civil affairs (5), class by type, the registering office's division code.
        assert code[0] == "5"
        assert code[1] == ORG_CLASS[o.org_type]
        assert code[2:8] == o.registering_region_id[:6]


def test_about_120_projects_cover_every_area_form_and_status(loaded):
    projects = _demo_projects()
    terms = ProjectTerm.objects.filter(project__in=projects)
    published_terms = terms.filter(project__status=Project.Status.PUBLISHED)

    assert 110 <= projects.count() <= 130
    assert set(projects.values_list("status", flat=True)) == set(Project.Status.values)
    statuses = Counter(projects.values_list("status", flat=True))
    assert statuses[Project.Status.PUBLISHED] > projects.count() / 2
    for kind, vocabulary in (
        (ProjectTerm.Kind.AREA, CharityArea),
        (ProjectTerm.Kind.FORM, AidForm),
    ):
        assert set(terms.filter(kind=kind).values_list("value", flat=True)) == set(
            vocabulary.values
        )
        assert set(published_terms.filter(kind=kind).values_list("value", flat=True)) == set(
            vocabulary.values
        )
    assert terms.filter(kind=ProjectTerm.Kind.STATUS).exists()
    assert terms.filter(kind=ProjectTerm.Kind.TAG).exists()
    assert projects.filter(age_min__isnull=False).exists()
    assert projects.filter(capacity__isnull=False, value_per_beneficiary__isnull=False).exists()
    assert projects.filter(ends_on__isnull=True).exists()
    assert projects.filter(ends_on__lt=timezone.localdate()).exists()
    assert all(p.application_process.strip() for p in projects)


def test_coverage_mostly_reaches_the_demo_townships(loaded):
    published = _demo_projects().filter(status=Project.Status.PUBLISHED)
    reaching = set()
    for township in (SHAKOU, WANGBU, TAIHE):
        found = set(published.covering(township).values_list("pk", flat=True))
        assert found, township
        reaching |= found

    assert len(reaching) > published.count() / 2
    assert len(reaching) < published.count()  # some cover only other regions


def test_some_published_listings_are_stale_or_late_with_disclosure(loaded):
    now, today = timezone.now(), timezone.localdate()
    published = list(_demo_projects().filter(status=Project.Status.PUBLISHED))
    stale = [p for p in published if p.is_stale(now)]
    late = [p for p in published if (due := p.disclosure_due_on(today)) and due < today]

    assert 0 < len(stale) < len(published) / 2
    assert 0 < len(late) < len(published) / 2


def test_the_demo_charity_login_keeps_a_county_and_a_province_organisation(loaded):
    charity = User.objects.get(username="charity")
    tiers = {o.tier for o in charity.organizations.select_related("registering_region")}

    assert {"county", "province"} <= tiers
    assert Project.objects.filter(
        organization__staff=charity, status=Project.Status.PUBLISHED
    ).exists()


def test_the_county_officer_has_changes_and_listings_to_review(loaded):
    officer = User.objects.get(username="county_officer")
    queue = review_queue_for_user(officer)

    assert queue.exists()
    assert {c.submitted_by.username for c in queue} == {"charity"}
    assert projects_waiting_for_review(officer).exists()
    rejected = ListingChange.objects.filter(status=ListingChange.Status.REJECTED)
    assert rejected.count() == 1
    assert rejected.get().reason
    assert ListingChange.objects.filter(status=ListingChange.Status.APPROVED).exists()


def test_the_edition_of_the_current_half_year_is_published(loaded):
    edition = LedgerEdition.objects.get(period=period_of(timezone.localdate()))

    # Frozen before the charity's changes, which wait for review or were applied after it:
    # the published and paused listings that had not ended by the publication day.
    day = publication_day(edition.period, timezone.localtime(edition.published_at).date())
    listed = Project.objects.filter(status__in=["published", "paused"]).exclude(ends_on__lte=day)
    assert edition.entry_count == listed.count() == edition.entries.count()
    assert set(edition.entries.values_list("project_id", flat=True)) == set(
        listed.values_list("pk", flat=True)
    )
    # The demo has published listings that ended before the publication: none is listed.
    ended = _demo_projects().filter(status="published", ends_on__lte=day)
    assert ended.exists()
    assert not edition.entries.filter(project__in=ended).exists()
    paused = edition.entries.filter(project__status="paused")
    assert paused.exists() and all(e.is_paused for e in paused)
    assert any(e.is_stale for e in edition.entries.all())


def test_a_shenzhen_foundation_aids_townships_of_yingde_across_regions(loaded):
    from accounts.models import Notification

    foundation = Organization.objects.get(name="深圳市鹏城对口帮扶基金会")
    assert (foundation.tier, foundation.registering_region_id) == ("city", SHENZHEN)
    listings = Project.objects.filter(organization=foundation, status="published")
    assert listings.exists()
    assert set(
        ProjectCoverage.objects.filter(project__in=listings).values_list("region_id", flat=True)
    ) <= {WANGBU, QINGTANG}
    # 英德市 civil affairs were told, see them in their ledger and the township's edition.
    officer = User.objects.get(username="county_officer")
    assert Notification.objects.filter(recipient=officer, kind="listing_coverage").exists()
    assert not review_queue_for_user(officer).filter(project__organization=foundation).exists()
    edition = LedgerEdition.objects.get(period=period_of(timezone.localdate()))
    from supply.editions import entries_covering

    assert entries_covering(edition, WANGBU).filter(project__organization=foundation).exists()
