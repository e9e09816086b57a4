"""The generated files go through the project's own parsers without a single error."""

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from capsante.ingest.generator import Manifest

registry = pytest.importorskip("capsante.ingest.registry")


def _parse(root: Path, entry: Any, communes: set[str]) -> Any:
    connector = registry.get(entry.connector)
    options: dict[str, Any] = {}
    if entry.connector == "survey":
        options = {"mapping": entry.meta["mapping"], "survey": entry.meta["survey"]}
    elif "known_communes" in connector.options:
        options = {"known_communes": communes}
    return connector.parse(str(root / entry.path), **options)


@pytest.fixture(scope="module")
def staged(departement_output: Path, departement_communes: list[dict]) -> dict[str, pa.Table]:
    communes = {c["code"] for c in departement_communes}
    tables: dict[str, list[pa.Table]] = {}
    for entry in Manifest.read(departement_output).files:
        result = _parse(departement_output, entry, communes)
        assert result.ok, [str(error) for error in result.errors[:5]]
        if entry.connector not in ("ins-fhir", "ins-hl7", "finess"):
            assert result.rows_kept == entry.rows, entry.path
        for name, table in result.tables.items():
            tables.setdefault(name, []).append(table)
    return {name: pa.concat_tables(parts) for name, parts in tables.items()}


def test_every_connector_stages_its_tables(staged: dict[str, pa.Table]) -> None:
    assert set(staged) == {
        "structures", "professionals", "mailboxes", "ins_identities", "am_mes_activations",
        "am_dmp_documents", "am_dmp_consultations", "am_telehealth", "am_telehealth_offer",
        "survey_answers", "cyber_register",
    }  # fmt: skip


def test_staged_structures_and_mailboxes_give_123_equipped_officines(
    staged: dict[str, pa.Table],
) -> None:
    structures = staged["structures"].to_pylist()
    officines = {
        s["finess_et"]
        for s in structures
        if s["category_group"] == "officine" and s["departement_code"] == "72"
    }
    assert len(officines) == 156
    sites: dict[str, set[str]] = {}
    for p in staged["professionals"].to_pylist():
        if p["profession_code"] == "21" and p["finess_site"]:
            sites.setdefault(p["rpps_id"], set()).add(p["finess_site"])
    equipped = set()
    for box in staged["mailboxes"].to_pylist():
        if box["structure_id_type"] == "1" and box["structure_id"] in officines:
            equipped.add(box["structure_id"])
        if box["bal_type"] == "PER":
            equipped |= sites.get(box["rpps_id"], set()) & officines
    assert len(equipped) == 123


def test_staged_identities_count_test_oids_as_invalid(staged: dict[str, pa.Table]) -> None:
    table = staged["ins_identities"]
    qualified = pc.equal(table["status"], "QUAL")
    valid = pc.sum(
        pc.if_else(pc.and_(qualified, table["ins_valid"]), table["identities"], 0)
    ).as_py()
    total = pc.sum(pc.if_else(qualified, table["identities"], 0)).as_py()
    assert 0 < valid < total  # test-OID identities are qualified but not valid
    assert not pc.any(pc.and_(pc.invert(qualified), table["ins_valid"])).as_py()


def test_staged_survey_answers(staged: dict[str, pa.Table]) -> None:
    answers = staged["survey_answers"].to_pylist()
    pharmacies = [a for a in answers if a["survey"].startswith("officines")]
    assert len(pharmacies) == 156 and sum(a["has_fax"] for a in pharmacies) == 142
