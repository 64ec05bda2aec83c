"""Change history of complaints: what the complainant wrote, their contact and the reply are
masked (accounts.audit)."""

from django.apps import apps

from accounts.audit import register_personal_model

for name in ("Complaint", "ComplaintAttachment"):
    register_personal_model(apps.get_model("oversight", name))
