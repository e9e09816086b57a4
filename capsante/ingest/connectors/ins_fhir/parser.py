"""FHIR R4 FR Core ``Patient`` resources (Bundle JSON or NDJSON) → ``ins_identities`` counts.

Per patient: establishment (``meta.source`` / ``managingOrganization`` FINESS, else the
``finess_et`` argument), period (``meta.lastUpdated``, else the identity-reliability
``validationDate``, else the ``period`` argument), RNIV status (``identityStatus``) and whether an
INS-NIR/NIA identifier with a valid key is present. Nothing else is kept: no identifier, name or
birth date leaves this module, not even in error messages.

Three paths give the same counts (tests check it): NDJSON blocks are read column-wise by Arrow
(``columnar``); the rows it cannot vouch for, and Bundles, go through ``quick_identity`` and,
for anything unusual, ``count_patient``, which also words the errors.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ... import ins, jsonlib
from ...parsing import (
    Block,
    BlockReader,
    ErrorCollector,
    ParseResult,
    Progress,
    RowError,
    SourceInput,
    display_name,
    finish,
    open_source,
    reporter,
)
from . import columnar

RELIABILITY_URL = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
STATUS_SYSTEMS = ins.STATUS_SYSTEMS
# A Bundle, pretty-printed or on one line, is parsed whole: above this size, NDJSON is required.
MAX_DOCUMENT = 512 * 1024 * 1024
MAX_NDJSON_LINE = 64 * 1024 * 1024  # a Patient with embedded photos stays under this
NDJSON_NAMES = (".ndjson", ".jsonl")
TOO_LARGE = "document JSON trop volumineux : exportez les patients en NDJSON"
_SOURCE_FINESS = re.compile(r"(?:^|[/:|#=])([0-9][0-9A-Z][0-9]{7})$")
OTHER_RESOURCE_TYPES = frozenset(
    {"Observation", "Encounter", "Organization", "Practitioner", "PractitionerRole", "Person",
     "RelatedPerson", "Condition", "DocumentReference", "Location", "OperationOutcome",
     "Procedure", "MedicationRequest", "Coverage", "Appointment", "Group"}
)  # fmt: skip
_NOT_BLANK = re.compile(rb"\S")
_DOUBTFUL = re.compile(r"\b(DOUT|FICT)\b")
UNKNOWN_SYSTEM = (
    "système de code inconnu pour le statut d'identité (acceptés : les systèmes FR Core "
    + ", ".join(system.rsplit("/", 1)[-1] for system in STATUS_SYSTEMS)
    + ")"
)


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
    # Patient.id and position of every patient, held only while parsing to report repeats.
    ids: list[pa.Array] = field(default_factory=list)
    id_positions: list[np.ndarray] = field(default_factory=list)
    pending_ids: list[str] = field(default_factory=list)
    pending_positions: list[int] = field(default_factory=list)

    def problem(self, line: int | None, where: str | None, exc: Problem) -> None:
        column = exc.column if where is None else f"{where}.{exc.column}" if exc.column else where
        self.errors.add(RowError(self.file, line, column, exc.reason))


# --------------------------------------------------------------------------- one Patient


def _finess_from_identifier(identifier: dict[str, Any]) -> str | None:
    system = str(identifier.get("system") or "")
    value = str(identifier.get("value") or "").strip().upper()
    if ins.FINESS_OID not in system and "finess" not in system.lower():
        return None
    if len(value) == 10 and value.startswith("1"):  # idNatSt = type 1 + FINESS
        value = value[1:]
    return value if ins.is_finess(value) else None


def _object(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Problem(key, "structure JSON invalide (objet attendu)")
    return value


@lru_cache(maxsize=4096)
def _finess_from_source(source: str) -> str | None:
    """FINESS at the end of ``meta.source`` (few distinct values per file: cached)."""
    match = _SOURCE_FINESS.search(source.strip())
    return match.group(1) if match else None


def _establishment(patient: dict[str, Any], organisations: dict[str, str]) -> str | None:
    source = _object(patient, "meta").get("source")
    if type(source) is str:
        found = _finess_from_source(source)
        if found:
            return found
    organisation = _object(patient, "managingOrganization")
    identifier = organisation.get("identifier")
    if isinstance(identifier, dict):
        found = _finess_from_identifier(identifier)
        if found:
            return found
    reference = organisation.get("reference")
    if isinstance(reference, str):
        return organisations.get(reference.removeprefix("#"))
    return None


def _reliability(patient: dict[str, Any]) -> tuple[list[str], bool, bool, str | None]:
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
                doubtful = doubtful or _is_doubtful(sub)
            elif url == "validationDate":
                validated = sub.get("valueDate") or sub.get("valueDateTime")
        return codes, legacy, doubtful, validated
    return [], False, False, None


def _is_doubtful(comment: dict[str, Any]) -> bool:
    """A DOUT/FICT comment: free text (older files) or a coded comment (current FR Core)."""
    if _DOUBTFUL.search(str(comment.get("valueString") or "").upper()):
        return True
    concept = comment.get("valueCodeableConcept")
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return isinstance(codings, list) and any(
        isinstance(c, dict) and str(c.get("code") or "").upper() in ins.FORCE_PROVISIONAL
        for c in codings
    )


def _status_coding(sub: dict[str, Any]) -> tuple[str, bool]:
    if "valueCode" in sub:
        return str(sub["valueCode"]), False
    coding = sub.get("valueCoding")
    if not isinstance(coding, dict):
        raise Problem("identityStatus", "statut d'identité absent (valueCoding attendu)")
    system = coding.get("system")
    if system is None:
        return str(coding.get("code") or ""), False
    if type(system) is not str or system not in STATUS_SYSTEMS:
        raise Problem("identityStatus", UNKNOWN_SYSTEM)
    return str(coding.get("code") or ""), STATUS_SYSTEMS[system]


def _ins(patient: dict[str, Any]) -> tuple[bool, bool]:
    """(carries a production INS identifier, one of them has a valid NIR key)."""
    has_ins = valid = False
    for identifier in _list(patient, "identifier"):
        system = str(identifier.get("system") or "")
        oid = system[8:] if system.startswith("urn:oid:") else system
        if oid in ins.PRODUCTION_OIDS:
            has_ins = True
            valid = valid or ins.nir_is_valid(str(identifier.get("value") or ""))
    return has_ins, valid


def _list(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    # ``type(...) is`` rather than isinstance: this runs millions of times.
    value = obj.get(key)
    if value is None:
        return []
    if type(value) is not list:
        raise Problem(key, "structure JSON invalide (liste d'objets attendue)")
    for item in value:
        if type(item) is not dict:
            raise Problem(key, "structure JSON invalide (liste d'objets attendue)")
    return value


def _period(patient: dict[str, Any], validated: str | None, default: str | None) -> str:
    updated = _object(patient, "meta").get("lastUpdated")
    for column, value in (("meta.lastUpdated", updated), ("validationDate", validated)):
        if value is None:
            continue
        period = ins.period_of(str(value))
        if period is None:
            raise Problem(column, "date invalide (format attendu AAAA-MM-JJ)")
        return period
    if default is None:
        raise Problem(
            "meta.lastUpdated",
            "période introuvable : ni meta.lastUpdated, ni validationDate, ni période indiquée à l'import",
        )
    return default


def count_patient(patient: dict[str, Any], state: State, organisations: dict[str, str]) -> None:
    codes, legacy, doubtful, validated = _reliability(patient)
    has_ins, valid = _ins(patient)
    try:
        status = "PROV" if doubtful else ins.status_of(codes, legacy=legacy, has_ins=has_ins)
    except ins.UnknownStatus:
        raise Problem("identityStatus", ins.UNKNOWN_STATUS) from None
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


def _organisations(resources: list[dict[str, Any]]) -> dict[str, str]:
    """FINESS of the Organizations of a Bundle (or contained), by id and ``Organization/id``."""
    found: dict[str, str] = {}
    for resource in resources:
        if not isinstance(resource, dict) or resource.get("resourceType") != "Organization":
            continue
        for identifier in resource.get("identifier") or []:
            finess = _finess_from_identifier(identifier) if isinstance(identifier, dict) else None
            if finess and resource.get("id"):
                found[str(resource["id"])] = finess
                found[f"Organization/{resource['id']}"] = finess
    return found


def _type_name(kind: object) -> str:
    """A resource type worth quoting; anything else could be patient data and is not echoed."""
    return str(kind) if kind in OTHER_RESOURCE_TYPES else "type non reconnu"


def _resources(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Objects of a list (``contained``, Bundle entries' resources), ignoring anything else."""
    value = obj.get(key) or []
    if not isinstance(value, list):
        raise Problem(key, "structure JSON invalide (liste attendue)")
    if key == "entry":
        value = [item.get("resource") for item in value if isinstance(item, dict)]
    return [item for item in value if isinstance(item, dict)]


def _patients(obj: Any) -> Iterator[tuple[int | None, dict[str, Any], dict[str, str]]]:
    """(Bundle entry index or None, Patient, known organisations) for a Patient or a Bundle."""
    if not isinstance(obj, dict):
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
        found = (
            "resourceType absent" if kind is None else f"ressource inattendue : {_type_name(kind)}"
        )
        raise Problem("resourceType", f"{found} (Patient ou Bundle attendu)")


def _handle(obj: Any, line: int | None, state: State) -> None:
    if type(obj) is dict and obj.get("resourceType") == "Patient" and "contained" not in obj:
        _handle_patient(obj, line, state)  # the common case of a bulk export, without detours
        return
    try:
        for index, patient, organisations in _patients(obj):
            state.seen += 1
            where = None if index is None else f"entry[{index}].resource"
            try:
                _remember_id(patient, line, index, state)
                _count(patient, state, organisations)
            except Problem as exc:
                state.problem(line, where, exc)
    except Problem as exc:
        state.problem(line, None, exc)


def _handle_patient(patient: dict[str, Any], line: int | None, state: State) -> None:
    state.seen += 1
    try:
        _remember_id(patient, line, None, state)
        _count(patient, state, _NO_ORGANISATIONS)
    except Problem as exc:
        state.problem(line, None, exc)


def _count(patient: dict[str, Any], state: State, organisations: dict[str, str]) -> None:
    quick = quick_identity(patient)
    if quick is None:
        count_patient(patient, state, organisations)
    else:
        state.counts.counts[quick] += 1


_PRODUCTION_SYSTEMS = frozenset(f"urn:oid:{oid}" for oid in ins.PRODUCTION_OIDS)
# An INS OID written without its ``urn:oid:`` prefix (not FHIR, but seen): careful path.
_BARE_OIDS = ins.PRODUCTION_OIDS


def quick_identity(patient: dict[str, Any]) -> tuple[str, str, str, bool] | None:
    """The counting key of a plain Patient, or None to take the careful path.

    Plain means: meta.lastUpdated; a FINESS at the end of meta.source or, failing that, as
    managingOrganization's identifier in FHIR's own form (system ``urn:oid:`` + the FINESS OID);
    one reliability extension with one status coded in a known FR Core system and no comment.
    Anything else (no system, DOUT/FICT comment, odd JSON types, an organisation by reference…)
    is left to ``count_patient``, which gives the same answer more slowly and words the errors.
    A test checks they agree.
    """
    meta = patient.get("meta")
    extensions = patient.get("extension")
    identifiers = patient.get("identifier")
    if type(meta) is not dict or type(extensions) is not list or type(identifiers) is not list:
        return None
    updated, source = meta.get("lastUpdated"), meta.get("source")
    if type(updated) is not str or (source is not None and type(source) is not str):
        return None
    period = _period_prefix(updated[:7])
    finess = (source and _finess_from_source(source)) or _quick_organisation(patient)
    found = _quick_status(extensions)
    if period is None or finess is None or found is None:
        return None
    status, table_0445 = found
    has_ins = valid = False
    for identifier in identifiers:
        if type(identifier) is not dict:
            return None
        system = identifier.get("system")
        if type(system) is not str:
            continue
        if system in _PRODUCTION_SYSTEMS:
            has_ins = True
            if not valid:
                value = identifier.get("value")
                valid = type(value) is str and ins.nir_is_valid(value)
        elif system in _BARE_OIDS:
            return None
    if table_0445 and has_ins and status == "VALI":
        status = "QUAL"
    return period, finess, status, valid


# The same rule as the columnar path's: one definition for both fast paths.
_ORGANISATION_FINESS = re.compile(columnar.ORGANISATION_FINESS)


def _quick_organisation(patient: dict[str, Any]) -> str | None:
    """managingOrganization's FINESS when written plainly; any other form: careful path."""
    organisation = patient.get("managingOrganization")
    if type(organisation) is not dict:
        return None
    identifier = organisation.get("identifier")
    if type(identifier) is not dict or identifier.get("system") != columnar.FINESS_SYSTEM:
        return None
    value = identifier.get("value")
    match = _ORGANISATION_FINESS.match(value) if type(value) is str else None
    return match.group("finess") if match else None


@lru_cache(maxsize=1024)
def _period_prefix(prefix: str) -> str | None:
    return prefix if ins.PERIOD.match(prefix) else None


def _quick_status(extensions: list[Any]) -> tuple[str, bool] | None:
    """(status code, whether its system copies HL7 table 0445), or None for the careful path."""
    status = None
    table_0445 = False
    seen = False  # a second reliability extension, even an empty first one, is for the careful path
    for extension in extensions:
        if type(extension) is not dict:
            return None
        if extension.get("url") != RELIABILITY_URL:
            continue
        subs = extension.get("extension")
        if seen or type(subs) is not list:
            return None
        seen = True
        for sub in subs:
            if type(sub) is not dict:
                return None
            url = sub.get("url")
            if url == "comment":
                return None
            if url == "identityStatus":
                coding = sub.get("valueCoding")
                if status is not None or type(coding) is not dict:
                    return None
                system = coding.get("system")
                if type(system) is not str or system not in STATUS_SYSTEMS:
                    return None
                status, table_0445 = coding.get("code"), STATUS_SYSTEMS[system]
    return (status, table_0445) if type(status) is str and status in _QUICK_STATUSES else None


_QUICK_STATUSES = frozenset(ins.STATUSES)


_NO_ORGANISATIONS: dict[str, str] = {}


def _remember_id(
    patient: dict[str, Any], line: int | None, index: int | None, state: State
) -> None:
    """Keep a salted hash of Patient.id (never the id) and where it was, to report repeats."""
    resource_id = patient.get("id")
    if resource_id is None:
        return
    state.pending_ids.append(str(resource_id))
    state.pending_positions.append(_position(line, index))


_LINE = 1_000_000_000
_NO_ENTRY = _LINE - 1


def _position(line: int | None, index: int | None) -> int:
    """Line and Bundle entry packed in one sortable integer: NDJSON lines may hold Bundles."""
    return (line or 0) * _LINE + (index if index is not None else _NO_ENTRY)


def _locate(position: int) -> tuple[int | None, str | None, str]:
    """(line, column, French description) of a packed position."""
    line, index = divmod(position, _LINE)
    column = None if index == _NO_ENTRY else f"entry[{index}]"
    place = " ".join(part for part in ((f"ligne {line}" if line else ""), column or "") if part)
    return line or None, column, place


def _json_error(exc: jsonlib.JSONDecodeError) -> str:
    if jsonlib.is_truncation(exc):
        return "JSON tronqué : la ressource s'arrête avant sa fin"
    return f"JSON invalide (colonne {exc.colno})"


# --------------------------------------------------------------------------- file formats


def _parse_ndjson(blocks: Iterable[Block], state: State) -> None:
    for source_block in blocks:
        start, data = source_block.first_line, source_block.data
        block = columnar.read_block(data, source_block.breaks)
        if block is None:
            for offset, raw in enumerate(data.split(b"\n")):
                _careful_line(raw, start + offset, state)
            continue
        _add_plain_rows(block, start, state)
        if len(block.careful_rows):
            raw_lines = data.split(b"\n")
            for row in block.careful_rows.tolist():
                _careful_line(raw_lines[row], start + row, state)


def _add_plain_rows(block: columnar.BlockCounts, start: int, state: State) -> None:
    state.seen += len(block.plain_rows)
    state.counts.counts.update(block.counts)
    state.ids.append(block.ids)
    state.id_positions.append((start + block.plain_rows) * _LINE + _NO_ENTRY)


def _careful_line(raw: bytes, line: int, state: State) -> None:
    if not raw.strip():
        return
    try:
        obj = jsonlib.loads(raw)
    except jsonlib.JSONDecodeError as exc:
        state.seen += 1
        state.errors.add(RowError(state.file, line, None, _json_error(exc)))
        return
    _handle(obj, line, state)


def _parse_document(blocks: Iterable[Block], state: State) -> None:
    parts = []
    size = 0
    for block in blocks:
        data = block.data
        size += len(data)
        if size > MAX_DOCUMENT:
            raise RowError(state.file, None, None, TOO_LARGE)
        parts.append(data)
    try:
        obj = jsonlib.loads(b"".join(parts))
    except jsonlib.JSONDecodeError as exc:
        state.errors.add(RowError(state.file, exc.lineno, None, _json_error(exc)))
        return
    _handle(obj, None, state)


def _declared_ndjson(file: str) -> bool:
    return file.lower().endswith(NDJSON_NAMES)


def _is_ndjson(file: str, first: bytes, more: bool) -> bool:
    """NDJSON when named so, or when its first line alone is a JSON object and another line
    follows. A pretty-printed Bundle's first line is not an object; a file of one line is one
    document (a Bundle exported without line breaks), read whole like a pretty-printed one."""
    if _declared_ndjson(file):
        return True
    end = first.find(b"\n")
    if end < 0:
        end = len(first)
    if not more and _NOT_BLANK.search(first, end) is None:
        return False
    try:
        return isinstance(jsonlib.loads(first[:end]), dict)
    except jsonlib.JSONDecodeError:
        return False


def _report_duplicate_ids(state: State) -> None:
    """One error per repeated Patient.id, naming where it first appeared (the id is not quoted)."""
    ids = pa.concat_arrays([*state.ids, pa.array(state.pending_ids, pa.string())])
    positions = np.concatenate([*state.id_positions, np.asarray(state.pending_positions, np.int64)])
    table = pa.table({"id": ids, "position": positions}).filter(pc.is_valid(ids))
    if table.num_rows == 0 or pc.count_distinct(table["id"]).as_py() == table.num_rows:
        return
    grouped = table.group_by("id", use_threads=False).aggregate([("position", "list")])
    lists = grouped["position_list"].filter(
        pc.greater(pc.list_value_length(grouped["position_list"]), 1)
    )
    for repeated in lists.to_pylist():
        first, *others = sorted(repeated)
        earlier = _locate(first)[2]
        for position in others:
            line, column, _ = _locate(position)
            reason = f"patient en double : même id de ressource qu'en {earlier}"
            state.errors.add(RowError(state.file, line, column, reason))


def parse_ins_fhir(
    source: SourceInput,
    *,
    name: str | None = None,
    finess_et: str | None = None,
    period: str | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> ParseResult:
    """Count FR Core Patients by (period, FINESS ET, status, INS validity); keep nothing else."""
    _check_arguments(finess_et, period)
    file = display_name(source, name)
    result = ParseResult("ins-fhir", file)
    errors = ErrorCollector()
    state = State(file, errors, Defaults(finess_et, period))
    try:
        with closing(open_source(source, file)) as stream:
            # Lines of a file not named .ndjson may be as long as a whole document: a Bundle
            # exported on one line is one.
            declared = _declared_ndjson(file)
            reader = BlockReader(
                stream,
                file,
                errors,
                chunk_size=chunk_size,
                max_line=MAX_NDJSON_LINE if declared else MAX_DOCUMENT,
                line_too_long=None if declared else TOO_LARGE,
                on_read=reporter(progress, source),
            )
            blocks = iter(reader)
            first = next(blocks, None)
            if first is None or not first.data.strip():
                raise RowError(file, None, None, "fichier vide")
            second = next(blocks, None)
            every_block = itertools.chain([first], [] if second is None else [second], blocks)
            if _is_ndjson(file, first.data, more=second is not None):
                _parse_ndjson(every_block, state)
            else:
                _parse_document(every_block, state)
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
