"""Pages of the need ledger: scope -> form -> service -> redirect or template."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import net
from accounts.filters import blank_means_any
from accounts.forms import RevealForm, add_service_errors
from accounts.net import client_ip
from accounts.pagination import SEARCH_COUNT_CAP, capped_page
from accounts.scope import region_scope
from accounts.services import sensitive_field_reveal
from accounts.text import join_sentences

from . import hooks, id_lookups, selectors, services, timeline
from .filters import HouseholdFilterSet
from .forms import (
    ConsentForm,
    HouseholdForm,
    IdSearchForm,
    MemberFormSet,
    NeedForm,
    NeedTransitionForm,
    ReasonForm,
    VisitForm,
    member_initial,
)
from .models import Household, Need

#: Households on a page of the list: on a phone each is one row of about 70 px.
PAGE_SIZE = 20
REVEALABLE = {"id_number", "phone", "health_notes"}


def _require_edit(request: HttpRequest, household: Household) -> None:
    if not services.can_edit_ledger(request.user, household.region_id):
        raise PermissionDenied(_("Only the township's social workers can change this ledger."))


def _status(request: HttpRequest) -> int:
    """A form sent back with errors answers 400 (for scripts and tests; browsers show it)."""
    return 400 if request.method == "POST" else 200


# --- Households ------------------------------------------------------------------------------


def _list_context(request: HttpRequest, id_form: IdSearchForm | None = None) -> dict[str, Any]:
    filterset = HouseholdFilterSet(
        request.GET or None,
        queryset=selectors.household_list_for_user(request.user),
        user=request.user,
    )
    blank_means_any(filterset.form)
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    searched = bool(filterset.is_bound and filterset.form.cleaned_data.get("q"))
    id_form = id_form or IdSearchForm()
    return {
        "filter": filterset,
        "page": capped_page(
            request, queryset, PAGE_SIZE, cap=SEARCH_COUNT_CAP if searched else None
        ),
        "searched": searched,
        "id_form": id_form,
        # On a phone the search by ID number and the filters fold away, unless in use.
        "filters_open": bool(
            id_form.is_bound
            or any(
                filterset.form[name].value() not in (None, "", [])
                for name in filterset.form.fields
                if name != "q"
            )
        ),
        "can_record": services.can_edit_ledger(request.user, request.user.region_id or ""),
    }


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    template = "needs/household_list.html#results" if request.htmx else "needs/household_list.html"
    return render(request, template, _list_context(request))


@login_required
@require_POST
def household_find(request: HttpRequest) -> HttpResponse:
    """Exact search by ID number, by POST so that the number stays out of URLs and logs; each
    search is throttled per user and written to the access log (needs.id_lookups)."""
    if region_scope(request.user).is_empty:
        raise Http404  # only those who keep or review a ledger may ask whether someone is on one
    form = IdSearchForm(request.POST)
    if form.is_valid():
        try:
            result = id_lookups.id_number_search(
                user=request.user, raw=form.cleaned_data["id_number"], ip_address=client_ip(request)
            )
        except id_lookups.IdLookupThrottled as exc:
            form.add_error("id_number", exc.message)
            response = render(
                request, "needs/household_list.html", _list_context(request, form), status=429
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        if result.household is not None:
            return redirect("needs:household_detail", result.household.pk)
        if result.invalid:
            form.add_error("id_number", result.invalid)
        elif result.elsewhere:
            form.add_error("id_number", _("This person is registered in another township."))
        else:
            form.add_error("id_number", _("Nobody with this ID number is registered."))
    return render(request, "needs/household_list.html", _list_context(request, form))


def _member_formset(request: HttpRequest, household: Household | None) -> MemberFormSet:
    existing: dict[int, Any] = {}
    initial: list[dict[str, Any]] = [{"relation": "head"}]
    if household is not None:
        members = selectors.household_members(household)
        existing = {m.pk: m for m in members}
        initial = [member_initial(m) for m in members]
    data = request.POST if request.method == "POST" else None
    return MemberFormSet(
        data, initial=initial, prefix="members", form_kwargs={"existing": existing}
    )


def _withdrawn_message(records: list[hooks.ClosedRecord]) -> str:
    """The success message's account of what a need's closing withdrew in other apps."""
    return hooks.withdrawn_message(records)


def _show_what_leaving_withdraws(formset: MemberFormSet, household: Household | None) -> None:
    """Under each current member: what their leaving would withdraw (their live needs take
    their open applications along), in two queries for the whole household."""
    if household is None:
        return
    needs = list(household.needs.filter(member__isnull=False, status__in=Need.LIVE_STATUSES))
    preview = hooks.closing_preview(needs)
    by_member: dict[int, list[hooks.ClosedRecord]] = {}
    for need in needs:
        by_member.setdefault(need.member_id, []).extend(preview[need.pk])
    for form in formset.forms:
        member = getattr(form, "member", None)
        form.leaving_withdraws = by_member.get(member.pk, []) if member else []


@login_required
def household_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    household = selectors.household_get_for_user(request.user, pk) if pk else None
    if household is not None:
        _require_edit(request, household)
    elif not services.can_edit_ledger(request.user, request.user.region_id or ""):
        raise PermissionDenied(_("Only the township's social workers can change this ledger."))
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    formset = _member_formset(request, household)
    # Both validated, so that member rows show their errors even while a household field is wrong.
    valid = form.is_valid() if request.method == "POST" else False
    valid = (formset.is_valid() if request.method == "POST" else False) and valid
    if valid:
        # A row added and deleted again before saving is not a member at all.
        positions = [
            i
            for i, f in enumerate(formset.forms)
            if not (f.cleaned_data.get("DELETE") and not f.member)
        ]
        try:
            result = services.household_save(
                user=request.user,
                household=household,
                fields=form.service_fields(),
                members=[formset.forms[i].to_input() for i in positions],
            )
        except services.LedgerInvalid as exc:
            add_service_errors(form, exc.household_errors)
            for index, errors in exc.member_errors.items():
                add_service_errors(formset.forms[positions[index]], errors)
        else:
            for warning in result.warnings:
                messages.warning(request, warning)
            if result.created:
                text = _("Household %(code)s recorded.")
            else:
                text = _("Household %(code)s saved.")
            text %= {"code": result.household.code}
            if result.withdrawn:
                text = join_sentences([text, _withdrawn_message(result.withdrawn)])
            messages.success(request, text)
            return redirect("needs:household_detail", result.household.pk)
    _show_what_leaving_withdraws(formset, household)
    context = {"form": form, "formset": formset, "household": household}
    return render(request, "needs/household_form.html", context, status=_status(request))


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(request.user, pk)
    needs = list(household.needs.select_related("member"))
    visits = list(household.visits.select_related("worker"))
    consents = list(household.consents.select_related("member").prefetch_related("recipients"))
    context = {
        "household": household,
        "members": selectors.household_members(household),
        "needs": needs,
        "visits": visits[:10],
        "consents": consents,
        "timeline": selectors.household_timeline(visits=visits, needs=needs, consents=consents),
        "fragments": timeline.fragments(),
        "need_actions": timeline.need_actions(),
        "can_edit": services.can_edit_ledger(request.user, household.region_id),
        "reveal_form": RevealForm(),
        "transition_form": NeedTransitionForm(),
    }
    return render(request, "needs/household_detail.html", context)


@login_required
def household_print(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(request.user, pk)
    context = {
        "household": household,
        "members": selectors.household_members(household),
        "needs": household.needs.select_related("member"),
    }
    return render(request, "needs/household_print.html", context)


@login_required
@require_POST
def member_reveal(request: HttpRequest, pk: int, member_pk: int, field: str) -> HttpResponse:
    """Show one protected value of a member once, with a reason, and log the reading."""
    if field not in REVEALABLE:
        raise Http404
    household = selectors.household_get_for_user(request.user, pk)
    member = selectors.member_get_for_user(request.user, household, member_pk)
    form = RevealForm(request.POST)
    value = None
    if form.is_valid():
        value = sensitive_field_reveal(
            user=request.user,
            instance=member,
            field_name=field,
            reason=form.cleaned_data["reason"],
            ip_address=client_ip(request),
        )
    context = {
        "household": household,
        "member": member,
        "field": field,
        "value": value,
        "reveal_form": form,
    }
    # htmx swaps only 2xx answers: the fragment with its error is sent as 200.
    status = 200 if (request.htmx or value is not None) else 400
    return render(request, "needs/includes/reveal.html", context, status=status)


# --- Visits ----------------------------------------------------------------------------------


@login_required
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(request.user, pk)
    _require_edit(request, household)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_record(user=request.user, household=household, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("needs:household_detail", household.pk)
    context = {"form": form, "household": household}
    return render(request, "needs/visit_form.html", context, status=_status(request))


# --- Needs -----------------------------------------------------------------------------------


def _need_of(request: HttpRequest, household: Household, need_pk: int):
    need = selectors.need_get_for_user(request.user, need_pk)
    if need.household_id != household.pk:
        raise Http404
    return need


@login_required
def need_edit(request: HttpRequest, pk: int, need_pk: int | None = None) -> HttpResponse:
    household = selectors.household_get_for_user(request.user, pk)
    need = _need_of(request, household, need_pk) if need_pk else None
    _require_edit(request, household)
    form = NeedForm(request.POST or None, instance=need, household=household)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.NEED_FIELDS}
        try:
            if need is None:
                services.need_register(user=request.user, household=household, **values)
            else:
                services.need_update(user=request.user, need=need, **values)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Need saved."))
            return redirect("needs:household_detail", household.pk)
    context = {"form": form, "household": household, "need": need}
    return render(request, "needs/need_form.html", context, status=_status(request))


@login_required
def need_transition(request: HttpRequest, pk: int, need_pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(request.user, pk)
    need = _need_of(request, household, need_pk)
    _require_edit(request, household)
    form = NeedTransitionForm(request.POST or None, initial={"to": request.GET.get("to")})
    if request.method == "POST" and form.is_valid():
        try:
            services.need_transition(
                user=request.user,
                need=need,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = _("The need is now “%(status)s”.") % {"status": need.get_status_display()}
            if need.closed_with:
                text = join_sentences([text, _withdrawn_message(need.closed_with)])
            messages.success(request, text)
            return redirect("needs:household_detail", household.pk)
    context = {
        "form": form,
        "household": household,
        "need": need,
        # What closing the need will withdraw, shown before the user confirms.
        "closing": hooks.closing_preview([need])[need.pk] if need.is_live else [],
    }
    return render(request, "needs/need_transition.html", context, status=_status(request))


# --- Consent ---------------------------------------------------------------------------------


def _consent_of(request: HttpRequest, household: Household, consent_pk: int):
    consent = selectors.consent_get_for_user(request.user, consent_pk)
    if consent.household_id != household.pk:
        raise Http404
    return consent


@login_required
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record consent: a page of its own, or (htmx) a form inside another page — the apply page
    loads it in place, and on success this answers a short fragment and the event
    ``consentRecorded``, on which that page refreshes what depends on consent."""
    household = selectors.household_get_for_user(request.user, pk)
    _require_edit(request, household)
    next_url = net.next_url(request)
    in_place = bool(request.htmx)
    form = ConsentForm(
        request.POST or None,
        household=household,
        initial={"member": request.GET.get("member")},
        # Inside another page: ids of its own, apart from that page's form (its "member").
        auto_id="consent_%s" if in_place else "id_%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_record(
                user=request.user, household=household, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if in_place:
                context = {"household": household, "consent": consent, "next": next_url}
                response = render(request, "needs/consent_recorded.html", context)
                response["HX-Trigger"] = json.dumps({"consentRecorded": {"consent": consent.pk}})
                return response
            messages.success(request, _("Consent recorded. Print the form for the signature."))
            if next_url:
                return redirect(next_url)
            return redirect("needs:consent_print", household.pk, consent.pk)
    context = {"form": form, "household": household, "next": next_url, "in_place": in_place}
    if in_place:
        # htmx swaps only 2xx answers: the form with its errors is sent as 200.
        return render(request, "needs/consent_form.html#consent-form", context)
    return render(request, "needs/consent_form.html", context, status=_status(request))


@login_required
def consent_print(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(request.user, pk)
    consent = _consent_of(request, household, consent_pk)
    context = {"household": household, "consent": consent, "next": net.next_url(request)}
    return render(request, "needs/consent_print.html", context)


@login_required
def consent_revoke(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(request.user, pk)
    consent = _consent_of(request, household, consent_pk)
    _require_edit(request, household)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_revoke(
                user=request.user, consent=consent, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Consent revoked."))
            return redirect("needs:household_detail", household.pk)
    context = {"form": form, "household": household, "consent": consent}
    return render(request, "needs/consent_revoke.html", context, status=_status(request))


@login_required
def dashboard_card(request: HttpRequest) -> HttpResponse:
    """The need ledger's figures for the landing page (an htmx fragment)."""
    figures = selectors.household_counts_for_user(request.user)
    return render(request, "needs/includes/dashboard_card.html", {"figures": figures})
