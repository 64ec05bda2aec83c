"""Every write of complaints: filing (public, rate-limited per client address), starting the
investigation, concluding with a reply, naming a staff member's account.

Statuses move by conditional updates (``filter(status=<read>).update(...)``), so two officers
acting at once cannot both win. A refused action raises ``ComplaintError`` with a ``code``
(``throttled``, ``named_staff``, ``illegal_transition``, ``conflict``, ``not_found``...). The
staff member named in a complaint is refused every action on it (``named_staff``), whatever
page or API call they come from.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import crypto, identifiers
from accounts.models import Region, User
from accounts.services import notify
from accounts.throttle import window_take
from matching.models import Application
from referrals import attachments as files
from referrals.workdays import add_working_days
from supply.models import Organization, Project

from . import conf
from .models import Complaint, ComplaintAttachment

S = Complaint.Status
K = Complaint.Subject

#: The tracking code's letters: digits and capitals without 0/O, 1/I/L (read aloud, copied
#: from paper). 16 of 31 letters: about 79 bits, not guessable.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16
#: Government staff a complaint may name (charity staff are complained of by organisation).
STAFF_ROLES = (User.Role.SOCIAL_WORKER, User.Role.CIVIL_AFFAIRS)
#: Levels of a civil-affairs department.
DEPARTMENT_LEVELS = (Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY)


class ComplaintError(ValidationError):
    """A refused action; ``code`` tells the pages and the API what happened. Django keeps a
    code only on a single message; here it is kept for field errors too."""

    def __init__(self, message: Any, code: str | None = None, params: Any = None) -> None:
        super().__init__(message, code, params)
        self.code = code


class Throttled(ComplaintError):
    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            _("Too many attempts from your network. Please try again in %(minutes)s minutes.")
            % {"minutes": minutes},
            code="throttled",
        )
        self.retry_after = retry_after


# --- The tracking code -----------------------------------------------------------------------


def tracking_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def tracking_code_display(code: str) -> str:
    """``ABCD-EFGH-JKMN-PQRS``: four groups, as printed for the complainant."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def tracking_code_normalize(text: Any) -> str | None:
    """The code as typed (lower case, full-width letters, spaces and dashes) in its stored
    form, or None when it cannot be a code."""
    code = re.sub(r"[\s\-_]", "", identifiers.nfkc(text)).upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def tracking_index(code: str) -> str:
    return crypto.blind_index(code, purpose="complaint_tracking")


# --- Who ---------------------------------------------------------------------------------------


def department_of(region: Region) -> Region:
    """The civil-affairs department of a place: a township's or village's county (the city's
    where townships sit directly under a city, as in Dongguan and Zhongshan); a county, city or
    province is its own."""
    node: Region | None = region
    while node is not None and node.level not in DEPARTMENT_LEVELS:
        node = node.parent
    return node or region


def is_named(user: Any, complaint: Complaint) -> bool:
    return bool(getattr(user, "pk", None)) and complaint.named_staff.filter(pk=user.pk).exists()


def can_handle(user: Any, complaint: Complaint) -> bool:
    """Civil affairs of the department and above, administrators; never the staff named."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if is_named(user, complaint):
        return False
    return Complaint.objects.visible_to(user).filter(pk=complaint.pk).exists()


def _require_handler(user: Any, complaint: Complaint) -> None:
    # The named staff member is refused by name (the pages hide the complaint from them; a
    # service called another way still says no); a stranger learns nothing (404).
    if is_named(user, complaint):
        raise ComplaintError(
            _("You are named in this complaint: a colleague handles it."), code="named_staff"
        )
    if not can_handle(user, complaint):
        raise Http404


def _named_ids(complaint: Complaint) -> set[int]:
    return set(complaint.named_staff.values_list("pk", flat=True))


def department_officers(complaint: Complaint) -> list[User]:
    """Who is told of a complaint: the civil affairs of its department (else of the nearest
    department above that has staff), never the staff it names."""
    named = _named_ids(complaint)
    node: Region | None = complaint.region
    while node is not None:
        found = [
            u
            for u in User.objects.filter(
                role=User.Role.CIVIL_AFFAIRS, region_id=node.pk, is_active=True
            )
            if u.pk not in named
        ]
        if found:
            return found
        node = node.parent
    return _administrators(named)


def escalation_officers(complaint: Complaint) -> list[User]:
    """The civil affairs of the department above the one handling it (the province's go to
    the administrators)."""
    named = _named_ids(complaint)
    node = complaint.region.parent
    while node is not None:
        found = [
            u
            for u in User.objects.filter(
                role=User.Role.CIVIL_AFFAIRS, region_id=node.pk, is_active=True
            )
            if u.pk not in named
        ]
        if found:
            return found
        node = node.parent
    return _administrators(named)


def _administrators(named: set[int]) -> list[User]:
    return [
        u
        for u in User.objects.filter(role=User.Role.ADMINISTRATOR, is_active=True)
        if u.pk not in named
    ]


def _url(complaint: Complaint) -> str:
    try:
        return reverse("oversight:complaint_detail", args=[complaint.pk])
    except NoReverseMatch:  # the pages are optional for the services
        return ""


def tell(recipients: Iterable[User], title: str, complaint: Complaint, body: str = "") -> None:
    """A notification about a complaint: the number and the subject's kind, never what the
    complainant wrote or who they are."""
    named = _named_ids(complaint)
    notify(
        recipients=[u for u in recipients if u.pk not in named],
        title=title,
        body=body,
        url=_url(complaint),
        kind="complaint",
    )


# --- Filing ----------------------------------------------------------------------------------


def _application_of(number: str) -> Application | None:
    text = identifiers.nfkc(number).strip().upper().removeprefix("A")
    if not identifiers.is_ascii_digits(text):
        return None
    return Application.objects.select_related("household__region").filter(pk=int(text)).first()


def _subject(
    *,
    subject_kind: str,
    project: Any,
    organization: Any,
    subject_name: str,
    application_number: str,
    place: Region | None,
) -> tuple[dict[str, Any], Region, list[User]]:
    """The subject's fields, the department that handles it and the staff it names."""
    name = identifiers.nfkc(subject_name).strip()
    if subject_kind == K.PROJECT:
        published = Project.objects.published().select_related("organization__registering_region")
        found = None
        if project:
            found = published.filter(pk=getattr(project, "pk", project)).first()
        elif name:
            matches = list(published.filter(title__iexact=name)[:2])
            found = matches[0] if len(matches) == 1 else None
        if found is None:
            raise ComplaintError(
                {
                    "subject_name": [
                        _(
                            "No published project has this name. Open this form from the "
                            "project's page, or give its name as the showcase shows it."
                        )
                    ]
                },
                code="not_found",
            )
        return {"project": found}, found.organization.registering_region, []
    if subject_kind == K.ORGANIZATION:
        ledger = Organization.objects.in_ledger().select_related("registering_region")
        found = None
        if organization:
            found = ledger.filter(pk=getattr(organization, "pk", organization)).first()
        elif name:
            matches = list(ledger.filter(name__iexact=name)[:2])
            found = matches[0] if len(matches) == 1 else None
        if found is None:
            raise ComplaintError(
                {
                    "subject_name": [
                        _("No organisation of the ledger has this name: give its full name.")
                    ]
                },
                code="not_found",
            )
        return {"organization": found}, found.registering_region, []
    if subject_kind == K.APPLICATION:
        application = _application_of(application_number)
        if application is None:
            raise ComplaintError(
                {
                    "application_number": [
                        _("No application has this number (it reads like A000123).")
                    ]
                },
                code="not_found",
            )
        return {"application": application}, department_of(application.household.region), []
    if subject_kind == K.STAFF:
        problems: dict[str, list[str]] = {}
        if not name:
            problems["subject_name"] = [_("Give the staff member's name.")]
        if place is None:
            problems["place"] = [_("Choose where the staff member works.")]
        if problems:
            raise ComplaintError(problems, code="incomplete")
        assert place is not None
        named = list(
            User.objects.filter(
                is_active=True,
                role__in=STAFF_ROLES,
                name=name,
                region__code__startswith=place.prefix,
            )
        )
        return {"staff_name": name}, department_of(place), named
    raise ComplaintError({"subject_kind": [_("Choose what the complaint is about.")]})


def _contact(anonymous: bool, contact_name: str, contact_phone: str) -> dict[str, Any]:
    if anonymous:
        return {"anonymous": True, "contact_name": "", "contact_phone": ""}
    try:
        phone = identifiers.normalize_phone(contact_phone)
    except ValidationError as exc:
        raise ComplaintError({"contact_phone": exc.messages}, code="bad_phone") from exc
    if not phone:
        raise ComplaintError(
            {"contact_phone": [_("Leave a phone number, or file the complaint anonymously.")]},
            code="incomplete",
        )
    return {
        "anonymous": False,
        "contact_name": identifiers.nfkc(contact_name).strip(),
        "contact_phone": phone,
    }


def throttle(*, scope: str, client_address: str | None, item: str, limit: int) -> None:
    """Count one attempt of a client address against its hourly window, or raise Throttled."""
    retry_after = window_take(
        scope=scope, who=client_address or "unknown", items=[item], limit=limit, period=3600
    )
    if retry_after:
        raise Throttled(retry_after)


def complaint_file(
    *,
    subject_kind: str,
    body: str,
    project: Any = None,
    organization: Any = None,
    subject_name: str = "",
    application_number: str = "",
    place: Region | None = None,
    anonymous: bool = True,
    contact_name: str = "",
    contact_phone: str = "",
    upload: Any = None,
    client_address: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[Complaint, str]:
    """File a complaint from the public; returns it and its tracking code (shown once).

    Everything is checked first (the subject, the contact, the file); then the client
    address's hourly allowance is counted, so a complaint sent back for a correction costs
    nothing (``client_address`` None: not from the web, nothing counted). The department's
    civil affairs are told (never the staff it names).
    """
    body = (body or "").strip()
    if not body:
        raise ComplaintError({"body": [_("Say what happened.")]}, code="incomplete")
    subject, region, named = _subject(
        subject_kind=subject_kind,
        project=project,
        organization=organization,
        subject_name=subject_name,
        application_number=application_number,
        place=place,
    )
    contact = _contact(anonymous, contact_name, contact_phone)
    checked = None
    if upload is not None:
        try:
            checked = files.check(upload)
        except ValidationError as exc:
            raise ComplaintError({"attachment": exc.messages}, code="bad_file") from exc
    if client_address is not None:  # None: not from the web (the demo, a command)
        throttle(
            scope="complaint_file",
            client_address=client_address,
            item=uuid.uuid4().hex,
            limit=conf.filings_per_hour(),
        )
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        for _attempt in range(3):
            code = tracking_code_new()
            complaint = Complaint(
                subject_kind=subject_kind,
                region=region,
                body=body,
                received_at=now,
                status_changed_at=now,
                due_on=add_working_days(today, conf.reply_working_days()),
                remind_on=add_working_days(today, conf.reminder_working_days()),
                tracking_index=tracking_index(code),
                **subject,
                **contact,
            )
            try:
                with transaction.atomic():
                    complaint.save()
                break
            except IntegrityError:  # the same code drawn twice: practically never
                continue
        else:  # pragma: no cover
            raise RuntimeError("No free tracking code after three draws.")
        if named:
            complaint.named_staff.set(named)
        if checked is not None:
            files.store(ComplaintAttachment(complaint=complaint), checked)
        tell(
            department_officers(complaint),
            _("New complaint %(number)s about %(kind)s: reply by %(day)s")
            % {
                "number": complaint.number,
                "kind": complaint.get_subject_kind_display(),
                "day": complaint.due_on.isoformat(),
            },
            complaint,
        )
    return complaint, code


# --- Handling --------------------------------------------------------------------------------


def _move(complaint: Complaint, to: str, *, now: dt.datetime, **values: Any) -> None:
    """Conditional status change: refused if illegal or if someone moved it meanwhile."""
    if not complaint.can_move_to(to):
        raise ComplaintError(
            {
                "status": [
                    _("A complaint that is “%(current)s” cannot become “%(target)s”.")
                    % {"current": complaint.get_status_display(), "target": S(to).label}
                ]
            },
            code="illegal_transition",
        )
    values = {"status": to, "status_changed_at": now, **values}
    updated = Complaint.objects.filter(pk=complaint.pk, status=complaint.status).update(
        updated_at=now, **values
    )
    if not updated:
        raise ComplaintError(
            _("The complaint was changed by someone else meanwhile. Reload and try again."),
            code="conflict",
        )
    for name, value in values.items():
        setattr(complaint, name, value)


@transaction.atomic
def complaint_start(*, user: Any, complaint: Complaint) -> Complaint:
    """An officer takes the complaint on: it is being investigated, with them as handler."""
    _require_handler(user, complaint)
    now = timezone.now()
    _move(complaint, S.INVESTIGATING, now=now, started_at=now, handler=user)
    return complaint


@transaction.atomic
def complaint_conclude(*, user: Any, complaint: Complaint, finding: str, reply: str) -> Complaint:
    """Conclude with the finding and the reply the complainant reads by the tracking code."""
    _require_handler(user, complaint)
    reply = (reply or "").strip()
    problems: dict[str, list[str]] = {}
    if not reply:
        problems["reply"] = [_("Write the reply to the complainant.")]
    if finding not in Complaint.Finding.values:
        problems["finding"] = [_("Choose the finding.")]
    if problems:
        raise ComplaintError(problems, code="incomplete")
    now = timezone.now()
    values: dict[str, Any] = {"concluded_at": now, "finding": finding, "reply": reply}
    if complaint.handler_id is None:
        values["handler"] = user
    _move(complaint, S.CONCLUDED, now=now, **values)
    others = [u for u in department_officers(complaint) if u.pk != user.pk]
    tell(
        others,
        _("Complaint %(number)s concluded: %(finding)s")
        % {"number": complaint.number, "finding": complaint.get_finding_display()},
        complaint,
    )
    return complaint


@transaction.atomic
def complaint_name_staff(*, user: Any, complaint: Complaint, staff: User) -> Complaint:
    """Link the account of the staff member the complaint names (found by the officer): from
    then on they neither see nor handle it."""
    _require_handler(user, complaint)
    if staff.role not in STAFF_ROLES:
        raise ComplaintError(
            {"staff": [_("Only social workers and civil-affairs staff are named this way.")]},
            code="not_staff",
        )
    if staff.pk == user.pk:
        raise ComplaintError(
            {"staff": [_("You are named in this complaint: a colleague handles it.")]},
            code="named_staff",
        )
    complaint.named_staff.add(staff)
    if complaint.handler_id == staff.pk:
        Complaint.objects.filter(pk=complaint.pk).update(handler=None)
        complaint.handler = None
    return complaint
