"""Applications left open under needs that were closed before closing a need withdrew them.

Since issue 9 a need that is met, closed or withdrawn withdraws its open applications through
``needs.hooks``; rows from before still hang on: a supplier could accept an application of a need
that is no longer there. Withdraw them now, as the hook would have, and give their places back.
No notifications: the people concerned closed the need themselves, long ago.
"""

from django.db import migrations
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

OPEN = ("draft", "submitted", "accepted")
REASONS = {
    "met": "已撤回:该家庭的需求已满足。",
    "closed_unmet": "已撤回:该家庭的需求已关闭。",
    "withdrawn": "已撤回:该家庭已撤回此项需求。",
}


def withdraw_applications_of_closed_needs(apps, schema_editor):
    Application = apps.get_model("matching", "Application")
    Project = apps.get_model("supply", "Project")
    now = timezone.now()
    stale = Application.objects.filter(status__in=OPEN, need__status__in=list(REASONS))
    # The places of accepted ones go back first, counted per project in one statement.
    taken = (
        stale.filter(status="accepted", project_id=OuterRef("pk"))
        .order_by()
        .values("project_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Project.objects.filter(pk__in=stale.filter(status="accepted").values("project_id")).update(
        places_taken=Greatest(F("places_taken") - Subquery(taken), 0)
    )
    for need_status, reason in REASONS.items():
        stale.filter(need__status=need_status).update(
            status="withdrawn",
            status_reason=reason,
            status_changed_at=now,
            updated_at=now,
            closed_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0004_field_labels_in_chinese"),
        ("supply", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(withdraw_applications_of_closed_needs, migrations.RunPython.noop),
    ]
