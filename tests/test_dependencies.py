"""The platform's code imports only what installing the platform installs.

The tests and the benches run in an environment that also holds the test dependencies (pandas,
Polars, pytest, Playwright…): an `import pandas` slipped into the platform's code would pass
every test here and fail on a deployed server, where `pip install .` never installed it. The
benches measure the commands as deployed, with pandas refused at import (bench/RESULTS.md,
5 December); this keeps that true of the code they measure.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# Modules whose extra installs what they import: Spark's backend and its local cluster, chosen
# with CAPSANTE_INDICATOR_ENGINE=spark after `pip install '.[spark]'` (README, DuckDB ou Spark ?).
EXTRA_OF_MODULE = {
    "capsante/engine/spark_backend.py": "spark",
    "capsante/engine/spark_cluster.py": "spark",
}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_with(requirements: Iterable[str]) -> set[str]:
    """The distributions `pip install` brings for these requirements, theirs included, on this
    interpreter and platform (markers evaluated, no extra)."""
    found: set[str] = set()
    waiting = [Requirement(r) for r in requirements]
    while waiting:
        requirement = waiting.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = normalised(requirement.name)
        if name in found:
            continue
        found.add(name)
        waiting += [Requirement(r) for r in metadata.requires(name) or []]
    return found


def imported_packages(path: Path) -> Iterator[tuple[str, int]]:
    """(top-level package, line) of each absolute import of a module, but for those inside a
    `try` that handles their ImportError: optional, with a message saying what to install."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    optional: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            optional |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            yield name.partition(".")[0], node.lineno


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(
        isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError"} for n in names
    )


def not_installed(paths: Iterable[Path], root: Path) -> list[str]:
    """`file:line package` of each import of a package that installing the platform (with the
    module's extra, if it has one) does not install."""
    distributions = metadata.packages_distributions()
    platform = installed_with(PROJECT["dependencies"])
    extras = {
        extra: platform | installed_with(PROJECT["optional-dependencies"][extra])
        for extra in set(EXTRA_OF_MODULE.values())
    }
    missing = []
    for path in paths:
        relative = path.relative_to(root).as_posix()
        allowed = extras[EXTRA_OF_MODULE[relative]] if relative in EXTRA_OF_MODULE else platform
        for package, line in imported_packages(path):
            if package in sys.stdlib_module_names or package == "capsante":
                continue
            if not {normalised(d) for d in distributions.get(package, [])} & allowed:
                missing.append(f"{relative}:{line} {package}")
    return missing


def platform_modules(root: Path) -> list[Path]:
    return [
        path
        for path in sorted((root / "capsante").rglob("*.py"))
        if "tests" not in path.relative_to(root).parts and path.name != "conftest.py"
    ]


def test_the_platform_imports_only_what_installing_it_installs():
    assert not_installed(platform_modules(ROOT), ROOT) == []


def test_the_check_sees_a_test_dependency_imported_by_the_platform(tmp_path):
    module = tmp_path / "capsante" / "indicators" / "exports_frame.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import json\nimport pandas as pd\nfrom polars import DataFrame\n"
        "try:\n    import sentry_sdk\nexcept ImportError:\n    sentry_sdk = None\n",
        encoding="utf-8",
    )
    spark = tmp_path / "capsante" / "engine" / "spark_backend.py"
    spark.parent.mkdir(parents=True)
    spark.write_text("import pyspark\n", encoding="utf-8")
    elsewhere = tmp_path / "capsante" / "engine" / "duckdb_backend.py"
    elsewhere.write_text("import pyspark\nimport duckdb\n", encoding="utf-8")

    assert not_installed(platform_modules(tmp_path), tmp_path) == [
        "capsante/engine/duckdb_backend.py:1 pyspark",
        "capsante/indicators/exports_frame.py:2 pandas",
        "capsante/indicators/exports_frame.py:3 polars",
    ]
