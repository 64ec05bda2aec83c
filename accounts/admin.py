from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import identifiers
from .models import AccessLog, Notification, Region, User
from .services import user_validate_home_region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "valid_to", "is_synthetic"]
    list_filter = ["level", "kind", "is_synthetic"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # regions are retired with valid_to, never deleted


class RoleRegionCheckMixin:
    """The role and home region must fit each other (a social worker belongs to a township)."""

    def clean(self):
        data = super().clean()
        errors = user_validate_home_region(role=data.get("role", ""), region=data.get("region"))
        if errors:
            raise ValidationError(errors)
        return data


class UserAdminForm(RoleRegionCheckMixin, UserChangeForm):
    """Django's change form (read-only password hash with its own change link) plus the phone,
    typed in plain and stored encrypted; the stored value is only ever shown masked."""

    phone_input = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)

    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.phone:
            self.fields["phone_input"].help_text = _(
                "Stored (%(masked)s); type a new number to replace it."
            ) % {"masked": self.instance.phone_masked}

    def clean_phone_input(self) -> str:
        value = self.cleaned_data["phone_input"]
        identifiers.normalize_phone(value)  # a digit of another script is a field error
        return value

    def save(self, commit=True):
        user = super().save(commit=False)
        if self.cleaned_data.get("phone_input"):
            user.set_phone(self.cleaned_data["phone_input"])
        if commit:
            user.save()
            self._save_m2m()
        return user


class UserAdminCreationForm(RoleRegionCheckMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "name", "role", "region")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminForm
    add_form = UserAdminCreationForm
    list_display = ["username", "name", "role", "region", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "name", "email", "region__name"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "email", "phone_input")}),
        (_("Role and region"), {"fields": ("role", "region")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "name",
                    "role",
                    "region",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "subject_label", "field", "reason", "ip_address"]
    list_filter = ["field", "subject_type"]
    search_fields = ["user__username", "subject_label", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient"]
