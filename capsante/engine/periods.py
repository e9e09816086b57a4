"""Month arithmetic on 'YYYY-MM' strings, and which months a recompute must cover."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

# Plain Python: the models read it (through the status of a target), and starting Django must
# not import Arrow for them.
PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# How many months after the last one it was counted a commune absent since is still said to be
# missing from a figure counted commune by commune: a file sent without Laval in October, then
# again in November, leaves both months without it (decisions 0043, 0046). The staged tables'
# gap list (`gaps`) and the stored values' check (`indicators.completeness`) read as far back.
MONTHS_LOOKED_BACK = 3


def check_period(period: str) -> str:
    if not isinstance(period, str) or not PERIOD_RE.match(period):
        raise ValueError(f"period must be 'YYYY-MM', got {period!r}")
    return period


def to_index(period: str) -> int:
    """Months since year 0: consecutive months differ by one, so windows are integer ranges."""
    check_period(period)
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shift(period: str, months: int) -> str:
    return from_index(to_index(period) + months)


def months_between(start: str, end: str) -> int:
    """Whole months from `start` to `end` (negative when end is earlier)."""
    return to_index(end) - to_index(start)


def month_range(start: str, end: str) -> list[str]:
    return [from_index(i) for i in range(to_index(start), to_index(end) + 1)]


def window_pairs(
    outputs: Iterable[str], available: Collection[str], window: int
) -> list[tuple[str, str]]:
    """(output period, source period) pairs of a rolling window of `window` months.

    An output month is kept only when every month of its window is available: a 12-month sum over
    fewer months would silently understate the indicator at the start of a series.
    """
    have = set(available)
    pairs: list[tuple[str, str]] = []
    for period in sorted(set(outputs)):
        sources = [shift(period, -k) for k in range(window)]
        if all(s in have for s in sources):
            pairs.extend((period, s) for s in sources)
    return pairs


def affected_outputs(changed: Iterable[str], available: Collection[str], window: int) -> list[str]:
    """Output months whose value depends on a changed source month.

    A change in month m moves the rolling sums of m .. m + window - 1; without a window only m moves.
    """
    have = set(available)
    out = {shift(m, k) for m in changed for k in range(max(window, 1))}
    return sorted(p for p in out if p in have)
