"""What finding a rolling window's missing communes costs a page (decision 0046).

    .venv/bin/python bench/bench_gaps.py [--scale national] [--rounds 3]

Reuses (or generates, as `bench_engine.py` does) the staged tables under data/bench/<scale>/.
Each round, in a fresh process (as a page server's worker starts), the list kept on disk
removed first:
- first: `engine.gaps.commune_gaps` for DMP_DOCS_PER_INHABITANT, the first call of a process
  with no list kept (the whole documents table read and compared month with month, the list
  written beside it);
- kept: the next calls (median of 50): the files' state looked at, the list kept in memory;
- after an import: one month's file of the table written again (same rows, a new file, as an
  import replaces a month), then the next call, which reads the table again;
- floor: a bare DuckDB scan of the columns the query reads, summed (its own connection);
then, in another fresh process, the first call with the list kept on disk (what every worker
and command pays once an import has listed them): taken without the catalogue as a page or a
report takes it (`kept_gaps`), then with it, and what reading the catalogue costs.
Prints each measure's median over the rounds, and how many (commune, month) gaps were found.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CODE = "DMP_DOCS_PER_INHABITANT"
VERSION = 1


def measure(staging: Path) -> dict:
    import duckdb

    from capsante.engine import gaps
    from capsante.engine.definitions import load_definitions

    shutil.rmtree(staging / gaps.KEPT_DIR, ignore_errors=True)
    definition = next(d for d in load_definitions() if d.code == CODE)
    started = time.perf_counter()
    found = gaps.commune_gaps(staging, definition)
    first = time.perf_counter() - started
    kept = []
    for _ in range(50):
        started = time.perf_counter()
        gaps.commune_gaps(staging, definition)
        kept.append(time.perf_counter() - started)
    month = sorted((staging / "am_dmp_documents").glob("period=*"))[-1]
    for path in sorted(month.glob("*.parquet")):
        shutil.copyfile(path, path.with_name("_rewritten.tmp"))
        path.with_name("_rewritten.tmp").replace(path)
    started = time.perf_counter()
    gaps.commune_gaps(staging, definition)
    after = time.perf_counter() - started
    glob = str(staging / "am_dmp_documents" / "**" / "*.parquet")
    started = time.perf_counter()
    con = duckdb.connect()
    con.sql(
        f"SELECT COUNT(DISTINCT commune_code), COUNT(DISTINCT period), SUM(documents)"  # noqa: S608
        f" FROM read_parquet('{glob}', hive_partitioning = true)"
    ).fetchall()
    floor = time.perf_counter() - started
    return {
        "first": first,
        "kept": statistics.median(kept),
        "after": after,
        "floor": floor,
        "gaps": sum(len(m) for m in found.values()),
        "months": len(found),
    }


def measure_from_disk(staging: Path) -> dict:
    """In a fresh process: the list taken without the catalogue (what a page or a report reads,
    its module's import included), then the catalogue read and the list taken with it."""
    started = time.perf_counter()
    from capsante.engine import files, gaps

    # The version as the database's mirror of the catalogue gives it (`Indicator`).
    kept = gaps.kept_gaps(staging, CODE, VERSION, files.definition_file(CODE))
    without_catalogue = time.perf_counter() - started
    if kept is None:
        sys.exit("the list kept by the first process was not taken")
    started = time.perf_counter()
    from capsante.engine.definitions import load_definitions

    definition = next(d for d in load_definitions() if d.code == CODE)
    catalogue = time.perf_counter() - started
    gaps._kept.clear()
    started = time.perf_counter()
    gaps.commune_gaps(staging, definition)
    return {
        "without catalogue": without_catalogue,
        "catalogue": catalogue,
        "from disk": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["region", "national"], default="region")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-from-disk", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child))))
        return
    if args.child_from_disk:
        print(json.dumps(measure_from_disk(Path(args.child_from_disk))))
        return
    import bench_engine

    out = ROOT / "data" / "bench" / args.scale
    bench_engine.generate(args.scale, out, reuse=True)
    runs = []
    for _ in range(args.rounds):
        measured = {}
        for child in ("--child", "--child-from-disk"):
            done = subprocess.run(
                [sys.executable, __file__, child, str(out / "staging")],
                capture_output=True,
                text=True,
                check=True,
            )
            measured.update(json.loads(done.stdout.splitlines()[-1]))
        runs.append(measured)
    print(
        f"{args.scale}: {runs[0]['gaps']:,} gaps in {runs[0]['months']} months; medians of"
        f" {args.rounds} rounds, each a fresh process"
    )
    for key, label in [
        ("first", "first call of a process, no list kept"),
        ("without catalogue", "the same without the catalogue (`kept_gaps`, imports too)"),
        ("catalogue", "reading the catalogue, which it spares (imports too)"),
        ("from disk", "first call of a process, the list kept on disk"),
        ("kept", "each call after it (median of 50)"),
        ("after", "first call after one month's file written again"),
        ("floor", "bare scan of the columns read (DuckDB)"),
    ]:
        values = [r[key] for r in runs]
        print(
            f"  {label:<60} {1000 * statistics.median(values):9.2f} ms"
            f"  ({', '.join(f'{1000 * v:.1f}' for v in values)})"
        )


if __name__ == "__main__":
    main()
