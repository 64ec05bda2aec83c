"""Pages of risk early warning: the signals of the households a user sees (social workers of
the township station, civil affairs of the county and above), filtered by rule and status; one
signal with its facts and the form that resolves it with a note; the dashboard card. A signal
of another county is a 404, as for a stranger."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_service_errors
from accounts.pagination import capped_page

from . import selectors_risk as selectors
from . import services_risk as services
from .forms_risk import RiskResolveForm
from .models import RiskRule, RiskSignal

PAGE_SIZE = 25


def _status_filters() -> list[tuple[str, str]]:
    return [
        *[(value, str(label)) for value, label in RiskSignal.Status.choices],
        ("all", _("All")),
    ]


@login_required
def risk_signal_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or "open"
    rule = request.GET.get("rule") or ""
    if status not in selectors.STATUSES or (rule and rule not in RiskRule.values):
        raise Http404
    queryset = selectors.risk_signal_list_for_user(request.user, status=status, rule=rule)
    page = capped_page(request, queryset, PAGE_SIZE)
    context = {
        "page": page,
        "status": status,
        "rule": rule,
        "statuses": _status_filters(),
        "rules": RiskRule.choices,
        "counts": selectors.risk_signal_counts_for_user(request.user),
    }
    return render(request, "oversight/risk_signal_list.html", context)


def _detail(signal: RiskSignal, form: RiskResolveForm | None = None) -> dict[str, Any]:
    return {"signal": signal, "form": form or RiskResolveForm()}


@login_required
def risk_signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signal = selectors.risk_signal_get_for_user(request.user, pk)
    return render(request, "oversight/risk_signal_detail.html", _detail(signal))


@login_required
@require_POST
def risk_signal_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    signal = selectors.risk_signal_get_for_user(request.user, pk)
    form = RiskResolveForm(request.POST)
    if form.is_valid():
        try:
            services.risk_signal_resolve(
                user=request.user, signal=signal, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The signal is resolved."))
            return redirect("oversight:risk_signal_detail", signal.pk)
    return render(request, "oversight/risk_signal_detail.html", _detail(signal, form), status=400)


@login_required
def risk_dashboard_card(request: HttpRequest) -> HttpResponse:
    counts = selectors.risk_signal_counts_for_user(request.user)
    return render(request, "oversight/_risk_dashboard_card.html", {"counts": counts})
