"""Chinese everywhere: a crawl of every page each role can reach in the demo.

GIVEN the demo data (seed_demo), each role (administrator, province, city and county civil
affairs, a social worker, the charity, the anonymous public) follows, breadth-first, every link
of its pages within the site, starting from the dashboard and the menu, plus a list of pages
named with demo object ids (household, need, application, project, organisation, edition,
listing change, consent print, ...) and, for the administrator, the changelist and change form
of every model registered in the Django admin.
THEN no page shows, in its visible text (the rendered text without script and style, plus the
``title``, ``placeholder``, ``aria-label`` and ``alt`` attributes, option texts and button
values): an English word outside a short allowlist of brand names and units, the string
``None``, a raw model label (``needs.Consent``), a raw vocabulary value
(``covered_still_in_difficulty``), or a 12-digit division code without its region's name
nearby. Every offender is reported at once (page, role, snippet).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve, reverse

from ..demo_support import seed_demo_once

pytestmark = pytest.mark.django_db

#: Latin words a Chinese page may show: the product's name, file formats and brand names that
#: have no Chinese name people use.
ALLOWED_WORDS = {
    "AidBridge",
    "Excel",
    "WPS",
    "XLSX",
    "xlsx",
    "PDF",
    "pdf",
    "CSV",
    "csv",
    "JSON",
    "json",
    "JPEG",
    "jpeg",
    "jpg",
    "PNG",
    "png",
}

WORD = re.compile(r"[A-Za-z]{3,}")
#: An empty choice drawn as dashes (Django's "---------") instead of 请选择 / 不限.
DASHES = re.compile(r"(?<!-)-{4,}(?!-)")
#: A half-year period as stored ("2026-H2") instead of 2026年下半年.
PERIOD = re.compile(r"\b\d{4}-H[12]\b")
#: What people typed or the system made up that is not language: e-mail addresses, and the
#: keyed digests the access log shows instead of an ID number (needs.id_lookups).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
DIGEST = re.compile(
    r"(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{12}(?![0-9A-Za-z])"
)
#: A sentence's own full stop followed by a stop the page added ("再发放。. 标记"): sentences
#: joined with punctuation in Python or a template.
STRAY_PUNCTUATION = re.compile(r"[。！？；，、][.,;:]|[.!?][。，]")
#: A record named by its internal id ("成员 #599") instead of its name or number.
INTERNAL_ID = re.compile(r"#\d+")
MODEL_LABEL = re.compile(r"\b[a-z_]{3,}\.[A-Z][A-Za-z]+\b")
CODE12 = re.compile(r"(?<!\d)\d{12}(?!\d)")
#: How far (characters of visible text) a region's name may stand from its code.
NEAR = 60

#: Addresses a crawl must not follow: they act (log out), stream files or lead out of the
#: pages (the API is JSON; its documentation is a developer page).
SKIP_PREFIXES = ("/static/", "/media/", "/api/", "/logout/")
API_DOCS = "/api/docs/"
#: What the crawl types into every text field of every form it sends (bad input).
TOO_LONG = "长" * 1001
#: Pages of one URL name visited at most this many times per role (lists with filters and
#: pages, one detail page per kind of object is enough).
PER_NAME = 3
#: Elements whose text is not shown (a <template> is copied by a script, its placeholders
#: replaced, before anyone sees it).
HIDDEN_TAGS = {"script", "style", "template"}
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


@dataclass
class Form:
    """A form of a page, as a browser would send it."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


class VisibleText(HTMLParser):
    """The text a person reads on a page, the links (a href, htmx gets) and the forms it
    offers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._hidden = 0
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in HIDDEN_TAGS:
            self._hidden += 1
        for name in SHOWN_ATTRIBUTES:
            if values.get(name):
                self.parts.append(f" {values[name]} ")
        kind = values.get("type", "text").lower()
        if tag == "input" and kind in {"submit", "button", "reset"}:
            self.parts.append(f" {values.get('value', '')} ")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if values.get("hx-get"):
            self.links.append(values["hx-get"])
        self._collect(tag, values, kind)
        # A block boundary is a word boundary.
        self.parts.append(" ")

    def _collect(self, tag: str, values: dict[str, str], kind: str) -> None:
        if tag == "form":
            self._form = Form(action=values.get("action", ""), method=values.get("method", "get"))
            self.forms.append(self._form)
            return
        form, name = self._form, values.get("name")
        if form is None or not name or self._hidden:
            return
        if tag == "input":
            if kind in {"checkbox", "radio"}:
                if "checked" in values:
                    form.fields.append((name, values.get("value", "on")))
            elif kind not in {"submit", "button", "reset", "file"}:
                form.fields.append((name, values.get("value", "")))
                if kind in {"text", "search", "tel", "email"}:
                    form.texts.append(name)
        elif tag == "textarea":
            self._textarea = name
            form.texts.append(name)
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in values:
            form.fields.append((self._select, values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS and self._hidden:
            self._hidden -= 1
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts))


@dataclass
class Offender:
    role: str
    url: str
    kind: str
    token: str
    snippet: str

    def __str__(self) -> str:
        return f"[{self.role}] {self.url} — {self.kind}: …{self.snippet}…"


@dataclass
class Vocabulary:
    """What the database would show if a page forgot to translate: every choice value of every
    model field (``covered_still_in_difficulty``), and every region name by code."""

    enum_values: set[str] = field(default_factory=set)
    region_names: dict[str, str] = field(default_factory=dict)
    #: Login names are typed by people (``worker_taihe``): data, not interface.
    usernames: set[str] = field(default_factory=set)

    @classmethod
    def load(cls) -> Vocabulary:
        from accounts.models import Region

        values: set[str] = set()
        for model in apps.get_models():
            for f in model._meta.get_fields():
                for value, _label in getattr(f, "flatchoices", None) or []:
                    if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
                        values.add(value)
        from accounts.models import User

        names = dict(Region.objects.values_list("code", "name"))
        usernames = set(User.objects.values_list("username", flat=True))
        return cls(enum_values=values, region_names=names, usernames=usernames)


def snippet(text: str, start: int, end: int, around: int = 30) -> str:
    return text[max(0, start - around) : end + around].strip()


def offences(text: str, vocabulary: Vocabulary) -> Iterator[tuple[str, str, str]]:
    """(kind, offending token, snippet) for everything on a page that a person should not read."""
    for m in DASHES.finditer(text):
        yield "dashes for an empty choice", m.group(), snippet(text, m.start(), m.end())
    for m in STRAY_PUNCTUATION.finditer(text):
        yield "stray punctuation", m.group(), snippet(text, m.start(), m.end())
    for m in INTERNAL_ID.finditer(text):
        yield "internal id", m.group(), snippet(text, m.start(), m.end())
    for m in PERIOD.finditer(text):
        yield "period code", m.group(), snippet(text, m.start(), m.end())
    # Data, not language: blanked out (same length, so snippets stay in place).
    blank = lambda m: " " * len(m.group())  # noqa: E731
    text = EMAIL.sub(blank, text)
    text = DIGEST.sub(blank, text)
    if vocabulary.usernames:
        names = "|".join(re.escape(n) for n in sorted(vocabulary.usernames, key=len, reverse=True))
        text = re.sub(rf"(?<![\w])(?:{names})(?![\w])", blank, text)
    for m in MODEL_LABEL.finditer(text):
        yield "model label", m.group(), snippet(text, m.start(), m.end())
    for m in WORD.finditer(text):
        word = m.group()
        if word in ALLOWED_WORDS:
            continue
        # The whole identifier the word belongs to (covered_still_in_difficulty).
        start, end = m.start(), m.end()
        while start > 0 and (
            text[start - 1].isascii() and (text[start - 1].isalnum() or text[start - 1] == "_")
        ):
            start -= 1
        while end < len(text) and (
            text[end].isascii() and (text[end].isalnum() or text[end] == "_")
        ):
            end += 1
        token = text[start:end]
        if token in vocabulary.enum_values:
            yield "raw value", token, snippet(text, start, end)
        elif word == "None":
            yield "None", word, snippet(text, m.start(), m.end())
        else:
            yield "English", word, snippet(text, m.start(), m.end())
    for m in CODE12.finditer(text):
        name = vocabulary.region_names.get(m.group())
        if name is None:
            continue
        nearby = text[max(0, m.start() - NEAR) : m.end() + NEAR]
        if name not in nearby:
            yield "region code without its name", m.group(), snippet(text, m.start(), m.end())


def _internal(base: str, href: str) -> str | None:
    """The site path (with query) of a link, or None for another site, an anchor or a file."""
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in {"", "http"} or parts.netloc not in {"", "testserver"}:
        return None
    path = parts.path
    if path.startswith(SKIP_PREFIXES):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _url_name(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


@dataclass
class Crawl:
    role: str
    client: Client
    vocabulary: Vocabulary
    offenders: list[Offender] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: The pages sent back for bad input, as people read them.
    answers: list[str] = field(default_factory=list)

    def run(self, start: Iterable[str], seeds: Iterable[str] = ()) -> None:
        queue = deque([*start, *seeds])
        seen: set[str] = set()
        per_name: dict[str, int] = {}
        forced = set(seeds)
        forms: dict[str, tuple[str, Form]] = {}
        while queue:
            url = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            name = _url_name(url) or "(no page)"
            if url not in forced:
                if per_name.get(name, 0) >= PER_NAME:
                    continue
                per_name[name] = per_name.get(name, 0) + 1
            page = self._read(url, self.client.get(url, HTTP_ACCEPT="text/html"), queue)
            if page is None:
                continue
            for href in page.links:
                if self.role != "admin" and urlsplit(urljoin(url, href)).path == API_DOCS:
                    # A developer page: in the administrators' menu only.
                    self.offenders.append(Offender(self.role, url, "API docs link", href, href))
                target = _internal(url, href)
                if target and target not in seen:
                    queue.append(target)
            for form in page.forms:
                action = _internal(url, form.action or url)
                action_name = _url_name(action or "")
                if (
                    form.method.lower() == "post"
                    and action
                    and action_name
                    and not action_name.startswith(("admin:", "logout"))
                ):
                    forms.setdefault(action_name, (action, form))
        for action, form in forms.values():
            self.send_bad_input(action, form)

    def send_bad_input(self, action: str, form: Form) -> None:
        """Every text of a form far too long, the rest as the page gave it: the answer is a
        page with the messages next to the fields (or the action done), never a 500."""
        data: dict[str, list[str]] = {}
        for name, value in form.fields:
            data.setdefault(name, []).append(value)
        for name in form.texts:
            data[name] = [TOO_LONG]
        response = self.client.post(action, data, HTTP_ACCEPT="text/html")
        page = self._read(f"POST {action}", response, None)
        if page is not None:
            self.answers.append(page.text)

    def _read(self, url: str, response, queue: deque | None) -> VisibleText | None:
        self.visited.append(url)
        if response.status_code >= 500:
            self.errors.append(f"[{self.role}] {url}: {response.status_code}")
            return None
        if response.status_code in (301, 302):
            target = _internal(url, response["Location"])
            if queue is not None and target and not target.startswith("/login/"):
                queue.append(target)
            return None
        if "text/html" not in response.get("Content-Type", ""):
            return None
        page = VisibleText()
        page.feed(response.content.decode())
        for kind, token, text in offences(page.text, self.vocabulary):
            self.offenders.append(Offender(self.role, url, kind, token, text))
        return page


#: A wrong address, and an object that does not exist (Http404 raised by a view).
NOT_FOUND = ["/no-such-page/", "/needs/households/999999999/", "/showcase/projects/999999999/"]

#: The demo's logins, one per role and tier (seed_demo), and the public.
ROLES = (
    "admin",
    "province_officer",
    "city_officer",
    "county_officer",
    "worker",
    "charity",
    "member_unit",
    "anonymous",
)


def object_pages(user) -> list[str]:
    """Pages named with demo object ids that the user may see (one of each kind)."""
    from matching.models import Application
    from needs.models import Consent, Household, Need
    from supply.models import LedgerEdition, ListingChange, Organization, Project

    urls: list[str] = []
    household = Household.objects.visible_to(user).order_by("pk").first()
    if household:
        h = household.pk
        urls += [
            reverse("needs:household_detail", args=[h]),
            reverse("needs:household_edit", args=[h]),
            reverse("needs:household_print", args=[h]),
            reverse("needs:visit_create", args=[h]),
            reverse("needs:need_create", args=[h]),
            reverse("needs:consent_create", args=[h]),
            reverse("matching:household_fragment", args=[h]),
        ]
    needs_by_status: dict[str, Need] = {}
    for need in Need.objects.visible_to(user).order_by("pk"):
        needs_by_status.setdefault(need.status, need)
    for need in needs_by_status.values():
        urls += [
            reverse("needs:need_edit", args=[need.household_id, need.pk]),
            reverse("needs:need_transition", args=[need.household_id, need.pk]),
            reverse("matching:candidates", args=[need.pk]),
        ]
    consent = Consent.objects.visible_to(user).order_by("pk").first()
    if consent:
        urls += [
            reverse("needs:consent_print", args=[consent.household_id, consent.pk]),
            reverse("needs:consent_revoke", args=[consent.household_id, consent.pk]),
        ]
    by_status: dict[str, Application] = {}
    for application in Application.objects.visible_to(user).order_by("pk"):
        by_status.setdefault(application.status, application)
    for application in by_status.values():
        urls.append(reverse("matching:application_detail", args=[application.pk]))
    projects: dict[str, Project] = {}
    for project in Project.objects.visible_to(user).order_by("pk"):
        projects.setdefault(project.status, project)
    for project in projects.values():
        urls += [
            reverse("supply:project_detail", args=[project.pk]),
            reverse("showcase:project", args=[project.pk]),
        ]
    organization = Organization.objects.visible_to(user).order_by("pk").first()
    if organization:
        urls.append(reverse("supply:organization_detail", args=[organization.pk]))
    for change in ListingChange.objects.order_by("pk")[:2]:
        urls.append(reverse("supply:change_detail", args=[change.pk]))
    for edition in LedgerEdition.objects.order_by("-pk")[:1]:
        urls.append(reverse("supply:edition_detail", args=[edition.pk]))
    if needs_by_status and projects:
        need = next(iter(needs_by_status.values()))
        project = Project.objects.filter(status="published").order_by("pk").first()
        urls.append(reverse("matching:application_create", args=[need.pk, project.pk]))
    return [str(u) for u in urls]


def public_pages() -> list[str]:
    """The showcase narrowed to a demo township, and its projects opened from there."""
    from needs.demo import TOWNSHIPS
    from supply.models import Project

    urls = []
    for code in (plan.code for plan in TOWNSHIPS):
        urls.append(f"{reverse('showcase:index')}?township={code}")
        for project in Project.objects.published().available_in(code).order_by("pk")[:3]:
            urls.append(f"{reverse('showcase:project', args=[project.pk])}?place={code}")
    return urls


def admin_pages(user) -> list[str]:
    """The index, each app's page, and the changelist, the add form (where there is one) and
    one change form of every registered model."""
    request = RequestFactory().get("/admin/")
    request.user = user
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:app_list", args=[model._meta.app_label]))
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    return urls


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory, demo_media) -> Iterator[str]:
    yield from seed_demo_once(django_db_blocker, tmp_path_factory, media_root=demo_media)


def crawl_as(role: str, vocabulary: Vocabulary) -> Crawl:
    from accounts.models import User

    client = Client()
    seeds: list[str] = []
    if role == "anonymous":
        start = ["/", "/showcase/", "/login/", *NOT_FOUND]
        seeds = public_pages()
    else:
        user = User.objects.get(username=role)
        client.force_login(user)
        start = ["/dashboard/", "/account/", *NOT_FOUND]
        seeds = object_pages(user)
        if role == "admin":
            seeds += admin_pages(user)
    crawl = Crawl(role=role, client=client, vocabulary=vocabulary)
    crawl.run(start, seeds)
    return crawl


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_is_in_chinese(demo, demo_media, role, settings):
    settings.DEBUG = True  # the embedded default, as the demo runs
    settings.MEDIA_ROOT = demo_media
    crawl = crawl_as(role, Vocabulary.load())

    # A member unit's login reaches its own pages and the public ones only (accounts.roles).
    assert len(crawl.visited) > {"anonymous": 5, "member_unit": 25}.get(role, 50)
    assert crawl.errors == []  # no page, and no form sent back with bad input, is a 500
    if role == "worker":
        # The bad input did reach forms, and their messages were read.
        assert any("最多 50 个字" in answer for answer in crawl.answers)
    report = sorted({str(o) for o in crawl.offenders})
    assert report == [], f"{len(report)} offenders:\n" + "\n".join(report)
