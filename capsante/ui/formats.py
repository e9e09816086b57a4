"""Numbers, months and dates as French readers write them. Plain Python, no Django.

One table of month names and one way to write a number for every screen, export and document:
a narrow no-break space between thousands, a decimal comma, "1er" for the first of a month.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

# Written in capsante.french, below the layers that may not import this module; used from here.
from capsante.french import MONTHS as MONTHS
from capsante.french import NBSP as NBSP
from capsante.french import THOUSANDS as THOUSANDS
from capsante.french import month as month
from capsante.french import number as number
from capsante.french import percent as percent
from capsante.french import plural as plural


def day(value: dt.date | None, empty: str = "—") -> str:
    """A date as written in French: '1er juin 2026', '12 octobre 2023'."""
    if value is None:
        return empty
    first = "1er" if value.day == 1 else str(value.day)
    return f"{first} {MONTHS[value.month - 1]} {value.year}"


# --- Moments: Paris time everywhere (screens, exports, documents) ------------------------------

PARIS = ZoneInfo("Europe/Paris")


def paris(value: dt.datetime) -> dt.datetime:
    """An instant in Paris time; a naive datetime is taken as already in Paris time."""
    return value.astimezone(PARIS) if value.tzinfo else value.replace(tzinfo=PARIS)


def moment(value: dt.datetime | None, empty: str = "—") -> str:
    """An instant as French readers write it, in Paris time: '30 novembre 2026 à 16 h 59'."""
    if value is None:
        return empty
    local = paris(value)
    return f"{day(local.date())} à {local.hour} h {local.minute:02d}"


def moment_short(value: dt.datetime | None, empty: str = "—") -> str:
    """The same instant for a table cell or an export: '30/11/2026 16:59', Paris time."""
    if value is None:
        return empty
    return paris(value).strftime("%d/%m/%Y %H:%M")


def day_short(value: dt.date | None, empty: str = "—") -> str:
    """'30/11/2026' (a datetime counts by its Paris day)."""
    if value is None:
        return empty
    if isinstance(value, dt.datetime):
        value = paris(value).date()
    return value.strftime("%d/%m/%Y")


# --- Reading what people type -----------------------------------------------------------------

_MONTH_NAMES = {
    **{name: index for index, name in enumerate(MONTHS, start=1)},
    **{name.replace("é", "e").replace("û", "u"): i for i, name in enumerate(MONTHS, start=1)},
    "janv": 1,
    "fev": 2,
    "févr": 2,
    "avr": 4,
    "juil": 7,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "déc": 12,
}
_NUMERIC_MONTH = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_NAMED_MONTH = re.compile(r"^\s*([^\W\d_]+)\.?\s+(\d{4})\s*$")


def parse_month(text: str | None) -> str | None:
    """A month as people write it ('12/2026', 'décembre 2026', 'déc. 2026', '2026-12') →
    '2026-12'; None when it is not a month. An empty text is ''."""
    text = (text or "").strip()
    if not text:
        return ""
    year = month_index = None
    if match := _ISO_MONTH.match(text):
        year, month_index = int(match.group(1)), int(match.group(2))
    elif match := _NUMERIC_MONTH.match(text):
        month_index, year = int(match.group(1)), int(match.group(2))
    elif match := _NAMED_MONTH.match(text.lower()):
        month_index, year = _MONTH_NAMES.get(match.group(1)), int(match.group(2))
    if not year or not month_index or not 1 <= month_index <= 12:
        return None
    return f"{year:04d}-{month_index:02d}"


def month_short(period: str | None) -> str:
    """'2026-12' as a form shows it back: '12/2026'."""
    if not period or len(period) != 7 or period[4] != "-":
        return period or ""
    return f"{period[5:]}/{period[:4]}"


def parse_number(text: str | None) -> float | None:
    """A number as French readers type it: '1 234,5', '80 %', '3.87' → float; None otherwise."""
    cleaned = (text or "").strip().removesuffix("%").strip()
    for space in (" ", NBSP, THOUSANDS):
        cleaned = cleaned.replace(space, "")
    cleaned = cleaned.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


# --- Words --------------------------------------------------------------------------------------


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "’": "'"})


def sort_key(text: str | None) -> tuple[str, str]:
    """French collation, as a dictionary sorts: accents and case count only to break ties
    (Étival under E, not after Z; 'œ' as 'oe'), hyphens and apostrophes as spaces."""
    text = (text or "").translate(_LIGATURES)
    base = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).casefold()
    base = re.sub(r"[-'\s]+", " ", base).strip()
    return base, text


# INSEE's name types (TNCC): the article a name takes, and how "de" joins it.
_OF = {
    "0": "de ",
    "1": "d’",
    "2": "du ",
    "3": "de la ",
    "4": "des ",
    "5": "de l’",
    "6": "des ",
    "7": "de Las ",
    "8": "de Los ",
}
_LEADING_ARTICLE = {"Le ": "du ", "Les ": "des ", "La ": "de La ", "L'": "de L’", "L’": "de L’"}
_VOWELS = "AEIOUYÂÊÎÔÛÉÈËÏÜ"


def of_name(name: str, name_type: str = "", article_in_name: bool = False) -> str:
    """'de la Sarthe', 'du Mans', 'des Pays de la Loire', 'd’Angers', 'de La Flèche'.

    `name_type` is INSEE's TNCC. Communes carry their article in their name ('Le Mans'):
    `article_in_name` says so, and 'Le'/'Les' contract with 'de' while 'La' and "L'" do not.
    A name whose type is unknown takes 'de', or 'd’' before a vowel."""
    if article_in_name:
        for article, joined in _LEADING_ARTICLE.items():
            if name.startswith(article):
                return joined + name[len(article) :]
        name_type = ""
    if name_type and name_type in _OF:
        joined = _OF[name_type]
        if name_type in ("2", "3", "4", "5", "6") and name.split(" ")[0] in ("Le", "La", "Les"):
            return "de " + name  # the name already holds its article
        return joined + name
    if name.startswith(_FEMININE_BODIES):
        return "de la " + name
    return ("d’" if name[:1].upper() in _VOWELS else "de ") + name


# EPCI and groupings are named after their kind: "Communauté de communes du Val de Sarthe".
_FEMININE_BODIES = ("Communauté", "Métropole", "Agglomération")
