"""Shared fixtures: a small real-shaped geography and the named personas of DESIGN.md."""

import inspect
import json
import warnings
from pathlib import Path

import pytest

# Templates of ours: the project's files, and templates that tests build from a string.
OUR_TEMPLATES = (str(Path(__file__).resolve().parent / "capsante"), "<unknown source>")


def _square(lon: float, lat: float, size: float = 0.1) -> str:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


@pytest.fixture
def geography(db):
    """Pays de la Loire with Sarthe and Mayenne, two EPCI and five communes (real codes)."""
    # Imported here so that plain-Python packages can run their tests without Django.
    from capsante.territories.models import Level, Territory
    from capsante.territories.services import reset_search_index

    # A rolled-back test's territories come back under the same numbers with other names: the
    # names read by the commands' lookup and the web's search are read again.
    reset_search_index()

    region = Territory.objects.create(
        level=Level.REGION,
        code="52",
        name="Pays de la Loire",
        name_type="4",
        geometry=_square(-1.0, 47.0, 1.5),
    )
    sarthe = Territory.objects.create(
        level=Level.DEPARTEMENT,
        code="72",
        name="Sarthe",
        name_type="3",
        parent=region,
        geometry=_square(0.0, 47.8, 0.5),
    )
    mayenne = Territory.objects.create(
        level=Level.DEPARTEMENT,
        code="53",
        name="Mayenne",
        name_type="3",
        parent=region,
        geometry=_square(-0.8, 47.9, 0.5),
    )
    le_mans_metropole = Territory.objects.create(
        level=Level.EPCI, code="247200132", name="Le Mans Métropole"
    )
    laval_agglo = Territory.objects.create(
        level=Level.EPCI, code="200083392", name="Laval Agglomération"
    )
    communes = {}
    for code, name, pop, dep, epci, lon in [
        ("72181", "Le Mans", 142_946, sarthe, le_mans_metropole, 0.1),
        ("72003", "Allonnes", 11_000, sarthe, le_mans_metropole, 0.2),
        ("72154", "La Flèche", 15_000, sarthe, None, 0.3),
        ("53130", "Laval", 49_000, mayenne, laval_agglo, -0.7),
        ("53147", "Mayenne", 13_000, mayenne, None, -0.6),
    ]:
        communes[code] = Territory.objects.create(
            level=Level.COMMUNE,
            code=code,
            name=name,
            population=pop,
            population_vintage=2017,
            parent=dep,
            epci=epci,
            geometry=_square(lon, 47.9, 0.05),
        )
    return {
        "region": region,
        "sarthe": sarthe,
        "mayenne": mayenne,
        "communes": communes,
        "epci": {"le_mans": le_mans_metropole, "laval": laval_agglo},
    }


@pytest.fixture
def personas(geography):
    """Users by persona name: ars_admin, dt72_editor, dt53_editor, cpam72_contributor, elected_reader."""
    from capsante.accounts.personas import PERSONAS, ensure_persona

    names = ["ars_admin", "dt72_editor", "dt53_editor", "cpam72_contributor", "elected_reader"]
    return dict(zip(names, (ensure_persona(p) for p in PERSONAS), strict=True))


@pytest.fixture
def seeded_roadmaps(geography):
    from capsante.roadmaps.services import load_seed_roadmaps

    return {r.territory.code: r for r, _ in load_seed_roadmaps()}


class UndefinedVariable(str):
    """Django's `string_if_invalid` that raises: a template of ours that prints a variable its
    view did not pass, a misspelt name or an attribute that does not exist fails the test
    instead of printing nothing, even behind a filter (`|default` included). Django consults
    the setting (truth test, then "%s" formatting) only where a value is printed or passed on:
    `{% if %}`, `{% for %}` and `{% with %}` on a missing name never reach it. Third-party
    templates (django-dsfr's base reads `request.csp_nonce`, the admin's) render as in
    production: we cannot fix them."""

    def __bool__(self) -> bool:
        _raise_if_ours("Undefined template variable")
        return False

    def __mod__(self, variable: object) -> str:
        _raise_if_ours(f"Undefined template variable {variable!r}")
        return ""

    def __str__(self) -> str:  # an attribute Django refused to call (alters_data, arguments)
        _raise_if_ours("Invalid template variable")
        return ""


def _raise_if_ours(message: str) -> None:
    """Raise, naming the expression and the template, when the template is one of ours."""
    from django.template import TemplateSyntaxError
    from django.template.base import FilterExpression, Node

    expression, origin = "", None
    frame = inspect.currentframe()
    while frame is not None and origin is None:
        owner = frame.f_locals.get("self")
        if isinstance(owner, FilterExpression) and not expression:
            expression = f" {owner.token!r}"
        if isinstance(owner, Node) and getattr(owner, "origin", None) is not None:
            origin = owner.origin
        frame = frame.f_back
    if origin is not None and not str(origin.name).startswith(OUR_TEMPLATES):
        return
    where = f" in {origin.template_name or origin.name}" if origin else ""
    raise TemplateSyntaxError(f"{message}{expression}{where}")


@pytest.fixture(autouse=True)
def documents_folder(settings, tmp_path):
    """Each test its own folder of kept documents (decision 0050): an edition a test downloaded
    must not make another test's computation queue a job to lay it out again (decision 0051)."""
    settings.DOCUMENTS_DIR = tmp_path / "documents"
    return settings.DOCUMENTS_DIR


@pytest.fixture
def run_jobs(db):
    """Run the queued background jobs with the real worker, in this process (so that the test's
    settings apply), until none is left; returns the jobs as they ended."""
    from capsante.jobs.models import Job
    from capsante.jobs.tests.worker import run_queued_jobs

    def run() -> list:
        before = set(
            Job.objects.filter(status__in=["queued", "running"]).values_list("pk", flat=True)
        )
        run_queued_jobs()
        return list(Job.objects.filter(pk__in=before).order_by("pk"))

    return run


# The database the settings name before pytest-django swaps in the test database's name.
PLATFORM_DATABASE = ""


@pytest.fixture(scope="session")
def site_template(tmp_path_factory, django_db_setup, django_db_blocker):
    """Sites' database: a copy of the suite's test database, migrated once for both."""
    from django.db import connection

    from capsante.jobs.tests.sites import SiteTemplate

    # pytest-django creates the test database only when a collected test asks for one (`db`
    # and the like): a run of only these tests has none, and the connection still names the
    # platform's own database, which must not become the sites' template.
    test_database = connection if connection.settings_dict["NAME"] != PLATFORM_DATABASE else None
    with django_db_blocker.unblock():
        template = SiteTemplate(tmp_path_factory.mktemp("site-template"), test_database)
    if not template.copied:
        warnings.warn(
            f"sites' template migrated apart ({template.seconds:.0f} s): the test database "
            "could not be copied",
            stacklevel=1,
        )
    yield template
    template.close()


@pytest.fixture
def live_site(site_template, tmp_path):
    """A platform of its own (data folder, database) for tests that run real processes."""
    site = site_template.new(tmp_path / "site")
    yield site
    site_template.drop(site)


def pytest_configure(config):
    """The tests talk plain http to `testserver` and to the live server, as `make run` does
    (CAPSANTE_HTTPS=false): no redirect to https, no cookies reserved to HTTPS. Production's
    HTTPS settings have their own test (`check --deploy` in a subprocess). Templates render
    with a `string_if_invalid` that raises (see UndefinedVariable). The rate limits, whose
    counters outlive a test (the cache), are off but in their own tests
    (capsante/operations/tests/test_rate_limits.py). Passwords are hashed with few iterations
    (capsante/accounts/tests/hashers.py): the same algorithm, 0.44 s less per password."""
    from django.conf import settings
    from django.test import override_settings

    global PLATFORM_DATABASE
    PLATFORM_DATABASE = settings.DATABASES["default"]["NAME"]
    templates = [
        {**engine, "OPTIONS": {**engine["OPTIONS"], "string_if_invalid": UndefinedVariable("%s")}}
        for engine in settings.TEMPLATES
    ]
    override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        TEMPLATES=templates,
        RATE_LIMIT_LOGIN="0",
        RATE_LIMIT_API="0",
        RATE_LIMIT_PUBLIC_FORMS="0",
        # Kept pages would outlive a test's data: off but in their own tests (ui/tests).
        PUBLIC_PAGE_CACHE_SECONDS=0,
        PASSWORD_HASHERS=[
            "capsante.accounts.tests.hashers.FewIterationsPBKDF2PasswordHasher",
            *settings.PASSWORD_HASHERS,
        ],
    ).enable()


# Fixtures through which a test reaches the database (directly or through a server it starts).
# (Not django_db_blocker: pytest-django's autouse fixtures ask for it in every test.)
DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "site_template", "django_db_setup"}


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass (`make test-postgres`, CAPSANTE_TESTS_DATABASE_ONLY=1) runs the tests
    that reach the database: those that do not (parsers, engine, generator) would run the same
    code a second time for nothing, as the SQLite pass has already run them. Except the Spark
    cluster's test (`spark_cluster`), which reads no database either but runs in this pass
    only (the SQLite pass deselects it, see the Makefile): the two passes share two cores, and
    the SQLite pass, which runs every other test, ended minutes after this one."""
    import os

    if os.environ.get("CAPSANTE_TESTS_DATABASE_ONLY") != "1":
        return
    kept, left = [], []
    for item in items:
        uses_database = item.get_closest_marker("django_db") or DATABASE_FIXTURES.intersection(
            getattr(item, "fixturenames", ())
        )
        runs_here = uses_database or item.get_closest_marker("spark_cluster")
        (kept if runs_here else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
