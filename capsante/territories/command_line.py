"""`--territory` as every command reads it: a code, « R52 » for a région, or a name."""

from django.core.management.base import CommandError, OutputWrapper

from .models import Territory
from .services import UnknownTerritory, find

HELP = "Code INSEE, SIREN ou nom du territoire (région : R52 ou son nom)"


def territory_from(text: str, stderr: OutputWrapper, level: str | None = None) -> Territory:
    """The territory designated; when the same words designate others too (« 52 »: the
    Haute-Marne and the Pays de la Loire), says which was taken and how to ask for the others,
    so that nobody prints the Haute-Marne's report believing it the région's."""
    try:
        found = find(text, level)
    except UnknownTerritory as exc:
        raise CommandError(str(exc)) from exc
    if found.also:
        stderr.write(f"Territoire retenu : {found.territory}. {found.note}")
    return found.territory
