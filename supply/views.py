"""Pages of the supply ledger: scope -> form -> service -> redirect or template.

The charity's workspace, the civil-affairs review, the ledger browser for everyone logged in,
the public showcase (推介会) and the half-yearly editions.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, QuerySet, Sum, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import identifiers
from accounts.filters import blank_means_any
from accounts.forms import add_service_errors
from accounts.models import Region, User
from accounts.pagination import capped_page
from accounts.scope import region_scope
from accounts.text import join_sentences

from . import selectors, services
from .filters import ProjectFilterSet
from .forms import (
    CharityStatusForm,
    EditionPlaceForm,
    OrganizationForm,
    ProjectForm,
    ReasonForm,
    TransitionForm,
)
from .models import (
    TIER_OF_LEVEL,
    LedgerEntry,
    ListingChange,
    Organization,
    Project,
    ProjectTerm,
    Tier,
)
from .textdiff import inline_diff

PAGE_SIZE = 50
TERM_LABELS = {kind: dict(vocab.choices) for kind, vocab in services.TERM_VOCABULARIES.items()}
LIVE = (Project.Status.PUBLISHED, Project.Status.PAUSED)


def _status(request: HttpRequest) -> int:
    """A form sent back with errors answers 400 (for scripts and tests; browsers show it)."""
    return 400 if request.method == "POST" else 200


def _page(request: HttpRequest, queryset: QuerySet):
    return capped_page(request, queryset, PAGE_SIZE)


def _with_labels(projects):
    """Chinese labels of each project's terms, from the prefetched rows (no query)."""
    for project in projects:
        labels: dict[str, list[str]] = {kind: [] for kind in TERM_LABELS}
        for term in project.terms.all():
            labels[term.kind].append(TERM_LABELS[term.kind].get(term.value, term.value))
        project.labels = labels
    return projects


def _require_reviewer(user: Any) -> None:
    if not user.is_officer:
        raise Http404


# --- Ledger browser (everyone logged in) -----------------------------------------------------


def _covers_choices(user: Any, value: str) -> list[tuple[str, str]]:
    """Where a listing should be available: the user's own region and those above it, and for
    civil affairs the regions just below; without a home region, the cities."""
    choices: list[tuple[str, str]] = [("", _("Anywhere"))]
    if user.region_id:
        for region in user.region_path:
            label = region.name
            if region.pk == user.region_id and user.role == User.Role.SOCIAL_WORKER:
                label = _("%(township)s (my township)") % {"township": region.name}
            choices.append((region.code, label))
        if user.region.level != Region.Level.TOWNSHIP:
            children = Region.objects.filter(parent_id=user.region_id, valid_to__isnull=True)
            choices += [(r.code, f"— {r.name}") for r in children.order_by("code")[:300]]
    else:
        cities = Region.objects.filter(level=Region.Level.PREFECTURE, valid_to__isnull=True)
        choices += [(r.code, r.name) for r in cities.order_by("code")]
    if value and value not in dict(choices):
        choices.append((value, value))
    return choices


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """Published listings through the filters the API shares. A social worker starts with the
    projects covering the own township; "Anywhere" (an empty ``covers``) lifts that."""
    user = request.user
    data = request.GET.copy()
    if user.role == User.Role.SOCIAL_WORKER and user.region_id and "covers" not in data:
        data["covers"] = user.region_id
    filterset = ProjectFilterSet(
        data,
        queryset=selectors.project_list_for_user(user).filter(status=Project.Status.PUBLISHED),
    )
    blank_means_any(filterset.form)
    filterset.form.fields["covers"].widget = forms.Select(
        choices=_covers_choices(user, data.get("covers", ""))
    )
    filterset.form.fields["covers"].label = _("Available in")
    page = _page(request, filterset.qs)
    _with_labels(page.object_list)
    context = {"filter": filterset, "page": page, "now_covers": data.get("covers", "")}
    template = "supply/project_list.html#results" if request.htmx else "supply/project_list.html"
    return render(request, template, context)


def _transitions(user: Any, project: Project) -> list[str]:
    return services.allowed_transitions(user, project)


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.project_get_for_user(user, pk)
    organization = project.organization
    staff = services.is_staff_of(user, organization)
    reviewer = services.keeps_tier(user, organization)
    insider = staff or reviewer or region_scope(user).contains(organization.registering_region_id)
    changes = list(project.changes.select_related("submitted_by")[:10]) if insider else []
    context = {
        "project": _with_labels([project])[0],
        "organization": organization,
        "is_staff": staff,
        "is_reviewer": reviewer,
        "changes": changes,
        # Staff names only for the organisation itself and the department that keeps it.
        "show_people": staff or reviewer,
        "pending_change": next((c for c in changes if c.status == "pending"), None),
        "transitions": _transitions(user, project),
        "can_edit": project.status not in (*LIVE, Project.Status.CLOSED) and (staff or reviewer),
        "can_propose": project.status in LIVE and staff,
        "can_confirm": project.status == Project.Status.PUBLISHED and (staff or reviewer),
        "can_disclose": project.status in (*LIVE, Project.Status.CLOSED) and (staff or reviewer),
        "disclosure_due": project.disclosure_due_on(),
        "return_form": ReasonForm(),
    }
    return render(request, "supply/project_detail.html", context)


# --- Charity workspace -----------------------------------------------------------------------


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """The charity's own organisations, their listings in every status, and review results."""
    user = request.user
    if user.role != User.Role.CHARITY:
        raise Http404
    organizations = list(
        Organization.objects.filter(staff=user).select_related("registering_region")
    )
    projects = _with_labels(
        list(
            selectors.project_list_for_user(user)
            .filter(organization__staff=user)
            .order_by("organization__name", "status", "title", "pk")
        )
    )
    pending = set(
        ListingChange.objects.filter(
            project__organization__staff=user, status=ListingChange.Status.PENDING
        ).values_list("project_id", flat=True)
    )
    for project in projects:
        project.has_pending_change = project.pk in pending
    for organization in organizations:
        organization.project_rows = [p for p in projects if p.organization_id == organization.pk]
    context = {
        "organizations": organizations,
        "changes": selectors.changes_for_charity(user).order_by("-submitted_at", "-id")[:20],
    }
    return render(request, "supply/workspace.html", context)


def _project_form_context(form: ProjectForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "coverage_groups": form.coverage_groups(), **extra}


@login_required
def project_create(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_get_for_user(request.user, pk)
    if not (
        services.is_staff_of(request.user, organization)
        or services.keeps_tier(request.user, organization)
    ):
        raise PermissionDenied(
            _("Only the organisation's staff or civil affairs of its tier can change it.")
        )
    form = ProjectForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        fields, terms, coverage = form.service_input()
        try:
            project = services.project_save(
                user=request.user,
                organization=organization,
                fields=fields,
                terms=terms,
                coverage=coverage,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Submit it for review when it is complete."))
            return redirect("supply:project_detail", project.pk)
    context = _project_form_context(form, organization=organization, project=None)
    return render(request, "supply/project_form.html", context, status=_status(request))


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft (or a listing waiting for review) is saved as it is; a published listing gets a
    change request that civil affairs review first, prefilled with the one still waiting."""
    user = request.user
    project = selectors.project_get_for_user(user, pk)
    organization = project.organization
    staff = services.is_staff_of(user, organization)
    live = project.status in LIVE
    if project.status == Project.Status.CLOSED:
        raise PermissionDenied(_("A closed listing is not changed."))
    if not (staff or (not live and services.keeps_tier(user, organization))):
        raise PermissionDenied(
            _("Only the organisation's staff or civil affairs of its tier can change it.")
        )
    pending = project.changes.filter(status=ListingChange.Status.PENDING).first() if live else None
    initial = dict(pending.proposed) if pending else services.listing_values(project)
    form = ProjectForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields, terms, coverage = form.service_input()
        try:
            if live:
                services.listing_change_submit(
                    user=user, project=project, fields=fields, terms=terms, coverage=coverage
                )
            else:
                services.project_save(
                    user=user,
                    organization=organization,
                    project=project,
                    fields=fields,
                    terms=terms,
                    coverage=coverage,
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if live:
                text = _(
                    "Your change is waiting for review by civil affairs. The published listing "
                    "stays as it is until then."
                )
            else:
                text = _("Listing saved.")
            messages.success(request, text)
            return redirect("supply:project_detail", project.pk)
    context = _project_form_context(
        form, organization=organization, project=project, live=live, pending=pending
    )
    return render(request, "supply/project_form.html", context, status=_status(request))


_TRANSITION_DONE = {
    Project.Status.PENDING_REVIEW: gettext_lazy("Submitted for review by civil affairs."),
    Project.Status.PUBLISHED: gettext_lazy("The listing is published."),
    Project.Status.DRAFT: gettext_lazy("The listing went back to the organisation."),
    Project.Status.PAUSED: gettext_lazy("The listing is paused."),
    Project.Status.CLOSED: gettext_lazy("The listing is closed."),
}


@login_required
def project_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit, publish, return (with a reason), pause, resume or close a listing. GET shows the
    confirmation for the moves that need one (close, return)."""
    user = request.user
    project = selectors.project_get_for_user(user, pk)
    form = TransitionForm(request.POST or None, initial={"to": request.GET.get("to")})
    if request.method == "POST" and form.is_valid():
        to, reason = form.cleaned_data["to"], form.cleaned_data["reason"]
        try:
            services.project_transition(user=user, project=project, to=to, reason=reason)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, str(_TRANSITION_DONE[Project.Status(to)]))
            return redirect("supply:project_detail", project.pk)
    to = form["to"].value()
    if to not in _transitions(user, project):
        raise PermissionDenied(_("You cannot move this listing to that status."))
    context = {"form": form, "project": project, "to": to}
    return render(request, "supply/project_transition.html", context, status=_status(request))


@login_required
@require_POST
def project_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get_for_user(request.user, pk)
    try:
        services.project_confirm(user=request.user, project=project)
    except ValidationError as exc:
        messages.error(request, join_sentences(exc.messages))
    else:
        messages.success(request, _("Thank you: the listing is confirmed as still right."))
    return redirect("supply:project_detail", project.pk)


@login_required
@require_POST
def project_disclose(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the organisation has disclosed the project's progress today."""
    project = selectors.project_get_for_user(request.user, pk)
    try:
        services.project_record_disclosure(user=request.user, project=project)
    except ValidationError as exc:
        messages.error(request, join_sentences(exc.messages))
    else:
        messages.success(request, _("The disclosure of progress is recorded."))
    return redirect("supply:project_detail", project.pk)


# --- Organisations ---------------------------------------------------------------------------


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_officer or user.role == User.Role.CHARITY):
        raise Http404
    organizations = selectors.organization_list_for_user(user).annotate(
        project_count=Count("projects", distinct=True),
        published_count=Count(
            "projects", filter=Q(projects__status=Project.Status.PUBLISHED), distinct=True
        ),
    )
    query = request.GET.get("q", "").strip()
    if query:
        organizations = organizations.filter(
            Q(name__icontains=query)
            | Q(credit_code__icontains=identifiers.normalize_credit_code(query))
        )
    context = {
        "page": _page(request, organizations),
        "q": query,
        "can_register": user.is_officer,
    }
    return render(request, "supply/organization_list.html", context)


def _organization_page(
    request: HttpRequest,
    organization: Organization,
    status_form: CharityStatusForm | None = None,
    *,
    manages: bool = True,
) -> HttpResponse:
    """The organisation's page: the full one for its staff and the civil affairs that keep it;
    for every other logged-in user the public facts (name, tier, type, charitable status, credit
    code, contact, address) and its published projects, nothing internal."""
    user = request.user
    projects = selectors.project_list_for_user(user).filter(organization=organization)
    if not manages:
        projects = projects.filter(status=Project.Status.PUBLISHED)
    keeps = manages and services.keeps_tier(user, organization)
    context = {
        "organization": organization,
        "manages": manages,
        "projects": _with_labels(list(projects)),
        "can_add": manages and (services.is_staff_of(user, organization) or keeps),
        "status_form": status_form or (CharityStatusForm(instance=organization) if keeps else None),
    }
    status = 400 if status_form is not None and status_form.errors else 200
    return render(request, "supply/organization_detail.html", context, status=status)


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.organization_page_for_user(request.user, pk)
    return _organization_page(request, page.organization, manages=page.manages)


@login_required
def organization_search(request: HttpRequest) -> HttpResponse:
    """Organisations of the published ledger by part of their name (or credit code), as an
    htmx fragment: the consent form picks the organisations a person names from it (needs calls
    this URL from its template, never supply's code). At most 20, one query."""
    text = selectors.search_text(request.GET.get("q", ""))
    organizations, more = selectors.organization_search(text)
    context = {
        "q": text,
        "organizations": organizations,
        "more": more,
        "limit": selectors.SEARCH_LIMIT,
    }
    return render(request, "supply/_organization_search.html", context)


@login_required
@require_POST
def organization_charity_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The registering department records the charitable status and fundraising qualification."""
    user = request.user
    organization = selectors.organization_get_for_user(user, pk)
    if not services.keeps_tier(user, organization):
        raise PermissionDenied(
            _("Only civil affairs of the registering department can change this organisation.")
        )
    form = CharityStatusForm(request.POST, instance=organization)
    if form.is_valid():
        try:
            services.organization_set_charity_status(
                user=user, organization=organization, **form.service_input()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The charitable status is recorded."))
            return redirect("supply:organization_detail", organization.pk)
    organization.refresh_from_db()  # the page shows the stored status beside the form
    return _organization_page(request, organization, status_form=form)


@login_required
def organization_register(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reviewer(user)
    form = OrganizationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            organization, warnings = services.organization_register(
                user=user, **form.service_input()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            for warning in warnings:
                messages.warning(request, warning)
            messages.success(request, _("%(name)s is registered.") % {"name": organization.name})
            return redirect("supply:organization_detail", organization.pk)
    return render(request, "supply/organization_form.html", {"form": form}, status=_status(request))


# --- Review (civil affairs) ------------------------------------------------------------------


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reviewer(user)
    context = {
        "changes": selectors.review_queue_for_user(user).order_by("submitted_at", "id"),
        "waiting": _with_labels(
            list(selectors.projects_waiting_for_review(user).order_by("status_changed_at", "pk"))
        ),
    }
    return render(request, "supply/review_queue.html", context)


@login_required
def tier_projects(request: HttpRequest) -> HttpResponse:
    """The department's ledger: every listing of the organisations registered in the user's
    area, in every status, and the listings of organisations registered elsewhere that reach
    the area (对口帮扶), which that other department reviews."""
    user = request.user
    _require_reviewer(user)
    data = request.GET.copy()
    if not data.get("my_area"):
        data["my_area"] = "either"
    filterset = ProjectFilterSet(
        data, queryset=selectors.project_list_for_user(user), request=request
    )
    blank_means_any(filterset.form)
    my_area = filterset.form.fields["my_area"]
    my_area.empty_label = None  # "either" is the default, not an empty choice
    my_area.choices = [choice for choice in my_area.choices if choice[0] != ""]
    status = filterset.form.fields["status"]
    status.widget = forms.CheckboxSelectMultiple(
        attrs={"class": "form-check-input"}, choices=status.choices
    )
    page = _page(request, filterset.qs)
    _with_labels(page.object_list)
    _mark_cross_region(user, page.object_list)
    context = {"filter": filterset, "page": page}
    template = "supply/tier_projects.html#results" if request.htmx else "supply/tier_projects.html"
    return render(request, template, context)


def _mark_cross_region(user: Any, projects) -> None:
    """Mark the listings registered outside the user's area (reviewed by another department)."""
    scope = region_scope(user)
    for project in projects:
        project.cross_region = not scope.contains(project.organization.registering_region_id)


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "—"
    return str(value)


def _diff_rows(change: ListingChange) -> list[dict[str, Any]]:
    """The change field by field, with the labels of fields, terms and regions."""
    diff = services.listing_change_diff(change)
    codes = {code for name, old, new in diff if name == "coverage" for code in [*old, *new]}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    rows = []
    for name, old, new in diff:
        if name in TERM_LABELS or name == "coverage":
            lookup = names if name == "coverage" else TERM_LABELS[name]
            label = _("Coverage") if name == "coverage" else ProjectTerm.Kind(name).label
            old, new = old or [], new or []
            rows.append(
                {
                    "name": name,
                    "label": label,
                    "is_list": True,
                    "old": [lookup.get(v, v) for v in old],
                    "new": [lookup.get(v, v) for v in new],
                    "added": [lookup.get(v, v) for v in new if v not in old],
                    "removed": [lookup.get(v, v) for v in old if v not in new],
                }
            )
        else:
            shown_old, shown_new = _shown(old), _shown(new)
            texts = isinstance(old, str) and isinstance(new, str) and bool(old) and bool(new)
            rows.append(
                {
                    "name": name,
                    "label": Project._meta.get_field(name).verbose_name,
                    "is_list": False,
                    "old": shown_old,
                    "new": shown_new,
                    # Text changed inside: show it in place, word by word.
                    "segments": inline_diff(old, new) if texts else None,
                }
            )
    return rows


def _change_page(
    request: HttpRequest, change: ListingChange, reject_form: ReasonForm | None = None
) -> HttpResponse:
    user = request.user
    context = {
        "change": change,
        "project": change.project,
        "rows": _diff_rows(change),
        "can_review": change.status == ListingChange.Status.PENDING
        and services.keeps_tier(user, change.project.organization),
        "reject_form": reject_form or ReasonForm(),
        "show_people": services.keeps_tier(user, change.project.organization)
        or services.is_staff_of(user, change.project.organization),
    }
    status = 400 if reject_form is not None and reject_form.errors else 200
    return render(request, "supply/change_detail.html", context, status=status)


@login_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_page(request, selectors.change_get_for_user(request.user, pk))


@login_required
@require_POST
def change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.change_get_for_user(request.user, pk)
    try:
        project = services.listing_change_approve(user=request.user, change=change)
    except ValidationError as exc:
        messages.error(request, join_sentences(exc.messages))
        return redirect("supply:change_detail", change.pk)
    messages.success(
        request,
        _("Change approved: “%(title)s” is updated.") % {"title": project.title},
    )
    return redirect("supply:review_queue")


@login_required
@require_POST
def change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.change_get_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.listing_change_reject(
                user=request.user, change=change, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Change rejected. The organisation sees your reason."))
            return redirect("supply:review_queue")
    return _change_page(request, change, reject_form=form)


# --- Editions --------------------------------------------------------------------------------


@login_required
def edition_list(request: HttpRequest) -> HttpResponse:
    editions = selectors.edition_list()
    return render(request, "supply/edition_list.html", {"page": _page(request, editions)})


def _entry_labels(entries):
    for entry in entries:
        snapshot = entry.snapshot
        entry.labels = {
            kind: [TERM_LABELS[kind].get(v, v) for v in snapshot.get(kind, [])]
            for kind in TERM_LABELS
        }
    return entries


@login_required
def edition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An edition's entries by tier, what changed since the previous one, and the entries
    covering one township (a social worker starts with the own)."""
    from . import editions

    user = request.user
    edition = selectors.edition_get(pk)
    data = request.GET.copy()
    if user.role == User.Role.SOCIAL_WORKER and user.region_id and "township" not in data:
        data["township"] = user.region_id
    place_form = EditionPlaceForm(data, user=user)
    township = place_form.cleaned_data.get("township") if place_form.is_valid() else None
    entries = editions.entries_covering(edition, township.code) if township else edition.entries
    tier_rank = Case(*[When(tier=t, then=i) for i, t in enumerate(Tier.values)])
    entries = entries.order_by(tier_rank, "organization_name", "title", "project_id")
    changed = entries.exclude(change=LedgerEntry.Change.UNCHANGED)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    rows = _entry_labels(list(page.object_list))
    context = {
        "edition": edition,
        "page": page,
        "rows": rows,
        "changed": _entry_labels(list(changed)),
        "removals": edition.removals.order_by("title", "project_id"),
        "place_form": place_form,
        "township": township,
    }
    return render(request, "supply/edition_detail.html", context)


@login_required
def edition_workbook(request: HttpRequest, pk: int) -> HttpResponse:
    edition = selectors.edition_get(pk)
    if not edition.workbook:
        raise Http404
    return FileResponse(
        edition.workbook.open("rb"),
        as_attachment=True,
        filename=f"慈善帮扶资源供给台账-{edition.label}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- Public showcase (推介会), no login ------------------------------------------------------


def _current_regions() -> QuerySet[Region]:
    return Region.objects.filter(valid_to__isnull=True).order_by("code")


class ShowcaseFilterSet(ProjectFilterSet):
    """The public filters: search, charity area, form of aid and the place: a city, a county
    of it and a township of that county (Dongguan and Zhongshan: the city's townships).

    The place filters are one filter: the listings available somewhere in the most specific
    place chosen (``ProjectQuerySet.available_in``): covering the township, a region above it
    or a village of it. A county or township that does not lie in the chosen city (or county)
    is dropped, not an error, so that changing the city starts its counties afresh; a county
    or township given alone brings its city (and county) along."""

    PUBLIC = ("q", "area", "form", "city", "county", "township")
    PLACES = ("city", "county", "township")
    PLACE_LEVELS = (Region.Level.PREFECTURE, Region.Level.COUNTY, Region.Level.TOWNSHIP)

    city = django_filters.ModelChoiceFilter(
        label=gettext_lazy("City"),
        queryset=_current_regions().filter(level=Region.Level.PREFECTURE),
        method="anywhere",
        empty_label=gettext_lazy("All cities"),
    )
    county = django_filters.ModelChoiceFilter(
        label=gettext_lazy("County"),
        queryset=Region.objects.none(),
        method="anywhere",
        empty_label=gettext_lazy("All counties"),
    )
    township = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Township"),
        queryset=Region.objects.none(),
        method="anywhere",
        empty_label=gettext_lazy("All townships"),
    )

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else None
        chosen = _place_chain(data) if data is not None else {}
        super().__init__(data, *args, **kwargs)
        for name in list(self.filters):
            if name not in self.PUBLIC:
                del self.filters[name]
        city, county = chosen.get("city"), chosen.get("county")
        if city is not None:
            self.filters["county"].queryset = _current_regions().filter(
                parent=city, level=Region.Level.COUNTY
            )
        township_parent = county or (city if city is not None and city.without_counties else None)
        if township_parent is not None:
            self.filters["township"].queryset = _current_regions().filter(
                parent=township_parent, level=Region.Level.TOWNSHIP
            )
        self.place = chosen.get("township") or county or city

    def anywhere(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # the place is filtered once, in filter_queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if self.place is not None:
            queryset = queryset.available_in(self.place.code)
        return queryset


def _place_chain(data: Any) -> dict[str, Region | None]:
    """The chosen city, county and township, consistent with each other; ``data`` is
    corrected in place. A place given alone brings the places above it; one that does not lie
    in the place chosen above it is dropped. One query for the three codes (and one to know
    whether the city has counties)."""
    codes = {
        name: identifiers.ascii_digits(data.get(name, "")) or ""
        for name in ShowcaseFilterSet.PLACES
    }
    found = {
        region.code: region
        for region in _current_regions()
        .filter(code__in=[code for code in codes.values() if len(code) == 12])
        .select_related("parent__parent")
    }

    def chosen(name: str, level: str) -> Region | None:
        region = found.get(codes[name])
        return region if region is not None and region.level == level else None

    city = chosen("city", Region.Level.PREFECTURE)
    county = chosen("county", Region.Level.COUNTY)
    township = chosen("township", Region.Level.TOWNSHIP)
    if township is not None:
        above = township.parent
        if above is not None and above.level == Region.Level.COUNTY:
            if county is not None and county.code != above.code:
                township = None
            else:
                county = above
        elif county is not None:  # a township of a city without counties (东莞, 中山)
            township = None
    if county is not None:
        if city is not None and city.code != county.parent_id:
            county = township = None
        else:
            city = county.parent
    elif township is not None:
        if city is not None and city.code != township.parent_id:
            township = None
        else:
            city = township.parent
    if city is not None:
        city.without_counties = (
            not _current_regions().filter(parent=city, level=Region.Level.COUNTY).exists()
        )
    places = {"city": city, "county": county, "township": township}
    for name, region in places.items():
        data[name] = region.code if region is not None else ""
    return places


def _showcase_figures() -> dict[str, Any]:
    """Headline figures of the published ledger, as aggregate queries."""
    published = Project.objects.published()
    totals = published.aggregate(
        projects=Count("pk"),
        organizations=Count("organization", distinct=True),
        places=Sum("capacity"),
        open_ended=Count("pk", filter=Q(capacity__isnull=True)),
    )
    by_area = (
        ProjectTerm.objects.filter(kind=ProjectTerm.Kind.AREA, project__in=published)
        .values("value")
        .annotate(count=Count("project", distinct=True))
        .order_by("-count", "value")
    )
    by_level = dict(
        published.order_by()
        .values_list("organization__registering_region__level")
        .annotate(count=Count("pk"))
    )
    tiers = {TIER_OF_LEVEL[Region.Level(level)]: n for level, n in by_level.items()}
    return {
        **totals,
        "by_area": [
            {"label": TERM_LABELS["area"].get(row["value"], row["value"]), "count": row["count"]}
            for row in by_area
        ],
        "by_tier": [{"label": t.label, "count": tiers.get(t, 0)} for t in Tier],
    }


def showcase(request: HttpRequest) -> HttpResponse:
    filterset = ShowcaseFilterSet(request.GET, queryset=selectors.public_project_list())
    blank_means_any(filterset.form)
    page = _page(request, filterset.qs)
    _with_labels(page.object_list)
    place = filterset.place
    context = {"filter": filterset, "page": page, "place": place.code if place else ""}
    if request.htmx:
        # The results, and the county and township choices of the city now chosen (swapped
        # out of band, so that the search box being typed in is left alone).
        return render(request, "showcase/index.html#results-and-places", context)
    context["figures"] = _showcase_figures()
    return render(request, "showcase/index.html", context)


_FILTER_OF_LEVEL = {
    Region.Level.PREFECTURE: "city",
    Region.Level.COUNTY: "county",
    Region.Level.TOWNSHIP: "township",
}


def _covers(project: Project, region: Region) -> bool:
    """Whether the listing is available somewhere in ``region`` (``available_in`` on the
    prefetched coverage): it covers the region or a region above it, or a part of it."""
    prefix = region.prefix
    return any(
        prefix.startswith(c.prefix) or c.prefix.startswith(prefix) for c in project.coverage.all()
    )


def _station_of(project: Project, place: Region | None) -> dict[str, Any]:
    """Where a person applies with a social worker's help: the social-work station of their
    township (社会工作服务站). The station is the township itself: its name and place are
    public. The data holds no station address or telephone (a station's social workers'
    phones are personal data, never published), so the page names the station and where it
    is. Without a township chosen: the covered townships when the listing names them, or the
    townships of the place chosen."""
    if place is not None and place.level == Region.Level.TOWNSHIP:
        above = [place.parent, place.parent.parent if place.parent else None]
        path = [r.name for r in reversed(above) if r is not None and r.level != "province"]
        return {"township": place, "covered": _covers(project, place), "path": [*path, place.name]}
    townships = [
        c.region for c in project.coverage.all() if c.region.level == Region.Level.TOWNSHIP
    ]
    if place is not None:
        townships = [t for t in townships if t.code.startswith(place.prefix)]
    return {"townships": townships[:20]}


def showcase_project(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        selectors.public_project_list().select_related("organization"), pk=pk
    )
    code = identifiers.ascii_digits(request.GET.get("place", "")) or ""
    place = (
        _current_regions()
        .filter(code=code, level__in=ShowcaseFilterSet.PLACE_LEVELS)
        .select_related("parent__parent")
        .first()
        if len(code) == 12
        else None
    )
    context = {
        "project": _with_labels([project])[0],
        "contact": project.public_contact,
        "station": _station_of(project, place),
        "place": place,
        # Back to the list with the same place chosen.
        "back": urlencode({_FILTER_OF_LEVEL[place.level]: place.code}) if place else "",
    }
    return render(request, "showcase/project.html", context)


@login_required
def dashboard_card(request: HttpRequest) -> HttpResponse:
    """The supply ledger's figures for the landing page (an htmx fragment)."""
    figures = selectors.supply_counts_for_user(request.user)
    return render(request, "supply/includes/dashboard_card.html", {"figures": figures})
