"""The Django admin of the libraries we use, in Chinese and in our words.

Their models' and fields' verbose names are translated by our catalogue (their msgids are
kept in ``accounts.django_strings``). What a catalogue cannot reach is set here: an app with no
verbose name (django-axes shows as "Axes"), a model whose name is an English f-string
("Access Log for admin @ ..."), list columns that show raw placeholders (``<unknown>``) and
django-auditlog's change list, which prints field names and raw values
(``sex: None → female``) and is replaced by one that reads like the audit page.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as LoginLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group, Permission
from django.forms import CheckboxSelectMultiple, ModelMultipleChoiceField
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .audit_display import history_lines

# --- Names the libraries leave in English ------------------------------------------------------

apps.get_app_config("axes").verbose_name = _("Login lockout")


def _login_str(obj) -> str:
    return _("%(username)s, %(time)s") % {
        "username": obj.username or _("unknown"),
        "time": obj.attempt_time.strftime("%Y-%m-%d %H:%M") if obj.attempt_time else "",
    }


# django-axes names its rows with English f-strings; these rows are only ever shown here.
for _model in (AccessAttempt, AccessFailureLog, LoginLog):
    _model.__str__ = _login_str  # type: ignore[method-assign]


def _replace(model):
    """Register our admin for a library's model in place of the library's own."""

    def wrap(admin_class):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, admin_class)
        return admin_class

    return wrap


def _known(value: str | None) -> str:
    """axes writes ``<unknown>`` where the request did not say."""
    return str(_("unknown")) if not value or value == "<unknown>" else value


# --- django-axes -------------------------------------------------------------------------------


class _LoginRowAdmin(admin.ModelAdmin):
    actions = None
    date_hierarchy = "attempt_time"
    search_fields = ["ip_address", "username"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Browser"))
    def browser(self, obj) -> str:
        return _known(obj.user_agent)

    @admin.display(description=_("Page"))
    def page(self, obj) -> str:
        return _known(obj.path_info)


@_replace(AccessAttempt)
class AccessAttemptAdmin(_LoginRowAdmin):
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start"]
    list_filter = ["attempt_time", axes_admin.IsLockedOutFilter]
    fields = ["username", "attempt_time", "failures_since_start", "ip_address", "browser", "page"]
    readonly_fields = fields


@_replace(LoginLog)
class LoginLogAdmin(_LoginRowAdmin):
    list_display = ["attempt_time", "logout_time", "username", "ip_address"]
    list_filter = ["attempt_time", "logout_time"]
    fields = ["username", "attempt_time", "logout_time", "ip_address", "browser", "page"]
    readonly_fields = fields


@_replace(AccessFailureLog)
class AccessFailureLogAdmin(_LoginRowAdmin):
    list_display = ["attempt_time", "username", "ip_address", "locked"]
    list_filter = ["attempt_time", "locked_out"]
    fields = ["username", "attempt_time", "locked", "ip_address", "browser", "page"]
    readonly_fields = fields

    @admin.display(description=_("Locked Out"), ordering="locked_out")
    def locked(self, obj) -> str:
        return str(_("Yes") if obj.locked_out else _("No"))


# --- django-auditlog ---------------------------------------------------------------------------


class HistoryModelFilter(admin.SimpleListFilter):
    title = _("Record type")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        from .filters import _history_models

        return _history_models()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(content_type__model=self.value())
        return queryset


@_replace(LogEntry)
class ChangeHistoryAdmin(admin.ModelAdmin):
    """The change history, read-only, with the audit page's wording (accounts.audit_display)."""

    actions = None
    date_hierarchy = "timestamp"
    list_display = ["timestamp", "actor_name", "record", "action_name", "changed_fields"]
    list_filter = ["action", HistoryModelFilter]
    list_select_related = ["content_type", "actor"]
    search_fields = ["object_repr", "actor__username", "actor__name"]
    fields = ["timestamp", "actor_name", "record", "action_name", "changes_table", "remote_addr"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_changelist_instance(self, request):
        """The page's rows described together (names of related records: one query per
        related model for the whole page)."""
        changelist = super().get_changelist_instance(request)
        rows = changelist.result_list
        for obj, line in zip(rows, history_lines(rows), strict=True):
            obj._history_line = line
        return changelist

    def _line(self, obj):
        line = getattr(obj, "_history_line", None)
        if line is None:
            line = obj._history_line = history_lines([obj])[0]
        return line

    @admin.display(description=_("User"))
    def actor_name(self, obj) -> str:
        return self._line(obj).actor

    @admin.display(description=_("Record"))
    def record(self, obj) -> str:
        line = self._line(obj)
        return f"{line.kind} · {line.record}"

    @admin.display(description=_("Action"), ordering="action")
    def action_name(self, obj) -> str:
        return self._line(obj).action

    @admin.display(description=_("Changes"))
    def changed_fields(self, obj) -> str:
        return self._line(obj).summary or "—"

    @admin.display(description=_("Changes"))
    def changes_table(self, obj) -> str:
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            ((c.label, c.old, c.new) for c in self._line(obj).changes),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("Field"),
            _("Before"),
            _("After"),
            rows,
        )


# --- Groups: permissions in words --------------------------------------------------------------

_ACTIONS = {
    "add": _("may add"),
    "change": _("may change"),
    "delete": _("may delete"),
    "view": _("may view"),
}


def permission_label(permission: Permission) -> str:
    """认证和授权 | 组 | 可增加 instead of "Can add group": Django stores the names of its
    default permissions in English, in the database."""
    model = permission.content_type.model_class()
    action, _sep, _rest = permission.codename.partition("_")
    if model is None or action not in _ACTIONS:
        return str(permission)
    app = apps.get_app_config(model._meta.app_label).verbose_name
    return f"{app} | {model._meta.verbose_name} | {_ACTIONS[action]}"


class PermissionChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


@_replace(Group)
class GroupAdmin(DjangoGroupAdmin):
    filter_horizontal = ()

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":
            queryset = Permission.objects.select_related("content_type")
            return PermissionChoiceField(
                queryset=queryset,
                widget=CheckboxSelectMultiple,
                required=False,
                label=db_field.verbose_name,
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
