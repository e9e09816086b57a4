"""The FINESS Etalab stock extract (cs1100507: establishments with their geolocalisation)."""

from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np

from .structures import Structure
from .territory import (
    Territory,
    ascii_upper,
    commune_suffix,
    departement_label,
    finess_departement,
    project,
)
from .vocab import CATEGORIES, STREET_TYPES, TARIFF

# Meaning unconfirmed (see the format notes); the value seen on recent extracts.
MARKER_NUMBER = "111"
STREET_TYPE_CODES = {code for code, _ in STREET_TYPES}


def file_name(extraction: date) -> str:
    return f"etalab-cs1100507-stock-{extraction:%Y%m%d}-0400.csv"


def routing_line(postal_code: str, commune_name: str) -> str:
    """`ligneacheminement`: postal code and the commune as La Poste writes it."""
    name = ascii_upper(commune_name).replace("-", " ").replace("'", " ")
    return f"{postal_code} {' '.join(name.split())}"


def structure_fields(s: Structure, territory: Territory) -> list[str]:
    label, aggregate, aggregate_label, group, ape, _ = CATEGORIES[s.category]
    mft, mft_label, sph, sph_label = TARIFF.get(group, ("", "", "", ""))
    if s.category == "124" or s.category == "603":
        mft, mft_label, sph, sph_label = "", "", "", ""
    commune_code = territory.codes[s.commune]
    return [
        "structureet",
        s.finess_et,
        s.finess_ej,
        s.name,
        s.long_name,
        "",  # complrs
        "",  # compldistrib
        s.street_number,
        s.street_type,
        s.street,
        str(s.extras.get("compvoie", "")),
        str(s.extras.get("lieuditbp", "")),
        commune_suffix(commune_code, s.departement),
        finess_departement(s.departement),
        ascii_upper(departement_label(s.departement)),
        routing_line(territory.postal_codes[s.commune], territory.names[s.commune]),
        s.phone,
        s.fax,
        s.category,
        label,
        aggregate,
        aggregate_label,
        s.siret,
        ape,
        mft,
        mft_label,
        sph,
        sph_label,
        s.opened.isoformat(),
        s.authorised.isoformat(),
        s.updated.isoformat(),
        "",  # numuai: empty, hence the trailing ';' of every structureet line
    ]


def write_finess(
    directory: Path, structures: list[Structure], territory: Territory, extraction: date
) -> tuple[Path, int]:
    path = directory / file_name(extraction)
    by_dep: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(structures):
        by_dep[s.departement].append(i)
    xs = np.zeros(len(structures))
    ys = np.zeros(len(structures))
    tokens = [""] * len(structures)
    for dep, indices in by_dep.items():
        lon = np.array([structures[i].lon for i in indices])
        lat = np.array([structures[i].lat for i in indices])
        x, y, token = project(lon, lat, dep)
        xs[indices], ys[indices] = x, y
        for i in indices:
            tokens[i] = token
    lines = [f"finess;etalab;{MARKER_NUMBER};{extraction.isoformat()}"]
    for s in structures:
        fields = structure_fields(s, territory)
        for value in fields:
            if ";" in value:
                raise ValueError(f"';' in a FINESS field of {s.finess_et}: {value!r}")
        lines.append(";".join(fields))
    for i, s in enumerate(structures):
        source = f"1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,{tokens[i]}"
        lines.append(
            f"geolocalisation;{s.finess_et};{xs[i]:.1f};{ys[i]:.1f};{source};{s.updated.isoformat()}"
        )
    with open(path, "w", encoding="latin-1", newline="") as handle:
        handle.write("\n".join(lines) + "\n")
    return path, len(structures)
