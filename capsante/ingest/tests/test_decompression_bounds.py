"""Compressed files are read within bounds: a "zip bomb" (a small file that decompresses to far
more than any real extract) is refused with a French message naming the file, after reading no
more than the bound — gzip, ZIP and XLSX alike. The bombs are made here, streamed to disk."""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from capsante.ingest import parsing
from capsante.ingest.connectors.survey import parser as survey
from capsante.ingest.parsing import RowError, open_source
from capsante.ingest.registry import CONNECTORS

MiB = 1024 * 1024
SAMPLES = Path(__file__).resolve().parents[1] / "connectors/am_tables/tests/samples"
HEADER = b"code_commune;mois;beneficiaires;comptes_actives;espaces_alimentes\n"
ROW = b"72181;2025-01;143512;52870;118204\n"


def repeated(line: bytes, size: int) -> bytes:
    return line * (size // len(line))


ZEROS = b"0"  # deflate's best case: over 1000 to 1 (one long line)


def gzip_bomb(path: Path, decompressed: int, head: bytes = b"", line: bytes = ROW) -> Path:
    """A gzip file of `decompressed` bytes of `line`, written block by block."""
    block = repeated(line, MiB)
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(head)
        for _ in range(decompressed // len(block)):
            out.write(block)
    return path


def zip_bomb(path: Path, decompressed: int) -> Path:
    block = repeated(ZEROS, MiB)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("extraction.csv", "w", force_zip64=True) as member:
            member.write(HEADER)
            for _ in range(decompressed // len(block)):
                member.write(block)
    return path


def read_all(stream) -> int:
    total = 0
    while chunk := stream.read(MiB):
        total += len(chunk)
    return total


def test_the_bound_follows_the_compressed_size():
    assert parsing.decompression_limit(0) == parsing.MAX_DECOMPRESSED_BYTES
    assert parsing.decompression_limit(1000) == parsing.RATIO_ALLOWANCE
    assert parsing.decompression_limit(10 * MiB) == 100 * 10 * MiB
    assert parsing.decompression_limit(10**12) == parsing.MAX_DECOMPRESSED_BYTES


def test_a_gzip_bomb_is_refused_once_past_the_bound(tmp_path):
    bomb = gzip_bomb(tmp_path / "activations.csv.gz", 512 * MiB, line=ZEROS)
    assert bomb.stat().st_size < MiB  # over 500 times smaller than what it holds
    limit = parsing.decompression_limit(bomb.stat().st_size)
    assert limit == parsing.RATIO_ALLOWANCE
    stream = open_source(bomb, "activations.csv.gz")
    given = 0
    with pytest.raises(RowError) as refused:
        while chunk := stream.read(MiB):
            given += len(chunk)
    assert given <= limit
    assert str(refused.value) == (
        "activations.csv.gz : le fichier gzip dépasse 64 Mo une fois décompressé : fichier "
        "refusé (archive trop volumineuse ou piégée). Déposez le fichier sans compression, "
        "ou découpé."
    )


def test_a_zip_bomb_is_refused_by_its_declared_size_before_reading(tmp_path):
    bomb = zip_bomb(tmp_path / "activations.zip", 256 * MiB)
    started = time.monotonic()
    with pytest.raises(RowError, match="le fichier de l'archive ZIP dépasse 64 Mo"):
        open_source(bomb, "activations.zip")
    assert time.monotonic() - started < 1  # refused from the directory, nothing inflated


def test_the_import_refuses_a_bomb_with_a_message_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(parsing, "RATIO_ALLOWANCE", 2 * MiB)
    monkeypatch.setattr(parsing, "MAX_COMPRESSION_RATIO", 1)
    bomb = gzip_bomb(tmp_path / "upload-1234.csv.gz", 64 * MiB, head=HEADER)
    result = CONNECTORS["am-mes"].parse(bomb, name="activations-mes.csv.gz")
    assert not result.tables
    assert [str(e) for e in result.errors] == [
        "activations-mes.csv.gz : le fichier gzip dépasse 2 Mo une fois décompressé : fichier "
        "refusé (archive trop volumineuse ou piégée). Déposez le fichier sans compression, "
        "ou découpé."
    ]


def test_a_real_compressed_extract_is_read_whole(tmp_path):
    csv = (SAMPLES / "am_mes_activations_2025T1.csv").read_bytes()
    packed = tmp_path / "activations.csv.gz"
    packed.write_bytes(gzip.compress(csv))
    plain = CONNECTORS["am-mes"].parse(csv, name="activations.csv")
    result = CONNECTORS["am-mes"].parse(packed, name="activations.csv.gz")
    assert not result.errors and result.rows_kept == plain.rows_kept > 0


def xlsx_bomb(path: Path, sheet_size: int) -> Path:
    """The parts of a workbook, its sheet a very large run of cells."""
    cell = b"<c><v>1</v></c>"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet><sheetData><row>")
            block = repeated(cell, MiB)
            for _ in range(sheet_size // len(block)):
                sheet.write(block)
            sheet.write(b"</row></sheetData></worksheet>")
    return path


def test_an_xlsx_bomb_is_refused_before_the_workbook_is_opened(tmp_path, monkeypatch):
    monkeypatch.setattr(survey, "MAX_XLSX_DECOMPRESSED", 4 * MiB)
    bomb = xlsx_bomb(tmp_path / "enquete.xlsx", 16 * MiB)
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: opened.append(1))
    result = survey.parse_survey(
        bomb.read_bytes(), mapping={"FINESS": "finess_et"}, survey="s", name="enquete.xlsx"
    )
    assert opened == []
    assert [str(e) for e in result.errors] == [
        "enquete.xlsx : classeur Excel de 16 Mo une fois décompressé (au plus 4 Mo) : fichier "
        "refusé, archive trop volumineuse ou piégée"
    ]


def test_the_bounds_read_the_environment(tmp_path):
    """CAPSANTE_IMPORT_MAX_DECOMPRESSED_MB sets the absolute bound (read at start)."""
    code = "from capsante.ingest import parsing; print(parsing.MAX_DECOMPRESSED_BYTES)"
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={"CAPSANTE_IMPORT_MAX_DECOMPRESSED_MB": "100", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(run.stdout) == 100 * MiB
