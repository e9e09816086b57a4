"""Survey answers exported from usual tools (CSV of any separator/encoding, or XLSX) → ``survey_answers``.

Columns are mapped one by one with ``mapping = {source column header: target field}``; yes/no
answers are normalised ("Oui", "O", "1", "Yes", "x" / "Non", "0", empty…), anything else is an
error. Line numbers are the file's physical lines (CSV) or the spreadsheet's row numbers (XLSX).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import closing

import numpy as np
import pyarrow as pa

from ... import contract
from ...parsing import (
    ErrorCollector,
    ParseResult,
    RowError,
    SourceInput,
    decode_bytes,
    detect_separator,
    display_name,
    finish,
    shown,
    size_text,
)
from ...tabular import (
    FINESS_PATTERN,
    LINE,
    Batch,
    FieldSpec,
    Reporter,
    match_header,
    report_duplicates,
    validate,
)

MAX_SIZE = 50 * 1024 * 1024
# A workbook is a ZIP of XML files: what it declares once decompressed is bounded before openpyxl
# opens it (zipfile then never gives more than a member declares).
MAX_XLSX_DECOMPRESSED = 512 * 1024 * 1024
BOOLEAN_FIELDS = (
    "has_fax",
    "has_mss",
    "uses_mss",
    "telehealth_equipped",
    "telehealth_in_use",
    "mss_kit",
)
TARGETS = ("finess_et", "answered_on", *BOOLEAN_FIELDS)
YES = ("oui", "o", "1", "yes", "y", "x", "vrai", "true", "ok")
NO = ("non", "n", "0", "no", "faux", "false", "")

Rows = Iterator[tuple[int, list[str]]]


def _spec(target: str, header: str) -> FieldSpec:
    if target == "finess_et":
        return FieldSpec(
            target, (header,), required=True, upper=True, pattern=FINESS_PATTERN,
            pattern_hint="9 caractères", invalid_label="numéro FINESS invalide",
        )  # fmt: skip
    if target == "answered_on":
        return FieldSpec(target, (header,), kind="date")
    return FieldSpec(
        target, (header,), kind="boolean", true_values=YES, false_values=NO, empty_is_false=True
    )


def _check_mapping(mapping: Mapping[str, str], survey: str) -> None:
    unknown = sorted(set(mapping.values()) - set(TARGETS))
    if unknown:
        raise ValueError(f"champs cibles inconnus : {unknown} (possibles : {list(TARGETS)})")
    if "finess_et" not in mapping.values():
        raise ValueError("la correspondance doit indiquer la colonne du FINESS (finess_et)")
    if len(set(mapping.values())) != len(mapping):
        raise ValueError("un champ cible est associé à plusieurs colonnes")
    if not survey.strip():
        raise ValueError("identifiant d'enquête (survey) vide")


# --------------------------------------------------------------------------- rows of the file


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        return "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return False


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes, file: str, sheet: str | None) -> Rows:
    # lazy: only spreadsheets need openpyxl, slow to import for every CSV.
    from openpyxl import load_workbook

    try:
        declared = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except zipfile.BadZipFile as exc:
        raise RowError(file, None, None, "classeur Excel illisible ou endommagé") from exc
    if declared > MAX_XLSX_DECOMPRESSED:
        raise RowError(
            file,
            None,
            None,
            f"classeur Excel de {size_text(declared)} une fois décompressé (au plus "
            f"{size_text(MAX_XLSX_DECOMPRESSED)}) : fichier refusé, archive trop volumineuse ou "
            "piégée",
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise RowError(file, None, None, "classeur Excel illisible ou endommagé") from exc
    with closing(workbook):
        if sheet is not None and sheet not in workbook.sheetnames:
            raise RowError(file, None, None, f"onglet introuvable : {shown(sheet)}")
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(value) for value in row]


def _csv_rows(data: bytes, file: str, result: ParseResult) -> Rows:
    text, result.encoding = decode_bytes(data, file)
    if not text.strip():
        raise RowError(file, None, None, "fichier vide")
    header = text.split("\n", 1)[0].rstrip("\r")
    separator = detect_separator(header, file)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            yield line, row
    except csv.Error as exc:
        raise RowError(file, reader.line_num, None, f"ligne CSV illisible : {exc}") from exc


def _raw_bytes(source: SourceInput, file: str) -> bytes:
    """The whole file (a spreadsheet is a ZIP: no archive unwrapping here)."""
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            data = stream.read(MAX_SIZE + 1)
    else:
        data = source.read(MAX_SIZE + 1)
    if len(data) > MAX_SIZE:
        raise RowError(file, None, None, "fichier trop volumineux pour une enquête (plus de 50 Mo)")
    return data


# --------------------------------------------------------------------------- columns


def _width_reason(actual: int, expected: int) -> str:
    if actual < expected:
        return f"ligne tronquée : {actual} champs au lieu de {expected}"
    return f"nombre de champs incorrect : {actual} champs au lieu de {expected}"


def _columns(
    rows: Rows, specs: list[FieldSpec], file: str, errors: ErrorCollector, *, strict_width: bool
) -> tuple[Batch | None, int]:
    first = next(rows, None)
    if first is None:
        raise RowError(file, None, None, "fichier vide")
    header = [cell.strip() for cell in first[1]]
    positions = match_header(header, specs, file, errors)
    if errors:
        return None, 0
    values: dict[str, list[str]] = {target: [] for target in positions}
    errors_before = errors.count
    lines: list[int] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if strict_width and len(row) != len(header):
            errors.add(RowError(file, line, None, _width_reason(len(row), len(header))))
            continue
        lines.append(line)
        for target, index in positions.items():
            values[target].append(row[index] if index < len(row) else "")
    columns = {target: pa.array(vals, pa.string()) for target, vals in values.items()}
    headers = {target: header[index] for target, index in positions.items()}
    return Batch(columns, np.asarray(lines, dtype=np.int64), headers), len(
        lines
    ) + errors.count - errors_before


def parse_survey(
    source: SourceInput,
    *,
    mapping: Mapping[str, str],
    survey: str,
    name: str | None = None,
    sheet: str | None = None,
    known_finess: Collection[str] | None = None,
) -> ParseResult:
    """Parse survey answers; ``mapping`` = {source header: target field}, ``survey`` = slug.

    With ``known_finess`` (the establishments of the FINESS registry), an answer for an
    establishment the registry does not know is an error: it could only be a typing mistake.
    """
    _check_mapping(mapping, survey)
    file = display_name(source, name)
    result = ParseResult("survey", file)
    errors = ErrorCollector()
    specs = [_spec(target, header) for header, target in mapping.items()]
    try:
        data = _raw_bytes(source, file)
        xlsx = _is_xlsx(data)
        rows = _xlsx_rows(data, file, sheet) if xlsx else _csv_rows(data, file, result)
        batch, result.rows_read = _columns(rows, specs, file, errors, strict_width=not xlsx)
    except RowError as exc:
        errors.add(exc)
        return finish(result, errors, {})
    if batch is None:
        return finish(result, errors, {})
    reporter = Reporter(file, errors, batch.lines)
    typed = validate(batch, [*specs, *_unmapped(mapping)], reporter)
    rejected = int(reporter.bad.sum())
    rejected += report_duplicates(
        typed.select(["finess_et", LINE]), ["finess_et"], file, errors,
        label="établissement", column=batch.headers.get("finess_et"),
    )  # fmt: skip
    if known_finess is not None:
        rejected += _check_known_finess(typed, set(known_finess), file, errors, batch.headers)
    if errors:
        return finish(result, errors, {}, rows_rejected=rejected)
    typed = typed.append_column("survey", pa.array([survey] * typed.num_rows, pa.string()))
    answers = contract.conform("survey_answers", typed)
    result.rows_kept = answers.num_rows
    return finish(result, errors, {"survey_answers": answers})


def _check_known_finess(
    typed: pa.Table, known: set[str], file: str, errors: ErrorCollector, headers: Mapping
) -> int:
    unknown = 0
    for finess, line in zip(
        typed.column("finess_et").to_pylist(), typed.column(LINE).to_pylist(), strict=True
    ):
        if finess and finess not in known:
            unknown += 1
            errors.add(
                RowError(
                    file,
                    line,
                    headers.get("finess_et"),
                    f"établissement inconnu du répertoire FINESS : {shown(finess)}",
                )
            )
    return unknown


def _unmapped(mapping: Mapping[str, str]) -> list[FieldSpec]:
    """Fields the survey did not ask: null columns of the right type."""
    missing = [t for t in TARGETS if t not in mapping.values()]
    return [
        FieldSpec(t, (t,), kind="date" if t == "answered_on" else "boolean", header_required=False)
        for t in missing
    ]
