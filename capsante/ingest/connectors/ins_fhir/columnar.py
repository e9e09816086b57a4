"""Column-wise counting of plain FR Core Patients, for large NDJSON bulk exports.

pyarrow's JSON reader parses a block of NDJSON lines against a narrow schema (only the fields the
count needs; names, addresses, birth dates are skipped, never materialised) and the checks run as
vectorised kernels. A row is "plain" under the same rule as ``parser.quick_identity``; every
other row, and every block Arrow refuses (invalid JSON, unexpected types, blank lines…), goes to
the careful line-by-line path, which also words the errors.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from ... import ins

S = pa.string()
_CODING = pa.struct([("system", S), ("code", S)])
_SUB = pa.struct([("url", S), ("valueCoding", _CODING)])
_IDENTIFIER = pa.struct([("system", S), ("value", S)])
SCHEMA = pa.schema(
    [
        ("resourceType", S),
        ("id", S),
        ("meta", pa.struct([("lastUpdated", S), ("source", S)])),
        ("extension", pa.list_(pa.struct([("url", S), ("extension", pa.list_(_SUB))]))),
        ("identifier", pa.list_(_IDENTIFIER)),
        ("managingOrganization", pa.struct([("identifier", _IDENTIFIER)])),
        # Present only to route such rows to the careful path.
        ("contained", pa.list_(pa.struct([("resourceType", S)]))),
    ]
)
RELIABILITY_URL = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
SOURCE_FINESS = r"(?:^|[/:|#=])(?P<finess>[0-9][0-9A-Z][0-9]{7})$"
FINESS_SYSTEM = f"urn:oid:{ins.FINESS_OID}"
# managingOrganization's identifier: the FINESS number, or idNatSt's form (type 1 + FINESS).
ORGANISATION_FINESS = r"^1?(?P<finess>[0-9][0-9A-Z][0-9]{7})$"
PRODUCTION_SYSTEMS = sorted(f"urn:oid:{oid}" for oid in ins.PRODUCTION_OIDS)
BARE_OIDS = sorted(ins.PRODUCTION_OIDS)
TABLE_0445_SYSTEMS = sorted(ins.TABLE_0445_SYSTEMS)
NIR = r"^[1-478][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}$"


@dataclass
class BlockCounts:
    counts: Counter[tuple[str, str, str, bool]]
    plain_rows: np.ndarray  # row indices counted here
    careful_rows: np.ndarray  # row indices to read line by line
    ids: pa.Array  # Patient.id of the plain rows, for the duplicate check


def read_block(data: bytes, breaks: int) -> BlockCounts | None:
    """Counts of the plain rows of a block of NDJSON, or None if Arrow cannot read it as a whole."""
    if b"\n\n" in data or b"\n\r\n" in data or data.startswith((b"\n", b"\r")):
        return None  # blank lines would shift rows against lines
    try:
        table = pajson.read_json(
            io.BytesIO(data),
            # 1 MB blocks parsed on all cores; a longer line makes Arrow give up: careful path.
            read_options=pajson.ReadOptions(use_threads=True, block_size=1 << 20),
            parse_options=pajson.ParseOptions(
                explicit_schema=SCHEMA, unexpected_field_behavior="ignore"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != breaks + (0 if data.endswith(b"\n") else 1):
        return None
    return _count(table)


def _np(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _flat(table: pa.Table, name: str) -> pa.Array:
    column = table[name]
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _by_distinct(values: pa.Array, compute: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``compute`` applied to the distinct values only: sources and months repeat a lot."""
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return pc.take(compute(encoded.dictionary), encoded.indices)


def _count(table: pa.Table) -> BlockCounts:
    rows = table.num_rows
    meta = _flat(table, "meta")
    period = _by_distinct(
        pc.utf8_slice_codeunits(pc.struct_field(meta, "lastUpdated"), 0, 7),
        lambda v: pc.if_else(pc.match_substring_regex(v, r"^[0-9]{4}-(0[1-9]|1[0-2])$"), v, None),
    )
    finess = pc.coalesce(
        _by_distinct(
            pc.struct_field(meta, "source"),
            lambda v: pc.struct_field(pc.extract_regex(v, SOURCE_FINESS), "finess"),
        ),
        _organisation_finess(_flat(table, "managingOrganization")),
    )
    status, table_0445 = _status(_flat(table, "extension"), rows)
    has_ins, valid, bare = _ins_valid(_flat(table, "identifier"), rows)
    # Table 0445's VALI on an identity carrying an INS is RNIV's QUAL (``ins.status_of``).
    upgraded = table_0445 & has_ins & _np(pc.equal(status, "VALI"))
    status = pc.if_else(pa.array(upgraded), pa.scalar("QUAL"), status)
    plain = (
        _np(pc.equal(_flat(table, "resourceType"), "Patient"))
        & _np(pc.is_null(_flat(table, "contained")))
        & _np(pc.is_valid(period))
        & _np(pc.is_valid(finess))
        & _np(pc.is_valid(status))
        & ~bare
    )
    keep = pa.array(plain)
    keys = pa.table({"period": period, "finess": finess, "status": status, "valid": valid})
    grouped = (
        keys.filter(keep)
        .group_by(["period", "finess", "status", "valid"])
        .aggregate([([], "count_all")])
    )
    counts: Counter[tuple[str, str, str, bool]] = Counter()
    for row in grouped.to_pylist():
        counts[(row["period"], row["finess"], row["status"], row["valid"])] += row["count_all"]
    ids = _flat(table, "id").filter(keep)
    return BlockCounts(counts, np.flatnonzero(plain), np.flatnonzero(~plain), ids)


def _organisation_finess(organisation: pa.Array) -> pa.Array:
    """managingOrganization's FINESS where its identifier has FHIR's FINESS system (null elsewhere),
    as ``parser.quick_identity`` reads it."""
    identifier = pc.struct_field(organisation, "identifier")
    finess = _by_distinct(
        pc.struct_field(identifier, "value"),
        lambda v: pc.struct_field(pc.extract_regex(v, ORGANISATION_FINESS), "finess"),
    )
    finess_system = pc.equal(pc.struct_field(identifier, "system"), FINESS_SYSTEM)
    return pc.if_else(pc.fill_null(finess_system, False), finess, pa.scalar(None, pa.string()))


def _status(extensions: pa.Array, rows: int) -> tuple[pa.Array, np.ndarray]:
    """The status code of rows with exactly one reliability extension, itself holding exactly one
    ``identityStatus`` coded in a known FR Core system and no ``comment`` (null for every other
    row), and whether that system copies HL7 table 0445."""
    outer = pc.list_flatten(extensions)
    outer_parent = pc.list_parent_indices(extensions).to_numpy()
    is_reliability = _np(pc.equal(pc.struct_field(outer, "url"), RELIABILITY_URL))
    per_row = np.bincount(outer_parent[is_reliability], minlength=rows)
    subs_lists = pc.struct_field(outer, "extension").filter(pa.array(is_reliability))
    subs = pc.list_flatten(subs_lists)
    sub_parent = outer_parent[is_reliability][pc.list_parent_indices(subs_lists).to_numpy()]
    url = pc.struct_field(subs, "url")
    coding = pc.struct_field(subs, "valueCoding")
    code = pc.struct_field(coding, "code")
    is_status = _np(pc.equal(url, "identityStatus"))
    system = pc.struct_field(coding, "system")
    old_meaning = _np(pc.is_in(system, value_set=pa.array(TABLE_0445_SYSTEMS, S)))
    good_status = is_status & (_np(pc.equal(system, ins.STATUS_SYSTEM)) | old_meaning)
    good_status &= _np(pc.is_in(code, value_set=pa.array(ins.STATUSES)))
    comments = np.bincount(sub_parent[_np(pc.equal(url, "comment"))], minlength=rows)
    statuses = np.bincount(sub_parent[is_status], minlength=rows)
    good = np.bincount(sub_parent[good_status], minlength=rows)
    usable = (per_row == 1) & (comments == 0) & (statuses == 1) & (good == 1)
    # For each usable row, the position of its one good status among the sub-extensions.
    position = np.zeros(rows, dtype=np.int64)
    position[sub_parent[good_status]] = np.flatnonzero(good_status)
    taken = pc.take(code, pa.array(position)) if len(code) else pa.nulls(rows, pa.string())
    table_0445 = np.bincount(sub_parent[good_status & old_meaning], minlength=rows) > 0
    return pc.if_else(pa.array(usable), taken, pa.scalar(None, pa.string())), table_0445


def _ins_valid(identifiers: pa.Array, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: carries a production INS identifier (NIR/NIA OID); one of them has a key that
    checks out; an INS OID is written without ``urn:oid:`` (left to the careful path)."""
    flat = pc.list_flatten(identifiers)
    parent = pc.list_parent_indices(identifiers).to_numpy()
    value = pc.utf8_upper(pc.struct_field(flat, "value"))
    system = pc.struct_field(flat, "system")
    production = _np(pc.is_in(system, value_set=pa.array(PRODUCTION_SYSTEMS)))
    bare = np.bincount(parent[_np(pc.is_in(system, value_set=pa.array(BARE_OIDS)))], minlength=rows)
    has_ins = np.bincount(parent[production], minlength=rows) > 0
    shaped = production & _np(pc.match_substring_regex(value, NIR))
    candidates = pc.filter(value, pa.array(shaped))
    # Corsica: 2A → 19, 2B → 18 before the key computation (they only occur at positions 6-7).
    body = pc.replace_substring_regex(
        pc.utf8_slice_codeunits(candidates, 0, 13), r"^(.{5})2A", r"\119"
    )
    body = pc.replace_substring_regex(body, r"^(.{5})2B", r"\118")
    number = pc.cast(body, pa.int64()).to_numpy()
    key = pc.cast(pc.utf8_slice_codeunits(candidates, 13, 15), pa.int64()).to_numpy()
    good = np.zeros(len(value), dtype=bool)
    good[np.flatnonzero(shaped)] = (97 - number % 97) == key
    return has_ins, np.bincount(parent[good], minlength=rows) > 0, bare > 0
