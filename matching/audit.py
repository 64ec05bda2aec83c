"""Change history of the matching service's personal data: applications and feedback, with
their free text masked (accounts.audit)."""

from django.apps import apps

from accounts.audit import register_personal_model

for name in ("Application", "Feedback"):
    register_personal_model(apps.get_model("matching", name))
