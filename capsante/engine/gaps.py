"""Which communes a month of a staged table lost: what a rolling window's figure cannot show.

A figure summed over a rolling window (DMP_DOCS_PER_INHABITANT: the documents of the last 12
months) carries, for each commune, the sum of the months the commune has rows in. When a
month's file comes without a commune (a corrected file sent without Laval), the commune keeps
a value from its other eleven months, so the stored values cannot tell that a month of the
window lacks it. The staged table can: this lists, for a definition, each commune that had rows
in a month and none in the next one the table holds, with what it counted in the month before,
the best estimate of what is missing.

Plain Python over DuckDB, no Django: the indicators' `completeness` asks it for the pages, the
reports and the statuses (decision 0046).
"""

from __future__ import annotations

import threading
from pathlib import Path

from .definitions import Definition
from .duckdb_backend import kept_query
from .query import table_ref
from .staging import parquet_files

# A month lacking every commune of the table is not listed: the engine writes no window that
# needs a month the table does not hold (`periods.window_pairs`).
_SQL = """
WITH side AS ({side}),
monthly AS (
    SELECT CAST(commune_code AS VARCHAR) AS commune, period, SUM(value) AS value
    FROM side GROUP BY 1, 2
),
months AS (SELECT DISTINCT period FROM monthly),
following AS (
    SELECT commune, value,
        strftime(strptime(period, '%Y-%m') + INTERVAL 1 MONTH, '%Y-%m') AS period
    FROM monthly
)
SELECT f.period, f.commune, f.value AS weight
FROM following AS f
WHERE f.period IN (SELECT period FROM months)
  AND NOT EXISTS (
    SELECT 1 FROM monthly AS m WHERE m.commune = f.commune AND m.period = f.period
  )
ORDER BY f.period, f.commune
"""
# A month of France lacking every commune of a large table would list 35,000.
MAX_GAPS = 2_000_000

Gaps = dict[str, dict[str, float]]  # month → commune code → what it counted the month before

_kept: dict[tuple[Path, str], tuple[tuple, Gaps]] = {}
_lock = threading.Lock()


def weight_side(definition: Definition) -> str:
    """The side a commune's part is read from: its denominator when the definition writes one,
    else its numerator (documents for DMP_DOCS_PER_INHABITANT, whose denominator is the
    population, which no month lacks)."""
    return "denominator" if definition.denominator_sql else "numerator"


def commune_gaps(staging_root: Path | str, definition: Definition) -> Gaps:
    """By month: the communes absent from the month that the month before held, each with its
    value that month (`weight_side`), for a definition counted by commune.

    Kept by the process while the files of the tables read stay the same (paths, sizes and
    times): at national scale the query reads the whole table (11 M staged rows of documents),
    which a page cannot pay at each request; an import that rewrites a month changes a file and
    the next call reads again."""
    side = weight_side(definition)
    tables = sorted(definition.side_tables(side))
    root = Path(staging_root).resolve()
    state = tuple(_files_state(root, table) for table in tables)
    key = (root, f"{definition.code}@{definition.version}")
    with _lock:
        kept = _kept.get(key)
        if kept is not None and kept[0] == state:
            return kept[1]
    found: Gaps = {}
    if all(state):
        sql = _SQL.format(side=definition.render(side, table_ref))
        table = kept_query(root, tables, sql, max_rows=MAX_GAPS, timeout_s=120.0)
        for period, commune, weight in zip(
            *(table.column(c).to_pylist() for c in ("period", "commune", "weight")), strict=True
        ):
            found.setdefault(period, {})[commune] = float(weight or 0.0)
    with _lock:
        _kept[key] = (state, found)
    return found


def _files_state(root: Path, table: str) -> tuple:
    """What changes when an import writes a table: each file's path, size and time."""
    state = []
    for path in parquet_files(root, table):
        try:
            stat = path.stat()
        except FileNotFoundError:  # replaced while listed: the next call sees the new one
            continue
        state.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(state)
