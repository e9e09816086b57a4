"""A distinct count is computed as bit sets (`query._distinct_count_select`): it must count
what COUNT(DISTINCT) counts, whatever the items, however many (several words of bits), with
missing items, and an item found in several keys of one parent counted once."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from capsante.engine.query import _ITEMS_PER_WORD, _distinct_count_select

KEYS = ["53", "72", "49"]
PARENTS = [("53", "R52", "region"), ("72", "R52", "region"), ("49", "R52", "region")]
PARENTS += [(k, k, "departement") for k in KEYS] + [("53", "G1", "groupement")]


def counted(rows: list[tuple[str, str, str | None]]) -> tuple[list, list]:
    """(bit sets' counts, COUNT(DISTINCT)'s) of the rows, per territory and period."""
    connection = duckdb.connect()
    connection.register(
        "x",
        pa.table(
            {
                "k": [r[0] for r in rows],
                "period": [r[1] for r in rows],
                "value": pa.array([r[2] for r in rows], pa.string()),
            }
        ),
    )
    connection.register(
        "parents",
        pa.table(
            {
                "k": [p[0] for p in PARENTS],
                "territory_code": [p[1] for p in PARENTS],
                "territory_level": [p[2] for p in PARENTS],
            }
        ),
    )
    bits = connection.sql(_distinct_count_select("x", "k", "parents")).fetchall()
    reference = connection.sql(
        "SELECT g.territory_code, g.territory_level, x.period,"
        " CAST(COUNT(DISTINCT x.value) AS DOUBLE), CAST(NULL AS DOUBLE)"
        " FROM x JOIN parents AS g ON x.k = g.k"
        " GROUP BY g.territory_code, g.territory_level, x.period"
    ).fetchall()
    return sorted(bits), sorted(reference)


def test_items_over_several_words_missing_ones_and_shared_ones():
    # 150 specialties: three words of bits; "s7" in two départements counts once in R52; a
    # département whose only rows have no item counts 0, as COUNT(DISTINCT) says.
    rows: list[tuple[str, str, str | None]] = [("53", "2025-01", f"s{i}") for i in range(150)]
    rows += [("72", "2025-01", "s7"), ("72", "2025-01", "autre"), ("49", "2025-01", None)]
    bits, reference = counted(rows)
    assert bits == reference
    assert ("R52", "region", "2025-01", 151.0, None) in bits
    assert ("49", "departement", "2025-01", 0.0, None) in bits
    assert 150 > 2 * _ITEMS_PER_WORD


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(KEYS),
            st.sampled_from(["2025-01", "2025-02"]),
            st.none() | st.integers(0, 200).map(lambda n: f"item {n}"),
        ),
        max_size=300,
    )
)
def test_the_bit_sets_count_what_count_distinct_counts(rows):
    bits, reference = counted(rows)
    assert bits == reference
