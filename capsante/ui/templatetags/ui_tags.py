from django import template

from capsante.ui import formats

register = template.Library()


@register.filter
def person(user, fallback: str = "—") -> str:
    """A user as people read them: full name, else username, else the fallback (no user)."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


@register.filter
def month(period: str | None) -> str:
    """'2026-10' as people say it: 'octobre 2026'."""
    return formats.month(period)


@register.filter
def fr_number(value, digits: int = 0) -> str:
    """12345.6 → '12 345,6' (narrow no-break space, decimal comma)."""
    return formats.number(value, int(digits))
