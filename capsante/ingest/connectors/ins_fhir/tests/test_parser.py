from __future__ import annotations

import json
import subprocess
import sys

import pytest

from capsante.ingest.connectors.ins_fhir import parser
from capsante.ingest.connectors.ins_fhir.parser import parse_ins_fhir
from capsante.ingest.ins import UNKNOWN_STATUS, nir_is_valid, nir_key
from capsante.ingest.tests.helpers import assert_conforms, lines_of, only_error, sample

NDJSON = sample("ins_fhir", "Patient.ndjson")
BUNDLE = sample("ins_fhir", "bundle-identites.json")
CH_LE_MANS = "720000025"


@pytest.fixture
def patients() -> list[dict]:
    return [json.loads(line) for line in NDJSON.read_text(encoding="utf-8").splitlines()]


def ndjson(patients: list[dict]) -> bytes:
    return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in patients).encode()


def counts(result) -> dict[tuple, int]:
    return {
        (r["period"], r["finess_et"], r["status"], r["ins_valid"]): r["identities"]
        for r in result.tables["ins_identities"].to_pylist()
    }


def test_ndjson_counts_by_period_establishment_status_and_validity():
    result = parse_ins_fhir(NDJSON, finess_et=CH_LE_MANS)
    assert_conforms(result)
    assert (result.rows_read, result.rows_kept) == (8, 8)
    assert result.periods == ["2025-02", "2025-03"]
    assert counts(result) == {
        # NIA with a valid key, status from validationDate's month: lastUpdated wins.
        ("2025-02", CH_LE_MANS, "VALI", True): 1,
        # FINESS from managingOrganization (idNatSt "1" + FINESS).
        ("2025-03", "530000389", "RECUP", True): 1,
        # No reliability extension → PROV; a DOUT comment forces PROV on a VALI identity.
        ("2025-03", CH_LE_MANS, "PROV", False): 1,
        ("2025-03", CH_LE_MANS, "PROV", True): 1,
        # Wrong NIR key, and a test OID (…1.4.10) with a correct key: both not valid.
        ("2025-03", CH_LE_MANS, "QUAL", False): 2,
        # meta.source FINESS, and legacy code system VALI + INS read as QUAL.
        ("2025-03", CH_LE_MANS, "QUAL", True): 2,
    }


def test_bundle_resolves_the_organization_reference():
    result = parse_ins_fhir(BUNDLE, period="2025-04")
    assert_conforms(result)
    assert counts(result) == {
        ("2025-04", CH_LE_MANS, "PROV", False): 1,
        ("2025-04", CH_LE_MANS, "QUAL", True): 2,
    }


def test_bundle_patient_without_any_date_needs_a_period():
    error = only_error(parse_ins_fhir(BUNDLE))
    assert (error.line, error.column) == (None, "entry[2].resource.meta.lastUpdated")
    assert error.reason.startswith("période introuvable")


def test_patient_without_establishment_is_an_error_naming_its_line():
    result = parse_ins_fhir(NDJSON)
    assert result.tables == {}
    # Lines 1 and 2 name their establishment (meta.source, managingOrganization).
    assert [(e.line, e.column) for e in result.errors] == [
        (line, "managingOrganization") for line in range(3, 9)
    ]
    assert result.errors[0].reason.startswith("établissement introuvable")


def test_truncated_json_line(patients):
    data = ndjson(patients)
    lines = lines_of(data)
    lines[4] = lines[4][:150] + b"\n"
    error = only_error(parse_ins_fhir(b"".join(lines), name="Patient.ndjson", finess_et=CH_LE_MANS))
    assert (error.line, error.column) == (5, None)
    assert error.reason == "JSON tronqué : la ressource s'arrête avant sa fin"


def test_unknown_status_code(patients):
    patients[1]["extension"][0]["extension"][0]["valueCoding"]["code"] = "SUPER"
    error = only_error(parse_ins_fhir(ndjson(patients), name="p.ndjson", finess_et=CH_LE_MANS))
    assert (error.line, error.column, error.reason) == (
        2,
        "identityStatus",
        UNKNOWN_STATUS,  # the unknown code is not quoted: it could be a name
    )


def test_other_resource_types_are_refused_in_ndjson(patients):
    patients[6] = {"resourceType": "Observation", "id": "obs-1", "status": "final"}
    error = only_error(parse_ins_fhir(ndjson(patients), name="p.ndjson", finess_et=CH_LE_MANS))
    assert (error.line, error.reason) == (
        7,
        "ressource inattendue : Observation (Patient ou Bundle attendu)",
    )


def test_duplicated_patient_names_both_lines(patients):
    patients.append(dict(patients[1]))
    error = only_error(parse_ins_fhir(ndjson(patients), name="p.ndjson", finess_et=CH_LE_MANS))
    assert (error.line, error.reason) == (
        9,
        "patient en double : même id de ressource qu'en ligne 2",
    )


def test_small_blocks_give_the_same_counts(patients):
    whole = parse_ins_fhir(ndjson(patients), name="p.ndjson", finess_et=CH_LE_MANS)
    chunked = parse_ins_fhir(
        ndjson(patients), name="p.ndjson", finess_et=CH_LE_MANS, chunk_size=700
    )
    assert chunked.tables["ins_identities"].equals(whole.tables["ins_identities"])


def _bundle_of(patients: list[dict], copies: int) -> dict:
    """A collection Bundle of the sample Patients repeated under new ids."""
    entries = []
    for n in range(copies):
        for patient in patients:
            resource = dict(patient, id=f"{patient['id']}-{n}")
            entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def test_a_bundle_exported_on_one_line_is_read_whole_past_the_ndjson_line_limit(
    patients, monkeypatch
):
    # The limits scaled down a thousandfold: a hospital's month of 40,000 Patients exported on
    # one line (≈ 70 MB) is over the 64 MB allowed for one NDJSON line.
    monkeypatch.setattr(parser, "MAX_NDJSON_LINE", 64 * 1024)
    bundle = _bundle_of(patients, copies=60)
    one_line = json.dumps(bundle, ensure_ascii=False).encode()
    assert b"\n" not in one_line and len(one_line) > 2 * parser.MAX_NDJSON_LINE
    pretty = json.dumps(bundle, ensure_ascii=False, indent=2).encode()

    expected = parse_ins_fhir(pretty, name="export.json", finess_et=CH_LE_MANS)
    assert_conforms(expected)
    assert expected.rows_kept == 8 * 60
    for data in (one_line, one_line + b"\n"):
        result = parse_ins_fhir(data, name="export.json", finess_et=CH_LE_MANS, chunk_size=5000)
        assert_conforms(result)
        assert result.tables["ins_identities"].equals(expected.tables["ins_identities"])
    # Named as NDJSON, the same line is an overlong line, refused with its number.
    error = only_error(parse_ins_fhir(one_line, name="export.ndjson", finess_et=CH_LE_MANS))
    assert (error.file, error.line) == ("export.ndjson", 1)
    assert error.reason.startswith("ligne trop longue : plus de ")


def test_a_one_line_document_over_the_document_limit_is_refused_as_too_large(patients, monkeypatch):
    monkeypatch.setattr(parser, "MAX_DOCUMENT", 32 * 1024)
    one_line = json.dumps(_bundle_of(patients, copies=30)).encode()
    assert len(one_line) > parser.MAX_DOCUMENT
    error = only_error(
        parse_ins_fhir(one_line, name="export.json", finess_et=CH_LE_MANS, chunk_size=4096)
    )
    assert (error.file, error.line) == ("export.json", 1)
    assert error.reason == "document JSON trop volumineux : exportez les patients en NDJSON"


def test_invalid_arguments_are_a_programming_error():
    with pytest.raises(ValueError, match="FINESS"):
        parse_ins_fhir(NDJSON, finess_et="72")
    with pytest.raises(ValueError, match="période"):
        parse_ins_fhir(NDJSON, period="2025-13")


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ("2850372181042", True),
        ("190122A004133", True),
        ("190122B004133", True),
        ("9850372181042", False),
    ],
)
def test_nir_key(body, valid):
    assert nir_is_valid(body + nir_key(body)) is valid
    if valid:
        wrong = f"{(int(nir_key(body)) % 97) + 1:02d}"
        assert not nir_is_valid(body + wrong)


def test_standard_json_is_used_when_orjson_is_missing(patients):
    lines = lines_of(ndjson(patients))
    lines[4] = lines[4][:150] + b"\n"
    code = f"""
import sys
sys.modules["orjson"] = None  # as if the optional speed-up were not installed
from capsante.ingest.connectors.ins_fhir.parser import parse_ins_fhir
ok = parse_ins_fhir({str(NDJSON)!r}, finess_et="720000025")
bad = parse_ins_fhir({b"".join(lines)!r}, name="p.ndjson", finess_et="720000025")
print(ok.rows_kept, [str(e) for e in bad.errors])
"""
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == (
        '8 ["p.ndjson, ligne 5 : JSON tronqué : la ressource s\'arrête avant sa fin"]'
    )
