"""Fixtures of the reports' tests: a staging area and small, known indicator values."""

import pyarrow as pa
import pytest

from capsante.ingest.staging import StagingStore


def stage_mes(root, months: dict[str, dict[str, tuple[int, int, int]]]) -> None:
    """Mon espace santé table: per month and commune, (activated, with_document, beneficiaries)."""
    rows = {
        "period": [],
        "commune_code": [],
        "beneficiaries": [],
        "activated": [],
        "with_document": [],
    }
    for period, communes in months.items():
        for code, (activated, with_document, beneficiaries) in communes.items():
            rows["period"].append(period)
            rows["commune_code"].append(code)
            rows["activated"].append(activated)
            rows["with_document"].append(with_document)
            rows["beneficiaries"].append(beneficiaries)
    StagingStore(root).write("am_mes_activations", pa.table(rows))


@pytest.fixture
def staging(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    return settings.STAGING_DIR


def normalise(text: str) -> str:
    """Text-layer comparisons ignore line breaks and the kind of space."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
