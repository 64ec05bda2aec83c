"""Change history of complaints: what the complainant wrote, their contact and the reply are
masked (accounts.audit)."""

from django.apps import apps

from accounts.audit import register_personal_model

# Left out: the tracking code's keyed hash (a credential of the complainant, nothing to read)
# and the stored file's random name.
register_personal_model(apps.get_model("oversight", "Complaint"), exclude=("tracking_index",))
register_personal_model(apps.get_model("oversight", "ComplaintAttachment"), exclude=("file",))
# Risk signals: the resolution note is free text about a person (masked); the facts hold no name.
register_personal_model(apps.get_model("oversight", "RiskSignal"))
# The ID number's blind index is a keyed digest, nothing to read.
register_personal_model(apps.get_model("oversight", "AidRecord"), exclude=("id_number_index",))
