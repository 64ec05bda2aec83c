"""Change history of referrals' personal data: referrals, their notes and files, cases with
their goals and notes, free text masked (accounts.audit)."""

from django.apps import apps

from accounts.audit import register_personal_model

for name in ("Referral", "ReferralNote", "Case", "CaseGoal", "CaseNote"):
    register_personal_model(apps.get_model("referrals", name))
# The stored file's path is internal (an opaque name under the private folder) and never
# changes: the history names the attachment by its referral, kind and time instead.
register_personal_model(apps.get_model("referrals", "ReferralAttachment"), exclude=("file",))
