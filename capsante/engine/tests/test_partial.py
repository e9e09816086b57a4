"""Recomputing after an import touches only the periods that import changed."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from capsante.engine import compute, plan_periods, recompute_plan

from .staging_data import DOCS_PER_MONTH, mes_rows, write_table


def keyed(table: pa.Table) -> dict[tuple, tuple]:
    return {
        (r["indicator_code"], r["territory_level"], r["territory_code"], r["period"]): (
            r["numerator"],
            r["denominator"],
            r["value"],
        )
        for r in table.to_pylist()
    }


def test_only_the_given_months_are_returned_and_they_match_a_full_run(staging: Path, by_code):
    definitions = [by_code["MES_ACTIVATION"], by_code["INS_QUALIFICATION"]]
    before = keyed(compute(definitions, staging))
    # An import rewrites 2025-02 of the MES table with other figures.
    rows = [dict(r, activated=r["activated"] + 7) for r in mes_rows() if r["period"] == "2025-02"]
    write_table(staging, "am_mes_activations", rows)
    partial = keyed(compute(definitions, staging, periods=["2025-02"]))
    assert {k[3] for k in partial} == {"2025-02"}
    full = keyed(compute(definitions, staging))
    assert partial == {k: v for k, v in full.items() if k[3] == "2025-02"}
    assert partial[("MES_ACTIVATION", "departement", "53", "2025-02")][0] == 84 + 21
    # Months outside the import are untouched.
    assert {k: v for k, v in full.items() if k[3] != "2025-02"} == {
        k: v for k, v in before.items() if k[3] != "2025-02"
    }


def test_other_partitions_are_not_even_read(staging: Path, by_code):
    """A corrupt partition outside the import's months does not disturb a partial recompute."""
    definition = by_code["MES_ACTIVATION"]
    (staging / "am_mes_activations" / "period=2025-02" / "data.parquet").write_bytes(b"not parquet")
    assert len(compute([definition], staging, periods=["2025-03"])) > 0
    with pytest.raises(Exception):  # noqa: B017 - any read error: the full run reads 2025-02
        compute([definition], staging)


def test_rolling_window_recomputes_the_following_months(staging: Path, by_code):
    definition = by_code["DMP_DOCS_PER_INHABITANT"]
    rows = [
        {"period": "2024-06", "commune_code": c, "document_type": t, "documents": n * 2}
        for c, types in DOCS_PER_MONTH.items()
        for t, n in types.items()
    ]
    write_table(staging, "am_dmp_documents", rows)
    partial = keyed(compute([definition], staging, periods=["2024-06"]))
    # 2024-06 moves the 12-month sums ending 2024-06 … 2025-05; only 2024-12 … 2025-03 exist.
    assert {k[3] for k in partial} == {"2024-12", "2025-01", "2025-02", "2025-03"}
    full = keyed(compute([definition], staging))
    assert partial == {
        k: v for k, v in full.items() if k[3] in {"2024-12", "2025-01", "2025-02", "2025-03"}
    }
    assert partial[(definition.code, "departement", "53", "2024-12")][0] == 420 + 35


def test_window_plan_reads_only_the_needed_months(shared_staging: Path, by_code):
    definition = by_code["DMP_DOCS_PER_INHABITANT"]
    plan = plan_periods(definition, shared_staging, ["2025-03"], None)
    assert plan is not None and plan.sources is not None
    assert plan.sources[0] == "2024-04" and plan.sources[-1] == "2025-03"
    assert len(plan.sources) == 12
    assert plan_periods(definition, shared_staging, ["2023-01"], None) is None


def test_snapshot_indicators_follow_their_period(shared_staging: Path, by_code):
    definition = by_code["OFFICINES_MSS"]
    assert (
        len(compute([definition], shared_staging, periods=["2025-01"], snapshot_period="2025-03"))
        == 0
    )
    rows = compute([definition], shared_staging, periods=["2025-03"], snapshot_period="2025-03")
    assert set(rows["period"].to_pylist()) == {"2025-03"}


def test_snapshot_period_defaults_to_the_import_month(shared_staging: Path, by_code):
    import datetime as dt

    month = dt.datetime.now(tz=dt.UTC).strftime("%Y-%m")
    rows = compute([by_code["OFFICINES_MSS"]], shared_staging)
    assert set(rows["period"].to_pylist()) == {month}


def test_recompute_plan(catalogue):
    plan = recompute_plan(catalogue, {"am_mes_activations": ["2025-02"]})
    assert [(sorted(d.code for d in defs), periods) for defs, periods in plan] == [
        (["DMP_ALIMENTATION", "MES_ACTIVATION"], ["2025-02"])
    ]
    plan = recompute_plan(catalogue, {"structures": None, "ins_identities": ["2025-01"]})
    assert len(plan) == 1
    defs, periods = plan[0]
    assert periods is None
    assert "INS_QUALIFICATION" in {d.code for d in defs}
    assert "MES_ACTIVATION" not in {d.code for d in defs}


def test_periods_are_validated(shared_staging: Path, by_code):
    with pytest.raises(ValueError, match="YYYY-MM"):
        compute([by_code["MES_ACTIVATION"]], shared_staging, periods=["2025-13"])
    with pytest.raises(ValueError, match="YYYY-MM"):
        compute([by_code["MES_ACTIVATION"]], shared_staging, periods=["2025-01'; DROP"])
