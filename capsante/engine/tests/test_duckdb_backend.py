"""The DuckDB backend: bounded, read-only, and tolerant of missing tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from capsante.engine import compute
from capsante.engine.aggregation import sort_result
from capsante.engine.duckdb_backend import DuckDBBackend, QueryTimeout

from .staging_data import document_rows, membership_rows, population_rows, write_table


def test_files_outside_the_staging_root_cannot_be_read(shared_staging: Path):
    with DuckDBBackend(shared_staging) as backend:
        assert backend.query("SELECT 1 AS x").to_pylist() == [{"x": 1}]
        with pytest.raises(duckdb.Error, match="disabled"):
            backend.query("SELECT * FROM read_csv('/etc/passwd')")
        with pytest.raises(duckdb.Error):
            backend.run_sql("SET enable_external_access = true")


def test_configuration_is_locked(shared_staging: Path):
    with DuckDBBackend(shared_staging) as backend, pytest.raises(duckdb.Error, match="locked"):
        backend.run_sql("SET threads = 1")


def test_a_recompute_that_chooses_its_threads_still_locks_everything(
    shared_staging: Path, catalogue, tmp_path: Path
):
    """The lock waits for the first query (a full recompute first gives each query its share
    of the cores): nothing may run before it, whatever the entry point."""
    with DuckDBBackend(shared_staging, workers=2) as backend:
        assert backend.compute(catalogue, snapshot_period="2025-03").num_rows > 0
        with pytest.raises(duckdb.Error, match="locked"):
            backend.run_sql("SET threads = 4")
        with pytest.raises(duckdb.Error, match="disabled"):
            backend.run_sql("SELECT * FROM read_csv('/etc/passwd')")
    outside = tmp_path / "outside.csv"
    outside.write_text("secret\n1\n")
    with DuckDBBackend(shared_staging) as backend:
        # The connection itself, reached before any query, is locked too.
        with pytest.raises(duckdb.Error, match="locked"):
            backend.con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error):
            backend.con.sql(f"SELECT * FROM read_csv('{outside}')").fetchall()  # noqa: S608


def test_two_threads_reaching_a_new_backend_at_once_both_get_it_locked(shared_staging: Path):
    """The lock is set at the first use: two at once must not trip over each other's settings."""
    import threading

    for _ in range(20):
        with DuckDBBackend(shared_staging) as backend:
            failures: list[BaseException] = []
            start = threading.Barrier(2)

            def reach(
                backend: DuckDBBackend = backend,
                failures: list = failures,
                start: threading.Barrier = start,
            ) -> None:
                start.wait()
                try:
                    backend.con  # noqa: B018 - reaching it is what locks it
                except duckdb.Error as error:
                    failures.append(error)

            threads = [threading.Thread(target=reach) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert failures == []
            with pytest.raises(duckdb.Error, match="locked"):
                backend.run_sql("SET threads = 1")


def test_ad_hoc_queries_have_a_row_cap(shared_staging: Path):
    with DuckDBBackend(shared_staging) as backend:
        assert len(backend.query("SELECT * FROM stg_structures", max_rows=8)) == 8
        with pytest.raises(ValueError, match="more than 3 rows"):
            backend.query("SELECT * FROM stg_structures", max_rows=3)


def test_queries_have_a_time_limit(shared_staging: Path):
    with DuckDBBackend(shared_staging) as backend, pytest.raises(QueryTimeout):
        backend.query("SELECT count(*) FROM range(1000000000) a, range(1000) b", timeout_s=0.2)


def test_missing_tables_give_no_rows(tmp_path: Path, catalogue):
    write_table(tmp_path, "territory_membership", membership_rows())
    result = compute(catalogue, tmp_path, snapshot_period="2025-03")
    assert len(result) == 0


def test_territory_tables_may_come_from_memory(shared_staging: Path, by_code, tmp_path: Path):
    definition = by_code["DMP_DOCS_PER_INHABITANT"]
    from_files = compute([definition], shared_staging)
    # Same staging without the territory exports, handed over as Arrow tables instead.
    write_table(tmp_path, "am_dmp_documents", document_rows())
    from_memory = compute(
        [definition],
        tmp_path,
        membership=pa.Table.from_pylist(membership_rows()),
        population=pa.Table.from_pylist(population_rows()),
    )
    assert sort_result(from_memory).equals(sort_result(from_files))


def test_scope_keeps_whole_territories(shared_staging: Path, by_code):
    definition = by_code["MES_ACTIVATION"]
    scoped = compute([definition], shared_staging, territories=[("departement", "53")])
    keys = {(r["territory_level"], r["territory_code"]) for r in scoped.to_pylist()}
    assert ("departement", "72") not in keys
    # The région and the grouping have communes in the scope: they come with all their communes.
    full = {
        (r["territory_level"], r["territory_code"], r["period"]): r["value"]
        for r in compute([definition], shared_staging).to_pylist()
    }
    for r in scoped.to_pylist():
        assert r["value"] == full[(r["territory_level"], r["territory_code"], r["period"])]
    assert ("region", "52") in keys and ("groupement", "G1") in keys


def test_levels_keep_codes_apart(tmp_path: Path, by_code):
    """Région 52 (Pays de la Loire) and département 52 (Haute-Marne) are different territories."""
    rows = [
        {
            "period": "2025-01",
            "commune_code": "52001",
            "beneficiaries": 10,
            "activated": 5,
            "with_document": 0,
        },
        {
            "period": "2025-01",
            "commune_code": "53001",
            "beneficiaries": 10,
            "activated": 1,
            "with_document": 0,
        },
    ]
    write_table(tmp_path, "am_mes_activations", rows)
    write_table(
        tmp_path,
        "territory_membership",
        [
            {"commune_code": "52001", "territory_code": "52", "territory_level": "departement"},
            {"commune_code": "52001", "territory_code": "44", "territory_level": "region"},
            {"commune_code": "53001", "territory_code": "53", "territory_level": "departement"},
            {"commune_code": "53001", "territory_code": "52", "territory_level": "region"},
        ],
    )
    result = {
        (r["territory_level"], r["territory_code"]): r["value"]
        for r in compute([by_code["MES_ACTIVATION"]], tmp_path).to_pylist()
    }
    assert result[("departement", "52")] == 50
    assert result[("region", "52")] == 10


def test_progress_is_reported(shared_staging: Path, catalogue):
    calls = []
    compute(
        catalogue,
        shared_staging,
        snapshot_period="2025-03",
        progress=lambda d, t, c: calls.append((d, t, c)),
    )
    assert [c[0] for c in calls] == list(range(1, len(catalogue) + 1))
    assert {c[2] for c in calls} == {d.code for d in catalogue}


def test_a_kept_query_sees_a_table_staged_after_it_and_a_month_added_to_it(tmp_path: Path):
    """Pages query a backend the process keeps. A table absent when it was opened (its view
    empty) and staged since, then a new month of it, are both read by the next query; a table
    the query was not opened with is unknown to it."""
    from capsante.engine.duckdb_backend import kept_query
    from capsante.engine.query import table_ref

    def identities(period: str, count: int) -> dict:
        return {
            "period": period,
            "finess_et": "530000017",
            "status": "QUAL",
            "ins_valid": True,
            "identities": count,
        }

    sql = (
        f"SELECT period, SUM(identities) AS n FROM {table_ref('ins_identities')}"  # noqa: S608
        " WHERE list_contains($wanted, finess_et) GROUP BY period ORDER BY period"
    )
    asked = {"wanted": ["530000017"]}
    assert kept_query(tmp_path, {"ins_identities"}, sql, params=asked).to_pylist() == []
    write_table(tmp_path, "ins_identities", [identities("2026-09", 40)])
    assert kept_query(tmp_path, {"ins_identities"}, sql, params=asked).to_pylist() == [
        {"period": "2026-09", "n": 40}
    ]
    write_table(tmp_path, "ins_identities", [identities("2026-10", 55)])
    assert kept_query(tmp_path, {"ins_identities"}, sql, params=asked).to_pylist() == [
        {"period": "2026-09", "n": 40},
        {"period": "2026-10", "n": 55},
    ]
    assert kept_query(tmp_path, {"ins_identities"}, sql, params={"wanted": []}).num_rows == 0
    with pytest.raises(duckdb.CatalogException):
        kept_query(tmp_path, {"ins_identities"}, f"SELECT * FROM {table_ref('am_mes_activations')}")  # noqa: S608
