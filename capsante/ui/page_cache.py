"""Public pages served from a cache to visitors who are not signed in.

A département dashboard costs tens of milliseconds of work (every indicator, its target, its
trend and its comparisons) and reads the same for every visitor: under a crowd (bench/
load_test.py: 200 people at once) that work, done again for each of them, is what makes the
server fall behind. The page is kept, per address (path and query), as long as nothing it may
show has changed — the content's version — and at most PUBLIC_PAGE_CACHE_SECONDS (setting).

The content's version is read from the database, so that every process of the server sees a
change made by any other (the web's, the worker's after a recompute, a command's): the highest
row of each history table (every domain model keeps its history: a creation, a change or a
deletion adds a row) and of the tables that grow without one (indicator values and their
computations), and the month (what is counted month by month shows its months ended). It is
read at most every PUBLIC_PAGE_VERSION_SECONDS per process: a change shows to visitors within
that delay. Signed-in partners, whose pages depend on their role and scope,
never get a kept page; nor does a page that carries a form's security token, sets a cookie, or
answers anything but 200. Parts of partners' pages that depend on the reader only through a few
facts (a territory's cards: whether it lies in the reader's scope) are kept with `kept`, under
those facts and the same version.
"""

import functools
import hashlib
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from simple_history.models import registered_models

# Tables written without a history row (append-only), read with their highest primary key.
GROWING_TABLES = ("indicators.IndicatorValue", "indicators.ComputationRun")

Kept = TypeVar("Kept")

_version_lock = threading.Lock()
_version: tuple[float, str] = (0.0, "")


@functools.cache
def _version_tables() -> list[tuple[str, str, str]]:
    """(label, table, primary key column) of every table whose highest row makes the version:
    listed once per process (listing the history models takes 10 ms)."""
    # (Many-to-many tables are registered too, without a history of their own: their changes
    # are recorded with the model that holds the field.)
    models = [m.history.model for m in registered_models.values() if hasattr(m, "history")]
    models += [apps.get_model(label) for label in GROWING_TABLES]
    return [
        (model._meta.label_lower, model._meta.db_table, model._meta.pk.column)
        for model in sorted(models, key=lambda m: m._meta.label)
    ]


def _read_version() -> str:
    # One statement for the ≈ 50 tables: read one by one, they took 20 ms on SQLite and more on
    # PostgreSQL (a round trip each), paid every few seconds by one visitor per process.
    tables = _version_tables()
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        # Names from the models' definitions, quoted: nothing a request carries.
        f"SELECT {index}, MAX({quote(column)}) FROM {quote(table)}"  # noqa: S608
        for index, (_, table, column) in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        top = dict(cursor.fetchall())
    highest = [f"{label}={top.get(index) or 0}" for index, (label, _, _) in enumerate(tables)]
    # A new month shows the month that has just ended of what is counted month by month
    # (`IndicatorValue.objects.months_ended`) without any row changing. The month as
    # `indicators.models.current_month` reads it: this layer imports no domain app.
    highest.append(f"month={timezone.localdate():%Y-%m}")
    return hashlib.sha256(";".join(highest).encode()).hexdigest()[:16]


def content_version() -> str:
    """The version of what public pages show (see the module's docstring)."""
    global _version
    with _version_lock:
        read_at, value = _version
        if time.monotonic() - read_at >= settings.PUBLIC_PAGE_VERSION_SECONDS or not value:
            _version = (time.monotonic(), _read_version())
        return _version[1]


def forget_version() -> None:
    """Read the version again at the next page (tests, after a change they just made)."""
    global _version
    with _version_lock:
        _version = (0.0, "")


def kept(name: str, facts: tuple, make: Callable[[], Kept]) -> Kept:
    """`make()`, kept while the content's version is unchanged, under `facts`: everything the
    result depends on besides the content (the territory, what the reader may see). Made again
    every time when keeping is turned off (PUBLIC_PAGE_CACHE_SECONDS = 0, as in tests)."""
    if settings.PUBLIC_PAGE_CACHE_SECONDS <= 0:
        return make()
    key = f"{name}:" + hashlib.sha256(f"{content_version()}|{facts!r}".encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = make()
        cache.set(key, found, settings.PUBLIC_PAGE_CACHE_SECONDS)
    return found


def _cacheable(request: HttpRequest) -> bool:
    """Visitors with no cookie but the form token's: one with a session (a message waiting to
    be shown, a mode chosen) gets the page made for them."""
    return (
        settings.PUBLIC_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not set(request.COOKIES) - {settings.CSRF_COOKIE_NAME}
    )


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The page holds a form's security token, which is the visitor's own.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def for_visitors(view: Callable) -> Callable:
    """Serve the view's page from the cache to visitors who are not signed in."""

    @functools.wraps(view)
    def serve(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        address = request.get_full_path()
        key = "page:" + hashlib.sha256(f"{content_version()}|{address}".encode()).hexdigest()
        kept = cache.get(key)
        if kept is not None:
            content, headers = kept
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if _keepable(request, response):
            # The headers go with it: the type, a download's file name, Vary, the cache policy.
            kept = (response.content, dict(response.headers))
            cache.set(key, kept, settings.PUBLIC_PAGE_CACHE_SECONDS)
        return response

    return serve
