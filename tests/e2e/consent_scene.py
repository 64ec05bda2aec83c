"""The scene of the consent browser tests (issue 10, points 2, 3 and 5): a dibao household of
沙口镇 with a 10-year-old child in difficulty who needs an education grant, two county
organisations with a published project each that fits her, and no consent recorded yet."""

from __future__ import annotations

from types import SimpleNamespace

from needs.models import Member

from ..factories import UserFactory, region_tree
from ..matching.conftest import need_for, publish
from ..needs.factories import make_household, member_input
from ..supply.conftest import make_org

CODE_A = "51441881MJ0000001R"
CODE_B = "51441881MJ0000003X"


def build_scene() -> SimpleNamespace:
    regions = region_tree()
    officer = UserFactory(
        username="yingde_mz", name="罗科长", role="civil_affairs", region=regions["county_a"]
    )
    charity_a = UserFactory(username="cishan", name="陈干事", role="charity")
    charity_b = UserFactory(username="guanai", name="周干事", role="charity")
    worker = UserFactory(
        username="shakou", name="李社工", role="social_worker", region=regions["township_a1"]
    )
    org_a = make_org(officer, regions["county_a"], code=CODE_A, staff=[charity_a])
    org_b = make_org(
        officer, regions["county_a"], code=CODE_B, staff=[charity_b], name="英德市关爱儿童协会"
    )
    project_a = publish(org_a, charity_a, officer, title="困境儿童助学金")
    project_b = publish(org_b, charity_b, officer, title="关爱助学金")
    household = make_household(
        worker,
        regions["township_a1"],
        members=[
            member_input("李大山", age=40, statuses=["dibao"], phone="13800138000"),
            member_input(
                "李小花",
                relation=Member.Relation.CHILD,
                age=10,
                sex="female",
                tags=["child_in_difficulty"],
            ),
        ],
    )
    child = household.members.get(name="李小花")
    need = need_for(worker, child, description="孩子上初中,学杂费困难")
    return SimpleNamespace(
        regions=regions,
        officer=officer,
        worker=worker,
        charity_a=charity_a,
        charity_b=charity_b,
        org_a=org_a,
        org_b=org_b,
        project_a=project_a,
        project_b=project_b,
        household=household,
        child=child,
        father=household.members.get(name="李大山"),
        need=need,
    )


def snap(page, name: str, *, full_page: bool = True) -> None:
    """A full-page screenshot under artifacts/screenshots/ that leaves the page as it was.

    Playwright hides the text caret for a screenshot by an inline style on the focused inputs
    and leaves ``style=""`` behind; an htmx swap afterwards copies that attribute onto the new
    inputs, which the CSP (no inline styles) then reports as an error that no user would see.
    """
    from .conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page, caret="initial")
