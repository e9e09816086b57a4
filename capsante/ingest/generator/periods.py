"""Months as `YYYY-MM` strings, and their position on the calibration time axis."""

import calendar
import re

# Trends are anchored on January 2024 rather than on the requested start, so that a calibrated
# figure (say Sarthe in November 2024) is the same whatever window is generated.
ANCHOR_YEAR = 2024
PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse(period: str) -> tuple[int, int]:
    match = PERIOD_RE.match(period)
    if not match:
        raise ValueError(f"période invalide « {period} » (attendu AAAA-MM)")
    return int(match.group(1)), int(match.group(2))


def index(period: str) -> int:
    """Months since January 2024 (negative before)."""
    year, month = parse(period)
    return (year - ANCHOR_YEAR) * 12 + month - 1


def from_index(value: int) -> str:
    year, month0 = divmod(value, 12)
    return f"{ANCHOR_YEAR + year:04d}-{month0 + 1:02d}"


def shift(period: str, months: int) -> str:
    return from_index(index(period) + months)


def month_range(start: str, end: str) -> list[str]:
    first, last = index(start), index(end)
    if last < first:
        raise ValueError(f"la fin {end} précède le début {start}")
    return [from_index(value) for value in range(first, last + 1)]


def last_day(period: str) -> int:
    year, month = parse(period)
    return calendar.monthrange(year, month)[1]
