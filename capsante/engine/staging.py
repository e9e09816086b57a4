"""Where the staged tables live and what they look like (docs/staging-contract.md).

The engine never trusts a directory listing alone: every table of the contract is known here with
its columns, so that a table missing on disk is exposed as an empty view of the right shape and the
definitions that read it simply return no rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from capsante.ingest.contract import TABLES as SOURCE_TABLES

from .files import parquet_files, table_dir
from .periods import PERIOD_RE

# Column types follow docs/staging-contract.md. Counts are BIGINT, codes are strings.
_STR = pa.string()
_I64 = pa.int64()
# The staged tables are those of the connectors' contract (capsante/ingest/contract.py, plain
# Python, checked against docs/staging-contract.md); the engine adds the two territory tables the
# Django side exports.
CONTRACT: dict[str, pa.Schema] = {
    **{name: table.schema for name, table in SOURCE_TABLES.items()},
    "territory_membership": pa.schema(
        [("commune_code", _STR), ("territory_code", _STR), ("territory_level", _STR)]
    ),
    "territory_population": pa.schema(
        [("territory_code", _STR), ("territory_level", _STR), ("population", _I64)]
    ),
}

PARTITIONED = frozenset(name for name, table in SOURCE_TABLES.items() if table.partitioned)
TERRITORY_TABLES = frozenset({"territory_membership", "territory_population"})
TERRITORY_LEVELS = ("commune", "epci", "departement", "region", "groupement")


def table_bytes(staging_root: Path, table: str) -> int:
    """Bytes on disk of a staged table: a rough cost, to start the largest queries first."""
    total = 0
    for path in parquet_files(staging_root, table):
        try:
            total += path.stat().st_size
        except OSError:  # a partition an import is replacing: it only orders the queries
            continue
    return total


def table_periods(staging_root: Path, table: str) -> list[str]:
    """Months present on disk for a partitioned table, read from the `period=YYYY-MM` folders.

    Listing folders costs nothing compared with a scan, and it is exactly what an import rewrites.
    """
    root = table_dir(staging_root, table)
    if table not in PARTITIONED or not root.is_dir():
        return []
    periods = set()
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith("period="):
            period = child.name.removeprefix("period=")
            if PERIOD_RE.match(period) and any(child.glob("*.parquet")):
                periods.add(period)
    return sorted(periods)


def import_period(staging_root: Path, tables: Iterable[str]) -> str | None:
    """The month of the latest import among tables without a period (file modification time, UTC).

    Connectors rewrite `data.parquet` at each import, so its mtime is the import date; this is the
    default period given to snapshot indicators when the caller passes no `snapshot_period`.
    """
    mtimes = [f.stat().st_mtime for t in tables for f in parquet_files(staging_root, t)]
    if not mtimes:
        return None
    return dt.datetime.fromtimestamp(max(mtimes), tz=dt.UTC).strftime("%Y-%m")
