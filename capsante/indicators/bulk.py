"""A large insert into a table with its indexes and foreign keys set aside, rebuilt after it.

A first national compute adds 5.4 M values to an empty value table. Inserted with the table's
indexes and unique key kept up to date row by row (six then, three since decision 0026), and (PostgreSQL) its foreign keys checked
row by row at the commit — one trigger per row and key, each locking the row it points to —
storing took 113 s where the engine took 2.8 s. Built after the insert, an index is one sort of
the table and a foreign key one join: the same first compute stored in 107 s against 288 s for
the usual way, measured the same hour on a busier machine (bench/RESULTS.md, decision 0025).

Only for an insert that at least doubles the table: a monthly recompute adds thousands of rows
to millions, and rebuilding every index for them would cost far more than maintaining them.
Only on PostgreSQL: SQLite has no foreign keys to drop (they are part of the table, each check
one primary-key look-up), and rebuilding its indexes after the insert cost what maintaining them
did (first national compute: 19.9 s of insert + 22.1 s of rebuilding against a 41.0 s insert).

Dropping a key or an index locks the table against every reader until the commit. The lock is
asked for a few seconds at most (`LOCK_WAIT`); if pages are reading the table then, the insert
goes the usual way rather than making them wait.

Everything happens inside the caller's transaction: an error anywhere rolls the drops back with
the insert, and the indexes and keys are rebuilt from their own definitions as the database
reports them, names included.
"""

# ruff: noqa: S608 - table and index names come from the database's own catalogue

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

log = logging.getLogger(__name__)

BULK_ROWS = 200_000
"""Fewer new rows than this are inserted the usual way, whatever the table's size."""

LOCK_WAIT = "3s"
"""How long PostgreSQL waits for readers to let go of the table before the usual way is taken."""


def worth_setting_aside(cursor, table: str, adding: int) -> bool:
    """Whether adding `adding` rows at least doubles `table` (and is large in itself).

    Only on PostgreSQL, inside a transaction: outside one, the drops would be committed before
    the insert."""
    if adding < BULK_ROWS or connection.vendor != "postgresql" or not connection.in_atomic_block:
        return False
    return rows_up_to(cursor, table, adding + 1) <= adding


def rows_up_to(cursor, table: str, limit: int, where: str = "TRUE", params: Sequence = ()) -> int:
    """How many rows of `table` (alias `c`) meet `where`, counted up to `limit`: a large table
    is not read through to say that it holds at least so many."""
    cursor.execute(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} AS c WHERE {where} LIMIT %s) AS s",
        [*params, limit],
    )
    return cursor.fetchone()[0]


@contextmanager
def indexes_set_aside(cursor, table: str, adding: int) -> Iterator[bool]:
    """Inside: `table` without its indexes, unique and foreign keys (its primary key too,
    when no other table points to it: `_drop`), when adding
    `adding` rows is worth it (`worth_setting_aside`) and the table could be had to itself;
    gives whether it was. On leaving normally, each is made again; on an error the
    transaction's rollback brings them back."""
    rebuild = _set_aside(cursor, table) if worth_setting_aside(cursor, table, adding) else []
    yield bool(rebuild)
    if rebuild:
        # Each index build sorts the whole table: in memory rather than in temporary files.
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in rebuild:
            cursor.execute(statement)
        log.info("%s: %d indexes and keys rebuilt after a large insert", table, len(rebuild))


@contextmanager
def waiting_at_most(cursor, wait: str) -> Iterator[None]:
    """Inside: a lock asked for (PostgreSQL) is waited for `wait` at most, then refused
    (OperationalError), and the refusal undoes only what was done inside (a savepoint); the
    previous limit comes back on leaving. The limit is a transaction's: this opens one if none is."""
    with transaction.atomic():
        cursor.execute("SELECT current_setting('lock_timeout')")
        previous = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [wait])
        try:
            with transaction.atomic():
                yield
        finally:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


def _set_aside(cursor, table: str) -> list[str]:
    quoted = connection.ops.quote_name(table)
    try:
        # A refused lock undoes only what follows.
        with waiting_at_most(cursor, LOCK_WAIT):
            cursor.execute(f"LOCK TABLE {quoted} IN ACCESS EXCLUSIVE MODE")
            # A table with checks still waiting for the commit cannot be altered: they are made
            # now (what the commit would have found, found earlier), then the keys go back to
            # being checked at the commit, as Django declares them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            rebuild = _drop(cursor, table, quoted)
    except OperationalError as error:
        log.info("%s: kept its indexes for a large insert (%s)", table, str(error).strip())
        rebuild = []
    return rebuild


def _drop(cursor, table: str, quoted: str) -> list[str]:
    """Drops the secondary indexes, unique and foreign keys of `table`, and its primary key
    when no other table's key points to it; returns what makes them again, in an order that
    works (primary key, indexes, unique keys, then foreign keys).

    The primary key too: a row's id went into its index as the row was written, which took
    a third of a first national compute's COPY (5.4 M rows: 8.0–8.9 s with it, 5.1–5.3 s
    without, then 1.1 s to build it once; `bench/bench_copy.py`, decision 0038)."""
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint AS c"
        " WHERE conrelid = %s::regclass AND (contype IN ('f', 'u') OR (contype = 'p'"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint AS r WHERE r.confrelid = c.conrelid)))"
        " ORDER BY contype, conname",
        [table],
    )
    constraints = cursor.fetchall()
    # Indexes of their own: neither the primary key's nor one a constraint owns.
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index AS x"
        " JOIN pg_class AS c ON c.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND x.indexrelid NOT IN"
        " (SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass"
        " AND contype IN ('p', 'u', 'x')) ORDER BY c.relname",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _kind, _definition in constraints:  # foreign keys first ('f' < 'p' < 'u')
        cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    adding = {
        kind: [
            f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            for name, k, definition in constraints
            if k == kind
        ]
        for kind in ("p", "u", "f")
    }
    return [
        *adding["p"],
        *(definition for _name, definition in indexes),
        *adding["u"],
        *adding["f"],
    ]
