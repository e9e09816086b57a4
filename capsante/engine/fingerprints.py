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


def rows_outside(result: pa.Table, blocks: Iterable[tuple[str, str]]) -> pa.Table:
    """The result without the rows of the given (indicator code, period) blocks."""
    blocks = list(blocks)
    if not blocks:
        return result
    left_out = pa.table(
        {
            "indicator_code": pa.array([code for code, _ in blocks], pa.string()),
            "period": pa.array([period for _, period in blocks], pa.string()),
        }
    )
    connection = duckdb.connect()
    connection.register("result", result)
    connection.register("left_out", left_out)
    kept = connection.sql(
        "SELECT * FROM result ANTI JOIN left_out USING (indicator_code, period)"
    ).to_arrow_table()
    connection.close()
    return kept.cast(result.schema)
