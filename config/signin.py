"""Sign-in throttling (django-axes, config/settings.py): the page a locked-out sign-in gets,
and the address a request came from.

Behind ``TRUSTED_PROXIES`` proxies (nginx in ``make serve``: 1) each appends the address it
saw to X-Forwarded-For, so the client is the entry that many places from the right; what a
client writes there itself stays to the left of it and is never read. With no proxy, the
socket's own address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(request: HttpRequest, response, credentials) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: 429, saying for how long and who can unlock."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    page = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    page["Retry-After"] = str(minutes * 60)
    return page


def client_ip(request: HttpRequest) -> str:
    """``AXES_CLIENT_IP_CALLABLE``."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
