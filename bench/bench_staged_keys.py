"""Would staged tables holding the commune as a number (decision 0024) bring the engine closer to
its floor, the bare scan of what it reads?

Reads the staged documents table that `bench_engine.py --scale SCALE` generated, writes a copy in
a temporary folder with the commune's 5-character code replaced by an integer (same rows, same
months, same Parquet partitioning by month), and times, on one DuckDB thread, on each copy: the
bare scan of every column, the grouping by commune and month, and the same grouping with the sum
a definition takes. The ratio grouping / scan is what the engine's distance to the floor is made
of; the absolute times say what the import's numbering would save.

    .venv/bin/python bench/bench_staged_keys.py [--scale national|region] [--repeat 3]
"""

# The SQL below is built from this script's own table names and temporary paths.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import _parquet_source  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data" / "bench"
TABLE = "am_dmp_documents"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", choices=["national", "region"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = _parquet_source(DATA / args.scale, TABLE)
    if source is None:
        sys.exit(
            f"no staged {TABLE} in {DATA / args.scale}: run bench_engine.py --scale {args.scale}"
        )
    con = duckdb.connect()
    con.execute("SET threads = 1")
    with tempfile.TemporaryDirectory() as folder:
        numbered = Path(folder)
        con.execute(
            "COPY (SELECT CAST(row_number() OVER (ORDER BY commune_code) AS INTEGER) AS commune_id,"
            f" commune_code FROM (SELECT DISTINCT commune_code FROM {source})) TO"
            f" '{numbered / 'ids.parquet'}'"
        )
        con.execute(
            "COPY (SELECT i.commune_id, d.document_type, d.documents, d.period"
            f" FROM {source} AS d JOIN '{numbered / 'ids.parquet'}' AS i USING (commune_code)"
            " ORDER BY d.period, d.commune_code)"
            f" TO '{numbered / TABLE}' (FORMAT parquet, PARTITION_BY (period))"
        )
        copies = {
            "commune as text (today)": (source, "commune_code"),
            "commune as number (0024)": (
                f"read_parquet('{numbered / TABLE / '**' / '*.parquet'}', hive_partitioning = true,"
                " hive_types = {'period': 'VARCHAR'})",
                "commune_id",
            ),
        }
        print(f"{TABLE}, {args.scale}, one DuckDB thread, median of {args.repeat}")
        print(f"{'':<28}{'scan s':>9}{'group s':>9}{'group+sum s':>13}{'group / scan':>14}")
        for label, (table, key) in copies.items():
            queries = [
                f"SELECT count(*), bit_xor(hash({key}, document_type, documents, period)) FROM {table}",
                f"SELECT count(*) FROM (SELECT {key}, period, count(*) FROM {table} GROUP BY ALL)",
                f"SELECT count(*) FROM (SELECT {key}, period, sum(documents) FROM {table}"
                " GROUP BY ALL)",
            ]
            times = [_median(con, query, args.repeat) for query in queries]
            print(
                f"{label:<28}{times[0]:>9.3f}{times[1]:>9.3f}{times[2]:>13.3f}"
                f"{times[1] / times[0]:>13.2f}×"
            )


def _median(con: duckdb.DuckDBPyConnection, query: str, repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        con.sql(query).fetchall()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


if __name__ == "__main__":
    main()
