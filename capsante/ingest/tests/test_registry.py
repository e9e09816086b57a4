"""Every connector, end to end: sample → parser → staging, and a second import changes nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from capsante.ingest import contract, registry
from capsante.ingest.staging import StagingStore
from capsante.ingest.tests.helpers import assert_conforms, sample

SOURCES = Path(__file__).resolve().parents[1]
COMMUNES = {"72181", "72264", "72154", "72003", "53130", "53147", "53201", "97411", "2A004"}
SURVEY_MAPPING = {
    "Numéro FINESS de l'établissement": "finess_et",
    "Date de réponse": "answered_on",
    "Disposez-vous d'une boîte aux lettres MSSanté ?": "has_mss",
}

# connector name → (sample, parser options)
CASES: dict[str, tuple[Path, dict[str, Any]]] = {
    "finess": (sample("finess", "etalab-cs1100507-stock-20260512-0336.csv"), {"known_communes": COMMUNES}),
    "rpps": (sample("rpps", "PS_LibreAcces_Personne_activite_202601150815.txt"), {"known_communes": COMMUNES}),
    "mssante": (sample("mssante", "Extraction_Correspondance_MSSante_202601150600.txt"), {}),
    "ins-fhir": (sample("ins_fhir", "Patient.ndjson"), {"finess_et": "720000025"}),
    "ins-hl7": (sample("ins_hl7", "adt_pam_fr.hl7"), {"finess_et": "720000025"}),
    "am-mes": (sample("am_tables", "am_mes_activations_2025T1.csv"), {"known_communes": COMMUNES}),
    "am-dmp-documents": (sample("am_tables", "am_dmp_documents_2025-03.csv"), {}),
    "am-dmp-consultations": (sample("am_tables", "am_dmp_consultations_2025-03.csv"), {}),
    "am-telehealth": (sample("am_tables", "am_telehealth_2025-03.csv"), {}),
    "am-telehealth-offer": (sample("am_tables", "am_telehealth_offer_2025-03.csv"), {}),
    "survey": (sample("survey", "enquete_numerique_ehpad_2025.csv"), {"mapping": SURVEY_MAPPING, "survey": "ehpad-2025"}),
    "cyber-register": (sample("cyber_register", "registre_cyber_ars_pdl_2025.csv"), {}),
    "directory-data-inclusion": (sample("directory", "data-inclusion-72.json"), {"known_communes": COMMUNES}),
    "directory-mediation": (sample("directory", "lieux-mediation-numerique-72-53.csv"), {"known_communes": COMMUNES}),
    "directory-csv": (sample("directory", "ressources-72.csv"), {"known_communes": COMMUNES}),
    "directory-geojson": (sample("directory", "ressources-72.geojson"), {"known_communes": COMMUNES}),
}  # fmt: skip


def test_registry_lists_every_cli_name():
    assert sorted(registry.CONNECTORS) == sorted(CASES)
    for connector in registry.CONNECTORS.values():
        assert connector.label and connector.tables
        assert all(table in contract.TABLES for table in connector.tables)
    assert registry.get("ins-hl7").partitioned
    assert registry.get("ins-hl7").scope_columns == ("finess_et",)
    assert registry.get("mssante").key_columns == ("address",)
    with pytest.raises(KeyError, match="connecteur inconnu"):
        registry.get("pmsi")


@pytest.mark.parametrize("name", sorted(CASES))
def test_import_twice_is_idempotent(name, tmp_path):
    connector = registry.get(name)
    path, options = CASES[name]
    unknown = set(options) - set(connector.options)
    assert not unknown, f"{name} does not declare {unknown}"
    result = connector.parse(path, **options)
    assert_conforms(result)
    assert set(result.tables) == set(connector.tables)
    store = StagingStore(tmp_path)
    for table, data in result.tables.items():
        periods = result.periods or None
        first = store.diff(table, data, connector.key_columns, periods)
        assert first.added == data.num_rows and first.removed == 0
        store.write(table, data, periods, scope_columns=connector.scope_columns)
        again = connector.parse(path, **options).tables[table]
        assert store.diff(table, again, connector.key_columns, periods).is_noop
        order = [(key, "ascending") for key in connector.key_columns]
        assert store.read(table).sort_by(order).equals(data.sort_by(order))


PLAIN_MODULES = (
    "parsing.py",
    "tabular.py",
    "contract.py",
    "staging.py",
    "registry.py",
    "ins.py",
    "jsonlib.py",
)


def _plain_python_files() -> list[Path]:
    """The parsers and staging: plain Python. (The Django app around them lives beside them.)"""
    files = [SOURCES / name for name in PLAIN_MODULES]
    files += sorted((SOURCES / "connectors").rglob("*.py"))
    files += [
        SOURCES / "tests" / name for name in ("helpers.py", "test_parsing.py", "test_staging.py")
    ]
    assert all(path.exists() for path in files)
    return files


def test_no_module_imports_django():
    offenders = []
    for path in _plain_python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] == "django"]
    assert offenders == []


def test_importing_the_registry_does_not_load_django():
    code = (
        "import sys, capsante.ingest.registry, capsante.ingest.staging; "
        "print('django' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
