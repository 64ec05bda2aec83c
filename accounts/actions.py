"""One action on a record's detail page (accept, reject, receive, conclude ...), the same way in
every app: bind the action's form (its own prefix, so the page can show every action's form),
call the service, and either go back to the page with a message or show the page again, as the
record is now, with the refused form as it was sent and the service's errors in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .forms import add_service_errors


def detail_action(
    request: HttpRequest,
    pk: Any,
    *,
    get: Callable[[Any, Any], Any],
    errors: type[Exception] | tuple[type[Exception], ...],
    detail_url: str,
    page: Callable[..., HttpResponse],
    name: str,
    form_class: Callable[..., forms.Form],
    call: Callable[[Any, Any, dict[str, Any]], Any],
    done: str | Callable[[Any, Any], str],
    form_kwargs: Callable[[Any], dict[str, Any]] | None = None,
) -> HttpResponse:
    """``get(user, pk)`` the record (scoped: 404 outside), ``call(user, record, cleaned_data)``
    the service, which raises one of ``errors``; ``done`` is the success message with
    ``%(number)s`` (or says it of the service's result: ``done(record, result)``);
    ``page(request, record, bound=(name, form))`` renders the detail page."""
    record = get(request.user, pk)
    extra = form_kwargs(record) if form_kwargs else {}
    form = form_class(request.POST, request.FILES, prefix=name, **extra)
    if form.is_valid():
        try:
            result = call(request.user, record, form.cleaned_data)
        except errors as exc:
            add_service_errors(form, exc)
        else:
            text = done(record, result) if callable(done) else done
            messages.success(request, text % {"number": record.number})
            return redirect(detail_url, record.pk)
    # The record as it is now, with the refused form as it was sent.
    return page(request, get(request.user, pk), bound=(name, form))
