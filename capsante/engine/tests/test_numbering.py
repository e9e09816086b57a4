"""The shared plan's rows name territories and months by number; their codes come back here."""

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from capsante.engine.numbering import Numbering
from capsante.engine.shared import month_id

TERRITORIES = pa.table(
    {
        "territory_id": pa.array([3, 1, 2], pa.int32()),
        "territory_code": ["53", "72181", "53130"],
        "territory_level": ["departement", "commune", "commune"],
    }
)


def test_each_row_gets_its_territorys_code_and_level_and_its_months_text():
    """A month the plan knows, one it does not (a survey's wave from a date: written out) and
    a row with no month (a period that is not a month) each get what the joins gave."""
    numbering = Numbering(TERRITORIES, {month_id("2025-01"): "2025-01"})
    raw = pa.table(
        {
            "territory_id": pa.array([2, 3, 1, 3], pa.int32()),
            "month_id": pa.array([month_id("2025-01"), month_id("2019-11"), None, 24300]),
            "numerator": [1.0, 2.0, 3.0, 4.0],
        }
    )
    named = numbering.named(raw)
    assert named.column_names == ["territory_code", "territory_level", "period", "numerator"]
    columns = named.to_pydict()
    assert list(zip(columns["territory_code"], columns["territory_level"], strict=True)) == [
        ("53130", "commune"),
        ("53", "departement"),
        ("72181", "commune"),
        ("53", "departement"),
    ]
    assert columns["period"] == ["2025-01", "2019-11", None, "2025-01"]
    assert columns["numerator"] == [1.0, 2.0, 3.0, 4.0]


def test_no_rows_give_no_rows():
    numbering = Numbering(TERRITORIES, {})
    raw = pa.table({"territory_id": pa.array([], pa.int32()), "month_id": pa.array([], pa.int32())})
    assert numbering.named(raw).num_rows == 0


def test_numbers_with_a_gap_are_refused():
    """Codes are put back by position: a missing number would shift every code after it."""
    gap = TERRITORIES.filter(pa.compute.not_equal(TERRITORIES["territory_id"], 2))
    with pytest.raises(ValueError, match="1, 2, 3"):
        Numbering(gap, {})


def test_a_code_held_by_two_territories_is_listed_once():
    """A région and a département may share a code (Pays de la Loire and Haute-Marne, "52"):
    each row keeps its own level, and the result's distinct codes list "52" once."""
    territories = pa.table(
        {
            "territory_id": pa.array([1, 2, 3], pa.int32()),
            "territory_code": ["52", "52", "72"],
            "territory_level": ["region", "departement", "departement"],
        }
    )
    raw = pa.table(
        {
            "territory_id": pa.array([1, 2, 3, 2], pa.int32()),
            "month_id": pa.array([month_id("2025-01")] * 4, pa.int32()),
        }
    )
    named = Numbering(territories, {}).named(raw)
    columns = named.to_pydict()
    pairs = zip(columns["territory_code"], columns["territory_level"], strict=True)
    assert list(pairs) == [
        ("52", "region"),
        ("52", "departement"),
        ("72", "departement"),
        ("52", "departement"),
    ]
    assert sorted(pc.unique(named["territory_code"]).to_pylist()) == ["52", "72"]
    assert sorted(pc.unique(named["territory_level"]).to_pylist()) == ["departement", "region"]
