"""Ready before the first visitor: what a web process would otherwise build during its first
requests — every view module imported through the URL configuration (WeasyPrint, the API's
schemas…) and the directory's index of communes. Measured on the directory's bench: a new
process's first search took 1.9 s, the next ones 16 ms."""

import logging

from django.db import DatabaseError
from django.urls import get_resolver

from capsante.directory.search import commune_index

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Called once per web process, as it starts (`capsante.wsgi`)."""
    get_resolver().url_patterns  # noqa: B018 — reading it imports every view module
    try:
        commune_index()
    except DatabaseError:
        # Before the first `migrate`: the directory builds its index at its first search.
        log.info("warm-up: database not ready, the commune index waits for the first search")
