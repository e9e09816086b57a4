"""The seeded catalogue: every definition loads, runs on a small staging set and documents itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from capsante.engine import Definition, compute

REQUIRED = {
    "MES_ACTIVATION",
    "DMP_ALIMENTATION",
    "DMP_DOCS_PER_INHABITANT",
    "DMP_CONSULTATION",
    "INS_QUALIFICATION",
    "MSS_USE",
    "TELEHEALTH_LIBERAL",
    "ESMS_TELEHEALTH_EQUIPPED",
    "CARE_REGISTRATION",
    "CYBER_EXERCISES_DONE",
    "OFFICINES_MSS",
    "OFFICINES_FAX",
    "TELEEXPERTISE_SPECIALTIES",
}
MAYENNE_TARGETS: dict[str, float] = {
    "MES_ACTIVATION": 30,
    "DMP_ALIMENTATION": 80,
    "DMP_CONSULTATION": 40,
    "INS_QUALIFICATION": 80,
    "MSS_USE": 70,
    "TELEHEALTH_LIBERAL": 80,
    "ESMS_TELEHEALTH_EQUIPPED": 70,
}
SARTHE_KEY_FIGURES = {
    "DMP_ALIMENTATION": 69,
    "DMP_DOCS_PER_INHABITANT": 3.87,
    "CARE_REGISTRATION": 93,
    "CYBER_EXERCISES_DONE": 81.75,
    "OFFICINES_MSS": 78.85,
    "OFFICINES_FAX": 91,
    "TELEEXPERTISE_SPECIALTIES": 26,
}
# Hand-computed from staging_data.py: code → {(département, period): (numerator, denominator)}.
EXPECTED: dict[str, dict[tuple[str, str], tuple[int, int | None]]] = {
    "MES_ACTIVATION": {("53", "2025-01"): (81, 160), ("72", "2025-03"): (33, 210)},
    "DMP_ALIMENTATION": {("53", "2025-01"): (118, 160), ("72", "2025-01"): (159, 210)},
    "DMP_DOCS_PER_INHABITANT": {("53", "2025-03"): (420, 3500), ("72", "2024-12"): (600, 5500)},
    "DMP_CONSULTATION": {("53", "2025-01"): (4, 10), ("72", "2025-01"): (2, 20)},
    "INS_QUALIFICATION": {("53", "2025-01"): (60, 100), ("72", "2025-02"): (20, 100)},
    "MSS_USE": {("53", "2025-03"): (1, 2), ("72", "2025-03"): (1, 2)},
    "TELEHEALTH_LIBERAL": {("53", "2025-01"): (6, 10), ("72", "2025-01"): (4, 20)},
    # Survey indicators: one value per survey wave, dated by the wave's last answer.
    "ESMS_TELEHEALTH_EQUIPPED": {("72", "2024-09"): (1, 2)},
    "CARE_REGISTRATION": {("53", "2025-03"): (1, 1), ("72", "2025-03"): (1, 2)},
    "CYBER_EXERCISES_DONE": {("53", "2025-03"): (1, 1), ("72", "2025-03"): (0, 2)},
    "OFFICINES_MSS": {("53", "2025-03"): (2, 2), ("72", "2025-03"): (1, 2)},
    "OFFICINES_FAX": {
        ("53", "2024-06"): (2, 2),
        ("53", "2025-01"): (0, 1),
        ("72", "2024-06"): (1, 1),
    },
    "TELEEXPERTISE_SPECIALTIES": {("53", "2025-01"): (2, None), ("72", "2025-01"): (3, None)},
}


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_catalogue_holds_both_roadmaps(catalogue: list[Definition]):
    assert {d.code for d in catalogue} >= REQUIRED
    assert set(EXPECTED) == REQUIRED


def test_roadmap_references(by_code: dict[str, Definition]):
    for code, value in MAYENNE_TARGETS.items():
        targets = [r for r in by_code[code].references if r.type == "target"]
        assert [(r.territory_code, r.value) for r in targets] == [("53", value)], code
        assert all(r.deadline for r in targets)
    for code, value in SARTHE_KEY_FIGURES.items():
        figures = [r.value for r in by_code[code].references if r.type == "key_figure"]
        assert figures == [value], code


@pytest.mark.parametrize("code", sorted(REQUIRED))
def test_definition_documents_itself(by_code: dict[str, Definition], code: str):
    definition = by_code[code]
    assert definition.doc == f"docs/indicateurs/{code}.md"
    page = definition.doc_path.read_text(encoding="utf-8")
    assert code in page
    for heading in (
        "## Ce que mesure l'indicateur",
        "## Formule",
        "## Source",
        "## Limites connues",
    ):
        assert heading in page, heading
    # The exact formula: the SQL of the definition file, verbatim (whitespace aside).
    assert normalise(definition.numerator_sql) in normalise(page)
    if definition.denominator_sql:
        assert normalise(definition.denominator_sql) in normalise(page)
    assert definition.name in page


def test_catalogue_index_lists_every_indicator(catalogue: list[Definition]):
    index = (Path(catalogue[0].doc_path).parent / "README.md").read_text(encoding="utf-8")
    for definition in catalogue:
        assert f"({definition.code}.md)" in index, definition.code


@pytest.fixture(scope="module")
def results(shared_staging: Path, catalogue: list[Definition]) -> dict[tuple[str, str, str], dict]:
    table = compute(catalogue, shared_staging, snapshot_period="2025-03")
    return {
        (r["indicator_code"], r["territory_code"], r["period"]): r
        for r in table.to_pylist()
        if r["territory_level"] == "departement"
    }


@pytest.mark.parametrize("code", sorted(REQUIRED))
def test_definition_runs_on_small_staging(results, by_code, code):
    definition = by_code[code]
    for (dep, period), (num, den) in EXPECTED[code].items():
        row = results[(code, dep, period)]
        assert (row["numerator"], row["denominator"]) == (num, den)
        expected = num if den is None else num * definition.factor / den
        assert row["value"] == expected
