"""The page of the need ledger's filing export: parse the form, call needs.filing, stream."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.forms import add_service_errors
from accounts.models import Region
from accounts.net import client_ip
from accounts.scope import region_scope

from . import filing
from .forms import DATE
from .models import Need
from .selectors import region_choices_for_user


def filing_counties(user: Any) -> Any:
    """The regions townships hang from (counties, districts, and the cities without counties)
    within a city's or the province's scope; None for a county officer or a township worker."""
    scope = region_scope(user)
    if not (scope.everything or (scope.prefix and len(scope.prefix) < 6)):
        return None
    townships = Region.objects.filter(
        code__startswith=scope.prefix or "",
        level=Region.Level.TOWNSHIP,
        valid_to__isnull=True,
    )
    return Region.objects.filter(pk__in=townships.values("parent_id")).order_by("code")


class FilingExportForm(forms.Form):
    """The county first (for a city or the province), then a township or village of it, like
    the household list; statuses and the period in which needs were recorded; masked or full."""

    county = forms.ModelChoiceField(
        label=gettext_lazy("County or district"),
        queryset=Region.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Everything I can see"),
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Village or township"),
        queryset=Region.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("The whole county"),
    )
    statuses = forms.MultipleChoiceField(
        label=gettext_lazy("Need status"),
        choices=Need.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy("None ticked: every status."),
    )
    created_from = forms.DateField(
        label=gettext_lazy("Needs recorded from"), required=False, widget=DATE
    )
    created_to = forms.DateField(
        label=gettext_lazy("Needs recorded until"), required=False, widget=DATE
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            (filing.CSV, gettext_lazy("CSV (opens in Excel and WPS)")),
            (filing.JSON, gettext_lazy("JSON (for the platform's import)")),
        ],
        initial=filing.CSV,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    full = forms.BooleanField(
        label=gettext_lazy("Full ID numbers, phones and health notes"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for exporting full values"),
        required=False,
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("e.g. half-yearly filing with the platform")}
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        counties = filing_counties(user)
        self.fields["region"].queryset = region_choices_for_user(user)
        if counties is None:
            del self.fields["county"]
            self.fields["region"].empty_label = _("Everything I can see")
        else:
            self.fields["county"].queryset = counties
            # The county chosen: the page again, of which htmx keeps the region select.
            self.fields["county"].widget.attrs.update(
                {
                    "hx-get": reverse("needs:filing_export"),
                    "hx-target": "#filing-field-region",
                    "hx-select": "#filing-field-region",
                    "hx-swap": "outerHTML",
                }
            )
        self._limit_region_options(user)

    def _limit_region_options(self, user: Any) -> None:
        """Render the townships and villages of one county at most (the chosen one, or the
        user's own county or township), as the household list does."""
        field = self.fields["region"]
        prefix = region_scope(user).prefix or ""
        focus = prefix if len(prefix) >= 6 else ""
        if not focus and "county" in self.fields:
            code = str(self.data.get("county") or self.initial.get("county") or "")[:12]
            chosen = self.fields["county"].queryset.filter(code=code).first() if code else None
            focus = chosen.prefix if chosen else ""
        options = field.queryset.filter(code__startswith=focus) if focus else field.queryset.none()
        field.widget.choices = [("", field.empty_label)] + [(r.code, r.name) for r in options]
        if not focus:
            field.help_text = _("Choose a county first.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        county, region = data.get("county"), data.get("region")
        if county is not None and region is not None and not county.contains(region.code):
            self.add_error("region", _("Choose a village or township of the county chosen."))
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end of the period is before its start."))
        return data

    def filters(self) -> filing.FilingFilters:
        data = self.cleaned_data
        return filing.FilingFilters(
            region=data.get("region") or data.get("county"),
            statuses=tuple(data.get("statuses") or ()),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
        )


def filing_response(
    user: Any, filters: filing.FilingFilters, *, fmt: str, full: bool
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (piece.encode("utf-8") for piece in filing.filing_file(user, filters, fmt=fmt, full=full)),
        content_type=filing.CONTENT_TYPES[fmt],
    )
    name = filing.filing_filename(filters, user=user, fmt=fmt, full=full)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def filing_export(request: HttpRequest) -> HttpResponse:
    """GET: the form (a county chosen by htmx: its townships and villages). POST: the file,
    masked, or with full values, a reason and one access-log row."""
    user = request.user
    if not filing.can_file(user):
        raise Http404
    if request.method == "GET":
        initial = {"county": request.GET.get("county", "")}
        form = FilingExportForm(user=user, initial=initial)
        return render(request, "needs/filing_export.html", {"form": form})
    form = FilingExportForm(request.POST, user=user)
    if form.is_valid():
        filters = form.filters()
        fmt, full = form.cleaned_data["format"], form.cleaned_data["full"]
        try:
            if full:
                filing.filing_full_log(
                    user=user,
                    filters=filters,
                    fmt=fmt,
                    reason=form.cleaned_data["reason"],
                    ip_address=client_ip(request),
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return filing_response(user, filters, fmt=fmt, full=full)
    return render(request, "needs/filing_export.html", {"form": form}, status=400)
