"""Fill the organisations' matching figures once from the applications already there (the
nightly job keeps them from then on). The same computation as
``services.organization_figures_compute``, on the historical models."""

import datetime as dt
import statistics

from django.db import migrations
from django.db.models import Avg, Count, Q
from django.utils import timezone


def fill(apps, schema_editor):
    Application = apps.get_model("matching", "Application")
    Feedback = apps.get_model("matching", "Feedback")
    OrganizationFigures = apps.get_model("matching", "OrganizationFigures")
    now = timezone.now()
    since = now - dt.timedelta(days=365)
    answered = Application.objects.filter(answered_at__gte=since).order_by()
    rows = {}
    for row in answered.values("organization_id").annotate(
        n=Count("pk"), yes=Count("pk", filter=Q(answer="accepted")), mean=Avg("answer_seconds")
    ):
        rows[row["organization_id"]] = OrganizationFigures(
            organization_id=row["organization_id"],
            answered=row["n"],
            accepted=row["yes"],
            acceptance_rate=row["yes"] / row["n"],
            answer_seconds_mean=row["mean"],
            window_start=since,
            refreshed_at=now,
        )
    seconds = {}
    for org, value in answered.filter(answer_seconds__isnull=False).values_list(
        "organization_id", "answer_seconds"
    ):
        seconds.setdefault(org, []).append(value)
    for org, values in seconds.items():
        rows[org].answer_seconds_median = float(statistics.median(values))
    feedback = Feedback.objects.filter(side="household", recorded_at__gte=since).order_by()
    for row in feedback.values("application__organization_id").annotate(
        n=Count("pk"), mean=Avg("satisfaction")
    ):
        org = row["application__organization_id"]
        figures = rows.setdefault(
            org, OrganizationFigures(organization_id=org, window_start=since, refreshed_at=now)
        )
        figures.satisfaction_mean = row["mean"]
        figures.satisfaction_count = row["n"]
    OrganizationFigures.objects.bulk_create(rows.values(), batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("matching", "0006_organization_figures")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
