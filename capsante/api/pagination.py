"""Cursor pagination: an opaque cursor, a stable order (by identifier, the order of creation),
so that a client walking a long list neither skips nor repeats a row when rows are added."""

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from ninja import Schema
from ninja.errors import HttpError
from pydantic import create_model

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
BAD_CURSOR = "cursor : curseur invalide ; reprenez depuis la première page (sans cursor)."


def encode(after: int) -> str:
    raw = json.dumps({"v": 1, "after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        after = data["after"] if data.get("v") == 1 else None
    except (binascii.Error, ValueError, TypeError, AttributeError, KeyError):
        after = None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise HttpError(400, BAD_CURSOR)
    return after


def page(
    queryset: QuerySet, cursor: str | None, limit: int, serialize: Callable[[Any], dict]
) -> dict:
    rows = queryset.order_by("pk")
    if cursor:
        rows = rows.filter(pk__gt=decode(cursor))
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return {
        "items": [serialize(row) for row in found],
        "next_cursor": encode(found[-1].pk) if more else None,
    }


def page_of(item: type[Schema]) -> type[Schema]:
    return create_model(
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        items=(list[item], ...),
        next_cursor=(str | None, None),
    )
