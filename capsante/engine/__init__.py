"""The indicator engine: definitions → values for every territory and period.

A plain Python package with no Django import (a test checks it). Entry points:

- `load_definitions(directory=None)` reads and validates the catalogue
  (`capsante/indicators/definitions/*.yaml`).
- `compute(definitions, staging_root, periods=None, territories=None, progress=None,
  backend="duckdb", ...)` returns an Arrow table with the columns of `RESULT_SCHEMA`:
  indicator_code, territory_code, territory_level, period, numerator, denominator, value; the
  four codes dictionary-encoded (decision 0040), `plain(result)` gives them as plain text.
- `recompute_plan(definitions, changes)` says what to recompute after imports.
- `forecast` and `status` hold trajectories, forecasts and the status rule.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from .aggregation import (
        PLAIN_SCHEMA,
        RESULT_SCHEMA,
        Combined,
        NotCombinable,
        combine,
        plain,
        value_of,
    )
    from .backend import Backend, Progress, Territory, plan_periods, recompute_plan
    from .definitions import (
        Definition,
        DefinitionError,
        Reference,
        load_definition,
        load_definitions,
    )
    from .files import DEFAULT_DIR

__all__ = [
    "DEFAULT_DIR",
    "PLAIN_SCHEMA",
    "RESULT_SCHEMA",
    "Backend",
    "Combined",
    "Definition",
    "DefinitionError",
    "NotCombinable",
    "Progress",
    "Reference",
    "Territory",
    "combine",
    "compute",
    "get_backend",
    "load_definition",
    "load_definitions",
    "plain",
    "plan_periods",
    "recompute_plan",
    "value_of",
]

# Names served from their modules at first use (PEP 562): importing the package, or its light
# modules (status, periods, forecast), does not load pyarrow, sqlglot and YAML, so that a
# command like `capsante indicators show` starts at once.
_LAZY = {
    "PLAIN_SCHEMA": "aggregation",
    "RESULT_SCHEMA": "aggregation",
    "plain": "aggregation",
    "Combined": "aggregation",
    "NotCombinable": "aggregation",
    "combine": "aggregation",
    "value_of": "aggregation",
    "Backend": "backend",
    "Progress": "backend",
    "Territory": "backend",
    "plan_periods": "backend",
    "recompute_plan": "backend",
    "DEFAULT_DIR": "files",
    "Definition": "definitions",
    "DefinitionError": "definitions",
    "Reference": "definitions",
    "load_definition": "definitions",
    "load_definitions": "definitions",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


BACKENDS = ("duckdb", "spark")


def get_backend(name: str, staging_root: Path | str, **options: Any) -> Backend:
    """A backend by name ("duckdb" or "spark"), so a setting can switch between them."""
    if name == "duckdb":
        # lazy: a backend loads its engine (DuckDB, or a JVM for Spark) only when chosen.
        from .duckdb_backend import DuckDBBackend

        return DuckDBBackend(staging_root, **options)
    if name == "spark":
        # lazy: pyspark is an optional extra.
        from .spark_backend import SparkBackend

        return SparkBackend(staging_root, **options)
    raise ValueError(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})")


def compute(
    definitions: Iterable[Definition],
    staging_root: Path | str,
    periods: Collection[str] | None = None,
    territories: Sequence[Territory] | None = None,
    progress: Progress | None = None,
    *,
    backend: str = "duckdb",
    snapshot_period: str | None = None,
    membership: pa.Table | None = None,
    population: pa.Table | None = None,
    shared: bool | None = None,
    options: dict[str, Any] | None = None,
) -> pa.Table:
    """Values of the definitions for every territory and period.

    - `periods`: the months an import rewrote ('YYYY-MM'); None recomputes everything. The result
      holds every row that depends on them (rolling windows reach the following months).
    - `territories`: optional scope of (territory_level, territory_code) pairs; every territory
      with a commune in the scope is returned, computed over all of its communes.
    - `snapshot_period`: the month given to indicators over tables without a period; default the
      month of the latest import of those tables.
    - `membership` / `population`: Arrow tables replacing the `territory_membership` /
      `territory_population` exports in the staging root.
    - `progress(done, total, code)` is called after each definition.
    - `shared`: the shared plan (membership built once, one pass per staged table, see
      shared.py); False runs one self-contained query per definition. Same values. None: what
      the backend runs faster (DuckDB: shared; Spark: one query per definition).
    - `options`: passed to the backend (Spark: `master`, `conf`; DuckDB: `threads`,
      `memory_limit`, `workers`: queries of the shared plan run side by side, 2 by default).

    Rows come in no particular order (`aggregation.sort_result` sorts them).
    """
    with get_backend(
        backend, staging_root, membership=membership, population=population, **(options or {})
    ) as b:
        return b.compute(
            definitions, periods, territories, snapshot_period, progress, shared=shared
        )
