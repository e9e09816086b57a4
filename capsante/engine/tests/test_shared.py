"""The shared plan (membership once, one pass per staged table, grouping over the levels) gives
exactly what one self-contained query per definition gives, on every definition."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import duckdb
import pytest
import sqlglot

from capsante.engine import backend as backend_module
from capsante.engine import compute
from capsante.engine.backend import plan_periods
from capsante.engine.duckdb_backend import DuckDBBackend
from capsante.engine.query import table_ref
from capsante.engine.shared import SharedPlan, one_month, simple_side, skeleton
from capsante.engine.staging import table_periods

from .staging_data import GROUPING
from .test_spark import assert_same

SNAPSHOT = "2025-03"


def test_every_definition_gives_the_per_definition_values(shared_staging: Path, catalogue):
    shared = compute(catalogue, shared_staging, snapshot_period=SNAPSHOT)
    alone = compute(catalogue, shared_staging, snapshot_period=SNAPSHOT, shared=False)
    assert set(shared["indicator_code"].to_pylist()) == {d.code for d in catalogue}
    assert_same(alone, shared)


@pytest.mark.parametrize(
    ("periods", "scope"),
    [
        (["2025-02"], None),
        (["2024-06", "2025-03"], [("departement", "72")]),
        (None, [("commune", "53003"), ("groupement", GROUPING[0])]),
        (None, [("epci", "E53A")]),
    ],
    ids=["one-month", "months-and-departement", "commune-and-grouping", "epci"],
)
def test_partial_and_scoped_runs_give_the_per_definition_values(
    shared_staging: Path, catalogue, periods, scope
):
    options = {"periods": periods, "territories": scope, "snapshot_period": SNAPSHOT}
    shared = compute(catalogue, shared_staging, **options)
    alone = compute(catalogue, shared_staging, shared=False, **options)
    assert_same(alone, shared)


def test_campaign_status_is_read_in_one_pass_for_every_campaign_definition(
    shared_staging: Path, catalogue
):
    plan = SharedPlan()
    for definition in catalogue:
        periods = plan_periods(definition, shared_staging, None, SNAPSHOT)
        assert periods is not None
        plan.add(definition, periods)
    reading: dict[str, list] = {}
    for scan in plan.scans:
        label = scan.source_label
        reading.setdefault(label, []).append(scan)
    # Eight campaign definitions, sixteen sides, twelve distinct (four campaigns share a
    # denominator): one pass.
    campaigns = reading[table_ref("campaign_status")]
    assert len(campaigns) == 1 and campaigns[0].width == 12
    # Each campaign's denominator (`1 AS value`) is its row count: the pass sums no value for
    # it, and the definitions read its count instead (the same where it has rows).
    _, kept = plan.scan_steps(campaigns[0])[-1]
    assert len(set(re.findall(r"\bAS (v\d+)\b", kept))) == 8
    assert len(set(re.findall(r"\bAS (n\d+)\b", kept))) == 4
    denominator = plan.sides["CAMPAIGN_ZERO_FAX_CLOSED"][1]
    assert denominator is not None and denominator.value == f"CAST({denominator.count} AS DOUBLE)"
    # MES_ACTIVATION and DMP_ALIMENTATION share their denominator and their table.
    assert reading[table_ref("am_mes_activations")][0].width == 3
    # TELEHEALTH_LIBERAL's numerator and denominator differ only by the column they select.
    numerator, denominator = plan.sides["TELEHEALTH_LIBERAL"]
    assert denominator is not None and numerator.scan is denominator.scan
    # Every definition but the distinct counts reads the shared passes.
    per_level = sorted(d.code for d in catalogue if d.aggregation in ("count_distinct", "median"))
    assert {"EVENTS_HELD", "TELEEXPERTISE_SPECIALTIES", "DIFFICULTY_RESOLUTION_DAYS"} <= set(
        per_level
    )
    assert sorted(d.code for d in plan.alone) == per_level


def test_definitions_with_the_same_rows_share_one_query(
    shared_staging: Path, catalogue, monkeypatch
):
    """Definitions counting the same rows of one pass (the same campaign, the same table without
    a condition) are computed by one query; the others keep their own, and every value is the
    one the definition gives alone."""
    plan = SharedPlan()
    for definition in catalogue:
        periods = plan_periods(definition, shared_staging, None, SNAPSHOT)
        assert periods is not None
        plan.add(definition, periods)
    units = [sorted(d.code for d in unit) for unit in plan.query_units(catalogue)]
    shared_units = [unit for unit in units if len(unit) > 1]
    assert ["CAMPAIGN_ZERO_FAX_CLOSED", "CAMPAIGN_ZERO_FAX_IN_USE", "CAMPAIGN_ZERO_FAX_MSS"] in (
        shared_units
    )
    assert ["CAMPAIGN_CYBER_EXERCISE_DONE", "CAMPAIGN_CYBER_EXERCISE_PLANNED"] in shared_units
    assert ["DMP_ALIMENTATION", "MES_ACTIVATION"] in shared_units
    # Another campaign's rows, sides on two passes, a population, a distinct count: alone.
    for alone in ("CAMPAIGN_ESMS_MSS_KIT", "MSS_USE", "DMP_DOCS_PER_INHABITANT", "EVENTS_HELD"):
        assert [alone] in units
    assert sorted(code for unit in units for code in unit) == sorted(d.code for d in catalogue)

    queries: list[str] = []
    run_sql = DuckDBBackend.run_sql

    def counted(backend: DuckDBBackend, sql: str):
        queries.append(sql)
        return run_sql(backend, sql)

    monkeypatch.setattr(DuckDBBackend, "run_sql", counted)
    with DuckDBBackend(shared_staging, workers=1) as backend:
        shared = backend.compute(catalogue, snapshot_period=SNAPSHOT)
    # One query per unit, besides the two reading what the territories' and months' numbers
    # stand for (`SharedPlan.numbering_sql`).
    assert len(queries) - 2 == len(units) < len(catalogue)
    monkeypatch.undo()
    alone = compute(catalogue, shared_staging, snapshot_period=SNAPSHOT, shared=False)
    assert_same(alone, shared)


def test_definitions_computed_alone_start_first(shared_staging: Path, catalogue, monkeypatch):
    """A distinct count or a median reads the staged tables itself and spreads them over every
    level: started after the definitions reading the passes, it could end long after them."""
    import threading

    started: list[str] = []
    lock = threading.Lock()
    run_unit = backend_module.Backend._run_unit

    def watched(self, plan, unit, periods_of, territories):
        with lock:
            started.extend(d.code for d in unit)
        return run_unit(self, plan, unit, periods_of, territories)

    monkeypatch.setattr(backend_module.Backend, "_run_unit", watched)
    with DuckDBBackend(shared_staging, workers=2) as backend:
        backend.compute(catalogue, snapshot_period=SNAPSHOT)
    alone = {d.code for d in catalogue if d.aggregation in ("count_distinct", "median")}
    assert len(alone) >= 3
    # Started in the order submitted; one place of slack for two workers' threads interleaving.
    assert alone <= set(started[: len(alone) + 1])


def test_a_definition_starts_once_its_own_passes_are_built(
    shared_staging: Path, catalogue, monkeypatch
):
    """No definition waits for a pass it does not read: with the campaigns' pass held until a
    definition has started (or a minute has passed), other definitions run meanwhile, and none
    starts before the passes it reads have ended. Held by an event rather than for a fixed time,
    so that a loaded machine, whose other passes outlast any fixed delay, gives the same answer;
    with a barrier after the last pass, the minute passes and no definition has started."""
    import threading
    import time

    ended: dict[str, float] = {}
    started: list[tuple[float, list[str], list[str]]] = []
    lock = threading.Lock()
    a_definition_started = threading.Event()
    materialize_scan = backend_module.Backend._materialize_scan
    run_unit = backend_module.Backend._run_unit

    held: list[str] = []

    def slow_campaigns(self, plan, scan):
        with lock:
            # One pass held: two passes over the campaigns held on both workers at once would
            # leave none to start a definition, and wait out the minute.
            hold = "campaign_status" in scan.tables and not held
            if hold:
                held.append(scan.name)
        if hold:
            a_definition_started.wait(timeout=60)
        materialize_scan(self, plan, scan)
        with lock:
            ended[scan.name] = time.perf_counter()

    def watched(self, plan, unit, periods_of, territories):
        with lock:
            reads = [s.name for d in unit for s in plan.scans_of(d)]
            started.append((time.perf_counter(), reads, [d.code for d in unit]))
        a_definition_started.set()
        return run_unit(self, plan, unit, periods_of, territories)

    monkeypatch.setattr(backend_module.Backend, "_materialize_scan", slow_campaigns)
    monkeypatch.setattr(backend_module.Backend, "_run_unit", watched)
    with DuckDBBackend(shared_staging, workers=2) as backend:
        pipelined = backend.compute(catalogue, snapshot_period=SNAPSHOT)
    monkeypatch.undo()

    assert held, "no pass over the campaigns was held"
    for at, reads, codes in started:
        assert all(ended[name] <= at for name in reads), codes
    slowest = max(ended.values())
    assert any(at < slowest for at, _, _ in started)
    assert_same(compute(catalogue, shared_staging, snapshot_period=SNAPSHOT), pipelined)


def test_the_finess_map_is_built_only_for_the_passes_that_read_it(shared_staging: Path, catalogue):
    """Each establishment's commune is built for a pass over a table of establishments, and
    not for a recompute of the communes' tables alone (a month of documents)."""
    by_commune = [d for d in catalogue if d.grain == "commune"]
    by_structure = [d for d in catalogue if d.grain == "structure"]
    assert by_commune and by_structure
    with DuckDBBackend(shared_staging, workers=2) as backend:
        backend.compute(by_commune, snapshot_period=SNAPSHOT)
        assert "structures" not in backend.timings
        assert any(stage.startswith("scan ") for stage in backend.timings)
        backend.compute(by_structure, snapshot_period=SNAPSHOT)
        assert "structures" in backend.timings


def test_items_run_side_by_side_start_after_what_they_wait_for(shared_staging: Path):
    """`run_each` with prerequisites: an item starts once those have ended, not after every
    item listed before it; what waits for an item never run is an error, not a hang."""
    import threading
    import time

    times: dict[str, tuple[float, float]] = {}
    lock = threading.Lock()

    def work(item: tuple[str, float]) -> str:
        name, seconds = item
        begun = time.perf_counter()
        time.sleep(seconds)
        with lock:
            times[name] = (begun, time.perf_counter())
        return name

    items = [("slow", 0.4), ("quick", 0.05), ("after-slow", 0.01), ("after-quick", 0.01)]
    waits = {2: {0}, 3: {1}}
    with DuckDBBackend(shared_staging, workers=2) as backend:
        done = [name for _, name in backend.run_each(work, items, after=lambda i: waits.get(i, ()))]
        assert sorted(done) == sorted(name for name, _ in items)
        assert times["after-slow"][0] >= times["slow"][1]
        assert times["after-quick"][0] >= times["quick"][1]
        assert times["after-quick"][1] <= times["slow"][1]  # did not wait for the slow one
        with pytest.raises(ValueError, match="never runs"):
            list(backend.run_each(work, items[:2], after=lambda i: {1 - i}))
    with DuckDBBackend(shared_staging, workers=1) as backend:
        # One at a time, in the order listed: an item before one it waits for is an error.
        with pytest.raises(ValueError, match="listed after it"):
            list(backend.run_each(work, items[:2], after=lambda i: {1} if i == 0 else ()))


def test_simple_sides_are_recognised_and_others_are_not():
    assert simple_side("SELECT commune_code, period, SUM(x) AS value FROM stg_t GROUP BY 1, 2")
    assert simple_side("SELECT finess_et, period, 1 AS value FROM stg_t WHERE a LIKE 'z%'")
    assert simple_side("SELECT DISTINCT finess_et, period, 1 AS value FROM stg_t") is None
    assert (
        simple_side("SELECT a.k, a.period, 1 AS value FROM stg_t AS a JOIN stg_u AS b ON 1=1")
        is None
    )
    assert (
        simple_side("SELECT k, period, 1 AS value FROM stg_t WHERE k IN (SELECT k FROM stg_u)")
        is None
    )
    assert simple_side("SELECT k, period, my_udf(x) AS value FROM stg_t GROUP BY k, period") is None


def test_skeletons_refuse_what_projections_could_change():
    assert skeleton("SELECT DISTINCT k, period, 1 AS value FROM stg_t") is None
    assert skeleton("SELECT k, period, SUM(x) AS value FROM stg_t GROUP BY ALL") is None
    assert (
        skeleton("SELECT k, period, 1 AS value FROM stg_t UNION ALL SELECT k, period, 2 FROM stg_u")
        is None
    )
    left = skeleton(
        "WITH c AS (SELECT k, MAX(a) AS a FROM stg_t GROUP BY k) SELECT k, 'p' AS period, SUM(a) AS value FROM c GROUP BY k"
    )
    right = skeleton(
        "WITH c AS (SELECT k, MAX(b) AS b FROM stg_t GROUP BY k) SELECT k, 'p' AS period, SUM(b) AS value FROM c GROUP BY k"
    )
    assert left and right and left[0] == right[0]


def test_merged_sides_with_different_conditions_keep_their_own_rows(tmp_path: Path, by_code):
    """A commune with rows for one campaign only has no row for the others' definitions."""
    from .staging_data import write_staging, write_table

    staging = write_staging(tmp_path / "staging")
    write_table(
        staging,
        "campaign_status",
        [
            {
                "period": "2025-03",
                "campaign": "zero-fax-72",
                "finess_et": "720000031",
                "stage_order": 4,
            },
            {
                "period": "2025-03",
                "campaign": "exercice-crise-cyber-52",
                "finess_et": "530000011",
                "stage_order": 3,
            },
        ],
    )
    codes = ["CAMPAIGN_ZERO_FAX_CLOSED", "CAMPAIGN_CYBER_EXERCISE_DONE"]
    definitions = [by_code[c] for c in codes]
    shared = compute(definitions, staging)
    assert_same(compute(definitions, staging, shared=False), shared)
    by_definition = {
        code: {r["territory_code"] for r in shared.to_pylist() if r["indicator_code"] == code}
        for code in codes
    }
    # Sarthe's pharmacy and Mayenne's hospital meet only in the région.
    assert by_definition["CAMPAIGN_ZERO_FAX_CLOSED"] & by_definition[
        "CAMPAIGN_CYBER_EXERCISE_DONE"
    ] == {"52"}


def test_rows_of_a_commune_the_membership_does_not_know_count_nowhere(tmp_path: Path, by_code):
    """Communes go by number in the passes; a code without one (a typo, a commune merged
    since) must not land on another commune, nor drop a month that only it fills."""
    from .staging_data import document_rows, write_staging, write_table

    staging = write_staging(tmp_path / "staging")
    stray = [
        {"period": p, "commune_code": "99999", "document_type": "11502-2", "documents": 7}
        for p in ("2025-03", "2025-04")  # 2025-04: no known commune has documents that month
    ]
    write_table(staging, "am_dmp_documents", [*document_rows(), *stray])
    windowed = by_code["DMP_DOCS_PER_INHABITANT"]
    # The same rate month by month: its population rows exist for every month read, 2025-04
    # included, whoever filled it.
    monthly = dataclasses.replace(windowed, code="DOCS_PER_INHABITANT_MONTHLY", window_months=None)
    definitions = [windowed, monthly]
    shared = compute(definitions, staging)
    assert_same(compute(definitions, staging, shared=False), shared)
    rows = shared.to_pylist()
    assert "99999" not in {r["territory_code"] for r in rows}
    assert any(
        r["indicator_code"] == monthly.code and r["period"] == "2025-04" and r["denominator"]
        for r in rows
    )
    clean = compute(definitions, write_staging(tmp_path / "clean"))
    key = ("indicator_code", "territory_level", "territory_code", "period")
    before = {tuple(r[k] for k in key): r["numerator"] for r in clean.to_pylist()}
    # Every figure the stray rows could have reached is the one computed without them.
    for row in rows:
        found = before.get(tuple(row[k] for k in key))
        if found is not None:
            assert row["numerator"] == found, row


def test_a_commune_with_two_parents_at_a_level_counts_in_both(tmp_path: Path, catalogue):
    """The definitions sum EPCIs, départements and régions from one column each per commune
    (`cs_levels`): a commune in two EPCIs (a membership file half updated after a merger) or
    in none must still count in each territory it is listed in, as the per-definition query
    counts it, and the other levels stay summed by column."""
    from .staging_data import membership_rows, tables, write_staging, write_table

    staging = write_staging(tmp_path / "staging")
    rows = [
        r
        for r in membership_rows()
        if not (r["commune_code"] == "72002" and r["territory_level"] == "epci")
    ]
    rows.append({"commune_code": "53003", "territory_code": "E53A", "territory_level": "epci"})
    write_table(staging, "territory_membership", rows)
    assert "53003" in {r["commune_code"] for r in tables()["am_mes_activations"]}

    shared = compute(catalogue, staging, snapshot_period=SNAPSHOT)
    assert_same(compute(catalogue, staging, snapshot_period=SNAPSHOT, shared=False), shared)
    values = {
        (r["territory_code"], r["period"]): r["numerator"]
        for r in shared.to_pylist()
        if r["indicator_code"] == "MES_ACTIVATION"
    }
    periods = [period for (code, period) in values if code == "E53B"]
    assert periods, "53003's own EPCI keeps its rows"
    for period in periods:
        # E53A now holds 53001, 53002 and 53003; E72A no longer holds 72002.
        parts = sum(values.get((c, period)) or 0 for c in ("53001", "53002", "53003"))
        assert values[("E53A", period)] == parts
        assert values[("E53B", period)] == values[("53003", period)]
        assert values[("E72A", period)] == values.get(("72001", period), 0)
        assert values[("52", period)] == sum(
            values.get((c, period)) or 0 for c in ("53001", "53002", "53003", "72001", "72002")
        )


def test_a_structure_in_a_commune_the_membership_does_not_know_counts_nowhere(
    tmp_path: Path, by_code
):
    """Structures are mapped to communes by number too: one registered in a commune the
    membership does not know (99999) must not land anywhere, in any kind of recompute."""
    from .staging_data import structure, tables, write_staging, write_table

    staging = write_staging(tmp_path / "staging")
    write_table(
        staging, "structures", [*tables()["structures"], structure("990000011", "ehpad", "99999")]
    )
    write_table(
        staging,
        "campaign_status",
        [
            *tables()["campaign_status"],
            {
                "period": "2025-03",
                "campaign": "zero-fax-72",
                "finess_et": "990000011",
                "stage_order": 4,
            },
        ],
    )
    write_table(
        staging,
        "ins_identities",
        [
            *tables()["ins_identities"],
            {
                "period": "2025-02",
                "finess_et": "990000011",
                "status": "QUAL",
                "ins_valid": True,
                "identities": 9,
            },
        ],
    )
    definitions = [by_code[c] for c in ("CAMPAIGN_ZERO_FAX_CLOSED", "INS_QUALIFICATION")]
    clean = compute(definitions, write_staging(tmp_path / "clean"), snapshot_period=SNAPSHOT)
    for options in (
        {},
        {"periods": ["2025-02", "2025-03"]},
        {"territories": [("departement", "72")]},
    ):
        shared = compute(definitions, staging, snapshot_period=SNAPSHOT, **options)
        assert_same(
            compute(definitions, staging, snapshot_period=SNAPSHOT, shared=False, **options), shared
        )
        assert "99999" not in {r["territory_code"] for r in shared.to_pylist()}
    key = ("indicator_code", "territory_level", "territory_code", "period")
    before = {
        tuple(r[k] for k in key): (r["numerator"], r["denominator"]) for r in clean.to_pylist()
    }
    after = compute(definitions, staging, snapshot_period=SNAPSHOT).to_pylist()
    assert {tuple(r[k] for k in key): (r["numerator"], r["denominator"]) for r in after} == before


def test_the_shared_relations_are_dropped_after_a_recompute(shared_staging: Path, catalogue):
    with DuckDBBackend(shared_staging) as backend:
        backend.compute(catalogue, snapshot_period=SNAPSHOT)
        # The staged tables are views: any table left is a relation of the plan.
        assert backend.con.sql("SELECT table_name FROM duckdb_tables()").fetchall() == []
        assert any(stage.startswith("scan ") for stage in backend.timings)
        assert "membership" in backend.timings


def test_queries_run_side_by_side_give_what_one_at_a_time_gives(shared_staging: Path, catalogue):
    with DuckDBBackend(shared_staging, workers=1) as backend:
        one = backend.compute(catalogue, snapshot_period=SNAPSHOT)
    with DuckDBBackend(shared_staging, workers=2) as backend:
        two = backend.compute(catalogue, snapshot_period=SNAPSHOT)
        # Both workers had their own connection (the absent tables registered on each).
        assert len(backend._cursors) == 2
    assert_same(one, two)
    assert one.num_rows == two.num_rows > 0


def test_a_failing_pass_stops_the_recompute_and_leaves_nothing_behind(
    shared_staging: Path, catalogue
):
    """An error in one query run side by side reaches the caller, nothing hangs, and the plan's
    relations are dropped."""
    broken = dataclasses.replace(
        next(d for d in catalogue if d.code == "MES_ACTIVATION"),
        numerator_sql=(
            "SELECT commune_code, period, CAST('n' || commune_code AS INTEGER) AS value"
            " FROM {table:am_mes_activations}"
        ),
    )
    others = [d for d in catalogue if d.code != "MES_ACTIVATION"]
    with DuckDBBackend(shared_staging, workers=2) as backend:
        with pytest.raises(duckdb.ConversionException):
            backend.compute([*others, broken], snapshot_period=SNAPSHOT)
        assert backend.con.sql("SELECT table_name FROM duckdb_tables()").fetchall() == []
        # The backend is still usable after the error.
        assert backend.compute(others, snapshot_period=SNAPSHOT).num_rows > 0


def test_merged_sql_transpiles_to_spark(shared_staging: Path, catalogue):
    plan = SharedPlan()
    for definition in catalogue:
        periods = plan_periods(definition, shared_staging, None, SNAPSHOT)
        assert periods is not None
        plan.add(definition, periods)
    for scan in plan.scans:
        for _, sql in plan.scan_steps(scan):
            sqlglot.transpile(sql, read="duckdb", write="spark")
    for unit in plan.query_units(catalogue):
        if len(unit) > 1:
            sqlglot.transpile(plan.definitions_sql(unit), read="duckdb", write="spark")


@pytest.mark.parametrize(
    ("periods", "scope"),
    [
        (None, None),
        (["2025-02"], None),
        (["2024-06", "2025-03"], [("departement", "72")]),
        (None, [("epci", "E53A")]),
    ],
    ids=["full", "one-month", "months-and-departement", "epci"],
)
def test_passes_read_month_by_month_give_the_per_definition_values(
    shared_staging: Path, catalogue, monkeypatch, periods, scope
):
    """Large monthly tables are grouped one month at a time; the test set is small, so every
    table is made to qualify."""
    monkeypatch.setattr(backend_module, "MONTH_BY_MONTH_BYTES", 0)
    options = {"periods": periods, "territories": scope, "snapshot_period": SNAPSHOT}
    shared = compute(catalogue, shared_staging, **options)
    assert_same(compute(catalogue, shared_staging, shared=False, **options), shared)
    assert shared.num_rows > 0


def test_month_by_month_is_what_the_large_passes_run(shared_staging: Path, catalogue):
    """Not vacuous: with the months given, the documents' window (several months in the test
    set) and TELEHEALTH_LIBERAL's two groupings (a CTE; one month) are one query per month;
    without them, one query."""
    plan = SharedPlan()
    for definition in catalogue:
        periods = plan_periods(definition, shared_staging, None, SNAPSHOT)
        assert periods is not None
        plan.add(definition, periods)
    by_table = {scan.table: scan for scan in plan.scans if scan.table}
    for table in ("am_dmp_documents", "am_telehealth"):
        scan = by_table[table_ref(table)]
        months = table_periods(shared_staging, table)
        assert months
        whole = "\n".join(sql for _, sql in plan.scan_steps(scan))
        plan.months = {table_ref(table): months}
        monthly = "\n".join(sql for _, sql in plan.scan_steps(scan))
        plan.months = {}
        assert "WHERE period =" not in whole
        assert monthly.count("WHERE period = ") == len(months)
        for month in months:
            assert f"WHERE period = '{month}'" in monthly


def test_duckdb_reads_each_months_files_alone(
    tmp_path: Path, shared_staging: Path, catalogue, monkeypatch
):
    """A pass read month by month reads each month's folder, not the whole table's view once per
    month, and gives the same values, from a staging folder whose path needs quoting too."""
    import shutil

    monkeypatch.setattr(backend_module, "MONTH_BY_MONTH_BYTES", 0)
    staging = tmp_path / "l'état" / "staging"
    shutil.copytree(shared_staging, staging)
    passes: list[str] = []

    class Watched(DuckDBBackend):
        def materialize(self, name: str, sql: str) -> None:
            passes.append(sql)
            super().materialize(name, sql)

    with Watched(staging) as backend:
        shared = backend.compute(catalogue, snapshot_period=SNAPSHOT)
    months = table_periods(staging, "am_dmp_documents")
    documents = next(sql for sql in passes if "am_dmp_documents/period=" in sql)
    assert "stg_am_dmp_documents WHERE period" not in documents
    for month in months:
        folder = str(staging / "am_dmp_documents" / f"period={month}").replace("'", "''")
        assert f"'{folder}/**/*.parquet'" in documents
    alone = compute(catalogue, shared_staging, snapshot_period=SNAPSHOT, shared=False)
    assert_same(alone, shared)


def test_a_side_naming_the_month_stand_in_is_read_whole(shared_staging: Path, by_code, monkeypatch):
    """Month-by-month passes are written once for a stand-in month, then given each month: a
    side that names the stand-in itself must not see it replaced (here every row would go)."""
    monkeypatch.setattr(backend_module, "MONTH_BY_MONTH_BYTES", 0)
    odd = dataclasses.replace(
        by_code["MES_ACTIVATION"],
        code="MES_ACTIVATION_ODD",
        numerator_sql=(
            "SELECT commune_code, period, SUM(activated) AS value"
            " FROM {table:am_mes_activations} WHERE period <> 'cs_month_stand_in'"
            " GROUP BY commune_code, period"
        ),
    )
    shared = compute([odd], shared_staging, snapshot_period=SNAPSHOT)
    assert shared.num_rows > 0
    assert_same(compute([odd], shared_staging, snapshot_period=SNAPSHOT, shared=False), shared)


def _one_month(sql: str) -> str | None:
    monthly = one_month(sqlglot.parse_one(sql, read="duckdb"), "stg_t", "2025-03")
    return monthly.sql(dialect="duckdb") if monthly is not None else None


def test_one_month_keeps_only_what_cannot_pair_two_months():
    cte = (
        "WITH p AS (SELECT k, period, j, MAX(a) AS a FROM stg_t GROUP BY k, period, j)"
        " SELECT k, period, SUM(a) AS v FROM p GROUP BY k, period"
    )
    monthly = _one_month(cte)
    assert monthly is not None
    assert "WHERE period = '2025-03'" in monthly
    assert "GROUP BY k, j" in monthly and "GROUP BY k" in monthly
    assert "'2025-03' AS period" in monthly
    refused = [
        # a join or a window may pair rows of different months
        "SELECT a.k, a.period, SUM(b.x) AS v FROM stg_t AS a JOIN stg_t AS b ON b.k = a.k"
        " GROUP BY a.k, a.period",
        "SELECT k, period, SUM(x) OVER (PARTITION BY k ORDER BY period) AS v FROM stg_t",
        # grouped across months, or by the month alone (one row even for a month without rows)
        "SELECT k, MAX(period) AS period, SUM(x) AS v FROM stg_t GROUP BY k",
        "SELECT 'k' AS k, period, SUM(x) AS v FROM stg_t GROUP BY period",
        "SELECT k, period, v FROM (SELECT k, period, COUNT(*) AS v FROM stg_t GROUP BY k) AS q",
        # a month of its own making, or another table's
        "SELECT k, strftime(day, '%Y-%m') AS period, SUM(x) AS v FROM stg_t GROUP BY k, 2",
        "SELECT k, period, SUM(x) AS v FROM stg_u GROUP BY k, period",
        # a subquery outside FROM sees only its month once rewritten (found by a review)
        "WITH a AS (SELECT k, period, f FROM stg_t) SELECT k, period, COUNT(*) AS v FROM a"
        " WHERE NOT EXISTS (SELECT 1 FROM a AS b WHERE b.f = a.f AND b.period < a.period)"
        " GROUP BY k, period",
        "WITH a AS (SELECT k, period, f, s FROM stg_t) SELECT k, period, COUNT(*) AS v FROM a"
        " WHERE f IN (SELECT f FROM a WHERE s = 'B') GROUP BY k, period",
        # another column renamed `period`
        "WITH a(k, period, x) AS (SELECT k, created, x FROM stg_t)"
        " SELECT k, period, SUM(x) AS v FROM a GROUP BY k, period",
        "SELECT k, period, SUM(x) AS v FROM (SELECT k, created, x FROM stg_t) AS a(k, period, x)"
        " GROUP BY k, period",
        "WITH a AS (SELECT * REPLACE (created AS period) FROM stg_t)"
        " SELECT k, period, SUM(x) AS v FROM a GROUP BY k, period",
        "WITH a AS (SELECT * EXCLUDE (period) RENAME (created AS period) FROM stg_t)"
        " SELECT k, period, SUM(x) AS v FROM a GROUP BY k, period",
    ]
    for sql in refused:
        assert _one_month(sql) is None, sql


def test_a_month_no_table_is_partitioned_by_is_written_out(tmp_path: Path, by_code):
    """A side may make its month from a date (a survey's wave): the month it names, known to no
    relation of the plan, still comes out as its text, as in the per-definition query."""
    import datetime as dt

    from .staging_data import tables, write_staging, write_table

    staging = write_staging(tmp_path / "staging")
    answers = [
        {**row, "answered_on": dt.date(2019, 11, 5)} if row["survey"] == "officines-2024" else row
        for row in tables()["survey_answers"]
    ]
    write_table(staging, "survey_answers", answers)
    definitions = [by_code["OFFICINES_FAX"], by_code["DMP_ALIMENTATION"]]
    shared = compute(definitions, staging, snapshot_period=SNAPSHOT)
    assert_same(compute(definitions, staging, snapshot_period=SNAPSHOT, shared=False), shared)
    waves = {r["period"] for r in shared.to_pylist() if r["indicator_code"] == "OFFICINES_FAX"}
    assert waves == {"2019-11", "2025-01"}


def test_a_period_that_is_not_a_month_gets_no_other_month():
    """The shared plan numbers months; a side whose period is not `YYYY-MM` (a day, a
    thirteenth month, an unpadded month) must not be counted in another month."""
    from capsante.engine.shared import month_id, month_id_sql

    texts = [
        "2024-12",
        "2024-01",
        "2024-13",
        "2024-00",
        "2024-1",
        "2024-01-15",
        " 2024-01",
        "+202-01",
        "2024",
        None,
    ]
    rows = (
        duckdb.connect()
        .execute(
            f"SELECT p, {month_id_sql('p')} AS m FROM (SELECT unnest(?) AS p)",  # noqa: S608
            [texts],
        )
        .fetchall()
    )
    numbers = dict(rows)
    assert numbers["2024-12"] == month_id("2024-12") == 2024 * 12 + 11
    assert numbers["2024-01"] == month_id("2024-01")
    assert [t for t in texts if numbers[t] is not None] == ["2024-12", "2024-01"]
