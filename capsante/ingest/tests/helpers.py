"""Helpers shared by the connector tests: samples, corrupted copies, assertions on results."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from capsante.ingest import contract
from capsante.ingest.parsing import ParseResult, RowError

CONNECTORS_DIR = Path(__file__).resolve().parents[1] / "connectors"


def sample(connector: str, name: str) -> Path:
    return CONNECTORS_DIR / connector / "tests" / "samples" / name


def lines_of(data: bytes) -> list[bytes]:
    """Physical lines, each with its own line break (so that joining gives the file back)."""
    return data.splitlines(keepends=True)


def replace_line(data: bytes, number: int, new: bytes) -> bytes:
    lines = lines_of(data)
    ending = b"\r\n" if lines[number - 1].endswith(b"\r\n") else b"\n"
    lines[number - 1] = new + ending
    return b"".join(lines)


def edit_line(data: bytes, number: int, old: bytes, new: bytes) -> bytes:
    lines = lines_of(data)
    assert old in lines[number - 1], (old, lines[number - 1])
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    return b"".join(lines)


def insert_line(data: bytes, after: int, new: bytes) -> bytes:
    lines = lines_of(data)
    ending = b"\r\n" if lines[0].endswith(b"\r\n") else b"\n"
    lines.insert(after, new + ending)
    return b"".join(lines)


def truncate_line(data: bytes, number: int, keep_fields: int, separator: bytes) -> bytes:
    line = lines_of(data)[number - 1].rstrip(b"\r\n")
    return replace_line(data, number, separator.join(line.split(separator)[:keep_fields]))


def only_error(result: ParseResult) -> RowError:
    assert not result.ok, "the file should have been refused"
    assert result.tables == {}, "a refused file must not return rows"
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    return result.errors[0]


def assert_refused(result: ParseResult) -> None:
    assert not result.ok
    assert result.tables == {}
    assert result.rows_kept == 0
    assert result.error_count >= len(result.errors) >= 1


def assert_conforms(result: ParseResult) -> None:
    assert result.ok, [str(e) for e in result.errors]
    for name, table in result.tables.items():
        assert table.schema.equals(contract.table(name).schema), (name, table.schema)


def column_values(table: pa.Table) -> set[str]:
    """Every value of every column, as text."""
    values: set[str] = set()
    for column in table.columns:
        values.update(str(v) for v in column.to_pylist() if v is not None)
    return values
