"""The default backend: an in-memory DuckDB over the staged Parquet files.

Each staged table is a view over its Parquet glob, so a partition rewritten by an import is seen by
the next query without any reload. Before the first query (and before anyone reaches the
connection) it is locked down: file access is limited to the staging root and configuration is
frozen, so a definition's SQL can read the staged tables and nothing else. Queries run under a
time limit; ad-hoc queries also get a row cap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Generator, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa

from .backend import Backend, Progress, Territory
from .definitions import Definition
from .files import parquet_files, table_dir
from .periods import PERIOD_RE
from .query import table_ref
from .staging import CONTRACT, PARTITIONED

T = TypeVar("T")
R = TypeVar("R")


class QueryTimeout(RuntimeError):
    """A query ran past the backend's time limit and was interrupted."""


class DuckDBBackend(Backend):
    month_by_month = True

    def __init__(
        self,
        staging_root: Path | str,
        *,
        membership: pa.Table | None = None,
        population: pa.Table | None = None,
        threads: int | None = None,
        memory_limit: str | None = None,
        timeout_s: float | None = 600.0,
        workers: int = 2,
        tables: Collection[str] | None = None,
    ):
        """`membership`/`population` (Arrow tables with the contract's columns) replace the
        `territory_membership`/`territory_population` Parquet exports when given, so the Django
        side may hand them over from memory instead of writing files.

        `workers`: how many of a recompute's queries run side by side (`run_each`). One query
        leaves a core idle about a third of the time (planning, converting its rows to Arrow,
        giving them their value in pyarrow); a second one fills it: national recompute 3.8 →
        3.1 s on two cores, a third no faster (bench/RESULTS.md).

        `threads`: DuckDB's threads, for every query. Not given, a recompute of many queries
        (the shared plan of a full recompute) gives each query its share of the cores, the
        queries side by side filling them, and a recompute of a few (one month of one source)
        lets each query use them all (`expect`): national 3.0 → 2.7 s; one month of documents
        takes 0.34 s with every core, 0.45 s with one (bench/RESULTS.md).

        `tables`: the staged tables a query will read, when it reads a few (a page's query):
        each table's view costs the opening its folder's glob, and the 21 of them took 76 ms,
        more than the query of an indicator's establishments (bench/RESULTS.md, 6 December,
        fourteenth session). The others are then unknown to the queries."""
        self.staging_root = Path(staging_root).resolve()
        self.timeout_s = timeout_s
        self.workers = max(1, int(workers))
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._registered: dict[str, pa.Table] = {}
        self._threads = int(threads) if threads else None
        self._locked = False
        self._locking = threading.RLock()  # two first queries at once: one locks, both run
        self._con = duckdb.connect(":memory:")
        if self._threads:
            self._con.execute(f"SET threads = {self._threads}")
        if memory_limit:
            self._con.execute(f"SET memory_limit = '{_plain(memory_limit)}'")
        given = {"territory_membership": membership, "territory_population": population}
        for table in CONTRACT:
            if tables is None or table in tables:
                self._register(table, given.get(table))

    def _register(self, table: str, arrow: pa.Table | None) -> None:
        view = table_ref(table)
        if arrow is not None:
            self._registered[view] = arrow.select(CONTRACT[table].names)
        elif not parquet_files(self.staging_root, table):
            # Absent table: an empty view of the contract's shape, so definitions return no rows.
            self._registered[view] = CONTRACT[table].empty_table()
        else:
            # A glob, not a file list, so partitions written by a later import are seen too. No
            # union_by_name: it would open every partition's footer at each query, whereas all
            # partitions follow the contract's columns and the period filter skips unneeded files.
            pattern = _plain(str(table_dir(self.staging_root, table) / "**" / "*.parquet"))
            hive = "hive_partitioning = true, hive_types = {'period': 'VARCHAR'}"
            options = hive if table in PARTITIONED else "hive_partitioning = false"
            # The view name is a contract table name and the path is quoted: S608 does not apply.
            self._con.execute(
                f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{pattern}', {options})"  # noqa: S608
            )
        if view in self._registered:
            self._con.register(view, self._registered[view])

    def month_partition(self, table: str, month: str) -> str | None:
        """The month's files alone, read as the table's view reads them (the same columns, its
        month from the folder). A query of 24 months through the view bound the view's glob
        of every month 24 times: 28 ms of each month-by-month national pass's 0.15–0.45 s
        (bench/RESULTS.md, 5 December, third session)."""
        if (
            table not in PARTITIONED
            or table_ref(table) in self._registered
            or not PERIOD_RE.match(month)
        ):
            return None
        folder = table_dir(self.staging_root, table) / f"period={month}"
        pattern = _plain(str(folder / "**" / "*.parquet"))
        return (
            f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true,"  # noqa: S608
            " hive_types = {'period': 'VARCHAR'})"
        )

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The backend's connection, locked down (see `_lock_down`) before anyone uses it."""
        self._lock_down()
        return self._con

    def expect(self, queries: int) -> None:
        """Chooses the threads for this backend's life: only before its first query (after
        it the configuration is locked, and this does nothing)."""
        with self._locking:
            if self._locked:
                return
            if self._threads is None and self.workers > 1 and queries >= 2 * self.workers:
                # Each query's share of what DuckDB would use (it reads the cores allowed to
                # the process): its threads are one setting for every query of the database.
                every = self._con.sql("SELECT current_setting('threads')").fetchall()[0][0]
                self._con.execute(f"SET threads = {max(1, int(every) // self.workers)}")
            self._lock_down()

    def _lock_down(self) -> None:
        """From here on configuration and file access are fixed; nothing runs before.

        Done at the first query rather than at construction, so that `expect` may still
        choose the threads: every entry point (`con`, `_timed`, `run_each`, `drop`) calls it."""
        if self._locked:
            return
        with self._locking:
            if self._locked:
                return
            root = _plain(str(self.staging_root) + "/")
            self._con.execute(f"SET allowed_directories = ['{root}']")
            self._con.execute("SET enable_external_access = false")
            self._con.execute("SET autoinstall_known_extensions = false")
            self._con.execute("SET autoload_known_extensions = false")
            self._con.execute("SET lock_configuration = true")
            self._locked = True

    def run_sql(self, sql: str) -> pa.Table:
        return self._timed(lambda: self._connection().sql(sql).to_arrow_table())

    def materialize(self, name: str, sql: str) -> None:
        # A table of the in-memory database, not a TEMP one: temporary tables belong to the
        # connection that made them, and the definitions reading it may run on another.
        # The name is made by the shared plan (letters, digits, '_'), not taken from input.
        self._timed(lambda: self._connection().execute(f"CREATE OR REPLACE TABLE {name} AS {sql}"))  # noqa: S608

    def drop(self, name: str) -> None:
        # On this thread's connection: a worker drops what its own pass was built from.
        self._lock_down()
        self._connection().execute(f"DROP TABLE IF EXISTS {name}")

    def run_each(
        self,
        work: Callable[[T], R],
        items: Iterable[T],
        after: Callable[[int], Collection[int]] | None = None,
    ) -> Generator[tuple[int, R], None, None]:
        if self.workers == 1:
            yield from super().run_each(work, items, after)
            return
        self._lock_down()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self.workers, thread_name_prefix="capsante-engine", initializer=self._open_cursor
            )
        pool = self._pool
        listed = list(items)
        waiting: list[int] = list(range(len(listed)))
        needs_of = {i: frozenset(after(i) if after is not None else ()) for i in waiting}
        ended: set[int] = set()
        running: dict[Future[R], int] = {}

        def start_ready() -> None:
            # Never more than a query per worker handed to the pool: the next one is chosen
            # when a worker is free, the first listed of those whose prerequisites have ended.
            for i in [i for i in waiting if needs_of[i] <= ended]:
                if len(running) == self.workers:
                    return
                waiting.remove(i)
                running[pool.submit(work, listed[i])] = i

        try:
            start_ready()
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                results = [(running.pop(future), future.result()) for future in finished]
                ended.update(i for i, _ in results)
                start_ready()  # before the caller reads the results: no worker waits for it
                yield from results
            if waiting:
                raise ValueError(f"items wait for what never runs: {sorted(waiting)}")
        finally:
            # On an error (or a caller that stops reading), the queries not started are
            # never handed over and the running ones end before the caller drops what they read.
            waiting.clear()
            wait(running)

    def _connection(self) -> duckdb.DuckDBPyConnection:
        """The connection of this thread: a worker's own cursor, else the backend's."""
        return getattr(self._local, "con", self._con)

    def _open_cursor(self) -> None:
        """Run by each worker thread as it starts: its cursor on the same database, with the
        Arrow tables registered on the backend's connection (registrations are per cursor)."""
        con = self._con.cursor()
        for view, arrow in self._registered.items():
            con.register(view, arrow)
        self._cursors.append(con)
        self._local.con = con

    def query(
        self,
        sql: str,
        *,
        max_rows: int = 10_000,
        timeout_s: float = 30.0,
        params: Mapping[str, object] | None = None,
    ) -> pa.Table:
        """An ad-hoc read-only query (e.g. a documentation preview), capped in rows and time;
        `params`: values bound to its `$name` placeholders.

        Raises ValueError when the result has more than `max_rows` rows rather than silently
        truncating it.
        """
        table = self._timed(
            lambda: self._con.sql(sql, params=params).limit(int(max_rows) + 1).to_arrow_table(),
            timeout_s,
        )
        if len(table) > max_rows:
            raise ValueError(f"query returned more than {max_rows} rows")
        return table

    def _timed(self, fetch: Callable[[], T], timeout_s: float | None = None) -> T:
        self._lock_down()
        limit = timeout_s if timeout_s is not None else self.timeout_s
        if not limit:
            return fetch()
        # `fetch` runs on this thread's connection: that is the one to interrupt.
        timer = threading.Timer(limit, self._connection().interrupt)
        timer.start()
        try:
            return fetch()
        except duckdb.InterruptException as error:
            raise QueryTimeout(f"query interrupted after {limit:g} s") from error
        finally:
            timer.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        for cursor in self._cursors:
            cursor.close()
        self._con.close()


# Pages' small queries (an indicator's establishments) run on a backend the process keeps:
# opening a DuckDB connection takes 28 ms, more than such a query (bench/RESULTS.md,
# 6 December, fourteenth session). One query at a time on it (a threaded server), and opened
# again when a folder of its tables changed: a table staged for the first time since would
# otherwise stay the empty view it was opened with. New files of a table already staged are
# read by its view's glob at each query.
_kept: dict[tuple[Path, frozenset[str]], tuple[tuple[int, ...], DuckDBBackend]] = {}
_kept_lock = threading.Lock()


def kept_query(
    staging_root: Path | str,
    tables: Collection[str],
    sql: str,
    *,
    params: Mapping[str, object] | None = None,
    max_rows: int = 10_000,
    timeout_s: float = 30.0,
) -> pa.Table:
    """`DuckDBBackend.query` on a backend of `tables` kept by the process (see above)."""
    root = Path(staging_root).resolve()
    key = (root, frozenset(tables))
    state = tuple(
        _changed_at(folder) for folder in [root, *(table_dir(root, t) for t in sorted(key[1]))]
    )
    with _kept_lock:
        kept = _kept.get(key)
        if kept is None or kept[0] != state:
            if kept is not None:
                kept[1].close()
            kept = (state, DuckDBBackend(root, tables=key[1], timeout_s=timeout_s))
            _kept[key] = kept
        return kept[1].query(sql, params=params, max_rows=max_rows, timeout_s=timeout_s)


def _changed_at(folder: Path) -> int:
    try:
        return folder.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


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
