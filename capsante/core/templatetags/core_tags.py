from django import template

register = template.Library()


@register.filter
def person(user, fallback: str = "—") -> str:
    """A user as people read them: full name, else username, else the fallback (no user)."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


MONTHS = [
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
]


@register.filter
def month(period: str | None) -> str:
    """'2026-10' as people say it: 'octobre 2026'."""
    if not period or len(period) != 7 or period[4] != "-":
        return period or "—"
    year, number = period[:4], period[5:]
    if not (year.isdigit() and number.isdigit() and 1 <= int(number) <= 12):
        return period
    return f"{MONTHS[int(number) - 1]} {year}"
