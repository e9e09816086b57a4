"""Ready before the first visitor: what a web process would otherwise build during its first
requests — every view module imported through the URL configuration (WeasyPrint, the API's
schemas…), the URL names indexed, every template compiled, the directory's index of communes
and texts, the list of tables the public pages' version is read from. Measured on the
directory's bench: a new process's first search took 1.9 s, the next ones 16–20 ms; with the
views and the index ready, still 250 ms (URL names 120 ms, templates, version, texts); now
85–130 ms."""

import gc
import logging
from pathlib import Path

from django.db import DatabaseError
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver

from capsante.directory import easy_texts
from capsante.directory.search import commune_index
from capsante.ui.page_cache import content_version

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Called once per web process, as it starts (`capsante.wsgi`)."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 — reading it imports every view module
    _index_names(resolver)
    compile_templates()
    easy_texts.texts()  # the easy-to-read mode's texts, read from YAML (30 ms)
    try:
        commune_index()
        content_version()  # the first reading lists the tables it reads (80 ms)
    except DatabaseError:
        # Before the first `migrate`: the directory builds its index at its first search.
        log.info("warm-up: database not ready, the commune index waits for the first search")
    # What the process holds now (≈ 390,000 objects: Django, the views, the templates, the
    # index) lives as long as the process: out of the garbage collector's sight, since a full
    # collection walking it took 130 ms, paid every so often by one visitor (the directory's
    # bench showed it as the slowest search of each run).
    gc.collect()
    gc.freeze()


def _index_names(resolver) -> None:
    """The names every `{% url %}` looks up, indexed: Django does it at the first reversal of
    each namespace (120 ms for the first search page)."""
    resolver.reverse_dict  # noqa: B018 — reading it builds the index
    for _, included in resolver.namespace_dict.values():
        _index_names(included)


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
