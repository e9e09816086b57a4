"""Random damage to the samples: parsers answer with located errors, never crash, never half-succeed."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capsante.ingest import contract, registry
from capsante.ingest.parsing import ParseResult, RowError, count_lines
from capsante.ingest.tests.helpers import sample
from capsante.ingest.tests.test_registry import CASES

Parser = Callable[..., ParseResult]


# Other real formats the same connectors accept.
VARIANTS = {
    "finess-plus-json": (
        "finess",
        sample("finess", "finess-structures-journalier-20260309.json"),
        {},
    ),
    "ins-fhir-bundle": (
        "ins-fhir",
        sample("ins_fhir", "bundle-identites.json"),
        {"period": "2025-04"},
    ),
    "rpps-2025-layout": (
        "rpps",
        sample("rpps", "PS_LibreAcces_Personne_activite_202603010700.txt"),
        {},
    ),
}


def _parser(name: str) -> tuple[Parser, bytes]:
    if name in VARIANTS:
        connector, path, options = VARIANTS[name]
    else:
        connector = name
        path, options = CASES[name]
    return partial(registry.get(connector).parse, **options), path.read_bytes()


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    for _ in range(draw(st.integers(1, 3))):
        data = draw(_one_damage(data))
    return data


def _one_damage(data: bytes) -> st.SearchStrategy[bytes]:
    size = max(len(data), 1)
    position = st.integers(0, size)
    lines = data.splitlines(keepends=True) or [b""]
    line = st.integers(0, len(lines) - 1)
    return st.one_of(
        position.map(lambda i: data[:i]),  # truncated file
        st.tuples(position, position).map(lambda ij: data[: min(ij)] + data[max(ij) :]),
        st.tuples(position, st.binary(min_size=1, max_size=12)).map(
            lambda p: data[: p[0]] + p[1] + data[p[0] :]
        ),
        st.tuples(position, st.text(min_size=1, max_size=12)).map(
            lambda p: data[: p[0]] + p[1].encode() + data[p[0] :]
        ),
        st.tuples(
            position, st.sampled_from([b";", b"|", b",", b"\t", b"\n", b"\r", b'"', b"{"])
        ).map(lambda p: data[: p[0]] + p[1] + data[p[0] + 1 :]),
        line.map(lambda i: b"".join(lines[: i + 1] + lines[i:])),  # duplicated line
        st.tuples(line, line).map(lambda ij: _swap(lines, *ij)),
        position.map(lambda i: data[:i] + b"x" * 70_000 + data[i:]),  # huge field
    )


def _swap(lines: list[bytes], i: int, j: int) -> bytes:
    swapped = list(lines)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    return b"".join(swapped)


def _check(result: ParseResult, damaged_data: bytes, name: str) -> None:
    assert isinstance(result, ParseResult)
    if result.ok:
        assert result.errors == []
        for table, data in result.tables.items():
            assert data.schema.equals(contract.table(table).schema)
        return
    assert result.tables == {}, "a refused file must not return any row"
    assert result.rows_kept == 0
    assert result.errors and result.error_count >= len(result.errors)
    last_line = count_lines(damaged_data) + 1
    for error in result.errors:
        assert isinstance(error, RowError)
        assert error.file == name
        assert isinstance(error.reason, str) and error.reason
        assert error.line is None or 1 <= error.line <= last_line, (error, last_line)


@pytest.mark.parametrize("connector", sorted(CASES) + sorted(VARIANTS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_samples_give_located_errors_or_valid_tables(connector, data):
    parse, original = _parser(connector)
    broken = data.draw(damaged(original))
    _check(parse(broken, name="abîmé.txt"), broken, "abîmé.txt")
