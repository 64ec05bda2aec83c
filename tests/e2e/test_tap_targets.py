"""Tap targets of at least 44×44 px on a phone, on every main page of every role (issue 10,
point 12; WCAG 2.5.5 AAA size, the size Apple and Android ask for).

The demo data (``seed_demo``) is loaded, so that lists, details and forms have content. Each
page is opened on a 390×844 phone and measured twice: as loaded, and with everything that
folds open (``<details>``, collapsed panels, dropdown menus): every visible interactive element
(a, button, summary, input, select, textarea) must be at least 44 px tall and 44 px wide. A
checkbox or radio button is measured by what a finger can hit: its label, when the box lies
within the label (the whole .form-check row is the label); otherwise the box alone. All
offenders are reported at once, with page, element and size.

Not measured:

- a link inside running text (WCAG 2.5.8's inline exception), defined as: the link is laid
  out ``display: inline``, and the block that holds its line (its nearest ancestor that is
  not ``display: inline``) has text of its own outside any interactive element and any badge,
  with at least two letters or digits ("…see <a>the rules</a> for…"); a link alone in a cell,
  list item or breadcrumb is not in running text;
- hidden, disabled and zero-size elements (a closed menu, the contents of a closed panel
  before the second pass);
- the elements listed in ``ALLOWED`` below, each with its reason.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import PHONE

MIN = 44

#: CSS selector -> why it is not measured.
ALLOWED = {
    "a.visually-hidden-focusable": "the skip link is off screen until it has the keyboard focus",
}

MEASURE = """
([min, allowed]) => {
  const INTERACTIVE = 'a[href], button, summary, input:not([type=hidden]), select, textarea';
  const shown = el => {
    if (!el.getClientRects().length) return false;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const display = el => getComputedStyle(el).display;
  // What a finger can hit for a checkbox or radio button: its largest label, when the box
  // lies within it (the whole row is the label); otherwise the box alone.
  const checkRow = el => {
    const own = el.getBoundingClientRect();
    const labels = Array.from(el.labels || []).filter(shown).map(l => l.getBoundingClientRect())
      .sort((a, b) => b.width * b.height - a.width * a.height);
    const row = labels[0];
    const inside = row && own.left >= row.left - 1 && own.right <= row.right + 1 &&
      own.top >= row.top - 1 && own.bottom <= row.bottom + 1;
    return inside ? {width: row.width, height: row.height} : {width: own.width, height: own.height};
  };
  // The block whose lines hold an inline element: its nearest ancestor that is not inline.
  const blockOf = el => {
    let parent = el.parentElement;
    while (parent && (display(parent) === 'inline' || display(parent) === 'contents')) {
      parent = parent.parentElement;
    }
    return parent;
  };
  const SKIP_TEXT = INTERACTIVE + ', label, .badge, .visually-hidden, [hidden]';
  // Letters and digits of the block's own lines, outside interactive elements and badges.
  const ownText = (block) => {
    let text = '';
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest(SKIP_TEXT)) continue;
      if (blockOf(node) !== block && parent !== block) {
        // Text of a nested block sits on lines of its own.
        let up = parent;
        let nested = false;
        while (up && up !== block) {
          if (display(up) !== 'inline' && display(up) !== 'contents') { nested = true; break; }
          up = up.parentElement;
        }
        if (nested) continue;
      }
      text += node.textContent;
    }
    return (text.match(/[\\p{L}\\p{N}]/gu) || []).length;
  };
  const inRunningText = el =>
    el.tagName === 'A' && display(el) === 'inline' && ownText(blockOf(el)) >= 2;
  const describe = el => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    const classes = Array.from(el.classList).slice(0, 3);
    if (classes.length) name += '.' + classes.join('.');
    if (el.type && el.tagName === 'INPUT') name += '[type=' + el.type + ']';
    const label = (el.labels && el.labels.length ? el.labels[0].innerText : '') ||
      el.innerText || el.getAttribute('aria-label') || el.getAttribute('placeholder') ||
      el.getAttribute('name') || '';
    return name + ' "' + label.replace(/\\s+/g, ' ').trim().slice(0, 30) + '"';
  };
  const found = [];
  for (const el of document.querySelectorAll(INTERACTIVE)) {
    if (!shown(el) || el.disabled) continue;
    if (el.closest('template')) continue;
    if (allowed.some(selector => el.matches(selector))) continue;
    if (inRunningText(el)) continue;
    let size;
    if (el.type === 'checkbox' || el.type === 'radio') {
      size = checkRow(el);
    } else {
      const box = el.getBoundingClientRect();
      size = {width: box.width, height: box.height};
    }
    if (size.width < min - 0.5 || size.height < min - 0.5) {
      found.push({element: describe(el), width: Math.round(size.width),
                  height: Math.round(size.height)});
    }
  }
  return found;
}
"""

OPEN_EVERYTHING = """
() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.collapse').forEach(c => c.classList.add('show'));
  document.querySelectorAll('.dropdown-menu').forEach(m => {
    m.classList.add('show'); m.style.position = 'static';
  });
}
"""


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def _pages() -> dict[str, list[tuple[str, str]]]:
    """The main pages of each role in the demo data: (name, path)."""
    from accounts.models import User
    from matching.models import Application
    from needs.models import Consent, Household, Need
    from supply.models import LedgerEdition, ListingChange, Organization, Project
    from supply.selectors import organization_list_for_user, review_queue_for_user

    worker = User.objects.get(username="worker")
    charity = User.objects.get(username="charity")
    households = Household.objects.filter(station_id=worker.region_id).order_by("code")
    # A household with an open need that an application was made for: its page shows needs,
    # applications, consent and members with revealable fields.
    application = (
        Application.objects.filter(household__in=households, created_by=worker)
        .order_by("-status", "pk")
        .first()
    )
    household = application.household
    open_need = (
        Need.objects.filter(household__in=households, status=Need.Status.OPEN)
        .order_by("pk")
        .first()
    )
    consent = Consent.objects.filter(household=household).first()
    organization = Organization.objects.filter(staff=charity).order_by("pk").first()
    charity_application = (
        Application.objects.filter(organization=organization)
        .exclude(status=Application.Status.DRAFT)
        .order_by("pk")
        .first()
    )
    project = Project.objects.filter(organization=organization).order_by("pk").first()
    published = Project.objects.filter(status=Project.Status.PUBLISHED).order_by("pk").first()
    change = (
        review_queue_for_user(User.objects.get(username="county_officer")).first()
        or ListingChange.objects.order_by("pk").first()
    )
    edition = LedgerEdition.objects.order_by("-pk").first()
    officer = User.objects.get(username="county_officer")
    other_org = (
        organization_list_for_user(officer).exclude(pk=organization.pk).order_by("pk").first()
    )
    h = f"/needs/households/{household.pk}"
    pages = {
        "worker": [
            ("dashboard", "/dashboard/"),
            ("household list", "/needs/households/"),
            ("household form (new)", "/needs/households/new/"),
            ("household form (edit)", f"{h}/edit/"),
            ("household detail", f"{h}/"),
            ("need form", f"{h}/needs/new/"),
            (
                "need form (edit)",
                f"/needs/households/{open_need.household_id}/needs/{open_need.pk}/edit/",
            ),
            ("visit form", f"{h}/visits/new/"),
            ("consent form", f"{h}/consents/new/"),
            ("candidates", f"/matching/needs/{open_need.pk}/candidates/"),
            ("apply page", "candidates:apply"),
            ("applications", "/matching/applications/"),
            ("application detail", f"/matching/applications/{application.pk}/"),
            ("supply ledger", "/supply/"),
            ("project page", f"/supply/projects/{published.pk}/"),
            ("editions", "/supply/editions/"),
            ("edition detail", f"/supply/editions/{edition.pk}/"),
            ("notifications", "/notifications/"),
            ("staff list", "/staff/"),
            ("need ledger in Excel", "/needs/excel/"),
            ("my account", "/account/"),
        ],
        "charity": [
            ("dashboard", "/dashboard/"),
            ("workspace", "/supply/mine/"),
            ("inbox", "/matching/inbox/"),
            ("application detail", f"/matching/applications/{charity_application.pk}/"),
            ("project page", f"/supply/projects/{project.pk}/"),
            ("project form", f"/supply/projects/{project.pk}/edit/"),
            ("new project form", f"/supply/organisations/{organization.pk}/projects/new/"),
            ("organisation page", f"/supply/organisations/{organization.pk}/"),
            ("notifications", "/notifications/"),
        ],
        "county_officer": [
            ("dashboard", "/dashboard/"),
            ("match review queue", "/matching/review/"),
            ("listing review queue", "/supply/review/"),
            ("projects of the tier", "/supply/review/projects/"),
            ("listing change", f"/supply/changes/{change.pk}/"),
            ("organisations", "/supply/organisations/"),
            ("organisation form", "/supply/organisations/new/"),
            ("organisation page", f"/supply/organisations/{other_org.pk}/"),
            ("household list", "/needs/households/"),
            ("household detail", f"{h}/"),
            ("application detail", f"/matching/applications/{application.pk}/"),
            ("supply ledger", "/supply/"),
            ("staff list", "/staff/"),
            ("notifications", "/notifications/"),
        ],
        "admin": [
            ("dashboard", "/dashboard/"),
            ("staff list", "/staff/"),
            ("staff detail", f"/staff/{worker.pk}/"),
            ("audit", "/audit/"),
            ("editions", "/supply/editions/"),
            ("edition detail", f"/supply/editions/{edition.pk}/"),
            ("organisation form", "/supply/organisations/new/"),
            ("supply ledger in Excel", "/supply/excel/"),
        ],
        "": [
            ("home", "/"),
            ("login", "/login/"),
            ("showcase", "/showcase/"),
            ("showcase project", f"/showcase/projects/{published.pk}/"),
        ],
    }
    if consent is not None:
        pages["worker"].append(
            ("consent print page", f"{h}/consents/{consent.pk}/print/"),
        )
    return pages


def _log_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    if not username:
        return
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")


def _measure(page, shoot, slug: str) -> list[dict]:
    allowed = list(ALLOWED)
    found = {f["element"]: f for f in page.evaluate(MEASURE, [MIN, allowed])}
    shoot(page, f"tap-{slug}")
    page.evaluate(OPEN_EVERYTHING)
    for offender in page.evaluate(MEASURE, [MIN, allowed]):
        found.setdefault(offender["element"], offender)
    return list(found.values())


def test_every_tap_target_on_the_main_pages_is_at_least_44_px_on_a_phone(
    page, live_server, demo, shoot
):
    page.set_viewport_size(PHONE)
    problems: list[str] = []
    measured = 0
    for role, pages in _pages().items():
        _log_in(page, live_server, role)
        for name, path in pages:
            if path == "candidates:apply":
                apply = page.locator("a[href*='/apply/']").first
                if not apply.count():
                    problems.append(f"{role} · {name}: no apply link on the candidates page")
                    continue
                path = apply.get_attribute("href")
            response = page.goto(f"{live_server.url}{path}")
            # Fragments that htmx loads into the page (the household's applications) are in.
            page.wait_for_load_state("networkidle")
            where = f"{role or 'public'} · {name} ({path})"
            if response is None or response.status != 200:
                problems.append(f"{where}: HTTP {response.status if response else '-'}")
                continue
            slug = f"{role or 'public'}-{name}".replace(" ", "-").replace("(", "").replace(")", "")
            offenders = _measure(page, shoot, slug)
            measured += 1
            problems.extend(
                f"{where}: {o['element']} is {o['width']}×{o['height']} px" for o in offenders
            )
    print(f"{measured} pages measured")
    assert measured >= 40
    assert not problems, f"{len(problems)} tap targets under {MIN} px:\n" + "\n".join(problems)
