"""HL7 v2 ADT messages (IHE PAM France: A01, A04, A08, A28, A31…) → ``ins_identities`` counts.

Segments end with CR, LF or CRLF; a message starts at each ``MSH``. MLLP framing characters are
ignored. Per message: establishment from MSH-4 (FINESS) or the ``finess_et`` argument, period from
MSH-7, INS from PID-3 repetitions (assigning authority OID ``…1.4.8`` / ``…1.4.9``), status from
PID-32. A patient seen in several messages of the same period and establishment counts once,
with the status of its last message. Identifiers never leave this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field

from ... import ins
from ...parsing import (
    BlockReader,
    ErrorCollector,
    ParseResult,
    RowError,
    SourceInput,
    display_name,
    finish,
    open_source,
    plural,
    plural_word,
)

MLLP_CHARACTERS = "\x0b\x1c"
BATCH_SEGMENTS = frozenset({"FHS", "BHS", "BTS", "FTS"})


class Problem(Exception):
    def __init__(self, line: int, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.column = column
        self.reason = reason


@dataclass
class Message:
    line: int
    segments: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Delimiters:
    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    subcomponent: str = "&"

    @classmethod
    def of(cls, msh: str) -> Delimiters:
        encoding = msh[4:8]
        return cls(
            field=msh[3],
            component=encoding[0:1] or "^",
            repetition=encoding[1:2] or "~",
            subcomponent=encoding[3:4] or "&",
        )


@dataclass
class Identity:
    period: str
    finess: str
    status: str
    ins_valid: bool
    patient_key: bytes | None


# --------------------------------------------------------------------------- segments → messages


def _segments(
    source: SourceInput, file: str, errors: ErrorCollector, result: ParseResult
) -> Iterator[tuple[int, str]]:
    with closing(open_source(source, file)) as stream:
        reader = BlockReader(stream, file, errors, cut_on_cr=True)
        for block in reader:
            result.encoding = reader.encoding
            text = block.data.decode("utf-8")
            line = block.first_line
            for segment in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
                cleaned = segment.strip(MLLP_CHARACTERS + " \t")
                if cleaned:
                    yield line, cleaned
                line += 1


def _messages(
    segments: Iterator[tuple[int, str]], file: str, errors: ErrorCollector
) -> Iterator[Message]:
    current: Message | None = None
    for line, segment in segments:
        name = segment[:3]
        if name == "MSH":
            if current is not None:
                yield current
            current = Message(line)
        elif name in BATCH_SEGMENTS:
            continue
        elif current is None:
            errors.add(
                RowError(
                    file, line, None, "segment hors message : le fichier doit commencer par MSH"
                )
            )
            continue
        current.segments.append((line, segment))
    if current is not None:
        yield current


# --------------------------------------------------------------------------- one message


def _field(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


def _finess(msh4: str, delimiters: Delimiters) -> str | None:
    """The first component of MSH-4 (HD: namespace^universal id^type) shaped like a FINESS."""
    for component in msh4.split(delimiters.component):
        value = component.strip().upper()
        if len(value) == 10 and value.startswith("1") and ins.is_finess(value[1:]):
            return value[1:]  # idNatSt = type 1 + FINESS
        if ins.is_finess(value):
            return value
    return None


def _ins_and_key(pid3: str, delimiters: Delimiters) -> tuple[bool, bool, bytes | None]:
    """(has a production INS, one is valid, hashed patient key) from PID-3 repetitions."""
    has_ins = valid = False
    key: bytes | None = None
    fallback: bytes | None = None
    for repetition in pid3.split(delimiters.repetition):
        components = repetition.split(delimiters.component)
        value = components[0].strip()
        authority = components[3] if len(components) > 3 else ""
        kind = components[4].strip().upper() if len(components) > 4 else ""
        oid = _authority_oid(authority, delimiters)
        if oid in ins.PRODUCTION_OIDS:
            has_ins = True
            valid = valid or ins.nir_is_valid(value)
        if value:
            digest = _digest(value, authority)
            fallback = fallback or digest
            if kind == "PI" and key is None:
                key = digest
    return has_ins, valid, key or fallback


def _authority_oid(authority: str, delimiters: Delimiters) -> str:
    parts = authority.split(delimiters.subcomponent)
    return parts[1].strip() if len(parts) > 1 else ""


def _digest(value: str, authority: str) -> bytes:
    # Only a digest of the identifier is held, and only while the file is being read.
    return hashlib.blake2b(f"{authority}\x1f{value}".encode(), digest_size=16).digest()


def _status(pid32: str, line: int, delimiters: Delimiters, has_ins: bool) -> str:
    codes = [code.split(delimiters.component)[0] for code in pid32.split(delimiters.repetition)]
    try:
        return ins.status_of(codes, has_ins=has_ins)
    except ins.UnknownStatus:
        raise Problem(line, "PID-32", ins.UNKNOWN_STATUS) from None


def _period(msh7: str, default: str | None, line: int) -> str:
    # The date is not quoted back: a misplaced value could be a birth date.
    if not msh7.strip() and default:
        return default
    period = ins.period_of(msh7)
    if period is None:
        raise Problem(
            line, "MSH-7", "date du message absente ou invalide (format attendu AAAAMMJJ…)"
        )
    return period


def _identity(message: Message, defaults: tuple[str | None, str | None]) -> Identity | None:
    msh = message.segments[0][1]
    if len(msh) < 8:
        raise Problem(message.line, "MSH-2", "segment MSH invalide : séparateurs absents")
    delimiters = Delimiters.of(msh)
    header = msh.split(delimiters.field)
    # MSH-1 is the field separator itself, so MSH-n is header[n - 1].
    if _field(header, 8).split(delimiters.component)[0].strip().upper() != "ADT":
        return None
    finess = _finess(_field(header, 3), delimiters) or defaults[0]
    if finess is None:
        raise Problem(
            message.line,
            "MSH-4",
            "établissement introuvable : MSH-4 sans FINESS et aucun FINESS indiqué à l'import",
        )
    period = _period(_field(header, 6), defaults[1], message.line)
    pid = next(((line, seg) for line, seg in message.segments if seg.startswith("PID")), None)
    if pid is None:
        raise Problem(message.line, None, "message ADT sans segment PID (message tronqué ?)")
    line, segment = pid
    fields = segment.split(delimiters.field)
    pid3 = _field(fields, 3)
    if not pid3.strip():
        raise Problem(line, "PID-3", "valeur manquante : aucun identifiant patient")
    has_ins, valid, key = _ins_and_key(pid3, delimiters)
    status = _status(_field(fields, 32), line, delimiters, has_ins)
    return Identity(period, finess, status, valid, key)


def parse_ins_hl7(
    source: SourceInput,
    *,
    name: str | None = None,
    finess_et: str | None = None,
    period: str | None = None,
) -> ParseResult:
    """Count ADT patients by (period, FINESS ET, PID-32 status, INS validity); keep nothing else."""
    if finess_et is not None and not ins.is_finess(finess_et):
        raise ValueError(f"numéro FINESS invalide : {finess_et!r}")
    if period is not None and not ins.PERIOD.match(period):
        raise ValueError(f"période invalide : {period!r} (format attendu AAAA-MM)")
    file = display_name(source, name)
    result = ParseResult("ins-hl7", file)
    errors = ErrorCollector()
    latest: dict[tuple[str, str, bytes], tuple[str, bool]] = {}
    counts = ins.IdentityCounts()
    skipped = 0
    try:
        for message in _messages(_segments(source, file, errors, result), file, errors):
            result.rows_read += 1
            try:
                identity = _identity(message, (finess_et, period))
            except Problem as exc:
                errors.add(RowError(file, exc.line, exc.column, exc.reason))
                continue
            if identity is None:
                skipped += 1
            elif identity.patient_key is None:
                counts.add(identity.period, identity.finess, identity.status, identity.ins_valid)
            else:
                key = (identity.period, identity.finess, identity.patient_key)
                latest[key] = (identity.status, identity.ins_valid)
    except RowError as exc:
        errors.add(exc)
    if result.rows_read == 0 and not errors:
        errors.add(RowError(file, None, None, "aucun message HL7 (segment MSH) dans le fichier"))
    for (period_key, finess, _), (status, valid) in latest.items():
        counts.add(period_key, finess, status, valid)
    if skipped:
        result.notes.append(
            f"{plural(skipped, 'message')} non ADT {plural_word(skipped, 'ignoré')}"
        )
    if errors:
        return finish(result, errors, {})
    result.rows_kept = counts.total
    result.periods = counts.periods
    return finish(result, errors, {"ins_identities": counts.table()})
