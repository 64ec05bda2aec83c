from django.contrib import admin

from .models import Complaint


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Complaints for the administrators' housekeeping: read-only (they move through the pages
    of civil affairs); what the complainant wrote and their contact are not shown here."""

    list_display = ["__str__", "subject_kind", "region", "status", "received_at", "due_on"]
    list_filter = ["status", "subject_kind"]
    fields = ["subject_kind", "region", "status", "received_at", "due_on", "concluded_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
