"""Households built for each early-warning rule, and their near-miss twins.

Each builder records a household through the needs services (as workers do) and then moves its
dates into the past on the rows (the services stamp today)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from matching.models import Application
from needs import services as needs_services
from needs.models import AssistanceRecord, Consent, Household, Member, Need
from oversight import risk
from oversight.models import RiskSignal

from ..needs.factories import make_household, member_input

_numbers = itertools.count(1)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def household(worker, region, *, statuses=None, children=()) -> Household:
    members = [member_input(f"王{next(_numbers)}号", age=50, statuses=list(statuses or []))]
    for age in children:
        members.append(
            member_input(f"王小{next(_numbers)}", relation=Member.Relation.CHILD, age=age)
        )
    return make_household(worker, region, members=members)


def head(h: Household) -> Member:
    return h.members.get(relation=Member.Relation.HEAD)


def visited(worker, h: Household, on: dt.date) -> None:
    needs_services.visit_record(user=worker, household=h, visited_on=on, findings="入户走访正常")


def urgent_need(worker, h: Household, *, days_open: int) -> Need:
    need = needs_services.need_register(
        user=worker,
        household=h,
        member=head(h),
        area="medical_aid",
        form="cash",
        description="住院押金",
        urgent=True,
    )
    # Recorded at noon, local time, ``days_open`` days ago: its local day is ``days_ago`` at
    # any hour the test runs (``now - days - 1 hour`` fell on the day before in the first hour
    # of the local day), and it has been open ``days_open`` days give or take half a day.
    opened = dt.datetime.combine(
        days_ago(days_open), dt.time(12), tzinfo=timezone.get_current_timezone()
    )
    Need.objects.filter(pk=need.pk).update(created_at=opened)
    return need


def left_status(h: Household, *, status="dibao", days_ago_: int = 30) -> AssistanceRecord:
    """The head held ``status`` and it ended ``days_ago_`` days ago."""
    record = AssistanceRecord.objects.get(member=head(h), status=status, ended_on__isnull=True)
    record.started_on = days_ago(days_ago_ + 400)
    record.ended_on = days_ago(days_ago_)
    record.save(update_fields=["started_on", "ended_on"])
    return record


def guardian_consent(worker, child: Member, *, expired_days_ago: int) -> Consent:
    """A guardian's consent for ``child``, given a year before it expires."""
    expires = days_ago(expired_days_ago)
    return Consent.objects.create(
        household=child.household,
        member=child,
        given_by=Consent.GivenBy.GUARDIAN,
        guardian_name="王大山",
        guardian_relation="父亲",
        purpose=Consent.Purpose.MATCHING,
        scope=Consent.Scope.ANY_SUPPLIER,
        given_on=expires - dt.timedelta(days=365),
        expires_on=expires,
        recorded_by=worker,
    )


def rejections(worker, h: Household, project, n: int, *, days_ago_: int = 10) -> None:
    """``n`` applications of the household rejected by the supplier ``days_ago_`` days ago."""
    when = timezone.now() - dt.timedelta(days=days_ago_)
    need = Need.objects.create(
        household=h,
        area="education_aid",
        form="cash",
        description="学费",
        created_by=worker,
    )
    Application.objects.bulk_create(
        Application(
            household=h,
            member=head(h),
            need=need,
            project=project,
            organization=project.organization,
            mode=Application.Mode.ASSISTED,
            status=Application.Status.REJECTED,
            answer="rejected",
            answered_at=when,
            rejection_reason=Application.RejectionReason.NO_PLACES,
            submitted_at=when - dt.timedelta(days=1),
            closed_at=when,
            created_by=worker,
        )
        for _ in range(n)
    )


def signals(rule: str | None = None, **filters):
    found = RiskSignal.objects.all()
    if rule:
        found = found.filter(rule=rule)
    return found.filter(**filters)


def run():
    return risk.run()
