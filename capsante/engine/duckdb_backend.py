"""The default backend: an in-memory DuckDB over the staged Parquet files.

Each staged table is a view over its Parquet glob, so a partition rewritten by an import is seen by
the next query without any reload. Once the views exist the connection is locked down: file access
is limited to the staging root and configuration is frozen, so a definition's SQL can read the
staged tables and nothing else. Queries run under a time limit; ad-hoc queries also get a row cap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa

from .backend import Backend, Progress, Territory
from .definitions import Definition
from .query import table_ref
from .staging import CONTRACT, PARTITIONED, parquet_files, table_dir

T = TypeVar("T")


class QueryTimeout(RuntimeError):
    """A query ran past the backend's time limit and was interrupted."""


class DuckDBBackend(Backend):
    def __init__(
        self,
        staging_root: Path | str,
        *,
        membership: pa.Table | None = None,
        population: pa.Table | None = None,
        threads: int | None = None,
        memory_limit: str | None = None,
        timeout_s: float | None = 600.0,
    ):
        """`membership`/`population` (Arrow tables with the contract's columns) replace the
        `territory_membership`/`territory_population` Parquet exports when given, so the Django
        side may hand them over from memory instead of writing files."""
        self.staging_root = Path(staging_root).resolve()
        self.timeout_s = timeout_s
        self.con = duckdb.connect(":memory:")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{_plain(memory_limit)}'")
        given = {"territory_membership": membership, "territory_population": population}
        for table in CONTRACT:
            self._register(table, given.get(table))
        self._lock_down()

    def _register(self, table: str, arrow: pa.Table | None) -> None:
        view = table_ref(table)
        if arrow is not None:
            self.con.register(view, arrow.select(CONTRACT[table].names))
        elif not parquet_files(self.staging_root, table):
            # Absent table: an empty view of the contract's shape, so definitions return no rows.
            self.con.register(view, CONTRACT[table].empty_table())
        else:
            # A glob, not a file list, so partitions written by a later import are seen too. No
            # union_by_name: it would open every partition's footer at each query, whereas all
            # partitions follow the contract's columns and the period filter skips unneeded files.
            pattern = _plain(str(table_dir(self.staging_root, table) / "**" / "*.parquet"))
            hive = "hive_partitioning = true, hive_types = {'period': 'VARCHAR'}"
            options = hive if table in PARTITIONED else "hive_partitioning = false"
            # The view name is a contract table name and the path is quoted: S608 does not apply.
            self.con.execute(
                f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{pattern}', {options})"  # noqa: S608
            )

    def _lock_down(self) -> None:
        root = _plain(str(self.staging_root) + "/")
        self.con.execute(f"SET allowed_directories = ['{root}']")
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET autoinstall_known_extensions = false")
        self.con.execute("SET autoload_known_extensions = false")
        self.con.execute("SET lock_configuration = true")

    def run_sql(self, sql: str) -> pa.Table:
        return self._timed(lambda: self.con.sql(sql).to_arrow_table())

    def materialize(self, name: str, sql: str) -> None:
        # The name is made by the shared plan (letters, digits, '_'), not taken from input.
        self._timed(lambda: self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}"))  # noqa: S608

    def drop(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def query(self, sql: str, *, max_rows: int = 10_000, timeout_s: float = 30.0) -> pa.Table:
        """An ad-hoc read-only query (e.g. a documentation preview), capped in rows and time.

        Raises ValueError when the result has more than `max_rows` rows rather than silently
        truncating it.
        """
        table = self._timed(
            lambda: self.con.sql(sql).limit(int(max_rows) + 1).to_arrow_table(), timeout_s
        )
        if len(table) > max_rows:
            raise ValueError(f"query returned more than {max_rows} rows")
        return table

    def _timed(self, fetch: Callable[[], T], timeout_s: float | None = None) -> T:
        limit = timeout_s if timeout_s is not None else self.timeout_s
        if not limit:
            return fetch()
        timer = threading.Timer(limit, self.con.interrupt)
        timer.start()
        try:
            return fetch()
        except duckdb.InterruptException as error:
            raise QueryTimeout(f"query interrupted after {limit:g} s") from error
        finally:
            timer.cancel()

    def close(self) -> None:
        self.con.close()


def _plain(text: str) -> str:
    """A path or setting embedded in a SQL string literal: quotes doubled."""
    return text.replace("'", "''")


def compute(
    definitions: Iterable[Definition],
    staging_root: Path | str,
    periods: Collection[str] | None = None,
    territories: Sequence[Territory] | None = None,
    progress: Progress | None = None,
    *,
    snapshot_period: str | None = None,
    membership: pa.Table | None = None,
    population: pa.Table | None = None,
) -> pa.Table:
    """Compute definitions with DuckDB; see `capsante.engine.compute`."""
    with DuckDBBackend(staging_root, membership=membership, population=population) as backend:
        return backend.compute(definitions, periods, territories, snapshot_period, progress)
