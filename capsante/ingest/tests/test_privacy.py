"""The INS parsers return counts only: no NIR, IPP, name or birth date, not even in an error."""

from __future__ import annotations

import json

import pytest

from capsante.ingest.connectors.ins_fhir.parser import parse_ins_fhir
from capsante.ingest.connectors.ins_hl7.parser import parse_ins_hl7
from capsante.ingest.parsing import ParseResult
from capsante.ingest.tests.helpers import sample

NDJSON = sample("ins_fhir", "Patient.ndjson")
BUNDLE = sample("ins_fhir", "bundle-identites.json")
HL7 = sample("ins_hl7", "adt_pam_fr.hl7")


def _fhir_patients() -> list[dict]:
    patients = [json.loads(line) for line in NDJSON.read_text(encoding="utf-8").splitlines()]
    bundle = json.loads(BUNDLE.read_text(encoding="utf-8"))
    patients += [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    return patients


def fhir_secrets() -> set[str]:
    secrets: set[str] = set()
    for patient in _fhir_patients():
        secrets |= {identifier["value"] for identifier in patient["identifier"]}
        for name in patient["name"]:
            secrets |= {name["family"], *name["given"]}
        secrets |= {patient["birthDate"], patient["birthDate"].replace("-", "")}
    return secrets


def hl7_secrets() -> set[str]:
    secrets: set[str] = set()
    text = HL7.read_text(encoding="latin-1").replace("\n", "\r")
    for segment in (s for s in text.split("\r") if s.startswith("PID|")):
        fields = segment.split("|") + [""] * 8
        secrets |= {repetition.split("^")[0] for repetition in fields[3].split("~")}
        secrets |= {part for part in fields[5].split("^") if part}
        if fields[7]:
            secrets |= {fields[7], f"{fields[7][:4]}-{fields[7][4:6]}-{fields[7][6:]}"}
    # Name-type codes such as "L" (legal name) are not identities.
    return {secret for secret in secrets if len(secret) >= 3}


def everything_returned(result: ParseResult) -> str:
    """Every value, message and note a caller can see, as one text."""
    parts = [str(error) for error in result.errors] + result.notes + result.periods
    for table in result.tables.values():
        parts += [str(value) for column in table.columns for value in column.to_pylist()]
    return "\n".join(parts)


def assert_no_secret(result: ParseResult, secrets: set[str]) -> None:
    returned = everything_returned(result)
    assert returned  # there is something to look at
    assert sorted(s for s in secrets if s in returned) == []


def test_the_samples_do_hold_identities():
    assert len(fhir_secrets()) > 40 and len(hl7_secrets()) > 25


def test_fhir_counts_hold_no_identity():
    assert_no_secret(parse_ins_fhir(NDJSON, finess_et="720000025"), fhir_secrets())
    assert_no_secret(parse_ins_fhir(BUNDLE, period="2025-04"), fhir_secrets())


def test_hl7_counts_hold_no_identity():
    assert_no_secret(parse_ins_hl7(HL7, finess_et="720000025"), hl7_secrets())


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p["identifier"][-1].update(system="urn:oid:1.2.250.1.213.1.4.8", value="1" * 15),
        lambda p: p["extension"][0]["extension"][0]["valueCoding"].update(
            code=p["name"][0]["family"]
        ),
        lambda p: p["meta"].update(lastUpdated=p["birthDate"] + "X"),
        lambda p: p.update(identifier=p["name"]),
        lambda p: p.update(managingOrganization=p["identifier"]),
    ],
)
def test_fhir_error_messages_hold_no_identity(damage):
    patients = _fhir_patients()[:5]
    for patient in patients:
        patient.setdefault("extension", [{"url": "x", "extension": [{"valueCoding": {}}]}])
        damage(patient)
    data = "".join(json.dumps(p) + "\n" for p in patients).encode()
    result = parse_ins_fhir(data, name="p.ndjson", finess_et="720000025")
    secrets = fhir_secrets() - {p["birthDate"] + "X" for p in patients}
    assert_no_secret(result, secrets)


def test_hl7_error_messages_hold_no_identity():
    text = HL7.read_bytes()
    damaged = text.replace(b"|QUAL\r", b"|MARTIN\r").replace(b"|20250402083000|", b"|19790521|")
    result = parse_ins_hl7(damaged, name="adt.hl7")
    assert not result.ok
    assert_no_secret(result, hl7_secrets() - {"MARTIN"} | {"19850302"})
