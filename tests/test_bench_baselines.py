"""The benchmark's baselines compute what the engine computes, row for row.

`bench/RESULTS.md` compares the engine's time with pandas' and Polars' (`bench/engine_pandas.py`,
`bench/engine_polars.py`) on the same staged tables, and a ratio only means something if the
three give the same figures. The bench checks that at each run (`bench_engine.py`, its `check`
measure), but only when somebody runs it: a definition changed in the catalogue and not in the
baselines would make every later ratio compare different work. Here the bench's own generator
writes a small région's staged tables (every table the catalogue reads, the platform's own
included: events, ambassadors, local health contracts, difficulties; 24 months) and its own check
compares every numerator and denominator of every definition, exactly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def bench_engine():
    sys.path.insert(0, str(BENCH))
    try:
        import bench_engine

        yield bench_engine
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def staged(tmp_path_factory, bench_engine) -> Path:
    from engine_data import Generator

    out = tmp_path_factory.mktemp("bench-region")
    # A tenth of the région's documents keeps it to a few seconds; every table is written.
    counts = Generator("region", out, docs_per_year=1.5e6).run(raw=False)
    assert counts["am_dmp_documents"] > 100_000, counts
    return out


def test_pandas_and_polars_give_the_engines_figures_on_every_row(bench_engine, staged):
    report = bench_engine.measure_check(staged)

    from capsante.engine import load_definitions

    # Every definition of the catalogue has rows, and pandas and Polars compute each of them.
    assert report["codes"] == len(load_definitions()) == len(bench_engine.baseline_definitions())
    assert report["rows"] > 50_000
    for way in ("engine-per-definition", "pandas", "polars"):
        assert report[way] == {
            "unmatched_rows": 0,
            "numerator_differences": 0,
            "denominator_differences": 0,
        }, f"{way}: {report[way]}"


def test_the_bench_writes_its_staged_files_as_an_import_does(staged, tmp_path):
    """The scan floor the engine is compared with reads the generator's files: written otherwise
    than the platform writes them (snappy, until generator version 4), the floor was 13 % quicker
    and the ratio to it a different figure from the platform's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from capsante.ingest.staging import StagingStore

    generated = sorted((staged / "staging" / "am_dmp_documents").glob("period=*/data.parquet"))[0]
    month = generated.parent.name.removeprefix("period=")
    rows = pq.read_table(generated, partitioning=None)
    rows = rows.append_column("period", pa.array([month] * rows.num_rows))
    # The month staged again through the store's own write, as an import stages it.
    report = StagingStore(tmp_path).write("am_dmp_documents", rows, full_extract=True)
    (imported,) = report.files

    def layout(path: Path) -> tuple:
        meta = pq.ParquetFile(path).metadata
        groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
        return (
            [group.num_rows for group in groups],
            {group.column(c).compression for group in groups for c in range(group.num_columns)},
        )

    assert layout(generated) == layout(imported)
    assert layout(generated)[1] == {"ZSTD"}
