"""FHIR R4 FR Core ``Patient`` resources (Bundle JSON or NDJSON) → ``ins_identities`` counts.

Per patient: establishment (``meta.source`` / ``managingOrganization`` FINESS, else the
``finess_et`` argument), period (``meta.lastUpdated``, else the identity-reliability
``validationDate``, else the ``period`` argument), RNIV status (``identityStatus``) and whether an
INS-NIR/NIA identifier with a valid key is present. Nothing else is kept: no identifier, name or
birth date leaves this module, not even in error messages.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

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
    shown,
)

RELIABILITY_URL = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
STATUS_SYSTEMS = {ins.STATUS_SYSTEM: False, ins.LEGACY_STATUS_SYSTEM: True}
# A pretty-printed Bundle is parsed whole: above this size, NDJSON is required.
MAX_DOCUMENT = 512 * 1024 * 1024
MAX_NDJSON_LINE = 64 * 1024 * 1024  # a Patient with embedded photos stays under this
_SOURCE_FINESS = re.compile(r"(?:^|[/:|#=])([0-9][0-9A-Z][0-9]{7})$")
_DOUBTFUL = re.compile(r"\b(DOUT|FICT)\b")


class Problem(Exception):
    """A problem in one resource: the caller adds the location."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class Defaults:
    finess_et: str | None
    period: str | None


@dataclass
class State:
    file: str
    errors: ErrorCollector
    defaults: Defaults
    counts: ins.IdentityCounts = field(default_factory=ins.IdentityCounts)
    seen: int = 0
    ignored: int = 0
    # Hashes of Patient.id and their lines, to report duplicates without keeping the ids.
    id_hashes: array = field(default_factory=lambda: array("q"))
    id_lines: array = field(default_factory=lambda: array("q"))

    def problem(self, line: int | None, where: str | None, exc: Problem) -> None:
        column = exc.column if where is None else f"{where}.{exc.column}" if exc.column else where
        self.errors.add(RowError(self.file, line, column, exc.reason))


# --------------------------------------------------------------------------- one Patient


def _finess_from_identifier(identifier: Mapping[str, Any]) -> str | None:
    system = str(identifier.get("system") or "")
    value = str(identifier.get("value") or "").strip().upper()
    if ins.FINESS_OID not in system and "finess" not in system.lower():
        return None
    if len(value) == 10 and value.startswith("1"):  # idNatSt = type 1 + FINESS
        value = value[1:]
    return value if ins.is_finess(value) else None


def _object(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Problem(key, "structure JSON invalide (objet attendu)")
    return value


def _establishment(patient: Mapping[str, Any], organisations: Mapping[str, str]) -> str | None:
    source = _object(patient, "meta").get("source")
    if isinstance(source, str):
        match = _SOURCE_FINESS.search(source.strip())
        if match:
            return match.group(1)
    organisation = _object(patient, "managingOrganization")
    identifier = organisation.get("identifier")
    if isinstance(identifier, Mapping):
        found = _finess_from_identifier(identifier)
        if found:
            return found
    reference = organisation.get("reference")
    if isinstance(reference, str):
        return organisations.get(reference.removeprefix("#"))
    return None


def _reliability(patient: Mapping[str, Any]) -> tuple[list[str], bool, bool, str | None]:
    """(status codes, legacy code system, doubtful comment, validation date)."""
    for extension in _list(patient, "extension"):
        if extension.get("url") != RELIABILITY_URL:
            continue
        codes: list[str] = []
        legacy = doubtful = False
        validated: str | None = None
        for sub in _list(extension, "extension"):
            url = sub.get("url")
            if url == "identityStatus":
                code, legacy = _status_coding(sub)
                codes.append(code)
            elif url == "comment":
                doubtful = bool(_DOUBTFUL.search(str(sub.get("valueString") or "").upper()))
            elif url == "validationDate":
                validated = sub.get("valueDate") or sub.get("valueDateTime")
        return codes, legacy, doubtful, validated
    return [], False, False, None


def _status_coding(sub: Mapping[str, Any]) -> tuple[str, bool]:
    if "valueCode" in sub:
        return str(sub["valueCode"]), False
    coding = sub.get("valueCoding")
    if not isinstance(coding, Mapping):
        raise Problem("identityStatus", "statut d'identité absent (valueCoding attendu)")
    system = coding.get("system")
    if system is not None and system not in STATUS_SYSTEMS:
        raise Problem("identityStatus", f"système de code inconnu : {shown(system)}")
    return str(coding.get("code") or ""), STATUS_SYSTEMS.get(system or "", False)


def _ins(patient: Mapping[str, Any]) -> tuple[bool, bool]:
    """(carries a production INS identifier, one of them has a valid NIR key)."""
    has_ins = valid = False
    for identifier in _list(patient, "identifier"):
        system = str(identifier.get("system") or "")
        oid = system[8:] if system.startswith("urn:oid:") else system
        if oid in ins.PRODUCTION_OIDS:
            has_ins = True
            valid = valid or ins.nir_is_valid(str(identifier.get("value") or ""))
    return has_ins, valid


def _list(obj: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise Problem(key, "structure JSON invalide (liste d'objets attendue)")
    return value


def _period(patient: Mapping[str, Any], validated: str | None, default: str | None) -> str:
    updated = _object(patient, "meta").get("lastUpdated")
    for column, value in (("meta.lastUpdated", updated), ("validationDate", validated)):
        if value is None:
            continue
        period = ins.period_of(str(value))
        if period is None:
            raise Problem(column, f"date invalide : {shown(value)}")
        return period
    if default is None:
        raise Problem(
            "meta.lastUpdated",
            "période introuvable : ni meta.lastUpdated, ni validationDate, ni période indiquée à l'import",
        )
    return default


def count_patient(
    patient: Mapping[str, Any], state: State, organisations: Mapping[str, str]
) -> None:
    codes, legacy, doubtful, validated = _reliability(patient)
    has_ins, valid = _ins(patient)
    try:
        status = "PROV" if doubtful else ins.status_of(codes, legacy=legacy, has_ins=has_ins)
    except ins.UnknownStatus as exc:
        raise Problem("identityStatus", f"statut d'identité inconnu : {shown(exc)}") from None
    finess = _establishment(patient, organisations) or state.defaults.finess_et
    if finess is None:
        raise Problem(
            "managingOrganization",
            "établissement introuvable : ni meta.source, ni managingOrganization (FINESS), "
            "ni FINESS indiqué à l'import",
        )
    period = _period(patient, validated, state.defaults.period)
    state.counts.add(period, finess, status, valid)


# --------------------------------------------------------------------------- resources


def _organisations(resources: list[Mapping[str, Any]]) -> dict[str, str]:
    """FINESS of the Organizations of a Bundle (or contained), by id and ``Organization/id``."""
    found: dict[str, str] = {}
    for resource in resources:
        if not isinstance(resource, Mapping) or resource.get("resourceType") != "Organization":
            continue
        for identifier in resource.get("identifier") or []:
            finess = (
                _finess_from_identifier(identifier) if isinstance(identifier, Mapping) else None
            )
            if finess and resource.get("id"):
                found[str(resource["id"])] = finess
                found[f"Organization/{resource['id']}"] = finess
    return found


def _resources(obj: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """Objects of a list (``contained``, Bundle entries' resources), ignoring anything else."""
    value = obj.get(key) or []
    if not isinstance(value, list):
        raise Problem(key, "structure JSON invalide (liste attendue)")
    if key == "entry":
        value = [item.get("resource") for item in value if isinstance(item, Mapping)]
    return [item for item in value if isinstance(item, Mapping)]


def _patients(obj: Any) -> Iterator[tuple[int | None, Mapping[str, Any], dict[str, str]]]:
    """(Bundle entry index or None, Patient, known organisations) for a Patient or a Bundle."""
    if not isinstance(obj, Mapping):
        raise Problem(None, "ressource FHIR attendue (objet JSON)")
    kind = obj.get("resourceType")
    if kind == "Patient":
        yield None, obj, _organisations(_resources(obj, "contained"))
    elif kind == "Bundle":
        resources = _resources(obj, "entry")
        organisations = _organisations(resources)
        for index, resource in enumerate(resources):
            if resource.get("resourceType") == "Patient":
                contained = _organisations(_resources(resource, "contained"))
                yield index, resource, {**organisations, **contained}
    else:
        raise Problem(
            "resourceType", f"ressource inattendue : {shown(kind)} (Patient ou Bundle attendu)"
        )


def _handle(obj: Any, line: int | None, state: State) -> None:
    try:
        for index, patient, organisations in _patients(obj):
            state.seen += 1
            where = None if index is None else f"entry[{index}].resource"
            try:
                _remember_id(patient, line, index, state)
                count_patient(patient, state, organisations)
            except Problem as exc:
                state.problem(line, where, exc)
    except Problem as exc:
        state.problem(line, None, exc)


def _remember_id(
    patient: Mapping[str, Any], line: int | None, index: int | None, state: State
) -> None:
    """Keep a salted hash of Patient.id (never the id) and where it was, to report repeats."""
    resource_id = patient.get("id")
    if resource_id is None:
        return
    state.id_hashes.append(hash(str(resource_id)))
    state.id_lines.append(_position(line, index))


def _position(line: int | None, index: int | None) -> int:
    """Line and entry packed in one integer: NDJSON lines hold Bundles too."""
    return (line or 0) * 1_000_000_000 + (index if index is not None else 999_999_999)


def _locate(position: int) -> tuple[int | None, str | None, str]:
    """(line, column, French description) of a packed position."""
    line, index = divmod(position, 1_000_000_000)
    column = None if index == 999_999_999 else f"entry[{index}]"
    place = " ".join(part for part in ((f"ligne {line}" if line else ""), column or "") if part)
    return line or None, column, place


def _json_error(exc: orjson.JSONDecodeError) -> str:
    if "EOF" in exc.msg or "end of" in exc.msg.lower():
        return "JSON tronqué : la ressource s'arrête avant sa fin"
    return f"JSON invalide (colonne {exc.colno})"


# --------------------------------------------------------------------------- file formats


def _parse_ndjson(
    first: bytes, line: int, blocks: Iterator[tuple[int, bytes]], state: State
) -> None:
    for start, data in _chain((line, first), blocks):
        for offset, raw in enumerate(data.split(b"\n")):
            if not raw.strip():
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                state.seen += 1
                state.errors.add(RowError(state.file, start + offset, None, _json_error(exc)))
                continue
            _handle(obj, start + offset, state)


def _chain(
    first: tuple[int, bytes], rest: Iterator[tuple[int, bytes]]
) -> Iterator[tuple[int, bytes]]:
    yield first
    yield from rest


def _parse_document(first: bytes, blocks: Iterator[tuple[int, bytes]], state: State) -> None:
    parts = [first]
    size = len(first)
    for _, data in blocks:
        size += len(data)
        if size > MAX_DOCUMENT:
            raise RowError(
                state.file,
                None,
                None,
                "document JSON trop volumineux : exportez les patients en NDJSON",
            )
        parts.append(data)
    try:
        obj = orjson.loads(b"".join(parts))
    except orjson.JSONDecodeError as exc:
        state.errors.add(RowError(state.file, exc.lineno, None, _json_error(exc)))
        return
    _handle(obj, None, state)


def _is_ndjson(file: str, first: bytes) -> bool:
    """NDJSON when the first line alone is a JSON object (a pretty-printed Bundle's is not)."""
    if file.lower().endswith((".ndjson", ".jsonl")):
        return True
    try:
        return isinstance(orjson.loads(first.split(b"\n", 1)[0]), Mapping)
    except orjson.JSONDecodeError:
        return False


def _report_duplicate_ids(state: State) -> None:
    hashes = np.frombuffer(state.id_hashes, dtype=np.int64)
    if len(hashes) == len(np.unique(hashes)):
        return
    lines = np.frombuffer(state.id_lines, dtype=np.int64)
    order = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[order]
    repeats = np.flatnonzero(sorted_hashes[1:] == sorted_hashes[:-1]) + 1
    for position in repeats:
        first = position
        while first > 0 and sorted_hashes[first - 1] == sorted_hashes[position]:
            first -= 1
        line, earlier = _locate(int(lines[order[position]])), _locate(int(lines[order[first]]))
        reason = f"patient en double : même id de ressource qu'en {earlier[2]}"
        state.errors.add(RowError(state.file, line[0], line[1], reason))


def parse_ins_fhir(
    source: SourceInput,
    *,
    name: str | None = None,
    finess_et: str | None = None,
    period: str | None = None,
    chunk_size: int | None = None,
) -> ParseResult:
    """Count FR Core Patients by (period, FINESS ET, status, INS validity); keep nothing else."""
    _check_arguments(finess_et, period)
    file = display_name(source, name)
    result = ParseResult("ins-fhir", file)
    errors = ErrorCollector()
    state = State(file, errors, Defaults(finess_et, period))
    try:
        with closing(open_source(source, file)) as stream:
            reader = BlockReader(
                stream, file, errors, chunk_size=chunk_size, max_line=MAX_NDJSON_LINE
            )
            blocks = ((block.first_line, block.data) for block in reader)
            first_line, first = next(blocks, (1, b""))
            if not first.strip():
                raise RowError(file, None, None, "fichier vide")
            if _is_ndjson(file, first):
                _parse_ndjson(first, first_line, blocks, state)
            else:
                _parse_document(first, blocks, state)
            result.encoding = reader.encoding
    except RowError as exc:
        errors.add(exc)
    _report_duplicate_ids(state)
    result.rows_read = state.seen
    if errors:
        return finish(result, errors, {})
    result.rows_kept = state.counts.total
    result.periods = state.counts.periods
    return finish(result, errors, {"ins_identities": state.counts.table()})


def _check_arguments(finess_et: str | None, period: str | None) -> None:
    if finess_et is not None and not ins.is_finess(finess_et):
        raise ValueError(f"numéro FINESS invalide : {finess_et!r}")
    if period is not None and not ins.PERIOD.match(period):
        raise ValueError(f"période invalide : {period!r} (format attendu AAAA-MM)")
