"""Spark runs the same definitions and gives the same values as DuckDB."""

from __future__ import annotations

import shutil
import socket
import statistics
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from capsante.engine import compute
from capsante.engine.aggregation import sort_result
from capsante.engine.spark_backend import (
    MasterUnreachable,
    SparkBackend,
    SparkUnavailable,
    check_ready,
    local_session,
    to_spark_sql,
)
from capsante.engine.tests.staging_data import REGION, write_staging, write_table

pytestmark = pytest.mark.spark


def assert_same(duck: pa.Table, spark_table: pa.Table) -> None:
    """Same rows (in any order), same numerators and denominators, values within 1e-12."""
    assert duck.column_names == spark_table.column_names
    assert len(duck) == len(spark_table) > 0
    key = ["indicator_code", "territory_level", "territory_code", "period"]
    rows = zip(sort_result(duck).to_pylist(), sort_result(spark_table).to_pylist(), strict=True)
    for a, b in rows:
        assert [a[k] for k in key] == [b[k] for k in key]
        assert (a["numerator"], a["denominator"]) == (b["numerator"], b["denominator"]), a
        if a["value"] is None:
            assert b["value"] is None
        else:
            assert abs(a["value"] - b["value"]) <= 1e-12 * max(1.0, abs(a["value"]))


def test_spark_s_shared_plan_gives_duckdb_s_values(shared_staging: Path, catalogue, spark):
    """DuckDB's default (the shared plan) against Spark's shared plan, on every definition.
    Spark's own default, one query per definition, is compared with DuckDB on every definition
    twice elsewhere: on this set by the scoped run of test_scoped.py (every definition, the
    territories of three kinds of scope), and on region-scale generated data by the cluster
    test (test_spark_region.py). A third run of it here, of the whole set, cost 26–41 s of each
    `make test` (bench/RESULTS.md, *The test suite's time*, 6 December)."""
    duck = compute(catalogue, shared_staging, snapshot_period="2025-03")
    with SparkBackend(shared_staging, spark=spark) as backend:
        sparked = backend.compute(catalogue, snapshot_period="2025-03", shared=True)
    assert {r for r in duck["indicator_code"].to_pylist()} == {d.code for d in catalogue}
    assert_same(duck, sparked)


def test_partial_and_scoped_runs_agree(shared_staging: Path, by_code, spark):
    definitions = [by_code["DMP_DOCS_PER_INHABITANT"], by_code["INS_QUALIFICATION"]]
    periods, scope = ["2024-06", "2025-02"], [("departement", "72")]
    duck = compute(definitions, shared_staging, periods=periods, territories=scope)
    with SparkBackend(shared_staging, spark=spark) as backend:
        sparked = backend.compute(definitions, periods=periods, territories=scope)
    assert_same(duck, sparked)


def test_a_median_is_the_middle_two_halved_on_both_engines(tmp_path: Path, by_code, spark):
    """A median of an even count is (a + b) / 2 of the middle two on DuckDB and on Spark, as the
    difficulties' statistics page computes it (`statistics.median`). Spark's own `median` gives
    a + (b - a) / 2: for these pairs of tenths, one digit off (bench/RESULTS.md, 7 December,
    twenty-first session; decision 0022)."""
    resolved = {
        "53001": (1.7, 10.8),
        "53002": (1.7, 33.9),
        "72001": (2.4, 6.7),
        "72002": (3.1, 8.7),
    }
    assert all(a + (b - a) * 0.5 != (a + b) / 2 for a, b in resolved.values())
    staging = write_staging(tmp_path / "staging")
    shutil.rmtree(staging / "difficulty_activity")
    rows = [
        {"period": "2025-03", "difficulty_id": f"{commune}-{n}", "departement_code": commune[:2],
         "commune_code": commune, "state": "resolved", "days": days}
        for commune, pair in resolved.items()
        for n, days in enumerate(pair)
    ]  # fmt: skip
    write_table(staging, "difficulty_activity", rows)
    definition = [by_code["DIFFICULTY_RESOLUTION_DAYS"]]

    duck = compute(definition, staging, periods=["2025-03"])
    with SparkBackend(staging, spark=spark) as backend:
        sparked = backend.compute(definition, periods=["2025-03"])

    medians = {
        (r["territory_level"], r["territory_code"]): r["numerator"] for r in duck.to_pylist()
    }
    for commune, pair in resolved.items():
        assert medians[("commune", commune)] == statistics.median(pair)
    everything = [days for pair in resolved.values() for days in pair]
    assert medians[("region", REGION)] == statistics.median(everything)
    assert medians[("departement", "53")] == statistics.median([1.7, 10.8, 1.7, 33.9])
    assert_same(duck, sparked)


def test_a_discrete_quantile_stays_exact_in_either_form(spark):
    """DuckDB's `QUANTILE_DISC(x, q)` and the SQL standard's `PERCENTILE_DISC(q) WITHIN GROUP
    (ORDER BY x)` both reach Spark as its exact percentile, never `PERCENTILE_APPROX` (what
    sqlglot writes for the second), and give DuckDB's figures."""
    forms = [
        "SELECT QUANTILE_DISC(t.x, 0.25) AS q"
        " FROM (VALUES (1.7), (10.8), (2.4), (6.7), (33.9), (NULL)) AS t(x)",
        "SELECT PERCENTILE_DISC(0.25) WITHIN GROUP (ORDER BY t.x) AS q"
        " FROM (VALUES (1.7), (10.8), (2.4), (6.7), (33.9), (NULL)) AS t(x)",
    ]
    for sql in forms:
        written = to_spark_sql(sql)
        assert "APPROX" not in written.upper()
        assert "PERCENTILE_DISC(0.25) WITHIN GROUP" in written
        # Literals are decimals on both engines: compared as numbers.
        on_duckdb = float(duckdb.execute(sql).fetchall()[0][0])
        assert float(spark.sql(written).collect()[0]["q"]) == on_duckdb == 2.4


def test_sql_is_transpiled_not_rewritten_by_hand():
    sql = "SELECT CAST(x AS VARCHAR) AS k FROM t WHERE p IN ('2025-01')"
    assert to_spark_sql(sql) == "SELECT CAST(x AS STRING) AS k FROM t WHERE p IN ('2025-01')"


def test_a_master_that_does_not_answer_is_named_before_any_jvm_starts():
    """Spark alone would retry a closed address for a minute; the engine says so at once, and
    with several addresses (a master and its standbys) one answering is enough."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        open_port = listening.getsockname()[1]
        with pytest.raises(MasterUnreachable, match=f"127.0.0.1:{closed_port} : connexion refusée"):
            local_session(f"spark://127.0.0.1:{closed_port}")
        check_ready(f"spark://127.0.0.1:{closed_port},127.0.0.1:{open_port}")
    with pytest.raises(MasterUnreachable, match="nom d'hôte inconnu"):
        check_ready("spark://nulle-part.invalid:7077")
    with pytest.raises(MasterUnreachable, match="illisible"):
        check_ready("spark://:7077")


def test_without_pyspark_or_java_the_engine_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(SparkUnavailable, match=r"pas installé : il demande le module pyspark"):
        check_ready("local[*]")
    monkeypatch.undo()
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(SparkUnavailable, match="demande Java"):
        check_ready("local[*]")
