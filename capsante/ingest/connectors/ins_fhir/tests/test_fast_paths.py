"""The fast paths (Python ``quick_identity``, Arrow ``columnar``) count exactly like the careful one."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from capsante.ingest import ins
from capsante.ingest.connectors.ins_fhir import columnar
from capsante.ingest.connectors.ins_fhir.parser import (
    RELIABILITY_URL,
    Defaults,
    Problem,
    State,
    count_patient,
    parse_ins_fhir,
    quick_identity,
)
from capsante.ingest.parsing import ErrorCollector

BODIES = ["2850372181042", "1790553130017", "190122A004133", "7010199999123"]
SYSTEMS = [*ins.STATUS_SYSTEMS, None, "http://example.org/autre"]
OIDS = ["1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10", "1.2.250.1.71.4.2.7"]


@st.composite
def patients(draw: st.DrawFn) -> dict:
    patient: dict = {"resourceType": "Patient", "id": f"p{draw(st.integers(0, 10**6))}", "meta": {}}
    if draw(st.booleans()):
        patient["meta"]["lastUpdated"] = draw(
            st.sampled_from(["2025-03-14T10:00:00+01:00", "2025-12-01", "2025-13-01"])
        )
    source = draw(
        st.sampled_from(
            ["urn:oid:1.2.250.1.71.4.2.2|720000025", "https://sih.example/fhir", "720000025", None]
        )
    )
    if source is not None:
        patient["meta"]["source"] = source
    patient["extension"] = draw(st.lists(_extension(), max_size=2))
    patient["identifier"] = draw(st.lists(_identifier(), max_size=3))
    if draw(st.booleans()):
        patient["managingOrganization"] = draw(_organisation())
    patient["name"] = [{"family": "MARTIN", "given": ["Claire"]}]
    return patient


@st.composite
def _organisation(draw: st.DrawFn) -> dict:
    """The establishment as exports write it: the FINESS OID in FHIR's form or not, the number
    alone or as idNatSt (1 + FINESS), or only a reference to an Organization."""
    if draw(st.integers(0, 5)) == 0:
        return {"reference": "Organization/ch", "display": "CH"}
    system = draw(
        st.sampled_from(
            [
                "urn:oid:1.2.250.1.71.4.2.2",
                "urn:oid:1.2.250.1.71.4.2.2",
                "1.2.250.1.71.4.2.2",
                "http://finess.sante.gouv.fr",
                "urn:oid:1.2.250.1.71.4.2.1",
            ]
        )
    )
    value = draw(
        st.sampled_from(["1530000389", "530000389", "2A0000001", " 530000389", "2a0000001", "5300"])
    )
    return {"identifier": {"system": system, "value": value}}


@st.composite
def _extension(draw: st.DrawFn) -> dict:
    if draw(st.integers(0, 5)) == 0:
        return {"url": "https://example.org/autre", "valueString": "x"}
    subs = []
    for _ in range(draw(st.integers(0, 2))):
        code = draw(st.sampled_from(["PROV", "RECUP", "VALI", "QUAL", "DOUB", "XXX"]))
        system = draw(st.sampled_from(SYSTEMS))
        coding = {"code": code} if system is None else {"system": system, "code": code}
        subs.append({"url": "identityStatus", "valueCoding": coding})
    if draw(st.booleans()):
        comment = draw(st.sampled_from(["DOUT", "vu", "FICT : test", "IDVER"]))
        if draw(st.booleans()):
            subs.append({"url": "comment", "valueString": comment})
        else:
            coding = {"system": f"{ins.STATUS_SYSTEM}-comment", "code": comment}
            subs.append({"url": "comment", "valueCodeableConcept": {"coding": [coding]}})
    if draw(st.booleans()):
        subs.append({"url": "validationDate", "valueDate": "2025-02-03"})
    return {"url": RELIABILITY_URL, "extension": subs}


@st.composite
def _identifier(draw: st.DrawFn, prefixes=("urn:oid:", "urn:oid:", "urn:oid:", "")) -> dict:
    body = draw(st.sampled_from(BODIES))
    key = ins.nir_key(body) if draw(st.booleans()) else "00"
    # Mostly FHIR's urn:oid: form; sometimes the bare OID some senders write.
    prefix = draw(st.sampled_from(list(prefixes)))
    return {"system": prefix + draw(st.sampled_from(OIDS)), "value": body + key}


def careful(patient: dict) -> tuple | None:
    state = State("f", ErrorCollector(), Defaults(None, "2025-06"))
    try:
        count_patient(patient, state, {})
    except Problem:
        return None
    (key,) = state.counts.counts
    return key


@settings(max_examples=300, deadline=None)
@given(patient=patients())
def test_quick_identity_agrees_with_the_careful_path(patient):
    quick = quick_identity(patient)
    if quick is not None:
        assert quick == careful(patient)


@settings(max_examples=30, deadline=None)
@given(batch=st.lists(patients(), min_size=1, max_size=40))
def test_columnar_counts_agree_with_the_careful_path(batch):
    for index, patient in enumerate(batch):
        patient["id"] = f"p{index}"
    data = b"".join(json.dumps(p).encode() + b"\n" for p in batch)
    block = columnar.read_block(data, data.count(b"\n"))
    assert block is not None
    for row in block.plain_rows:
        assert quick_identity(batch[row]) is not None
    expected = Counter(careful(batch[row]) for row in block.plain_rows)
    assert block.counts == expected
    # And the whole parser, fast paths included, equals the careful path patient by patient.
    result = parse_ins_fhir(data, name="p.ndjson", period="2025-06")
    keys = [careful(p) for p in batch]
    if None in keys:
        assert not result.ok
    else:
        counted = {
            (r["period"], r["finess_et"], r["status"], r["ins_valid"]): r["identities"]
            for r in result.tables["ins_identities"].to_pylist()
        }
        assert counted == dict(Counter(keys))


@st.composite
def plain_but_for_the_establishment(draw: st.DrawFn) -> dict:
    """A Patient the fast paths could take, but for where its establishment is written."""
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "meta": {"lastUpdated": "2025-03-14T10:00:00+01:00"},
        "extension": [
            {
                "url": RELIABILITY_URL,
                "extension": [
                    {
                        "url": "identityStatus",
                        "valueCoding": {"system": ins.STATUS_SYSTEM, "code": "VALI"},
                    }
                ],
            }
        ],
        # In FHIR's urn:oid: form: a bare INS OID alone sends a Patient to the careful path.
        "identifier": [draw(_identifier(prefixes=["urn:oid:"]))],
    }
    source = draw(
        st.sampled_from(["https://sih.example/fhir", "urn:oid:1.2.250.1.71.4.2.2|720000025", None])
    )
    if source is not None:
        patient["meta"]["source"] = source
    if draw(st.integers(0, 4)) > 0:
        patient["managingOrganization"] = draw(_organisation())
    return patient


@settings(max_examples=200, deadline=None)
@given(patient=plain_but_for_the_establishment())
def test_every_way_of_naming_the_establishment_is_counted_alike_on_all_paths(patient):
    expected = careful(patient)
    quick = quick_identity(patient)
    assert quick is None or quick == expected
    data = json.dumps(patient).encode() + b"\n"
    block = columnar.read_block(data, 1)
    assert block is not None
    if len(block.plain_rows):
        assert block.counts == Counter([expected])
    # A FINESS written plainly is never left to the slow path.
    organisation = patient.get("managingOrganization", {}).get("identifier", {})
    if organisation == {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1530000389"}:
        assert quick == expected and list(block.plain_rows) == [0]
