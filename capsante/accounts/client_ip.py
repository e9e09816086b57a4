"""The address of the person behind a request, for throttling sign-ins (django-axes) and rate
limits (capsante.operations.ratelimit); never logged by the platform's request log.

Behind reverse proxies, REMOTE_ADDR is the last proxy's address: with CAPSANTE_TRUSTED_PROXIES
= N (the number of proxies in front, each appending to X-Forwarded-For as nginx does), the
client is the N-th address from the right of X-Forwarded-For, the one the outermost trusted
proxy saw; what the client wrote further left is not believed.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not hops:
        return remote
    candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
