"""Storing a computation's values, set-based, inside the database.

The engine's rows are bulk-loaded into a temporary table (COPY on PostgreSQL, batched inserts on
SQLite), then a few statements decide which figures are new or changed, insert their new versions
and retire what a recompute no longer produces. A national recompute gives millions of rows:
reading the current versions into Python objects to compare them one by one took longer than
computing them. A full recompute, or one of some months for every territory (an import's),
first compares one fingerprint per indicator and month with the one stored last time
(`StoredBlock`) and leaves out the blocks in which nothing changed (decisions 0023, 0041).

An indicator with no value stored yet (a first compute, or an indicator just added), or a month
of one holding none (a month just imported), has nothing to compare with: its rows skip the
comparison, DuckDB gives them their ids and they go straight into the value table, by COPY on
PostgreSQL (decisions 0026 and 0042; binary, 0027).

Table names come from the models' metadata and the fixed names below, values are passed as
parameters: S608 (string-built SQL) is silenced for this module, whose job is composing SQL.
"""

# ruff: noqa: S608

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.db import OperationalError, connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from capsante.engine.aggregation import plain
from capsante.engine.fingerprints import block_fingerprints, blocks_of, rows_inside, rows_outside
from capsante.engine.keyed import KEYED_COLUMNS, keyed_batches
from capsante.territories.models import Territory

from . import bulk
from .models import ComputationRun, Indicator, IndicatorValue, StoredBlock

TOLERANCE = 1e-9
log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""`progress(step, done, total)`: what the store is doing, in French, for whoever waits on it
(the compute command's bar); `total` is 0 for a step that counts nothing."""

COMPARING = "comparaison avec les valeurs enregistrées"
WRITING = "écriture des valeurs nouvelles ou modifiées"
REBUILDING = "reconstruction des index et des clés de la table des valeurs"
ANALYSING = "statistiques de la table des valeurs"
RETIRING = "retrait des valeurs que le calcul ne donne plus"


def silent(step: str, done: int, total: int) -> None:
    """No one is told (the default)."""


class _Steps:
    """Seconds of each storage step, logged (INFO) for the benchmarks."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def __call__(self, label: str) -> None:
        now = time.perf_counter()
        log.info("storage step %s: %.2f s", label, now - self.last)
        self.last = now


_LOADED = "cs_loaded_values"
_KEYED = "cs_keyed_values"
_PAST = "cs_past_versions"
_NEW = "cs_new_values"
_UNCHANGED = "cs_unchanged_blocks"
_EXAMINED = "cs_examined_blocks"
_FIRST = "cs_first_values"

LOOKUP_FACTOR = 5
"""PostgreSQL looks each figure up in the value table's unique key, rather than reading every
stored row of their indicators, when these hold at least this many times as many rows as the
result (a lookup costs about five times what reading a stored row does: `_looked_up`)."""

LOOKUP_LIMIT = 250_000
"""Above this many figures to compare, the stored rows are not counted: the join reads them."""


def _same_sql(a: str, b: str, greatest: str) -> str:
    return (
        f"(({a} IS NULL AND {b} IS NULL) OR ({a} IS NOT NULL AND {b} IS NOT NULL"
        f" AND ABS({a} - {b}) <= {TOLERANCE!r} * {greatest}(1.0, ABS({a}), ABS({b}))))"
    )


def _column_types(cursor, table: str, names: list[str]) -> list[str]:
    """The database types of `table`'s columns `names` (a temporary table first, as queries
    find it), as binary COPY needs them: it sends each value as its type stores it."""
    cursor.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    types = dict(cursor.fetchall())
    return [types[name] for name in names]


def _copy(
    cursor,
    table: str,
    names: list[str],
    batches: Iterable[pa.RecordBatch],
    constants: tuple = (),
    written: Callable[[int], None] | None = None,
    first_id: int | None = None,
) -> int:
    """Rows of Arrow batches (then `constants`, the same for every row) into `table`'s columns
    `names`, by PostgreSQL's binary COPY, which psycopg writes; returns how many, and tells
    `written` how many so far after each batch. Given `first_id`, the rows are numbered from
    it, in a first column `names` must begin with (`id`).

    Binary rather than CSV: numbers and times go over as they are stored instead of as text
    the server parses back (5.4 M values of a first national compute: 11.4 s against 18.6 s,
    `bench/bench_copy.py`; decision 0027)."""
    types = _column_types(cursor, table, names)  # not inside: the COPY holds the connection
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN WITH (FORMAT binary)"
    count = 0
    with cursor.copy(statement) as copy:
        copy.set_types(types)
        for batch in batches:
            columns = list(batch.to_pydict().values())
            if first_id is not None:
                columns.insert(0, range(first_id + count, first_id + count + batch.num_rows))
            for row in zip(*columns, strict=True):
                copy.write_row(row + constants)
            count += batch.num_rows
            if written is not None:
                written(count)
    return count


def _load_result(cursor, result: pa.Table, vendor: str) -> None:
    """The engine's rows into a temporary table, by COPY on PostgreSQL."""
    columns = [
        "indicator_code",
        "territory_level",
        "territory_code",
        "period",
        "numerator",
        "denominator",
        "value",
    ]
    real = "DOUBLE PRECISION" if vendor == "postgresql" else "REAL"
    cursor.execute(f"DROP TABLE IF EXISTS {_LOADED}")
    cursor.execute(
        f"CREATE TEMP TABLE {_LOADED} (indicator_code VARCHAR(64), territory_level VARCHAR(12),"
        f" territory_code VARCHAR(20), period VARCHAR(7), numerator {real},"
        f" denominator {real}, value {real})"
    )
    # Codes as plain text: Arrow makes a Python text of a dictionary's row through a scalar
    # object each (the 36,000 figures of a month's import: 0.19 s to COPY against 0.035 s).
    table = plain(result).select(columns)
    if vendor == "postgresql":
        _copy(cursor, _LOADED, columns, table.to_batches(max_chunksize=200_000))
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {_LOADED} VALUES ({placeholders})"
        for batch in table.to_batches(max_chunksize=100_000):
            cursor.executemany(sql, zip(*batch.to_pydict().values(), strict=True))


def _unchanged_blocks(
    fingerprints: dict[tuple[str, str], str], codes: dict[int, str]
) -> list[tuple[int, str]]:
    """(indicator id, period) of the blocks whose stored fingerprint is the result's."""
    stored = StoredBlock.objects.filter(indicator_id__in=list(codes))
    return [
        (block.indicator_id, block.period)
        for block in stored
        if fingerprints.get((codes[block.indicator_id], block.period)) == block.fingerprint
    ]


def _create_unchanged(cursor, unchanged: list[tuple[int, str]]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {_UNCHANGED}")
    # Keyed: SQLite looks each value's block up in it (without a key, 490 blocks scanned for each
    # of 5.4 M values took 88 s at national scale).
    cursor.execute(
        f"CREATE TEMP TABLE {_UNCHANGED} (indicator_id INTEGER, period VARCHAR(7),"
        " PRIMARY KEY (indicator_id, period))"
    )
    if unchanged:
        cursor.executemany(f"INSERT INTO {_UNCHANGED} VALUES (%s, %s)", unchanged)


def _blocks_to_examine(cursor, values: str, indicators: str, ids: list[int]) -> int:
    """Into `_EXAMINED`: the months of these indicators that hold computed values in force,
    outside the blocks the result gave again unchanged (`_UNCHANGED`); returns how many.

    Only there can a full recompute find values to retire. The months are found by walking the
    index of computed values in force (`current_computed_block`), one probe per month: ≈ 800
    probes at national scale, where looking at every value read 5.4 M rows (1 s on PostgreSQL)
    to find, most nights, none (decision 0037). The condition repeats the index's own, word for
    word: SQLite uses a partial index only for a query that states its condition.
    """
    in_force = "v.is_current AND v.manual_entry_id IS NULL"
    cursor.execute(f"DROP TABLE IF EXISTS {_EXAMINED}")
    cursor.execute(
        f"CREATE TEMP TABLE {_EXAMINED} AS WITH RECURSIVE months (indicator_id, period) AS ("
        f" SELECT i.id, (SELECT MIN(v.period) FROM {values} AS v"
        f" WHERE v.indicator_id = i.id AND {in_force}) FROM {indicators} AS i"
        f" WHERE i.id IN ({', '.join(['%s'] * len(ids))})"
        " UNION ALL"
        f" SELECT m.indicator_id, (SELECT MIN(v.period) FROM {values} AS v"
        f" WHERE v.indicator_id = m.indicator_id AND {in_force} AND v.period > m.period)"
        " FROM months AS m WHERE m.period IS NOT NULL)"
        " SELECT m.indicator_id, m.period FROM months AS m WHERE m.period IS NOT NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {_UNCHANGED} AS u"
        " WHERE u.indicator_id = m.indicator_id AND u.period = m.period)",
        ids,
    )
    cursor.execute(f"SELECT COUNT(*) FROM {_EXAMINED}")
    examined = cursor.fetchone()[0]
    if examined and connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_EXAMINED}")  # a few blocks: looked up by the index, not scanned
    return examined


def _blocks_without_values(
    cursor, values: str, blocks: list[tuple[int, str]]
) -> list[tuple[int, str]]:
    """Of these (indicator id, period) blocks, those holding no value at all, computed or
    entered by hand, in force or not (a month just imported).

    Looked for first where a computed value is in force, through the index of those
    (`current_computed_block`: 0.2 ms a block at national scale), which leaves out every month
    already computed; the few left are looked for in the unique key (indicator, territory,
    month, version), whose part for the indicator is read (15–25 ms for a month at national
    scale, bench/RESULTS.md, 5 December, eighth session). The condition repeats the partial
    index's own, word for word: SQLite uses a partial index only for a query that states it."""
    if not blocks:
        return []
    in_force = "v.is_current AND v.manual_entry_id IS NULL"
    candidates = []
    for indicator_id, period in blocks:
        cursor.execute(
            f"SELECT 1 FROM {values} AS v WHERE v.indicator_id = %s AND v.period = %s"
            f" AND {in_force} LIMIT 1",
            [indicator_id, period],
        )
        if cursor.fetchone() is None:
            candidates.append((indicator_id, period))
    found = []
    for indicator_id, period in candidates:
        cursor.execute(
            f"SELECT 1 FROM {values} AS v WHERE v.indicator_id = %s AND v.period = %s LIMIT 1",
            [indicator_id, period],
        )
        if cursor.fetchone() is None:
            found.append((indicator_id, period))
    return found


def _split_blocks(
    result: pa.Table, blocks: list[tuple[int, str]], codes: dict[int, str]
) -> tuple[pa.Table, pa.Table, dict[str, int]]:
    """The rows of these (indicator id, period) blocks, the others, and {code: id} of the
    blocks' indicators."""
    named = [(codes[pk], period) for pk, period in blocks]
    ids = {codes[pk]: pk for pk, _ in blocks}
    return rows_inside(result, named), rows_outside(result, named), ids


def _result_blocks_to_examine(cursor, blocks: list[tuple[int, str]]) -> int:
    """Into `_EXAMINED`: these (indicator id, period) blocks of a result that holds each of them
    whole (the changed ones it did not store for the first time); returns how many."""
    cursor.execute(f"DROP TABLE IF EXISTS {_EXAMINED}")
    cursor.execute(f"CREATE TEMP TABLE {_EXAMINED} (indicator_id INTEGER, period VARCHAR(7))")
    if blocks:
        cursor.executemany(f"INSERT INTO {_EXAMINED} VALUES (%s, %s)", blocks)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {_EXAMINED}")
    return len(blocks)


def _remember_blocks(
    fingerprints: dict[tuple[str, str], str],
    indicator_ids: dict[str, int],
    whole_indicators: bool = True,
) -> None:
    """After a recompute of these indicators: their blocks' fingerprints. A full recompute's
    replace every block the indicators had (`whole_indicators`); a recompute of some months
    replaces those months' only."""
    if whole_indicators:
        StoredBlock.objects.filter(indicator_id__in=list(indicator_ids.values())).delete()
    else:
        _forget_blocks(block for block in fingerprints if block[0] in indicator_ids)
    StoredBlock.objects.bulk_create(
        StoredBlock(indicator_id=indicator_ids[code], period=period, fingerprint=fingerprint)
        for (code, period), fingerprint in fingerprints.items()
        if code in indicator_ids
    )


def _forget_blocks(blocks: Iterable[tuple[str, str]]) -> None:
    """The fingerprints of these (indicator code, period) blocks, which a recompute of some
    territories changes, or one of some months replaces."""
    periods_by_code: dict[str, list[str]] = {}
    for code, period in blocks:
        periods_by_code.setdefault(code, []).append(period)
    for code, periods in periods_by_code.items():
        StoredBlock.objects.filter(indicator__code=code, period__in=periods).delete()


def _indicators_of(result: pa.Table) -> tuple[str, list]:
    """A condition on a value table alias `{a}`: its indicator is one of the result's.

    Both joins with the value table are told it: for a recompute of one indicator PostgreSQL
    then reads that indicator's rows, where it read the whole table twice (national: 3.8 s of
    4.2 s to store one month's 36,000 figures among 5.4 M). Not the months as well: a month just
    imported is one the table's statistics may not know yet, and told "this month", PostgreSQL
    expected one row and chose a plan that took 90 s instead of 0.3."""
    codes = pc.unique(result["indicator_code"]).to_pylist()
    ids = list(Indicator.objects.filter(code__in=codes).values_list("pk", flat=True))
    if not ids:
        return "1 = 0", []
    return f"{{a}}.indicator_id IN ({', '.join(['%s'] * len(ids))})", ids


def _looked_up(cursor, result: pa.Table, values: str, within: str, params: list) -> bool:
    """Whether the result's figures are compared by looking each one up in the value table.

    Joined as a whole, PostgreSQL hashes every stored version of the result's indicators: for
    a month just imported at national scale, the indicator's 507,000 rows read to compare
    36,000 (0.5–0.7 s); looked up one by one in the unique key (indicator, territory, month,
    version), 0.25 s. A lookup costs about five times what reading a stored row does, so the
    figures are looked up when their indicators hold at least `LOOKUP_FACTOR` times as many
    rows — counted up to that many (40 ms for the month). A full recompute whose blocks all
    changed is joined as a whole. SQLite looks figures up in any case (it has no hash join).
    """
    if connection.vendor != "postgresql" or not 0 < result.num_rows <= LOOKUP_LIMIT:
        return False
    enough = LOOKUP_FACTOR * result.num_rows
    return bulk.rows_up_to(cursor, values, enough, within.format(a="c"), params) >= enough


def _current_versions(values: str, within: str, looked_up: bool) -> str:
    """The LEFT JOIN giving each loaded figure `c`, its version in force (if any)."""
    matches = (
        "c.indicator_id = i.id AND c.territory_id = t.id AND c.period = v.period AND c.is_current"
        f" AND {within.format(a='c')}"
    )
    if not looked_up:
        return f" LEFT JOIN {values} AS c ON {matches}"
    # OFFSET 0 keeps the subquery whole: flattened, PostgreSQL would plan it as the join above.
    return f" LEFT JOIN LATERAL (SELECT * FROM {values} AS c WHERE {matches} OFFSET 0) AS c ON TRUE"


def _past_versions(values: str, same_key: str, within: str, looked_up: bool) -> str:
    """For each figure without a version in force computed by the platform: its highest version
    and its latest computed one (no row when it has no version at all)."""
    figures = (
        f"(SELECT indicator_id, territory_id, period FROM {_KEYED}"
        " WHERE cur_id IS NULL OR cur_manual IS NOT NULL) AS k"
    )
    highest = (
        "MAX(p.version) AS max_version,"
        " MAX(CASE WHEN p.manual_entry_id IS NULL THEN p.version END) AS computed_version"
    )
    matches = f"{same_key.format(a='p', b='k')} AND {within.format(a='p')}"
    if looked_up:
        # An aggregate per figure, which PostgreSQL cannot turn into a join of whole tables.
        return (
            "SELECT k.indicator_id, k.territory_id, k.period, p.max_version, p.computed_version"
            f" FROM {figures} CROSS JOIN LATERAL (SELECT {highest} FROM {values} AS p"
            f" WHERE {matches}) AS p WHERE p.max_version IS NOT NULL"
        )
    # CROSS JOIN makes SQLite look each figure up in the value table's index (PostgreSQL plans
    # it as any join): left to choose, SQLite read the whole table in its index order to group
    # it, 0.80 s against 0.06 s for one new month at national scale.
    return (
        f"SELECT p.indicator_id, p.territory_id, p.period, {highest}"
        f" FROM {figures} CROSS JOIN {values} AS p WHERE {matches}"
        " GROUP BY p.indicator_id, p.territory_id, p.period"
    )


def _insert_new_versions(cursor, values: str, run: ComputationRun) -> None:
    cursor.execute(
        f"INSERT INTO {values} (indicator_id, territory_id, period, numerator, denominator,"
        " value, version, is_current, run_id, manual_entry_id, created_at)"
        " SELECT indicator_id, territory_id, period, numerator, denominator, value, version,"
        f" cur_manual IS NULL, %s, NULL, %s FROM {_NEW}"
        # In the order of the value table's main indexes: millions of rows inserted in
        # hash-join order scattered their index pages.
        " ORDER BY indicator_id, territory_id, period",
        [run.pk, timezone.now()],
    )


def _indicators_without_values(
    result: pa.Table, blocks: Iterable[tuple[str, str]] | None = None
) -> dict[str, int]:
    """{code: id} of the result's indicators with no value stored at all, computed or entered
    by hand, current or not: their figures are all new, in their first version. `blocks`: the
    result's (indicator, period) blocks when known, which name its indicators."""
    if blocks is not None:
        codes = sorted({code for code, _ in blocks})
    else:
        codes = pc.unique(result["indicator_code"]).to_pylist()
    stored = IndicatorValue.objects.filter(indicator=OuterRef("pk"))
    return dict(
        Indicator.objects.filter(code__in=codes).exclude(Exists(stored)).values_list("code", "pk")
    )


def _without_indicators(result: pa.Table, codes: Iterable[str]) -> pa.Table:
    chosen = pc.is_in(result["indicator_code"], value_set=pa.array(list(codes), pa.string()))
    return result.filter(pc.invert(chosen))


def _insert_first_versions(
    cursor,
    table: str,
    result: pa.Table,
    indicator_ids: dict[str, int],
    run: ComputationRun,
    written: Callable[[int], None],
    rows: int,
    table_held: bool,
) -> int:
    """The rows of these indicators straight into the value table, in their first version, in
    force, this run's; returns how many, and tells `written` how many so far (a national first
    compute writes millions: 20 s or more on PostgreSQL).

    `rows`: how many at most. `table_held`: whether this transaction holds the table to itself
    (its indexes set aside); the rows' ids are then taken from its sequence at once."""
    territory_ids = {
        (level, code): pk
        for level, code, pk in Territory.objects.values_list("level", "code", "pk")
    }
    batches = keyed_batches(result, indicator_ids, territory_ids)
    constants = {"version": 1, "is_current": True, "run_id": run.pk, "manual_entry_id": None}
    names = [*KEYED_COLUMNS, *constants, "created_at"]
    created_at = timezone.now()
    if connection.vendor == "postgresql":
        first_id = _ids_taken(cursor, table, rows) if table_held else None
        if first_id is not None:
            names.insert(0, "id")
        return _copy(
            cursor, table, names, batches, (*constants.values(), created_at), written, first_id
        )
    # SQLite: into a table without index first, then one statement (each row's index entries
    # added by SQLite itself): half the time of inserting them one by one into the value table
    # (1 M values: 1.9 + 3.0 s against 9.6 s).
    cursor.execute(f"DROP TABLE IF EXISTS {_FIRST}")
    cursor.execute(
        f"CREATE TEMP TABLE {_FIRST} (indicator_id INTEGER, territory_id INTEGER,"
        " period VARCHAR(7), numerator REAL, denominator REAL, value REAL)"
    )
    loading = f"INSERT INTO {_FIRST} VALUES ({', '.join(['%s'] * len(KEYED_COLUMNS))})"
    count = 0
    for batch in batches:
        cursor.executemany(loading, zip(*batch.to_pydict().values(), strict=True))
        count += batch.num_rows
        written(count)
    keyed = ", ".join(KEYED_COLUMNS)
    # No ORDER BY: the rows are read back in the order they were written, the batches' order.
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {keyed}, %s, %s, %s, %s, %s"
        f" FROM {_FIRST}",
        # The date as Django writes it on SQLite (naive UTC).
        [*constants.values(), connection.ops.adapt_datetimefield_value(created_at)],
    )
    cursor.execute(f"DROP TABLE {_FIRST}")
    return count


def _ids_taken(cursor, table: str, rows: int) -> int | None:
    """The first of `rows` ids taken at once from the sequence of `table`'s id (PostgreSQL), or
    None when it has none.

    Only for a transaction that holds the table to itself: the value table's id is its only
    user, and any insert waits for the table before drawing from it, so nothing can draw
    between the two calls below. Each row's id drawn from the sequence as the COPY wrote it
    took a fifth of a first national compute's COPY (5.4 M rows: 5.1–5.3 s against 4.0–4.2 s,
    `bench/bench_copy.py`, decision 0038). Ids of rows then left out are gaps, as after a
    rollback."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    if sequence is None or rows < 1:
        return None
    cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, rows])
    return cursor.fetchone()[0] - rows + 1


STATISTICS_WAIT = "200ms"
"""How long a store waits for the lock to analyse the value table (a vacuum may hold it)."""

AUTOVACUUM_ROWS = 10_000
"""The value table's `autovacuum_analyze_threshold` (migration `indicators/0008`): autovacuum
analyses it within a minute once that many of its rows have changed."""

LARGE_SHARE = 0.1
"""A store adding at least this share of the rows the table held analyses it at once."""


def _statistics_left_to_autovacuum(
    cursor, table: str, added: int, new_indicators: bool
) -> str | None:
    """Why this store leaves the table's statistics to autovacuum, or None to analyse now.

    Analysing samples 30,000 rows wherever they are: 0.4 s at national scale, a tenth of a
    month's recompute. A store that adds more than `AUTOVACUUM_ROWS` rows has autovacuum analyse
    the table within a minute (autovacuum waits for more changes than its threshold, not as
    many), and one month more among twenty-four changes little what the statistics say of the
    rest; the pages about the new month were measured as fast before that analyse as after it
    (national values, `bench/RESULTS.md`, 3 December, fifth session). A store that adds fewer
    rows would wait for other stores; one that stores an indicator for the first time (every
    statement of the next store filters on the indicator) or adds a tenth of the table or more
    changes what the planner must know at once.
    """
    if added <= AUTOVACUUM_ROWS or new_indicators:
        return None
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    held = cursor.fetchone()[0]  # PostgreSQL's estimate, below 0 if never analysed
    if held <= 0 or added >= LARGE_SHARE * held:
        return None
    return f"{added:,} rows added to about {int(held):,}"


def _refresh_statistics(cursor, table: str) -> bool:
    """Analyses `table` (PostgreSQL) unless that means waiting; returns whether it did.

    The next statements, the next computation's comparison and the pages are planned from the
    table's statistics: left to autovacuum's default (once a tenth of the table has changed), a
    new month — 0.7 % of a national table — would stay unknown to them for a year, every query
    about it planned for one row. So a store that adds rows has the table analysed, by itself or
    by autovacuum (`_statistics_left_to_autovacuum`).

    Analysing takes the lock that a vacuum holds. After a large store autovacuum vacuums the
    table for a while (17 s after a first national compute): an ANALYZE then waits a second,
    after which PostgreSQL cancels the vacuum — a monthly import took 1.4 s to analyse instead of
    0.35 s, and the vacuum started again later from the beginning. So the store waits a moment
    at most and otherwise leaves the statistics to autovacuum, which analyses this table once
    10,000 of its rows have changed (migration `indicators/0008`): within a minute.
    """
    try:
        with bulk.waiting_at_most(cursor, STATISTICS_WAIT):
            cursor.execute(f"ANALYZE {table}")
    except OperationalError as error:
        log.info("%s: statistics left to autovacuum (%s)", table, str(error).strip())
        return False
    return True


_SAME_FIGURE = (
    "{a}.indicator_id = {b}.indicator_id AND {a}.territory_id = {b}.territory_id"
    " AND {a}.period = {b}.period"
)
"""Two aliases `{a}`, `{b}` of value rows name the same figure (indicator, territory, month)."""


def store_values(
    result: pa.Table,
    run: ComputationRun,
    retire_codes: Iterable[str] | None = None,
    progress: Progress = silent,
    *,
    whole_blocks: bool = False,
) -> int:
    """Add a new version wherever a figure is new or changed; earlier versions stay readable.

    A figure validated by two people (a manual entry) stays in force: a computation that says
    otherwise is kept as a version beside it, not in force, and counted in the run so that it
    is seen rather than silently replacing what was validated. A figure without a current
    computed version (retired, or held by a manual entry) is compared with its latest computed
    version, and numbering continues after every earlier version.

    `retire_codes`: after a full recompute of these indicators, their computed values that the
    result no longer holds stop being current (they stay readable as earlier versions).
    `whole_blocks`: the result holds every territory of each (indicator, month) it gives (a
    recompute of some months, not of some territories): those blocks are then treated as a full
    recompute treats all of them (fingerprinted, left alone when unchanged, their values no
    longer given retired), so that the next full recompute finds them unchanged.
    `progress` is told each step as it starts, and the rows written as they go.
    Returns the number of values added or retired.
    """
    full_ids = _ids_of(retire_codes) if retire_codes is not None else None
    with connection.cursor() as cursor:
        store = _Store(cursor, run, progress)
        parts = store.split(result, full_ids, whole_blocks)
        store.match(parts.compared)
        added, held_by_manual = store.decide()
        added = store.write(parts, added)
        store.refresh_statistics(added, new_indicators=bool(parts.first_ids))
        retired = store.retire(parts, full_ids)
        store.drop_temporary_tables()
    run.held_by_manual = held_by_manual
    return int(added) + int(retired)


def _ids_of(codes: Iterable[str]) -> dict[str, int]:
    """{code: id} of the indicators of these codes that the database knows."""
    return dict(Indicator.objects.filter(code__in=list(codes)).values_list("code", "pk"))


@dataclass
class _Parts:
    """A result's rows by the way they are stored (`_Store.split`)."""

    compared: pa.Table
    """Compared figure by figure with the versions stored: the figures of the blocks that
    changed, or of every block when they are not fingerprinted."""
    first: pa.Table
    """The whole result, of which the rows of the indicators with no value stored yet
    (`first_ids`, `first_rows` rows) go in, in their first version: `keyed_batches` keeps
    only the rows of the indicators it is given."""
    first_ids: dict[str, int]
    first_rows: int
    new_months: pa.Table
    """The rows of the months holding no value at all (`new_blocks`), in their first version."""
    new_month_ids: dict[str, int]
    new_blocks: list[tuple[int, str]]
    fingerprinted_ids: dict[str, int] | None
    """{code: id} of the indicators whose blocks are fingerprinted, or None (a recompute of some
    territories)."""
    fingerprints: dict[tuple[str, str], str]
    unchanged: list[tuple[int, str]]
    changed: list[tuple[int, str]]
    """(indicator id, period) of the fingerprinted blocks that changed."""

    def straight(self) -> list[tuple[pa.Table, dict[str, int], int, str]]:
        """What goes straight into the value table, with nothing to compare with: (rows, their
        indicators' ids, how many at most, what they are for the log)."""
        return [
            (self.first, self.first_ids, self.first_rows, f"{len(self.first_ids)} indicators"),
            (
                self.new_months,
                self.new_month_ids,
                self.new_months.num_rows,
                f"{len(self.new_blocks)} months without values",
            ),
        ]

    def compared_ids(self) -> list[int]:
        """Ids of the fingerprinted indicators that held values before this store: only their
        blocks can hold values the result no longer gives."""
        return [
            pk for code, pk in (self.fingerprinted_ids or {}).items() if code not in self.first_ids
        ]


class _Store:
    """One store of a result into the value table, step by step (`store_values`): its
    temporary tables on one cursor, its steps timed in the log and told to `progress`."""

    def __init__(self, cursor, run: ComputationRun, progress: Progress) -> None:
        self.cursor = cursor
        self.run = run
        self.progress = progress
        self.postgresql = connection.vendor == "postgresql"
        self.greatest = "GREATEST" if self.postgresql else "MAX"
        self.values = IndicatorValue._meta.db_table
        self.step = _Steps()
        if self.postgresql:
            # Hash joins over millions of rows stay in memory rather than spilling to disk
            # (for this transaction only).
            cursor.execute("SET LOCAL work_mem = '256MB'")
        progress(COMPARING, 0, 0)

    def split(
        self, result: pa.Table, full_ids: dict[str, int] | None, whole_blocks: bool
    ) -> _Parts:
        """The result's rows by the way they are stored: a new indicator's and a new month's
        straight in, the blocks left unchanged out, the rest compared."""
        fingerprinted_ids = full_ids
        if full_ids is None and whole_blocks:
            fingerprinted_ids = _ids_of(pc.unique(result["indicator_code"]).to_pylist())
        fingerprints: dict[tuple[str, str], str] = {}
        if fingerprinted_ids is not None:
            fingerprints = block_fingerprints(result)
        else:
            _forget_blocks(blocks_of(result))
        first_ids = _indicators_without_values(
            result, fingerprints if fingerprinted_ids is not None else None
        )
        # Fingerprints of an indicator without values describe values no longer there (deleted
        # by hand): left behind, a later full compute would take their months as unchanged.
        StoredBlock.objects.filter(indicator_id__in=list(first_ids.values())).delete()
        first, compared = result, result
        if first_ids:
            compared = _without_indicators(result, first_ids)
        parts = _Parts(
            compared=compared,
            first=first,
            first_ids=first_ids,
            first_rows=first.num_rows - compared.num_rows,
            new_months=result.slice(0, 0),
            new_month_ids={},
            new_blocks=[],
            fingerprinted_ids=fingerprinted_ids,
            fingerprints=fingerprints,
            unchanged=[],
            changed=[],
        )
        if fingerprinted_ids is not None:
            self._leave_out_unchanged(parts)
        return parts

    def _leave_out_unchanged(self, parts: _Parts) -> None:
        """Leaves out of `parts.compared` the blocks whose fingerprint is the one stored, and
        takes the months holding no value at all out of it, to go straight in."""
        fingerprinted_ids = parts.fingerprinted_ids or {}
        codes = {pk: code for code, pk in fingerprinted_ids.items() if code not in parts.first_ids}
        parts.unchanged = _unchanged_blocks(parts.fingerprints, codes)
        parts.compared = rows_outside(
            parts.compared, [(codes[pk], period) for pk, period in parts.unchanged]
        )
        self.step(
            f"fingerprints ({len(parts.unchanged)} of {len(parts.fingerprints)} blocks unchanged)"
        )
        # An indicator the database does not know (none here: the catalogue is synced first)
        # has no id, and its rows are left out as a territory it does not know.
        given = {(fingerprinted_ids.get(code), period) for code, period in parts.fingerprints}
        parts.changed = sorted(b for b in given - set(parts.unchanged) if b[0] in codes)
        parts.new_blocks = _blocks_without_values(self.cursor, self.values, parts.changed)
        if parts.new_blocks:
            parts.new_months, parts.compared, parts.new_month_ids = _split_blocks(
                parts.compared, parts.new_blocks, codes
            )
        self.step(f"months without values ({len(parts.new_blocks)})")

    def match(self, compared: pa.Table) -> None:
        """Into `_KEYED`: the compared figures by id, each beside its version in force; into
        `_PAST`: for those without a computed one, their highest version and latest computed
        one."""
        cursor, values = self.cursor, self.values
        _load_result(cursor, compared, connection.vendor)
        if self.postgresql:
            cursor.execute(f"ANALYZE {_LOADED}")  # temporary tables have no statistics
        within, within_params = _indicators_of(compared)
        looked_up = _looked_up(cursor, compared, values, within, within_params)
        self.step("load")
        cursor.execute(f"DROP TABLE IF EXISTS {_KEYED}")
        cursor.execute(
            f"CREATE TEMP TABLE {_KEYED} AS SELECT i.id AS indicator_id, t.id AS territory_id,"
            " v.period, v.numerator, v.denominator, v.value,"
            " c.id AS cur_id, c.version AS cur_version, c.manual_entry_id AS cur_manual,"
            " c.numerator AS cur_numerator, c.denominator AS cur_denominator, c.value AS cur_value"
            f" FROM {_LOADED} AS v JOIN {Indicator._meta.db_table} AS i"
            " ON i.code = v.indicator_code"
            f" JOIN {Territory._meta.db_table} AS t"
            " ON t.level = v.territory_level AND t.code = v.territory_code"
            + _current_versions(values, within, looked_up),
            within_params,
        )
        self.step("match current versions" + (", looked up" if looked_up else ""))
        cursor.execute(f"DROP TABLE {_LOADED}")
        cursor.execute(
            f"CREATE INDEX cs_keyed_key ON {_KEYED} (indicator_id, territory_id, period)"
        )
        if self.postgresql:
            cursor.execute(f"ANALYZE {_KEYED}")
        self.step("index")
        cursor.execute(f"DROP TABLE IF EXISTS {_PAST}")
        cursor.execute(
            f"CREATE TEMP TABLE {_PAST} AS "
            + _past_versions(values, _SAME_FIGURE, within, looked_up),
            within_params,
        )
        self.step("past versions")

    def decide(self) -> tuple[int, int]:
        """Into `_NEW`: the figures new or changed, each with its next version; their versions
        in force computed by the platform superseded. Returns how many, and how many of them a
        validated manual entry holds in force."""
        cursor, values = self.cursor, self.values
        compared = ("numerator", "denominator", "value")
        same_as_current = " AND ".join(
            _same_sql(f"k.cur_{c}", f"k.{c}", self.greatest) for c in compared
        )
        same_as_past = " AND ".join(_same_sql(f"lc.{c}", f"k.{c}", self.greatest) for c in compared)
        cursor.execute(f"DROP TABLE IF EXISTS {_NEW}")
        cursor.execute(
            f"CREATE TEMP TABLE {_NEW} AS SELECT k.indicator_id, k.territory_id, k.period,"
            " k.numerator, k.denominator, k.value, k.cur_id, k.cur_manual,"
            f" {self.greatest}(COALESCE(ps.max_version, 0), COALESCE(k.cur_version, 0)) + 1"
            " AS version"
            f" FROM {_KEYED} AS k LEFT JOIN {_PAST} AS ps ON {_SAME_FIGURE.format(a='ps', b='k')}"
            f" LEFT JOIN {values} AS lc ON {_SAME_FIGURE.format(a='lc', b='ps')}"
            " AND lc.version = ps.computed_version"
            # Held by a manual entry: a new version beside it only when the computation says
            # something new. With no version in force (retired when a file left it out), the
            # figure comes back, as a new version, even when it is the one retired.
            " WHERE NOT (CASE"
            f" WHEN k.cur_id IS NOT NULL AND k.cur_manual IS NULL THEN {same_as_current}"
            f" WHEN k.cur_manual IS NOT NULL AND lc.id IS NOT NULL THEN {same_as_past}"
            " ELSE 1 = 0 END)"
        )
        self.step("decide")
        cursor.execute(
            f"UPDATE {values} SET is_current = %s WHERE id IN"
            f" (SELECT cur_id FROM {_NEW} WHERE cur_id IS NOT NULL AND cur_manual IS NULL)",
            [False],
        )
        self.step("supersede")
        cursor.execute(f"SELECT COUNT(*), COUNT(cur_manual) FROM {_NEW}")
        added, held_by_manual = cursor.fetchone()
        return added, held_by_manual

    def write(self, parts: _Parts, added: int) -> int:
        """The `added` new versions decided, then the rows going straight in, into the value
        table, its indexes set aside when they are many; returns how many rows in all."""
        cursor, progress = self.cursor, self.progress
        # At most: a row of a territory the database does not know is left out.
        writing = added + sum(at_most for _, ids, at_most, _ in parts.straight() if ids)
        if writing:
            progress(WRITING, 0, writing)
        with bulk.indexes_set_aside(cursor, self.values, writing) as set_aside:
            _insert_new_versions(cursor, self.values, self.run)
            if writing:
                progress(WRITING, added, writing)
            aside = ", indexes and keys set aside" if set_aside else ""
            self.step("insert" + aside)
            for rows, ids_of_codes, at_most, what in parts.straight():
                if not ids_of_codes:
                    continue
                before = added
                first = _insert_first_versions(
                    cursor,
                    self.values,
                    rows,
                    ids_of_codes,
                    self.run,
                    lambda count, before=before: progress(WRITING, before + count, writing),
                    at_most,
                    set_aside,
                )
                added += first
                self.step(f"first versions of {what} inserted ({first}){aside}")
            if set_aside:  # made again on leaving this block
                progress(REBUILDING, 0, 0)
        if set_aside:
            self.step("indexes and keys rebuilt")
        return added

    def refresh_statistics(self, added: int, *, new_indicators: bool) -> None:
        """The value table's statistics after `added` rows (PostgreSQL): analysed now, or left
        to autovacuum (`_statistics_left_to_autovacuum`, `_refresh_statistics`)."""
        if not (self.postgresql and added):
            return
        reason = _statistics_left_to_autovacuum(self.cursor, self.values, added, new_indicators)
        if reason:
            self.step(f"statistics left to autovacuum ({reason})")
            return
        self.progress(ANALYSING, 0, 0)
        if _refresh_statistics(self.cursor, self.values):
            self.step("analyse")
        else:
            self.step("statistics left to autovacuum (the table was being vacuumed)")

    def retire(self, parts: _Parts, full_ids: dict[str, int] | None) -> int:
        """Takes out of force the computed values the result no longer gives, in the blocks it
        holds whole that changed, then remembers the blocks' fingerprints; returns how many
        values were retired."""
        cursor, values = self.cursor, self.values
        retired = 0
        # An indicator stored for the first time has nothing but this run's values to retire.
        examined = 0
        if parts.compared_ids():
            self.progress(RETIRING, 0, 0)
            # A month stored for the first time holds only this run's values: nothing to retire.
            if full_ids is not None:
                _create_unchanged(cursor, parts.unchanged + parts.new_blocks)
                examined = _blocks_to_examine(
                    cursor, values, Indicator._meta.db_table, parts.compared_ids()
                )
            else:
                stored_first = set(parts.new_blocks)
                examined = _result_blocks_to_examine(
                    cursor, [b for b in parts.changed if b not in stored_first]
                )
        if examined:
            # What the result no longer holds, in the months examined, read through the index
            # (SQLite would otherwise test every value against them: 3.3 s nationally for one).
            cursor.execute(
                f"UPDATE {values} SET is_current = %s WHERE id IN (SELECT v.id"
                f" FROM {_EXAMINED} AS e JOIN {values} AS v"
                " ON v.indicator_id = e.indicator_id AND v.period = e.period"
                " WHERE v.is_current AND v.manual_entry_id IS NULL"
                " AND (v.run_id IS NULL OR v.run_id <> %s)"
                f" AND NOT EXISTS (SELECT 1 FROM {_KEYED} AS k"
                f" WHERE {_SAME_FIGURE.format(a='k', b='v')}))",
                [False, self.run.pk],  # what this run just stored is in the result
            )
            retired = cursor.rowcount
        if full_ids:
            _remember_blocks(parts.fingerprints, full_ids)
        elif parts.fingerprinted_ids:
            _remember_blocks(parts.fingerprints, parts.fingerprinted_ids, whole_indicators=False)
        self.step(f"retire ({examined} blocks examined)")
        return retired

    def drop_temporary_tables(self) -> None:
        for name in (_NEW, _PAST, _KEYED, _UNCHANGED, _EXAMINED):
            self.cursor.execute(f"DROP TABLE IF EXISTS {name}")
