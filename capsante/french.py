"""How French writes a count: thin spaces between thousands, a decimal comma, and the noun
agreeing with the count. Plain Python at the bottom of the layers, so that the engine and the
file parsers say their figures as the pages do (`capsante.ui.formats` builds on it)."""

from __future__ import annotations

import re
import unicodedata

THOUSANDS = "\u202f"  # espace fine insécable
NBSP = "\u00a0"
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


def number(value: float | int | None, digits: int = 0, empty: str = "—") -> str:
    """12345.678 → '12 345,7' with digits=1; None → the `empty` mark."""
    if value is None:
        return empty
    text = f"{value:,.{digits}f}".replace(",", THOUSANDS).replace(".", ",")
    return text[1:] if text.startswith("-") and not text.strip("-0,") else text


def month(period: str | None) -> str:
    """'2026-10' as people say it: 'octobre 2026' (anything else is returned as it is)."""
    if not period or len(period) != 7 or period[4] != "-":
        return period or "—"
    year, index = period[:4], period[5:]
    if not (year.isdigit() and index.isdigit() and 1 <= int(index) <= 12):
        return period
    return f"{MONTHS[int(index) - 1]} {year}"


def percent(value: float | None, digits: int = 1, empty: str = "—") -> str:
    """12.34 → '12,3 %', the sign after a no-break space."""
    if value is None:
        return empty
    return f"{number(value, digits)}{NBSP}%"


_ELIDED = tuple("aeiouyàâäéèêëîïôöùûüœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒ")


def of(text: str) -> str:
    """« de » before `text`, elided before a vowel: « d’octobre 2025 », « de novembre 2025 »
    (words starting with an aspirated or mute h are left to the caller)."""
    return f"d’{text}" if text.startswith(_ELIDED) else f"de {text}"


def takes_plural(count: float | int) -> bool:
    """French puts a noun in the plural from 2 on: « 0 structure », « 1,5 jour », « 2 jours »."""
    return abs(count) >= 2


def plural(count: float | int, singular: str, plural_form: str | None = None) -> str:
    """'1 structure', '12 structures', '1 234 officines': never 'structure(s)'. French takes the
    singular below 2 (0 and 1,5 included)."""
    word = (plural_form or singular + "s") if takes_plural(count) else singular
    digits = 0 if float(count).is_integer() else 1
    return f"{number(count, digits)}{NBSP}{word}"


def size(count: int) -> str:
    """A quantity of bytes as a reader says it: « 812 octets », « 6,2 ko », « 297,9 Mo », « 1,2 Go »
    (French writes o for octet; multiples of 1,024, as the file managers show them)."""
    for unit, scale in (("Go", 1024**3), ("Mo", 1024**2), ("ko", 1024)):
        if count >= scale:
            return f"{number(count / scale, 1)}{NBSP}{unit}"
    return plural(count, "octet")


def search_key(text: str | None) -> str:
    """What two names are compared by when someone types one: 'Le Mans' and 'le-mans ' →
    'le mans', 'Château-Gontier' → 'chateau gontier', 'St-Aubin' → 'saint aubin'; accents, case,
    hyphens and apostrophes set aside."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = re.sub(r"\bst\b", "saint", re.sub(r"\bste\b", "sainte", plain))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())
