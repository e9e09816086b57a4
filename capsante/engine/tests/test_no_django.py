"""The engine is plain Python: no Django import anywhere in capsante/engine, pyspark only lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_imports_django():
    offenders = {
        str(p.relative_to(ENGINE)): sorted(
            m for m in imported_modules(p) if m.split(".")[0] == "django"
        )
        for p in ENGINE.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_engine_loads_neither_django_nor_pyspark():
    code = (
        "import sys\n"
        "import capsante.engine, capsante.engine.duckdb_backend, capsante.engine.spark_backend\n"
        "import capsante.engine.forecast, capsante.engine.status\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'pyspark'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ENGINE.parents[1])
