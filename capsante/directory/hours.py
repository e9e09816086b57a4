"""Opening hours in OpenStreetMap's format, told in plain French.

The expression is parsed and evaluated by opening-hours-py (the maintained parser of the format);
what a person reads is the week it gives: each day's opening times, days with the same times
grouped ("Du lundi au vendredi : 8 h 30 – 12 h, 13 h 30 – 17 h"). The week is a reference week
without public holidays; a rule on holidays is said in a sentence of its own.
"""

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from opening_hours import OpeningHours, State
from opening_hours import validate as _validate

DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# A Monday in a week without public holidays (and the parser is given no country anyway).
REFERENCE_MONDAY = dt.datetime(2024, 1, 8)


@dataclass(frozen=True)
class DayHours:
    days: str  # "Du lundi au vendredi", "Samedi"
    times: str  # "8 h 30 – 12 h, 13 h 30 – 17 h"
    note: str = ""  # the expression's comment ("sur rendez-vous")


@dataclass(frozen=True)
class Hours:
    lines: tuple[DayHours, ...]
    notes: tuple[str, ...] = ()
    raw: str = ""
    readable: bool = True

    @property
    def always(self) -> bool:
        return len(self.lines) == 1 and self.lines[0].times == "24 h sur 24"


def valid(expression: str) -> bool:
    return bool(expression) and _validate(expression)


def clock(moment: dt.time | dt.datetime) -> str:
    """9:00 → '9 h', 13:30 → '13 h 30', midnight at the end of a day → '24 h'."""
    return f"{moment.hour} h" if moment.minute == 0 else f"{moment.hour} h {moment.minute:02d}"


def _span(start: dt.datetime, end: dt.datetime, day: dt.datetime) -> str:
    closing = "24 h" if end >= day + dt.timedelta(days=1) else clock(end)
    return f"{clock(start)} – {closing}"


def _group(days: list[int]) -> str:
    first, last = DAY_NAMES[days[0]], DAY_NAMES[days[-1]]
    if len(days) == 1:
        return first.capitalize()
    if len(days) == 2:
        return f"{first.capitalize()} et {last}"
    return f"Du {first} au {last}"


@lru_cache(maxsize=4096)
def describe(expression: str) -> Hours:
    """The week of an expression, in French; an expression that cannot be read is shown as is."""
    expression = (expression or "").strip()
    if not expression:
        return Hours((), raw="", readable=False)
    if not _validate(expression):
        return Hours((), raw=expression, readable=False)
    hours = OpeningHours(expression, auto_country=False, auto_timezone=False)
    per_day: list[tuple[str, str]] = []
    for offset in range(7):
        day = REFERENCE_MONDAY + dt.timedelta(days=offset)
        spans, notes = [], []
        for start, end, state, comment in hours.intervals(day, day + dt.timedelta(days=1)):
            if state == State.OPEN:
                spans.append(_span(start, end, day))
                if comment and comment not in notes:
                    notes.append(comment)
        per_day.append((", ".join(spans), " ; ".join(notes)))
    if all(times == "0 h – 24 h" for times, _ in per_day):
        return Hours((DayHours("Tous les jours", "24 h sur 24", per_day[0][1]),), raw=expression)
    lines: list[DayHours] = []
    index = 0
    while index < 7:
        times, note = per_day[index]
        run = [index]
        while index + 1 < 7 and per_day[index + 1] == (times, note):
            index += 1
            run.append(index)
        index += 1
        if times:
            lines.append(
                DayHours(_group(run), times.replace("0 h – 24 h", "toute la journée"), note)
            )
    notes = []
    if re.search(r"\bPH\s+(off|closed)\b", expression):
        notes.append("Fermé les jours fériés.")
    if not lines:
        notes.append("Ouverture sur rendez-vous ou selon les indications de la structure.")
    return Hours(tuple(lines), tuple(notes), raw=expression)


def one_line(expression: str) -> str:
    """The whole week on one line, for the printed memo and the lists."""
    hours = describe(expression)
    if not hours.readable:
        return hours.raw
    parts = [
        f"{line.days} : {line.times}" + (f" ({line.note})" if line.note else "")
        for line in hours.lines
    ]
    return " · ".join([*parts, *hours.notes])
