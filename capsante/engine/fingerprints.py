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

import threading
from collections.abc import Iterable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from .aggregation import as_codes

_DATABASE: duckdb.DuckDBPyConnection | None = None
_OPENING = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of an in-memory database kept for the process: opening a database costs 12 ms,
    a cursor of one already open 1 ms (a month's 36,000 figures are fingerprinted in 5 ms).
    Each call has its own cursor, so threads do not share one."""
    global _DATABASE
    with _OPENING:
        if _DATABASE is None:
            _DATABASE = duckdb.connect()
        return _DATABASE.cursor()


def block_fingerprints(result: pa.Table) -> dict[tuple[str, str], str]:
    """{(indicator code, period): fingerprint} for every block of an engine result."""
    connection = _cursor()
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


def rows_outside(result: pa.Table, blocks: Iterable[tuple[str, str]]) -> pa.Table:
    """The result without the rows of the given (indicator code, period) blocks.

    Decided chunk by chunk from the chunk's dictionaries of codes and months
    (`aggregation.CODE`): each (code, month) of a chunk's dictionaries is looked up once, and
    its rows follow by position. A chunk of an indicator left out whole is dropped, one with
    nothing left out kept, without a copy. After one month's import this took 0.14 s at
    national scale as a filter on the indicator's code then an anti join on both texts, and
    takes 0.035 s so (bench/RESULTS.md, 5 December, seventh session)."""
    return _rows_split(result, blocks, inside=False)


def rows_inside(result: pa.Table, blocks: Iterable[tuple[str, str]]) -> pa.Table:
    """The rows of the given (indicator code, period) blocks of the result (`rows_outside`'s
    other part)."""
    return _rows_split(result, blocks, inside=True)


def _rows_split(result: pa.Table, blocks: Iterable[tuple[str, str]], inside: bool) -> pa.Table:
    named: dict[str, set[str]] = {}
    for code, period in blocks:
        named.setdefault(code, set()).add(period)
    if not named:
        return result.slice(0, 0) if inside else result
    kept = []
    for batch in result.to_batches():
        within = _rows_in_blocks(batch, named)
        if within is None:
            if not inside:
                kept.append(batch)
            continue
        wanted = within if inside else pc.invert(within)
        if pc.all(wanted).as_py():
            kept.append(batch)
        elif pc.any(wanted).as_py():
            kept.append(batch.filter(wanted))
    return pa.Table.from_batches(kept, schema=result.schema)


def _rows_in_blocks(batch: pa.RecordBatch, named: dict[str, set[str]]) -> pa.Array | None:
    """Which rows of `batch` are in the named blocks ({code: periods}); None when none can be."""
    codes = as_codes(batch.column("indicator_code"))
    names = codes.dictionary.to_pylist()
    if not any(name in named for name in names):
        return None
    periods = as_codes(batch.column("period"))
    months = periods.dictionary.to_pylist()
    # Whether each (code, month) pair of the dictionaries is left out, the pair of positions
    # (i, j) at i × len(months) + j; a row's pair found by its two positions.
    pairs = pa.array(
        [month in named.get(name, ()) for name in names for month in months], pa.bool_()
    )
    position = pc.add(
        pc.multiply(codes.indices.cast(pa.int64()), len(months)), periods.indices.cast(pa.int64())
    )
    # A row without a code or a month is in no block.
    return pc.fill_null(pc.take(pairs, position), False)
