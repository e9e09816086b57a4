"""Would staged tables holding the commune as a number (decision 0024) bring the engine closer to
its floor, the bare scan of what it reads?

Reads the staged documents table that `bench_engine.py --scale SCALE` generated, writes a copy in
a temporary folder with the commune's 5-character code replaced by an integer (same rows, same
months, same Parquet partitioning by month), and times, on one DuckDB thread, on each copy: the
bare scan of every column, the grouping by commune and month, and the same grouping with the sum
a definition takes. The ratio grouping / scan is what the engine's distance to the floor is made
of; the absolute times say what the import's numbering would save.

Then another kernel on today's table: the commune codes read as Parquet dictionaries (pyarrow),
each file's dictionary mapped to numbers once, the rows summed with `numpy.bincount` by commune
and month — no string hashed per row — against pyarrow's own bare read of the same columns and
DuckDB's grouping with its sum; the sums are checked equal.

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
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

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
    compare_kernels(con, source, DATA / args.scale / "staging" / TABLE, args.repeat)


def _median(con: duckdb.DuckDBPyConnection, query: str, repeat: int) -> float:
    return _median_of(lambda: con.sql(query).fetchall(), repeat)


def _median_of(work: Callable[[], object], repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def dense_kernel(folder: Path, communes: list[str], months: list[str]) -> np.ndarray:
    """Sums of `documents` by (month, commune number), one thread."""
    number = {code: i for i, code in enumerate(communes)}
    sums = np.zeros((len(months), len(communes)))
    for m, month in enumerate(months):
        keys, weights = [], []
        for path in sorted((folder / f"period={month}").glob("*.parquet")):
            read = pq.ParquetFile(path, read_dictionary=["commune_code"])
            table = read.read(columns=["commune_code", "documents"], use_threads=False)
            for codes, documents in zip(
                table["commune_code"].chunks, table["documents"].chunks, strict=True
            ):
                numbers = np.array([number[c] for c in codes.dictionary.to_pylist()])
                keys.append(numbers[codes.indices.to_numpy(zero_copy_only=False)])
                weights.append(documents.to_numpy(zero_copy_only=False))
        sums[m] = np.bincount(
            np.concatenate(keys), weights=np.concatenate(weights), minlength=len(communes)
        )
    return sums


def pyarrow_scan(folder: Path) -> int:
    rows = 0
    for path in sorted(folder.glob("period=*/*.parquet")):
        columns = ["commune_code", "document_type", "documents"]
        rows += pq.read_table(path, columns=columns, use_threads=False).num_rows
    return rows


def compare_kernels(con: duckdb.DuckDBPyConnection, source: str, folder: Path, repeat: int) -> None:
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    communes = [
        r[0] for r in con.sql(f"SELECT DISTINCT commune_code FROM {source} ORDER BY 1").fetchall()
    ]
    months = sorted(p.name.removeprefix("period=") for p in folder.glob("period=*"))
    grouped = f"SELECT commune_code, period, sum(documents) AS s FROM {source} GROUP BY ALL"
    times = {
        "pyarrow: bare read of the same columns": _median_of(lambda: pyarrow_scan(folder), repeat),
        "dense kernel (dictionaries + numpy.bincount)": _median_of(
            lambda: dense_kernel(folder, communes, months), repeat
        ),
        "DuckDB: grouping with its sum": _median(con, f"SELECT count(*) FROM ({grouped})", repeat),
    }
    total = con.sql(f"SELECT sum(s) FROM ({grouped})").fetchall()[0][0]
    same = float(dense_kernel(folder, communes, months).sum()) == float(total)
    print(f"\nanother kernel, today's table, one thread, median of {repeat} (sums equal: {same})")
    for label, seconds in times.items():
        print(f"{label:<48}{seconds:>9.3f}")


if __name__ == "__main__":
    main()
