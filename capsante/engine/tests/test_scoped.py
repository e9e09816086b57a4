"""A scoped or partial recompute gives, for everything it returns, exactly what a full one gives.

`capsante indicators compute --territory 72` once stored the région's documents per inhabitant
divided by Sarthe's population alone (25.75 instead of 3.88): the property below draws scopes and
months and compares every row, for all the definitions of the catalogue.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capsante.engine import compute
from capsante.engine.spark_backend import SparkBackend

from .staging_data import COMMUNES, DOC_MONTHS, GROUPING, REGION

SNAPSHOT = "2025-03"
TERRITORIES = sorted(
    {("commune", c) for c in COMMUNES}
    | {("epci", epci) for epci, _, _ in COMMUNES.values()}
    | {("departement", dep) for _, dep, _ in COMMUNES.values()}
    | {("region", REGION), ("groupement", GROUPING[0])}
)
MONTHS = sorted({*DOC_MONTHS, SNAPSHOT})


def keyed(table: pa.Table) -> dict[tuple, tuple]:
    return {
        (r["indicator_code"], r["territory_level"], r["territory_code"], r["period"]): (
            r["numerator"],
            r["denominator"],
            r["value"],
        )
        for r in table.to_pylist()
    }


def communes_in(territory: tuple[str, str]) -> set[str]:
    level, code = territory
    if level == "commune":
        return {code}
    if level == "groupement":
        return set(GROUPING[1])
    if level == "region":
        return set(COMMUNES)
    position = {"epci": 0, "departement": 1}[level]
    return {c for c, row in COMMUNES.items() if row[position] == code}


def expected_territories(scope: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Every territory with a commune inside the scope."""
    inside = set().union(*(communes_in(t) for t in scope))
    return {t for t in TERRITORIES if communes_in(t) & inside}


@pytest.fixture(scope="module")
def full(shared_staging: Path, catalogue) -> dict[tuple, tuple]:
    return keyed(compute(catalogue, shared_staging, snapshot_period=SNAPSHOT))


def assert_agrees(part: dict[tuple, tuple], full: dict[tuple, tuple]) -> None:
    for key, figures in part.items():
        assert key in full, key
        numerator, denominator, value = full[key]
        assert figures[0] == pytest.approx(numerator, rel=1e-12), key
        assert (figures[1] is None) == (denominator is None), key
        if denominator is not None:
            assert figures[1] == pytest.approx(denominator, rel=1e-12), key
        assert (figures[2] is None) == (value is None), key
        if value is not None:
            assert figures[2] == pytest.approx(value, rel=1e-12), key


def test_a_departement_scope_gives_the_region_its_full_per_inhabitant_rate(
    shared_staging: Path, by_code, full
):
    definition = by_code["DMP_DOCS_PER_INHABITANT"]
    scoped = keyed(compute([definition], shared_staging, territories=[("departement", "72")]))
    key = (definition.code, "region", REGION, "2025-03")
    assert key in scoped
    assert scoped[key] == full[key]
    # The région divides by every inhabitant the documents cover, not by Sarthe's alone.
    assert scoped[key][1] == sum(pop for _, _, pop in COMMUNES.values())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    scope=st.lists(st.sampled_from(TERRITORIES), min_size=1, max_size=3, unique=True),
    months=st.none() | st.lists(st.sampled_from(MONTHS), min_size=1, max_size=3, unique=True),
)
def test_any_scope_and_months_agree_with_the_full_recompute(
    shared_staging: Path, catalogue, full, scope, months
):
    part = keyed(
        compute(
            catalogue,
            shared_staging,
            periods=months,
            territories=scope,
            snapshot_period=SNAPSHOT,
        )
    )
    assert_agrees(part, full)
    wanted = expected_territories(scope)
    # Nothing outside the scope, and every full row of the scope's territories is there.
    assert {(k[1], k[2]) for k in part} <= wanted
    if months is None:
        assert set(part) == {k for k in full if (k[1], k[2]) in wanted}


@pytest.mark.spark
def test_a_spark_scoped_run_agrees_with_the_full_recompute(
    shared_staging: Path, catalogue, full, spark
):
    # Every kind of scope in one run (a Spark run of the catalogue costs half a minute here):
    # a département, a commune of another one and a grouping. The property above draws the
    # scopes; this checks that Spark runs the scoped SQL as DuckDB does.
    scope = [("departement", "72"), ("commune", "53003"), ("groupement", GROUPING[0])]
    with SparkBackend(shared_staging, spark=spark) as backend:
        part = keyed(backend.compute(catalogue, territories=scope, snapshot_period=SNAPSHOT))
    assert_agrees(part, full)
    wanted = expected_territories(scope)
    assert set(part) == {k for k in full if (k[1], k[2]) in wanted}
