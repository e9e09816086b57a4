from __future__ import annotations

from pathlib import Path

import pytest

from capsante.engine import Definition, load_definitions

from .staging_data import write_staging


@pytest.fixture(scope="session")
def catalogue() -> list[Definition]:
    return load_definitions()


@pytest.fixture(scope="session")
def by_code(catalogue: list[Definition]) -> dict[str, Definition]:
    return {d.code: d for d in catalogue}


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    return write_staging(tmp_path / "staging")


@pytest.fixture(scope="session")
def shared_staging(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same set, written once, for tests that only read it."""
    return write_staging(tmp_path_factory.mktemp("shared") / "staging")
