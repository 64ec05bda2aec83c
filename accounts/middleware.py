from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from .net import client_ip
from .roles import may_reach

LAST_SEEN_KEY = "_last_seen"
LOGIN_AT_KEY = "_login_at"
# Write the session at most once a minute for activity alone.
_TOUCH_EVERY = 60


class SessionTimeoutMiddleware:
    """Log a browser session out after a time without activity and after an absolute limit.

    Social workers use shared phones in the field: a page left open must not stay logged in.
    Token-authenticated API calls carry no session and are not affected.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.setdefault(LOGIN_AT_KEY, now)
            last_seen = session.get(LAST_SEEN_KEY, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT
            expired = now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or expired:
                return self._logout(request, idle=idle)
            if now - last_seen >= _TOUCH_EVERY or LAST_SEEN_KEY not in session:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def _logout(self, request: HttpRequest, *, idle: bool) -> HttpResponse:
        logout(request)
        messages.info(
            request,
            _("You were logged out after %(minutes)d minutes without activity.")
            % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60}
            if idle
            else _("Your session has reached its time limit. Please log in again."),
        )
        login_url = reverse(settings.LOGIN_URL)
        if request.method == "GET" and not request.path.startswith("/api/"):
            login_url += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return HttpResponseRedirect(login_url)


class PrivateResponsesMiddleware:
    """Pages seen while logged in hold personal data: no browser or proxy may keep a copy
    (a shared phone's Back button after logout must not show them), and htmx fragments vary
    from full pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True, max_age=0)
        if request.headers.get("HX-Request"):
            patch_vary_headers(response, ["HX-Request"])
        return response


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """django-auditlog with our client address (it would trust any X-Forwarded-For)."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip(request)


def _decodes(raw: bytes, encoding: str) -> bool:
    """Whether percent-encoded ``raw`` (a query string, a form body) is text in ``encoding``."""
    try:
        unquote_to_bytes(raw).decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


class RequestEncodingMiddleware:
    """A query string that is not text in its charset (UTF-8 unless the request names another)
    or a form body that is not UTF-8 is a bad request (400). Django would decode it with
    replacement characters (``café`` sent in latin-1 arrives as ``caf�``), and those would be
    stored and shown.

    Form bodies only (``application/x-www-form-urlencoded``): JSON is checked by the API's
    parser, and files in a multipart body are bytes. A body over DATA_UPLOAD_MAX_MEMORY_SIZE is
    left to Django, which refuses it as it reads it (400 too).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        encoding = request.encoding or settings.DEFAULT_CHARSET
        query = request.META.get("QUERY_STRING", "")
        valid = _decodes(query.encode("latin-1", "backslashreplace"), encoding)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or "0"
        if (
            valid
            and request.content_type == "application/x-www-form-urlencoded"
            and length.isdigit()
            and (limit is None or int(length) <= limit)
        ):
            valid = _decodes(request.body, "utf-8")  # Django reads form bodies as UTF-8 only
        if valid:
            return self.get_response(request)
        message = _("The request is not valid text in its encoding.")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return _error_page(request, 400)


class ErrorPagesMiddleware:
    """Our Chinese 400, 404 and 500 pages with ``DEBUG`` on too (the embedded default, so the demo).

    Django answers a wrong address or an ``Http404`` with its English technical page whenever
    ``DEBUG`` is on, and an uncaught error with its traceback page. People trying the demo read
    our pages instead; a developer who wants Django's pages sets ``TECHNICAL_ERROR_PAGES``
    (``DJANGO_TECHNICAL_ERROR_PAGES=true``). With ``DEBUG`` off this does nothing: Django uses
    ``config.urls``' handlers itself. An uncaught error or a bad request (``BadRequest``,
    ``SuspiciousOperation``) is still logged and signalled as usual (the test client still
    raises it): only the page sent back changes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _active() -> bool:
        return settings.DEBUG and not getattr(settings, "TECHNICAL_ERROR_PAGES", False)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._active():
            return self.get_response(request)
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404 as exc:
            return _page_not_found(request, exc)
        response = self.get_response(request)
        status = getattr(request, "_error_page", None)
        if status is not None and response.status_code == status:
            return _error_page(request, status)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not self._active():
            return None
        if isinstance(exception, Http404):
            return _page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return None  # Django renders our 403 page with DEBUG on too
        # Django logs it, signals it and renders its technical page (a traceback, with status
        # 400 for a bad request, 500 otherwise); __call__ sends ours instead of that page.
        bad = isinstance(exception, SuspiciousOperation | BadRequest)
        request._error_page = 400 if bad else 500  # type: ignore[attr-defined]
        return None


def _page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    handler = get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(404)
    return handler(request, exception)


def _error_page(request: HttpRequest, status: int) -> HttpResponse:
    handler = get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(status)
    if status == 400:
        return handler(request, None)
    return handler(request)


class RoleAreasMiddleware:
    """A user whose role is restricted to some areas (``accounts.roles``: the staff of a member
    unit) gets 404 for a page outside them, as a stranger does."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if may_reach(getattr(request, "user", None), request.resolver_match):
            return None
        # The project's 404 (HTML, or JSON under /api/), with DEBUG on too.
        return _page_not_found(request, Http404())
