"""Ratios aggregate by summing numerators and denominators, never by averaging rates."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capsante.engine import Definition, NotCombinable, combine, compute

from .staging_data import COMMUNES, GROUPING, REGION, membership_rows, write_table

# MES_ACTIVATION in 2025-01 (see staging_data.mes_rows): commune → (activated, beneficiaries).
JANUARY = {
    "53001": (1, 10),
    "53002": (50, 100),
    "53003": (30, 50),
    "72001": (20, 200),
    "72002": (9, 10),
}
TERRITORIES = {
    ("epci", "E53A"): ["53001", "53002"],
    ("epci", "E72A"): ["72001", "72002"],
    ("departement", "53"): ["53001", "53002", "53003"],
    ("departement", "72"): ["72001", "72002"],
    ("region", REGION): list(COMMUNES),
    ("groupement", GROUPING[0]): GROUPING[1],
}


def rows_by_territory(table: pa.Table, code: str, period: str) -> dict[tuple[str, str], dict]:
    return {
        (r["territory_level"], r["territory_code"]): r
        for r in table.to_pylist()
        if r["indicator_code"] == code and r["period"] == period
    }


def test_sum_based_value_at_every_level(shared_staging: Path, by_code: dict[str, Definition]):
    result = compute([by_code["MES_ACTIVATION"]], shared_staging)
    rows = rows_by_territory(result, "MES_ACTIVATION", "2025-01")
    for commune, (num, den) in JANUARY.items():
        assert rows[("commune", commune)]["value"] == num * 100 / den
    for territory, communes in TERRITORIES.items():
        num = sum(JANUARY[c][0] for c in communes)
        den = sum(JANUARY[c][1] for c in communes)
        row = rows[territory]
        assert (row["numerator"], row["denominator"]) == (num, den), territory
        assert row["value"] == num * 100 / den, territory
        mean_of_rates = sum(JANUARY[c][0] * 100 / JANUARY[c][1] for c in communes) / len(communes)
        # The data is chosen so that averaging would have given another answer everywhere.
        assert abs(row["value"] - mean_of_rates) > 1, territory


def test_hand_computed_figures(shared_staging: Path, by_code: dict[str, Definition]):
    rows = rows_by_territory(
        compute([by_code["MES_ACTIVATION"]], shared_staging), "MES_ACTIVATION", "2025-01"
    )
    assert rows[("epci", "E53A")]["value"] == 51 * 100 / 110  # mean of rates: 30 %
    assert rows[("departement", "53")]["value"] == 50.625  # 81 / 160; mean of rates: 40 %
    assert rows[("region", "52")]["value"] == 110 * 100 / 370  # mean of rates: 42 %
    assert rows[("groupement", "G1")]["value"] == 70 * 100 / 300  # mean of rates: 30 %


def test_upper_level_of_parent_averages_is_not_used(shared_staging, by_code):
    """The région is not the mean of its départements either (50.6 % and 13.8 % → 29.7 %)."""
    rows = rows_by_territory(
        compute([by_code["MES_ACTIVATION"]], shared_staging), "MES_ACTIVATION", "2025-01"
    )
    departements = [rows[("departement", d)]["value"] for d in ("53", "72")]
    assert rows[("region", "52")]["value"] != pytest.approx(sum(departements) / 2, abs=1)


def test_comparisons_use_the_same_rule(shared_staging, by_code):
    definition = by_code["MES_ACTIVATION"]
    rows = rows_by_territory(compute([definition], shared_staging), "MES_ACTIVATION", "2025-01")
    parts = [
        (rows[("departement", d)]["numerator"], rows[("departement", d)]["denominator"])
        for d in ("53", "72")
    ]
    union = combine(definition, parts)
    region = rows[("region", "52")]
    assert (union.numerator, union.denominator, union.value) == (
        region["numerator"],
        region["denominator"],
        region["value"],
    )


def test_distinct_counts_are_recounted_not_added(shared_staging, by_code):
    definition = by_code["TELEEXPERTISE_SPECIALTIES"]
    rows = rows_by_territory(compute([definition], shared_staging), definition.code, "2025-01")
    assert rows[("departement", "53")]["value"] == 2
    assert rows[("departement", "72")]["value"] == 3
    assert rows[("region", "52")]["value"] == 4  # dermatologie is offered in both
    assert rows[("epci", "E53A")]["value"] == 2
    assert not any(level == "commune" for level, _ in rows)
    with pytest.raises(NotCombinable):
        combine(definition, [(2, None), (3, None)])


def test_medians_are_recomputed_at_each_level_from_the_observations(shared_staging, by_code):
    # Resolved in March 2025 (staging_data): 12.5 days in 53001; 1 and 3 in 72001; 30 in 72002.
    definition = by_code["DIFFICULTY_RESOLUTION_DAYS"]
    rows = rows_by_territory(compute([definition], shared_staging), definition.code, "2025-03")
    assert rows[("commune", "72001")]["value"] == 2  # (1 + 3) / 2
    # Not the median of the communes' medians (2 and 30 → 16), nor the mean (11.3).
    assert rows[("departement", "72")]["value"] == 3
    assert rows[("epci", "E72A")]["value"] == 3
    assert rows[("region", "52")]["value"] == (3 + 12.5) / 2
    assert rows[("groupement", "G1")]["value"] == 2  # 53002 resolved nothing
    assert rows[("departement", "72")]["denominator"] is None
    with pytest.raises(NotCombinable):
        combine(definition, [(2, None), (30, None)])


def test_per_population_sums_populations(shared_staging, by_code):
    definition = by_code["DMP_DOCS_PER_INHABITANT"]
    rows = rows_by_territory(compute([definition], shared_staging), definition.code, "2024-12")
    # 12 months × 15 + 12 × 20 documents over 1000 + 2000 + 500 inhabitants (53003 has none).
    assert rows[("departement", "53")]["numerator"] == 420
    assert rows[("departement", "53")]["denominator"] == 3500
    assert rows[("departement", "53")]["value"] == 420 / 3500
    assert rows[("region", "52")]["value"] == 1020 / 9000


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(1, 10_000)).map(lambda t: (min(t), t[1])),
        min_size=len(COMMUNES),
        max_size=len(COMMUNES),
    )
)
def test_any_data_sums_at_every_level(tmp_path_factory, by_code, pairs):
    root = tmp_path_factory.mktemp("random")
    rows = [
        {
            "period": "2025-01",
            "commune_code": c,
            "beneficiaries": den,
            "activated": num,
            "with_document": 0,
        }
        for c, (num, den) in zip(COMMUNES, pairs, strict=True)
    ]
    write_table(root, "am_mes_activations", rows)
    write_table(root, "territory_membership", membership_rows())
    result = rows_by_territory(
        compute([by_code["MES_ACTIVATION"]], root), "MES_ACTIVATION", "2025-01"
    )
    data = dict(zip(COMMUNES, pairs, strict=True))
    for territory, communes in TERRITORIES.items():
        num = sum(data[c][0] for c in communes)
        den = sum(data[c][1] for c in communes)
        assert result[territory]["value"] == num * 100 / den
