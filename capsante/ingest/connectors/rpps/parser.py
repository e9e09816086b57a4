"""Annuaire Santé extract ``PS_LibreAcces_Personne_activite`` (RPPS + ADELI) → ``professionals``.

`|`-separated, header line, trailing `|`, UTF-8; one row per person × activity situation.
Columns are matched by header name (2021 and 2025+ layouts differ). Names, civilities and
contact details are never read: only the columns below leave the parser.
"""

from __future__ import annotations

from collections.abc import Collection

import pyarrow as pa
import pyarrow.compute as pc

from ...parsing import ParseResult, Progress, SourceInput
from ...tabular import COMMUNE_PATTERN, FINESS_PATTERN, FieldSpec, TabularJob, run_tabular

CS = " (coord. structure)"

SPECS = (
    FieldSpec(
        "rpps_id",
        ("Identifiant PP",),
        required=True,
        pattern=r"[0-9]{11}|[0-9][0-9AB][0-9]{7}",
        pattern_hint="11 chiffres (RPPS) ou 9 caractères (ADELI)",
        invalid_label="identifiant PP invalide",
    ),
    FieldSpec(
        "profession_code",
        ("Code profession",),
        required=True,
        pattern=r"[0-9]{1,3}",
        invalid_label="code profession invalide",
    ),
    FieldSpec("profession_label", ("Libellé profession",), max_length=200),
    FieldSpec(
        "mode",
        ("Code mode exercice", "Code mode d'exercice"),
        upper=True,
        enum=("L", "S", "B"),
        invalid_label="mode d'exercice inconnu",
    ),
    FieldSpec(
        "commune_code",
        (f"Code commune{CS}", "Code commune (structure)", "Code commune"),
        upper=True,
        pattern=COMMUNE_PATTERN,
        pattern_hint="code commune INSEE à 5 caractères",
        invalid_label="code commune invalide",
        known="communes",
        unknown_label="code commune inconnu",
    ),
    # Foreign activity sites carry foreign postcodes: the value is kept without a pattern.
    FieldSpec(
        "postal_code", (f"Code postal{CS}", "Code postal (structure)", "Code postal"), max_length=12
    ),
    FieldSpec(
        "finess_site",
        ("Numéro FINESS site",),
        upper=True,
        pattern=FINESS_PATTERN,
        pattern_hint="9 caractères",
        invalid_label="numéro FINESS invalide",
    ),
    FieldSpec(
        "siret_site",
        ("Numéro SIRET site",),
        pattern=r"[0-9]{14}",
        pattern_hint="14 chiffres",
        invalid_label="numéro SIRET invalide",
    ),
    FieldSpec("structure_id", ("Identifiant technique de la structure",), max_length=100),
    FieldSpec(
        "sector_code",
        ("Code secteur d'activité", "Code secteur d'activite"),
        upper=True,
        max_length=20,
    ),
)


def _empty_mode_when_unknown(data: pa.Table) -> pa.Table:
    """The contract spells an unknown mode as an empty string, not a null."""
    index = data.column_names.index("mode")
    return data.set_column(index, "mode", pc.fill_null(data["mode"], ""))


JOB = TabularJob(
    connector="rpps",
    table="professionals",
    specs=SPECS,
    duplicate_label="activité",
    # The extract repeats an activity once per savoir-faire: identical rows are expected.
    duplicates="merge",
    separators=("|", ";", "\t"),
    preferred="|",
    quoting=False,
    transform=_empty_mode_when_unknown,
)


def parse_rpps(
    source: SourceInput,
    *,
    name: str | None = None,
    known_communes: Collection[str] | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> ParseResult:
    """Parse a ``PS_LibreAcces_Personne_activite`` file (or its ZIP) into ``professionals``."""
    known = {"communes": known_communes} if known_communes is not None else None
    return run_tabular(
        JOB, source, name=name, known=known, chunk_size=chunk_size, progress=progress
    )
