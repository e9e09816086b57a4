from django import template

register = template.Library()


@register.filter
def person(user, fallback: str = "—") -> str:
    """A user as people read them: full name, else username, else the fallback (no user)."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()
