"""A directory resource as a plain dict (``RESOURCE_FIELDS``), and the same resource in each file
format the directory reads and writes: data·inclusion (structures and services), LaMednum's
digital-mediation places (CSV), our own CSV, GeoJSON.

Writing and reading live side by side so that a file we write reads back the same (the tests
check the round trip). Plain Python: the Django exports call the writers, the parsers the readers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from . import vocabulary as v

# The staged row of a resource, in this order. Lists are kept as Python lists here and joined
# with "|" in the staged table and in the CSV files.
RESOURCE_FIELDS = (
    "source",
    "external_id",
    "name",
    "kind",
    "description",
    "services",
    "specialties",
    "audiences",
    "address",
    "address_complement",
    "postal_code",
    "commune_code",
    "commune_name",
    "departement_code",
    "latitude",
    "longitude",
    "opening_hours",
    "phone",
    "email",
    "website",
    "accessibility_url",
    "appointment_url",
    "zone",
    "siret",
    "verified_on",
)
LIST_FIELDS = ("services", "specialties", "audiences", "zone")
FLOAT_FIELDS = ("latitude", "longitude")
SEPARATOR = "|"
ID_SEPARATOR = "--"
# LaMednum's standard requires a pivot (SIRET, RNA or RIDET): the cartographie nationale writes
# fourteen zeros when none is known.
NO_PIVOT = "00000000000000"

# Our CSV: the French column names people see in a spreadsheet, in the order of the fields.
CSV_COLUMNS = {
    "source": "source",
    "external_id": "identifiant",
    "name": "nom",
    "kind": "type",
    "description": "description",
    "services": "besoins",
    "specialties": "specialites",
    "audiences": "publics",
    "address": "adresse",
    "address_complement": "complement_adresse",
    "postal_code": "code_postal",
    "commune_code": "code_insee",
    "commune_name": "commune",
    "departement_code": "departement",
    "latitude": "latitude",
    "longitude": "longitude",
    "opening_hours": "horaires",
    "phone": "telephone",
    "email": "courriel",
    "website": "site_web",
    "accessibility_url": "accessibilite",
    "appointment_url": "prise_rdv",
    "zone": "zone",
    "siret": "siret",
    "verified_on": "date_verification",
}
FIELD_BY_CSV_COLUMN = {column: field for field, column in CSV_COLUMNS.items()}


def empty_resource() -> dict[str, Any]:
    return {
        field: [] if field in LIST_FIELDS else (None if field in ("latitude", "longitude", "verified_on") else "")
        for field in RESOURCE_FIELDS
    }  # fmt: skip


def identifier(resource: dict) -> str:
    """The resource's identifier in the standards' files: its producer, then its own id."""
    return f"{resource['source']}{ID_SEPARATOR}{resource['external_id']}"


def split_identifier(value: str, source: str) -> str:
    """Our own id back from a standard's identifier (`source--id`), else the identifier itself."""
    prefix = f"{source}{ID_SEPARATOR}"
    return value[len(prefix) :] if source and value.startswith(prefix) else value


def e164(phone: str) -> str:
    """A French phone number as LaMednum's standard wants it: +33 and the digits, no spaces."""
    digits = re.sub(r"\D", "", phone or "")
    if phone.strip().startswith("+"):
        return "+" + digits
    if len(digits) == 10 and digits.startswith("0"):
        return "+33" + digits[1:]
    return ""


def national(phone: str) -> str:
    """+33243474747 → 02 43 47 47 47 (how people read a number); other numbers unchanged."""
    digits = re.sub(r"\D", "", phone or "")
    if phone.strip().startswith("+33") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) == 10 and digits.startswith("0"):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return phone.strip()


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


# ------------------------------------------------------------------------------ data·inclusion


def _publics(audiences: list[str]) -> tuple[list[str], str]:
    """data·inclusion `publics` and `publics_precisions` for our audiences: what the standard
    names goes in `publics` (`tous-publics` alone, as it requires); the rest is written in words
    in the precisions, which read back into the same audiences."""
    mapped = [v.AUDIENCE_BY_CODE[a].public for a in audiences if v.AUDIENCE_BY_CODE[a].public]
    if "tous-publics" in mapped:
        publics = ["tous-publics"]
    else:
        publics = mapped
    rest = [
        v.AUDIENCE_BY_CODE[a].label
        for a in audiences
        if v.AUDIENCE_BY_CODE[a].public not in publics
    ]
    return publics, " ; ".join(rest)


def _modes_mobilisation(resource: dict) -> list[str]:
    modes = []
    if resource["address"]:
        modes.append("se-presenter")
    if resource["phone"]:
        modes.append("telephoner")
    if resource["email"]:
        modes.append("envoyer-un-courriel")
    if resource["appointment_url"]:
        modes.append("utiliser-lien-mobilisation")
    return modes


def located(resource: dict) -> bool:
    return resource["latitude"] is not None and resource["longitude"] is not None


def to_data_inclusion(resource: dict, page_url: str = "") -> tuple[dict, list[dict]]:
    """One data·inclusion structure and its services (one per need; a téléexpertise offer has
    one service per specialty). Values the standard does not know are left out, never made up."""
    structure_id = identifier(resource)
    kind = v.KIND_BY_CODE[resource["kind"]]
    place = {
        "commune": resource["commune_name"] or None,
        "code_postal": resource["postal_code"] or None,
        "code_insee": resource["commune_code"] or None,
        "adresse": resource["address"] or None,
        "complement_adresse": resource["address_complement"] or None,
        "longitude": resource["longitude"],
        "latitude": resource["latitude"],
        "telephone": e164(resource["phone"]) or resource["phone"] or None,
        "courriel": resource["email"] or None,
    }
    structure = {
        "source": resource["source"],
        "id": structure_id,
        "nom": resource["name"],
        "date_maj": _date(resource["verified_on"]),
        "description": resource["description"] or None,
        "lien_source": page_url or None,
        "siret": resource["siret"] or None,
        **place,
        "site_web": resource["website"] or None,
        "horaires_accueil": resource["opening_hours"] or None,
        "accessibilite_lieu": resource["accessibility_url"] or None,
        "reseaux_porteurs": [kind.reseau] if kind.reseau else None,
    }
    publics, precisions = _publics(resource["audiences"])
    modes = _modes_mobilisation(resource)
    services = []
    for need_code in resource["services"]:
        need = v.NEED_BY_CODE[need_code]
        variants: list[tuple[str, str]] = [(need_code, need.label)]
        if need_code == "teleexpertise" and resource["specialties"]:
            variants = [
                (f"{need_code}{ID_SEPARATOR}{code}", f"Téléexpertise en {v.SPECIALTY_BY_CODE[code].label.lower()}"[:150])
                for code in resource["specialties"]
            ]  # fmt: skip
        for suffix, name in variants:
            services.append(
                {
                    "source": resource["source"],
                    "structure_id": structure_id,
                    "id": f"{structure_id}{ID_SEPARATOR}{suffix}",
                    "nom": name,
                    "description": need.description,
                    "lien_source": page_url or None,
                    "date_maj": _date(resource["verified_on"]),
                    "type": need.service_type,
                    "thematiques": list(need.thematiques) or None,
                    "frais": "gratuit",
                    "publics": publics or None,
                    "publics_precisions": precisions or None,
                    **place,
                    "modes_accueil": ["en-presentiel"] if resource["address"] else ["a-distance"],
                    "zone_eligibilite": list(resource["zone"]) or None,
                    "lien_mobilisation": resource["appointment_url"] or None,
                    "modes_mobilisation": modes or None,
                    "mobilisable_par": ["usagers"],
                    "horaires_accueil": resource["opening_hours"] or None,
                }
            )
    return structure, services


_NEED_BY_THEMATIQUE = {
    "numerique--maitriser-les-fondamentaux-du-numerique": "bases-numerique",
    "numerique--acceder-a-des-services-en-ligne": "demarches-en-ligne",
    "numerique--acceder-a-une-connexion-internet": "demarches-en-ligne",
    "numerique--acquerir-un-equipement": "bases-numerique",
}


def _need_of_service(service: dict, structure_id: str) -> tuple[str, str]:
    """(need, specialty) of a data·inclusion service: from the id our exports write, else from
    its thematiques (a file written by another producer)."""
    prefix = f"{structure_id}{ID_SEPARATOR}"
    if service["id"].startswith(prefix):
        suffix = service["id"][len(prefix) :]
        need, _, specialty = suffix.partition(ID_SEPARATOR)
        if need in v.NEED_BY_CODE and (not specialty or specialty in v.SPECIALTY_BY_CODE):
            return need, specialty
    for thematique in service.get("thematiques") or ():
        if thematique in _NEED_BY_THEMATIQUE:
            return _NEED_BY_THEMATIQUE[thematique], ""
    return "", ""


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def from_data_inclusion(structure: dict, services: list[dict]) -> dict:
    """A resource from a data·inclusion structure and its services (already validated)."""
    resource = empty_resource()
    source = structure["source"]
    needs: list[str] = []
    specialties: list[str] = []
    audiences: list[str] = []
    zone: list[str] = []
    for service in services:
        need, specialty = _need_of_service(service, structure["id"])
        needs.append(need)
        specialties.append(specialty)
        audiences += [v.AUDIENCE_BY_PUBLIC.get(p, "") for p in service.get("publics") or ()]
        audiences += [
            v.AUDIENCE_BY_LABEL.get(label.strip(), "")
            for label in (service.get("publics_precisions") or "").split(";")
        ]
        zone += service.get("zone_eligibilite") or []
    first = services[0] if services else {}
    resource.update(
        source=source,
        external_id=split_identifier(structure["id"], source),
        name=structure["nom"],
        description=structure.get("description") or "",
        services=_unique(needs),
        specialties=_unique(specialties),
        audiences=_unique(audiences),
        address=structure.get("adresse") or "",
        address_complement=structure.get("complement_adresse") or "",
        postal_code=structure.get("code_postal") or "",
        commune_code=structure.get("code_insee") or "",
        commune_name=structure.get("commune") or "",
        latitude=structure.get("latitude"),
        longitude=structure.get("longitude"),
        opening_hours=structure.get("horaires_accueil") or first.get("horaires_accueil") or "",
        phone=national(structure.get("telephone") or ""),
        email=structure.get("courriel") or "",
        website=structure.get("site_web") or "",
        accessibility_url=structure.get("accessibilite_lieu") or "",
        appointment_url=first.get("lien_mobilisation") or "",
        zone=_unique(str(code) for code in zone),
        siret=structure.get("siret") or "",
        verified_on=structure.get("date_maj"),
    )
    resource["departement_code"] = v.departement_of(resource["commune_code"])
    present = bool(resource["address"]) or located(resource)
    resource["kind"] = v.infer_kind(
        resource["services"], present, list(structure.get("reseaux_porteurs") or ())
    )
    return resource


# ------------------------------------------------------------------------------ LaMednum


MEDIATION_COLUMNS = (
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires",
    "presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente",
    "date_maj", "services", "publics_specifiquement_adresses", "prise_en_charge_specifique",
    "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
    "autres_formations_labels", "modalites_acces", "modalites_accompagnement",
    "fiche_acces_libre", "prise_rdv",
)  # fmt: skip
_MEDIATION_PUBLICS = {
    "seniors": "Seniors",
    "jeunes": "Jeunes",
    "familles": "Familles et/ou enfants",
}
_AUDIENCE_BY_MEDIATION_PUBLIC = {label: code for code, label in _MEDIATION_PUBLICS.items()}
_NEED_BY_MEDIATION_SERVICE = {
    "Maîtrise des outils numériques du quotidien": "bases-numerique",
    "Aide aux démarches administratives": "demarches-en-ligne",
    "Accès internet et matériel informatique": "demarches-en-ligne",
    "Utilisation sécurisée du numérique": "bases-numerique",
    "Compréhension du monde numérique": "bases-numerique",
}


def is_mediation_place(resource: dict) -> bool:
    """LaMednum's standard describes places: an address and a postcode are required."""
    return bool(resource["address"] and resource["postal_code"] and resource["commune_name"])


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def to_mediation(resource: dict) -> dict[str, str]:
    kind = v.KIND_BY_CODE[resource["kind"]]
    needs = resource["services"]
    access = [
        label
        for wanted, label in (
            (resource["address"], "Se présenter"),
            (resource["phone"], "Téléphoner"),
            (resource["email"], "Contacter par mail"),
            (resource["appointment_url"], "Prendre un RDV en ligne"),
        )
        if wanted
    ]
    row = dict.fromkeys(MEDIATION_COLUMNS, "")
    row.update(
        id=identifier(resource),
        pivot=resource["siret"] or NO_PIVOT,
        nom=resource["name"],
        commune=resource["commune_name"],
        code_postal=resource["postal_code"],
        code_insee=resource["commune_code"],
        adresse=resource["address"],
        complement_adresse=resource["address_complement"],
        latitude=_number(resource["latitude"]),
        longitude=_number(resource["longitude"]),
        typologie=kind.typologie,
        telephone=e164(resource["phone"]),
        courriels=resource["email"],
        site_web=resource["website"],
        horaires=resource["opening_hours"],
        presentation_resume=resource["description"][:280],
        presentation_detail=resource["description"] if len(resource["description"]) > 280 else "",
        source=resource["source"],
        itinerance="Fixe",
        date_maj=_date(resource["verified_on"]),
        services=SEPARATOR.join(_unique(v.NEED_BY_CODE[n].mediation for n in needs)),
        publics_specifiquement_adresses=SEPARATOR.join(
            _MEDIATION_PUBLICS[a] for a in resource["audiences"] if a in _MEDIATION_PUBLICS
        ),
        frais_a_charge="Gratuit",
        dispositif_programmes_nationaux=kind.mediation,
        formations_labels=v.MEDIATION_LABEL if "activer-mon-espace-sante" in needs else "",
        modalites_acces=SEPARATOR.join(access),
        modalites_accompagnement="Accompagnement individuel",
        fiche_acces_libre=resource["accessibility_url"],
        prise_rdv=resource["appointment_url"],
    )
    return row


def from_mediation(row: dict[str, str]) -> dict:
    """A resource from a LaMednum row (already checked against the standard)."""
    resource = empty_resource()
    source = row.get("source", "").strip() or "lieux-mediation-numerique"
    needs = [_NEED_BY_MEDIATION_SERVICE.get(s, "") for s in _split(row.get("services", ""))]
    if v.MEDIATION_LABEL in _split(row.get("formations_labels", "")):
        needs.insert(0, "activer-mon-espace-sante")
    audiences = [
        _AUDIENCE_BY_MEDIATION_PUBLIC.get(p, "")
        for p in _split(row.get("publics_specifiquement_adresses", ""))
    ]
    resource.update(
        source=source,
        external_id=split_identifier(row["id"].strip(), source),
        name=row["nom"].strip(),
        description=(
            row.get("presentation_detail") or row.get("presentation_resume") or ""
        ).strip(),
        services=_unique(needs),
        audiences=_unique(audiences) or ["tout-public"],
        address=row["adresse"].strip(),
        address_complement=row.get("complement_adresse", "").strip(),
        postal_code=row["code_postal"].strip(),
        commune_code=row.get("code_insee", "").strip(),
        commune_name=row["commune"].strip(),
        latitude=_float(row.get("latitude", "")),
        longitude=_float(row.get("longitude", "")),
        opening_hours=row.get("horaires", "").strip(),
        phone=national(_split(row.get("telephone", ""))[0] if row.get("telephone") else ""),
        email=(_split(row.get("courriels", "")) or [""])[0],
        website=(_split(row.get("site_web", "")) or [""])[0],
        accessibility_url=row.get("fiche_acces_libre", "").strip(),
        appointment_url=row.get("prise_rdv", "").strip(),
        siret="" if row.get("pivot", "").strip() in ("", NO_PIVOT) else row["pivot"].strip(),
        verified_on=dt.date.fromisoformat(row["date_maj"].strip()),
    )
    resource["departement_code"] = v.departement_of(resource["commune_code"])
    dispositifs = _split(row.get("dispositif_programmes_nationaux", ""))
    kinds = [v.KIND_BY_MEDIATION[d] for d in dispositifs if d in v.KIND_BY_MEDIATION]
    resource["kind"] = kinds[0] if kinds else v.infer_kind(resource["services"], True)
    return resource


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(SEPARATOR) if part.strip()]


def _float(value: str) -> float | None:
    value = (value or "").strip().replace(",", ".")
    return float(value) if value else None


# ------------------------------------------------------------------------------ CSV, GeoJSON


def to_csv_row(resource: dict) -> dict[str, str]:
    row = {}
    for field, column in CSV_COLUMNS.items():
        value = resource[field]
        if field in LIST_FIELDS:
            value = SEPARATOR.join(value)
        elif field in FLOAT_FIELDS:
            value = _number(value)
        elif field == "verified_on":
            value = _date(value)
        row[column] = value or ""
    return row


def to_geojson_feature(resource: dict, page_url: str = "") -> dict:
    properties = {
        field: (_date(resource[field]) if field == "verified_on" else resource[field])
        for field in RESOURCE_FIELDS
        if field not in FLOAT_FIELDS
    }
    if page_url:
        properties["page"] = page_url
    geometry = (
        {"type": "Point", "coordinates": [resource["longitude"], resource["latitude"]]}
        if located(resource)
        else None
    )
    return {"type": "Feature", "geometry": geometry, "properties": properties}
