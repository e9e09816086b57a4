"""Writers of the identity files: FHIR FR Core Patient bundles and HL7 v2 ADT (IHE PAM France)."""

import json
import uuid
from pathlib import Path

from .ins import OID_NIA, OID_NIR_TEST, Identity

FR_CORE = "https://hl7.fr/ig/fhir/core"
RELIABILITY_URL = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
STATUS_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status"
# Older FR Core releases bound the status to a copy of HL7 table 0445; some exports still use it.
LEGACY_STATUS_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-fiabilite-identite"
METHOD_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-method-collection"
VALIDATION_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-mode-validation-identity"
IDENTIFIER_TYPE_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-v2-0203"
INS_PROFILE = f"{FR_CORE}/StructureDefinition/fr-core-patient-ins"
PATIENT_PROFILE = f"{FR_CORE}/StructureDefinition/fr-core-patient"
FINESS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
BIRTH_PLACE_URL = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
INSEE_CODE_URL = f"{FR_CORE}/StructureDefinition/fr-core-address-insee-code"


def _uuid(identity: Identity, salt: str) -> str:
    # Deterministic identifiers: the same seed must give the same bytes.
    return str(
        uuid.uuid5(
            uuid.NAMESPACE_OID,
            f"{salt}:{identity.finess}:{identity.ipp}:{identity.updated.isoformat()}",
        )
    )


def identifier_type(oid: str) -> str:
    if oid == OID_NIA:
        return "INS-NIA"
    if oid == OID_NIR_TEST:
        return "INS-NIR-TEST"
    return "INS-NIR"


def patient_resource(identity: Identity) -> dict:
    status, system = identity.status, STATUS_SYSTEM
    if identity.legacy_codes:
        # The older code system (a copy of HL7 table 0445) had no QUAL: a qualified identity
        # was "VALI" and carried the INS; readers map it back by the system.
        system = LEGACY_STATUS_SYSTEM
        status = "VALI" if status == "QUAL" else status
    reliability: list[dict] = [
        {"url": "identityStatus", "valueCoding": {"system": system, "code": status}}
    ]
    if identity.method != "SM":
        reliability.append(
            {
                "url": "methodCollection",
                "valueCoding": {"system": METHOD_SYSTEM, "code": identity.method},
            }
        )
        reliability.append(
            {"url": "dateCollection", "valueDate": identity.updated.date().isoformat()}
        )
    if identity.validation_mode:
        reliability.append(
            {
                "url": "validationMode",
                "valueCoding": {"system": VALIDATION_SYSTEM, "code": identity.validation_mode},
            }
        )
        reliability.append(
            {"url": "validationDate", "valueDate": identity.updated.date().isoformat()}
        )
    extensions: list[dict] = [{"url": RELIABILITY_URL, "extension": reliability}]
    if identity.birth_place:
        extensions.insert(
            0,
            {
                "url": BIRTH_PLACE_URL,
                "valueAddress": {
                    "extension": [
                        {
                            "url": INSEE_CODE_URL,
                            "valueCoding": {
                                "system": "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM",
                                "code": identity.birth_place,
                            },
                        }
                    ]
                },
            },
        )
    identifiers: list[dict] = [
        {
            "use": "usual",
            "type": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PI"}
                ]
            },
            "system": f"urn:oid:1.2.250.1.71.4.2.7.{identity.finess}",
            "value": identity.ipp,
        }
    ]
    if identity.ins:
        identifiers.append(
            {
                "use": "temp" if identity.ins_oid == OID_NIA else "official",
                "type": {
                    "coding": [
                        {
                            "system": IDENTIFIER_TYPE_SYSTEM,
                            "code": identifier_type(identity.ins_oid),
                        }
                    ]
                },
                "system": f"urn:oid:{identity.ins_oid}",
                "value": identity.ins,
            }
        )
    return {
        "resourceType": "Patient",
        "id": _uuid(identity, "patient"),
        "meta": {
            "lastUpdated": identity.updated.isoformat() + "+01:00",
            "profile": [INS_PROFILE if identity.ins else PATIENT_PROFILE],
        },
        "extension": extensions,
        "identifier": identifiers,
        "name": [
            {
                "use": "official",
                "family": identity.last_name,
                "given": identity.given[:1],
                "extension": [
                    {
                        "url": f"{FR_CORE}/StructureDefinition/fr-core-patient-birth-list-given-name",
                        "valueString": " ".join(identity.given),
                    }
                ],
            }
        ],
        "gender": "female" if identity.female else "male",
        "birthDate": identity.birth.isoformat(),
        "managingOrganization": {"identifier": {"system": FINESS_SYSTEM, "value": identity.finess}},
    }


def write_fhir(path: Path, identities: list[Identity], period: str) -> int:
    """A FHIR `collection` Bundle of the Patient resources created or updated in the month."""
    entries = []
    for identity in identities:
        resource = patient_resource(identity)
        entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
    last = max((i.updated for i in identities), default=None)
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"capsante-ins-{period}-{len(identities)}")),
        "meta": {
            "lastUpdated": (last.isoformat() + "+01:00") if last else f"{period}-01T00:00:00+01:00"
        },
        "type": "collection",
        "timestamp": (last.isoformat() + "+01:00") if last else f"{period}-01T00:00:00+01:00",
        "entry": entries,
    }
    with open(path, "w", encoding="utf-8", newline="") as handle:
        # json.dumps runs the C encoder; json.dump would encode piece by piece in Python.
        handle.write(json.dumps(bundle, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(entries)


def _hl7_escape(text: str) -> str:
    return (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
    )


def adt_message(identity: Identity, control_id: str) -> str:
    stamp = identity.updated.strftime("%Y%m%d%H%M%S")
    event = "A28" if identity.created else "A31"
    ids = [f"{identity.ipp}^^^SIH-{identity.finess}&1.2.250.1.71.4.2.7.{identity.finess}&ISO^PI"]
    if identity.ins:
        authority = "ASIP-SANTE-INS-NIA" if identity.ins_oid == OID_NIA else "ASIP-SANTE-INS-NIR"
        ids.append(f"{identity.ins}^^^{authority}&{identity.ins_oid}&ISO^INS")
    name = "^".join(
        [
            _hl7_escape(identity.last_name),
            _hl7_escape(identity.given[0]),
            _hl7_escape(" ".join(identity.given)),
            "",
            "",
            "",
            "L",
        ]
    )
    address = f"^^^^^^BDL^^{identity.birth_place}" if identity.birth_place else ""
    pid = (
        [
            "PID",
            "1",
            "",
            "~".join(ids),
            "",
            name,
            "",
            identity.birth.strftime("%Y%m%d"),
            "F" if identity.female else "M",
            "",
            "",
            address,
        ]
        + [""] * 20
        + [identity.status]
    )
    assert len(pid) == 33  # PID-32 is the identity reliability code
    segments = [
        f"MSH|^~\\&|SIH-ADT|{identity.finess}|CAPSANTE|ARS|{stamp}||ADT^{event}^ADT_A05|{control_id}|P|2.5^FRA^2.11"
        "|||||FRA|8859/1",
        f"EVN||{stamp}",
        "|".join(pid),
        "PV1|1|N",
    ]
    return "\r".join(segments) + "\r"


def write_hl7(path: Path, identities: list[Identity], period: str) -> int:
    """ADT^A28/A31 messages, segments ended by CR, one message per line of the file."""
    messages = [
        adt_message(identity, f"{period.replace('-', '')}{n:07d}")
        for n, identity in enumerate(identities, 1)
    ]
    with open(path, "w", encoding="latin-1", newline="") as handle:
        handle.write("".join(message + "\n" for message in messages))
    return len(messages)
