from __future__ import annotations

import pytest

from capsante.ingest.connectors.ins_hl7.parser import parse_ins_hl7
from capsante.ingest.ins import UNKNOWN_STATUS
from capsante.ingest.tests.helpers import assert_conforms, only_error, sample

SAMPLE = sample("ins_hl7", "adt_pam_fr.hl7")
NAME = SAMPLE.name
CH_LE_MANS = "720000025"
POLYCLINIQUE = "530000389"


@pytest.fixture
def data() -> bytes:
    return SAMPLE.read_bytes()


def counts(result) -> dict[tuple, int]:
    return {
        (r["period"], r["finess_et"], r["status"], r["ins_valid"]): r["identities"]
        for r in result.tables["ins_identities"].to_pylist()
    }


def test_sample_counts():
    result = parse_ins_hl7(SAMPLE, finess_et=CH_LE_MANS)
    assert_conforms(result)
    assert result.rows_read == 8  # messages
    assert result.notes == ["1 message non ADT ignoré"]
    assert result.periods == ["2025-03", "2025-04"]
    assert counts(result) == {
        # A28 then A31 for the same IPP: one identity, with its last status.
        ("2025-03", CH_LE_MANS, "QUAL", True): 1,
        ("2025-03", CH_LE_MANS, "PROV", False): 1,
        ("2025-04", POLYCLINIQUE, "RECUP", True): 1,
        # PID-32 "VALI~DOUT": a doubtful identity is provisional.
        ("2025-04", POLYCLINIQUE, "PROV", True): 1,
        # MSH-4 "LABO" has no FINESS: the establishment given at import; NIA with a valid key.
        ("2025-04", CH_LE_MANS, "VALI", True): 1,
        # Empty PID-32 → PROV; INS under the test OID is never valid.
        ("2025-04", CH_LE_MANS, "PROV", False): 1,
    }


def test_sending_facility_without_finess_needs_an_argument():
    error = only_error(parse_ins_hl7(SAMPLE))
    assert (error.file, error.line, error.column) == (NAME, 18, "MSH-4")
    assert error.reason.startswith("établissement introuvable")


def test_lf_separated_segments_and_mllp_framing_are_read(data):
    framed = b"".join(
        b"\x0b" + message.strip(b"\r\n").replace(b"\r", b"\n") + b"\x1c\r"
        for message in data.split(b"\n")
    )
    result = parse_ins_hl7(framed, name=NAME, finess_et=CH_LE_MANS)
    assert result.tables["ins_identities"].equals(
        parse_ins_hl7(SAMPLE, finess_et=CH_LE_MANS).tables["ins_identities"]
    )


def test_unknown_reliability_code(data):
    corrupted = data.replace(b"|RECUP\r", b"|SUPER\r")
    error = only_error(parse_ins_hl7(corrupted, name=NAME, finess_et=CH_LE_MANS))
    assert (error.line, error.column, error.reason) == (
        13,
        "PID-32",
        UNKNOWN_STATUS,  # the unknown code is not quoted: it could be a name
    )


def test_message_cut_before_its_pid(data):
    messages = data.split(b"\n")
    messages[3] = messages[3].split(b"\rPID")[0] + b"\r"
    error = only_error(parse_ins_hl7(b"\n".join(messages), name=NAME, finess_et=CH_LE_MANS))
    assert (error.line, error.reason) == (11, "message ADT sans segment PID (message tronqué ?)")


def test_invalid_message_date(data):
    corrupted = data.replace(b"|20250402083000||ADT", b"|20251302083000||ADT")
    error = only_error(parse_ins_hl7(corrupted, name=NAME, finess_et=CH_LE_MANS))
    assert (error.line, error.column, error.reason) == (
        11,
        "MSH-7",
        "date du message absente ou invalide (format attendu AAAAMMJJ…)",
    )


def test_text_before_the_first_message(data):
    error = only_error(
        parse_ins_hl7(b"Export du 2025-04-30\r" + data, name=NAME, finess_et=CH_LE_MANS)
    )
    assert (error.line, error.reason) == (
        1,
        "segment hors message : le fichier doit commencer par MSH",
    )


def test_file_without_messages():
    error = only_error(parse_ins_hl7(b"bonjour\n", name="vide.hl7"))
    assert error.reason == "segment hors message : le fichier doit commencer par MSH"
