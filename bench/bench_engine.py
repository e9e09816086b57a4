"""Bench of the indicator engine against pandas and Polars on the same staged tables, and its floor.

    nice -n 5 .venv/bin/python bench/bench_engine.py --repeat 3                 # Pays de la Loire
    nice -n 5 .venv/bin/python bench/bench_engine.py --scale national --repeat 3

Generates (or reuses with --reuse) ≈ 1,250 real communes (region) or all 34,875 (national) with
their real populations, 24 months of every staged table the catalogue reads, campaign_status
included, under data/bench/<scale>/ (ignored by git). Then, each in a fresh subprocess so that its
peak RSS is its own, in rounds (one of each measure per round, so that the load of a shared
machine falls on all of them alike), median of --repeat rounds:

- engine: `capsante.engine.compute` of every catalogue definition (DuckDB), every territory and
  period — the shared plan (membership once, one pass per staged table); what the floors are
  compared with;
- engine-per-definition: the same with one self-contained query per definition (the path before
  the shared plan, kept for comparison and tests);
- engine-month (and engine-month-1-thread, DuckDB held to one thread): what an import of one
  month of documents recomputes — a few queries, each of which may use every core;
- pandas and polars: straightforward implementations of every catalogue definition reading the
  same staged Parquet tables (bench/engine_pandas.py, bench/engine_polars.py); the platform's own
  tables (events, ambassadors, local health contracts, difficulties) are generated too;
- floor-all: a bare DuckDB scan decoding every column of the staged files the engine reads;
- floor-read: the same, only the columns the definitions name and the territory tables the
  engine's membership reads (what the engine must read);
- floor-group: each of those tables grouped once by its key (commune or FINESS) and month, the
  least any implementation must do before it sums a territory or hands over a result row.

Every clock starts after the measure's library imports and the catalogue's loading, and before
its database connection (the engine's backend is set up inside its clock, so are the floors'
connections). Then checks that the engine, its per-definition path, pandas and Polars give the
same rows and the same numerator and denominator on every row, and prints the engine's time per
stage (the membership, each pass over a staged table) and per definition.

With --compare REF, each engine measure asked for also runs with the platform's code of REF (a
git worktree, e.g. HEAD for the code before an uncommitted change), in the same rounds, the two
alternately first: `engine@HEAD` beside `engine`. A change is judged on those pairs, not on runs
made at different minutes of a shared machine.

The import's own staging step is measured separately (--staging): the Assurance Maladie documents
file (commune × document type × month, the file the real source publishes) parsed and written to
the staged table, as `capsante import am-dmp-documents` does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CODE_TREE = "CAPSANTE_BENCH_CODE"
"""Set by `--compare` for the measures of the compared reference: the platform's code is then
imported from that tree (a git worktree) instead of this one; the bench and its data stay."""
sys.path[:0] = [os.environ.get(CODE_TREE) or str(ROOT), str(HERE)]

SNAPSHOT = "2025-12"
KEY = ["indicator_code", "territory_code", "territory_level", "period"]


def data_dir(scale: str) -> Path:
    return ROOT / "data" / "bench" / scale


# --------------------------------------------------------------------------------------------
# What a child process measures (one measure per process, so peak RSS belongs to it alone)


ENGINE_LIBRARIES = ("duckdb", "pyarrow.compute", "capsante.engine.duckdb_backend")
"""What the engine's process imports, before the clock. Each measure imports only its own
libraries, so that its peak memory is its own (Polars imported beside the engine added 57 MiB
to the engine's)."""

AS_DEPLOYED = ("pandas",)
"""Installed here for the baselines and tests, not where the platform runs (`pip install .`
leaves it out). pyarrow imports it, when it can, at its first array built from Python objects
(0.16 s, 40–60 MiB) to ask whether that object is a DataFrame: every measure but the pandas
baseline and the rows' check runs without it, as deployed, and so do bench_compute.py's
commands."""
WITH_PANDAS = frozenset({"pandas", "check"})


def as_deployed(folder: Path) -> str:
    """`folder`, to put first on a process's path (PYTHONPATH): in it, each package of
    `AS_DEPLOYED` fails to import as it does where it is not installed."""
    folder.mkdir(parents=True, exist_ok=True)
    for package in AS_DEPLOYED:
        (folder / f"{package}.py").write_text(
            f'raise ModuleNotFoundError("No module named {package!r}", name={package!r})\n'
        )
    return str(folder)


def path_first(env: dict[str, str], folder: str) -> dict[str, str]:
    """`env` with `folder` first on the process's path."""
    return dict(env, PYTHONPATH=os.pathsep.join(filter(None, [folder, env.get("PYTHONPATH")])))


def _warm_imports(*modules: str) -> None:
    """Library imports stay out of every clock."""
    import importlib

    for module in modules:
        importlib.import_module(module)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _elapsed(clock: tuple[float, float]) -> dict[str, float]:
    """Wall seconds and CPU seconds (every thread of the process: CPU / wall is how many cores
    the measure kept busy) since `clock`."""
    started, cpu = clock
    return {"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu}


def measure_engine(out: Path, shared: bool = True) -> dict:
    """Every catalogue definition."""
    _warm_imports(*ENGINE_LIBRARIES)
    from capsante.engine import load_definitions
    from capsante.engine.duckdb_backend import DuckDBBackend

    catalogue = load_definitions()
    clock = _clock()
    with DuckDBBackend(out / "staging") as backend:
        table = backend.compute(catalogue, snapshot_period=SNAPSHOT, shared=shared)
        timings = backend.timings
    return {**_elapsed(clock), "rows": len(table), "stages": timings}


def measure_engine_rows_kept(out: Path) -> dict:
    """The engine with each definition's rows summed inside DuckDB rather than handed over (no
    Arrow rows, no values computed in pyarrow): what handing 5.4 M rows over costs."""
    _warm_imports(*ENGINE_LIBRARIES)
    import pyarrow as pa

    from capsante.engine import load_definitions
    from capsante.engine.duckdb_backend import DuckDBBackend

    class RowsKept(DuckDBBackend):
        def _run_definition(self, plan, definition, periods, territories):
            sql = self._definition_query(plan, definition, periods, territories)
            return self._kept(sql, [definition], [("numerator", "denominator")])[0]

        def _run_unit(self, plan, unit, periods_of, territories):
            # Code before `SharedPlan.query_units` (`--compare`) has no units: `_run_definition`.
            if len(unit) == 1:
                return super()._run_unit(plan, unit, periods_of, territories)
            columns = [(f"numerator_{k}", f"denominator_{k}") for k in range(len(unit))]
            return self._kept(plan.definitions_sql(unit), unit, columns)

        def _kept(self, sql, definitions, columns):
            started = time.perf_counter()
            sums = ", ".join(f"sum({n}), sum({d})" for n, d in columns)
            rows = self.run_sql(f"SELECT count(*) AS n, {sums} FROM ({sql}) AS q")  # noqa: S608
            codes = " + ".join(d.code for d in definitions)
            self._record(f"definition{'s' if len(definitions) > 1 else ''} {codes}", started)
            return [pa.table({"rows": rows["n"]}) for _ in definitions]

    catalogue = load_definitions()
    clock = _clock()
    with RowsKept(out / "staging") as backend:
        table = backend.compute(catalogue, snapshot_period=SNAPSHOT)
        timings = backend.timings
    return {**_elapsed(clock), "rows": sum(table["rows"].to_pylist()), "stages": timings}


def measure_engine_month(out: Path, threads: int | None = None) -> dict:
    """What an import of one month of documents recomputes: the definitions reading the table,
    that month and the 12-month windows that include it (a few queries, not the whole plan)."""
    _warm_imports(*ENGINE_LIBRARIES)
    from capsante.engine import load_definitions
    from capsante.engine.duckdb_backend import DuckDBBackend

    fed = [d for d in load_definitions() if "am_dmp_documents" in d.tables]
    clock = _clock()
    with DuckDBBackend(out / "staging", threads=threads) as backend:
        table = backend.compute(fed, periods=[SNAPSHOT], snapshot_period=SNAPSHOT)
    return {**_elapsed(clock), "rows": len(table)}


def measure_pandas(out: Path) -> dict:
    _warm_imports("pandas", "pyarrow.parquet")
    from engine_pandas import PandasIndicators

    clock = _clock()
    frame = PandasIndicators(out / "staging", SNAPSHOT).all()
    return {**_elapsed(clock), "rows": len(frame)}


def measure_polars(out: Path) -> dict:
    _warm_imports("polars")
    from engine_polars import PolarsIndicators

    clock = _clock()
    frame = PolarsIndicators(out / "staging", SNAPSHOT).all()
    return {**_elapsed(clock), "rows": len(frame)}


def baseline_definitions() -> tuple[str, ...]:
    """The definitions pandas and Polars compute: the engine is compared with them on these."""
    from engine_baselines import DEFINITIONS

    return DEFINITIONS


def read_columns() -> dict[str, list[str]]:
    """The columns of each staged table that some definition (or the engine) names: the
    territory tables whole, which the engine's membership reads whatever the definitions say."""
    import re

    from capsante.engine import load_definitions
    from capsante.engine.staging import CONTRACT, TERRITORY_TABLES

    text = " ".join(
        f"{d.numerator_sql} {d.denominator_sql or ''}" for d in load_definitions()
    ).lower()
    words = set(re.findall(r"[a-z_][a-z0-9_]*", text))
    tables = {t for d in load_definitions() for t in d.tables}
    return {
        t: (
            [c for c in CONTRACT[t].names if c in words or c == "period"]
            if t not in TERRITORY_TABLES
            else []
        )
        or list(CONTRACT[t].names)
        for t in sorted(tables | set(TERRITORY_TABLES))
    }


def _parquet_source(out: Path, table: str) -> str | None:
    """The staged table's files as DuckDB reads them (months from the folders), or None."""
    from capsante.engine.staging import PARTITIONED

    folder = out / "staging" / table
    if not folder.exists():
        return None
    pattern = str(folder / "**" / "*.parquet")
    if table in PARTITIONED:
        return (
            f"read_parquet('{pattern}', hive_partitioning = true,"
            " hive_types = {'period': 'VARCHAR'})"
        )
    return f"read_parquet('{pattern}', hive_partitioning = false)"


def measure_floor(out: Path, which: str) -> dict:
    import duckdb

    from capsante.engine.staging import CONTRACT, PARTITIONED

    wanted = read_columns()
    # The connection inside the clock, as the engine's (its backend's set-up is timed).
    clock = _clock()
    con = duckdb.connect()
    rows = 0
    for table, columns in wanted.items():
        source = _parquet_source(out, table)
        if source is None:
            continue
        names = CONTRACT[table].names if which == "all" else columns
        names = [c for c in names if c != "period" or table in PARTITIONED]
        # hash() of every value forces each one to be read and decoded; statistics cannot answer.
        hashed = ", ".join(f'"{c}"' for c in names)
        query = f"SELECT count(*), bit_xor(hash({hashed})) FROM {source}"  # noqa: S608
        rows += con.sql(query).fetchall()[0][0]
    return {**_elapsed(clock), "rows": rows}


def measure_floor_group(out: Path, threads: int | None = None) -> dict:
    """Each staged table read and grouped once by its key (commune or FINESS) and month: the
    least any implementation of the definitions must do before summing territories, without
    handing over a single result row. With `threads`, each table's time is kept too: the
    engine's passes (one thread each in a full recompute) are compared with it table by table."""
    import duckdb

    from capsante.engine.staging import CONTRACT, PARTITIONED

    wanted = read_columns()  # loads the catalogue: outside the clock, as for the engine
    # The connection inside the clock, as the engine's (its backend's set-up is timed).
    clock = _clock()
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    groups = 0
    tables: dict[str, float] = {}
    for table in wanted:
        source = _parquet_source(out, table)
        if source is None:
            continue
        names = CONTRACT[table].names
        key = next((k for k in ("commune_code", "finess_et") if k in names), None)
        grouped = [c for c in (key, "period") if c and (c in names or table in PARTITIONED)]
        if not grouped:  # no key to group by (a national list): read it whole
            grouped = list(names)
        by = ", ".join(grouped)
        query = f"SELECT count(*) FROM (SELECT {by}, count(*) FROM {source} GROUP BY {by})"  # noqa: S608
        started = time.perf_counter()
        groups += con.sql(query).fetchall()[0][0]
        tables[table] = time.perf_counter() - started
    return {**_elapsed(clock), "rows": groups, "tables": tables}


def measure_check(out: Path) -> dict:
    """Engine (both paths), pandas and Polars agree on every row's numerator and denominator."""
    import numpy as np
    import pandas as pd
    from engine_pandas import PandasIndicators
    from engine_polars import PolarsIndicators

    from capsante.engine import compute, load_definitions, plain

    catalogue = load_definitions()
    # The codes as plain text: pandas would make the engine's dictionaries categories.
    shared = plain(compute(catalogue, out / "staging", snapshot_period=SNAPSHOT)).to_pandas()
    frames = {
        "engine-per-definition": plain(
            compute(catalogue, out / "staging", snapshot_period=SNAPSHOT, shared=False)
        ).to_pandas(),
        "pandas": PandasIndicators(out / "staging", SNAPSHOT).all(),
        "polars": PolarsIndicators(out / "staging", SNAPSHOT).all().to_pandas(),
    }
    report: dict = {"rows": len(shared), "codes": shared.indicator_code.nunique()}
    expected = {d.code for d in catalogue}
    assert set(baseline_definitions()) == expected, set(baseline_definitions()) ^ expected
    for name in ("pandas", "polars"):
        computed = set(frames[name].indicator_code)
        assert computed == expected, (name, computed ^ expected)
    for name, other in frames.items():
        other = other[[*KEY, "numerator", "denominator"]]
        merged = shared.merge(other, on=KEY, how="outer", indicator=True, suffixes=("", "_o"))
        both = merged[merged["_merge"] == "both"]

        def differ(a: pd.Series, b: pd.Series) -> int:
            same = (a.isna() & b.isna()) | np.isclose(a.fillna(-1), b.fillna(-1), rtol=0, atol=0)
            return int((~same).sum())

        report[name] = {
            "unmatched_rows": int((merged["_merge"] != "both").sum()),
            "numerator_differences": differ(both.numerator, both.numerator_o),
            "denominator_differences": differ(both.denominator, both.denominator_o),
        }
    return report


def measure_staging(out: Path) -> dict:
    """The import's staging step for the documents table: AM CSV → parser → staged Parquet."""
    import tempfile

    import duckdb

    from capsante.ingest.connectors.am_tables.parser import parse_am_dmp_documents
    from capsante.ingest.staging import StagingStore

    work = Path(tempfile.mkdtemp(prefix="capsante-staging-", dir=out))
    try:
        # The file the source publishes: its French headers, one row per commune × type × month.
        headers = _am_headers("am_dmp_documents")
        csv = work / "documents.csv"
        source = str(out / "staging" / "am_dmp_documents" / "**" / "*.parquet")
        duckdb.sql(
            f'COPY (SELECT period AS "{headers["period"]}", commune_code AS "{headers["commune_code"]}",'  # noqa: S608
            f' document_type AS "{headers["document_type"]}", documents AS "{headers["documents"]}"'
            f" FROM read_parquet('{source}', hive_partitioning = true,"
            " hive_types = {'period': 'VARCHAR'}) ORDER BY 1, 2, 3)"
            f" TO '{csv}' (HEADER, DELIMITER ';')"
        )
        communes = {
            r[0]
            for r in duckdb.sql(
                "SELECT DISTINCT commune_code FROM read_parquet("  # noqa: S608
                f"'{out / 'staging' / 'territory_membership' / '**' / '*.parquet'}')"
            ).fetchall()
        }
        started = time.perf_counter()
        result = parse_am_dmp_documents(csv, known_communes=communes)
        parsed = time.perf_counter()
        assert result.ok, [str(e) for e in result.errors[:3]]
        store = StagingStore(work / "staging")
        for table, data in result.tables.items():
            store.write(table, data, result.periods or None)
        done = time.perf_counter()
        return {
            "seconds": done - started,
            "parse_s": parsed - started,
            "write_s": done - parsed,
            "rows": result.rows_read,
            "csv_mb": csv.stat().st_size / 1e6,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _am_headers(table: str) -> dict[str, str]:
    from capsante.ingest.connectors.am_tables.parser import job

    return {spec.target: spec.column for spec in job(table).specs}


MEASURES = {
    "engine": measure_engine,
    "engine-per-definition": lambda out: measure_engine(out, shared=False),
    "engine-month": measure_engine_month,
    "engine-month-1-thread": lambda out: measure_engine_month(out, threads=1),
    "pandas": measure_pandas,
    "polars": measure_polars,
    "floor-all": lambda out: measure_floor(out, "all"),
    "floor-read": lambda out: measure_floor(out, "read"),
    "floor-group": measure_floor_group,
    "floor-group-1-thread": lambda out: measure_floor_group(out, threads=1),
    "engine-rows-kept": measure_engine_rows_kept,
    "check": measure_check,
    "staging": measure_staging,
}


def child(measure: str, out: Path) -> None:
    result = MEASURES[measure](out)
    result["peak_rss_mib"] = peak_rss_mib()
    import capsante

    result["code"] = str(Path(capsante.__file__).resolve().parent.parent)
    print(json.dumps(result))


def peak_rss_mib() -> float:
    """This process's own high-water mark (VmHWM). Not getrusage's ru_maxrss: Linux carries it
    over exec from the parent, which may have generated the data."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------------------------
# The parent: generate, run each measure in fresh processes, report


def run_child(measure: str, out: Path, code: Path = ROOT) -> dict:
    """`measure` in a fresh process, the platform's code imported from `code`."""
    command = [sys.executable, __file__, "--child", measure, "--out", str(out)]
    env = dict(os.environ, **{CODE_TREE: str(code)})
    if measure not in WITH_PANDAS:
        env = path_first(env, as_deployed(out / "as-deployed"))
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result["code"]) != code.resolve():  # never the same code measured twice unawares
        raise RuntimeError(f"{measure} ran the code of {result['code']}, not of {code}")
    return result


def paired(measures: list[str], reference: str | None) -> list[str]:
    """Each engine measure followed by itself on `reference`'s code (`engine@HEAD`)."""
    if reference is None:
        return measures
    return [
        name
        for m in measures
        for name in ([m, f"{m}@{reference}"] if m.startswith("engine") else [m])
    ]


def round_order(measures: list[str], round_number: int) -> list[str]:
    """The measures of one round, each pair (`engine`, `engine@REF`) first one way then the
    other from round to round: neither always runs on the warmer cache."""
    if round_number % 2 == 0:
        return measures
    order = list(measures)
    for i, name in enumerate(order):
        if "@" in name and i > 0:
            order[i - 1], order[i] = order[i], order[i - 1]
    return order


def generate(scale: str, out: Path, reuse: bool) -> dict:
    from engine_data import VERSION, Generator

    marker = out / "counts.json"
    if reuse and marker.exists():
        counts = json.loads(marker.read_text())
        if counts.get("generator") == VERSION:
            return counts

    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    generator = Generator(scale, out)
    counts: dict = dict(generator.run(raw=False))
    counts["communes"] = len(generator.communes)
    counts["population"] = int(generator.communes.population.sum())
    counts["generation_s"] = round(time.perf_counter() - started, 1)
    counts["generator"] = VERSION
    marker.write_text(json.dumps(counts, indent=2))
    return counts


def summarise(runs: list[dict]) -> dict:
    seconds = [r["seconds"] for r in runs]
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        # CPU time of every thread of the process: CPU / wall is how many cores it kept busy.
        "cpu_s": statistics.median(r.get("cpu_s", 0.0) for r in runs),
        "rows": runs[0]["rows"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["region", "national"], default="region")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="reuse data generated before")
    parser.add_argument(
        "--measures",
        default="engine,engine-per-definition,pandas,polars,floor-all,floor-read",
        help="comma-separated, from: " + ", ".join(MEASURES),
    )
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--staging", action="store_true", help="also time the staging step")
    parser.add_argument(
        "--compare", help="a git reference whose code runs each engine measure too, alternately"
    )
    parser.add_argument("--child", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out or data_dir(args.scale)
    if args.child:
        child(args.child, out)
        return
    counts = generate(args.scale, out, args.reuse)
    print(
        f"scale {args.scale}: {counts['communes']:,} communes, {counts['population']:,} inhabitants,"
        f" 24 months; cores {os.cpu_count()}; generation {counts['generation_s']} s"
    )
    print(
        "staged rows: "
        + ", ".join(
            f"{k} {v:,}"
            for k, v in counts.items()
            if k not in ("communes", "population", "generation_s")
        )
    )
    measures = paired([m for m in args.measures.split(",") if m], args.compare)
    runs: dict[str, list[dict]] = {m: [] for m in measures}
    from worktree import compared_worktree

    with compared_worktree(args.compare, ROOT) as compared:
        for round_number in range(args.repeat):
            for measure in round_order(measures, round_number):
                base, _, reference = measure.partition("@")
                tree = compared if reference and compared is not None else ROOT
                runs[measure].append(run_child(base, out, tree))
    results = {m: summarise(r) for m, r in runs.items()}
    print(
        f"\n{args.scale} — every definition, every territory and period (median of {args.repeat})"
    )
    print(
        f"{'measure':<24}{'median s':>10}{'min s':>9}{'max s':>9}{'CPU s':>8}{'cores':>7}"
        f"{'peak RSS MiB':>14}{'rows':>13}"
    )
    for name, r in results.items():
        print(
            f"{name:<24}{r['median_s']:>10.3f}{r['min_s']:>9.3f}{r['max_s']:>9.3f}"
            f"{r['cpu_s']:>8.2f}{r['cpu_s'] / r['median_s']:>7.2f}"
            f"{r['peak_rss_mib']:>14.0f}{int(r['rows']):>13,}"
        )
    engine = results.get("engine", {}).get("median_s")
    for name, r in results.items():
        base, _, reference = name.partition("@")
        if reference and base in results:
            print(
                f"{name} / {base} (the code of {reference} against this tree's):"
                f" {r['median_s'] / results[base]['median_s']:.3f}× wall,"
                f" {r['cpu_s'] / max(results[base]['cpu_s'], 1e-9):.3f}× CPU"
            )
    if engine:
        # The same work: every definition of the catalogue (`measure_check` fails otherwise).
        for other in ("engine-per-definition", "pandas", "polars"):
            if other in results:
                print(
                    f"{other} / engine (every definition of the catalogue):"
                    f" {results[other]['median_s'] / engine:.2f}×"
                )
        for floor in ("floor-all", "floor-read", "floor-group"):
            if floor in results:
                print(f"engine / {floor}: {engine / results[floor]['median_s']:.2f}×")
                if "engine-rows-kept" in results:
                    kept = results["engine-rows-kept"]["median_s"]
                    print(f"engine-rows-kept / {floor}: {kept / results[floor]['median_s']:.2f}×")
        stages: dict[str, list[float]] = {}
        for run in runs["engine"]:
            for stage, seconds in run["stages"].items():
                stages.setdefault(stage, []).append(seconds)
        print("\nengine, median seconds per stage (membership, passes, then each definition):")
        for stage, values in stages.items():
            print(f"  {stage:<66}{statistics.median(values):>8.3f}")
    # Queries run side by side: these sums are query time, about twice the wall time. Each is
    # the median over the runs of a run's sum, for the engine and its rows-kept variant alike.
    for measure in (m for m in ("engine", "engine-rows-kept") if m in runs):
        for kind in ("scan", "definition"):
            total = statistics.median(
                sum(v for k, v in run["stages"].items() if k.startswith(kind))
                for run in runs[measure]
            )
            label = f"{measure}: sum of the {kind} stages (query time, two at a time)"
            print(f"  {label:<66}{total:>8.3f}")
    if "floor-group-1-thread" in runs:
        print("\nfloor-group, one thread, median seconds per table:")
        per_table: dict[str, list[float]] = {}
        for run in runs["floor-group-1-thread"]:
            for table, seconds in run["tables"].items():
                per_table.setdefault(table, []).append(seconds)
        for table, values in per_table.items():
            print(f"  {table:<66}{statistics.median(values):>8.3f}")
    if args.staging:
        staging = run_child("staging", out)
        print(
            f"\nstaging step (am-dmp-documents file → staged table): {staging['rows']:,} rows,"
            f" {staging['csv_mb']:.0f} MB, {staging['seconds']:.1f} s (parse {staging['parse_s']:.1f} s,"
            f" write {staging['write_s']:.1f} s), peak RSS {staging['peak_rss_mib']:.0f} MiB"
        )
    if not args.no_check:
        print("\nsame values: " + json.dumps(run_child("check", out)))


if __name__ == "__main__":
    main()
