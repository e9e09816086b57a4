"""Fixtures shared by the import tests."""

from pathlib import Path

import pytest

from capsante.ingest import registry
from capsante.territories.models import Level, Territory


def _communes_of(source: str, path: Path) -> set[str]:
    """The commune codes a sample refers to, read by the parser itself without the check."""
    result = registry.get(source).parse(path, name=path.name)
    codes: set[str] = set()
    for data in result.tables.values():
        if "commune_code" in data.column_names:
            codes |= {c for c in data.column("commune_code").to_pylist() if c}
    return codes


@pytest.fixture
def communes_for(db):
    def make(source: str, path: Path) -> None:
        for code in _communes_of(source, path):
            Territory.objects.get_or_create(
                level=Level.COMMUNE, code=code, defaults={"name": f"Commune {code}"}
            )

    return make
