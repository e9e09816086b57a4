from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from capsante.ingest import contract
from capsante.ingest.staging import StagingStore

INS = contract.table("ins_identities").schema


def ins_rows(*rows: tuple[str, str, str, bool, int]) -> pa.Table:
    return pa.table(list(zip(*rows, strict=True)), schema=INS)


def mes_rows(*rows: tuple[str, str, int]) -> pa.Table:
    period, commune, count = zip(*rows, strict=True)
    return contract.conform(
        "am_mes_activations",
        pa.table(
            {
                "period": list(period),
                "commune_code": list(commune),
                "beneficiaries": list(count),
                "activated": list(count),
                "with_document": [None] * len(count),
            }
        ),
    )


@pytest.fixture
def store(tmp_path) -> StagingStore:
    return StagingStore(tmp_path / "staging")


def structures(*codes: str) -> pa.Table:
    schema = contract.table("structures").schema
    rows = [
        {name: None for name in schema.names} | {"finess_et": c, "name": f"ET {c}"} for c in codes
    ]
    return pa.Table.from_pylist(rows, schema=schema)


def test_unpartitioned_table_is_replaced_whole(store):
    store.write("structures", structures("720000025", "530000389"))
    store.write("structures", structures("720009871"))
    assert store.read("structures")["finess_et"].to_pylist() == ["720009871"]
    assert (store.root / "structures" / "data.parquet").exists()
    assert store.tables() == ["structures"]


def test_partitions_present_in_the_import_are_the_only_ones_replaced(store):
    store.write("am_mes_activations", mes_rows(("2025-01", "72181", 1), ("2025-02", "72181", 2)))
    store.write("am_mes_activations", mes_rows(("2025-02", "72181", 20), ("2025-03", "72181", 30)))
    staged = store.read("am_mes_activations").sort_by("period")
    assert staged["period"].to_pylist() == ["2025-01", "2025-02", "2025-03"]
    assert staged["beneficiaries"].to_pylist() == [1, 20, 30]
    assert store.periods("am_mes_activations") == ["2025-01", "2025-02", "2025-03"]
    assert staged.schema.equals(contract.table("am_mes_activations").schema)


def test_a_listed_period_without_rows_is_emptied(store):
    store.write("am_mes_activations", mes_rows(("2025-01", "72181", 1), ("2025-02", "72181", 2)))
    report = store.write(
        "am_mes_activations", mes_rows(("2025-02", "72181", 3)), ["2025-01", "2025-02"]
    )
    assert report.removed_partitions == ("2025-01",)
    assert store.periods("am_mes_activations") == ["2025-02"]


def test_rows_outside_the_announced_periods_are_refused(store):
    with pytest.raises(ValueError, match="hors des périodes"):
        store.write("am_mes_activations", mes_rows(("2025-04", "72181", 1)), ["2025-03"])


def test_no_temporary_file_is_left_behind(store):
    store.write("am_mes_activations", mes_rows(("2025-01", "72181", 1)))
    leftovers = [p.name for p in store.root.rglob("*") if p.is_file() and p.name != "data.parquet"]
    assert leftovers == []


def test_ins_counts_of_other_establishments_are_kept(store):
    store.write("ins_identities", ins_rows(("2025-03", "720000025", "QUAL", True, 10)))
    store.write("ins_identities", ins_rows(("2025-03", "530000389", "QUAL", True, 4)))
    store.write("ins_identities", ins_rows(("2025-03", "720000025", "PROV", False, 2)))
    staged = store.read("ins_identities").sort_by("finess_et").to_pylist()
    assert [(r["finess_et"], r["status"], r["identities"]) for r in staged] == [
        ("530000389", "QUAL", 4),
        ("720000025", "PROV", 2),
    ]


def test_duckdb_reads_the_glob_with_hive_partitions(store):
    store.write("am_mes_activations", mes_rows(("2025-01", "72181", 5), ("2025-02", "53130", 7)))
    store.write("structures", structures("720000025"))
    query = (
        "select period, sum(beneficiaries) from read_parquet(?, hive_partitioning=true) "
        "group by period order by period"
    )
    rows = duckdb.execute(query, [store.path_glob("am_mes_activations")]).fetchall()
    assert rows == [("2025-01", 5), ("2025-02", 7)]
    count = duckdb.execute("select count(*) from read_parquet(?)", [store.path_glob("structures")])
    assert count.fetchone() == (1,)


def test_diff_counts_added_changed_removed(store):
    store.write("structures", structures("720000025", "530000389", "720009871"))
    new = structures("720000025", "530000389", "2A0000329")
    changed = new.set_column(2, "name", pa.array(["ET 720000025", "Nouveau nom", "ET 2A0000329"]))
    diff = store.diff("structures", changed, ["finess_et"])
    assert (diff.added, diff.changed, diff.removed, diff.unchanged) == (1, 1, 1, 1)


def test_diff_of_what_is_staged_is_zero(store):
    data = mes_rows(("2025-01", "72181", 5), ("2025-02", "53130", 7))
    assert store.diff("am_mes_activations", data).added == 2
    store.write("am_mes_activations", data)
    assert store.diff("am_mes_activations", data).is_noop


def test_diff_only_looks_at_the_partitions_and_scope_being_replaced(store):
    store.write("ins_identities", ins_rows(("2025-02", "720000025", "QUAL", True, 1)))
    store.write("ins_identities", ins_rows(("2025-03", "530000389", "QUAL", True, 4)))
    diff = store.diff("ins_identities", ins_rows(("2025-03", "720000025", "QUAL", True, 9)))
    assert (diff.added, diff.changed, diff.removed) == (1, 0, 0)


def test_null_keys_compare_equal(store):
    schema = contract.table("cyber_register").schema
    row = {name: None for name in schema.names} | {"finess_ej": "720000017", "region_code": "52"}
    data = pa.Table.from_pylist([row], schema=schema)
    store.write("cyber_register", data)
    assert store.diff("cyber_register", data).is_noop


def test_a_table_missing_from_the_store_reads_empty(store):
    assert store.read("mailboxes").num_rows == 0
    assert store.tables() == []
    with pytest.raises(ValueError, match="nom de table invalide"):
        store.read("../etc")


# --- All or nothing across a crash: backups named by the holder's token --------------------------


def _files(store: StagingStore) -> dict[str, bytes]:
    return {
        str(p.relative_to(store.root)): p.read_bytes()
        for p in sorted(store.root.rglob("*"))
        if p.is_file()
    }


def _half_write(store: StagingStore, token: str) -> None:
    """What a process killed in the middle of a write leaves: a backup, one month rewritten,
    a temporary file beside another, and a new table started."""
    store.begin(["am_mes_activations", "structures"], token)
    store.write("am_mes_activations", mes_rows(("2025-01", "72181", 999)))
    partition = store.table_dir("am_mes_activations") / "period=2025-02"
    partition.mkdir(parents=True, exist_ok=True)
    (partition / ".data.parquet.ab12.tmp").write_bytes(b"half a file")
    store.write("structures", structures("720000025"))


def test_an_uncommitted_write_is_undone_from_its_backup_byte_for_byte(store):
    store.write("am_mes_activations", mes_rows(("2025-01", "72181", 10), ("2025-02", "72181", 11)))
    before = _files(store)
    token = "0123456789abcdef0123456789abcdef"
    _half_write(store, token)
    assert _files(store) != before and store.leftovers()
    store.recover("am_mes_activations", token, committed=False)
    store.recover("structures", token, committed=False)
    assert _files(store) == before
    assert store.leftovers() == []
    assert not store.table_dir("structures").exists()  # it did not exist before the write


def test_a_committed_write_is_kept_and_its_backup_dropped(store):
    store.write("am_mes_activations", mes_rows(("2025-01", "72181", 10)))
    token = "fedcba9876543210fedcba9876543210"
    _half_write(store, token)
    store.recover("am_mes_activations", token, committed=True)
    store.recover("structures", token, committed=True)
    assert store.leftovers() == []
    assert store.read("am_mes_activations").column("activated").to_pylist() == [999]
    assert store.read("structures").num_rows == 1


def test_a_backup_cut_short_is_never_restored(store):
    """A crash while the backup was being made: the table is untouched, the partial backup goes."""
    store.write("am_mes_activations", mes_rows(("2025-01", "72181", 10), ("2025-02", "72181", 11)))
    before = _files(store)
    token = "00112233445566778899aabbccddeeff"
    partial = store.root / f".am_mes_activations.backup-{token}.partial"
    (partial / "period=2025-01").mkdir(parents=True)  # one month copied, then the kill
    store.recover("am_mes_activations", token, committed=False)
    assert _files(store) == before and store.leftovers() == []


def test_a_recovery_interrupted_itself_is_finished_by_the_next_one(store):
    store.write("am_mes_activations", mes_rows(("2025-01", "72181", 10), ("2025-02", "72181", 11)))
    before = _files(store)
    token = "99887766554433221100ffeeddccbbaa"
    _half_write(store, token)
    # The first recovery stopped after deleting part of the half-written table.
    next(store.table_dir("am_mes_activations").glob("period=*/data.parquet")).unlink()
    store.recover("am_mes_activations", token, committed=False)
    store.recover("am_mes_activations", token, committed=False)
    assert {k: v for k, v in _files(store).items() if k.startswith("am_")} == before
