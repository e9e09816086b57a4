"""Which communes a month of a staged table lost: what a rolling window's figure cannot show.

A figure summed over a rolling window (DMP_DOCS_PER_INHABITANT: the documents of the last 12
months) carries, for each commune, the sum of the months the commune has rows in. When a
month's file comes without a commune (a corrected file sent without Laval), the commune keeps
a value from its other eleven months, so the stored values cannot tell that a month of the
window lacks it. The staged table can: this lists, for a definition, each commune that had rows
in a month and none in one of the next ones the table holds (up to `MONTHS_LOOKED_BACK`), with
what it counted in the last month it had rows, the best estimate of what is missing.

Plain Python over DuckDB, no Django: the indicators' `completeness` asks it for the pages, the
reports and the statuses (decision 0046).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from .definitions import Definition
from .periods import MONTHS_LOOKED_BACK
from .query import table_ref
from .staging import parquet_files

# A month lacking every commune of the table is not listed: the engine writes no window that
# needs a month the table does not hold (`periods.window_pairs`). A commune's weight is what it
# counted in the last month it was counted.
_SQL = """
WITH side AS ({side}),
monthly AS (
    SELECT CAST(commune_code AS VARCHAR) AS commune, period, SUM(value) AS value
    FROM side GROUP BY 1, 2
),
months AS (SELECT DISTINCT period FROM monthly),
following AS (
    SELECT commune, value, period AS counted,
        strftime(strptime(period, '%Y-%m') + to_months(CAST(later AS INTEGER)), '%Y-%m')
            AS period
    FROM monthly, range(1, {looked_back} + 1) AS months_after(later)
)
SELECT f.period, f.commune, arg_max(f.value, f.counted) AS weight
FROM following AS f
WHERE f.period IN (SELECT period FROM months)
  AND NOT EXISTS (
    SELECT 1 FROM monthly AS m WHERE m.commune = f.commune AND m.period = f.period
  )
GROUP BY f.period, f.commune
ORDER BY f.period, f.commune
"""
# A month of France lacking every commune of a large table would list 35,000.
MAX_GAPS = 2_000_000

# Where the lists are kept on disk, beside the tables they come from. A dot-name: the staging
# store, the backups and the restore never take it for a table (`ingest.staging`, `operations`).
KEPT_DIR = ".gaps"
KEPT_MODE = 0o644

Gaps = dict[str, dict[str, float]]  # month → commune code → what it counted when last counted

_kept: dict[tuple[Path, str], tuple[str, Gaps]] = {}
_lock = threading.Lock()
log = logging.getLogger(__name__)


def weight_side(definition: Definition) -> str:
    """The side a commune's part is read from: its denominator when the definition writes one,
    else its numerator (documents for DMP_DOCS_PER_INHABITANT, whose denominator is the
    population, which no month lacks)."""
    return "denominator" if definition.denominator_sql else "numerator"


def commune_gaps(staging_root: Path | str, definition: Definition) -> Gaps:
    """By month: the communes absent from the month that one of the `MONTHS_LOOKED_BACK`
    months before held, each with its value in the last of them (`weight_side`), for a
    definition counted by commune.

    At national scale the query reads the whole table (11 M staged rows of documents, 0.6–0.75 s),
    which a page cannot pay at each request. The list is therefore kept while the files of the
    tables read stay the same (`_files_state`): by the process, and on disk beside the tables
    (`KEPT_DIR`), so that each page server's worker and each command after the first reads it
    in a millisecond (the import's recompute is that first: `completeness.keep_window_gaps`).
    An import that rewrites a month changes a file: the next call reads the table again."""
    side = weight_side(definition)
    tables = sorted(definition.side_tables(side))
    root = Path(staging_root).resolve()
    sql = _SQL.format(side=definition.render(side, table_ref), looked_back=MONTHS_LOOKED_BACK)
    state = tuple(_files_state(root, table) for table in tables)
    fingerprint = hashlib.sha256(repr((sql, state)).encode()).hexdigest()
    key = (root, f"{definition.code}@{definition.version}")
    with _lock:
        kept = _kept.get(key)
        if kept is not None and kept[0] == fingerprint:
            return kept[1]
    found = _read_kept(root, key[1], fingerprint) if all(state) else {}
    if found is None:
        # DuckDB (50–80 ms to import) only where the list is not kept: a page server's worker
        # reads it from disk.
        # lazy: see above
        from .duckdb_backend import kept_query

        found = {}
        table = kept_query(root, tables, sql, max_rows=MAX_GAPS, timeout_s=120.0)
        for period, commune, weight in zip(
            *(table.column(c).to_pylist() for c in ("period", "commune", "weight")), strict=True
        ):
            found.setdefault(period, {})[commune] = float(weight or 0.0)
        _write_kept(root, key[1], fingerprint, found)
    with _lock:
        _kept[key] = (fingerprint, found)
    return found


def _kept_path(root: Path, name: str) -> Path:
    return root / KEPT_DIR / f"{name}.json"


def _read_kept(root: Path, name: str, fingerprint: str) -> Gaps | None:
    """The list kept on disk for these files, or None (none kept, kept for other files, or
    unreadable: the table is read again)."""
    try:
        kept = json.loads(_kept_path(root, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("fingerprint") != fingerprint:
        return None
    gaps = kept.get("gaps")
    return gaps if isinstance(gaps, dict) else None


def _write_kept(root: Path, name: str, fingerprint: str, found: Gaps) -> None:
    """Written whole or not at all (a temporary file renamed over the old one): two workers
    reading the table at once each write the same list. Commune codes and counts only."""
    path = _kept_path(root, name)
    temporary = None
    try:
        path.parent.mkdir(exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump({"fingerprint": fingerprint, "gaps": found}, out)
        # Readable as the staged files are (a temporary file is the writer's alone): the page
        # server may run under another account than the import's worker.
        os.chmod(temporary, KEPT_MODE)
        os.replace(temporary, path)
    except OSError:
        # A staging directory this process may not write: the list stays kept in memory only.
        log.warning("liste des communes manquantes non conservée sur disque (%s)", path.parent)
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _files_state(root: Path, table: str) -> tuple:
    """What changes when an import writes a table: each file's path, size, time and inode."""
    state = []
    for path in parquet_files(root, table):
        try:
            stat = path.stat()
        except FileNotFoundError:  # replaced while listed: the next call sees the new one
            continue
        state.append((str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino))
    return tuple(state)
