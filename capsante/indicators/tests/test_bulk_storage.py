"""A first compute stores its values with the value table's indexes and keys set aside
(PostgreSQL), and leaves the table exactly as it found it: the same indexes, unique key and
foreign keys, enforced. SQLite stores the usual way (rebuilding its indexes measured no faster)."""

import logging

import pytest
from django.db import IntegrityError, connection, transaction

from capsante.indicators import bulk, services, storage
from capsante.indicators.models import Indicator, IndicatorValue, StoredBlock
from capsante.indicators.tests.test_values_and_targets import (
    MAYENNE,
    MONTHS,
    SARTHE,
    stage_mes,
    value,
)

VALUES = IndicatorValue._meta.db_table


def schema() -> dict:
    """Every index and constraint of the value table, as the database describes it."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, VALUES)
    return {
        name: (tuple(c["columns"]), c["unique"], c["primary_key"], c["foreign_key"], c["index"])
        for name, c in found.items()
    }


def manual_entry_index() -> str:
    """How the database defines the index of hand-entered figures (no quotes or brackets
    around names or the condition, upper case)."""
    query = {
        "postgresql": "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
        "sqlite": "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(query, ["value_of_manual_entry"])
        definition = cursor.fetchone()[0].replace('"', "").replace("WHERE (", "WHERE ")
        return " ".join(definition.removesuffix(")").split()).upper()


def stored() -> list[tuple]:
    return sorted(
        IndicatorValue.objects.values_list(
            "indicator__code",
            "territory__code",
            "period",
            "numerator",
            "denominator",
            "value",
            "version",
            "is_current",
        )
    )


def compute(caplog, told: list | None = None) -> tuple[list[tuple], bool]:
    """A compute of the activation rate: what it stored, whether it set the indexes aside;
    the steps after the engine appended to `told`."""
    caplog.clear()
    after_engine = (lambda *step: told.append(step)) if told is not None else None
    with caplog.at_level(logging.INFO, logger="capsante.indicators.bulk"):
        services.compute_and_store(codes=["MES_ACTIVATION"], after_engine=after_engine)
    return stored(), "rebuilt after a large insert" in caplog.text


@pytest.mark.django_db
def test_a_first_compute_stores_the_same_values_and_gives_the_table_back_as_it_was(
    geography, staged, monkeypatch, caplog
):
    monkeypatch.setattr(bulk, "BULK_ROWS", 1_000_000)
    usual, set_aside = compute(caplog)
    assert not set_aside and usual
    monkeypatch.setattr(bulk, "BULK_ROWS", 1)
    with connection.cursor() as cursor:  # set aside only when the insert at least doubles it
        assert bulk.worth_setting_aside(cursor, VALUES, len(usual)) == (
            connection.vendor == "postgresql"
        )
        assert not bulk.worth_setting_aside(cursor, VALUES, len(usual) - 1)
    IndicatorValue.objects.all().delete()
    StoredBlock.objects.all().delete()
    before = schema()

    told: list[tuple[str, int, int]] = []
    bulk_stored, set_aside = compute(caplog, told)

    assert set_aside == (connection.vendor == "postgresql")
    assert bulk_stored == usual
    # Whoever waits is told the rows written, then the rebuilding, which follows them.
    steps = [step for step, _, _ in told]
    written = [(done, total) for step, done, total in told if step == storage.WRITING]
    assert written[0] == (0, len(usual)) and written[-1] == (len(usual), len(usual))
    assert [d for d, _ in written] == sorted(d for d, _ in written)
    assert (storage.REBUILDING in steps) == set_aside
    if set_aside:
        assert steps.index(storage.REBUILDING) > max(
            i for i, step in enumerate(steps) if step == storage.WRITING
        )
    assert steps[0] == storage.COMPARING and steps[-1] == services.ASSESSING
    assert ("MES_ACTIVATION", "72", "2025-02", 960, 1200, 80.0, 1, True) in bulk_stored
    assert schema() == before
    assert len([c for c in before.values() if c[3]]) >= 3  # foreign keys were among them
    # Made again from its definition, condition included: the values entered by hand only.
    assert manual_entry_index().endswith("(MANUAL_ENTRY_ID) WHERE MANUAL_ENTRY_ID IS NOT NULL")


@pytest.mark.django_db
def test_a_bulk_store_numbers_its_values_and_the_next_value_follows_them(
    geography, staged, monkeypatch, caplog
):
    """PostgreSQL: a first compute holding the table takes its values' ids from the table's
    sequence at once and writes them itself (decision 0038). A value stored afterwards, the
    usual way, gets an id the bulk store did not use."""
    monkeypatch.setattr(bulk, "BULK_ROWS", 1)
    _, set_aside = compute(caplog)
    assert set_aside == (connection.vendor == "postgresql")
    ids = sorted(IndicatorValue.objects.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) > 1
    value = IndicatorValue.objects.filter(is_current=True).first()
    later = IndicatorValue.objects.create(
        indicator=value.indicator, territory=value.territory, period="2030-01", version=1
    )
    assert later.pk > ids[-1]


@pytest.mark.django_db
def test_new_versions_of_every_value_go_in_with_the_indexes_set_aside_too(
    geography, staged, monkeypatch, caplog
):
    """PostgreSQL: a recompute that changes every figure at least doubles the table; its new
    versions go in without the indexes and the primary key (ids drawn by the table itself),
    then everything is made again: one version in force per figure, the earlier ones kept."""
    monkeypatch.setattr(bulk, "BULK_ROWS", 1)
    first, _ = compute(caplog)
    before = schema()
    every = {**SARTHE, **MAYENNE}
    stage_mes(staged, {m: {c: (n + 1, d) for c, (n, d) in every.items()} for m in MONTHS})
    second, set_aside = compute(caplog)
    assert set_aside == (connection.vendor == "postgresql")
    assert schema() == before
    assert len(second) > len(first)
    assert ("MES_ACTIVATION", "72", "2025-02", 960, 1200, 80.0, 1, False) in second
    assert ("MES_ACTIVATION", "72", "2025-02", 963, 1200, 80.25, 2, True) in second
    ids = list(IndicatorValue.objects.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == len(second)


@pytest.mark.django_db
def test_a_primary_key_another_table_points_to_is_never_set_aside():
    """PostgreSQL: a primary key is set aside with the rest, unless a foreign key of another
    table points to it (dropping it would drop that key); it is made again first."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: nothing is set aside")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bulk_parent (id bigint PRIMARY KEY, code text UNIQUE);"
            " CREATE TABLE bulk_child (id bigint PRIMARY KEY,"
            " parent_id bigint REFERENCES bulk_parent (id));"
            " CREATE INDEX bulk_child_parent ON bulk_child (parent_id)"
        )
        parent = bulk._drop(cursor, "bulk_parent", "bulk_parent")
        child = bulk._drop(cursor, "bulk_child", "bulk_child")
        assert not [s for s in parent if "PRIMARY KEY" in s]
        assert [s for s in parent if "UNIQUE" in s]
        assert "PRIMARY KEY" in child[0] and "FOREIGN KEY" in child[-1]
        for statement in parent + child:
            cursor.execute(statement)
        cursor.execute(
            "SELECT conrelid::regclass::text, contype FROM pg_constraint"
            " WHERE conrelid IN ('bulk_parent'::regclass, 'bulk_child'::regclass)"
            " ORDER BY 1, 2"
        )
        assert cursor.fetchall() == [
            ("bulk_child", "f"),
            ("bulk_child", "p"),
            ("bulk_parent", "p"),
            ("bulk_parent", "u"),
        ]


@pytest.mark.django_db
def test_after_a_bulk_store_the_keys_are_enforced_again(geography, staged, monkeypatch, caplog):
    monkeypatch.setattr(bulk, "BULK_ROWS", 1)
    _, set_aside = compute(caplog)
    assert set_aside == (connection.vendor == "postgresql")
    value = IndicatorValue.objects.filter(is_current=True).first()
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique key
        IndicatorValue.objects.create(
            indicator=value.indicator, territory=value.territory, period=value.period, version=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # the primary key
        IndicatorValue.objects.create(
            pk=value.pk,
            indicator=value.indicator,
            territory=value.territory,
            period="2030-01",
            version=1,
        )
    with transaction.atomic():
        # A territory that does not exist: refused when the keys are checked (at the commit).
        IndicatorValue.objects.filter(pk=value.pk).update(territory_id=10**9)
        with pytest.raises(IntegrityError):
            connection.check_constraints(table_names=[VALUES])
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_second_compute_adds_to_a_large_table_the_usual_way(
    geography, staged, monkeypatch, caplog
):
    monkeypatch.setattr(bulk, "BULK_ROWS", 1)
    compute(caplog)
    stage_mes(staged, {**MONTHS, "2025-03": {**SARTHE, **MAYENNE}})
    added, set_aside = compute(caplog)
    assert not set_aside  # one new month would not double the table
    assert {row[2] for row in added} == {"2025-01", "2025-02", "2025-03"}


@pytest.mark.django_db
def test_a_reader_of_the_values_is_not_kept_waiting_by_a_large_store(
    geography, staged, monkeypatch, caplog
):
    """PostgreSQL: dropping an index locks out readers until the commit. When a page is reading
    the values, the store takes the usual way after a short wait rather than block the page."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite readers read the last committed state: nothing to wait for")
    monkeypatch.setattr(bulk, "BULK_ROWS", 1)
    monkeypatch.setattr(bulk, "LOCK_WAIT", "300ms")
    reader = connection.get_new_connection(connection.get_connection_params())  # a second one
    try:
        # Its transaction holds the table. The name is the model's table, not input.
        reader.execute(f"SELECT COUNT(*) FROM {VALUES}")  # noqa: S608
        values, set_aside = compute(caplog)
        assert not set_aside and "kept its indexes" in caplog.text
        assert ("MES_ACTIVATION", "53", "2025-01", 80, 300) in [row[:5] for row in values]
        assert Indicator.objects.get(code="MES_ACTIVATION").values.filter(is_current=True).count()
    finally:
        reader.close()


@pytest.mark.django_db
def test_the_value_table_keeps_no_index_another_one_begins_with():
    """Every index is maintained for millions of rows: none may be the beginning of another."""
    indexed = {(c[0], c[1]) for c in schema().values() if (c[4] or c[1]) and not c[2]}
    assert indexed == {
        (("indicator_id", "territory_id", "period", "version"), True),
        (("territory_id", "is_current"), False),
        (("manual_entry_id",), False),
        # Partial, over computed values in force: the months a full recompute examines.
        (("indicator_id", "period"), False),
    }
    columns = [c for c, _ in indexed]
    for shorter in columns:
        assert not [c for c in columns if c != shorter and c[: len(shorter)] == shorter]


@pytest.mark.django_db
def test_a_store_does_not_wait_for_a_vacuum_to_analyse_the_values(geography, staged, caplog):
    """PostgreSQL: a store that adds values analyses the table, unless it is being vacuumed —
    autovacuum vacuums it for a while after a large store, and an ANALYZE would wait a second
    and then cancel that vacuum. The statistics are then left to autovacuum, which the table
    asks to analyse it once 10,000 of its rows have changed."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: a store does not analyse the table")
    storage_log = "capsante.indicators.storage"
    # (An analyse holds its lock until the commit: the test's transaction cannot analyse first.)
    vacuum = connection.get_new_connection(connection.get_connection_params())  # a second one
    try:
        # What a vacuum holds, held by a transaction of its own (autovacuum cannot be timed).
        vacuum.execute(f"LOCK TABLE {VALUES} IN SHARE UPDATE EXCLUSIVE MODE")  # noqa: S608
        with connection.cursor() as cursor:
            # Waiting for the lock fails the test (the previous code waited for ever).
            cursor.execute("SET statement_timeout = '20s'")
        with caplog.at_level(logging.INFO, logger=storage_log):
            services.compute_and_store(codes=["MES_ACTIVATION"])
    finally:
        vacuum.close()
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    assert "statistics left to autovacuum" in caplog.text
    assert "storage step analyse" not in caplog.text
    assert IndicatorValue.objects.filter(indicator__code="MES_ACTIVATION", period="2025-02")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [VALUES])
        options = set(cursor.fetchone()[0] or [])
    assert {"autovacuum_analyze_scale_factor=0", "autovacuum_analyze_threshold=10000"} <= options

    caplog.clear()  # nothing in the way: the store analyses the table itself
    stage_mes(staged, {**MONTHS, "2025-03": {**SARTHE, **MAYENNE}})
    with caplog.at_level(logging.INFO, logger=storage_log):
        services.compute_and_store(codes=["MES_ACTIVATION"])
    assert "storage step analyse" in caplog.text
    assert IndicatorValue.objects.filter(indicator__code="MES_ACTIVATION", period="2025-03")


@pytest.mark.django_db
def test_a_month_added_to_a_large_table_leaves_its_statistics_to_autovacuum(
    geography, staged, caplog, monkeypatch
):
    """PostgreSQL: analysing samples 30,000 rows wherever they are (0.4 s at national scale).
    A store that adds enough rows for autovacuum to analyse the table within a minute, but only
    a small share of it, leaves the statistics to autovacuum; a first compute analyses at once.
    (The national threshold, 10,000 rows, is lowered here to the test's few communes.) And a
    month's figures are looked up one by one among their indicator's, where a recompute of
    every month joins them as a whole."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: a store does not analyse the table")
    storage_log = "capsante.indicators.storage"
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [VALUES])
        options = set(cursor.fetchone()[0] or [])
    assert f"autovacuum_analyze_threshold={storage.AUTOVACUUM_ROWS}" in options
    monkeypatch.setattr(storage, "AUTOVACUUM_ROWS", 2)
    year = {f"2024-{month:02d}": {**SARTHE, **MAYENNE} for month in range(1, 13)}
    stage_mes(staged, year)
    with caplog.at_level(logging.INFO, logger=storage_log):
        services.compute_and_store(codes=["MES_ACTIVATION"])
    # A first compute: a new indicator, analysed at once whatever the table held before (unless
    # autovacuum happens to be vacuuming it, which another test covers).
    assert "rows added to about" not in caplog.text

    caplog.clear()
    held = IndicatorValue.objects.count()  # what the analyse just counted
    stage_mes(staged, {"2025-03": {**SARTHE, **MAYENNE}})
    with caplog.at_level(logging.INFO, logger=storage_log):
        run = services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-03"])
    assert run.new_versions and run.new_versions * 10 < held
    assert f"statistics left to autovacuum ({run.new_versions} rows added to about {held})" in (
        caplog.text
    )
    assert "storage step analyse" not in caplog.text
    assert value("MES_ACTIVATION", geography["sarthe"], "2025-03").numerator == 960
    # A month without values: stored straight, nothing to compare.
    assert "storage step first versions of 1 months without values inserted" in caplog.text

    caplog.clear()  # the month corrected: its indicator holds five times as many figures or more
    stage_mes(staged, {"2025-03": {**SARTHE, "72003": (70, 100), **MAYENNE}})
    with caplog.at_level(logging.INFO, logger=storage_log):
        services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-03"])
    # …each of the month's figures looked up.
    assert "storage step match current versions, looked up" in caplog.text
    assert value("MES_ACTIVATION", geography["sarthe"], "2025-03").numerator == 1020

    caplog.clear()  # every month changed: the stored rows are as many as the result's, joined
    stage_mes(staged, {m: {**SARTHE, "72003": (70, 100)} for m in [*year, "2025-03"]})
    with caplog.at_level(logging.INFO, logger=storage_log):
        services.compute_and_store(codes=["MES_ACTIVATION"], periods=[*year, "2025-03"])
    assert "storage step match current versions:" in caplog.text
    assert value("MES_ACTIVATION", geography["sarthe"], "2024-07").numerator == 1020
