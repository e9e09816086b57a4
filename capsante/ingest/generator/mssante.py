"""MSSanté mailboxes and the `Extraction_Correspondance_MSSante` directory extract."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .addresses import SiteAddress
from .calibration import Profile
from .finess import routing_line
from .professionals import Professionals
from .rand import stream
from .structures import Structure
from .territory import Territory, slug
from .vocab import DOCTOR_SPECIALTIES, MAIL_DOMAINS, ORG_SERVICES, PROFESSIONS

HEADER = [
    "Type de BAL",
    "Adresse BAL",
    "Type Identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Type identifiant structure",
    "Identification Structure",
    "Service de rattachement",
    "Civilité d'exercice",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Catégorie profession",
    "Libellé de catégorie profession",
    "Code Profession",
    "Libellé Profession",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Dématérialisation",
    "Raison Sociale structure BAL",
    "Enseigne commerciale structure BAL",
    "L2COMPLEMENTLOCALISATION",
    "L3COMPLEMENTDISTRIBUTION",
    "L4NUMEROVOIE",
    "L4COMPLEMENTNUMEROVOIE",
    "NL4TYPEVOIE",
    "L4LIBELLEVOIE",
    "L5LIEUDITMENTION",
    "L6LIGNEACHEMINEMENT",
    "Code postal",
    "Département",
    "Pays",
]
# Structure identifier types (TRE_G07): 1 FINESS, 4 practice registered in the RPPS. The
# national structure identifier is the type digit followed by the identifier.
FINESS_TYPE = "1"
PRACTICE_TYPE = "4"
SPECIALTY_LABELS = {code: label for code, label, _ in DOCTOR_SPECIALTIES}

LIBERAL_FACTOR = {"10": 1.3, "21": 1.0, "40": 0.8, "50": 1.1, "60": 0.9, "70": 0.65}
SALARIED_SHARE = {
    "hospital": {"10": 0.6, "21": 0.5, "40": 0.5, "50": 0.45, "60": 0.06, "70": 0.08},
    "medico_social": {"10": 0.5, "21": 0.3, "60": 0.1, "70": 0.05},
    "centre_sante": {"10": 0.7, "40": 0.5, "50": 0.5, "60": 0.2, "70": 0.2},
}
ORG_SHARE = {"ehpad": 0.65, "esms": 0.3, "centre_sante": 0.7, "msp": 0.6}


@dataclass
class Mailbox:
    kind: str  # PER / ORG
    address: str
    person: int  # -1 for an organisational mailbox
    activity: int  # the activity the personal mailbox is attached to, -1 otherwise
    structure: int  # -1 for a practice
    service: str = ""


def _employer_kind(structure: Structure) -> str:
    if structure.group in ("chu_ch", "clinique"):
        return "hospital"
    if structure.group == "centre_sante":
        return "centre_sante"
    return "medico_social"


class _Addresses:
    """Hands out unique mailbox addresses and one domain per legal entity."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.domains: dict[str, str] = {}
        self.taken_domains: set[str] = set()

    def unique(self, local: str, domain: str) -> str:
        candidate, n = f"{local}@{domain}", 1
        while candidate in self.used:
            n += 1
            candidate = f"{local}{n}@{domain}"
        self.used.add(candidate)
        return candidate

    def domain(self, structure: Structure, territory: Territory) -> str:
        if structure.finess_ej not in self.domains:
            base = slug(structure.name)
            if structure.group not in ("chu_ch",):
                base = f"{base}-{slug(territory.names[structure.commune])}"
            domain = f"{base}.mssante.fr"
            if domain in self.taken_domains:
                domain = f"{base}-{structure.finess_ej[-4:]}.mssante.fr"
            self.domains[structure.finess_ej] = domain
            self.taken_domains.add(domain)
        return self.domains[structure.finess_ej]


def build_mailboxes(
    pros: Professionals,
    structures: list[Structure],
    territory: Territory,
    profiles: dict[str, Profile],
    seed: int,
) -> list[Mailbox]:
    rng = stream(seed, "mailboxes")
    addresses = _Addresses()
    mailboxes: list[Mailbox] = []
    main_activity = np.full(pros.persons, -1, dtype=np.int64)
    primary = np.flatnonzero(pros.primary)
    main_activity[pros.person[primary]] = primary

    # Liberal professionals: the département's share, modulated by profession and normalised so
    # that the département keeps its level. Officine pharmacists follow their officine instead.
    person_dep = territory.dep_index[pros.commune[main_activity]]
    liberal = (pros.mode[main_activity] == "L") & (pros.profession != "21")
    factor = np.array([LIBERAL_FACTOR[str(code)] for code in pros.profession]) * liberal
    draws = rng.random(pros.persons)
    wants = np.zeros(pros.persons, dtype=bool)
    for index, dep in enumerate(territory.departements):
        members = (person_dep == index) & liberal
        if members.any():
            chance = np.clip(profiles[dep].mss_liberal * factor / factor[members].mean(), 0, 0.98)
            wants |= members & (draws < chance)
    for p in range(pros.persons):
        activity = int(main_activity[p])
        structure_index = int(pros.structure[activity])
        structure = structures[structure_index] if structure_index >= 0 else None
        profession = str(pros.profession[p])
        if structure is not None and structure.category == "620":
            mode = structure.extras.get("mailbox", "none")
            has = mode in ("per", "both") and (pros.section[activity] == "A" or draws[p] < 0.5)
        elif structure is not None and pros.mode[activity] == "S":
            has = bool(draws[p] < SALARIED_SHARE[_employer_kind(structure)].get(profession, 0.05))
        else:
            has = bool(wants[p])
        if not has:
            continue
        local = f"{slug(pros.first_names[p])}.{slug(pros.last_names[p])}".replace("-", "")
        if structure is not None and pros.mode[activity] == "S" and structure.category != "620":
            domain = addresses.domain(structure, territory)
        else:
            domain = MAIL_DOMAINS[profession]
        mailboxes.append(
            Mailbox("PER", addresses.unique(local, domain), p, activity, structure_index)
        )

    for index, s in enumerate(structures):
        for service in _organisational_services(s, rng):
            if s.category == "620":
                local, domain = (
                    f"{slug(s.name)}.{slug(territory.names[s.commune])}",
                    "officines.mssante.fr",
                )
            else:
                local, domain = service, addresses.domain(s, territory)
            mailboxes.append(
                Mailbox("ORG", addresses.unique(local, domain), -1, -1, index, service)
            )
    mailboxes.sort(key=lambda m: m.address)
    return mailboxes


def _organisational_services(s: Structure, rng: np.random.Generator) -> list[str]:
    if s.category == "620":
        return ["officine"] if s.extras.get("mailbox") in ("org", "both") else []
    if s.group in ("chu_ch", "clinique"):
        count = int(min(len(ORG_SERVICES), 2 + round(s.staff_weight / 2 * rng.uniform(0.6, 1.4))))
        return [str(x) for x in rng.choice(ORG_SERVICES, size=count, replace=False)]
    if rng.random() < ORG_SHARE.get(s.group, 0.3):
        return ["secretariat"]
    return []


def write_mssante(
    directory: Path,
    mailboxes: list[Mailbox],
    pros: Professionals,
    structures: list[Structure],
    territory: Territory,
    addresses: list[SiteAddress],
    extraction: date,
) -> tuple[Path, int]:
    path = directory / f"Extraction_Correspondance_MSSante_{extraction:%Y%m%d}0000.txt"
    lines = ["|".join(HEADER)]
    for box in mailboxes:
        structure = structures[box.structure] if box.structure >= 0 else None
        if box.kind == "PER":
            p = box.person
            profession = str(pros.profession[p])
            commune = int(pros.commune[box.activity])
            site = addresses[box.activity]
            kind, ident = str(pros.id_type[p]), pros.identifier[p]
            person_fields = [kind, ident, kind + ident]
            if structure is not None:
                id_type, id_struct = FINESS_TYPE, FINESS_TYPE + structure.finess_et
            else:
                id_type, id_struct = PRACTICE_TYPE, f"{PRACTICE_TYPE}{ident}001"
            specialty = pros.specialty[p]
            who = [
                "DR" if profession in ("10", "40") else "",
                pros.last_names[p],
                pros.first_names[p],
                "C",
                "Civil",
                profession,
                PROFESSIONS[profession],
                specialty,
                SPECIALTY_LABELS.get(specialty, ""),
                "O",
            ]
            number, type_code, street = site.number, site.type_code, site.street
        else:
            assert structure is not None
            commune = structure.commune
            person_fields = ["", "", ""]
            id_type, id_struct = FINESS_TYPE, FINESS_TYPE + structure.finess_et
            who = [""] * 10
            number, type_code, street = (
                structure.street_number,
                structure.street_type,
                structure.street,
            )
        service = (
            box.service.replace(".", " ").capitalize()
            if box.kind == "ORG" and box.service not in ("officine", "secretariat")
            else ""
        )
        dep = territory.departements[int(territory.dep_index[commune])]
        row = [
            box.kind,
            box.address,
            *person_fields,
            id_type,
            id_struct,
            service,
            *who,
            structure.long_name if structure is not None else "",
            "",
            "",
            "",
            number,
            "",
            type_code,
            street,
            "",
            routing_line(territory.postal_codes[commune], territory.names[commune]),
            territory.postal_codes[commune],
            dep,
            "France",
        ]
        lines.append("|".join(row))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(lines) + "\n")
    return path, len(mailboxes)
