"""What closing a need ends in the apps above needs, without needs importing them.

A need that leaves the live statuses (met, closed unmet, withdrawn) takes the records that still
run for it along: matching withdraws its open applications. Apps import only downwards, so a
higher app registers two functions here once, in its ``AppConfig.ready()``:

* ``preview(needs)`` — what closing each of these needs would end, as
  ``{need pk: [ClosedRecord, ...]}`` (one query for any number of needs, so a page can show it
  for every need it lists);
* ``close(need=..., user=..., reason=...)`` — end them and return what was ended. It runs inside
  ``needs.services.need_transition``'s transaction, after the need's row was updated (and so
  locked), whichever way the need closes: its page, the API, a member leaving the household
  (``household_save``, from the form, the API or a workbook import) or another app's service.

``user`` is None when another app's service closes the need. An exception in ``close`` undoes
the need's closing with the rest of the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Need


@dataclass(frozen=True)
class ClosedRecord:
    """A record another app ends when a need closes (an application, later a referral), as the
    pages and the API list it: what it is, for what, with whom, and its status at that moment."""

    kind: str
    id: int
    number: str
    title: str
    organization: str
    status: str
    status_display: str
    url: str = ""


Preview = Callable[[Sequence["Need"]], dict[int, list[ClosedRecord]]]
Close = Callable[..., list[ClosedRecord]]


@dataclass(frozen=True)
class NeedClosingHook:
    name: str
    preview: Preview
    close: Close


_HOOKS: dict[str, NeedClosingHook] = {}


def register_need_closing(name: str, *, preview: Preview, close: Close) -> None:
    """Register (or replace, by ``name``) what an app does when a need closes."""
    _HOOKS[name] = NeedClosingHook(name, preview, close)


def need_closing_hooks() -> list[NeedClosingHook]:
    return list(_HOOKS.values())


def closing_preview(needs: Iterable[Need]) -> dict[int, list[ClosedRecord]]:
    """For each need, what closing it would end (an empty list when nothing runs for it)."""
    needs = list(needs)
    found: dict[int, list[ClosedRecord]] = {need.pk: [] for need in needs}
    if not needs:
        return found
    for hook in _HOOKS.values():
        for need_pk, records in hook.preview(needs).items():
            found.setdefault(need_pk, []).extend(records)
    return found


def run_need_closing(*, need: Need, user: Any | None, reason: str) -> list[ClosedRecord]:
    """Called by ``need_transition`` when ``need`` has just closed: every hook ends its
    records; returns them all."""
    ended: list[ClosedRecord] = []
    for hook in _HOOKS.values():
        ended.extend(hook.close(need=need, user=user, reason=reason))
    return ended


def withdrawn_message(records: Sequence[ClosedRecord]) -> str:
    """The account of what a need's closing withdrew, for a success message after any page
    that closed it: each record's number, title, organisation and former status."""
    from django.utils.translation import gettext as _

    return _("Withdrawn with it: %(records)s.") % {
        "records": "; ".join(
            _("%(number)s “%(title)s” of %(organization)s (was %(status)s)")
            % {
                "number": r.number,
                "title": r.title,
                "organization": r.organization,
                "status": r.status_display,
            }
            for r in records
        )
    }
