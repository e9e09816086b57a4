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
import math
import os
import re
import tempfile
import threading
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from .files import file_digest, parquet_files, text_digest
from .periods import MONTHS_LOOKED_BACK, PERIOD_RE

if TYPE_CHECKING:
    from .definitions import Definition

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
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")

Gaps = dict[str, dict[str, float]]  # month → commune code → what it counted when last counted


# The engine's modules that make a definition's query (`_SQL`, `weight_side`, `MONTHS_LOOKED_BACK`,
# `Definition.render` and `side_tables`, `query.table_ref`): a list made by another version of
# them is not taken by a reader that cannot render the query to compare (`kept_gaps`).
QUERY_SOURCES = ("gaps.py", "periods.py", "definitions.py", "query.py")


@dataclass(frozen=True)
class KeptGaps:
    """A definition's list (`gaps`), with what it was read from: the side (`weight_side`), the
    query and the tables it ran on, the definition's text (`Definition.digest`), the engine's
    code that made the query (`engine`, `_engine_digest`) and the tables' files
    (`fingerprint`, of the query and of the files' `_files_state`)."""

    fingerprint: str
    digest: str
    engine: str
    side: str
    sql: str
    tables: tuple[str, ...]
    gaps: Gaps


_kept: dict[tuple[Path, str], KeptGaps] = {}
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
    which a page cannot pay at each request. The list is therefore kept while the query and the
    files of the tables read stay the same (`_fingerprint`, `_files_state`): by the process, and
    on disk beside the tables (`KEPT_DIR`), so that each page server's worker and each command
    after the first reads it in a millisecond (the import's recompute is that first:
    `completeness.keep_window_gaps`). An import that rewrites a month changes a file: the next
    call reads the table again. A list whose query is the same but whose definition's text or
    engine's code is not (a description edited) is kept again as it is, for `kept_gaps`."""
    # The query's text needs sqlglot's checks, which a reader of a kept list does not
    # (`kept_gaps`); a caller holding a Definition has loaded them already.
    # lazy: see above
    from .query import table_ref

    side = weight_side(definition)
    tables = tuple(sorted(definition.side_tables(side)))
    root = Path(staging_root).resolve()
    sql = _SQL.format(side=definition.render(side, table_ref), looked_back=MONTHS_LOOKED_BACK)
    state = _tables_state(root, tables)
    fingerprint = _fingerprint(sql, state)
    name = _kept_name(definition.code, definition.version)
    with _lock:
        kept = _kept.get((root, name))
    if kept is None or kept.fingerprint != fingerprint:
        kept = _read_kept(root, name) if all(state) else None
    digest, engine = definition.digest, _engine_digest()
    current: KeptGaps
    if kept is None or kept.fingerprint != fingerprint:
        gaps = _query(root, tables, sql, state)
        current = KeptGaps(fingerprint, digest, engine, side, sql, tables, gaps)
    elif (kept.digest, kept.engine) != (digest, engine):
        # The same query on the same files gives the same list: only what it was made for.
        current = replace(kept, digest=digest, engine=engine)
    else:
        current = kept
    if current is not kept and all(state):
        _write_kept(root, name, current)
    with _lock:
        _kept[(root, name)] = current
    return current.gaps


def kept_gaps(
    staging_root: Path | str, code: str, version: int, definition_path: Path | None
) -> KeptGaps | None:
    """The list `commune_gaps` keeps for the definition `code` at `version`, when it was made
    from the definition file's text as it is now, by this engine's code, and from the tables'
    files as they are now; else None (none kept, an edited definition, another version of the
    engine, a table imported since): the caller then reads the catalogue and asks
    `commune_gaps`.

    Neither the catalogue nor the query is read: a report command or a page server's worker
    that shows a rolling window's figure answers without loading YAML, Arrow and sqlglot
    (0.34 s on the demo's roadmap document). The list kept by the process is looked at first,
    then the one on disk, which another process (an import's) may have written since."""
    digest = file_digest(definition_path) if definition_path is not None else None
    if not digest:
        return None
    root = Path(staging_root).resolve()
    name = _kept_name(code, version)
    with _lock:
        kept = _kept.get((root, name))
    if not _current(kept, root, digest):
        kept = _read_kept(root, name)
        if not _current(kept, root, digest):
            return None
    with _lock:
        _kept[(root, name)] = kept
    return kept


def _current(kept: KeptGaps | None, root: Path, digest: str) -> TypeGuard[KeptGaps]:
    """Whether `kept` was made for the definition's text `digest`, by this engine's code, from
    the tables' files as they are now."""
    if kept is None or kept.digest != digest or kept.engine != _engine_digest():
        return False
    state = _tables_state(root, kept.tables)
    return all(state) and _fingerprint(kept.sql, state) == kept.fingerprint


@cache
def _engine_digest() -> str:
    """`QUERY_SOURCES`' text as this process loaded it (read once)."""
    folder = Path(__file__).parent
    return text_digest(
        "".join((folder / name).read_text(encoding="utf-8") for name in QUERY_SOURCES)
    )


def _query(root: Path, tables: tuple[str, ...], sql: str, state: tuple) -> Gaps:
    if not all(state):  # a table with no file: nothing to compare
        return {}
    # DuckDB (50–80 ms to import) only where the list is not kept: a page server's worker
    # reads it from disk.
    # lazy: see above
    from .duckdb_backend import kept_query

    found: Gaps = {}
    table = kept_query(root, list(tables), sql, max_rows=MAX_GAPS, timeout_s=120.0)
    for period, commune, weight in zip(
        *(table.column(c).to_pylist() for c in ("period", "commune", "weight")), strict=True
    ):
        found.setdefault(period, {})[commune] = float(weight or 0.0)
    return found


def _kept_name(code: str, version: int) -> str:
    return f"{code}@{version}"


def _kept_path(root: Path, name: str) -> Path:
    return root / KEPT_DIR / f"{name}.json"


def _fingerprint(sql: str, state: tuple) -> str:
    return hashlib.sha256(repr((sql, state)).encode()).hexdigest()


def _read_kept(root: Path, name: str) -> KeptGaps | None:
    """The list kept on disk, or None (none kept, unreadable, or kept in an earlier shape: the
    table is read again)."""
    try:
        kept = json.loads(_kept_path(root, name).read_text(encoding="utf-8"))
        return KeptGaps(
            fingerprint=_text(kept["fingerprint"]),
            digest=_text(kept["digest"]),
            engine=_text(kept["engine"]),
            side=_text(kept["side"]),
            sql=_text(kept["sql"]),
            tables=tuple(_table_name(table) for table in kept["tables"]),
            gaps=_gaps(kept["gaps"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _table_name(value: object) -> str:
    """A staged table's name, as the definitions write them: the kept file names folders to
    look at under the staging root, never one outside it."""
    name = _text(value)
    if not TABLE_NAME.fullmatch(name):
        raise ValueError(name)
    return name


def _gaps(value: object) -> Gaps:
    if not isinstance(value, dict):
        raise TypeError(value)
    return {
        _month(month): {_text(code): _weight(weight) for code, weight in communes.items()}
        for month, communes in value.items()
    }


def _month(value: object) -> str:
    month = _text(value)
    if not PERIOD_RE.fullmatch(month):
        raise ValueError(month)
    return month


def _weight(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(value)
    return float(value)


def _write_kept(root: Path, name: str, kept: KeptGaps) -> None:
    """Written whole or not at all (a temporary file renamed over the old one): two workers
    reading the table at once each write the same list. Commune codes and counts only."""
    path = _kept_path(root, name)
    temporary = None
    try:
        path.parent.mkdir(exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(asdict(kept), out)
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


def _tables_state(root: Path, tables: tuple[str, ...]) -> tuple:
    return tuple(_files_state(root, table) for table in tables)


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
