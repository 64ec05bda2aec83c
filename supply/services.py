"""Writes of the supply ledger: organisations, projects, listing changes and their review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from accounts import identifiers
from accounts.models import Region, User
from accounts.services import notify
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, VulnerabilityTag

from .models import (
    TIER_OF_LEVEL,
    ListingChange,
    Organization,
    Project,
    ProjectCoverage,
    ProjectTerm,
)

USCC_ALPHABET = identifiers.USCC_ALPHABET

#: Listing fields a charity may change (through review once published), with their types.
PROJECT_FIELDS = (
    "title",
    "description",
    "age_min",
    "age_max",
    "conditions",
    "capacity",
    "value_per_beneficiary",
    "budget",
    "application_process",
    "required_documents",
    "contact_name",
    "contact_phone",
    "starts_on",
    "ends_on",
)
TERM_VOCABULARIES = {
    ProjectTerm.Kind.AREA: CharityArea,
    ProjectTerm.Kind.FORM: AidForm,
    ProjectTerm.Kind.STATUS: AssistanceStatus,
    ProjectTerm.Kind.TAG: VulnerabilityTag,
}


# --- Permissions -----------------------------------------------------------------------------


def keeps_tier(user: Any, organization: Organization) -> bool:
    """Civil affairs of the registering department (its tier) keep and review an organisation's
    listings; administrators may too."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return (
        user.role == User.Role.CIVIL_AFFAIRS
        and user.region_id == organization.registering_region_id
    )


def is_staff_of(user: Any, organization: Organization) -> bool:
    return (
        user.is_authenticated
        and user.role == User.Role.CHARITY
        and organization.staff.filter(pk=user.pk).exists()
    )


# --- Notifications of the review flow --------------------------------------------------------


def _officers_of(organization: Organization) -> list[User]:
    return list(
        User.objects.filter(
            role=User.Role.CIVIL_AFFAIRS,
            region_id=organization.registering_region_id,
            is_active=True,
        )
    )


def _tell(
    recipients: Iterable[User], title: str, project: Project, *, kind: str = "listing_review"
) -> None:
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("supply:project_detail", args=[project.pk])
    except NoReverseMatch:  # the pages are optional for the services
        url = ""
    notify(recipients=list(recipients), title=title, url=url, kind=kind)


def _county_officers_reached(prefixes: Iterable[str]) -> Q:
    """Civil affairs of the counties a coverage reaches: a county inside a covered region, or
    the county of a covered township. Dongguan and Zhongshan have no county level: their city
    stands in for it (its code is the township's county code)."""
    reach = Q(pk__in=[])
    for prefix in prefixes:
        if len(prefix) <= 6:
            reach |= Q(region__code__startswith=prefix)
        else:
            reach |= Q(region__code=prefix[:6].ljust(12, "0"))
    return reach


def _county_level() -> Q:
    has_counties = Region.objects.filter(parent_id=OuterRef("region_id"), level=Region.Level.COUNTY)
    return Q(region__level=Region.Level.COUNTY) | (
        Q(region__level=Region.Level.PREFECTURE) & ~Exists(has_counties)
    )


def _tell_covered_counties(
    project: Project, *, prefixes: Iterable[str], before: Iterable[str] = ()
) -> None:
    """Tell the civil affairs of each county the listing covers (those ``before`` did not
    cover yet), other than the registering department, which reviewed it already."""
    prefixes, before = list(prefixes), list(before)
    if not prefixes:
        return
    organization = project.organization
    officers = (
        User.objects.filter(role=User.Role.CIVIL_AFFAIRS, is_active=True)
        .filter(_county_level())
        .filter(_county_officers_reached(prefixes))
        .exclude(region_id=organization.registering_region_id)
    )
    if before:
        officers = officers.exclude(_county_officers_reached(before))
    _tell(
        officers,
        _("A listing covers your area: %(title)s (%(org)s, registered with %(region)s)")
        % {
            "title": project.title,
            "org": organization.name,
            "region": organization.registering_region.name,
        },
        project,
        kind="listing_coverage",
    )


# --- Organisations ---------------------------------------------------------------------------


def normalize_credit_code(value: str) -> str:
    """NFKC, no spaces or dashes, upper case (``accounts.identifiers``): a code typed in
    full-width letters is the same organisation."""
    return identifiers.normalize_credit_code(value)


def check_credit_code(code: str) -> tuple[list[str], list[str]]:
    """Errors and warnings for a unified social credit code (GB 32100-2015).

    Length and alphabet are hard checks. A failing check character is only a warning: some
    real codes fail it, and such an organisation is kept for a person to confirm.
    """
    if problem := identifiers.credit_code_error(code):  # digits, length and alphabet
        return [problem], []
    if not uscc.is_valid(code):
        return [], [
            _(
                "The check character of %(code)s is not what GB 32100 expects: "
                "please confirm the code."
            )
            % {"code": code}
        ]
    return [], []


@transaction.atomic
def organization_register(
    *,
    user: Any,
    name: str,
    credit_code: str,
    org_type: str,
    registering_region: Region,
    charity_status: str = "",
    charity_status_on: dt.date | None = None,
    public_fundraising: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    service_regions: Iterable[Region] = (),
    staff: Iterable[User] = (),
) -> tuple[Organization, list[str]]:
    """Register an organisation in the ledger of its tier; returns it with any warnings.

    Its tier follows from the registering department's level (province, city or county), and
    only that department's civil affairs staff (or an administrator) may register it.
    """
    errors: dict[str, list[str]] = {}
    code = normalize_credit_code(credit_code)
    code_errors, warnings = check_credit_code(code)
    if code_errors:
        errors["credit_code"] = code_errors
    elif Organization.objects.filter(credit_code=code).exists():
        errors["credit_code"] = [_("An organisation with this code is already registered.")]
    if not name.strip():
        errors["name"] = [_("Enter the name.")]
    if org_type not in Organization.Type.values:
        errors["org_type"] = [_("Choose the type of organisation.")]
    if registering_region.level not in TIER_OF_LEVEL:
        errors["registering_region"] = [
            _("Organisations are registered with a province, city or county.")
        ]
    elif not (
        user.is_administrator
        or (user.role == User.Role.CIVIL_AFFAIRS and user.region_id == registering_region.pk)
    ):
        raise PermissionDenied(
            _("Only civil affairs of the registering department can register it.")
        )
    errors.update(charity_status_errors(charity_status, charity_status_on, public_fundraising))
    staff = list(staff)
    if any(u.role != User.Role.CHARITY for u in staff):
        errors["staff"] = [_("Only charity staff accounts can be an organisation's staff.")]
    if errors:
        raise ValidationError(errors)
    organization = Organization.objects.create(
        name=name.strip(),
        credit_code=code,
        credit_code_valid=not warnings,
        org_type=org_type,
        registering_region=registering_region,
        charity_status=charity_status,
        charity_status_on=charity_status_on,
        public_fundraising=public_fundraising,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        address=address.strip(),
    )
    organization.service_regions.set(service_regions)
    organization.staff.set(staff)
    return organization, warnings


def charity_status_errors(
    charity_status: str, charity_status_on: dt.date | None, public_fundraising: bool
) -> dict[str, list[str]]:
    """The rules of a charitable status, for every way it is recorded (form, API, import)."""
    errors: dict[str, list[str]] = {}
    if charity_status not in Organization.CharityStatus.values:
        errors["charity_status"] = [_("Choose a charitable status.")]
    if charity_status_on and not charity_status:
        errors["charity_status_on"] = [_("A date needs a charitable status.")]
    if charity_status_on and charity_status_on > timezone.localdate():
        errors["charity_status_on"] = [_("The date cannot be in the future.")]
    if public_fundraising and not charity_status:
        # Charity Law art. 22: only a charitable organisation may be qualified.
        errors["public_fundraising"] = [
            _("Only a charitable organisation can hold a public fundraising qualification.")
        ]
    return errors


@transaction.atomic
def organization_set_charity_status(
    *,
    user: Any,
    organization: Organization,
    charity_status: str,
    charity_status_on: dt.date | None = None,
    public_fundraising: bool = False,
) -> Organization:
    """Record that an organisation is (or is no longer) a charitable organisation (登记或认定),
    and whether it may raise funds publicly. Only the department that keeps its tier may; the
    disclosure rules follow the status from now on."""
    if not keeps_tier(user, organization):
        raise PermissionDenied(
            _("Only civil affairs of the registering department can change this organisation.")
        )
    charity_status = charity_status or ""
    errors = charity_status_errors(charity_status, charity_status_on, public_fundraising)
    if errors:
        raise ValidationError(errors)
    Organization.objects.filter(pk=organization.pk).update(
        charity_status=charity_status,
        charity_status_on=charity_status_on,
        public_fundraising=public_fundraising,
        updated_at=timezone.now(),
    )
    organization.refresh_from_db()
    return organization


# --- Projects --------------------------------------------------------------------------------


def _check_listing(
    fields: dict[str, Any], terms: dict[str, list[str]], coverage: list[Region]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("title", "description", "application_process"):
        if name in fields and not str(fields[name] or "").strip():
            errors[name] = [_("This field is required.")]
    starts, ends = fields.get("starts_on"), fields.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = [_("The end comes after the start.")]
    age_min, age_max = fields.get("age_min"), fields.get("age_max")
    if age_min is not None and age_max is not None and age_max < age_min:
        errors["age_max"] = [_("The maximum age is not below the minimum age.")]
    for kind, vocabulary in TERM_VOCABULARIES.items():
        unknown = set(terms.get(kind, [])) - set(vocabulary.values)
        if unknown:
            errors[kind] = [_("Unknown value: %(values)s") % {"values": ", ".join(sorted(unknown))}]
    if not terms.get(ProjectTerm.Kind.AREA):
        errors[ProjectTerm.Kind.AREA] = [_("Choose at least one charity area.")]
    if not terms.get(ProjectTerm.Kind.FORM):
        errors[ProjectTerm.Kind.FORM] = [_("Choose at least one form of aid.")]
    if not coverage:
        errors["coverage"] = [_("Choose the regions the project covers.")]
    return errors


def _check_coverage(
    organization: Organization, coverage: list[Region], *, already: Iterable[str] = ()
) -> list[str]:
    """A listing may cover any place of its organisation's province (对口帮扶: a Shenzhen
    foundation aids a township of 英德市), down to townships, and only current regions (a
    retired one may stay where the listing already had it). Review stays with the registering
    tier; the covered counties are told (``_tell_covered_counties``)."""
    province = organization.registering_region.code[:2]
    kept = set(already)
    bad = [
        r.name
        for r in coverage
        if not r.code.startswith(province)
        or r.level == Region.Level.VILLAGE
        or (r.valid_to is not None and r.code not in kept)
    ]
    if bad:
        return [
            _(
                "A listing covers current places of its organisation's province, down to "
                "townships: %(names)s"
            )
            % {"names": "、".join(bad)}
        ]
    return []


def _listing_errors(
    organization: Organization,
    fields: dict[str, Any],
    terms: dict[str, list[str]],
    coverage: list[Region],
    *,
    project: Project | None = None,
) -> dict[str, list[str]]:
    errors = _check_listing(fields, terms, coverage)
    already = [c.region_id for c in project.coverage.all()] if project is not None else []
    coverage_errors = _check_coverage(organization, coverage, already=already)
    if coverage_errors:
        errors.setdefault("coverage", []).extend(coverage_errors)
    capacity = fields.get("capacity")
    if project is not None and capacity is not None and capacity < project.places_taken:
        errors["capacity"] = [_places_taken_message(project)]
    return errors


def _places_taken_message(project: Project) -> str:
    return _("%(taken)s places are already taken: the capacity cannot be lower.") % {
        "taken": project.places_taken
    }


def _write_listing(
    project: Project, fields: dict[str, Any], terms: dict[str, list[str]], coverage: list[Region]
) -> None:
    """Write the listing fields only: status, places taken and confirmation dates move by
    their own conditional updates and must not be overwritten from a stale copy."""
    for name in PROJECT_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(project, name, value.strip() if isinstance(value, str) else value)
    if project.pk is None:
        project.save()
    else:
        project.save(update_fields=[*PROJECT_FIELDS, "updated_at"])
    project.terms.all().delete()
    ProjectTerm.objects.bulk_create(
        ProjectTerm(project=project, kind=kind, value=value)
        for kind in TERM_VOCABULARIES
        for value in sorted(set(terms.get(kind, [])))
    )
    project.coverage.all().delete()
    ProjectCoverage.objects.bulk_create(
        ProjectCoverage(project=project, region=region, prefix=region.prefix)
        for region in {r.code: r for r in coverage}.values()
    )


@transaction.atomic
def project_save(
    *,
    user: Any,
    organization: Organization,
    project: Project | None = None,
    fields: dict[str, Any],
    terms: dict[str, list[str]],
    coverage: list[Region],
) -> Project:
    """Create or edit a listing that is not published yet (draft or waiting for review).

    The organisation's staff and civil affairs of its tier may. A published listing is changed
    through ``listing_change_submit`` instead, so that civil affairs review the change first.
    """
    if not (is_staff_of(user, organization) or keeps_tier(user, organization)):
        raise PermissionDenied(
            _("Only the organisation's staff or civil affairs of its tier can change it.")
        )
    if project is not None:
        # A fresh, locked copy: the status may have moved since the caller read the listing.
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.organization_id != organization.pk:
            raise PermissionDenied(
                _("Only the organisation's staff or civil affairs of its tier can change it.")
            )
        if project.status not in (Project.Status.DRAFT, Project.Status.PENDING_REVIEW):
            raise ValidationError(
                _("A published listing changes through a reviewed change request.")
            )
    stored = {k: _from_json(k, v) for k, v in listing_values(project).items()} if project else {}
    errors = _listing_errors(organization, {**stored, **fields}, terms, coverage, project=project)
    if errors:
        raise ValidationError(errors)
    project = project or Project(organization=organization)
    _write_listing(project, fields, terms, coverage)
    return project


def _permitted_targets(user: Any, project: Project) -> set[str]:
    """Who may move a listing where: the charity submits a draft, civil affairs of its tier
    publish or return it; both may pause, resume or close it."""
    organization = project.organization
    reviewer = keeps_tier(user, organization)
    staff = is_staff_of(user, organization)
    allowed = {
        Project.Status.PENDING_REVIEW: staff or reviewer,
        Project.Status.PUBLISHED: reviewer,
        Project.Status.DRAFT: reviewer,  # returned by the reviewer, with a reason
        Project.Status.PAUSED: staff or reviewer,
        Project.Status.CLOSED: staff or reviewer,
    }
    return {status for status, ok in allowed.items() if ok}


def allowed_transitions(user: Any, project: Project) -> list[str]:
    """The statuses this user may move this listing to now (the buttons of a page)."""
    permitted = _permitted_targets(user, project)
    possible = Project.TRANSITIONS[Project.Status(project.status)]
    return [
        status for status in Project.Status.values if status in permitted and status in possible
    ]


@transaction.atomic
def project_transition(*, user: Any, project: Project, to: str, reason: str = "") -> Project:
    """Move a listing (see ``_permitted_targets``); closing it withdraws a pending change."""
    if to not in _permitted_targets(user, project):
        raise PermissionDenied(_("You cannot move this listing to that status."))
    if to not in Project.TRANSITIONS[Project.Status(project.status)]:
        raise ValidationError(
            {
                "status": [
                    _("A listing that is “%(current)s” cannot become “%(target)s”.")
                    % {"current": project.get_status_display(), "target": Project.Status(to).label}
                ]
            }
        )
    if (
        project.status == Project.Status.PENDING_REVIEW
        and to == Project.Status.DRAFT
        and not reason.strip()
    ):
        raise ValidationError({"reason": [_("Say why the listing goes back to the organisation.")]})
    now = timezone.now()
    values: dict[str, Any] = {
        "status": to,
        "status_changed_at": now,
        "updated_at": now,
        # The reviewer's reason stays with the listing so that the organisation sees it.
        "status_reason": reason.strip()[:300],
    }
    if to == Project.Status.PUBLISHED:
        values["last_confirmed_at"] = now
    updated = Project.objects.filter(pk=project.pk, status=project.status).update(**values)
    if not updated:
        raise ValidationError(
            _("The listing was changed by someone else meanwhile. Reload and try again.")
        )
    if to == Project.Status.CLOSED:
        ListingChange.objects.filter(project=project, status=ListingChange.Status.PENDING).update(
            status=ListingChange.Status.WITHDRAWN
        )
    resumed = project.status == Project.Status.PAUSED
    project.refresh_from_db()
    organization = project.organization
    if to == Project.Status.PENDING_REVIEW:
        _tell(
            _officers_of(organization),
            _("New listing to review: %(title)s (%(org)s)")
            % {"title": project.title, "org": organization.name},
            project,
        )
    elif to == Project.Status.PUBLISHED:
        _tell(
            organization.staff.all(),
            _("Your listing “%(title)s” is published") % {"title": project.title},
            project,
        )
        if not resumed:  # a new listing; resuming a paused one brings nothing new
            _tell_covered_counties(
                project, prefixes=project.coverage.values_list("prefix", flat=True)
            )
    elif to == Project.Status.DRAFT:
        _tell(
            organization.staff.all(),
            _("Your listing “%(title)s” was returned: %(reason)s")
            % {"title": project.title, "reason": project.status_reason},
            project,
        )
    return project


@transaction.atomic
def project_confirm(*, user: Any, project: Project) -> Project:
    """The organisation confirms that a published listing is still right (each half year)."""
    if not (is_staff_of(user, project.organization) or keeps_tier(user, project.organization)):
        raise PermissionDenied(
            _("Only the organisation's staff or civil affairs of its tier can confirm it.")
        )
    now = timezone.now()
    confirmed = Project.objects.filter(pk=project.pk, status=Project.Status.PUBLISHED).update(
        last_confirmed_at=now, updated_at=now
    )
    if not confirmed:
        raise ValidationError(_("Only a published listing is confirmed."))
    project.refresh_from_db()
    return project


@transaction.atomic
def project_record_disclosure(*, user: Any, project: Project, on: dt.date | None = None) -> Project:
    """The organisation has disclosed the project's progress (慈善中国 rules): the next
    disclosure falls due three months later; one on or after the end date is the final one."""
    if not (is_staff_of(user, project.organization) or keeps_tier(user, project.organization)):
        raise PermissionDenied(
            _("Only the organisation's staff or civil affairs of its tier can record it.")
        )
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": [_("A disclosure cannot be recorded in the future.")]})
    if project.status in (Project.Status.DRAFT, Project.Status.PENDING_REVIEW):
        raise ValidationError(_("A listing that was never published has nothing to disclose."))
    Project.objects.filter(pk=project.pk).update(last_disclosed_on=on, updated_at=timezone.now())
    project.refresh_from_db()
    return project


# --- Listing changes -------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"  # as stored: 100 and 100.00 are the same amount
    return value


def listing_values(project: Project) -> dict[str, Any]:
    """A listing's values as comparable, JSON-ready data (also the edition snapshot's core)."""
    values: dict[str, Any] = {name: _jsonable(getattr(project, name)) for name in PROJECT_FIELDS}
    for kind in TERM_VOCABULARIES:
        values[kind] = sorted(t.value for t in project.terms.all() if t.kind == kind)
    values["coverage"] = sorted(c.region_id for c in project.coverage.all())
    return values


def _from_json(name: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if name in ("starts_on", "ends_on"):
        return dt.date.fromisoformat(value)
    if name in ("value_per_beneficiary", "budget"):
        return Decimal(value)
    return value


@transaction.atomic
def listing_change_submit(
    *,
    user: Any,
    project: Project,
    fields: dict[str, Any],
    terms: dict[str, list[str]],
    coverage: list[Region],
) -> ListingChange:
    """A charity proposes a change to its published listing; it applies only after review.
    A second proposal while one waits replaces it."""
    if not is_staff_of(user, project.organization):
        raise PermissionDenied(_("Only the organisation's staff propose changes to its listing."))
    # Locked: two submissions at once would otherwise both withdraw nothing and collide.
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status not in (Project.Status.PUBLISHED, Project.Status.PAUSED):
        raise ValidationError(_("Only a published listing is changed through review."))
    current = listing_values(project)
    proposed = {**current, **{k: _jsonable(v) for k, v in fields.items() if k in PROJECT_FIELDS}}
    for kind in TERM_VOCABULARIES:
        proposed[kind] = sorted(set(terms.get(kind, [])))
    proposed["coverage"] = sorted({r.code for r in coverage})
    errors = _listing_errors(
        project.organization,
        {k: _from_json(k, v) for k, v in proposed.items()},
        terms,
        coverage,
        project=project,
    )
    if errors:
        raise ValidationError(errors)
    if proposed == current:
        raise ValidationError(_("Nothing has changed."))
    ListingChange.objects.filter(project=project, status=ListingChange.Status.PENDING).update(
        status=ListingChange.Status.WITHDRAWN
    )
    change = ListingChange.objects.create(
        project=project, proposed=proposed, previous=current, submitted_by=user
    )
    _tell(
        _officers_of(project.organization),
        _("Change to review: %(title)s (%(org)s)")
        % {"title": project.title, "org": project.organization.name},
        project,
    )
    return change


def listing_change_diff(change: ListingChange) -> list[tuple[str, Any, Any]]:
    """Field by field: (field, value when proposed, proposed value), changed fields only."""
    return [
        (name, change.previous.get(name), value)
        for name, value in change.proposed.items()
        if change.previous.get(name) != value
    ]


@transaction.atomic
def listing_change_approve(*, user: Any, change: ListingChange) -> Project:
    """Apply a reviewed change to a listing that is still open, then count it as confirmed."""
    if not keeps_tier(user, change.project.organization):
        raise PermissionDenied(
            _("Only civil affairs of the organisation's tier review its listings.")
        )
    # A fresh, locked copy: the caller's may be stale, and places may have been taken.
    project = Project.objects.select_for_update().get(pk=change.project_id)
    if project.status not in (Project.Status.PUBLISHED, Project.Status.PAUSED):
        raise ValidationError(_("The listing is no longer open: the change cannot be applied."))
    capacity = change.proposed.get("capacity")
    if capacity is not None and capacity < project.places_taken:
        raise ValidationError(_places_taken_message(project))
    claimed = ListingChange.objects.filter(
        pk=change.pk, status=ListingChange.Status.PENDING
    ).update(status=ListingChange.Status.APPROVED, reviewed_by=user, reviewed_at=timezone.now())
    if not claimed:
        raise ValidationError(_("This change has already been reviewed."))
    proposed = change.proposed
    fields = {name: _from_json(name, proposed[name]) for name in PROJECT_FIELDS if name in proposed}
    terms = {kind: proposed.get(kind, []) for kind in TERM_VOCABULARIES}
    coverage = list(Region.objects.filter(code__in=proposed.get("coverage", [])))
    before = list(project.coverage.values_list("prefix", flat=True))
    _write_listing(project, fields, terms, coverage)
    Project.objects.filter(pk=project.pk).update(last_confirmed_at=timezone.now())
    project.refresh_from_db()
    _tell(
        project.organization.staff.all(),
        _("Your change to “%(title)s” is approved") % {"title": project.title},
        project,
    )
    if project.status == Project.Status.PUBLISHED:
        # Counties that the change adds are told; a paused listing is not shown to them.
        _tell_covered_counties(project, prefixes=[r.prefix for r in coverage], before=before)
    return project


@transaction.atomic
def listing_change_reject(*, user: Any, change: ListingChange, reason: str) -> ListingChange:
    if not keeps_tier(user, change.project.organization):
        raise PermissionDenied(
            _("Only civil affairs of the organisation's tier review its listings.")
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the change is rejected.")]})
    claimed = ListingChange.objects.filter(
        pk=change.pk, status=ListingChange.Status.PENDING
    ).update(
        status=ListingChange.Status.REJECTED,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        reason=reason.strip()[:300],
    )
    if not claimed:
        raise ValidationError(_("This change has already been reviewed."))
    change.refresh_from_db()
    _tell(
        change.project.organization.staff.all(),
        _("Your change to “%(title)s” is rejected: %(reason)s")
        % {"title": change.project.title, "reason": change.reason},
        change.project,
    )
    return change
