"""Where the staged tables live and what they look like (docs/staging-contract.md).

The engine never trusts a directory listing alone: every table of the contract is known here with
its columns, so that a table missing on disk is exposed as an empty view of the right shape and the
definitions that read it simply return no rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# Column types follow docs/staging-contract.md. Counts are BIGINT, codes are strings.
_STR = pa.string()
_I64 = pa.int64()
CONTRACT: dict[str, pa.Schema] = {
    "structures": pa.schema(
        [
            ("finess_et", _STR),
            ("finess_ej", _STR),
            ("name", _STR),
            ("category_code", _STR),
            ("category_label", _STR),
            ("category_group", _STR),
            ("commune_code", _STR),
            ("departement_code", _STR),
            ("address", _STR),
            ("postal_code", _STR),
            ("phone", _STR),
            ("fax", _STR),
            ("lat", pa.float64()),
            ("lon", pa.float64()),
            ("opened_on", pa.date32()),
        ]
    ),
    "professionals": pa.schema(
        [
            ("rpps_id", _STR),
            ("profession_code", _STR),
            ("profession_label", _STR),
            ("mode", _STR),
            ("commune_code", _STR),
            ("postal_code", _STR),
            ("finess_site", _STR),
            ("siret_site", _STR),
            ("structure_id", _STR),
            ("sector_code", _STR),
        ]
    ),
    "mailboxes": pa.schema(
        [
            ("address", _STR),
            ("bal_type", _STR),
            ("rpps_id", _STR),
            ("structure_id_type", _STR),
            ("structure_id", _STR),
            ("profession_code", _STR),
            ("postal_code", _STR),
            ("departement_code", _STR),
        ]
    ),
    "ins_identities": pa.schema(
        [
            ("period", _STR),
            ("finess_et", _STR),
            ("status", _STR),
            ("ins_valid", pa.bool_()),
            ("identities", _I64),
        ]
    ),
    "am_mes_activations": pa.schema(
        [
            ("period", _STR),
            ("commune_code", _STR),
            ("beneficiaries", _I64),
            ("activated", _I64),
            ("with_document", _I64),
        ]
    ),
    "am_dmp_documents": pa.schema(
        [("period", _STR), ("commune_code", _STR), ("document_type", _STR), ("documents", _I64)]
    ),
    "am_dmp_consultations": pa.schema(
        [
            ("period", _STR),
            ("commune_code", _STR),
            ("profession_code", _STR),
            ("professionals", _I64),
            ("consulting", _I64),
        ]
    ),
    "am_telehealth": pa.schema(
        [
            ("period", _STR),
            ("commune_code", _STR),
            ("profession_code", _STR),
            ("act_code", _STR),
            ("acts", _I64),
            ("professionals_liberal", _I64),
            ("professionals_practicing", _I64),
        ]
    ),
    "am_telehealth_offer": pa.schema(
        [("period", _STR), ("departement_code", _STR), ("specialty", _STR), ("platform", _STR)]
    ),
    "survey_answers": pa.schema(
        [
            ("survey", _STR),
            ("finess_et", _STR),
            ("answered_on", pa.date32()),
            ("has_fax", pa.bool_()),
            ("has_mss", pa.bool_()),
            ("uses_mss", pa.bool_()),
            ("telehealth_equipped", pa.bool_()),
            ("telehealth_in_use", pa.bool_()),
            ("mss_kit", pa.bool_()),
        ]
    ),
    "cyber_register": pa.schema(
        [
            ("finess_ej", _STR),
            ("finess_et", _STR),
            ("region_code", _STR),
            ("exercise_status", _STR),
            ("exercise_date", pa.date32()),
            ("kit_level", _STR),
            ("care_registered", pa.bool_()),
            ("care_domain", _STR),
        ]
    ),
    # Exported by the Django side, read like any staged table.
    "campaign_status": pa.schema(
        [("period", _STR), ("campaign", _STR), ("finess_et", _STR), ("stage_order", _I64)]
    ),
    "territory_membership": pa.schema(
        [("commune_code", _STR), ("territory_code", _STR), ("territory_level", _STR)]
    ),
    "territory_population": pa.schema(
        [("territory_code", _STR), ("territory_level", _STR), ("population", _I64)]
    ),
}

PARTITIONED = frozenset(
    {
        "ins_identities",
        "am_mes_activations",
        "am_dmp_documents",
        "am_dmp_consultations",
        "am_telehealth",
        "am_telehealth_offer",
        "campaign_status",
    }
)
TERRITORY_TABLES = frozenset({"territory_membership", "territory_population"})
TERRITORY_LEVELS = ("commune", "epci", "departement", "region", "groupement")


def table_dir(staging_root: Path, table: str) -> Path:
    return Path(staging_root) / table


def parquet_files(staging_root: Path, table: str) -> list[Path]:
    """Every Parquet file of a table; temporary files of an import in progress are skipped."""
    root = table_dir(staging_root, table)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.parquet") if not p.name.startswith((".", "_")))


def table_periods(staging_root: Path, table: str) -> list[str]:
    """Months present on disk for a partitioned table, read from the `period=YYYY-MM` folders.

    Listing folders costs nothing compared with a scan, and it is exactly what an import rewrites.
    """
    root = table_dir(staging_root, table)
    if table not in PARTITIONED or not root.is_dir():
        return []
    periods = set()
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith("period="):
            period = child.name.removeprefix("period=")
            if PERIOD_RE.match(period) and any(child.glob("*.parquet")):
                periods.add(period)
    return sorted(periods)


def import_period(staging_root: Path, tables: Iterable[str]) -> str | None:
    """The month of the latest import among tables without a period (file modification time, UTC).

    Connectors rewrite `data.parquet` at each import, so its mtime is the import date; this is the
    default period given to snapshot indicators when the caller passes no `snapshot_period`.
    """
    mtimes = [f.stat().st_mtime for t in tables for f in parquet_files(staging_root, t)]
    if not mtimes:
        return None
    return dt.datetime.fromtimestamp(max(mtimes), tz=dt.UTC).strftime("%Y-%m")


def check_period(period: str) -> str:
    if not isinstance(period, str) or not PERIOD_RE.match(period):
        raise ValueError(f"period must be 'YYYY-MM', got {period!r}")
    return period
