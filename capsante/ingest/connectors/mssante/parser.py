"""Annuaire Santé extract ``Extraction_Correspondance_MSSante`` → ``mailboxes``.

`|`-separated, header line, UTF-8, 31 columns (matched by header name). One row per mailbox
(BAL); the same address twice is an error. Holder names are never read.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ...parsing import ParseResult, Progress, SourceInput
from ...tabular import DEPARTEMENT_PATTERN, FieldSpec, TabularJob, run_tabular

SPECS = (
    FieldSpec(
        "address",
        ("Adresse BAL",),
        required=True,
        lower=True,
        pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+",
        pattern_hint="adresse de messagerie",
        invalid_label="adresse BAL invalide",
        max_length=254,
    ),
    FieldSpec(
        "bal_type",
        ("Type de BAL",),
        required=True,
        upper=True,
        enum=("PER", "ORG", "APP"),
        invalid_label="type de BAL inconnu",
    ),
    FieldSpec(
        "rpps_id",
        ("Identifiant PP",),
        pattern=r"[0-9]{11}|[0-9][0-9AB][0-9]{7}",
        pattern_hint="11 chiffres (RPPS) ou 9 caractères (ADELI)",
        invalid_label="identifiant PP invalide",
    ),
    FieldSpec("structure_id_type", ("Type identifiant structure",), upper=True, max_length=20),
    FieldSpec("structure_id", ("Identification Structure",), upper=True, max_length=100),
    FieldSpec("profession_code", ("Code Profession",), max_length=10),
    FieldSpec("postal_code", ("Code postal",), max_length=12),
    FieldSpec("departement_code", ("Département", "Departement"), upper=True, max_length=60),
)

# TRE_G07 type codes; a label in the type column is turned into its code.
STRUCTURE_TYPE_CODES = {"FINESS": "1", "SIREN": "2", "SIRET": "3", "RPPS": "4"}
FINESS_TYPE = "1"


def _structure_ids(data: pa.Table) -> pa.Table:
    """Structure ids without their type prefix: ``1`` + FINESS → FINESS (9 characters)."""
    kind = data["structure_id_type"]
    for label, code in STRUCTURE_TYPE_CODES.items():
        kind = pc.if_else(pc.fill_null(pc.equal(kind, label), False), code, kind)
    ident = data["structure_id"]
    prefixed = pc.and_(
        pc.fill_null(pc.equal(kind, FINESS_TYPE), False),
        pc.fill_null(pc.match_substring_regex(ident, r"^1[0-9][0-9AB][0-9]{7}$"), False),
    )
    ident = pc.if_else(prefixed, pc.utf8_slice_codeunits(ident, 1), ident)
    data = data.set_column(data.column_names.index("structure_id_type"), "structure_id_type", kind)
    return data.set_column(data.column_names.index("structure_id"), "structure_id", ident)


def departement_from_postal_code(postal: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Département code implied by a French postcode (Corsica split at 20200, overseas on 3)."""
    two = pc.utf8_slice_codeunits(postal, 0, 2)
    three = pc.utf8_slice_codeunits(postal, 0, 3)
    french = pc.fill_null(pc.match_substring_regex(postal, r"^[0-9]{5}$"), False)
    corsica = pc.if_else(pc.less(three, "202"), "2A", "2B")
    code = pc.if_else(
        pc.equal(two, "20"),
        corsica,
        pc.if_else(pc.match_substring_regex(two, "^9[78]$"), three, two),
    )
    return pc.if_else(french, code, pa.scalar(None, pa.string()))


def _departements(data: pa.Table) -> pa.Table:
    """The extract's Département column, or the postcode's département when it is not a code."""
    raw = data["departement_code"]
    is_code = pc.fill_null(pc.match_substring_regex(raw, f"^(?:{DEPARTEMENT_PATTERN})$"), False)
    derived = departement_from_postal_code(data["postal_code"])
    column = pc.if_else(is_code, raw, derived)
    return data.set_column(data.column_names.index("departement_code"), "departement_code", column)


def _normalise(data: pa.Table) -> pa.Table:
    return _departements(_structure_ids(data))


JOB = TabularJob(
    connector="mssante",
    table="mailboxes",
    specs=SPECS,
    duplicate_label="adresse BAL",
    separators=("|", ";", "\t"),
    preferred="|",
    quoting=False,
    transform=_normalise,
)


def parse_mssante(
    source: SourceInput,
    *,
    name: str | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> ParseResult:
    """Parse an ``Extraction_Correspondance_MSSante`` file (or its ZIP) into ``mailboxes``."""
    return run_tabular(JOB, source, name=name, chunk_size=chunk_size, progress=progress)
