"""Helpers shared by the routes: answers documented per status, territories by reference."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja.errors import ValidationError as NinjaValidationError

from capsante.territories.models import Territory

from .schemas import ErrorOut, ValidationErrorOut

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def reads(schema) -> dict:
    """A read: 200 with the data, 304 when the client's copy (If-None-Match) is current."""
    return {200: schema, 304: None, **ERRORS}


def writes(schema, *statuses: int) -> dict:
    return {status: schema for status in statuses or (200,)} | ERRORS


def territory_ref(territory: Territory | None) -> dict | None:
    if territory is None:
        return None
    return {"level": territory.level, "code": territory.code, "name": territory.name}


def territory_at(level: str, code: str) -> Territory:
    return get_object_or_404(
        Territory.objects.select_related("parent__parent"), level=level, code=code
    )


def bad_input(location: str, field: str, message: str) -> NinjaValidationError:
    """A 422 naming the field, for what the schema cannot tell (an unknown code)."""
    return NinjaValidationError(
        [{"loc": [location, field], "type": "value_error", "ctx": {"error": message}}]
    )


def territory_from_ref(ref: str, field: str, location: str = "query") -> Territory:
    """ "departement:72" → the territory; an unknown one is refused as bad input naming `field`."""
    level, _, code = ref.partition(":")
    try:
        return territory_at(level, code)
    except Http404:
        raise bad_input(location, field, f"territoire inconnu ({ref})") from None
