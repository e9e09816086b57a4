"""Synthetic patient identities with an INS status, as hospitals and EHPAD would export them.

The patients are fictitious: random common names, random birth dates and NIRs that are well
formed (sex, birth year and month, place, order, valid key) but drawn at random. The importer
reduces them to counts per establishment, month and status.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from . import periods
from .calibration import Profile
from .rand import stream
from .structures import Structure
from .territory import Territory
from .vocab import COUNTRIES_OF_BIRTH, FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES

STATUSES = ("QUAL", "PROV", "RECUP", "VALI")
NON_QUALIFIED_SPLIT = (0.45, 0.35, 0.20)  # PROV, RECUP, VALI among non-qualified identities
OID_NIR = "1.2.250.1.213.1.4.8"
OID_NIA = "1.2.250.1.213.1.4.9"
OID_NIR_TEST = "1.2.250.1.213.1.4.10"
SIZE = {"101": 3.0, "355": 1.0, "106": 0.3, "292": 0.5, "365": 0.6, "128": 0.5, "122": 0.4}
METROPOLITAN = tuple(f"{d:02d}" for d in range(1, 96) if d != 20) + ("2A", "2B")


@dataclass
class Source:
    """An establishment that exports identities, and how."""

    structure: int
    fmt: str  # "fhir" or "hl7"
    patients: float  # expected identities per month
    offset: float  # its qualification rate minus the département's
    test_oid: bool  # connected to the INSi test environment: every INS carries the test OID
    legacy_codes: bool  # FHIR export with the older identity-reliability code system


@dataclass
class Identity:
    finess: str
    status: str
    ins: str  # "" when the identity carries no INS
    ins_oid: str
    ipp: str
    last_name: str
    given: list[str]
    female: bool
    birth: date
    birth_place: str  # INSEE code of the birth commune, "" abroad
    updated: datetime
    method: str
    validation_mode: str
    legacy_codes: bool
    created: bool


def plan_sources(
    structures: list[Structure], seed: int, hospital_patients: float, ehpad_patients: float
) -> list[Source]:
    rng = stream(seed, "ins-sources")
    sources = []
    for index, s in enumerate(structures):
        if s.category in SIZE:
            patients = hospital_patients * SIZE[s.category]
            fmt = "hl7" if rng.random() < 0.7 else "fhir"
        elif s.category == "500":
            patients, fmt = float(ehpad_patients), "fhir"
        else:
            continue
        sources.append(
            Source(
                index,
                fmt,
                patients,
                float(rng.normal(0, 0.07)),
                bool(rng.random() < 0.04),
                bool(fmt == "fhir" and rng.random() < 0.2),
            )
        )
    # Centre the offsets within each département so that its aggregate follows its trend.
    for dep in sorted({structures[src.structure].departement for src in sources}):
        members = [src for src in sources if structures[src.structure].departement == dep]
        weights = np.array([m.patients for m in members])
        mean = (
            float(np.average([m.offset for m in members], weights=weights))
            if weights.sum() > 0
            else 0.0
        )
        for m in members:
            m.offset -= mean
    return sources


def nir_key(first13: str) -> str:
    digits = first13.replace("2A", "19").replace("2B", "18")
    return f"{97 - int(digits) % 97:02d}"


def month_identities(
    sources: list[Source],
    structures: list[Structure],
    territory: Territory,
    profiles: dict[str, Profile],
    period: str,
    seed: int,
) -> list[Identity]:
    """The identities the sources exported for `period`; attributes drawn as whole arrays."""
    rng = stream(seed, "ins-identities", period)
    t = periods.index(period)
    year, month = periods.parse(period)
    start = datetime(year, month, 1, 7, 0, 0)
    owner_parts, status_parts = [], []
    for position, src in enumerate(sources):
        n = int(rng.poisson(src.patients)) if src.patients > 0 else 0
        if n == 0:
            continue
        s = structures[src.structure]
        qual = float(
            np.clip(profiles[s.departement].ins_qualification.at(t) + src.offset, 0.03, 0.98)
        )
        counts = rng.multinomial(n, [qual] + [(1 - qual) * share for share in NON_QUALIFIED_SPLIT])
        statuses = np.repeat(np.array(STATUSES), counts)
        rng.shuffle(statuses)
        owner_parts.append(np.full(n, position))
        status_parts.append(statuses)
    if not owner_parts:
        return []
    owner = np.concatenate(owner_parts)
    status = np.concatenate(status_parts)
    n = len(owner)
    ehpad = np.array([structures[sources[o].structure].category == "500" for o in owner])
    female = rng.random(n) < np.where(ehpad, 0.68, 0.52)
    group = rng.random(n)
    age = np.where(
        group < 0.15,
        rng.integers(0, 18, n),
        np.where(group < 0.6, rng.integers(18, 65, n), rng.integers(65, 100, n)),
    )
    age = np.where(ehpad, np.clip(rng.normal(87, 6, n), 70, 104).astype(int), age)
    birth_ordinal = start.date().toordinal() - (age * 365.25).astype(int) - rng.integers(1, 365, n)
    given_count = rng.choice((1, 2, 3), size=n, p=(0.35, 0.45, 0.2))
    given_index = rng.integers(0, 10_000, (n, 3))
    last_index = rng.integers(0, len(LAST_NAMES), n)
    nia = (status == "QUAL") & (rng.random(n) < 0.015)
    test_oid = np.array([sources[o].test_oid for o in owner]) | (rng.random(n) < 0.005)
    place_draw = rng.random(n)
    other_dep = rng.integers(0, len(METROPOLITAN), n)
    country = rng.integers(0, len(COUNTRIES_OF_BIRTH), n)
    commune_number = rng.integers(1, 400, n)
    order = rng.integers(1, 1000, n)
    offsets = rng.integers(0, periods.last_day(period), n) * 1440 + rng.integers(0, 12 * 60, n)
    method = rng.choice(("INSI", "CV", "AV"), size=n, p=(0.5, 0.4, 0.1))
    validation = rng.choice(("CN", "PA", "TS"), size=n, p=(0.75, 0.15, 0.1))
    ipp = rng.integers(10**7, 10**8, n)
    created = rng.random(n) < 0.7
    identities = []
    for i in range(n):
        src = sources[int(owner[i])]
        s = structures[src.structure]
        code = str(status[i])
        birth = date.fromordinal(int(birth_ordinal[i]))
        names = FEMALE_FIRST_NAMES if female[i] else MALE_FIRST_NAMES
        given = [names[int(k) % len(names)] for k in given_index[i, : int(given_count[i])]]
        if nia[i] or place_draw[i] < 0.12:
            place, birth_place = "99" + COUNTRIES_OF_BIRTH[int(country[i])], ""
        else:
            dep = s.departement if place_draw[i] < 0.6 else METROPOLITAN[int(other_dep[i])]
            width = 2 if len(dep) == 3 else 3
            place = birth_place = f"{dep}{int(commune_number[i]) % 10**width or 1:0{width}d}"
        sex = ("8" if female[i] else "7") if nia[i] else ("2" if female[i] else "1")
        first13 = f"{sex}{birth.year % 100:02d}{birth.month:02d}{place}{int(order[i]):03d}"
        ins, oid = "", ""
        if code == "QUAL":
            # Only a qualified identity may carry the INS; some sites still run against the
            # test INSi environment (test OID), which the importer must not count as valid.
            ins = first13 + nir_key(first13)
            oid = OID_NIA if nia[i] else OID_NIR_TEST if test_oid[i] else OID_NIR
        identities.append(
            Identity(
                finess=s.finess_et,
                status=code,
                ins=ins,
                ins_oid=oid,
                ipp=f"{int(ipp[i]):08d}",
                last_name=LAST_NAMES[int(last_index[i])].replace("-", " "),
                given=given,
                female=bool(female[i]),
                birth=birth,
                birth_place=birth_place,
                updated=start + timedelta(minutes=int(offsets[i])),
                method=str(method[i]) if code in ("QUAL", "RECUP") else "SM",
                validation_mode=str(validation[i]) if code in ("QUAL", "VALI") else "",
                legacy_codes=src.legacy_codes,
                created=bool(created[i]),
            )
        )
    return identities
