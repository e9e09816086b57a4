"""Storage leaves alone the blocks a full recompute gave again unchanged, and stores straight
the months that hold no value yet: `rows_outside` must leave out exactly their rows, and
`rows_inside` keep exactly those, whichever way they find them."""

import itertools

import pyarrow as pa
import pytest

from capsante.engine.aggregation import RESULT_SCHEMA, plain, sort_result
from capsante.engine.fingerprints import block_fingerprints, blocks_of, rows_inside, rows_outside

CODES = ("DMP_ALIMENTATION", "MES_ACTIVATION", "INS_QUALIFICATION")
PERIODS = ("2025-01", "2025-02", "2025-03")


def result() -> pa.Table:
    rows = [
        {
            "indicator_code": code,
            "territory_code": territory,
            "territory_level": "commune",
            "period": period,
            "numerator": float(n),
            "denominator": 10.0,
            "value": float(n) * 10.0,
        }
        for n, (code, period, territory) in enumerate(
            itertools.product(CODES, PERIODS, ("53130", "72181"))
        )
    ]
    # One chunk per indicator, as the engine hands them over, and one mixing two; each chunk
    # with its own dictionaries of codes, as the engine's.
    chunks = [rows[:6], rows[6:15], rows[15:]]
    return pa.concat_tables([pa.Table.from_pylist(c, schema=RESULT_SCHEMA) for c in chunks])


CASES = {
    "nothing": [],
    "every block of one indicator": [("MES_ACTIVATION", p) for p in PERIODS],
    "every block but one": [
        (c, p) for c, p in itertools.product(CODES, PERIODS) if (c, p) != (CODES[0], PERIODS[1])
    ],
    "every block": list(itertools.product(CODES, PERIODS)),
    "one block of each": [(c, PERIODS[i]) for i, c in enumerate(CODES)],
    "a block the result does not hold": [
        ("MES_ACTIVATION", "2024-12"),
        *[("INS_QUALIFICATION", p) for p in PERIODS[:2]],
    ],
}


@pytest.mark.parametrize("blocks", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("codes", ["dictionaries", "plain text"])
def test_rows_outside_leaves_out_exactly_the_rows_of_the_blocks(blocks, codes):
    table = result() if codes == "dictionaries" else plain(result())
    kept = rows_outside(table, blocks)
    expected = [r for r in table.to_pylist() if (r["indicator_code"], r["period"]) not in blocks]
    assert kept.schema == table.schema
    assert (
        sort_result(kept).to_pylist()
        == sort_result(pa.Table.from_pylist(expected, schema=RESULT_SCHEMA)).to_pylist()
    )


@pytest.mark.parametrize("blocks", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("codes", ["dictionaries", "plain text"])
def test_rows_inside_keeps_exactly_the_rows_of_the_blocks(blocks, codes):
    table = result() if codes == "dictionaries" else plain(result())
    kept = rows_inside(table, blocks)
    expected = [r for r in table.to_pylist() if (r["indicator_code"], r["period"]) in blocks]
    assert kept.schema == table.schema
    assert (
        sort_result(kept).to_pylist()
        == sort_result(pa.Table.from_pylist(expected, schema=RESULT_SCHEMA)).to_pylist()
    )


def test_rows_without_a_code_or_a_month_are_in_no_block():
    table = pa.Table.from_pylist(
        [
            {"indicator_code": "MES_ACTIVATION", "territory_code": "53", "period": None},
            {"indicator_code": None, "territory_code": "53", "period": "2025-01"},
            {"indicator_code": "MES_ACTIVATION", "territory_code": "72", "period": "2025-01"},
        ],
        schema=RESULT_SCHEMA,
    )
    kept = rows_outside(table, [("MES_ACTIVATION", "2025-01")])
    assert kept.column("territory_code").to_pylist() == ["53", "53"]


def test_the_blocks_of_a_result_whose_chunks_have_their_own_codes():
    assert sorted(blocks_of(result())) == sorted(itertools.product(CODES, PERIODS))


def test_a_fingerprint_does_not_depend_on_how_the_codes_are_held():
    """Fingerprints stored when the result's codes were plain text stay valid: the same
    figures give the same fingerprints, so the next recompute finds its blocks unchanged."""
    table = result()
    assert block_fingerprints(table) == block_fingerprints(plain(table))
