"""Change history of the matching service's personal data: applications and feedback, with
their free text masked (accounts.audit)."""

from django.apps import apps

from accounts.audit import register_personal_model
from needs.carried import copied_fields

# An application's place is a copy of its household's (needs.carried): recorded there.
for name in ("Application", "Feedback"):
    model = apps.get_model("matching", name)
    register_personal_model(model, exclude=copied_fields(model))
