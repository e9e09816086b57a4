"""The engine on a Spark standalone cluster at national scale, against DuckDB on the same data.

    nice -n 5 .venv/bin/python bench/bench_spark.py --scale national --reuse [--workers 2]

Uses the staged tables of bench_engine.py (generated if absent), starts a standalone cluster on the
loopback (a master and `--workers` workers of `--cores` cores and `--worker-memory` each, from
pyspark's spark-class), computes every definition of the catalogue there, then with DuckDB, and
checks that both give the same rows, numerators and denominators. Prints the cluster start, the
session start and the compute time, the driver's peak RSS and the executors' memory setting.

The two compute times are measured alike: each clock starts after the engine's import and its
set-up (Spark: the cluster, the session and the tables' views; DuckDB: its connection and views,
printed apart as `duckdb_open_s`). Spark's compute is one run; DuckDB's first run (`duckdb_s`,
just after the cluster stopped) is the one to set against it, and the median of
`--duckdb-repeat` runs, each on a new connection, is printed too.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from bench_engine import SNAPSHOT, data_dir, generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["region", "national"], default="national")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--worker-memory", default="6g")
    parser.add_argument("--executor-memory", default="5g")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--shared", action="store_true", help="run the shared plan on Spark")
    parser.add_argument("--duckdb-repeat", type=int, default=3)
    args = parser.parse_args()
    out = args.out or data_dir(args.scale)
    generate(args.scale, out, args.reuse)

    from capsante.engine import load_definitions
    from capsante.engine.duckdb_backend import DuckDBBackend  # DuckDB imported before any clock
    from capsante.engine.spark_backend import SparkBackend
    from capsante.engine.spark_cluster import StandaloneCluster
    from capsante.engine.tests.test_spark import assert_same

    catalogue = load_definitions()
    figures: dict[str, object] = {"scale": args.scale, "workers": args.workers}
    started = time.perf_counter()
    with StandaloneCluster(
        workers=args.workers,
        cores=args.cores,
        memory=args.worker_memory,
        executor_memory=args.executor_memory,
        timeout_s=180,
    ) as cluster:
        figures["cluster_start_s"] = round(time.perf_counter() - started, 1)
        conf = {**cluster.conf, "spark.driver.memory": args.driver_memory}
        started = time.perf_counter()
        with SparkBackend(out / "staging", master=cluster.master, conf=conf) as backend:
            figures["session_s"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            sparked = backend.compute(catalogue, snapshot_period=SNAPSHOT, shared=args.shared)
            figures["compute_s"] = round(time.perf_counter() - started, 1)
            figures["per_definition_s"] = {
                k.removeprefix("definition "): round(v, 1) for k, v in backend.timings.items()
            }
    figures["rows"] = len(sparked)
    figures["executor_memory"] = args.executor_memory
    figures["worker_cores"] = args.cores
    figures["driver_peak_rss_mib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    opened, computed = [], []
    for _ in range(max(1, args.duckdb_repeat)):
        started = time.perf_counter()
        with DuckDBBackend(out / "staging") as duck_backend:
            opened.append(time.perf_counter() - started)
            started = time.perf_counter()
            duck = duck_backend.compute(catalogue, snapshot_period=SNAPSHOT)
            computed.append(time.perf_counter() - started)
    figures["duckdb_open_s"] = round(opened[0], 2)
    figures["duckdb_s"] = round(computed[0], 1)
    figures["duckdb_median_s"] = round(statistics.median(computed), 1)
    figures["duckdb_s_includes"] = (
        "the compute only (its shared plan, what DuckDB runs by default), as Spark's compute_s:"
        " DuckDB imported and its connection and views opened before the clock (duckdb_open_s);"
        f" duckdb_s the first run, just after the cluster stopped; median of {len(computed)} runs"
    )
    assert_same(duck, sparked)
    figures["same_values_as_duckdb"] = True
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
