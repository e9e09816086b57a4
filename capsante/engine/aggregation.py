"""Aggregation rules: how numerators and denominators become a value, at any level.

Each kind of indicator declares its rule in its definition (`aggregation`), and this module is the
only place that turns sums into values, for the backends' results and for ad-hoc comparisons alike
(e.g. "Mayenne against the other départements of the region"): a rate is always Σnum / Σden, never
a mean of rates.

| rule           | numerator            | denominator           | value                      |
|----------------|----------------------|-----------------------|----------------------------|
| sum_ratio      | Σ numerator          | Σ denominator         | Σnum × unit factor / Σden  |
| mean           | Σ value × weight     | Σ weight              | Σnum / Σden                |
| per_population | Σ numerator          | Σ commune populations | Σnum × unit factor / Σpop  |
| sum            | Σ numerator          | —                     | Σnum                       |
| count_distinct | distinct items       | —                     | counted again at each level|
| median         | median of the rows   | —                     | computed again at each level|
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .definitions import PER_LEVEL_RULES, Definition

# A code or text of the result (indicator, territory, level, month) is dictionary-encoded: each
# row holds its position in an array of the distinct texts, so that handing millions of rows
# over writes no text per row (decision 0040). Each chunk may have its own dictionary.
CODE = pa.dictionary(pa.int32(), pa.string())
RESULT_SCHEMA = pa.schema(
    [
        ("indicator_code", CODE),
        ("territory_code", CODE),
        ("territory_level", CODE),
        ("period", CODE),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("value", pa.float64()),
    ]
)
PLAIN_SCHEMA = pa.schema(
    [pa.field(f.name, pa.string()) if f.type == CODE else f for f in RESULT_SCHEMA]
)
RATIO_RULES = frozenset({"sum_ratio", "mean", "per_population"})
SORT_KEYS = [
    ("indicator_code", "ascending"),
    ("territory_level", "ascending"),
    ("territory_code", "ascending"),
    ("period", "ascending"),
]


def _result_pool() -> pa.MemoryPool:
    """Where `finish` allocates the result's arrays: Arrow's jemalloc pool when the build has it.

    Arrow's default pool on Linux is mimalloc, which hands each large array's memory back to
    the system as soon as it is freed (one `munmap` per array, each interrupting the other
    worker's core to flush its address cache); jemalloc keeps it for the next definition. A
    national recompute spent 0.3–0.4 s more CPU, 0.1–0.3 s more wall time, in the kernel with
    mimalloc (bench/RESULTS.md, 5 December, fifth session)."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a build without jemalloc (Windows): the default pool
        return pa.default_memory_pool()


RESULT_POOL = _result_pool()


class NotCombinable(ValueError):
    """The rule cannot derive a parent's value from its parts (a distinct count, a median)."""


@dataclass(frozen=True)
class Combined:
    numerator: float
    denominator: float | None
    value: float | None


def value_of(
    aggregation: str, numerator: float, denominator: float | None, factor: float
) -> float | None:
    """The value of one (numerator, denominator) pair under a rule; None when undefined."""
    if aggregation in RATIO_RULES:
        if not denominator:
            return None
        return numerator * factor / denominator
    return numerator


def combine(definition: Definition, parts: Iterable[tuple[float, float | None]]) -> Combined:
    """Value of a union of disjoint territories from their (numerator, denominator) pairs.

    Used for comparisons built on the fly; the parts must not share communes (for overlapping sets
    ask the engine for a grouping instead).
    """
    if definition.aggregation in PER_LEVEL_RULES:
        raise NotCombinable(
            f"{definition.code} is a distinct count or a median: compute the union as a grouping "
            "(territory_membership level 'groupement') instead of adding values"
        )
    pairs = list(parts)
    numerator = float(sum(n for n, _ in pairs))
    if definition.aggregation in RATIO_RULES:
        denominator: float | None = float(sum(d or 0.0 for _, d in pairs))
    else:
        denominator = None
    value = value_of(definition.aggregation, numerator, denominator, definition.factor)
    return Combined(numerator, denominator, value)


def finish(definition: Definition, raw: pa.Table) -> pa.Table:
    """Backend rows (territory, period, numerator, denominator) → result rows with the value.

    Both backends go through here, so DuckDB and Spark values can only differ if their sums do.
    Rows keep the backend's order (none in particular): sorting millions of rows by their
    string keys cost more than any stage of a national recompute, and nothing needs the order;
    `sort_result` gives a stable one where a comparison wants it.
    """
    pool = RESULT_POOL
    numerator = pc.cast(raw["numerator"], pa.float64(), memory_pool=pool)
    denominator = pc.cast(raw["denominator"], pa.float64(), memory_pool=pool)
    if definition.aggregation in RATIO_RULES:
        # Multiplying first keeps hand-computable values exact (87 × 100 / 160 = 54.375). A
        # zero, negative or missing denominator gives no value (unknown where it is missing).
        quotient = pc.divide(
            pc.multiply(numerator, definition.factor, memory_pool=pool),
            denominator,
            memory_pool=pool,
        )
        defined = pc.greater(denominator, 0.0, memory_pool=pool)
        value = pc.if_else(defined, quotient, None, memory_pool=pool)
    else:
        denominator = pa.nulls(len(raw), pa.float64(), memory_pool=pool)
        value = numerator
    # One code for every row: a dictionary of one text, each row its position 0.
    code = pa.DictionaryArray.from_arrays(
        pa.repeat(pa.scalar(0, pa.int32()), len(raw), memory_pool=pool),
        pa.array([definition.code], pa.string()),
    )
    return pa.table(
        {
            "indicator_code": code,
            "territory_code": as_codes(raw["territory_code"]),
            "territory_level": as_codes(raw["territory_level"]),
            "period": as_codes(raw["period"]),
            "numerator": numerator,
            "denominator": denominator,
            "value": pc.cast(value, pa.float64(), memory_pool=pool),
        },
        schema=RESULT_SCHEMA,
    )


def as_codes(names: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Texts as the result holds them (`CODE`): the shared plan's are already (`numbering`),
    a query's own (a definition computed alone, Spark's) are encoded here."""
    if names.type == CODE:
        return names
    if pa.types.is_dictionary(names.type):
        return names.cast(CODE)
    return pc.dictionary_encode(pc.cast(names, pa.string(), memory_pool=RESULT_POOL)).cast(CODE)


def plain(table: pa.Table) -> pa.Table:
    """A result with its codes as plain text (`PLAIN_SCHEMA`): for what cannot read a
    dictionary whose chunks differ (Arrow's sort and group-by, pandas' merges)."""
    return table.cast(PLAIN_SCHEMA)


def sort_result(table: pa.Table) -> pa.Table:
    """Rows by indicator, level, territory and period, the codes as plain text."""
    return plain(table).sort_by(SORT_KEYS)


def empty_result() -> pa.Table:
    return RESULT_SCHEMA.empty_table()
