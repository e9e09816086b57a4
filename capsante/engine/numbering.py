"""Territories and months by number in the shared plan's queries, by code in their result.

The shared plan's definitions return each row's territory and month as numbers (`territory_id`,
`month_id`, see `SharedPlan.membership_sql`); their codes and texts are put in here, by position
in small Arrow arrays, rather than by three joins in the query and the strings handed over from
DuckDB: the largest definitions took 0.16 → 0.13 s (MES activation with DMP alimentation, one
thread, national; bench/RESULTS.md, 5 December, sixth session).

The result's columns are dictionary-encoded (`aggregation.CODE`, decision 0040): each row holds
the position of its code in a small array of the distinct codes, so no text is written per row.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from .aggregation import CODE, RESULT_POOL
from .periods import from_index


class Numbering:
    """Each territory's code and level by its number, each month's text by its number."""

    def __init__(self, territories: pa.Table, months: Mapping[int, str]):
        """`territories`: territory_id, territory_code, territory_level of every number a query
        may return, numbered 1, 2, 3… (`SharedPlan.numbering_sql`); `months`: the plan's months."""
        ordered = territories.sort_by("territory_id")
        ids = ordered["territory_id"].to_pylist()
        if ids != list(range(1, len(ids) + 1)):
            # A gap would give rows another territory's code: never a guess.
            raise ValueError("territory numbers are not 1, 2, 3…: the codes cannot be put back")
        self._codes = _Names(ordered["territory_code"])
        self._levels = _Names(ordered["territory_level"])
        self._months = dict(months)

    def named(self, raw: pa.Table) -> pa.Table:
        """`raw` with territory_code, territory_level and period in place of territory_id and
        month_id (first, in that order), its other columns as they are."""
        territory = raw["territory_id"]
        names = {
            "territory_code": self._codes.of(territory),
            "territory_level": self._levels.of(territory),
            "period": self._periods(raw["month_id"]),
        }
        others = {c: raw[c] for c in raw.column_names if c not in ("territory_id", "month_id")}
        return pa.table({**names, **others})

    def _periods(self, month: pa.ChunkedArray) -> pa.ChunkedArray:
        """Each month's text, from a dictionary of the months from the first to the last: a
        month the plan does not know of (a side's own month, from a date) is written out too."""
        bounds = pc.min_max(month).as_py()
        first, last = bounds["min"], bounds["max"]
        if first is None:  # no rows, or no month on any: every row's period is empty
            first, last = 0, -1
        texts = pa.array(
            [self._months.get(m) or from_index(m) for m in range(first, last + 1)], pa.string()
        )
        positions = pc.cast(
            pc.subtract(month, first, memory_pool=RESULT_POOL), pa.int32(), memory_pool=RESULT_POOL
        )
        return _encoded(positions, texts)


class _Names:
    """The distinct names of the numbered territories, and each number's position among them."""

    def __init__(self, names: pa.ChunkedArray):
        # Distinct: a dictionary holding a text twice would list it twice wherever a kernel
        # reads the dictionary rather than the rows (`pc.unique`). A région and a département
        # may share a code ("52"), so the codes are made distinct here, not assumed so.
        encoded = names.combine_chunks().cast(pa.string()).dictionary_encode()
        self.distinct = encoded.dictionary
        # Position 0 is no territory: the numbers start at 1.
        self.positions = pa.concat_arrays(
            [pa.nulls(1, pa.int32()), encoded.indices.cast(pa.int32())]
        )

    def of(self, numbers: pa.ChunkedArray) -> pa.ChunkedArray:
        """The names of these numbers."""
        return _encoded(pc.take(self.positions, numbers, memory_pool=RESULT_POOL), self.distinct)


def _encoded(positions: pa.ChunkedArray, dictionary: pa.Array) -> pa.ChunkedArray:
    return pa.chunked_array(
        [pa.DictionaryArray.from_arrays(chunk, dictionary) for chunk in positions.chunks], CODE
    )
