"""JSON decoding: orjson when it is installed (several times faster), else the standard library.

Both raise ``json.JSONDecodeError`` (orjson's error is a subclass of it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import JSONDecodeError
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - only when the optional speed-up is missing
    orjson = None  # type: ignore[assignment]

loads: Callable[[bytes | str], Any] = orjson.loads if orjson is not None else json.loads

__all__ = ["JSONDecodeError", "is_truncation", "loads"]


def is_truncation(exc: JSONDecodeError) -> bool:
    """True when the text stops before the JSON value ends (a cut line, a partial download)."""
    message = exc.msg.lower()
    if "end of data" in message or message.startswith("unterminated"):
        return True
    return exc.pos >= len(exc.doc.rstrip())
