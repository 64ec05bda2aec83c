from django.db import migrations


def enable(apps, schema_editor):
    """The rule "serious illness reported by a member unit, no need" was seeded switched off
    while the member units' aid records did not exist; switch it on with its default of 180
    days, unless an administrator has changed its setting since."""
    Setting = apps.get_model("oversight", "RiskRuleSetting")
    Setting.objects.filter(
        rule="illness_no_need", enabled=False, days__isnull=True, count__isnull=True
    ).update(enabled=True, days=180)


def disable(apps, schema_editor):
    Setting = apps.get_model("oversight", "RiskRuleSetting")
    Setting.objects.filter(rule="illness_no_need", days=180).update(enabled=False, days=None)


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0004_merge_member_units_risk_signals"),
    ]

    operations = [migrations.RunPython(enable, disable)]
