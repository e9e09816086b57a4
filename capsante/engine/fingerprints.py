"""One fingerprint per indicator and month of a computation's result.

A full recompute gives, for most indicators and months, exactly the figures it gave last time.
Storing compares every figure with its stored version inside the database, which at national
scale cost five times the computation itself; comparing one fingerprint per block first lets
storage leave alone the blocks in which nothing changed.

A fingerprint is the number of rows and two order-free sums (exclusive or, and sum modulo 2⁶⁴)
of a 64-bit hash of each row (territory, numerator, denominator, value). Two different blocks
share one only by a collision of both sums, and a figure that differs only by rounding noise
gives another fingerprint: the block is then compared figure by figure, as before, and nothing is
stored for it. A fingerprint can only make storage do the full comparison; it never changes what
that comparison decides.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc


def block_fingerprints(result: pa.Table) -> dict[tuple[str, str], str]:
    """{(indicator code, period): fingerprint} for every block of an engine result."""
    connection = duckdb.connect()
    connection.register("result", result)
    rows = connection.execute(
        "SELECT indicator_code, period,"
        " COUNT(*)::VARCHAR || ':' || BIT_XOR(h)::VARCHAR || ':'"
        " || (SUM(h::HUGEINT) % 18446744073709551616)::VARCHAR"
        " FROM (SELECT indicator_code, period,"
        " hash(territory_level, territory_code, numerator, denominator, value) AS h FROM result)"
        " GROUP BY indicator_code, period"
    ).fetchall()
    connection.close()
    return {(code, period): fingerprint for code, period, fingerprint in rows}


def blocks_of(result: pa.Table) -> list[tuple[str, str]]:
    """The (indicator code, period) blocks of a result, each once, in no particular order.

    The result's chunks may each have their own dictionary of codes (`aggregation.CODE`),
    which Arrow's group-by refuses: they are unified first, on these two columns only."""
    found = (
        result.select(["indicator_code", "period"])
        .unify_dictionaries()
        .group_by(["indicator_code", "period"], use_threads=False)
        .aggregate([])
    )
    return list(zip(found["indicator_code"].to_pylist(), found["period"].to_pylist(), strict=True))


def rows_outside(
    result: pa.Table,
    blocks: Iterable[tuple[str, str]],
    every_block: Iterable[tuple[str, str]] | None = None,
) -> pa.Table:
    """The result without the rows of the given (indicator code, period) blocks.

    `every_block`: the result's blocks, when known (the keys of `block_fingerprints`). An
    indicator whose every block is left out (most of them, on a night when little changed) is
    dropped by its code alone, and only the rows of indicators with some blocks left out are
    matched on both texts: an anti join of every row on both cost 0.17 s at national scale
    after one month's import (bench/RESULTS.md, 5 December, sixth session)."""
    left_out: dict[str, set[str]] = {}
    for code, period in blocks:
        left_out.setdefault(code, set()).add(period)
    if not left_out:
        return result
    if every_block is None:
        every_block = blocks_of(result)
    months: dict[str, set[str]] = {}
    for code, period in every_block:
        months.setdefault(code, set()).add(period)
    whole = [code for code, periods in left_out.items() if months.get(code, set()) <= periods]
    kept, matched = result, list(left_out.items())
    if whole:
        dropped = pc.is_in(result["indicator_code"], value_set=pa.array(whole, pa.string()))
        # Worth a copy of the rows kept only when it leaves few of them to match on both texts.
        if 2 * pc.sum(dropped).as_py() >= result.num_rows:
            kept = result.filter(pc.invert(dropped))
            matched = [(code, periods) for code, periods in matched if code not in whole]
    if not matched:
        return kept
    pairs = [(code, period) for code, periods in matched for period in sorted(periods)]
    connection = duckdb.connect()
    connection.register("result", kept)
    connection.register(
        "left_out",
        pa.table(
            {
                "indicator_code": pa.array([code for code, _ in pairs], pa.string()),
                "period": pa.array([period for _, period in pairs], pa.string()),
            }
        ),
    )
    rest = connection.sql(
        "SELECT * FROM result ANTI JOIN left_out USING (indicator_code, period)"
    ).to_arrow_table()
    connection.close()
    return rest.cast(result.schema)
