"""Commands answer at once: starting Django imports none of the heavy libraries, and neither do
the commands people run to read a figure or write a report before they need them.

`capsante indicators show` took 5.4 s (issue 11), then 0.5 s; the apps added after it brought it
back to 2.2 s — their start-up hooks imported the engine, DuckDB, Arrow, the connectors and the
maps — without any test noticing. Each start is a fresh interpreter, as a user's command is.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from capsante.indicators import groupings
from capsante.outbox import services as outbox
from capsante.roadmaps import sections
from capsante.urls import Section, urlpatterns

ROOT = Path(__file__).resolve().parents[1]

# Libraries that take a tenth of a second or more to import and that starting a command does not
# need: the engine's (DuckDB, Arrow, sqlglot), the baselines', the maps' (PROJ, GEOS), the
# connectors' (data·inclusion), the events' (iCalendar), the PDFs' (WeasyPrint), Spark's, the API's.
HEAVY = {
    "duckdb",
    "pyarrow",
    "sqlglot",
    "polars",
    "pandas",
    "scipy",
    "pyproj",
    "shapely",
    "data_inclusion",
    "icalendar",
    "weasyprint",
    "pyspark",
    # The API's: django-ninja and pydantic (0.5 s of every command while "ninja" was an app).
    "ninja",
    "pydantic",
}


def loaded_after(code: str, tmp_path: Path, expect_output: str = "") -> set[str]:
    """The modules loaded once `code` has run, in a fresh interpreter with the project's
    settings on an empty SQLite database of its own (and `code` printed `expect_output`)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "capsante.settings", "CAPSANTE_DATA_DIR": str(tmp_path)}
    script = (
        "import json, sys\n"
        "import django\n"
        "django.setup()\n"
        f"{code}\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *printed, modules = done.stdout.strip().splitlines()
    assert expect_output in "\n".join(printed)
    return set(json.loads(modules))


def packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_starting_django_imports_no_heavy_library(tmp_path):
    loaded = packages(loaded_after("", tmp_path))
    # NumPy too: a target's status (which the models store) is named without fitting anything.
    assert loaded & (HEAVY | {"numpy"}) == set()


def test_the_indicators_command_loads_no_heavy_library_before_computing(tmp_path):
    loaded = loaded_after("import capsante.indicators.management.commands.indicators", tmp_path)
    # NumPy too: `show` reads a target's stored status, it does not forecast.
    assert packages(loaded) & (HEAVY | {"numpy"}) == set()


def test_a_report_command_starts_without_the_views_nor_weasyprint(tmp_path):
    """Run as a user runs it (system checks included, unless the command skips them): a DOCX
    committee report needs no PDF library, nor every view the system checks would import. The
    database is empty: the command stops at its first query — the territory's —, which proves
    it went past the arguments and the checks."""
    output = tmp_path / "rapport.docx"
    loaded = loaded_after(
        "from django.core.management import execute_from_command_line\n"
        "try:\n"
        "    execute_from_command_line(['capsante', 'report', 'committee', '--territory',"
        f" '53', '--output', {str(output)!r}])\n"
        "except BaseException as stopped:\n"
        "    print('stopped by', type(stopped).__name__, stopped)",
        tmp_path,
        expect_output="stopped by OperationalError no such table: territories_territory",
    )
    assert "weasyprint" not in packages(loaded)
    assert sorted(m for m in loaded if m.startswith("capsante") and m.endswith(".views")) == []
    # Nor the maps' (a roadmap's own map), the campaigns' engine export (Arrow) or the
    # spreadsheets': a committee report only reads the database and writes its document.
    assert packages(loaded) & (HEAVY | {"numpy", "openpyxl"}) == set()
    assert not output.exists()


def test_naming_one_page_imports_its_section_only(tmp_path):
    """The roadmap document links to the indicators' pages: reversing one of them used to import
    every view module and their libraries (1.1–2.0 s of the command). The root URL configuration
    imports a section when it is first used (decision 0031)."""
    loaded = loaded_after(
        "from django.urls import reverse\n"
        "print(reverse('indicators:detail', args=['INS_QUALIFICATION', 'departement', '72']))",
        tmp_path,
        expect_output="/indicateurs/INS_QUALIFICATION/departement/72/",
    )
    views = sorted(m for m in loaded if m.startswith("capsante") and m.endswith(".views"))
    # The sign-in form is mounted at the root too (the admin's), with the indicators' section.
    assert views == ["capsante.accounts.views", "capsante.indicators.views"]
    # Nor the spreadsheets', the DOCX's or the API's libraries, which the indicators' views
    # only use to export.
    assert packages(loaded) & (HEAVY | {"numpy", "openpyxl", "docx"}) == set()


def test_a_web_process_imports_every_section_as_it_starts(tmp_path):
    """A visitor never waits for a section's first import: the warm-up of each web process
    (`capsante.wsgi`) indexes every section's names, which imports them all."""
    loaded = loaded_after("from capsante.operations.warmup import warm_up\nwarm_up()", tmp_path)
    mounted = [p.urlconf_name for p in urlpatterns if isinstance(p, Section)]
    assert len(mounted) == 18
    assert [name for name in mounted if name not in loaded] == []


def test_each_section_is_mounted_under_its_modules_namespace():
    """`section()` is given the namespace Django would have read from the module's `app_name`
    with `include()`: a mistyped one would break every `{% url %}` of the section."""
    named = {
        p.urlconf_name: (p.namespace, importlib.import_module(p.urlconf_name).app_name)
        for p in urlpatterns
        if isinstance(p, Section)
    }
    assert {name: given for name, (given, own) in named.items() if given != own} == {}


def test_every_hook_registered_at_start_up_is_found():
    """Hooks are registered by dotted path (decision 0028): a mistyped one would only fail on the
    page or the mail that uses it. Each resolves to the function its app offers."""
    found = {
        "sections of the objective page": sections.builders(),
        "groupings of the dashboards": groupings.registered(),
        "attachments of mails": outbox.attachment_providers(),
    }
    names = {hook: [f"{f.__module__}.{f.__qualname__}" for f in fs] for hook, fs in found.items()}
    assert names == {
        "sections of the objective page": [
            "capsante.events.counts.objective_section",
            "capsante.officials.services.objective_section",
            "capsante.difficulties.stats.objective_section",
        ],
        "groupings of the dashboards": ["capsante.roadmaps.targets.objective_groups"],
        "attachments of mails": ["capsante.events.registrations.mail_attachments"],
    }


def test_a_hook_is_refused_unless_given_by_its_path():
    def build(user, objective):
        return None

    with pytest.raises(TypeError, match="dotted path"):
        sections.register("events", build)
    with pytest.raises(TypeError, match="dotted path"):
        groupings.register_grouping(build)
    with pytest.raises(TypeError, match="dotted path"):
        outbox.register_attachments(build)
