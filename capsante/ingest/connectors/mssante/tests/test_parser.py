from __future__ import annotations

import pytest

from capsante.ingest.connectors.mssante.parser import parse_mssante
from capsante.ingest.tests.helpers import (
    assert_conforms,
    column_values,
    edit_line,
    insert_line,
    lines_of,
    only_error,
    sample,
    truncate_line,
)

SAMPLE = sample("mssante", "Extraction_Correspondance_MSSante_202601150600.txt")
NAME = SAMPLE.name


@pytest.fixture
def data() -> bytes:
    return SAMPLE.read_bytes()


def by_address(result):
    return {row["address"]: row for row in result.tables["mailboxes"].to_pylist()}


def test_sample_mailboxes():
    result = parse_mssante(SAMPLE)
    assert_conforms(result)
    assert (result.rows_read, result.rows_kept) == (7, 7)
    rows = by_address(result)
    pharmacy = rows["pharmacie.gare.lemans@pharmacie.mssante.fr"]
    # "1" + FINESS in the extract → the bare FINESS, so that it joins with structures.
    assert pharmacy == {
        "address": "pharmacie.gare.lemans@pharmacie.mssante.fr",
        "bal_type": "ORG",
        "rpps_id": None,
        "structure_id_type": "1",
        "structure_id": "720009871",
        "profession_code": None,
        "postal_code": "72000",
        "departement_code": "72",
    }
    assert rows["claire.martin@medecin.mssante.fr"]["rpps_id"] == "10001234567"
    assert {row["bal_type"] for row in rows.values()} == {"PER", "ORG"}


def test_departement_label_falls_back_to_the_postcode():
    rows = by_address(parse_mssante(SAMPLE))
    # The extract writes "Mayenne" on this row instead of a code.
    assert rows["ehpad.eglantines@ehpad-laval.mssante.fr"]["departement_code"] == "53"


def test_holder_names_are_not_kept():
    values = column_values(parse_mssante(SAMPLE).tables["mailboxes"])
    assert not {"MARTIN", "Claire", "LEROUX", "DUBOIS", "GAUTIER", "Luc"} & values


def test_same_address_twice_names_both_lines(data):
    copy = lines_of(data)[2].replace(b"antoine.leroux@", b"ANTOINE.LEROUX@").rstrip(b"\r\n")
    error = only_error(parse_mssante(insert_line(data, 6, copy), name=NAME))
    assert (error.line, error.column) == (7, "Adresse BAL")
    assert error.reason == (
        "adresse BAL en double : antoine.leroux@pharmacien.mssante.fr (déjà présent ligne 3)"
    )


def test_unknown_mailbox_type_and_bad_address(data):
    corrupted = edit_line(data, 2, b"PER|", b"XYZ|")
    corrupted = edit_line(
        corrupted, 4, b"|pharmacie.gare.lemans@pharmacie.mssante.fr|", b"|pharmacie|"
    )
    result = parse_mssante(corrupted, name=NAME)
    assert [
        (e.line, e.column, e.reason) for e in sorted(result.errors, key=lambda e: e.line or 0)
    ] == [
        (2, "Type de BAL", "type de BAL inconnu : XYZ (valeurs possibles : PER, ORG, APP)"),
        (4, "Adresse BAL", "adresse BAL invalide : pharmacie (attendu : adresse de messagerie)"),
    ]
    assert result.tables == {}


def test_truncated_line(data):
    error = only_error(parse_mssante(truncate_line(data, 5, 9, b"|"), name=NAME))
    assert (error.line, error.reason) == (5, "ligne tronquée : 9 champs au lieu de 31")
