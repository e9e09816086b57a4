"""The open-data export validates against its own Table Schemas with frictionless, and holds
exactly the values in force."""

import csv
import json

import frictionless
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from capsante.engine.statuses import RULE_IN_WORDS
from capsante.indicators import services as indicator_services
from capsante.indicators.models import Indicator, IndicatorValue
from capsante.reports import opendata

from .conftest import stage_mes

MONTHS = {
    "2025-01": {"72181": (900, 500, 1000), "72003": (10, 5, 100), "53130": (20, 10, 200)},
    "2025-02": {"72181": (910, 510, 1000), "72003": (12, 6, 100), "53130": (25, 12, 200)},
}


@pytest.fixture
def exported(geography, staging, tmp_path):
    stage_mes(staging, MONTHS)
    indicator_services.compute_and_store(codes=["MES_ACTIVATION", "DMP_ALIMENTATION"])
    # A correction: only the new version is in force, and it says it is version 2.
    stage_mes(staging, {**MONTHS, "2025-02": {**MONTHS["2025-02"], "72003": (40, 6, 100)}})
    indicator_services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-02"])
    # A count, not a rate: no denominator, a missing value in the files.
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="TELEEXPERTISE_SPECIALTIES"),
        territory=geography["sarthe"],
        period="2025-02",
        numerator=26,
        denominator=None,
        value=26,
    )
    directory = tmp_path / "opendata"
    call_command("export", "opendata", "--output", str(directory))
    return directory


@pytest.mark.django_db
def test_export_validates_against_its_own_schema(exported):
    report = frictionless.validate(str(exported / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in package["resources"]] == [
        "valeurs.csv",
        "indicateurs.csv",
        "cibles.csv",
    ]
    assert len(report.tasks) == 3 and all(t.stats["rows"] > 0 for t in report.tasks)
    assert package["licenses"][0]["title"] == "Licence Ouverte / Open Licence version 2.0"
    # Whoever reuses the targets' table reads the rule of its statuses in the package itself.
    targets = next(r for r in package["resources"] if r["name"] == "cibles")
    for n, (condition, status) in enumerate(RULE_IN_WORDS, 1):
        assert f"{n}. {condition} : {status}" in targets["description"]
    # And what a month short of communes does to a status (decision 0044).
    assert "n’entre pas dans le calcul du statut" in targets["description"]


@pytest.mark.django_db
def test_export_holds_exactly_the_values_in_force(exported):
    with (exported / "valeurs.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    current = IndicatorValue.objects.filter(is_current=True)
    assert len(rows) == current.count() > 0
    allonnes = [
        r
        for r in rows
        if r["code_territoire"] == "72003" and r["code_indicateur"] == "MES_ACTIVATION"
    ]
    assert [(r["mois"], float(r["valeur"]), r["version"]) for r in allonnes] == [
        ("2025-01", 10.0, "1"),
        ("2025-02", 40.0, "2"),
    ]
    sarthe = next(
        r
        for r in rows
        if (r["code_indicateur"], r["niveau_territoire"], r["code_territoire"], r["mois"])
        == ("MES_ACTIVATION", "departement", "72", "2025-01")
    )
    assert (float(sarthe["numerateur"]), float(sarthe["denominateur"])) == (910.0, 1100.0)
    assert sarthe["origine"].startswith("calcul n° ")
    count = next(r for r in rows if r["code_indicateur"] == "TELEEXPERTISE_SPECIALTIES")
    assert (count["numerateur"], count["denominateur"], count["valeur"]) == ("26.0", "", "26.0")
    # The Parquet copy holds the same rows, typed, with missing values as nulls.
    table = pq.read_table(exported / "valeurs.parquet")
    assert table.column_names == [f["name"] for f in opendata.TABLES["valeurs"]["fields"]]
    parquet_rows = table.to_pylist()
    assert len(parquet_rows) == len(rows)
    for csv_row, typed in zip(rows, parquet_rows, strict=True):
        assert csv_row["code_territoire"] == typed["code_territoire"]
        assert csv_row["mois"] == typed["mois"] and int(csv_row["version"]) == typed["version"]
        for column in ("numerateur", "denominateur", "valeur"):
            expected = float(csv_row[column]) if csv_row[column] else None
            assert typed[column] == expected, (csv_row, column)
        assert typed["calcule_le"].strftime("%Y-%m-%dT%H:%M:%SZ") == csv_row["calcule_le"]


@pytest.mark.django_db
def test_schemas_follow_the_french_catalogue_conventions(exported):
    for name in opendata.TABLES:
        schema = json.loads((exported / f"schema-{name}.json").read_text(encoding="utf-8"))
        assert schema["licenses"][0]["title"] == "Licence Ouverte / Open Licence version 2.0"
        assert schema["contributors"] and schema["version"] and schema["title"]
        for field in schema["fields"]:
            assert field["title"] and field["description"] and "example" in field, field["name"]
        # Each example is itself valid for its field: a schema must not contradict itself.
        resource = frictionless.Resource(
            data=[[f["name"] for f in schema["fields"]], [f["example"] for f in schema["fields"]]],
            schema=frictionless.Schema.from_descriptor(
                {k: v for k, v in schema.items() if k not in ("primaryKey",)}
            ),
        )
        assert frictionless.validate(resource).valid, name


@pytest.mark.django_db
def test_open_data_downloads_from_the_web(exported, client, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    page = client.get("/rapports/donnees-ouvertes/")
    assert page.status_code == 200 and "Licence Ouverte" in page.content.decode()
    response = client.get("/rapports/donnees-ouvertes/valeurs.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("code_indicateur,niveau_territoire")
    assert client.get("/rapports/donnees-ouvertes/..%2Fsettings.py").status_code == 404


@pytest.mark.django_db
def test_a_hostile_territory_name_opens_as_text_and_the_package_stays_valid(
    geography, staging, tmp_path
):
    """A grouping named by a user ends up in files that citizens open in a spreadsheet."""
    from capsante.territories.models import Level, Territory

    hostile = '=HYPERLINK("https://faux-site.example","Voir")'
    grouping = Territory.objects.create(level=Level.GROUPING, code="CLS-1", name=hostile)
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="TELEEXPERTISE_SPECIALTIES"),
        territory=grouping,
        period="2025-02",
        numerator=None,
        denominator=None,
        value=-3.5,  # an evolution, say: negative
    )
    directory = tmp_path / "opendata"
    call_command("export", "opendata", "--output", str(directory))
    with (directory / "valeurs.csv").open(encoding="utf-8") as handle:
        (row,) = [r for r in csv.DictReader(handle) if r["code_territoire"] == "CLS-1"]
    assert row["nom_territoire"] == "'" + hostile
    assert row["valeur"] == "-3.5"  # numbers stay numbers
    package = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    assert opendata.FORMULA_NOTE in package["description"]
    report = frictionless.validate(str(directory / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
