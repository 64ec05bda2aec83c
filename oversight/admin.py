from django.contrib import admin

from .models import Complaint, MemberUnit, MemberUnitStaff, RiskRuleSetting, RiskSignal


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


@admin.register(RiskRuleSetting)
class RiskRuleSettingAdmin(admin.ModelAdmin):
    """The early-warning rules an administrator switches on or off and tunes (the daily job
    reads them at its next run). One row per rule, seeded by a migration: no adding or
    deleting."""

    list_display = ["__str__", "enabled", "days", "count", "updated_at"]
    list_editable = ["enabled", "days", "count"]
    fields = ["rule", "enabled", "days", "count"]
    readonly_fields = ["rule"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RiskSignal)
class RiskSignalAdmin(admin.ModelAdmin):
    """Risk signals, read-only (resolved on the pages of the workers and civil affairs); the
    resolution note is not shown here."""

    list_display = ["__str__", "household", "status", "first_fired_on", "last_seen_on"]
    list_filter = ["rule", "status"]
    fields = ["rule", "status", "first_fired_on", "last_seen_on", "resolved_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MemberUnitStaffInline(admin.TabularInline):
    model = MemberUnitStaff
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(MemberUnit)
class MemberUnitAdmin(admin.ModelAdmin):
    """Member units (人社, 医保, 残联 ...) and their logins: administrators create a unit, give it
    the region it serves and link its staff (users of the role 成员单位工作人员). Their aid
    records are not edited here: they are pushed by the unit and worked on civil affairs'
    pages."""

    list_display = ["name", "department", "region"]
    list_filter = ["department", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]
    inlines = [MemberUnitStaffInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # records point at it: deactivate it instead
