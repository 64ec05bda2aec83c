"""The matching service's synthetic data (``manage.py generate_data``, ``accounts.generator``).

At scale 1.0, DOMAIN.md §2's fifteen months of applications: 450,000 applications to the
supply ledger's synthetic projects from the needs of 150,000 synthetic households (three a
household on average, the need's household head as the person), in every status with their
history (submitted, answered with the time it took, delivered, closed, rejected with a reason,
expired, withdrawn), and the feedback of both sides after delivery. A household has at most one
live application a project (a second draw becomes a rejection). Synthetic through their
household. Then the organisations' kept figures are refreshed (``matching.jobs``), as the
nightly job would. Bulk-created in batches.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import pgettext

from accounts.generator import Context, indexes_after_load, weighted

APPLICATIONS = 450_000
#: Households applying: three applications each on average.
APPLYING_HOUSEHOLDS = 150_000
#: Applications: status and share; the answered ones feed the acceptance rate and speed.
APPLICATION_MIX = (
    ("closed", 35), ("rejected", 22), ("expired", 8), ("withdrawn", 5),
    ("submitted", 12), ("accepted", 10), ("delivered", 8),
)  # fmt: skip
ANSWERED = ("accepted", "rejected", "delivered", "closed")
LIVE = ("submitted", "accepted", "delivered")
FINAL = ("rejected", "closed", "withdrawn", "expired")
BATCH = 50_000


def generate(ctx: Context) -> None:
    from matching import jobs
    from matching.models import Application, Feedback
    from needs.models import Member, Need
    from supply.models import Project

    projects = ctx.shared.get("projects") or list(
        Project.objects.filter(organization__is_synthetic=True).order_by("pk")
    )
    if not projects:
        return
    rng = ctx.rng("applications")
    now = ctx.now
    days = dt.timedelta
    needs = list(
        Need.objects.filter(household__is_synthetic=True)
        .order_by("pk")
        .values_list("pk", "household_id", "created_by_id")
    )
    if not needs:
        return
    applying = min(len(needs), ctx.count("applying_households", APPLYING_HOUSEHOLDS))
    chosen = [needs[k] for k in sorted(rng.sample(range(len(needs)), applying))]
    if not chosen:
        return
    head_of: dict[int, int] = {}
    households = [household for _pk, household, _w in chosen]
    for start in range(0, len(households), 10_000):
        head_of.update(
            Member.objects.filter(
                household_id__in=households[start : start + 10_000], relation="head"
            ).values_list("household_id", "pk")
        )
    n_applications = ctx.count("applications", APPLICATIONS)
    taken: set[tuple[int, int]] = set()
    made = feedback_made = 0
    with indexes_after_load(ctx, Application, Feedback):
        for start in range(0, n_applications, BATCH):
            applications = []
            for _ in range(start, min(start + BATCH, n_applications)):
                project = rng.choice(projects)
                need, household, worker = rng.choice(chosen)
                status = weighted(rng, APPLICATION_MIX)[0]
                if status in LIVE:
                    if (household, project.pk) in taken:
                        status = "rejected"
                    taken.add((household, project.pk))
                submitted = now - days(days=rng.randint(1, 450), hours=rng.randint(0, 23))
                answer_after = days(seconds=rng.randint(3600, 25 * 86400))
                answered_at = submitted + answer_after if status in ANSWERED else None
                delivered = status in ("delivered", "closed")
                delivered_on = (answered_at + days(7)).date() if delivered else None
                if status == "closed":
                    changed = answered_at + days(10)
                elif status == "expired":
                    changed = submitted + days(30)
                elif status == "withdrawn":
                    changed = submitted + days(rng.randint(1, 20))
                else:
                    changed = answered_at or submitted
                applications.append(
                    Application(
                        need_id=need,
                        household_id=household,
                        member_id=head_of.get(household),
                        project=project,
                        organization_id=project.organization_id,
                        mode="assisted",
                        status=status,
                        status_changed_at=changed,
                        submitted_at=submitted,
                        answer=""
                        if answered_at is None
                        else ("rejected" if status == "rejected" else "accepted"),
                        answered_at=answered_at,
                        answer_seconds=None
                        if answered_at is None
                        else int(answer_after.total_seconds()),
                        rejection_reason="not_eligible" if status == "rejected" else "",
                        rejection_criterion="other" if status == "rejected" else "",
                        delivered_on=delivered_on,
                        delivered_value=Decimal(800) if delivered else None,
                        closed_at=changed if status in FINAL else None,
                        review_status="confirmed",
                        created_by_id=worker,
                        created_at=submitted,
                    )
                )
            applications = Application.objects.bulk_create(applications, batch_size=5000)
            feedback = []
            for a in applications:
                if a.status not in ("delivered", "closed"):
                    continue
                at = a.answered_at + days(10)
                if a.status == "closed":
                    feedback.append(
                        Feedback(
                            application=a,
                            side="household",
                            satisfaction=rng.choice((3, 4, 4, 5, 5)),
                            recorded_by_id=a.created_by_id,
                            recorded_at=at,
                        )
                    )
                if a.status == "closed" or rng.random() < 0.5:
                    feedback.append(
                        Feedback(
                            application=a,
                            side="supplier",
                            satisfaction=rng.choice((4, 5)),
                            recorded_by_id=a.created_by_id,
                            recorded_at=at,
                        )
                    )
            Feedback.objects.bulk_create(feedback, batch_size=5000)
            made += len(applications)
            feedback_made += len(feedback)
            if ctx.say is not None:
                ctx.say(f"  {made:,}")
    ctx.record(pgettext("generated rows", "applications"), made)
    ctx.record(pgettext("generated rows", "feedback"), feedback_made)
    with ctx.step("places"):
        _places_taken(projects)
    with ctx.step("figures"):
        jobs.figures_refresh()


def _places_taken(projects: list) -> None:
    """Each project's places taken are its applications holding one (accepted, delivered,
    closed), as accepting takes a place (``matching.services``); a project with more of them
    than its drawn capacity is full, its capacity raised to them. One UPDATE."""
    from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, When
    from django.db.models.functions import Coalesce, Greatest

    from matching.models import Application
    from supply.models import Project

    holding = Coalesce(
        Subquery(
            Application.objects.filter(
                project=OuterRef("pk"), status__in=Application.PLACE_HOLDING_STATUSES
            )
            .order_by()
            .values("project")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(
        places_taken=holding,
        capacity=Case(
            When(capacity__isnull=True, then=None), default=Greatest("capacity", holding)
        ),
    )
