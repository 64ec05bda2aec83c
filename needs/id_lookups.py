"""Lookups of the province-wide register by ID number: throttled per user and logged.

Two paths answer "is this number registered, and where": the household list's ID search and
the duplicate check when a household is saved (page, API, workbook import). Both tell a user
whether a person is registered outside their area, which workers need, so the answer stays;
but every looked-up number

- counts against a fixed window per user: ``ID_LOOKUP_LIMIT_PER_HOUR`` distinct numbers per
  clock hour, kept in Django's cache (Redis in production, shared by every process). The same
  number again within the hour is free, so a preview and its import, or a form sent back with
  an error and saved again, count once. Users who see everything (administrators) are not
  throttled: there is no "elsewhere" for them to learn about. Their lookups are logged all the
  same;
- is written to the access log: who, when, from which address, the region the lookup was made
  for (the household's village or township for a duplicate check, the user's home region for a
  search), the outcome and the person found. The number itself is not stored, nor its mask
  (which keeps the city and the last digits): only the first characters of its blind index, a
  keyed digest, which let an auditor see that one number was looked up again and again, and
  say nothing without ``FIELD_HASH_KEY``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts import crypto
from accounts.models import AccessLog
from accounts.scope import region_scope
from accounts.throttle import window_take

from . import idnumbers
from .models import Household, Member

#: ``AccessLog.field`` of the two kinds of lookups.
SEARCH = "id_number_search"
CHECK = "id_number_check"
FIELDS = (SEARCH, CHECK)
#: How much of the blind index the access log keeps (48 bits: enough to tell numbers apart).
DIGEST_LENGTH = 12
WINDOW_SECONDS = 3600


class IdLookupThrottled(Exception):
    """The user has looked up as many ID numbers as allowed in this hour."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(self.message)

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return _(
            "You have looked up too many ID numbers in this hour. "
            "Please try again in %(minutes)s minutes."
        ) % {"minutes": minutes}


def index_of(number: str) -> str:
    """The blind index of an already parsed (normalised) ID number."""
    return crypto.blind_index(number, purpose="id_number")


# --- Throttle --------------------------------------------------------------------------------


def id_lookup_take(*, user: Any, indexes: Collection[str]) -> None:
    """Count the numbers (by blind index) against the user's hourly window, or raise
    IdLookupThrottled without counting them."""
    if not indexes or region_scope(user).everything:
        return
    retry_after = window_take(
        scope="id_lookup",
        who=str(user.pk),
        items=indexes,
        limit=settings.ID_LOOKUP_LIMIT_PER_HOUR,
        period=WINDOW_SECONDS,
    )
    if retry_after:
        raise IdLookupThrottled(retry_after)


# --- Access log ------------------------------------------------------------------------------

_deferred: ContextVar[list[AccessLog] | None] = ContextVar("id_lookup_log_deferred", default=None)


@contextmanager
def log_kept_through_rollback() -> Iterator[None]:
    """Hold the access-log rows of the lookups made inside the block and write them when it
    ends. Put it outside a transaction that may be rolled back (an import preview): the
    lookups were answered, so their log must stay."""
    rows: list[AccessLog] = []
    token = _deferred.set(rows)
    try:
        yield
    finally:
        _deferred.reset(token)
        if rows:
            AccessLog.objects.bulk_create(rows)


def _client_ip() -> str | None:
    """The client address of the current request, as the audit middleware keeps it
    (``accounts.middleware.AuditlogMiddleware``, which trusts only the configured proxies)."""
    from auditlog.context import auditlog_value

    try:
        return auditlog_value.get().get("remote_addr")
    except LookupError:  # outside a request: a command, a task
        return None


def _outcome(user: Any, member: Member | None, refused: bool) -> str:
    if refused:
        return _("refused, limit reached")
    if member is None:
        return _("not registered")
    if region_scope(user).contains(member.household.region_id):
        return _("registered in the user's area")
    return _("registered outside the user's area")


def id_lookup_log(
    *,
    user: Any,
    field: str,
    region_code: str,
    found: Iterable[tuple[str, Member | None]],
    refused: bool = False,
    ip_address: str | None = None,
) -> None:
    """One access-log row per looked-up number (by blind index) with what it found; a refused
    request gets one row in all, naming its first number and how many it asked about."""
    found = list(found)
    if refused and found:
        count = len(found)
        found = found[:1]
    member_type = ContentType.objects.get_for_model(Member)
    what = (
        _("ID number search on the household list")
        if field == SEARCH
        else _("ID number duplicate check when a household is saved")
    )
    ip_address = ip_address or _client_ip()
    rows = []
    for index, member in found:
        label = _("ID number, digest %(digest)s") % {"digest": index[:DIGEST_LENGTH]}
        if member is not None:
            label += f" · {member.household.code}"
        elif refused and count > 1:
            label += " " + _("and %(count)s more") % {"count": count - 1}
        rows.append(
            AccessLog(
                user=user,
                subject_type=member_type,
                subject_id=str(member.pk) if member is not None else "",
                subject_label=label[:200],
                region_code=region_code or "",
                field=field,
                reason=f"{what}: {_outcome(user, member, refused)}",
                ip_address=ip_address,
            )
        )
    buffer = _deferred.get()
    if buffer is not None:
        buffer.extend(rows)
    else:
        AccessLog.objects.bulk_create(rows)


# --- The two lookups -------------------------------------------------------------------------


def id_number_holders(
    *, user: Any, indexes: Collection[str], exclude_pks: Collection[int], region_code: str
) -> list[Member]:
    """The duplicate check: members other than ``exclude_pks`` who hold one of the numbers.

    Throttled and logged; raises IdLookupThrottled (logged as refused) before looking."""
    try:
        id_lookup_take(user=user, indexes=indexes)
    except IdLookupThrottled:
        id_lookup_log(
            user=user,
            field=CHECK,
            region_code=region_code,
            found=[(index, None) for index in indexes],
            refused=True,
        )
        raise
    holders = list(
        Member.objects.filter(id_number_index__in=indexes)
        .exclude(pk__in=exclude_pks)
        .select_related("household")
    )
    by_index = {m.id_number_index: m for m in holders}
    id_lookup_log(
        user=user,
        field=CHECK,
        region_code=region_code,
        found=[(index, by_index.get(index)) for index in indexes],
    )
    return holders


@dataclass(frozen=True)
class IdSearchResult:
    household: Household | None = None
    elsewhere: bool = False
    invalid: str = ""


def id_number_search(*, user: Any, raw: str, ip_address: str | None = None) -> IdSearchResult:
    """Exact search by ID number through the blind index; says "elsewhere" without details.

    A number that does not parse is answered without a lookup (nothing to count or log);
    otherwise the lookup is throttled (IdLookupThrottled) and logged.
    """
    try:
        number = idnumbers.parse(raw).number
    except ValidationError as exc:
        return IdSearchResult(invalid=exc.messages[0])
    index = index_of(number)
    region_code = user.region_id or ""
    try:
        id_lookup_take(user=user, indexes=[index])
    except IdLookupThrottled:
        id_lookup_log(
            user=user,
            field=SEARCH,
            region_code=region_code,
            found=[(index, None)],
            refused=True,
            ip_address=ip_address,
        )
        raise
    # Only what the log and the answer use: this runs on every search (issue 13's ≤ 10 ms).
    member = next(
        iter(
            Member.objects.filter(id_number_index=index)
            .select_related("household")
            .only("household__code", "household__region_id")
            .order_by()[:1]
        ),
        None,
    )
    id_lookup_log(
        user=user,
        field=SEARCH,
        region_code=region_code,
        found=[(index, member)],
        ip_address=ip_address,
    )
    if member is None:
        return IdSearchResult()
    if not Household.objects.visible_to(user).filter(pk=member.household_id).exists():
        return IdSearchResult(elsewhere=True)
    return IdSearchResult(household=member.household)
