"""Would staged tables holding the commune as a number (decision 0024) bring the engine closer to
its floor, the bare scan of what it reads?

Reads the staged documents table that `bench_engine.py --scale SCALE` generated and writes two
copies of it in a temporary folder, both by DuckDB's COPY (same rows, same order, same Parquet
partitioning by month): one with the commune's 5-character code replaced by an integer, and one
with the code kept as text. Times, on one DuckDB thread, on each copy and on the original (written
by pyarrow, kept for reference): the bare scan of every column, the grouping by commune and month,
and the same grouping with the sum a definition takes. The ratio grouping / scan is what the
engine's distance to the floor is made of; numbered against the text copy written the same way
says what the import's numbering would save (against the original, the writer's difference would
count too).

Then another kernel on today's table: the commune codes read as Parquet dictionaries (pyarrow),
each file's dictionary mapped to numbers once (the kernel finds the communes itself, inside its
clock, as DuckDB finds its groups inside its own), the rows summed with `numpy.bincount` by
commune and month — no string hashed per row — against pyarrow's bare read of exactly the columns
the kernel reads, read the same way (commune code and documents, the code as a dictionary), and
DuckDB's grouping with its sum; the sums are checked equal, group by group. For reference, a
read of three columns with the code decoded as strings (the former "bare read", which read more
than the kernel) is printed too, labelled as such.

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
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
        copies_dir = Path(folder)
        con.execute(
            "COPY (SELECT CAST(row_number() OVER (ORDER BY commune_code) AS INTEGER) AS commune_id,"
            f" commune_code FROM (SELECT DISTINCT commune_code FROM {source})) TO"
            f" '{copies_dir / 'ids.parquet'}'"
        )
        con.execute(
            "COPY (SELECT i.commune_id, d.document_type, d.documents, d.period"
            f" FROM {source} AS d JOIN '{copies_dir / 'ids.parquet'}' AS i USING (commune_code)"
            " ORDER BY d.period, d.commune_code)"
            f" TO '{copies_dir / TABLE}' (FORMAT parquet, PARTITION_BY (period))"
        )
        # The same rows with the code as text, written by the same writer in the same order: the
        # original was written by pyarrow, and the writer alone changes the scan's time.
        con.execute(
            "COPY (SELECT d.commune_code, d.document_type, d.documents, d.period"
            f" FROM {source} AS d ORDER BY d.period, d.commune_code)"
            f" TO '{copies_dir / 'text'}' (FORMAT parquet, PARTITION_BY (period))"
        )

        def copy(name: str) -> str:
            return (
                f"read_parquet('{copies_dir / name / '**' / '*.parquet'}', hive_partitioning = true,"
                " hive_types = {'period': 'VARCHAR'})"
            )

        copies = {
            "text, original (pyarrow)": (source, "commune_code"),
            "text (DuckDB COPY)": (copy("text"), "commune_code"),
            "number, 0024 (DuckDB COPY)": (copy(TABLE), "commune_id"),
        }
        print(f"{TABLE}, {args.scale}, one DuckDB thread, median of {args.repeat}")
        print(
            f"{'commune as':<28}{'scan s':>9}{'group s':>9}{'group+sum s':>13}{'group / scan':>14}"
        )
        figures = {}
        for label, (table, key) in copies.items():
            queries = [
                f"SELECT count(*), bit_xor(hash({key}, document_type, documents, period)) FROM {table}",
                f"SELECT count(*) FROM (SELECT {key}, period, count(*) FROM {table} GROUP BY ALL)",
                f"SELECT count(*) FROM (SELECT {key}, period, sum(documents) FROM {table}"
                " GROUP BY ALL)",
            ]
            times = figures[label] = [_median(con, query, args.repeat) for query in queries]
            print(
                f"{label:<28}{times[0]:>9.3f}{times[1]:>9.3f}{times[2]:>13.3f}"
                f"{times[1] / times[0]:>13.2f}×"
            )
        text, number = figures["text (DuckDB COPY)"], figures["number, 0024 (DuckDB COPY)"]
        print(
            "number ÷ text, both written by DuckDB's COPY: "
            + " · ".join(
                f"{name} {n / t:.2f}"
                for name, n, t in zip(["scan", "group", "group+sum"], number, text, strict=True)
            )
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


def _read(path: Path) -> pa.Table:
    """What the kernel reads of one file: the commune code (as a dictionary) and the documents."""
    read = pq.ParquetFile(path, read_dictionary=["commune_code"])
    return read.read(columns=["commune_code", "documents"], use_threads=False)


def _months(folder: Path) -> list[str]:
    return sorted(p.name.removeprefix("period=") for p in folder.glob("period=*"))


def dense_kernel(folder: Path) -> tuple[list[str], list[str], np.ndarray]:
    """Sums of `documents` by (month, commune number), one thread; the communes are numbered as
    the files' dictionaries bring them (no list made beforehand). Returns the communes in their
    numbers' order, the months and the sums."""
    months = _months(folder)
    number: dict[str, int] = {}
    by_month = []
    for month in months:
        keys, weights = [], []
        for path in sorted((folder / f"period={month}").glob("*.parquet")):
            table = _read(path)
            for codes, documents in zip(
                table["commune_code"].chunks, table["documents"].chunks, strict=True
            ):
                numbers = np.array(
                    [number.setdefault(c, len(number)) for c in codes.dictionary.to_pylist()],
                    dtype=np.int64,
                )
                keys.append(numbers[codes.indices.to_numpy(zero_copy_only=False)])
                weights.append(documents.to_numpy(zero_copy_only=False))
        by_month.append(
            np.bincount(
                np.concatenate(keys), weights=np.concatenate(weights), minlength=len(number)
            )
        )
    sums = np.zeros((len(months), len(number)))
    for m, counted in enumerate(by_month):
        sums[m, : len(counted)] = counted
    return list(number), months, sums


def pyarrow_scan(folder: Path) -> int:
    """The kernel's floor: the same files, the same two columns, read the same way."""
    rows = 0
    for path in sorted(folder.glob("period=*/*.parquet")):
        rows += _read(path).num_rows
    return rows


def pyarrow_scan_three_as_text(folder: Path) -> int:
    """The former "bare read": one more column than the kernel reads, the code as strings."""
    rows = 0
    for path in sorted(folder.glob("period=*/*.parquet")):
        columns = ["commune_code", "document_type", "documents"]
        rows += pq.read_table(path, columns=columns, use_threads=False).num_rows
    return rows


def compare_kernels(con: duckdb.DuckDBPyConnection, source: str, folder: Path, repeat: int) -> None:
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    grouped = f"SELECT commune_code, period, sum(documents) AS s FROM {source} GROUP BY ALL"
    times = {
        "pyarrow: bare read of the kernel's 2 columns, code as dictionary": _median_of(
            lambda: pyarrow_scan(folder), repeat
        ),
        "dense kernel (dictionaries + numpy.bincount), communes found inside": _median_of(
            lambda: dense_kernel(folder), repeat
        ),
        "DuckDB: grouping with its sum": _median(con, f"SELECT count(*) FROM ({grouped})", repeat),
        "(reference) pyarrow: 3 columns, code decoded as strings": _median_of(
            lambda: pyarrow_scan_three_as_text(folder), repeat
        ),
    }
    expected = {(code, month): float(s) for code, month, s in con.sql(grouped).fetchall()}
    communes, months, sums = dense_kernel(folder)
    found = {
        (code, month): float(sums[m, c])
        for m, month in enumerate(months)
        for c, code in enumerate(communes)
        if sums[m, c]
    }
    expected = {key: value for key, value in expected.items() if value}
    same = found == expected
    print(
        f"\nanother kernel, today's table, one thread, median of {repeat}"
        f" (sums equal, group by group: {same}; {len(communes)} communes, {len(months)} months)"
    )
    for label, seconds in times.items():
        print(f"{label:<70}{seconds:>9.3f}")


if __name__ == "__main__":
    main()
