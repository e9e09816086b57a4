"""The ARS registers of cyber-crisis exercises and CaRE registration, one CSV per région."""

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from .calibration import CyberProfile, cyber_profile
from .rand import stream
from .structures import Structure, finess_numbers
from .territory import Territory, region_departements
from .vocab import SANITARY_CATEGORIES

HEADER = [
    "finess_ej",
    "finess_et",
    "code_region",
    "statut_exercice",
    "date_exercice",
    "niveau_kit",
    "inscrit_care",
    "domaine_care",
]
KIT_LEVELS = ("debutant", "intermediaire", "confirme")
KIT_WEIGHTS = (0.45, 0.4, 0.15)
CARE_D2_OPENED = date(2025, 7, 16)


@dataclass
class RegisterFile:
    path: Path
    region: str
    rows: int


def _candidates(
    structures: list[Structure],
    territory: Territory,
    region: str,
    profile: CyberProfile,
    rng: np.random.Generator,
) -> list[tuple[str, str, float]]:
    """(finess_ej, finess_et, weight) of the région's health establishments."""
    present = [
        (s.finess_ej, s.finess_et, max(s.staff_weight, 0.5))
        for s in structures
        if s.category in SANITARY_CATEGORIES and territory.regions[s.commune] == region
    ]
    missing = profile.establishments - len(present)
    if missing > 0:
        # The register covers the whole région even when the demo covers part of it: the
        # establishments of the départements left out get FINESS numbers of their own.
        absent = [d for d in region_departements(region) if d not in territory.departements] or [
            territory.departements[0]
        ]
        per_dep = np.array_split(np.arange(missing), len(absent))
        for dep, chunk in zip(absent, per_dep, strict=True):
            numbers = finess_numbers(dep, 2 * len(chunk), rng)
            for k in range(len(chunk)):
                present.append((numbers[len(chunk) + k // 2], numbers[k], 1.0))
    return present


def _new_entities(
    due: list[tuple[str, str, float]],
    structures: list[Structure],
    count: int,
    rng: np.random.Generator,
) -> list[str]:
    """FINESS numbers for absorbing legal entities, distinct from every number already used."""
    taken = {s.finess_et for s in structures} | {s.finess_ej for s in structures}
    taken |= {number for ej, et, _ in due for number in (ej, et)}
    departement = (
        due[0][1][:2] if due and due[0][1][:2] != "97" else "97" + due[0][1][3] if due else "75"
    )
    found: list[str] = []
    while len(found) < count:
        for number in finess_numbers(departement, count, rng):
            if number not in taken and len(found) < count:
                taken.add(number)
                found.append(number)
    return found


def _care_domain(rng: np.random.Generator, snapshot: date) -> str:
    if snapshot < CARE_D2_OPENED:
        return "D1"
    return str(rng.choice(("D1", "D1, D2", "D2"), p=(0.7, 0.2, 0.1)))


def _exercise(rng: np.random.Generator, status: str, snapshot: date) -> tuple[str, str]:
    """(date, kit level) of an exercise: done in the past, planned in the coming months."""
    if status == "realise":
        first = date(2023, 3, 1)
        when = first + timedelta(days=int(rng.integers(0, max((snapshot - first).days, 1))))
    elif status == "programme":
        when = snapshot + timedelta(days=int(rng.integers(15, 150)))
    else:
        return "", ""
    return when.isoformat(), str(rng.choice(KIT_LEVELS, p=KIT_WEIGHTS))


def write_registers(
    directory: Path, structures: list[Structure], territory: Territory, snapshot: date, seed: int
) -> list[RegisterFile]:
    files = []
    for region in territory.region_codes:
        sanitary = sum(
            1
            for s in structures
            if s.category in SANITARY_CATEGORIES and territory.regions[s.commune] == region
        )
        if sanitary == 0:
            continue
        profile = cyber_profile(region, sanitary, seed)
        rng = stream(seed, "cyber", region)
        candidates = _candidates(structures, territory, region, profile, rng)
        weights = np.array([c[2] for c in candidates])
        chosen = rng.choice(
            len(candidates), size=profile.establishments, replace=False, p=weights / weights.sum()
        )
        due = [candidates[int(i)] for i in chosen]
        registered = np.zeros(len(due), dtype=bool)
        registered[rng.permutation(len(due))[: int(round(profile.care_share * len(due)))]] = True
        # Statuses per establishment. The source counts more rows than establishments: the
        # extra rows are establishments listed twice, under their former legal entity (exercise
        # done) and under the entity that absorbed them (next exercise planned).
        statuses = (
            ["realise+programme"] * profile.duplicates
            + ["realise"] * (profile.done - profile.duplicates)
            + ["a_realiser"] * profile.to_do
            + ["programme"] * (profile.planned - profile.duplicates)
        )
        assert len(statuses) == len(due)
        new_entities = iter(_new_entities(due, structures, profile.duplicates, rng))
        order = rng.permutation(len(due))
        rows = []
        for position, index in enumerate(order):
            ej, et, _ = due[int(index)]
            care = bool(registered[int(index)])
            domain = _care_domain(rng, snapshot) if care else ""
            entities = [ej, next(new_entities)] if "+" in statuses[position] else [ej]
            for status, entity in zip(statuses[position].split("+"), entities, strict=True):
                when, level = _exercise(rng, status, snapshot)
                rows.append(
                    [entity, et, region, status, when, level, "oui" if care else "non", domain]
                )
        rows.sort(key=lambda r: (r[0], r[1], r[4]))
        path = directory / f"registre_exercices_cyber_{region}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows)
        files.append(RegisterFile(path, region, len(rows)))
    return files
