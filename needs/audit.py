"""Change history of the need ledger's personal data, encrypted fields masked (accounts.audit)."""

from django.apps import apps

from accounts.audit import register_personal_model

for name in ("Household", "Member", "AssistanceRecord", "MemberTag", "Visit", "Need", "Consent"):
    register_personal_model(apps.get_model("needs", name))
