"""Rate limits by client address (accounts.client_ip), in the platform itself.

Each rule counts one address's requests over a sliding period (a minute, an hour) and answers
429 past its limit, in French (a page, or JSON for the API), with Retry-After: the time after
which the next request goes through. The counters live in Django's cache, in each process's
memory: with several gunicorn processes an address gets up to that many times the limit, which
still stops a robot and needs no other server (a limit shared by every process belongs to the
reverse proxy, docs/exploitation/securite.md).

- sign-in (the platform's form and the admin's), POST: CAPSANTE_RATE_LIMIT_LOGIN, beside
  django-axes, which locks one username from one address after repeated failures: this one stops
  an address trying many usernames;
- the API (/api/), every method: CAPSANTE_RATE_LIMIT_API;
- every other form sent by someone not signed in (POST: the directory's error reports, the
  easy-to-read switch…, and any public form to come): CAPSANTE_RATE_LIMIT_PUBLIC_FORMS.

Loopback addresses are never limited: the supervision probes and local load tests come from
there, and so does every request behind a reverse proxy that was not declared
(CAPSANTE_TRUSTED_PROXIES), which would otherwise share one counter for all.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render

from capsante.accounts.client_ip import client_ip, is_loopback

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PERIOD_WORDS = {"s": "seconde", "m": "minute", "h": "heure", "d": "jour"}
POST = frozenset({"POST"})


@dataclass(frozen=True)
class Rule:
    name: str
    prefixes: tuple[str, ...]
    methods: frozenset[str] | None
    limit: int
    period: int
    unit: str
    json: bool = False
    anonymous_only: bool = False
    excluded: tuple[str, ...] = ()

    def applies(self, request) -> bool:
        if self.methods is not None and request.method not in self.methods:
            return False
        if self.excluded and request.path.startswith(self.excluded):
            return False
        if self.anonymous_only and request.user.is_authenticated:
            return False
        return request.path.startswith(self.prefixes)


def parse_rate(text: str) -> tuple[int, str] | None:
    """'20/m' → (20, 'm'); '0', 'off' or empty → None (no limit)."""
    text = (text or "").strip().lower()
    if text in {"", "0", "off", "false", "non"}:
        return None
    count, _, unit = text.partition("/")
    if not count.isdigit() or unit not in PERIODS:
        raise ValueError(f"limite de débit mal écrite : {text!r} (attendu : 20/m, 1000/h…)")
    return (int(count), unit) if int(count) > 0 else None


SIGN_IN = ("/comptes/connexion/", "/admin/login/")


def rules() -> list[Rule]:
    found = []
    login = parse_rate(settings.RATE_LIMIT_LOGIN)
    if login:
        count, unit = login
        found.append(Rule("connexion", SIGN_IN, POST, count, PERIODS[unit], unit))
    api = parse_rate(settings.RATE_LIMIT_API)
    if api:
        count, unit = api
        found.append(Rule("api", ("/api/",), None, count, PERIODS[unit], unit, json=True))
    forms = parse_rate(settings.RATE_LIMIT_PUBLIC_FORMS)
    if forms:
        count, unit = forms
        found.append(
            Rule(
                "formulaires",
                ("/",),
                POST,
                count,
                PERIODS[unit],
                unit,
                anonymous_only=True,
                excluded=(*SIGN_IN, "/api/"),
            )
        )
    return found


def hit(rule: Rule, address: str) -> tuple[bool, int]:
    """Count one request; (allowed, seconds until the next request would be allowed).

    A sliding window, estimated from two counters: this window's requests plus the previous
    window's, weighted by the share of it still within the last period. Fixed windows alone let
    an address send the limit at 0:59 and again at 1:00, twice the limit in two seconds. Refused
    requests count too: an address that keeps trying stays stopped.
    """
    elapsed, into = divmod(time.time(), rule.period)
    window, fraction = int(elapsed), into / rule.period
    current = _counter(rule, address, window)
    # Each counter is kept two periods: the next window reads it as its previous one.
    kept = 2 * rule.period + 1
    cache.add(current, 0, timeout=kept)
    try:
        count = cache.incr(current)
    except ValueError:  # expired between add and incr
        cache.set(current, 1, timeout=kept)
        count = 1
    previous = cache.get(_counter(rule, address, window - 1), 0)
    if previous * (1 - fraction) + count <= rule.limit:
        return True, 0
    return False, _retry_after(rule, previous, count, fraction)


def _counter(rule: Rule, address: str, window: int) -> str:
    return f"ratelimit:{rule.name}:{address}:{window}"


def _retry_after(rule: Rule, previous: int, count: int, fraction: float) -> int:
    """Seconds until one more request fits, if none is sent before."""
    if count < rule.limit:
        # Within this window, once enough of the previous one has slid out.
        needed = 1 - (rule.limit - count - 1) / previous
        wait = (needed - fraction) * rule.period
    else:
        # In the next window, where this one's requests are the previous ones.
        needed = 1 - (rule.limit - 1) / count
        wait = (1 - fraction + needed) * rule.period
    return max(1, math.ceil(wait))


def refused(request, rule: Rule, retry_after: int):
    message = (
        f"Trop de requêtes depuis votre adresse : {rule.limit} par "
        f"{PERIOD_WORDS[rule.unit]} au plus. Réessayez dans {retry_after} s."
    )
    if rule.json:
        response = JsonResponse(
            {"detail": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(
            request,
            "operations/rate_limited.html",
            {"title": "Trop de requêtes", "message": message, "retry_after": retry_after},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        applicable = [rule for rule in rules() if rule.applies(request)]
        if applicable:
            address = client_ip(request)
            if address and not is_loopback(address):
                for rule in applicable:
                    allowed, retry_after = hit(rule, address)
                    if not allowed:
                        return refused(request, rule, retry_after)
        return self.get_response(request)
