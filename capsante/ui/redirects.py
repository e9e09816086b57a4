"""Where to send a user back after a form: only to a page of this site.

A ``next`` parameter comes from the browser; a link forged as ``…?next=https://faux-site.example``
would otherwise carry a signed-in user from the platform to a look-alike page.
"""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` of the request (form field, else query string) if it points to this site,
    else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
