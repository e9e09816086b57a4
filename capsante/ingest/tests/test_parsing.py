from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from capsante.ingest.parsing import (
    BlockReader,
    ErrorCollector,
    ParseResult,
    RowError,
    SourceRejected,
    decode_bytes,
    detect_separator,
    open_source,
    shown,
)


def blocks(data: bytes, *, chunk_size: int = 8, cut_on_cr: bool = False):
    errors = ErrorCollector()
    reader = BlockReader(
        io.BytesIO(data), "f.txt", errors, chunk_size=chunk_size, cut_on_cr=cut_on_cr
    )
    return [(block.first_line, block.data) for block in reader], reader, errors


def test_row_error_reads_as_a_french_sentence():
    error = RowError("rpps.txt", 12, "Code profession", "valeur manquante")
    assert str(error) == "rpps.txt, ligne 12, colonne « Code profession » : valeur manquante"
    assert str(RowError("x.csv", None, None, "fichier vide")) == "x.csv : fichier vide"
    assert error.as_dict() == {
        "file": "rpps.txt",
        "line": 12,
        "column": "Code profession",
        "reason": "valeur manquante",
    }


def test_refused_result_raises_with_the_error_count():
    result = ParseResult("rpps", "rpps.txt", error_count=3)
    with pytest.raises(SourceRejected, match="rpps.txt : fichier refusé, 3 erreur"):
        result.raise_for_errors()


def test_values_in_messages_are_short_and_printable():
    assert shown("a\x00b") == "a?b"
    assert shown("x" * 100) == "x" * 60 + "…"
    assert shown("<script>") == "<script>"


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        ("\ufeffcafé;thé".encode(), "utf-8", "café;thé"),
        ("café;thé".encode(), "utf-8", "café;thé"),
        ("café;thé".encode("cp1252"), "cp1252", "café;thé"),
        ("l’été".encode("cp1252"), "cp1252", "l’été"),  # cp1252 quote, not Latin-1
        (b"plain ascii", "utf-8", "plain ascii"),
    ],
)
def test_encoding_detection(data, encoding, text):
    assert decode_bytes(data, "f.csv") == (text, encoding)


def test_latin1_accent_after_a_long_ascii_start_is_still_latin1():
    data = b"a;b\n" * 10 + "é;è\n".encode("cp1252")
    found, reader, errors = blocks(data)
    assert not errors
    assert reader.encoding == "cp1252"
    assert b"".join(d for _, d in found).decode() == "a;b\n" * 10 + "é;è\n"


def test_mixed_encodings_are_an_error_at_the_first_offending_line():
    data = "é;1\n".encode() + b"x;2\n" + "è;3\n".encode("cp1252")
    _, _, errors = blocks(data, chunk_size=1 << 20)
    assert [(e.line, e.reason[:19]) for e in errors.errors] == [(3, "encodage incohérent")]


def test_binary_data_is_refused():
    with pytest.raises(RowError, match="fichier binaire"):
        blocks(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(RowError, match="fichier binaire"):
        decode_bytes(bytes(range(256)), "x.csv")


def test_nul_byte_later_in_the_file_names_its_line():
    with pytest.raises(RowError) as caught:
        blocks(b"a\nb\nc\x00\n", chunk_size=2)
    assert caught.value.line == 3


def test_blocks_hold_whole_lines_and_know_their_first_line():
    found, _, _ = blocks(b"l1\r\nl2\r\nl3\r\nl4\n", chunk_size=5)
    assert b"".join(d for _, d in found) == b"l1\r\nl2\r\nl3\r\nl4\n"
    for first_line, data in found:
        assert data.endswith(b"\n")
        assert data.split(b"\r\n")[0].decode() == f"l{first_line}"


def test_lone_carriage_returns_cut_hl7_segments():
    found, _, _ = blocks(b"MSH|1\rPID|2\rMSH|3\rPID|4\r", chunk_size=7, cut_on_cr=True)
    assert [line for line, _ in found] == [1, 2, 3, 4]


def test_a_line_longer_than_the_limit_is_refused():
    errors = ErrorCollector()
    reader = BlockReader(io.BytesIO(b"x" * 5000), "f.txt", errors, chunk_size=100, max_line=1000)
    with pytest.raises(RowError, match="ligne trop longue"):
        list(reader)


def test_archives_are_opened():
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("data.txt", b"hello")
    assert open_source(packed.getvalue(), "a.zip").read() == b"hello"
    assert open_source(gzip.compress(b"hello"), "a.gz").read() == b"hello"


def test_archive_with_several_files_is_refused():
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("a.txt", b"1")
        archive.writestr("b.txt", b"2")
    with pytest.raises(RowError, match="un seul fichier, elle en contient 2"):
        open_source(packed.getvalue(), "a.zip")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a;b;c", ";"),
        ("a|b|c|", "|"),
        ("a\tb\tc", "\t"),
        ('"Question, avec virgule";"b";"c"', ";"),
        ("a,b,c", ","),
    ],
)
def test_separator_detection(header, expected):
    assert detect_separator(header, "f.csv") == expected


def test_header_without_separator():
    with pytest.raises(RowError, match="séparateur introuvable"):
        detect_separator("une seule colonne", "f.csv")


def test_error_collector_counts_beyond_its_limit():
    errors = ErrorCollector(limit=2)
    for line in range(5):
        errors.add(RowError("f", line, None, "x"))
    assert (len(errors.errors), errors.count, errors.full) == (2, 5, True)


def test_progress_reports_bytes_read_up_to_the_file_size(tmp_path):
    from capsante.ingest.connectors.rpps.parser import parse_rpps
    from capsante.ingest.tests.helpers import sample

    path = sample("rpps", "PS_LibreAcces_Personne_activite_202601150815.txt")
    calls: list[tuple[str, int, int]] = []
    result = parse_rpps(path, chunk_size=1000, progress=lambda *call: calls.append(call))
    assert result.ok
    size = path.stat().st_size
    assert len(calls) > 3
    assert all(
        step == "lecture et contrôle du fichier" and total == size for step, _, total in calls
    )
    done = [d for _, d, _ in calls]
    assert done == sorted(done) and done[-1] == size
