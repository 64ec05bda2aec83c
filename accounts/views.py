from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .audit_display import access_lines, history_lines
from .dashboard import cards_for
from .filters import AccessLogFilterSet, ChangeHistoryFilterSet, StaffFilterSet
from .forms import LoginForm, RevealForm
from .net import client_ip
from .pagination import capped_page
from .scope import region_scope

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    return capped_page(request, queryset, size)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
        }


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_tokens_revoke(user=form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "figures": selectors.dashboard_figures_for_user(user),
        "scope": region_scope(user),
        "recent_notifications": selectors.notification_list_for_user(user)[:5],
        "cards": cards_for(user),
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"person": request.user})


# --- Notifications ---------------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.notification_list_for_user(request.user)
    if request.GET.get("unread"):
        queryset = queryset.filter(read_at__isnull=True)
    return render(
        request,
        "accounts/notification_list.html",
        {"page": _page(request, queryset), "only_unread": bool(request.GET.get("unread"))},
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get_for_user(request.user, pk)
    services.notification_mark_read(user=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notification_list")


# --- Staff directory -------------------------------------------------------------------------


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    filterset = StaffFilterSet(request.GET, queryset=selectors.staff_list_for_user(request.user))
    page = _page(request, filterset.qs)
    template = "accounts/staff_list.html#results" if request.htmx else "accounts/staff_list.html"
    return render(request, template, {"filter": filterset, "page": page})


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.staff_get_for_user(request.user, pk)
    return render(
        request, "accounts/staff_detail.html", {"person": person, "reveal_form": RevealForm()}
    )


@login_required
@require_POST
def staff_reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a colleague's full phone number once, with a reason, and log the reading."""
    person = selectors.staff_get_for_user(request.user, pk)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.sensitive_field_reveal(
                user=request.user,
                instance=person,
                field_name="phone",
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            form.add_error("reason", exc.message_dict.get("reason", exc.messages))
    context = {"person": person, "reveal_form": form, "revealed_phone": revealed}
    if request.htmx:
        return render(request, "accounts/staff_detail.html#phone", context)
    return render(
        request,
        "accounts/staff_detail.html",
        context,
        status=200 if revealed is not None else 400,
    )


# --- Audit (administrators) ------------------------------------------------------------------


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    tab = "changes" if request.GET.get("tab") == "changes" else "access"
    if tab == "changes":
        filterset = ChangeHistoryFilterSet(
            request.GET, queryset=selectors.change_history_list_for_user(request.user)
        )
    else:
        filterset = AccessLogFilterSet(
            request.GET, queryset=selectors.access_log_list_for_user(request.user)
        )
    page = _page(request, filterset.qs)
    lines = history_lines(page) if tab == "changes" else access_lines(page)
    return render(
        request,
        "accounts/audit.html",
        {"tab": tab, "filter": filterset, "page": page, "lines": lines},
    )


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect(f"{reverse('login')}")
