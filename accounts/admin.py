from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    ReadOnlyPasswordHashWidget,
    SetUnusablePasswordMixin,
    UserChangeForm,
)
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import (
    admin_thirdparty,  # noqa: F401  (the libraries' admin pages, in Chinese)
    identifiers,
)
from .audit import access_field_label
from .models import AccessLog, Notification, Region, User
from .services import notification_kind_label, user_validate_home_region


def yes_no(value: bool | None) -> str:
    """是/否 in a list: Django's icons carry "True" and "False" as their text."""
    if value is None:
        return "—"
    return str(_("Yes") if value else _("No"))


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "valid_to", "synthetic"]
    list_filter = ["level", "kind", "is_synthetic"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # regions are retired with valid_to, never deleted

    @admin.display(description=_("synthetic"), ordering="is_synthetic")
    def synthetic(self, obj: Region) -> str:
        return yes_no(obj.is_synthetic)


class RoleRegionCheckMixin:
    """The role and home region must fit each other (a social worker belongs to a township)."""

    def clean(self):
        data = super().clean()
        errors = user_validate_home_region(role=data.get("role", ""), region=data.get("region"))
        if errors:
            raise ValidationError(errors)
        return data


class PasswordStateWidget(ReadOnlyPasswordHashWidget):
    """Whether a password is set, and the button to set a new one; not Django's summary of the
    hash (algorithm, iterations, salt and hash characters mean nothing to an administrator)."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["summary"] and context["summary"][0].get("value") is not None:
            context["summary"] = [{"label": _("A password is set (stored as a one-way hash).")}]
        return context


class UserAdminForm(RoleRegionCheckMixin, UserChangeForm):
    """Django's change form (the password's state with its own change link) plus the phone,
    typed in plain and stored encrypted; the stored value is only ever shown masked."""

    phone_input = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)

    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordStateWidget()
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


class UserPasswordForm(AdminPasswordChangeForm):
    """Django's form, whose warning under "password-based authentication" is English HTML
    appended to a translated sentence; here both are translated."""

    usable_password_help_text = format_lazy(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


class UserAdminCreationForm(RoleRegionCheckMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "name", "role", "region")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminForm
    add_form = UserAdminCreationForm
    list_display = ["username", "name", "role", "region", "active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "name", "email", "region__name"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]
    # Ticked boxes rather than a multiple select, whose help text speaks of Control and
    # Command keys.
    filter_horizontal = ()
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

    change_password_form = UserPasswordForm

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("active"), ordering="is_active")
    def active(self, obj: User) -> str:
        return yes_no(obj.is_active)


class AccessFieldFilter(admin.SimpleListFilter):
    title = _("field")
    parameter_name = "field"

    def lookups(self, request, model_admin):
        from .audit import access_field_choices

        return access_field_choices()

    def queryset(self, request, queryset):
        return queryset.filter(field=self.value()) if self.value() else queryset


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "subject_label", "field_label", "reason", "ip_address"]
    list_filter = [AccessFieldFilter, "subject_type"]
    list_select_related = ["user", "subject_type"]
    search_fields = ["user__username", "subject_label", "reason"]
    date_hierarchy = "at"
    fields = [
        "at",
        "user",
        "subject_type",
        "subject_label",
        "region",
        "field_label",
        "reason",
        "ip_address",
    ]
    readonly_fields = fields

    @admin.display(description=_("field"))
    def field_label(self, obj: AccessLog) -> str:
        return access_field_label(obj.subject_type.model_class(), obj.field)

    @admin.display(description=_("region of the record"))
    def region(self, obj: AccessLog) -> str:
        if not obj.region_code:
            return "—"
        region = Region.objects.filter(code=obj.region_code).first()
        return f"{region.name}({obj.region_code})" if region else obj.region_code

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NotificationKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = Notification.objects.order_by().values_list("kind", flat=True).distinct()
        return sorted(((k, notification_kind_label(k)) for k in kinds), key=lambda c: c[1])

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind_label", "title", "read_at", "emailed_at"]
    list_filter = [NotificationKindFilter]
    list_select_related = ["recipient"]
    exclude = ["kind"]
    readonly_fields = ["kind_label"]

    @admin.display(description=_("kind"))
    def kind_label(self, obj: Notification) -> str:
        return notification_kind_label(obj.kind)

    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient"]
