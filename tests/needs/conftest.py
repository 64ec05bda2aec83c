from __future__ import annotations

import pytest

from accounts.taxonomies import AssistanceStatus, VulnerabilityTag
from needs.models import Member

from .factories import make_household, member_input


@pytest.fixture
def household(worker, regions):
    """A household of Shakou town: a mother on dibao and her son of 10 (a child under 14)."""
    return make_household(
        worker,
        regions["township_a1"],
        members=[
            member_input(
                "陈秀英",
                age=38,
                sex="female",
                statuses=[AssistanceStatus.DIBAO],
                phone="13712345678",
            ),
            member_input(
                "陈小明",
                relation=Member.Relation.CHILD,
                age=10,
                tags=[VulnerabilityTag.LEFT_BEHIND_CHILD],
                health_notes="哮喘",
            ),
        ],
        gap_class="covered_still_in_difficulty",
    )


@pytest.fixture
def other_household(outsider, regions):
    """A household of Taihe town, in the other county."""
    return make_household(
        outsider,
        regions["township_b1"],
        members=[member_input("黄志强", age=70, region_code="441803102000")],
        address="清新区太和镇 8 号",
    )
