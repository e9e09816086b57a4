"""The engine's result as the value table keys it: database ids for its codes, in its order.

A first compute has nothing to compare its figures with: they go straight into the value table.
Resolving each row's indicator and territory there took a join of millions of rows inside the
database; here the two look-up tables are small (tens of thousands of territories) and DuckDB
joins, orders and hands the rows over in batches, so that the whole keyed result is never held
in memory next to the engine's (decision 0026).
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa

KEYED_COLUMNS = (
    "indicator_id",
    "territory_id",
    "period",
    "numerator",
    "denominator",
    "value",
)


def keyed_batches(
    result: pa.Table,
    indicator_ids: dict[str, int],
    territory_ids: dict[tuple[str, str], int],
    batch_rows: int = 200_000,
) -> Iterator[pa.RecordBatch]:
    """The rows of `result` whose indicator code is in `indicator_ids`, with `KEYED_COLUMNS`,
    ordered by indicator, territory and month.

    `territory_ids`: {(level, code): id}. A row whose territory is not in it is left out, as a
    join in the database leaves it out."""
    indicators = pa.table(
        {
            "indicator_code": pa.array(list(indicator_ids), pa.string()),
            "indicator_id": pa.array(list(indicator_ids.values()), pa.int64()),
        }
    )
    territories = pa.table(
        {
            "territory_level": pa.array([level for level, _ in territory_ids], pa.string()),
            "territory_code": pa.array([code for _, code in territory_ids], pa.string()),
            "territory_id": pa.array(list(territory_ids.values()), pa.int64()),
        }
    )
    connection = duckdb.connect()
    try:
        connection.register("result", result)
        connection.register("indicators", indicators)
        connection.register("territories", territories)
        reader = connection.sql(
            "SELECT i.indicator_id, t.territory_id, r.period, r.numerator::DOUBLE AS numerator,"
            " r.denominator::DOUBLE AS denominator, r.value::DOUBLE AS value FROM result AS r"
            " JOIN indicators AS i USING (indicator_code)"
            " JOIN territories AS t USING (territory_level, territory_code)"
            " ORDER BY i.indicator_id, t.territory_id, r.period"
        ).to_arrow_reader(batch_rows)
        yield from reader
    finally:
        connection.close()
