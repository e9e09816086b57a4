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

RESULT_SCHEMA = pa.schema(
    [
        ("indicator_code", pa.string()),
        ("territory_code", pa.string()),
        ("territory_level", pa.string()),
        ("period", pa.string()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("value", pa.float64()),
    ]
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
        defined = pc.coalesce(
            pc.greater(denominator, 0.0, memory_pool=pool), False, memory_pool=pool
        )
        # Multiplying first keeps hand-computable values exact (87 × 100 / 160 = 54.375).
        scaled = pc.multiply(numerator, definition.factor, memory_pool=pool)
        divisor = pc.if_else(defined, denominator, 1.0, memory_pool=pool)
        quotient = pc.divide(scaled, divisor, memory_pool=pool)
        value = pc.if_else(defined, quotient, None, memory_pool=pool)
    else:
        denominator = pa.nulls(len(raw), pa.float64(), memory_pool=pool)
        value = numerator
    code = pa.scalar(definition.code, pa.string())
    table = pa.table(
        {
            "indicator_code": pa.repeat(code, len(raw), memory_pool=pool),
            "territory_code": pc.cast(raw["territory_code"], pa.string(), memory_pool=pool),
            "territory_level": pc.cast(raw["territory_level"], pa.string(), memory_pool=pool),
            "period": pc.cast(raw["period"], pa.string(), memory_pool=pool),
            "numerator": numerator,
            "denominator": denominator,
            "value": pc.cast(value, pa.float64(), memory_pool=pool),
        },
        schema=RESULT_SCHEMA,
    )
    return table


def sort_result(table: pa.Table) -> pa.Table:
    """Rows by indicator, level, territory and period."""
    return table.sort_by(SORT_KEYS)


def empty_result() -> pa.Table:
    return RESULT_SCHEMA.empty_table()
