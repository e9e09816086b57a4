"""Delimited files (CSV, `|` extracts) read block by block with pyarrow, validated column-wise.

Rows are parsed by ``pyarrow.csv`` and checked with vectorised ``pyarrow.compute`` kernels: Python
only touches the rows that fail, to word their error. Every Arrow row keeps the physical line it
came from, so that messages still name file, line and column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import contract
from .parsing import (
    SEPARATORS,
    BlockReader,
    ErrorCollector,
    ParseResult,
    Progress,
    RowError,
    SourceInput,
    count_lines,
    detect_separator,
    display_name,
    finish,
    normalise_label,
    open_source,
    plural,
    plural_word,
    reporter,
    separator_name,
    shown,
)

PERIOD_PATTERN = r"[0-9]{4}-(0[1-9]|1[0-2])"
COMMUNE_PATTERN = r"[0-9][0-9AB][0-9]{3}"
FINESS_PATTERN = r"[0-9][0-9A-Z][0-9]{7}"
DEPARTEMENT_PATTERN = r"[0-9]{2}|2A|2B|97[1-8]|98[6-8]"
TRUE_VALUES = ("oui", "o", "1", "yes", "y", "x", "vrai", "true")
FALSE_VALUES = ("non", "n", "0", "no", "faux", "false")
LINE = "__line"

Known = Mapping[str, Collection[str]]


@dataclass(frozen=True)
class FieldSpec:
    """One source column: accepted headers, target staged column, type and constraints."""

    target: str
    headers: tuple[str, ...]
    kind: str = "string"  # string | integer | date | boolean
    required: bool = False
    header_required: bool = True
    pattern: str | None = None
    pattern_hint: str | None = None
    invalid_label: str = "format invalide"
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    max_length: int = 500
    upper: bool = False
    lower: bool = False
    slug: bool = False  # "À réaliser" → "a_realiser", for enums typed by hand
    known: str | None = None
    unknown_label: str = "valeur inconnue"
    true_values: tuple[str, ...] = TRUE_VALUES
    false_values: tuple[str, ...] = FALSE_VALUES
    empty_is_false: bool = False

    @property
    def column(self) -> str:
        return self.headers[0]


@dataclass
class Batch:
    """String columns (by target name) of consecutive rows, and the physical line of each row."""

    columns: dict[str, pa.Array]
    lines: np.ndarray
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def num_rows(self) -> int:
        return len(self.lines)


# --------------------------------------------------------------------------- header


def split_header(line: str, separator: str, quoting: bool) -> list[str]:
    if not quoting:
        return line.split(separator)
    return next(csv.reader([line], delimiter=separator), [])


def match_header(
    fields: Sequence[str], specs: Sequence[FieldSpec], file: str, errors: ErrorCollector
) -> dict[str, int]:
    """Target column → field index, matching header names loosely (case, accents, punctuation)."""
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(fields):
        positions.setdefault(normalise_label(name), []).append(index)
    found: dict[str, int] = {}
    for spec in specs:
        hits = [i for header in spec.headers for i in positions.get(normalise_label(header), [])]
        hits = sorted(set(hits))
        if len(hits) > 1:
            errors.add(RowError(file, 1, fields[hits[0]], "colonne présente plusieurs fois"))
        elif hits:
            found[spec.target] = hits[0]
        elif spec.header_required:
            errors.add(RowError(file, 1, spec.column, "colonne obligatoire absente de l'en-tête"))
    return found


# --------------------------------------------------------------------------- reading


class DelimitedReader:
    """Iterates over ``Batch`` objects of a delimited file with a header line."""

    def __init__(
        self,
        source: SourceInput,
        file: str,
        errors: ErrorCollector,
        specs: Sequence[FieldSpec],
        *,
        separators: Sequence[str] = SEPARATORS,
        preferred: str | None = None,
        quoting: bool = True,
        chunk_size: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.progress = progress
        self.source = source
        self.file = file
        self.errors = errors
        self.specs = specs
        self.separators = separators
        self.preferred = preferred
        self.quoting = quoting
        self.chunk_size = chunk_size
        self.separator = preferred or separators[0]
        self.encoding: str | None = None
        self.rows_read = 0
        self.field_count = 0
        self.positions: dict[str, int] = {}
        self.headers: dict[str, str] = {}

    def __iter__(self) -> Iterator[Batch]:
        stream = open_source(self.source, self.file)
        try:
            blocks = BlockReader(
                stream,
                self.file,
                self.errors,
                chunk_size=self.chunk_size,
                on_read=reporter(self.progress, self.source),
            )
            iterator = iter(blocks)
            first = next(iterator, None)
            if first is None or not first.data.strip():
                raise RowError(self.file, None, None, "fichier vide")
            data = self._read_header(first.data)
            self.encoding = blocks.encoding
            if not self.positions or self.errors:
                return
            header_breaks = count_lines(first.data[: len(first.data) - len(data)])
            yield from self._batches(first.first_line + 1, data, first.breaks - header_breaks)
            for block in iterator:
                yield from self._batches(block.first_line, block.data, block.breaks)
            self.encoding = blocks.encoding
        finally:
            stream.close()

    def _read_header(self, data: bytes) -> bytes:
        end = data.find(b"\n")
        raw = data if end < 0 else data[:end]
        rest = b"" if end < 0 else data[end + 1 :]
        header = raw.decode("utf-8").rstrip("\r")
        self.separator = detect_separator(
            header, self.file, candidates=self.separators, preferred=self.preferred
        )
        try:
            fields = split_header(header, self.separator, self.quoting)
            fields = self._align_trailing_separator(fields, rest)
        except csv.Error as exc:
            raise RowError(self.file, 1, None, f"en-tête illisible : {exc}") from exc
        self.field_count = len(fields)
        self.positions = match_header(fields, self.specs, self.file, self.errors)
        self.headers = {target: fields[index].strip() for target, index in self.positions.items()}
        return rest

    def _align_trailing_separator(self, fields: list[str], rest: bytes) -> list[str]:
        """Tolerate a header and rows that disagree on the trailing separator of ANS extracts."""
        end = rest.find(b"\n")
        first_row = (rest if end < 0 else rest[:end]).decode("utf-8", "replace").rstrip("\r")
        if not first_row:
            return fields
        row_count = len(split_header(first_row, self.separator, self.quoting))
        if row_count == len(fields) + 1 and first_row.endswith(self.separator):
            return [*fields, ""]
        if row_count == len(fields) - 1 and fields and fields[-1] == "":
            return fields[:-1]
        return fields

    def _batches(self, first_line: int, data: bytes, breaks: int) -> Iterator[Batch]:
        """The batch of `data`, lines from `first_line`; `breaks`: its line breaks."""
        if not data or data.isspace():  # isspace stops at the first letter; strip would copy
            return
        try:
            batch = self._arrow_batch(first_line, data, breaks)
        except (pa.ArrowInvalid, _LineMismatch):
            batch = self._python_batch(first_line, data)
        self.rows_read += batch.num_rows
        yield batch

    # -- fast path

    def _arrow_batch(self, first_line: int, data: bytes, breaks: int) -> Batch:
        table, invalid = self._arrow_read(data, threads=True)
        if invalid:
            # Arrow numbers invalid rows only when reading on one thread.
            table, invalid = self._arrow_read(data, threads=False)
        physical = breaks + (0 if data.endswith((b"\n", b"\r")) else 1)
        skipped = {number for number, _, _ in invalid}
        # Arrow skips empty lines without a word: only when its rows and those it refused fall
        # short of the block's lines is there one to find (searching a 32 MB block for them
        # took 50 ms every time; bench/RESULTS.md, 5 December, ninth session).
        if table.num_rows + len(invalid) < physical:
            skipped |= _blank_lines(data)
        for number, actual, text in invalid:
            if text.strip():
                self._field_count_error(first_line + number - 1, actual)
        lines = _row_lines(physical, skipped, table.num_rows) + (first_line - 1)
        wanted = {f"c{index}": target for target, index in self.positions.items()}
        columns = {wanted[name]: _flat(table.column(name)) for name in wanted}
        return Batch(columns, lines, self.headers)

    def _arrow_read(
        self, data: bytes, *, threads: bool
    ) -> tuple[pa.Table, list[tuple[int, int, str]]]:
        invalid: list[tuple[int, int, str]] = []

        def on_invalid(row: Any) -> str:
            invalid.append((row.number, row.actual_columns, row.text))
            return "skip"

        names = [f"c{i}" for i in range(self.field_count)]
        wanted = {f"c{index}": target for target, index in self.positions.items()}
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                column_names=names,
                use_threads=threads,
                # One Arrow block per thread-sized slice, or the whole block on one thread.
                block_size=(1 << 21) if threads else len(data) + 1,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.separator,
                quote_char='"' if self.quoting else False,
                newlines_in_values=False,
                ignore_empty_lines=True,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(wanted, pa.string()),
                include_columns=list(wanted),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        return table, invalid

    # -- slow path, for what Arrow refuses (odd quoting): same output, line by line

    def _python_batch(self, first_line: int, data: bytes) -> Batch:
        text = data.decode("utf-8")
        reader = csv.reader(
            io.StringIO(text, newline=""),
            delimiter=self.separator,
            quoting=csv.QUOTE_MINIMAL if self.quoting else csv.QUOTE_NONE,
        )
        values: dict[str, list[str]] = {target: [] for target in self.positions}
        lines: list[int] = []
        start = 1
        try:
            for row in reader:
                line = first_line + start - 1
                start = reader.line_num + 1
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != self.field_count:
                    self._field_count_error(line, len(row))
                    continue
                lines.append(line)
                for target, index in self.positions.items():
                    values[target].append(row[index])
        except csv.Error as exc:
            line = first_line + reader.line_num - 1
            self.errors.add(RowError(self.file, line, None, f"ligne CSV illisible : {exc}"))
        columns = {target: pa.array(vals, pa.string()) for target, vals in values.items()}
        return Batch(columns, np.asarray(lines, dtype=np.int64), self.headers)

    def _field_count_error(self, line: int, actual: int) -> None:
        expected = self.field_count
        if actual == 1 and expected > 1:
            reason = (
                f"ligne tronquée : 1 champ au lieu de {expected} "
                f"(séparateur attendu : {separator_name(self.separator)})"
            )
        elif actual < expected:
            reason = f"ligne tronquée : {actual} champs au lieu de {expected}"
        else:
            reason = f"nombre de champs incorrect : {actual} champs au lieu de {expected}"
        self.errors.add(RowError(self.file, line, None, reason))


class _LineMismatch(Exception):
    """Arrow's row count does not match the physical lines: use the line-by-line path."""


def _flat(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _blank_lines(data: bytes) -> set[int]:
    """1-based numbers of empty lines in a block (Arrow skips them): asked only of a block
    whose rows fall short of its lines (`_arrow_batch`)."""
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return {i + 1 for i, part in enumerate(parts) if part in (b"", b"\r")}


def _row_lines(physical: int, skipped: set[int], rows: int) -> np.ndarray:
    """The line (1-based, in the block of `physical` lines) of each of Arrow's `rows` rows."""
    if not skipped:
        lines = np.arange(1, rows + 1, dtype=np.int64)
    else:
        all_lines = np.arange(1, physical + 1, dtype=np.int64)
        lines = all_lines[~np.isin(all_lines, np.fromiter(skipped, dtype=np.int64))]
    if len(lines) < rows:
        raise _LineMismatch
    return lines[:rows]


# --------------------------------------------------------------------------- validation


class Reporter:
    """Turns boolean masks over a batch into located RowErrors (only failing rows are visited)."""

    def __init__(self, file: str, errors: ErrorCollector, lines: np.ndarray) -> None:
        self.file = file
        self.errors = errors
        self.lines = lines
        self.bad = np.zeros(len(lines), dtype=bool)

    def report(
        self,
        mask: pa.Array | np.ndarray,
        column: str | None,
        reason: Callable[[int], str],
    ) -> None:
        flags = _to_numpy_mask(mask)
        if not flags.any():
            return
        self.bad |= flags
        indices = np.flatnonzero(flags)
        room = max(self.errors.limit - len(self.errors.errors), 0)
        for index in indices[:room]:
            self.errors.add(RowError(self.file, int(self.lines[index]), column, reason(int(index))))
        self.errors.count += max(len(indices) - room, 0)


def _to_numpy_mask(mask: pa.Array | pa.ChunkedArray | np.ndarray) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return mask.astype(bool)
    filled = pc.fill_null(mask, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def _full(pattern: str) -> str:
    return f"^(?:{pattern})$"


def validate(
    batch: Batch,
    specs: Sequence[FieldSpec],
    reporter: Reporter,
    known: Known | None = None,
) -> pa.Table:
    """Typed columns for the batch; problems are reported through ``reporter``."""
    columns: dict[str, pa.Array] = {}
    for spec in specs:
        raw = batch.columns.get(spec.target)
        if raw is None:
            columns[spec.target] = pa.nulls(batch.num_rows, _arrow_type(spec))
            continue
        column = batch.headers.get(spec.target, spec.column)
        columns[spec.target] = _validate_column(raw, spec, column, reporter, known or {})
    columns[LINE] = pa.array(batch.lines, pa.int64())
    return pa.table(columns)


def _arrow_type(spec: FieldSpec) -> pa.DataType:
    return {"integer": pa.int64(), "date": pa.date32(), "boolean": pa.bool_()}.get(
        spec.kind, pa.string()
    )


def _validate_column(
    raw: pa.Array, spec: FieldSpec, column: str, reporter: Reporter, known: Known
) -> pa.Array:
    values = pc.utf8_trim_whitespace(raw)
    if spec.upper:
        values = pc.utf8_upper(values)
    if spec.lower:
        values = pc.utf8_lower(values)
    if spec.slug:
        values = slugify(values)
    present = pc.fill_null(pc.not_equal(values, ""), False)
    values = pc.if_else(present, values, pa.scalar(None, pa.string()))
    too_long = pc.greater(pc.utf8_length(values), spec.max_length)
    reporter.report(
        too_long,
        column,
        lambda i: (
            f"valeur trop longue : {len(values[i].as_py())} caractères (maximum {spec.max_length})"
        ),
    )
    values = pc.if_else(pc.fill_null(too_long, False), pa.scalar(None, pa.string()), values)
    if spec.required:
        reporter.report(pc.invert(present), column, lambda i: "valeur manquante")
    if spec.kind == "boolean":
        return _to_boolean(values, present, spec, column, reporter)
    # Messages quote the cell as the file has it (trimmed), not as it was normalised: « 2a… »
    # turned into « 2A… » to be compared, but the line to correct says « 2a… ».
    values = _check_codes(values, spec, column, reporter, known, pc.utf8_trim_whitespace(raw))
    if spec.kind == "integer":
        return _to_integer(values, spec, column, reporter)
    if spec.kind == "date":
        return _to_date(values, column, reporter)
    return values


_ACCENTS = {"[àáâä]": "a", "[éèêë]": "e", "[îï]": "i", "[ôö]": "o", "[ùûü]": "u", "ç": "c"}


def slugify(values: pa.Array) -> pa.Array:
    """Lower case, French accents removed, other punctuation turned into ``_``."""
    values = pc.utf8_lower(values)
    for pattern, plain in _ACCENTS.items():
        values = pc.replace_substring_regex(values, pattern, plain)
    values = pc.replace_substring_regex(values, "[^a-z0-9]+", "_")
    return pc.utf8_trim(values, "_")


def _check_codes(
    values: pa.Array,
    spec: FieldSpec,
    column: str,
    reporter: Reporter,
    known: Known,
    as_written: pa.Array,
) -> pa.Array:
    def quoted(i: int) -> str:
        return shown(as_written[i].as_py())

    if spec.pattern:
        bad = pc.invert(pc.match_substring_regex(values, _full(spec.pattern)))
        hint = f" (attendu : {spec.pattern_hint})" if spec.pattern_hint else ""
        reporter.report(bad, column, lambda i: f"{spec.invalid_label} : {quoted(i)}{hint}")
        values = pc.if_else(pc.fill_null(bad, False), pa.scalar(None, pa.string()), values)
    if spec.enum is not None:
        bad = pc.invert(pc.is_in(values, value_set=pa.array(spec.enum, pa.string())))
        bad = pc.and_(bad, pc.is_valid(values))
        allowed = ", ".join(spec.enum)
        reporter.report(
            bad,
            column,
            lambda i: f"{spec.invalid_label} : {quoted(i)} (valeurs possibles : {allowed})",
        )
    if spec.known and spec.known in known:
        value_set = pa.array(sorted(known[spec.known]), pa.string())
        bad = pc.and_(pc.invert(pc.is_in(values, value_set=value_set)), pc.is_valid(values))
        reporter.report(bad, column, lambda i: f"{spec.unknown_label} : {quoted(i)}")
    return values


def _to_integer(values: pa.Array, spec: FieldSpec, column: str, reporter: Reporter) -> pa.Array:
    # French exports write thousands with (narrow) no-break spaces.
    compact = pc.replace_substring_regex(values, r"[ \x{00A0}\x{202F}]", "")
    well_formed = pc.match_substring_regex(compact, r"^-?[0-9]{1,18}$")
    bad = pc.invert(well_formed)
    reporter.report(bad, column, lambda i: f"nombre entier attendu : {shown(values[i].as_py())}")
    numbers = pc.cast(pc.if_else(pc.fill_null(well_formed, False), compact, None), pa.int64())
    if spec.minimum is not None:
        low = pc.less(numbers, spec.minimum)
        reporter.report(
            low,
            column,
            lambda i: f"valeur inférieure au minimum ({spec.minimum}) : {numbers[i].as_py()}",
        )
    return numbers


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d")


def _to_date(values: pa.Array, column: str, reporter: Reporter) -> pa.Array:
    # Exports often add a time ("2025/03/14 10:12:33", "2025-03-14T10:12"): the day is enough.
    day = pc.replace_substring_regex(values, r"^(\S+)(?:[ T][0-9]{1,2}:[0-9]{2}.*)$", r"\1")
    parsed = None
    for fmt in DATE_FORMATS:
        candidate = pc.strptime(day, format=fmt, unit="s", error_is_null=True)
        # strptime rolls 2024-02-30 over to March: a round trip rejects impossible dates.
        same = pc.equal(pc.strftime(candidate, format=fmt), day)
        candidate = pc.if_else(pc.fill_null(same, False), candidate, None)
        parsed = candidate if parsed is None else pc.coalesce(parsed, candidate)
    assert parsed is not None
    bad = pc.and_(pc.is_valid(values), pc.is_null(parsed))
    reporter.report(
        bad,
        column,
        lambda i: (
            f"date invalide : {shown(values[i].as_py())} (format attendu AAAA-MM-JJ ou JJ/MM/AAAA)"
        ),
    )
    return pc.cast(parsed, pa.date32())


def _to_boolean(
    values: pa.Array, present: pa.Array, spec: FieldSpec, column: str, reporter: Reporter
) -> pa.Array:
    lowered = pc.utf8_lower(values)
    is_true = pc.is_in(lowered, value_set=pa.array(spec.true_values, pa.string()))
    is_false = pc.is_in(lowered, value_set=pa.array(spec.false_values, pa.string()))
    bad = pc.and_(present, pc.invert(pc.or_(is_true, is_false)))
    reporter.report(bad, column, lambda i: f"valeur oui/non attendue : {shown(values[i].as_py())}")
    result = pc.if_else(is_true, True, pc.if_else(is_false, False, None))
    if spec.empty_is_false:
        result = pc.if_else(present, result, False)
    return pc.cast(result, pa.bool_())


# --------------------------------------------------------------------------- duplicates


def report_duplicates(
    keys: pa.Table,
    key_columns: Sequence[str],
    file: str,
    errors: ErrorCollector,
    *,
    label: str,
    column: str | None,
) -> int:
    """A located error on every repeated key, naming the line where the key first appeared."""
    if keys.num_rows == 0:
        return 0
    grouped = keys.group_by(list(key_columns), use_threads=False).aggregate([(LINE, "list")])
    lengths = pc.list_value_length(grouped[f"{LINE}_list"])
    repeated = grouped.filter(pc.greater(lengths, 1))
    rejected = 0
    for group in repeated.to_pylist():
        lines = sorted(group[f"{LINE}_list"])
        value = " / ".join(shown(group[col]) for col in key_columns)
        for line in lines[1:]:
            rejected += 1
            errors.add(
                RowError(
                    file,
                    line,
                    column,
                    f"{label} en double : {value} (déjà présent ligne {lines[0]})",
                )
            )
    return rejected


def merge_duplicates(data: pa.Table, key_columns: Sequence[str]) -> tuple[pa.Table, int]:
    """Keep the first row of each key (used where the source repeats rows by design).

    On one thread: on both cores it took as long (2 M rows of the RPPS extract, 4.9–5.6 s for
    the whole parse either way) and 100–140 MB more (bench/RESULTS.md, 5 December, ninth
    session)."""
    grouped = data.group_by(list(key_columns), use_threads=False).aggregate([(LINE, "min")])
    if grouped.num_rows == data.num_rows:
        return data, 0
    keep = pc.is_in(data[LINE], value_set=grouped[f"{LINE}_min"])
    return data.filter(keep), data.num_rows - grouped.num_rows


# --------------------------------------------------------------------------- Table Schema


def load_table_schema(path: Path) -> tuple[dict[str, Any], list[FieldSpec]]:
    """A frictionless Table Schema file and the FieldSpecs it describes.

    Our extension properties: ``capsante:column`` (staged column), ``capsante:known`` (name of a
    set of known codes given to the parser), ``capsante:invalid`` / ``capsante:unknown`` / ``capsante:hint``
    (French wording of errors).
    """
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    return descriptor, [_spec_from_field(item) for item in descriptor["fields"]]


def _spec_from_field(item: Mapping[str, Any]) -> FieldSpec:
    constraints = item.get("constraints", {})
    spec = FieldSpec(
        target=item.get("capsante:column", item["name"]),
        headers=(item["name"], *item.get("capsante:aliases", ())),
        kind=item.get("type", "string"),
        required=bool(constraints.get("required", False)),
        pattern=constraints.get("pattern"),
        enum=tuple(constraints["enum"]) if "enum" in constraints else None,
        minimum=constraints.get("minimum"),
        max_length=constraints.get("maxLength", 500),
        known=item.get("capsante:known"),
        invalid_label=item.get("capsante:invalid", "format invalide"),
        unknown_label=item.get("capsante:unknown", "valeur inconnue"),
        pattern_hint=item.get("capsante:hint"),
        upper=bool(item.get("capsante:upper", False)),
        slug=bool(item.get("capsante:slug", False)),
    )
    if spec.kind == "boolean":
        spec = replace(
            spec,
            true_values=tuple(v.lower() for v in item.get("trueValues", TRUE_VALUES)),
            false_values=tuple(v.lower() for v in item.get("falseValues", FALSE_VALUES)),
        )
    return spec


# --------------------------------------------------------------------------- whole-file runner

RowCheck = Callable[[pa.Table, Reporter], None]
Transform = Callable[[pa.Table], pa.Table]


@dataclass(frozen=True)
class TabularJob:
    """How one connector reads a delimited file into one staged table."""

    connector: str
    table: str
    specs: tuple[FieldSpec, ...]
    duplicate_label: str
    duplicates: str = "error"  # "error": a repeated key rejects the file; "merge": keep first
    key_columns: tuple[str, ...] | None = None
    separators: tuple[str, ...] = SEPARATORS
    preferred: str | None = None
    quoting: bool = True
    row_checks: tuple[RowCheck, ...] = ()
    transform: Transform | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return self.key_columns or contract.table(self.table).key_columns


def run_tabular(
    job: TabularJob,
    source: SourceInput,
    *,
    name: str | None = None,
    known: Known | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> ParseResult:
    file = display_name(source, name)
    result = ParseResult(job.connector, file)
    errors = ErrorCollector()
    reader = DelimitedReader(
        source,
        file,
        errors,
        job.specs,
        separators=job.separators,
        preferred=job.preferred,
        quoting=job.quoting,
        chunk_size=chunk_size,
        progress=progress,
    )
    parts, key_parts, rejected = _read_batches(job, reader, file, errors, known)
    result.rows_read = reader.rows_read
    result.encoding = reader.encoding
    if key_parts and not errors.full:
        column = reader.headers.get(job.keys[0]) if len(job.keys) == 1 else None
        rejected += report_duplicates(
            pa.concat_tables(key_parts),
            job.keys,
            file,
            errors,
            label=job.duplicate_label,
            column=column,
        )
    if errors:
        return finish(result, errors, {}, rows_rejected=rejected)
    return finish(result, errors, {job.table: _assemble(job, parts, result)})


def _read_batches(
    job: TabularJob,
    reader: DelimitedReader,
    file: str,
    errors: ErrorCollector,
    known: Known | None,
) -> tuple[list[pa.Table], list[pa.Table], int]:
    """(typed batches, key columns of every batch, rows rejected). Once an error is found the
    typed batches are dropped (the file will be refused) but keys are still gathered, so that
    duplicates are reported along with the other errors."""
    parts: list[pa.Table] = []
    key_parts: list[pa.Table] = []
    rejected = 0
    try:
        for batch in reader:
            located = Reporter(file, errors, batch.lines)
            typed = validate(batch, job.specs, located, known)
            for check in job.row_checks:
                check(typed, located)
            rejected += int(located.bad.sum())
            if job.duplicates == "error":
                key_parts.append(typed.select([*job.keys, LINE]))
            if errors:
                parts.clear()
            else:
                parts.append(typed)
    except RowError as exc:
        errors.add(exc)
    return parts, key_parts, rejected


def _assemble(job: TabularJob, parts: list[pa.Table], result: ParseResult) -> pa.Table:
    schema = pa.schema([pa.field(spec.target, _arrow_type(spec)) for spec in job.specs])
    data = (
        pa.concat_tables(parts)
        if parts
        else schema.empty_table().append_column(LINE, pa.array([], pa.int64()))
    )
    if job.duplicates == "merge":
        data, merged = merge_duplicates(data, job.keys)
        if merged:
            result.notes.append(
                f"{plural(merged, 'ligne')} en double {plural_word(merged, 'fusionnée')}"
            )
    if job.transform:
        data = job.transform(data)
    final = contract.conform(job.table, data)
    result.rows_kept = final.num_rows
    if "period" in final.column_names:
        result.periods = sorted(p for p in pc.unique(final["period"]).to_pylist() if p)
    return final
