"""docs/staging-contract.md and contract.py describe the same tables, and parsers honour them."""

from __future__ import annotations

import re
from pathlib import Path

from capsante.ingest import contract

DOC = Path(__file__).resolve().parents[3] / "docs" / "staging-contract.md"


def _top_level_parts(cell: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in cell:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _first_code(text: str) -> str:
    match = re.search(r"`([a-z_]+)`", text)
    assert match, text
    return match.group(1)


def documented_tables() -> dict[str, tuple[bool, list[str]]]:
    tables = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        partitioned = cells[1].startswith("yes")
        columns = [_first_code(part) for part in _top_level_parts(cells[2])]
        tables[name] = (partitioned, columns)
    return tables


def test_the_document_and_the_code_list_the_same_tables_and_columns():
    documented = documented_tables()
    assert sorted(documented) == sorted(contract.TABLES)
    for name, (partitioned, columns) in documented.items():
        spec = contract.table(name)
        assert columns == spec.schema.names, name
        assert partitioned == spec.partitioned, name


def test_keys_and_scopes_are_columns_of_their_table():
    for spec in contract.TABLES.values():
        assert set(spec.key_columns) <= set(spec.schema.names)
        assert set(spec.scope_columns) <= set(spec.schema.names)
        assert ("period" in spec.schema.names) == spec.partitioned or spec.name == "survey_answers"


def test_no_table_has_a_patient_identifier_name_or_birth_date():
    words = "nir|nia|ins_value|family|given|first_name|last_name|birth|birth_date|ipp|nom|prenom"
    forbidden = re.compile(rf"(^|_)({words})(_|$)")
    for spec in contract.TABLES.values():
        assert not [col for col in spec.schema.names if forbidden.search(col)], spec.name
