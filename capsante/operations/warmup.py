"""Ready before the first visitor: what a web process would otherwise build during its first
requests — every view module imported through the URL configuration (WeasyPrint, the API's
schemas…), every template compiled, and the directory's index of communes. Measured on the
directory's bench: a new process's first search took 1.9 s, the next ones 16 ms; with the views
and the index ready, still 155 ms, compiling the page's templates (all 272 take 0.3 s)."""

import gc
import logging
from pathlib import Path

from django.db import DatabaseError
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver

from capsante.directory.search import commune_index

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Called once per web process, as it starts (`capsante.wsgi`)."""
    get_resolver().url_patterns  # noqa: B018 — reading it imports every view module
    compile_templates()
    try:
        commune_index()
    except DatabaseError:
        # Before the first `migrate`: the directory builds its index at its first search.
        log.info("warm-up: database not ready, the commune index waits for the first search")
    # What the process holds now (≈ 390,000 objects: Django, the views, the templates, the
    # index) lives as long as the process: out of the garbage collector's sight, since a full
    # collection walking it took 130 ms, paid every so often by one visitor (the directory's
    # bench showed it as the slowest search of each run).
    gc.collect()
    gc.freeze()


def compile_templates() -> int:
    """Every template of the project and its libraries, compiled into the loader's cache (it
    keeps them when DEBUG is off); returns how many."""
    backend = engines["django"]
    engine = backend.engine
    compiled = 0
    for directory in backend.template_dirs:
        for path in sorted(Path(directory).rglob("*")):
            if not path.is_file():
                continue
            try:
                engine.get_template(path.relative_to(directory).as_posix())
                compiled += 1
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError) as error:
                log.warning("warm-up: template %s not compiled: %s", path, error)
    return compiled
