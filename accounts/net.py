"""The client's address, the same for the access log, the change history and the lockout.

Behind reverse proxies ``REMOTE_ADDR`` is the proxy. ``X-Forwarded-For`` is trusted only for
the number of proxies we run (``TRUSTED_PROXY_COUNT``): each appends the address it saw, so the
client is the entry that many places from the end; anything before it was written by the client
and is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request: HttpRequest) -> str | None:
    count = settings.TRUSTED_PROXY_COUNT
    address = request.META.get("REMOTE_ADDR") or None
    if count > 0:
        hops = [
            h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()
        ]
        if len(hops) >= count:
            address = hops[-count]
    return _valid(address)


def _valid(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def next_url(request: HttpRequest) -> str:
    """The page to go back to (``next``, from the form or the address) when it is one of ours,
    else "": a page that sends the user elsewhere and expects them back passes it along."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""
