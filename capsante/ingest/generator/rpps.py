"""The Annuaire Santé extract `PS_LibreAcces_Personne_activite` (one row per person x activity)."""

from datetime import date
from pathlib import Path

from .addresses import SiteAddress
from .professionals import Professionals
from .rand import stream
from .structures import Structure
from .territory import Territory, departement_label
from .vocab import AUTHORITIES, DOCTOR_SPECIALTIES, PHARMACIST_SECTIONS, PROFESSIONS, SECTORS

CS = " (coord. structure)"
HEADER = [
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Code civilité d'exercice",
    "Libellé civilité d'exercice",
    "Code civilité",
    "Libellé civilité",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Code mode exercice",
    "Libellé mode exercice",
    "Numéro SIRET site",
    "Numéro SIREN site",
    "Numéro FINESS site",
    "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure",
    "Raison sociale site",
    "Enseigne commerciale site",
    "Complément destinataire" + CS,
    "Complément point géographique" + CS,
    "Numéro Voie" + CS,
    "Indice répétition voie" + CS,
    "Code type de voie" + CS,
    "Libellé type de voie" + CS,
    "Libellé Voie" + CS,
    "Mention distribution" + CS,
    "Bureau cedex" + CS,
    "Code postal" + CS,
    "Code commune" + CS,
    "Libellé commune" + CS,
    "Code pays" + CS,
    "Libellé pays" + CS,
    "Téléphone" + CS,
    "Téléphone 2" + CS,
    "Télécopie" + CS,
    "Adresse e-mail" + CS,
    "Code Département (structure)",
    "Libellé Département (structure)",
    "Ancien identifiant de la structure",
    "Autorité d'enregistrement",
    "Code secteur d'activité",
    "Libellé secteur d'activité",
    "Code section tableau pharmaciens",
    "Libellé section tableau pharmaciens",
]
MODES = {"L": "Libéral", "S": "Salarié", "B": "Bénévole"}
SPECIALTY_LABELS = {code: label for code, label, _ in DOCTOR_SPECIALTIES}
TITLED = {"10", "21", "40"}  # exercised with the title "Docteur"


def file_name(extraction: date) -> str:
    return f"PS_LibreAcces_Personne_activite_{extraction:%Y%m%d}0000.txt"


def practice_label(profession: str, sector: str) -> str:
    if sector != "SA08":
        return ""
    return {
        "10": "CABINET MEDICAL",
        "60": "CABINET INFIRMIER",
        "70": "CABINET DE KINESITHERAPIE",
        "40": "CABINET DENTAIRE",
    }.get(profession, "")


def structure_identifier(structure: Structure | None, identifier: str, rank: int) -> str:
    """`Identifiant technique de la structure`: FINESS-based, or the practice's RPPS rank."""
    if structure is not None:
        return "F" + structure.finess_et
    return f"R{identifier}{rank:03d}"


def write_rpps(
    directory: Path,
    pros: Professionals,
    structures: list[Structure],
    territory: Territory,
    addresses: list[SiteAddress],
    extraction: date,
    seed: int,
) -> tuple[Path, int]:
    path = directory / file_name(extraction)
    rng = stream(seed, "rpps-file")
    # The directory often leaves the commune code empty and keeps only the postal code.
    blank_commune = rng.random(len(pros.person)) < 0.03
    order = sorted(
        range(len(pros.person)),
        key=lambda i: (pros.identifier[int(pros.person[i])], not bool(pros.primary[i])),
    )
    lines = ["|".join(HEADER) + "|"]
    for i in order:
        p = int(pros.person[i])
        profession = str(pros.profession[p])
        female = bool(pros.female[p])
        kind = str(pros.id_type[p])
        ident = pros.identifier[p]
        specialty = pros.specialty[p]
        structure = structures[int(pros.structure[i])] if pros.structure[i] >= 0 else None
        commune = int(pros.commune[i])
        dep = territory.departements[int(territory.dep_index[commune])]
        address = addresses[i]
        sector = str(pros.sector[i])
        section = str(pros.section[i])
        siret = structure.siret if structure is not None else ""
        postal = territory.postal_codes[commune]
        row = [
            kind,
            ident,
            kind + ident,
            "DR" if profession in TITLED else "",
            "Docteur" if profession in TITLED else "",
            "MME" if female else "M",
            "Madame" if female else "Monsieur",
            pros.last_names[p],
            pros.first_names[p],
            profession,
            PROFESSIONS[profession],
            "C",
            "Civil",
            "S" if specialty else "",
            "Spécialité ordinale" if specialty else "",
            specialty,
            SPECIALTY_LABELS.get(specialty, ""),
            str(pros.mode[i]),
            MODES[str(pros.mode[i])],
            siret,
            siret[:9],
            structure.finess_et if structure is not None else "",
            structure.finess_ej if structure is not None else "",
            structure_identifier(structure, ident, 1 if pros.primary[i] else 2),
            structure.long_name if structure is not None else practice_label(profession, sector),
            "",
            "",
            "",
            address.number,
            "",
            address.type_code,
            address.type_label,
            address.street,
            "",
            f"{postal} {territory.names[commune].upper()}",
            postal,
            "" if blank_commune[i] else territory.codes[commune],
            territory.names[commune],
            "",
            "",
            address.phone,
            "",
            structure.fax if structure is not None else "",
            "",
            dep,
            departement_label(dep),
            "",
            AUTHORITIES[profession],
            sector,
            SECTORS.get(sector, ""),
            section,
            PHARMACIST_SECTIONS.get(section, ""),
        ]
        lines.append("|".join(row) + "|")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(lines) + "\n")
    return path, len(order)
