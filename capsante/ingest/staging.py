"""Parquet staging area read by the indicator engine (see docs/staging-contract.md).

``root/<table>/data.parquet`` for tables without a period, ``root/<table>/period=YYYY-MM/
data.parquet`` for monthly tables (the ``period`` column lives in the directory name only, as
DuckDB's ``hive_partitioning`` expects). Each file is written beside its target and renamed over
it, so a reader never sees half a file.

A write of several partitions or tables is made whole by a backup: ``begin(tables, token)`` keeps
a hard-linked copy of each table as ``.<table>.backup-<token>`` (made under a ``.partial`` name,
then renamed, so that a backup that exists is complete), ``rollback`` puts it back, ``commit``
drops it. The token is the holder's lock token: after a crash, ``recover(table, token,
committed)`` finishes what the dead process left — back to the backup unless its write had
committed — and removes the temporary files (``.*.tmp``) it left.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import contract

PARQUET_OPTIONS: dict[str, object] = {"compression": "zstd"}
"""How every staged file is written (pyarrow's row groups, up to 1 Mi rows). The engine's bench
writes its generated tables with the same options (`bench/engine_data.py`), so that its scan
floor reads what an import writes: on snappy files the national engine was 5 % quicker and the
scan 13 % quicker (bench/RESULTS.md, 7 December, twenty-third session)."""

DATA_FILE = "data.parquet"
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PARTITION = re.compile(r"^period=([0-9]{4}-(?:0[1-9]|1[0-2]))$")
_KEY_NULL = "\x00null"
_TOKEN = re.compile(r"^[0-9a-f]{8,64}$")
BACKUP_MARK = ".backup-"
PARTIAL_SUFFIX = ".partial"
TEMPORARY_SUFFIX = ".tmp"
REMOVED_KEYS_SHOWN = 200


@dataclass(frozen=True)
class Scope:
    """Which staged rows a write replaces: those sharing the new rows' values in `columns`
    and, unless the file is a full extract, in the territory read from `coverage`."""

    columns: tuple[str, ...] = ()
    coverage: str | None = None

    def __bool__(self) -> bool:
        return bool(self.columns or self.coverage)

    def keys(self, data: pa.Table) -> pa.Array:
        parts = [pc.fill_null(pc.cast(data[c], pa.string()), _KEY_NULL) for c in self.columns]
        if self.coverage:
            parts.append(contract.coverage(data, self.coverage))
        if len(parts) == 1:
            return parts[0]
        return pc.binary_join_element_wise(*parts, "\x1f")


@dataclass(frozen=True)
class DiffCounts:
    """What writing new rows would change, compared with what is staged."""

    added: int
    changed: int
    removed: int
    unchanged: int
    # Rows the source holds now in the partitions compared (the base of a removal share), and
    # the keys of the first rows that would go, to list them before anything is written.
    staged: int = 0
    removed_keys: tuple[str, ...] = ()

    @property
    def is_noop(self) -> bool:
        return self.added == self.changed == self.removed == 0


@dataclass(frozen=True)
class WriteReport:
    table: str
    rows: int
    files: tuple[Path, ...]
    removed_partitions: tuple[str, ...] = ()


class StagingStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    # -- layout

    def table_dir(self, table: str) -> Path:
        if not _TABLE_NAME.match(table):
            raise ValueError(f"nom de table invalide : {table!r}")
        return self.root / table

    def path_glob(self, table: str) -> str:
        """Glob for DuckDB: ``read_parquet(glob, hive_partitioning=true)``."""
        pattern = f"period=*/{DATA_FILE}" if _partitioned(table) else DATA_FILE
        return str(self.table_dir(table) / pattern)

    def tables(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            entry.name
            for entry in self.root.iterdir()
            if entry.is_dir() and _TABLE_NAME.match(entry.name) and self._files(entry.name)
        )

    def periods(self, table: str) -> list[str]:
        return sorted(period for period, _ in self._partitions(table))

    # -- reading

    def read(self, table: str, periods: Iterable[str] | None = None) -> pa.Table:
        """The staged rows (all partitions, or only ``periods``), with the contract's columns."""
        schema = _schema(table)
        if not _partitioned(table):
            path = self.table_dir(table) / DATA_FILE
            if not path.exists():
                return _empty(table, schema)
            return _conform(table, pq.read_table(path))
        wanted = None if periods is None else set(periods)
        parts = [
            _with_period(pq.read_table(path), period)
            for period, path in self._partitions(table)
            if wanted is None or period in wanted
        ]
        if not parts:
            return _empty(table, schema)
        return _conform(table, pa.concat_tables(parts, promote_options="default"))

    # -- writing

    def write(
        self,
        table: str,
        data: pa.Table,
        periods: Iterable[str] | None = None,
        *,
        scope_columns: Sequence[str] | None = None,
        full_extract: bool = False,
    ) -> WriteReport:
        """Stage ``data``: replace the whole table, or exactly the partitions ``periods``.

        ``periods`` defaults to the periods present in ``data``; a listed period without rows is
        emptied. With ``scope_columns`` (default: the contract's), rows of the replaced
        partitions whose scope values do not appear in ``data`` are kept, e.g. the INS counts of
        the establishments this import does not cover. Unless ``full_extract``, the rows of the
        territories the data does not cover (the contract's coverage column) are kept too.
        """
        data = _conform(table, data)
        scope = _scope(table, scope_columns, full_extract)
        if not _partitioned(table):
            old = self.read(table) if scope else None
            merged = _keep_out_of_scope(old, data, scope)
            path = self._write_file(self.table_dir(table) / DATA_FILE, merged)
            return WriteReport(table, merged.num_rows, (path,))
        return self._write_partitions(table, data, _periods(data, periods), scope)

    def _write_partitions(
        self, table: str, data: pa.Table, periods: list[str], scope: Scope
    ) -> WriteReport:
        files: list[Path] = []
        removed: list[str] = []
        rows = 0
        for period in periods:
            new = data.filter(pc.equal(data["period"], period))
            old = self.read(table, [period]) if scope else None
            # What the file covers is read from all its rows, so a listed month without rows
            # is emptied for the territories (or establishments) the file is about.
            merged = _keep_out_of_scope(old, new, scope, covered_by=data)
            directory = self.table_dir(table) / f"period={period}"
            if merged.num_rows == 0:
                if _remove_partition(directory):
                    removed.append(period)
                continue
            files.append(self._write_file(directory / DATA_FILE, merged.drop_columns(["period"])))
            rows += merged.num_rows
        return WriteReport(table, rows, tuple(files), tuple(removed))

    @staticmethod
    def _write_file(path: Path, data: pa.Table) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            pq.write_table(data, temporary, **PARQUET_OPTIONS)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        return path

    # -- all or nothing, across partitions and tables

    def backup_dir(self, table: str, token: str) -> Path:
        if not _TOKEN.match(token):
            raise ValueError(f"jeton de sauvegarde invalide : {token!r}")
        return self.root / f".{self.table_dir(table).name}{BACKUP_MARK}{token}"

    def begin(self, tables: Iterable[str], token: str) -> None:
        """Back up ``tables`` before writing them: files hard-linked (no copy of the data), a
        table that does not exist yet backed up as an empty folder (rolling back removes it)."""
        self.root.mkdir(parents=True, exist_ok=True)
        for table in tables:
            backup = self.backup_dir(table, token)
            partial = backup.with_name(backup.name + PARTIAL_SUFFIX)
            shutil.rmtree(partial, ignore_errors=True)
            directory = self.table_dir(table)
            if directory.exists():
                shutil.copytree(directory, partial, copy_function=os.link)
            else:
                partial.mkdir()
            # The rename is the mark that the backup is whole: a crash before it leaves only a
            # `.partial` folder, which recovery deletes, the table itself being untouched.
            os.replace(partial, backup)

    def commit(self, tables: Iterable[str], token: str) -> None:
        for table in tables:
            shutil.rmtree(self.backup_dir(table, token), ignore_errors=True)

    def rollback(self, tables: Iterable[str], token: str) -> None:
        """Put back each table as its backup kept it (a missing backup: nothing to put back)."""
        for table in tables:
            backup = self.backup_dir(table, token)
            if not backup.is_dir():
                continue
            directory = self.table_dir(table)
            shutil.rmtree(directory, ignore_errors=True)
            if any(backup.iterdir()):
                os.replace(backup, directory)
            else:  # the table did not exist before the write
                backup.rmdir()

    def recover(self, table: str, token: str, committed: bool) -> list[Path]:
        """After a crash of the process holding ``token``: undo its write of ``table`` unless it
        had committed, and delete what it left behind. Returns the paths removed or restored."""
        touched = self.leftovers(table)
        if committed:
            self.commit([table], token)
        else:
            self.rollback([table], token)
        for path in self.leftovers(table):
            if path.name.endswith(TEMPORARY_SUFFIX) or (
                token in path.name and path.name.endswith(PARTIAL_SUFFIX)
            ):
                _remove(path)
        return touched

    def leftovers(self, table: str | None = None) -> list[Path]:
        """Backups and temporary files present (of one table, or all): none once every write
        has ended, whatever its outcome."""
        if not self.root.is_dir():
            return []
        found: list[Path] = []
        for entry in sorted(self.root.iterdir()):
            name = entry.name
            if name.startswith(".") and BACKUP_MARK in name:
                owner = name[1:].split(BACKUP_MARK, 1)[0]
                if table is None or owner == table:
                    found.append(entry)
            elif entry.is_dir() and (table is None or name == table):
                found += sorted(entry.rglob(f".*{TEMPORARY_SUFFIX}"))
        return found

    # -- comparing

    def diff(
        self,
        table: str,
        new_rows: pa.Table,
        key_columns: Sequence[str] | None = None,
        periods: Iterable[str] | None = None,
        *,
        scope_columns: Sequence[str] | None = None,
        full_extract: bool = False,
    ) -> DiffCounts:
        """Rows added / changed / removed if ``write`` were called with the same arguments."""
        new = _conform(table, new_rows)
        keys = list(key_columns or contract.table(table).key_columns)
        scope = _scope(table, scope_columns, full_extract)
        if _partitioned(table):
            staged = self.read(table, _periods(new, periods))
        else:
            staged = self.read(table)
        return _compare(_in_scope(staged, new, scope), new, keys, staged.num_rows)

    # -- helpers

    def _files(self, table: str) -> list[Path]:
        directory = self.table_dir(table)
        return sorted(directory.glob(f"**/{DATA_FILE}")) if directory.is_dir() else []

    def _partitions(self, table: str) -> list[tuple[str, Path]]:
        directory = self.table_dir(table)
        if not directory.is_dir():
            return []
        found = []
        for entry in sorted(directory.iterdir()):
            match = _PARTITION.match(entry.name)
            if match and (entry / DATA_FILE).exists():
                found.append((match.group(1), entry / DATA_FILE))
        return found


# --------------------------------------------------------------------------- table helpers


def _partitioned(table: str) -> bool:
    return table in contract.TABLES and contract.TABLES[table].partitioned


def _schema(table: str) -> pa.Schema | None:
    return contract.TABLES[table].schema if table in contract.TABLES else None


def _conform(table: str, data: pa.Table) -> pa.Table:
    """Contract tables get the contract's columns and types; other tables are taken as they are."""
    return contract.conform(table, data) if table in contract.TABLES else data


def _empty(table: str, schema: pa.Schema | None) -> pa.Table:
    if schema is None:
        raise FileNotFoundError(f"table non stagée : {table}")
    return schema.empty_table()


def _with_period(data: pa.Table, period: str) -> pa.Table:
    if "period" in data.column_names:
        data = data.drop_columns(["period"])
    return data.append_column("period", pa.array([period] * data.num_rows, pa.string()))


def _scope(table: str, scope_columns: Sequence[str] | None, full_extract: bool = False) -> Scope:
    known = contract.TABLES.get(table)
    if scope_columns is not None:
        columns = tuple(scope_columns)
    else:
        columns = known.scope_columns if known else ()
    coverage = None if full_extract or known is None else known.coverage_column
    return Scope(columns, coverage)


def _periods(data: pa.Table, periods: Iterable[str] | None) -> list[str]:
    if "period" not in data.column_names:
        raise ValueError("table partitionnée sans colonne period")
    if data["period"].null_count:
        raise ValueError("période manquante dans les lignes à stager")
    present = set(pc.unique(data["period"]).to_pylist())
    chosen = set(periods) if periods is not None else present
    bad = [p for p in chosen if not isinstance(p, str) or not _PARTITION.match(f"period={p}")]
    if bad:
        raise ValueError(f"périodes invalides : {sorted(map(str, bad))}")
    if not present <= chosen:
        raise ValueError(f"lignes hors des périodes annoncées : {sorted(present - chosen)}")
    return sorted(chosen)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _remove_partition(directory: Path) -> bool:
    path = directory / DATA_FILE
    if not path.exists():
        return False
    path.unlink()
    shutil.rmtree(directory, ignore_errors=True)
    return True


def _scope_mask(staged: pa.Table, new: pa.Table, scope: Scope) -> pa.Array:
    """True for staged rows whose scope values appear in ``new``."""
    if not scope:
        return pa.array([True] * staged.num_rows, pa.bool_())
    return pc.is_in(scope.keys(staged), value_set=pc.unique(scope.keys(new)))


def _in_scope(staged: pa.Table, new: pa.Table, scope: Scope) -> pa.Table:
    return staged.filter(_scope_mask(staged, new, scope)) if scope else staged


def _keep_out_of_scope(
    old: pa.Table | None, new: pa.Table, scope: Scope, covered_by: pa.Table | None = None
) -> pa.Table:
    if old is None or not scope or old.num_rows == 0:
        return new
    kept = old.filter(pc.invert(_scope_mask(old, new if covered_by is None else covered_by, scope)))
    return pa.concat_tables([kept.select(new.column_names).cast(new.schema), new])


def _key(data: pa.Table, columns: Sequence[str]) -> pa.Array:
    """One string per row joining ``columns`` (nulls spelled out so that they compare equal)."""
    parts = [pc.fill_null(pc.cast(data[col], pa.string()), _KEY_NULL) for col in columns]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, "\x1f")


def _compare(staged: pa.Table, new: pa.Table, keys: list[str], held: int = 0) -> DiffCounts:
    values = [col for col in new.column_names if col not in keys]
    left = pa.table({"key": _key(new, keys), **{f"v_{c}": _key(new, [c]) for c in values}})
    right = pa.table({"key": _key(staged, keys), **{f"v_{c}": _key(staged, [c]) for c in values}})
    right = right.append_column("__staged", pa.array([True] * right.num_rows, pa.bool_()))
    left = left.append_column("__new", pa.array([True] * left.num_rows, pa.bool_()))
    joined = left.join(right, keys="key", join_type="full outer", right_suffix="__old")
    in_new = pc.fill_null(joined["__new"], False)
    in_staged = pc.fill_null(joined["__staged"], False)
    both = pc.and_(in_new, in_staged)
    differs = pa.array([False] * joined.num_rows, pa.bool_())
    for col in values:
        differs = pc.or_(differs, pc.not_equal(joined[f"v_{col}"], joined[f"v_{col}__old"]))
    changed = pc.and_(both, pc.fill_null(differs, False))
    removed = pc.and_(in_staged, pc.invert(in_new))
    removed_keys = joined["key"].filter(removed).slice(0, REMOVED_KEYS_SHOWN).to_pylist()
    return DiffCounts(
        added=pc.sum(pc.and_(in_new, pc.invert(in_staged))).as_py() or 0,
        changed=pc.sum(changed).as_py() or 0,
        removed=pc.sum(removed).as_py() or 0,
        unchanged=pc.sum(pc.and_(both, pc.invert(pc.fill_null(differs, False)))).as_py() or 0,
        staged=max(held, staged.num_rows),
        removed_keys=tuple(
            " · ".join("—" if p == _KEY_NULL else p for p in k.split("\x1f"))
            for k in sorted(removed_keys)
        ),
    )
