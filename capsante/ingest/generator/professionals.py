"""Health professionals and their activity sites (the RPPS population behind several files).

The same people are counted by the Assurance Maladie tables (professionals per commune), own
the personal MSSanté mailboxes and staff the establishments, so the sources agree.
"""

from dataclasses import dataclass

import numpy as np

from .rand import luhn_key, stream, unique_numbers
from .structures import Structure
from .territory import Territory
from .vocab import DOCTOR_SPECIALTIES, FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES

PROFESSION_CODES = ("10", "21", "40", "50", "60", "70")

# Persons per inhabitant (pharmacists come from the establishments), share salaried, exponent of
# commune population in the choice of a liberal practice, share of women.
RATES = {"10": 0.0028, "40": 0.0006, "50": 0.0003, "60": 0.0036, "70": 0.0010}
SALARIED = {"10": 0.45, "40": 0.08, "50": 0.65, "60": 0.78, "70": 0.15}
LIBERAL_EXPONENT = {"10": 1.08, "40": 1.15, "50": 1.1, "60": 0.95, "70": 1.1}
FEMALE = {"10": 0.5, "21": 0.68, "40": 0.48, "50": 0.97, "60": 0.87, "70": 0.52}
SECOND_SITE = {"10": 0.06, "60": 0.07, "70": 0.06}
ADELI_SHARE = {"60": 0.03, "70": 0.03}

# Which establishments employ salaried professionals of each profession (category -> factor).
EMPLOYERS: dict[str, dict[str, float]] = {
    "10": {
        "101": 1,
        "355": 1,
        "106": 0.6,
        "292": 1,
        "365": 0.8,
        "128": 0.8,
        "122": 0.6,
        "124": 2.5,
        "500": 0.4,
    },
    "21": {"101": 1, "355": 1, "106": 1, "292": 1, "365": 1, "128": 1, "122": 1},
    "40": {"101": 1, "355": 0.2, "124": 4},
    "50": {"101": 1, "355": 1, "365": 0.6, "122": 2.5},
    "60": {
        "101": 1,
        "355": 1,
        "106": 1.2,
        "292": 1,
        "365": 1,
        "128": 1,
        "122": 1,
        "124": 1,
        "500": 3,
        "354": 4,
        "202": 0.5,
        "255": 2,
        "437": 2,
        "183": 0.5,
    },
    "70": {"101": 1, "355": 1, "106": 1.5, "292": 0.3, "365": 1.2, "500": 1.5, "255": 1, "437": 1},
}

SECTOR_BY_CATEGORY = {
    "101": "SA01",
    "355": "SA01",
    "106": "SA01",
    "292": "SA01",
    "365": "SA03",
    "128": "SA03",
    "122": "SA03",
    "124": "SA05",
    "500": "SA17",
    "202": "SA17",
    "354": "SA17",
    "183": "SA18",
    "255": "SA18",
    "437": "SA18",
    "246": "SA18",
    "460": "SA18",
    "620": "SA33",
    "603": "SA08",
}


@dataclass
class Professionals:
    # One entry per person.
    profession: np.ndarray
    female: np.ndarray
    last_names: list[str]
    first_names: list[str]
    id_type: np.ndarray  # "8" RPPS, "0" ADELI
    identifier: list[str]
    specialty: list[str]
    # One entry per activity (person x site).
    person: np.ndarray
    mode: np.ndarray  # "L" / "S"
    commune: np.ndarray
    structure: np.ndarray  # index into the structures list, -1 for a practice
    sector: np.ndarray
    section: np.ndarray  # pharmacists' section of the Ordre, "" otherwise
    primary: np.ndarray  # the person's main activity

    @property
    def persons(self) -> int:
        return len(self.profession)

    def per_commune(self, communes: int, liberal_only: bool) -> dict[str, np.ndarray]:
        """Distinct persons active in each commune, per profession."""
        keep = self.mode == "L" if liberal_only else np.ones(len(self.person), dtype=bool)
        pairs = np.unique(np.stack([self.commune[keep], self.person[keep]]), axis=1)
        out = {}
        professions = self.profession[pairs[1]]
        for code in PROFESSION_CODES:
            out[code] = np.bincount(pairs[0][professions == code], minlength=communes)
        return out


class _Builder:
    def __init__(self) -> None:
        self.profession: list[str] = []
        self.person: list[int] = []
        self.mode: list[str] = []
        self.commune: list[int] = []
        self.structure: list[int] = []
        self.sector: list[str] = []
        self.section: list[str] = []
        self.primary: list[bool] = []

    def add_person(self, profession: str) -> int:
        self.profession.append(profession)
        return len(self.profession) - 1

    def add_activity(
        self,
        person: int,
        mode: str,
        commune: int,
        structure: int,
        sector: str,
        section: str = "",
        primary: bool = True,
    ) -> None:
        self.person.append(person)
        self.mode.append(mode)
        self.commune.append(commune)
        self.structure.append(structure)
        self.sector.append(sector)
        self.section.append(section)
        self.primary.append(primary)


def build_professionals(
    territory: Territory, structures: list[Structure], seed: int
) -> Professionals:
    builder = _Builder()
    by_dep: dict[str, list[int]] = {dep: [] for dep in territory.departements}
    for index, s in enumerate(structures):
        by_dep[s.departement].append(index)
    for dep in territory.departements:
        _build_departement(builder, territory, structures, by_dep[dep], dep, seed)
    return _finish(builder, seed)


def _build_departement(
    builder: _Builder,
    territory: Territory,
    structures: list[Structure],
    indices: list[int],
    dep: str,
    seed: int,
) -> None:
    rng = stream(seed, "professionals", dep)
    communes = territory.communes_of(dep)
    pop = territory.population[communes].astype(float)
    dep_pop = float(pop.sum())
    msp_by_commune: dict[int, int] = {
        structures[i].commune: i for i in indices if structures[i].category == "603"
    }

    # Pharmacists: owners and assistants of each officine, one site each (the mailbox count of
    # officines relies on it), then hospital pharmacists.
    for i in indices:
        s = structures[i]
        if s.category != "620":
            continue
        for _ in range(1 if rng.random() < 0.6 else 2):
            builder.add_activity(builder.add_person("21"), "L", s.commune, i, "SA33", "A")
        for _ in range(int(rng.poisson(1.0))):
            builder.add_activity(builder.add_person("21"), "S", s.commune, i, "SA33", "D")
    _salaried(builder, structures, indices, "21", None, rng, section="H")

    for code in ("10", "40", "50", "60", "70"):
        total = int(round(dep_pop * RATES[code] * rng.uniform(0.92, 1.08)))
        salaried = int(round(total * SALARIED[code]))
        placed = _salaried(builder, structures, indices, code, salaried, rng)
        liberal = total - placed
        weights = np.power(np.maximum(pop, 1), LIBERAL_EXPONENT[code]) * np.where(
            pop >= 300, 1.0, 0.15
        )
        weights *= rng.lognormal(0, 0.3, len(pop))
        weights /= weights.sum()
        chosen = communes[rng.choice(len(communes), size=max(liberal, 0), p=weights)]
        for commune in chosen:
            commune = int(commune)
            person = builder.add_person(code)
            msp = msp_by_commune.get(commune)
            if msp is not None and code in ("10", "60", "70") and rng.random() < 0.5:
                builder.add_activity(person, "L", commune, msp, "SA08")
            else:
                builder.add_activity(
                    person, "L", commune, -1, "SA07" if rng.random() < 0.6 else "SA08"
                )
            if rng.random() < SECOND_SITE.get(code, 0.0):
                other = int(communes[rng.choice(len(communes), p=weights)])
                builder.add_activity(person, "L", other, -1, "SA08", primary=False)


def _salaried(
    builder: _Builder,
    structures: list[Structure],
    indices: list[int],
    code: str,
    count: int | None,
    rng: np.random.Generator,
    section: str = "",
) -> int:
    """Spread salaried professionals over the establishments that employ them; returns how many."""
    employers = [i for i in indices if structures[i].category in EMPLOYERS[code]]
    if not employers:
        return 0
    weights = np.array(
        [structures[i].staff_weight * EMPLOYERS[code][structures[i].category] for i in employers]
    )
    if weights.sum() <= 0:
        return 0
    if count is None:
        # Hospital pharmacists: a team that grows with the hospital.
        counts = np.maximum(
            1, np.round(weights * 0.25 * rng.uniform(0.7, 1.3, len(weights)))
        ).astype(int)
    else:
        counts = np.bincount(
            rng.choice(len(employers), size=count, p=weights / weights.sum()),
            minlength=len(employers),
        )
    for i, n in zip(employers, counts, strict=True):
        s = structures[i]
        for _ in range(int(n)):
            builder.add_activity(
                builder.add_person(code),
                "S",
                s.commune,
                i,
                SECTOR_BY_CATEGORY.get(s.category, "SA01"),
                section,
            )
    return int(counts.sum())


def _finish(builder: _Builder, seed: int) -> Professionals:
    rng = stream(seed, "professionals", "identities")
    profession = np.array(builder.profession, dtype="U2")
    n = len(profession)
    female_share = np.array([FEMALE[p] for p in builder.profession]) if n else np.zeros(0)
    female = rng.random(n) < female_share
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    female_first = np.array(FEMALE_FIRST_NAMES)[rng.integers(0, len(FEMALE_FIRST_NAMES), n)]
    male_first = np.array(MALE_FIRST_NAMES)[rng.integers(0, len(MALE_FIRST_NAMES), n)]
    first = np.where(female, female_first, male_first)
    adeli_share = (
        np.array([ADELI_SHARE.get(p, 0.0) for p in builder.profession]) if n else np.zeros(0)
    )
    id_type = np.where(rng.random(n) < adeli_share, "0", "8")
    bodies = unique_numbers(rng, n, 10**8)
    identifier = []
    for kind, body in zip(id_type, bodies, strict=True):
        if kind == "8":
            digits = f"10{int(body):08d}"
        else:
            digits = f"{int(body):08d}"
        identifier.append(digits + luhn_key(digits))
    person = np.array(builder.person, dtype=np.int64)
    mode = np.array(builder.mode, dtype="U1")
    # Hospital doctors are mostly specialists; liberal ones mostly general practitioners.
    codes = np.array([code for code, _, _ in DOCTOR_SPECIALTIES])
    others = np.array([weight for _, _, weight in DOCTOR_SPECIALTIES])
    others[0] = 0
    main_mode = np.full(n, "L", dtype="U1")
    primary = np.array(builder.primary, dtype=bool)
    main_mode[person[primary]] = mode[primary]
    general = (main_mode == "L") & (rng.random(n) < 0.7)
    drawn = codes[rng.choice(len(codes), size=n, p=others / others.sum())]
    specialty = np.where(profession == "10", np.where(general, "SM54", drawn), "")
    return Professionals(
        profession=profession,
        female=female,
        last_names=[str(x) for x in last],
        first_names=[str(x) for x in first],
        id_type=id_type,
        identifier=identifier,
        specialty=[str(x) for x in specialty],
        person=person,
        mode=mode,
        commune=np.array(builder.commune, dtype=np.int64),
        structure=np.array(builder.structure, dtype=np.int64),
        sector=np.array(builder.sector, dtype="U4"),
        section=np.array(builder.section, dtype="U1"),
        primary=primary,
    )
