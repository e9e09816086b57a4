"""Numbers, months and dates as French readers write them. Plain Python, no Django.

One table of month names and one way to write a number for every screen, export and document:
a narrow no-break space between thousands, a decimal comma, "1er" for the first of a month.
"""

from __future__ import annotations

import datetime as dt

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
THOUSANDS = "\u202f"  # espace fine insécable
NBSP = "\u00a0"


def number(value: float | int | None, digits: int = 0, empty: str = "—") -> str:
    """12345.678 → '12 345,7' with digits=1; None → the `empty` mark."""
    if value is None:
        return empty
    text = f"{value:,.{digits}f}".replace(",", THOUSANDS).replace(".", ",")
    return text[1:] if text.startswith("-") and not text.strip("-0,") else text


def percent(value: float | None, digits: int = 1, empty: str = "—") -> str:
    if value is None:
        return empty
    return f"{number(value, digits)}{NBSP}%"


def month(period: str | None) -> str:
    """'2026-10' as people say it: 'octobre 2026' (anything else is returned as it is)."""
    if not period or len(period) != 7 or period[4] != "-":
        return period or "—"
    year, index = period[:4], period[5:]
    if not (year.isdigit() and index.isdigit() and 1 <= int(index) <= 12):
        return period
    return f"{MONTHS[int(index) - 1]} {year}"


def day(value: dt.date | None, empty: str = "—") -> str:
    """A date as written in French: '1er juin 2026', '12 octobre 2023'."""
    if value is None:
        return empty
    first = "1er" if value.day == 1 else str(value.day)
    return f"{first} {MONTHS[value.month - 1]} {value.year}"
