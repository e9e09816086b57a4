"""Shared plumbing for the source parsers: errors, results, encodings, separators, chunked reading.

Plain Python (no Django): the parsers run in the web process, in the CLI and in benchmarks alike.

Policy shared by every parser: a parser never raises on bad data. It collects every row error
(up to ``MAX_ERRORS``) in a ``ParseResult``; when there is at least one error the result holds no
rows at all, so that a caller cannot stage half a file by mistake.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import typing
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

MAX_ERRORS = 1000
# Large enough for the national RPPS file to be read in ~25 blocks, small enough to bound memory.
DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024
# A single physical line longer than this is refused rather than buffered without limit.
DEFAULT_MAX_LINE = 8 * 1024 * 1024
MAX_VALUE_IN_MESSAGE = 60
# A compressed file (gzip, or a ZIP of one file) is read up to this size once decompressed, and
# up to MAX_COMPRESSION_RATIO times its own size past the first RATIO_ALLOWANCE: a "zip bomb" (a
# few megabytes that decompress to terabytes) is refused as soon as it passes the bound, never
# read to the end of the disk or of the memory. The national RPPS extract decompresses to about
# 1 GB at a ratio near 10.
MAX_DECOMPRESSED_BYTES = (
    int(os.environ.get("CAPSANTE_IMPORT_MAX_DECOMPRESSED_MB", "") or 4096) * 1024 * 1024
)
MAX_COMPRESSION_RATIO = 100
RATIO_ALLOWANCE = 64 * 1024 * 1024

SourceInput = str | os.PathLike[str] | bytes | BinaryIO
# progress(step, done, total): called once per block read; ``total`` is 0 when unknown.
Progress = Callable[[str, int, int], None]
READING = "lecture et contrôle du fichier"


class RowError(Exception):
    """One problem in a source file, located by file, line and column; ``reason`` is French.

    It is an exception so that helpers can ``raise`` it, and a plain value once collected in a
    ``ParseResult``. ``line`` is 1-based (None for a whole-file problem); ``column`` is the header
    name as written in the file (or a field name such as ``PID-32`` / a JSON path).
    """

    def __init__(self, file: str, line: int | None, column: str | None, reason: str) -> None:
        super().__init__(file, line, column, reason)
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        return f"{', '.join(where)} : {self.reason}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowError) and self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash((self.file, self.line, self.column, self.reason))

    def as_dict(self) -> dict[str, str | int | None]:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}


class SourceRejected(Exception):
    """Raised by ``ParseResult.raise_for_errors``: the whole file is refused."""

    def __init__(self, result: ParseResult) -> None:
        errors = "1 erreur" if result.error_count < 2 else f"{result.error_count} erreurs"
        super().__init__(f"{result.file} : fichier refusé, {errors}")
        self.result = result


class ErrorCollector:
    """Keeps the first ``limit`` errors and counts all of them."""

    def __init__(self, limit: int = MAX_ERRORS) -> None:
        self.limit = limit
        self.errors: list[RowError] = []
        self.count = 0

    def add(self, error: RowError) -> None:
        self.count += 1
        if len(self.errors) < self.limit:
            self.errors.append(error)

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass
class ParseResult:
    """What a parser returns. ``tables`` is empty whenever ``errors`` is not."""

    connector: str
    file: str
    tables: dict[str, pa.Table] = field(default_factory=dict)
    rows_read: int = 0
    rows_kept: int = 0
    rows_rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    periods: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def raise_for_errors(self) -> None:
        if not self.ok:
            raise SourceRejected(self)


NO_DATA = "aucune ligne de données : le fichier est vide ou ne contient que l'en-tête"


def finish(
    result: ParseResult,
    errors: ErrorCollector,
    tables: dict[str, pa.Table],
    *,
    rows_rejected: int | None = None,
) -> ParseResult:
    """Fill the outcome of a parse, dropping every row when there is any error.

    A file without any data row is refused too: staged as is, an empty national extract
    would silently erase the table it replaces.
    """
    if not errors and result.rows_read == 0:
        errors.add(RowError(result.file, None, None, NO_DATA))
    result.errors = errors.errors
    result.error_count = errors.count
    if errors:
        result.tables = {}
        result.rows_kept = 0
        result.periods = []
        result.rows_rejected = rows_rejected if rows_rejected is not None else errors.count
        result.rows_rejected = min(max(result.rows_rejected, 1), max(result.rows_read, 1))
    else:
        result.tables = tables
        result.rows_rejected = 0
    return result


# --------------------------------------------------------------------------- values in messages


def shown(value: object) -> str:
    """A value as quoted in an error message: shortened, control characters made visible.

    Markup such as ``<script>`` is left as is: messages are plain text and whoever renders them
    escapes them (Django templates do).
    """
    text = "" if value is None else str(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text[: MAX_VALUE_IN_MESSAGE + 1])
    if len(text) > MAX_VALUE_IN_MESSAGE:
        text = text[:MAX_VALUE_IN_MESSAGE] + "…"
    return text


def plural_word(count: int, word: str) -> str:
    return f"{word}{'s' if count > 1 else ''}"


def plural(count: int, word: str) -> str:
    return f"{count} {plural_word(count, word)}"


def normalise_label(text: str) -> str:
    """Header or code label reduced for matching: no accents, no punctuation, lower case."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_text.casefold()).split())


# --------------------------------------------------------------------------- opening sources


def display_name(source: SourceInput, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return str(getattr(source, "name", "") and Path(str(source.name)).name or "fichier")  # type: ignore[union-attr]


def source_size(source: SourceInput) -> int:
    """Size in bytes of a path or bytes source (0 for a stream): the ``total`` of progress."""
    if isinstance(source, bytes):
        return len(source)
    if isinstance(source, str | os.PathLike):
        return os.path.getsize(source)
    return 0


def reporter(progress: Progress | None, source: SourceInput) -> Callable[[int], None] | None:
    """A bytes-read callback for BlockReader that forwards to ``progress``."""
    if progress is None:
        return None
    total = source_size(source)

    def on_read(done: int) -> None:
        progress(READING, min(done, total) if total else done, total)

    return on_read


def open_source(source: SourceInput, file: str) -> BinaryIO:
    """A binary stream on the source, transparently opening a ZIP (one member) or gzip file,
    whose decompressed size is bounded (decompression_limit)."""
    if isinstance(source, bytes):
        stream: BinaryIO = io.BytesIO(source)
    elif isinstance(source, str | os.PathLike):
        stream = open(source, "rb")  # noqa: SIM115 - closed by the caller through the stream
    else:
        stream = source
    return _unwrap_archive(stream, file, decompression_limit(_stream_size(stream)))


def decompression_limit(compressed: int) -> int:
    """How many bytes a compressed file of `compressed` bytes (0: unknown) may give."""
    if compressed <= 0:
        return MAX_DECOMPRESSED_BYTES
    return min(MAX_DECOMPRESSED_BYTES, max(RATIO_ALLOWANCE, MAX_COMPRESSION_RATIO * compressed))


def _stream_size(stream: BinaryIO) -> int:
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        pass
    try:
        position = stream.tell()
        size = stream.seek(0, os.SEEK_END)
        stream.seek(position)
        return size
    except (OSError, AttributeError, io.UnsupportedOperation):
        return 0


def _unwrap_archive(stream: BinaryIO, file: str, limit: int) -> BinaryIO:
    head = _peek(stream, 4)
    if head.startswith(b"\x1f\x8b"):
        return _bounded(gzip.GzipFile(fileobj=stream), file, limit, "le fichier gzip")
    if head == b"PK\x03\x04":
        return _open_zip_member(stream, file, limit)
    return stream


def size_text(size: int) -> str:
    """A size in words: « 4 Go », « 64 Mo »."""
    if size >= 1024**3:
        return f"{size / 1024**3:.3g} Go".replace(".", ",")
    return f"{max(1, round(size / 1024**2))} Mo"


def too_large(what: str, limit: int) -> str:
    return (
        f"{what} dépasse {size_text(limit)} une fois décompressé : fichier refusé (archive "
        "trop volumineuse ou piégée). Déposez le fichier sans compression, ou découpé."
    )


class _BoundedStream(io.RawIOBase):
    """A decompressing stream that raises a RowError once it has given more than `limit`."""

    def __init__(
        self, inner: io.BufferedIOBase | typing.IO[bytes], file: str, limit: int, what: str
    ) -> None:
        super().__init__()
        self.inner, self.file, self.limit, self.what = inner, file, limit, what
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # One byte more than allowed is enough to tell: never more than that is decompressed.
        wanted = min(len(buffer), self.limit + 1 - self.given)
        data = self.inner.read(max(wanted, 1))
        self.given += len(data)
        if self.given > self.limit:
            raise RowError(self.file, None, None, too_large(self.what, self.limit))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()


def _bounded(
    inner: io.BufferedIOBase | typing.IO[bytes], file: str, limit: int, what: str
) -> BinaryIO:
    return io.BufferedReader(_BoundedStream(inner, file, limit, what), 1024 * 1024)


def _peek(stream: BinaryIO, size: int) -> bytes:
    if hasattr(stream, "peek"):
        return stream.peek(size)[:size]
    position = stream.tell()
    head = stream.read(size)
    stream.seek(position)
    return head


def _open_zip_member(stream: BinaryIO, file: str, limit: int) -> BinaryIO:
    try:
        archive = zipfile.ZipFile(stream)
        members = [info for info in archive.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as exc:
        raise RowError(file, None, None, "archive ZIP illisible ou tronquée") from exc
    if len(members) != 1:
        names = ", ".join(shown(info.filename) for info in members[:5])
        raise RowError(
            file,
            None,
            None,
            f"l'archive ZIP doit contenir un seul fichier, elle en contient "
            f"{len(members)} ({names})",
        )
    # The size the archive declares is refused at once; what it really gives is counted too.
    if members[0].file_size > limit:
        raise RowError(file, None, None, too_large("le fichier de l'archive ZIP", limit))
    inner = archive.open(members[0])
    return _bounded(inner, file, limit, "le fichier de l'archive ZIP")


# --------------------------------------------------------------------------- encodings

UTF8 = "utf-8"
CP1252 = "cp1252"
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def count_lines(data: bytes) -> int:
    """Number of line breaks, whatever their style (CRLF, LF or a lone CR as in HL7 v2)."""
    line_feeds = data.count(b"\n")
    if b"\r" not in data:  # LF-only files: one counting pass
        return line_feeds
    return line_feeds + _lone_carriage_returns(data)


def _lone_carriage_returns(data: bytes) -> int:
    """Carriage returns not followed by a line feed, found from the returns' positions. Counting
    every CR, then every CRLF, read a CRLF export twice more: 41 ms a 32 MB block of the RPPS
    extract, against 12 ms this way (bench/RESULTS.md, 5 December, ninth session)."""
    octets = np.frombuffer(data, dtype=np.uint8)
    after = np.flatnonzero(octets == 13) + 1
    at_end = int(after.size > 0 and after[-1] == octets.size)  # a CR that ends the data
    if at_end:
        after = after[:-1]
    return int(np.count_nonzero(octets[after] != 10)) + at_end


def is_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8, by Arrow's vectorised check, without copying it: 11 ms a
    32 MB block where decoding it into a Python text took 47 ms (bench/RESULTS.md, 5 December,
    ninth session). It refuses what Python's decoder refuses: surrogates, overlong forms, code
    points past U+10FFFF (`tests/test_line_numbers.py` compares the two)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())  # Arrow checks the text as it casts
    except pa.ArrowInvalid:
        return False
    return True


def looks_binary(sample: bytes) -> bool:
    """True for data no text export produces: NUL bytes or many control characters."""
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls / len(sample) > 0.02


class Transcoder:
    """Turns blocks of a file into UTF-8, detecting UTF-8 (with or without BOM) or cp1252/Latin-1.

    The decision is taken on the first non-ASCII block, so that a Latin-1 file whose first accent
    comes late is still recognised; a file mixing both encodings is an error at the first line
    that contradicts the earlier ones.
    """

    def __init__(self, file: str, errors: ErrorCollector) -> None:
        self.file = file
        self.errors = errors
        self.encoding: str | None = None

    @property
    def label(self) -> str:
        return self.encoding or UTF8

    def to_utf8(self, block: bytes, first_line: int) -> bytes:
        if block.isascii():
            return block
        if self.encoding == CP1252:
            return self._from_cp1252(block, first_line)
        if not is_utf8(block):
            try:  # where it fails, for the message
                block.decode(UTF8)
            except UnicodeDecodeError as exc:
                return self._utf8_failure(block, first_line, exc)
        self.encoding = UTF8
        return block

    def _utf8_failure(self, block: bytes, first_line: int, exc: UnicodeDecodeError) -> bytes:
        undecided = self.encoding is None and block[: exc.start].isascii()
        if undecided:
            self.encoding = CP1252
            return self._from_cp1252(block, first_line)
        line = first_line + count_lines(block[: exc.start])
        byte = block[exc.start]
        self.errors.add(
            RowError(
                self.file,
                line,
                None,
                f"encodage incohérent : octet 0x{byte:02X} invalide en UTF-8 alors que le "
                "début du fichier est en UTF-8",
            )
        )
        return block.decode(UTF8, "replace").encode(UTF8)

    def _from_cp1252(self, block: bytes, first_line: int) -> bytes:
        try:
            block.decode(UTF8)
        except UnicodeDecodeError:
            pass
        else:
            self.errors.add(
                RowError(
                    self.file,
                    first_line + count_lines(block[: _first_non_ascii(block)]),
                    None,
                    "encodage incohérent : caractères UTF-8 dans un fichier en Latin-1 (cp1252)",
                )
            )
        try:
            text = block.decode(CP1252)
        except UnicodeDecodeError:
            # Five byte values are undefined in cp1252; Latin-1 maps every byte.
            text = block.decode("latin-1")
        return text.encode(UTF8)


def _first_non_ascii(block: bytes) -> int:
    for index, byte in enumerate(block):
        if byte > 127:
            return index
    return 0


def decode_bytes(data: bytes, file: str) -> tuple[str, str]:
    """Decode a whole (small) file: returns (text, encoding). Raises RowError on binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if looks_binary(data[:65536]):
        raise RowError(
            file, None, None, "fichier binaire ou corrompu : ce n'est pas un fichier texte"
        )
    errors = ErrorCollector()
    transcoder = Transcoder(file, errors)
    text = transcoder.to_utf8(data, 1).decode(UTF8)
    if errors:
        raise errors.errors[0]
    return text, transcoder.label


# --------------------------------------------------------------------------- separators

SEPARATORS = (";", ",", "|", "\t")
_SEPARATOR_NAMES = {
    ";": "point-virgule",
    ",": "virgule",
    "|": "barre verticale",
    "\t": "tabulation",
}


def separator_name(separator: str) -> str:
    return _SEPARATOR_NAMES.get(separator, f"« {separator} »")


def detect_separator(
    header: str,
    file: str,
    *,
    candidates: Iterable[str] = SEPARATORS,
    preferred: str | None = None,
    line: int = 1,
) -> str:
    """The candidate separator most frequent in the header line (outside double quotes)."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in candidates}
    best = max(counts.values())
    if best == 0:
        names = ", ".join(separator_name(sep) for sep in counts)
        raise RowError(
            file, line, None, f"séparateur introuvable dans l'en-tête (attendu : {names})"
        )
    winners = [sep for sep, count in counts.items() if count == best]
    if preferred in winners:
        return preferred
    return winners[0]


# --------------------------------------------------------------------------- chunked reading


@dataclass
class Block:
    """Whole lines of a file, in UTF-8, starting at physical line ``first_line`` (1-based)."""

    first_line: int
    data: bytes
    breaks: int  # line breaks in ``data``, counted once for every user of the block


class BlockReader:
    """Reads a source as blocks of whole lines converted to UTF-8, with bounded memory.

    Detects binary data, strips a UTF-8 BOM and refuses a line longer than ``max_line`` bytes.
    ``cut_on_cr`` lets HL7 v2 files (segments ended by a lone CR) be cut too.
    """

    def __init__(
        self,
        stream: BinaryIO,
        file: str,
        errors: ErrorCollector,
        *,
        chunk_size: int | None = None,
        max_line: int = DEFAULT_MAX_LINE,
        cut_on_cr: bool = False,
        line_too_long: str | None = None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self.on_read = on_read
        self.stream = stream
        self.file = file
        self.errors = errors
        self.chunk_size = chunk_size or DEFAULT_CHUNK_SIZE
        self.max_line = max_line
        self.cut_on_cr = cut_on_cr
        self.line_too_long = line_too_long
        self.transcoder = Transcoder(file, errors)
        self.bytes_read = 0

    @property
    def encoding(self) -> str:
        return self.transcoder.label

    def __iter__(self) -> Iterator[Block]:
        # The start of a line not ended yet, kept as parts: a long line is copied once when
        # whole, not once per chunk read.
        pending: list[bytes] = []
        pending_size = 0
        line = 1
        first = True
        while True:
            chunk = self._read()
            self.bytes_read += len(chunk)
            if self.on_read is not None:
                self.on_read(self.bytes_read)
            if first:
                chunk = self._check_start(chunk)
                first = False
            if not chunk:
                if pending:
                    yield self._block(line, b"".join(pending))
                return
            cut = self._cut(chunk)
            if cut is None:
                pending.append(chunk)
                pending_size += len(chunk)
                self._check_line_length(pending_size, line)
                continue
            # Cut the chunk, not pending + chunk: one copy of the block instead of two.
            head = b"".join((*pending, memoryview(chunk)[:cut])) if pending else chunk[:cut]
            pending = [chunk[cut:]] if cut < len(chunk) else []
            pending_size = len(chunk) - cut
            block = self._block(line, head)
            line += block.breaks
            yield block

    def _read(self) -> bytes:
        try:
            return self.stream.read(self.chunk_size)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise RowError(
                self.file, None, None, "archive compressée illisible ou tronquée"
            ) from exc

    def _check_start(self, chunk: bytes) -> bytes:
        if chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        if looks_binary(chunk[:65536]):
            raise RowError(
                self.file, None, None, "fichier binaire ou corrompu : ce n'est pas un fichier texte"
            )
        return chunk

    def _cut(self, data: bytes) -> int | None:
        """Index just after the last complete line break, or None."""
        last_lf = data.rfind(b"\n")
        if not self.cut_on_cr:
            return None if last_lf < 0 else last_lf + 1
        last_cr = data.rfind(b"\r", 0, len(data) - 1)  # a final CR may be half of CRLF
        last = max(last_lf, last_cr)
        return None if last < 0 else last + 1

    def _check_line_length(self, size: int, line: int) -> None:
        if size > self.max_line:
            raise RowError(
                self.file,
                line,
                None,
                self.line_too_long
                or f"ligne trop longue : plus de {self.max_line // (1024 * 1024)} Mo sans fin de ligne",
            )

    def _block(self, line: int, data: bytes) -> Block:
        if b"\x00" in data:
            nul_line = line + count_lines(data[: data.index(b"\x00")])
            raise RowError(self.file, nul_line, None, "caractère nul : fichier binaire ou corrompu")
        return Block(line, self.transcoder.to_utf8(data, line), count_lines(data))
