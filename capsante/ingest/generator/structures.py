"""Establishments (FINESS ET) placed in communes in proportion to population.

Every later step hangs on these: professionals work in them, mailboxes belong to them,
identities and surveys come from them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from . import calibration
from .rand import allocate, luhn_key, stream, unique_numbers
from .territory import PHONE_PREFIX, Territory, ascii_upper
from .vocab import (
    CATEGORIES,
    CLINIQUE_PATTERNS,
    ESMS_CATEGORIES,
    ESMS_PREFIX,
    ESMS_WEIGHTS,
    LAST_NAMES,
    OFFICINE_PATTERNS,
    RESIDENCE_NAMES,
    STREET_NAMES,
    STREET_TYPES,
    STREET_WEIGHTS,
)


@dataclass
class Structure:
    finess_et: str
    finess_ej: str
    category: str
    name: str
    long_name: str
    commune: int  # index into the territory
    departement: str
    street_number: str
    street_type: str
    street: str
    phone: str
    fax: str
    siret: str
    opened: date
    authorised: date
    updated: date
    lat: float
    lon: float
    staff_weight: float  # how many salaried professionals it draws, relatively
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return CATEGORIES[self.category][3]


# Per category: inhabitants per establishment and the weight a commune of population P gets.
Weight = Callable[[np.ndarray], np.ndarray]


def _band(low: float, high: float, exponent: float, outside: float = 0.0) -> Weight:
    def weight(pop: np.ndarray) -> np.ndarray:
        base = np.power(np.maximum(pop, 1).astype(float), exponent)
        inside = (pop >= low) & (pop <= high)
        return np.where(inside, base, base * outside)

    return weight


PLACEMENT: dict[str, tuple[float, Weight]] = {
    "620": (
        3500,
        lambda p: np.where(p >= 1500, p, np.where(p >= 700, 0.35 * p, 0.0)).astype(float),
    ),
    "500": (8500, _band(600, 1e9, 0.75, 0.05)),
    "esms": (4500, _band(800, 1e9, 0.85, 0.03)),
    "355": (50000, _band(4000, 1e9, 1.2, 0.0)),
    "106": (90000, _band(1500, 10000, 1.0, 0.0)),
    "clinique": (45000, _band(8000, 1e9, 1.3, 0.0)),
    "124": (30000, _band(3000, 1e9, 1.1, 0.02)),
    "603": (27000, _band(1000, 30000, 0.6, 0.02)),
}
CHU_MIN_POPULATION = 145_000
CHS_MIN_DEPARTEMENT_POPULATION = 150_000


def build_structures(territory: Territory, seed: int, extraction: date) -> list[Structure]:
    structures: list[Structure] = []
    for dep in territory.departements:
        structures.extend(_build_departement(territory, dep, seed, extraction))
    structures.sort(key=lambda s: s.finess_et)
    return structures


def _counts(territory: Territory, dep: str, rng: np.random.Generator) -> dict[str, np.ndarray]:
    communes = territory.communes_of(dep)
    pop = territory.population[communes]
    dep_pop = int(pop.sum())
    counts: dict[str, np.ndarray] = {}
    for key, (per, weight) in PLACEMENT.items():
        total = int(round(dep_pop / per * rng.uniform(0.92, 1.08)))
        if key == "620" and dep == calibration.SARTHE:
            total = calibration.SARTHE_OFFICINES
        if key == "355":
            total = max(1, total)
        noise = rng.lognormal(0.0, 0.25, len(pop))
        counts[key] = allocate(total, weight(pop) * noise, rng)
    largest = int(np.argmax(pop))
    counts["101"] = np.zeros(len(pop), dtype=np.int64)
    if pop[largest] >= CHU_MIN_POPULATION:
        counts["101"][largest] = 1
    elif counts["355"][largest] == 0:
        # The prefecture-size town always has its hospital.
        counts["355"][int(np.argmax(counts["355"]))] -= 1
        counts["355"][largest] += 1
    counts["292"] = np.zeros(len(pop), dtype=np.int64)
    if dep_pop >= CHS_MIN_DEPARTEMENT_POPULATION:
        counts["292"][largest] = 1
    return counts


def _finess_prefix(dep: str) -> str:
    if len(dep) == 3:
        return "970" + dep[2]
    return dep


def finess_numbers(dep: str, count: int, rng: np.random.Generator) -> list[str]:
    """Distinct, well-formed FINESS numbers of a département: prefix, sequence, Luhn key."""
    prefix = _finess_prefix(dep)
    width = 8 - len(prefix)
    numbers = unique_numbers(rng, count, 10**width, low=1)
    out = []
    for value in numbers:
        body = f"{prefix}{int(value):0{width}d}"
        out.append(body + luhn_key(body.replace("A", "0").replace("B", "0")))
    return out


def siret(rng: np.random.Generator) -> str:
    siren = "".join(str(d) for d in rng.integers(0, 10, 8))
    siren += luhn_key(siren)
    nic = "".join(str(d) for d in rng.integers(0, 10, 4))
    return siren + nic + luhn_key(siren + nic)


def phone(region: str, rng: np.random.Generator) -> str:
    prefix = PHONE_PREFIX.get(region, "01")
    if len(prefix) == 2:
        prefix += str(int(rng.integers(1, 10)))  # the area digit is never 0
    return prefix + "".join(str(d) for d in rng.integers(0, 10, 10 - len(prefix)))


def with_de(commune_name: str) -> str:
    """`DE <commune>` with French elision and contraction (Le Mans → DU MANS)."""
    name = ascii_upper(commune_name)
    for article, contracted in (
        ("LE ", "DU "),
        ("LES ", "DES "),
        ("LA ", "DE LA "),
        ("L'", "DE L'"),
    ):
        if name.startswith(article):
            return contracted + name[len(article) :]
    if name[:1] in "AEIOUYH":
        return "D'" + name
    return "DE " + name


def _names(category: str, commune_name: str, rng: np.random.Generator) -> tuple[str, str]:
    town = ascii_upper(commune_name)
    residence = str(rng.choice(RESIDENCE_NAMES))
    if category == "620":
        draw = rng.random()
        if draw < 0.25:
            name = f"PHARMACIE {rng.choice(LAST_NAMES).replace('-', ' ')}"
        elif draw < 0.4:
            name = f"PHARMACIE {with_de(commune_name)}"
        else:
            name = str(rng.choice(OFFICINE_PATTERNS))
        return name, f"{name} {town}" if draw >= 0.4 else name
    if category == "500":
        return f"EHPAD {residence}", f"EHPAD {residence} {with_de(commune_name)}"
    if category == "101":
        return f"CHU {town}", f"CENTRE HOSPITALIER UNIVERSITAIRE {with_de(commune_name)}"
    if category in ("355", "106"):
        return f"CH {town}", f"CENTRE HOSPITALIER {with_de(commune_name)}"
    if category == "292":
        return f"CHS {town}", f"CENTRE HOSPITALIER SPECIALISE {with_de(commune_name)}"
    if category in ("365", "128", "122"):
        name = str(rng.choice(CLINIQUE_PATTERNS))
        return name, f"{name} {town}"
    if category == "124":
        return f"CENTRE DE SANTE {town}", f"CENTRE DE SANTE MUNICIPAL {with_de(commune_name)}"
    if category == "603":
        return f"MSP {town}", f"MAISON DE SANTE PLURIPROFESSIONNELLE {with_de(commune_name)}"
    prefix = ESMS_PREFIX[category]
    if category in ("354", "460"):
        return f"{prefix} {town}", f"{prefix} {with_de(commune_name)}"
    return f"{prefix} {residence}", f"{prefix} {residence} {town}"


OPENING_YEARS = {
    "officine": (1950, 2021),
    "chu_ch": (1960, 2005),
    "clinique": (1965, 2015),
    "ehpad": (1975, 2021),
    "esms": (1975, 2022),
    "msp": (2009, 2025),
    "centre_sante": (1985, 2025),
}
STAFF_WEIGHT = {
    "101": 40.0,
    "355": 8.0,
    "106": 2.0,
    "292": 5.0,
    "365": 4.0,
    "128": 3.0,
    "122": 2.0,
    "124": 2.0,
    "500": 1.0,
    "354": 1.0,
    "603": 0.0,
    "620": 0.0,
}


def _random_date(rng: np.random.Generator, first_year: int, last_year: int, latest: date) -> date:
    start = date(first_year, 1, 1)
    end = min(date(last_year, 12, 31), latest)
    return start + timedelta(days=int(rng.integers(0, max((end - start).days, 1))))


def _build_departement(
    territory: Territory, dep: str, seed: int, extraction: date
) -> list[Structure]:
    rng = stream(seed, "structures", dep)
    communes = territory.communes_of(dep)
    counts = _counts(territory, dep, rng)
    plan: list[tuple[str, int]] = []  # (category, commune index)
    for key in ("101", "355", "106", "292", "clinique", "124", "603", "620", "500", "esms"):
        for local in np.repeat(np.arange(len(communes)), counts[key]):
            if key == "clinique":
                category = str(rng.choice(("365", "128", "122"), p=(0.6, 0.25, 0.15)))
            elif key == "esms":
                category = str(rng.choice(ESMS_CATEGORIES, p=ESMS_WEIGHTS))
            else:
                category = key
            plan.append((category, int(communes[local])))
    numbers = finess_numbers(dep, 2 * len(plan) + 1, rng)
    et_numbers, ej_pool = numbers[: len(plan)], numbers[len(plan) :]
    region = territory.regions[int(communes[0])]
    urbanity = territory.urbanity()
    structures = []
    used_names: set[tuple[str, int]] = set()
    for (category, commune), finess_et in zip(plan, et_numbers, strict=True):
        group = CATEGORIES[category][3]
        name, long_name = _names(category, territory.names[commune], rng)
        if (name, commune) in used_names:
            # Two hospitals or pharmacies of the same name in one town: real files suffix a site.
            suffix = f" {rng.choice(RESIDENCE_NAMES)}"
            name, long_name = name + suffix, long_name + suffix
        used_names.add((name, commune))
        first, last = OPENING_YEARS.get(group, (1970, 2020))
        opened = _random_date(rng, first, last, extraction)
        spread = 0.004 + 0.02 * min(1.0, float(np.sqrt(territory.population[commune] / 100_000)))
        street_type = STREET_TYPES[int(rng.choice(len(STREET_TYPES), p=STREET_WEIGHTS))][0]
        staff = STAFF_WEIGHT.get(category, 0.3)
        if category == "355":
            staff *= 0.5 + 2.0 * float(urbanity[commune])
        structures.append(
            Structure(
                finess_et=finess_et,
                finess_ej="",
                category=category,
                name=name[:38].rstrip(),
                long_name=long_name[:60].rstrip(),
                commune=commune,
                departement=dep,
                street_number=str(int(rng.integers(1, 120))) if rng.random() < 0.9 else "",
                street_type=street_type,
                street=str(rng.choice(STREET_NAMES)),
                phone=phone(region, rng),
                fax=phone(region, rng) if rng.random() < 0.75 else "",
                siret=siret(rng) if CATEGORIES[category][5] else "",
                opened=opened,
                authorised=max(
                    date(1950, 1, 1), opened - timedelta(days=int(rng.integers(0, 700)))
                ),
                updated=extraction - timedelta(days=int(rng.integers(1, 900))),
                lat=float(territory.lat[commune] + rng.normal(0, spread)),
                lon=float(territory.lon[commune] + rng.normal(0, spread * 1.4)),
                staff_weight=staff,
            )
        )
    _assign_legal_entities(structures, ej_pool, rng)
    return structures


def _assign_legal_entities(
    structures: list[Structure], pool: list[str], rng: np.random.Generator
) -> None:
    """Public hospitals run some EHPAD; associations run several ESMS; the rest stand alone."""
    numbers = iter(pool)
    hospitals = [s for s in structures if s.category in ("101", "355", "106", "292")]
    for hospital in hospitals:
        hospital.finess_ej = next(numbers)
    association: str | None = None
    left = 0
    for structure in structures:
        if structure.finess_ej:
            continue
        if structure.category == "500" and hospitals and rng.random() < 0.25:
            structure.finess_ej = hospitals[int(rng.integers(len(hospitals)))].finess_ej
        elif structure.group == "esms":
            if left <= 0:
                association, left = next(numbers), int(rng.integers(1, 5))
            structure.finess_ej = str(association)
            left -= 1
        else:
            structure.finess_ej = next(numbers)
