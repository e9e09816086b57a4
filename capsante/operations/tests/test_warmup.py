"""A web process builds what its first visitors would wait for before it takes requests."""

import os
import subprocess
import sys

import pytest
from django.test import Client

from capsante.directory import search
from capsante.operations.warmup import warm_up


@pytest.mark.django_db
def test_after_the_warm_up_the_first_search_needs_no_index_to_build(geography, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    search.reset_index()
    warm_up()
    index = search._index
    assert index is not None
    Client().get("/ressources/", {"q": "Le Mans"})
    assert search._index is index  # the search used the one built at start


def test_a_process_started_before_the_first_migrate_still_starts(tmp_path):
    env = dict(os.environ, CAPSANTE_DATA_DIR=str(tmp_path), DEBUG="false", SECRET_KEY="t")
    env.pop("DATABASE_URL", None)  # a new SQLite file, without any table
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, capsante.wsgi; print(capsante.wsgi.application, gc.get_freeze_count())",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "WSGIHandler" in done.stdout
    # What the process holds after the warm-up is out of the garbage collector's sight.
    assert int(done.stdout.split()[-1]) > 100_000


def test_the_warm_up_compiles_the_pages_templates_before_the_first_visitor():
    from django.template import engines

    from capsante.operations.warmup import compile_templates

    (cached,) = engines["django"].engine.template_loaders  # DEBUG off: templates are kept
    cached.reset()
    assert compile_templates() > 200
    kept = set(cached.get_template_cache)
    for page in ("directory/search.html", "directory/_resource_block.html", "site/header.html"):
        assert page in kept, page
