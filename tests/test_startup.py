"""Commands answer at once: starting Django imports none of the heavy libraries, and neither do
the commands people run to read a figure or write a report before they need them.

`capsante indicators show` took 5.4 s (issue 11), then 0.5 s; the apps added after it brought it
back to 2.2 s — their start-up hooks imported the engine, DuckDB, Arrow, the connectors and the
maps — without any test noticing. Each start is a fresh interpreter, as a user's command is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Libraries that take a tenth of a second or more to import and that starting a command does not
# need: the engine's (DuckDB, Arrow, sqlglot), the baselines', the maps' (PROJ, GEOS), the
# connectors' (data·inclusion), the events' (iCalendar), the PDFs' (WeasyPrint), Spark's.
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
}


def loaded_after(code: str, tmp_path: Path) -> set[str]:
    """The modules loaded once `code` has run, in a fresh interpreter with the project's
    settings on an empty SQLite database of its own."""
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
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_starting_django_imports_no_heavy_library(tmp_path):
    loaded = packages(loaded_after("", tmp_path))
    # NumPy too: a target's status (which the models store) is named without fitting anything.
    assert loaded & (HEAVY | {"numpy"}) == set()


def test_the_indicators_command_loads_no_heavy_library_before_computing(tmp_path):
    loaded = loaded_after("import capsante.indicators.management.commands.indicators", tmp_path)
    assert packages(loaded) & HEAVY == set()


def test_a_report_command_starts_without_the_views_nor_weasyprint(tmp_path):
    """Run as a user runs it (system checks included, unless the command skips them): a DOCX
    committee report needs no PDF library, nor every view the system checks would import. The
    territory does not exist: the command stops there, after starting."""
    loaded = loaded_after(
        "from django.core.management import execute_from_command_line\n"
        "try:\n"
        "    execute_from_command_line(['capsante', 'report', 'committee', '--territory',"
        " '99999', '--output', 'rapport.docx'])\n"
        "except (SystemExit, Exception):\n"
        "    pass",
        tmp_path,
    )
    assert "weasyprint" not in packages(loaded)
    assert "capsante.reports.management.commands.report" in loaded  # it did start
    assert sorted(m for m in loaded if m.startswith("capsante") and m.endswith(".views")) == []
