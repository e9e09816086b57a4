"""FR Core's own published example Patients are accepted as published, by every path of the parser.

``samples/fr-core-exemples.json`` is a Bundle (type ``collection``) of the example Patients that
Interop'Santé publishes in the FR Core implementation guide (repository
Interop-Sante/hl7.fhir.fr.core), each resource copied as the guide renders it in JSON:

- ``FRCorePatientExample`` (FR Core 2.1.0 and 2.2.0-ballot-2, ``input/fsh/Examples/
  FRCorePatientExample.fsh``): status ``VALI`` coded in ``fr-core-cs-v2-0445``, the code system
  of the published FR Core 2.x, on an identity carrying an INS-NIR. Its NIR 123456789012244 is
  fictitious (its key does not check out), its name and address are the guide's.
- ``FRCorePatientINSExampleRNIV`` (FR Core 2.2.0): status ``QUAL`` in
  ``fr-core-cs-identity-status``. « Jeanne Dark », born in Domrémy-la-Pucelle, is a persona of
  the guide, but its NIR 260058815400233 has a valid key and could be a real person's: it is
  replaced here by 260058815400035 (order number 000, which INSEE never allocates; key
  recomputed).
- The same instance as the guide also publishes it, provisional (``PROV`` with the coded comments
  ``VIDE`` and ``IDVER``), its id suffixed ``-provisoire`` so that both fit in one Bundle.

The examples carry no ``meta.source`` nor ``meta.lastUpdated``: the establishment and the month
are given at import, as a user does for such a file.
"""

from __future__ import annotations

import copy
import json

import pytest

from capsante.ingest import ins
from capsante.ingest.connectors.ins_fhir import columnar
from capsante.ingest.connectors.ins_fhir.parser import (
    UNKNOWN_SYSTEM,
    Defaults,
    State,
    count_patient,
    parse_ins_fhir,
    quick_identity,
)
from capsante.ingest.parsing import ErrorCollector
from capsante.ingest.tests.helpers import assert_conforms, only_error, sample

EXAMPLES = sample("ins_fhir", "fr-core-exemples.json")
CH_LE_MANS = "720000025"
EXPECTED = {
    # Table 0445's VALI on an identity carrying an INS is RNIV's QUAL; the NIR key is wrong.
    ("2025-04", CH_LE_MANS, "QUAL", False): 1,
    ("2025-04", CH_LE_MANS, "QUAL", True): 1,
    ("2025-04", CH_LE_MANS, "PROV", False): 1,
}


def counts(result) -> dict[tuple, int]:
    return {
        (r["period"], r["finess_et"], r["status"], r["ins_valid"]): r["identities"]
        for r in result.tables["ins_identities"].to_pylist()
    }


def examples() -> list[dict]:
    return [e["resource"] for e in json.loads(EXAMPLES.read_text(encoding="utf-8"))["entry"]]


def as_bundle(patients: list[dict]) -> bytes:
    entries = [{"resource": p} for p in patients]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def test_the_published_examples_are_accepted_and_counted():
    result = parse_ins_fhir(EXAMPLES, finess_et=CH_LE_MANS, period="2025-04")
    assert_conforms(result)
    assert (result.rows_read, result.rows_kept) == (3, 3)
    assert counts(result) == EXPECTED


@pytest.mark.parametrize(
    ("system", "status"),
    [
        (ins.V2_0445_STATUS_SYSTEM, "QUAL"),  # FR Core 2.1, 2.2: table 0445's VALI
        (ins.LEGACY_STATUS_SYSTEM, "QUAL"),  # older FR Core: table 0445's VALI
        (ins.STATUS_SYSTEM, "VALI"),  # current FR Core: RNIV's VALI
    ],
)
def test_the_three_fr_core_status_systems_are_accepted(system, status):
    patient = examples()[0]
    patient["extension"][1]["extension"][0]["valueCoding"]["system"] = system
    result = parse_ins_fhir(as_bundle([patient]), finess_et=CH_LE_MANS, period="2025-04")
    assert counts(result) == {("2025-04", CH_LE_MANS, status, False): 1}


def test_another_status_system_is_refused_naming_the_accepted_ones():
    patient = examples()[0]
    patient["extension"][1]["extension"][0]["valueCoding"]["system"] = "http://example.org/cs"
    error = only_error(parse_ins_fhir(as_bundle([patient]), finess_et=CH_LE_MANS, period="2025-04"))
    assert (error.column, error.reason) == ("entry[0].resource.identityStatus", UNKNOWN_SYSTEM)
    assert "fr-core-cs-v2-0445" in error.reason


def exported(patient: dict) -> dict:
    """The patient as an establishment's bulk export carries it: with its source and date."""
    patient = copy.deepcopy(patient)
    patient["meta"]["source"] = f"urn:oid:{ins.FINESS_OID}|{CH_LE_MANS}"
    patient["meta"]["lastUpdated"] = "2025-04-02T10:00:00+02:00"
    return patient


def careful(patient: dict) -> tuple:
    state = State("f", ErrorCollector(), Defaults(None, None))
    count_patient(patient, state, {})
    (key,) = state.counts.counts
    return key


def test_quick_and_columnar_paths_count_the_examples_like_the_careful_path():
    patients = [exported(p) for p in examples()]
    # The two plain examples take the quick path (the coded comments send the third to the
    # careful one), and give the careful path's answer.
    quick = [quick_identity(p) for p in patients]
    assert quick[:2] == [careful(p) for p in patients[:2]]
    assert quick[2] is None
    data = b"".join(json.dumps(p, ensure_ascii=False).encode() + b"\n" for p in patients)
    block = columnar.read_block(data, data.count(b"\n"))
    assert block is not None and block.plain_rows.tolist() == [0, 1]
    assert counts(parse_ins_fhir(data, name="Patient.ndjson")) == EXPECTED


def test_a_coded_doubtful_comment_makes_the_identity_provisional():
    patient = exported(examples()[2])
    patient["extension"][1]["extension"][0]["valueCoding"]["code"] = "VALI"
    patient["extension"][1]["extension"][1]["valueCodeableConcept"]["coding"][0]["code"] = "DOUT"
    assert careful(patient)[2] == "PROV"
