"""Errors name the physical line of the file, whatever lines the readers skip or count: blank
lines (which Arrow's CSV reader drops silently), CRLF, lone carriage returns, and blocks cut
anywhere. And the two fast checks every block goes through agree with their slow forms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capsante.ingest.connectors.am_tables.parser import parse_am_table
from capsante.ingest.parsing import count_lines, is_utf8

HEADER = b"code_commune;mois;type_document;documents"
GOOD = b"72181;2025-03;11490-0;6402"


def _file(rows: list[bytes], newline: bytes) -> bytes:
    return newline.join([HEADER, *rows]) + newline


def _error_lines(data: bytes, chunk_size: int | None = None) -> list[int | None]:
    result = parse_am_table(data, "am_dmp_documents", name="f.csv", chunk_size=chunk_size)
    assert not result.ok
    return [error.line for error in result.errors]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
@pytest.mark.parametrize("chunk_size", [None, 64])  # one block, or blocks of a few lines
def test_an_error_after_blank_lines_names_its_own_line(newline, chunk_size):
    rows = [GOOD.replace(b"72181", b"7218%d" % i) for i in range(6)]
    # Lines 2–3 good, 4 blank, 5 good, 6–7 blank, 8 good, 9 wrong month, 10 good, 11 blank.
    rows[2:2] = [b""]
    rows[4:4] = [b"", b""]
    rows.insert(7, b"72100;2025-13;11490-0;1")
    rows.append(b"")
    assert _error_lines(_file(rows, newline), chunk_size) == [9]


@pytest.mark.parametrize("chunk_size", [None, 64])
def test_an_error_after_lines_without_blanks_names_its_own_line(chunk_size):
    rows = [GOOD.replace(b"72181", b"721%02d" % i) for i in range(12)]
    rows[10] = b"72110;2025-03;11490-0;beaucoup"
    assert _error_lines(_file(rows, b"\r\n"), chunk_size) == [12]


def test_a_row_cut_by_a_lone_carriage_return_names_both_halves_lines():
    data = _file([GOOD, b"72182;2025-03\r11490-0;5", GOOD.replace(b"72181", b"72183")], b"\n")
    # The CR is a line break: line 3 is « 72182;2025-03 », line 4 « 11490-0;5 ».
    assert _error_lines(data) == [3, 4]


_BREAKS = st.lists(st.sampled_from([b"a", b";", b"\n", b"\r", b"\r\n", b"\n\r", b"\xc3\xa9"]))


@given(parts=_BREAKS)
def test_line_breaks_are_counted_as_lf_plus_lone_crs(parts):
    data = b"".join(parts)
    assert count_lines(data) == data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "Laval, Château-Gontier — 72 % ✓ 😀".encode(),
        b"\xe9",  # Latin-1 é
        b"\xed\xa0\x80",  # a surrogate
        b"\xc0\xaf",  # an overlong slash
        b"\xf4\x90\x80\x80",  # past U+10FFFF
        b"abc\xc3",  # cut in the middle of a character
    ],
)
def test_the_fast_utf8_check_agrees_with_python_on_hard_cases(data):
    assert is_utf8(data) == _decodes(data)


@given(data=st.binary(max_size=12))
def test_the_fast_utf8_check_agrees_with_python_on_any_bytes(data):
    assert is_utf8(data) == _decodes(data)
