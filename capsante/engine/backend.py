"""What both backends share: period planning, the loop over definitions, the result table.

A backend only has to expose the staged tables under fixed view names, run one SQL text
(DuckDB dialect) returning territory_code, territory_level, period, numerator, denominator, and
keep the result of a query under a name for the rest of a recompute (`materialize`): the shared
plan (shared.py) builds the membership and one pass per staged table once, then each definition
reads them.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Generator, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Self, TypeVar

import pyarrow as pa

from .aggregation import empty_result, finish
from .definitions import Definition
from .numbering import Numbering
from .periods import affected_outputs, check_period, window_pairs
from .query import PeriodPlan, build_query, table_ref
from .shared import Scan, SharedPlan
from .staging import (
    PARTITIONED,
    TERRITORY_TABLES,
    import_period,
    table_bytes,
    table_periods,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int, int, str], None]
"""Called after each definition with (done, total, indicator code)."""

Job = tuple[Callable[[], "list[pa.Table] | None"], frozenset[int]]
"""A step of the shared plan (`Backend._jobs`): its work (a definition's query returns its rows,
what is materialised nothing) and the indices of the steps whose work it reads."""

Territory = tuple[str, str]
"""(territory_level, territory_code): codes alone are ambiguous (région 52 ≠ département 52)."""


MONTH_BY_MONTH_BYTES = 256 * 1024
"""Months of at least this size on average (Parquet bytes) are grouped one by one: each month's
query costs about a millisecond of its own (planning, opening its files), which the smaller hash
tables and the month's number given as a constant repay on a national table (one thread:
TELEHEALTH_LIBERAL's pass, 830 KiB a month, 0.67 → 0.46 s; the MES activations', 420 KiB,
0.27 → 0.21 s) and not on a regional one (50 KiB a month at most: the whole region recompute
went 0.37 → 0.60 s when every table was read so)."""


class Backend(ABC):
    """Runs definitions over the staged tables of one staging root."""

    staging_root: Path
    # A shared recompute's territory codes and month texts by number (`numbering.Numbering`).
    _numbering: Numbering
    shared_by_default: bool = True
    """Whether `compute` runs the shared plan when not told (see shared.py)."""
    timings: dict[str, float]
    """Seconds per stage of the last `compute` (membership, each scan, each definition)."""
    month_by_month: bool = False
    """Whether the shared plan's passes over a table partitioned by month may read it month by
    month (`shared.one_month`): DuckDB groups twelve small hash tables faster than one large."""

    def month_partition(self, table: str, month: str) -> str | None:
        """A query of one month's rows of a staged table, for the passes read month by month
        (`shared.one_month`); None: the table filtered on its month."""
        return None

    @abstractmethod
    def run_sql(self, sql: str) -> pa.Table:
        """Run one query in DuckDB's dialect and return its rows as Arrow."""

    @abstractmethod
    def materialize(self, name: str, sql: str) -> None:
        """Compute a query (DuckDB dialect) once and keep its rows readable as `name`."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Forget what `materialize` kept under `name`."""

    def run_each(
        self,
        work: Callable[[T], R],
        items: Iterable[T],
        after: Callable[[int], Collection[int]] | None = None,
    ) -> Generator[tuple[int, R], None, None]:
        """`work` applied to every item: (the item's index, its result), as each one ends.

        `after(i)`: the indices of the items whose work the i-th one reads; every item is
        listed after those, and the costliest first where the order is free. One after the
        other here; a backend able to run queries side by side overrides it and hands each free
        worker the first item listed whose prerequisites have ended.
        """
        for index, item in enumerate(items):
            if after is not None and any(j >= index for j in after(index)):
                raise ValueError(f"item {index} waits for an item listed after it")
            yield index, work(item)

    def expect(self, queries: int) -> None:  # noqa: B027 - optional hook
        """Told, before a recompute's first query, how many queries of its plan may run side by
        side at most (its passes, or its definitions, whichever are fewer)."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing to free
        """Release what the backend holds (connections, sessions)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def compute(
        self,
        definitions: Iterable[Definition],
        periods: Collection[str] | None = None,
        territories: Sequence[Territory] | None = None,
        snapshot_period: str | None = None,
        progress: Progress | None = None,
        *,
        shared: bool | None = None,
    ) -> pa.Table:
        """Values of every definition for every territory and period (see `compute` in
        __init__.py). `shared=False` runs one self-contained query per definition instead of the
        shared plan; both give the same values (a test checks it on every definition). By
        default each backend runs what is faster on it (`shared_by_default`)."""
        if shared is None:
            shared = self.shared_by_default
        defs = list(definitions)
        changed = sorted({check_period(p) for p in periods}) if periods is not None else None
        if snapshot_period is not None:
            check_period(snapshot_period)
        self.timings: dict[str, float] = {}
        planned = [(d, plan_periods(d, self.staging_root, changed, snapshot_period)) for d in defs]
        if shared:
            tables = self._compute_shared(planned, territories, progress)
        else:
            tables = []
            for done, (definition, plan) in enumerate(planned, start=1):
                if plan is not None:
                    started = time.perf_counter()
                    sql = build_query(definition, plan, territories)
                    tables.append(finish(definition, self.run_sql(sql)))
                    self._record(f"definition {definition.code}", started)
                if progress is not None:
                    progress(done, len(defs), definition.code)
        if not tables:
            return empty_result()
        return pa.concat_tables(tables)

    def _compute_shared(
        self,
        planned: list[tuple[Definition, PeriodPlan | None]],
        territories: Sequence[Territory] | None,
        progress: Progress | None,
    ) -> list[pa.Table]:
        """The shared plan: the communes and months numbered, then the membership, each staged
        table's passes and every definition read from them, two queries at a time, each once
        what it reads is built (`_run_plan`)."""
        plan = SharedPlan(prefix=f"cs{id(self) % 10_000}_")
        for definition, periods in planned:
            if periods is not None:
                plan.add(definition, periods)
        # Each table's files looked at once, and only those of a table a query reads.
        size_of = functools.cache(lambda table: table_bytes(self.staging_root, table))
        self._plan_months(plan, size_of)

        def reading(tables: Iterable[str]) -> float:
            """What a query costs, roughly: the bytes of the staged tables it reads."""
            return float(sum(size_of(t) for t in tables))

        kept: list[str] = []
        try:
            return self._run_plan(plan, planned, territories, progress, reading, kept)
        finally:
            for name in reversed(kept):
                self.drop(name)

    def _plan_months(self, plan: SharedPlan, size_of: Callable[[str], int]) -> None:
        """The months on disk of the partitioned tables the plan reads, and which of them a
        month-by-month backend reads one month at a time (`MONTH_BY_MONTH_BYTES`)."""
        read = {t for scan in plan.scans for t in scan.tables if t in PARTITIONED}
        on_disk = {t: table_periods(self.staging_root, t) for t in read}
        plan.months_on_disk = sorted({m for months in on_disk.values() for m in months})
        if self.month_by_month:
            plan.partition = self.month_partition
            plan.months = {
                table_ref(t): months
                for t, months in on_disk.items()
                if months and size_of(t) / len(months) >= MONTH_BY_MONTH_BYTES
            }

    def _run_plan(
        self,
        plan: SharedPlan,
        planned: list[tuple[Definition, PeriodPlan | None]],
        territories: Sequence[Territory] | None,
        progress: Progress | None,
        reading: Callable[[Iterable[str]], float],
        kept: list[str],
    ) -> list[pa.Table]:
        """The communes and months numbered, then side by side the parents, the
        establishments' communes, every pass and every definition's query, each as soon as
        what it reads is built (`_jobs`); `progress` told as each definition's query ends. The
        names of what is materialised are added to `kept` as they are planned, for the caller
        to drop whatever happens."""
        periods_of = {definition.code: periods for definition, periods in planned}
        # Definitions whose rows are the same rows of one pass share a query (`query_units`).
        units = plan.query_units([definition for definition, _ in planned])
        skipped = [d for unit in units for d in unit if periods_of[d.code] is None]
        units = [unit for unit in units if periods_of[unit[0].code] is not None]
        done = 0

        def tell(definitions: list[Definition]) -> None:
            nonlocal done
            for definition in definitions:
                done += 1
                if progress is not None:
                    progress(done, len(planned), definition.code)

        tell(skipped)  # nothing to recompute: not in the plan, units of their own
        if not units:
            return []
        self.expect(min(len(plan.scans), len(planned) - len(skipped)))
        numbered = plan.membership_sql(territories)
        kept += [name for name, _ in numbered]
        self._build("membership", numbered)
        jobs, units = self._jobs(plan, units, periods_of, territories, reading, kept)
        first_unit = len(jobs) - len(units)
        results = self.run_each(lambda job: job[0](), jobs, after=lambda i: jobs[i][1])
        tables: list[pa.Table] = []
        try:
            for index, made in results:
                if index < first_unit:
                    continue  # not a definition's: what it made stays in the backend
                assert made is not None  # a definition's query: its rows
                tables += made
                tell(units[index - first_unit])
        finally:
            results.close()  # queries still running end before what they read is dropped
        return tables

    def _jobs(
        self,
        plan: SharedPlan,
        units: list[list[Definition]],
        periods_of: Mapping[str, PeriodPlan | None],
        territories: Sequence[Territory] | None,
        reading: Callable[[Iterable[str]], float],
        kept: list[str],
    ) -> tuple[list[Job], list[list[Definition]]]:
        """(work, the indices of the jobs it reads from) of the plan, in their order of priority
        (a free worker takes the first whose prerequisites have ended), and the units of
        definitions in the order of their jobs, last; the names of what the jobs materialise
        added to `kept`.

        The parents first (only the definitions read them: a few small queries in a row), every
        pass, the establishments' communes just before the first that reads them, then the
        definitions' queries, passes and definitions the costliest first. A definition does not
        wait for every pass: the campaigns' pass, the costliest on one thread but few bytes on
        disk, started among the last and the other worker sat idle 0.3 s before any definition
        could start (national, bench/RESULTS.md, 7 December, twenty-fourth session)."""
        parents = plan.parents_sql(territories)
        structures = plan.structures_sql()
        kept += [name for name, _ in parents]
        kept += [structures[0]] if structures is not None else []
        kept += [scan.name for scan in plan.scans]
        every = reading({t for scan in plan.scans for t in scan.tables})
        alone = {definition.code for definition in plan.alone}

        def definition_cost(unit: list[Definition]) -> float:
            """What a definition's query costs, roughly: the bytes its passes read. A definition
            run as its own query (a distinct count, a median) reads its staged tables itself and
            spreads their rows over every level of the membership: it ranks above every
            definition reading the passes, so that it does not start last (TELEEXPERTISE_
            SPECIALTIES, 3 MB read in 0.18 s, kept one worker busy 0.1 s after the other had
            ended; bench/RESULTS.md, 5 December, fifth session)."""
            cost = reading(plan.tables_of(unit[0]))
            return cost + every if unit[0].code in alone else cost

        jobs: list[Job] = [(functools.partial(self._build_parents, plan, parents), frozenset())]
        by_structure: frozenset[int] = frozenset()
        position: dict[str, int] = {}
        for scan in sorted(plan.scans, key=lambda scan: -reading(scan.tables)):
            if scan.grain == "structure" and structures is not None and not by_structure:
                # Built just before the first pass that reads it.
                by_structure = frozenset({len(jobs)})
                build = functools.partial(self._build, "structures", [structures])
                jobs.append((build, frozenset()))
            position[scan.name] = len(jobs)
            reads = by_structure if scan.grain == "structure" else frozenset()
            jobs.append((functools.partial(self._materialize_scan, plan, scan), reads))
        units = sorted(units, key=lambda unit: -definition_cost(unit))
        for unit in units:
            reads = frozenset({0} | {position[s.name] for d in unit for s in plan.scans_of(d)})
            work = functools.partial(self._run_unit, plan, unit, periods_of, territories)
            jobs.append((work, reads))
        return jobs, units

    def _run_unit(
        self,
        plan: SharedPlan,
        unit: list[Definition],
        periods_of: Mapping[str, PeriodPlan | None],
        territories: Sequence[Territory] | None,
    ) -> list[pa.Table]:
        """The result of each definition of a unit of `SharedPlan.query_units`, in its order."""
        if len(unit) == 1:
            definition = unit[0]
            periods = periods_of[definition.code]
            assert periods is not None  # `_run_plan` leaves out what has nothing to recompute
            return [self._run_definition(plan, definition, periods, territories)]
        started = time.perf_counter()
        raw = self._numbering.named(self.run_sql(plan.definitions_sql(unit)))
        tables = [finish(definition, _one_of(raw, k)) for k, definition in enumerate(unit)]
        self._record("definitions " + " + ".join(d.code for d in unit), started)
        return tables

    def _run_definition(
        self,
        plan: SharedPlan,
        definition: Definition,
        periods: PeriodPlan,
        territories: Sequence[Territory] | None,
    ) -> pa.Table:
        started = time.perf_counter()
        sql = self._definition_query(plan, definition, periods, territories)
        raw = self.run_sql(sql)
        if definition.code in plan.sides:  # over the passes: territories and months by number
            raw = self._numbering.named(raw)
        table = finish(definition, raw)
        self._record(f"definition {definition.code}", started)
        return table

    @staticmethod
    def _definition_query(
        plan: SharedPlan,
        definition: Definition,
        periods: PeriodPlan,
        territories: Sequence[Territory] | None,
    ) -> str:
        """A definition's query in the shared plan: over its passes, or alone."""
        if definition.code in plan.sides:
            return plan.definition_sql(definition)
        return build_query(definition, periods, territories, plan.memberships)

    def _build(self, stage: str, relations: list[tuple[str, str]]) -> None:
        """Relations of the plan materialised in order, timed as one stage."""
        started = time.perf_counter()
        for name, sql in relations:
            self.materialize(name, sql)
        self._record(stage, started)

    def _build_parents(self, plan: SharedPlan, parents: list[tuple[str, str]]) -> None:
        """The relations only the definitions read (`SharedPlan.parents_sql`), then what the
        numbers of their rows stand for (`numbering.Numbering`)."""
        started = time.perf_counter()
        for name, sql in parents:
            self.materialize(name, sql)
        territory_sql, month_sql = plan.numbering_sql()
        month_rows = self.run_sql(month_sql).to_pydict()
        self._numbering = Numbering(
            self.run_sql(territory_sql),
            dict(zip(month_rows["month_id"], month_rows["period"], strict=True)),
        )
        self._record("parents", started)

    def _materialize_scan(self, plan: SharedPlan, scan: Scan) -> None:
        started = time.perf_counter()
        steps = plan.scan_steps(scan)
        try:
            for name, sql in steps:
                self.materialize(name, sql)
        finally:
            for name, _ in steps[:-1]:  # what the pass itself was built from
                self.drop(name)
        self._record(
            f"scan {scan.name.removeprefix(plan.prefix)} ({scan.source_label}, {scan.width} sides)",
            started,
        )

    def _record(self, stage: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.timings[stage] = elapsed
        log.debug("%s in %.3f s", stage, elapsed)

    def explain(self, definition: Definition, snapshot_period: str = "1970-01") -> str:
        """The SQL the backend would run for a full recompute of one definition."""
        plan = plan_periods(definition, self.staging_root, None, snapshot_period)
        return build_query(definition, plan or PeriodPlan(snapshot_period), None)


def _one_of(raw: pa.Table, k: int) -> pa.Table:
    """The k-th definition's rows of a query shared by several (`SharedPlan.definitions_sql`):
    the same territories and periods, their own numerator and denominator (no copy)."""
    return pa.table(
        {
            "territory_code": raw["territory_code"],
            "territory_level": raw["territory_level"],
            "period": raw["period"],
            "numerator": raw[f"numerator_{k}"],
            "denominator": raw[f"denominator_{k}"],
        }
    )


def plan_periods(
    definition: Definition,
    staging_root: Path,
    changed: Sequence[str] | None,
    snapshot_period: str | None,
) -> PeriodPlan | None:
    """Which months to read and return; None when the definition has nothing to recompute.

    `changed` are the months an import rewrote. A plain monthly indicator recomputes exactly those;
    a rolling window of W months also recomputes the W-1 following months, whose sums include them.
    A snapshot indicator (tables without a period) has one period: `snapshot_period`, else the
    month of the latest import of its tables; it is recomputed when that month is among `changed`.
    """
    snapshot = snapshot_period or _default_snapshot(definition, staging_root)
    if definition.is_snapshot:
        if changed is not None and snapshot not in changed:
            return None
        return PeriodPlan(snapshot_period=snapshot)
    window = definition.window_months
    if changed is None and not window:
        return PeriodPlan(snapshot_period=snapshot)
    available = available_periods(definition, staging_root)
    if not window:
        return PeriodPlan(snapshot_period=snapshot, sources=tuple(changed or ()))
    outputs = available if changed is None else affected_outputs(changed, available, window)
    pairs = window_pairs(outputs, available, window)
    if not pairs:
        return None
    sources = None if changed is None else tuple(sorted({s for _, s in pairs}))
    return PeriodPlan(snapshot_period=snapshot, sources=sources, pairs=tuple(pairs))


def available_periods(definition: Definition, staging_root: Path) -> list[str]:
    months: set[str] = set()
    for table in definition.partitioned_tables:
        months.update(table_periods(staging_root, table))
    return sorted(months)


def _default_snapshot(definition: Definition, staging_root: Path) -> str:
    tables = definition.tables - PARTITIONED - TERRITORY_TABLES
    found = import_period(staging_root, tables)
    return found or dt.datetime.now(tz=dt.UTC).strftime("%Y-%m")


def recompute_plan(
    definitions: Iterable[Definition], changes: Mapping[str, Collection[str] | None]
) -> list[tuple[list[Definition], list[str] | None]]:
    """Groups of (definitions, periods) to recompute after imports.

    `changes` maps each staged table an import rewrote to the months it rewrote, or to None for a
    table without a period (a new FINESS extract moves structures between communes for every
    month, so the definitions reading it are recomputed whole).
    """
    groups: dict[tuple[str, ...] | None, list[Definition]] = {}
    for definition in definitions:
        touched = [t for t in changes if t in definition.tables]
        if not touched:
            continue
        if any(changes[t] is None for t in touched):
            key: tuple[str, ...] | None = None
        else:
            key = tuple(sorted({p for t in touched for p in changes[t] or ()}))
        groups.setdefault(key, []).append(definition)
    return [(defs, None if key is None else list(key)) for key, defs in groups.items()]
