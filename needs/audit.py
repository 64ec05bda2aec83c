"""Change history of the need ledger's personal data, encrypted fields masked (accounts.audit),
and the names the audit page gives this app's kinds of sensitive reads."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from accounts.audit import register_access_field, register_personal_model

from .carried import copied_fields
from .excel import FULL_EXPORT_FIELD
from .filing import FULL_FIELD as FILING_FULL_FIELD
from .id_lookups import CHECK, SEARCH

# The copies of a household's codes its rows carry (a member's station, a need's or a visit's
# place: ``needs.carried``) are left out: their change is the household's, recorded there.
for name in ("Household", "AssistanceRecord", "MemberTag", "Visit", "Need", "Consent", "Member"):
    model = apps.get_model("needs", name)
    register_personal_model(model, exclude=copied_fields(model))

# AccessLog.field of the ID lookups (needs.id_lookups) and of a full workbook (needs.excel).
register_access_field(SEARCH, _("ID number search on the household list"))
register_access_field(CHECK, _("ID number duplicate check when a household is saved"))
register_access_field(
    FULL_EXPORT_FIELD, _("Workbook with full ID numbers, phones and health notes")
)
register_access_field(
    FILING_FULL_FIELD, _("Filing export with full ID numbers, phones and health notes")
)
