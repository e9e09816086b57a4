from __future__ import annotations

import datetime as dt
import json

import pytest
from frictionless import Schema

from capsante.ingest import contract
from capsante.ingest.connectors.cyber_register.parser import SCHEMA_PATH, parse_cyber_register
from capsante.ingest.tests.helpers import assert_conforms, edit_line, only_error, sample

SAMPLE = sample("cyber_register", "registre_cyber_ars_pdl_2025.csv")
NAME = SAMPLE.name


@pytest.fixture
def data() -> bytes:
    return SAMPLE.read_bytes()


def by_ej(result):
    return {row["finess_ej"]: row for row in result.tables["cyber_register"].to_pylist()}


def test_register_rows_with_normalised_statuses_and_dates():
    result = parse_cyber_register(SAMPLE)
    assert_conforms(result)
    rows = by_ej(result)
    assert rows["720000017"] == {
        "finess_ej": "720000017",
        "finess_et": "720000025",
        "region_code": "52",
        "exercise_status": "realise",  # "Réalisé"
        "exercise_date": dt.date(2024, 11, 14),  # "14/11/2024"
        "kit_level": "confirme",  # "confirmé"
        "care_registered": True,
        "care_domain": "D1, D2",
    }
    assert rows["530031255"]["exercise_status"] == "a_realiser"  # "à réaliser"
    assert rows["530031255"]["finess_et"] is None  # the whole legal entity
    assert rows["720019862"]["kit_level"] == "debutant"  # "Débutant"


def test_schema_is_a_valid_table_schema_for_the_contract():
    descriptor = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Schema.from_descriptor(descriptor)
    columns = sorted(field["capsante:column"] for field in descriptor["fields"])
    assert columns == sorted(contract.table("cyber_register").schema.names)


def test_done_exercise_needs_a_date(data):
    error = only_error(parse_cyber_register(edit_line(data, 5, b";2025-02-03;", b";;"), name=NAME))
    assert (error.line, error.column) == (5, "date_exercice")
    assert error.reason == "valeur manquante : date obligatoire pour un exercice réalisé"


def test_unknown_status_and_region(data):
    corrupted = edit_line(data, 3, b";programme;", b";en cours;")
    corrupted = edit_line(corrupted, 4, b";52;", b";99;")
    result = parse_cyber_register(corrupted, name=NAME)
    assert sorted((e.line, e.column, e.reason) for e in result.errors) == [
        (3, "statut_exercice", "statut d'exercice inconnu : en cours (valeurs possibles : a_realiser, programme, realise)"),
        (4, "code_region", "code région inconnu : 99 (valeurs possibles : 01, 02, 03, 04, 06, 11, 24, 27, 28, 32, 44, 52, 53, 75, 76, 84, 93, 94)"),
    ]  # fmt: skip


def test_markup_is_kept_as_plain_text(data):
    corrupted = edit_line(data, 3, b";D1\n", b";<script>alert(1)</script>\n")
    rows = by_ej(parse_cyber_register(corrupted, name=NAME))
    assert rows["530000371"]["care_domain"] == "<script>alert(1)</script>"


def test_same_establishment_twice(data):
    error = only_error(parse_cyber_register(data + data.splitlines(keepends=True)[2], name=NAME))
    assert error.line == 7
    assert error.reason == "établissement en double : 530000371 / 530000389 (déjà présent ligne 3)"


def test_invalid_date(data):
    error = only_error(
        parse_cyber_register(edit_line(data, 3, b";2025-06-12;", b";31/06/2025;"), name=NAME)
    )
    assert (error.line, error.column) == (3, "date_exercice")
    assert error.reason == "date invalide : 31/06/2025 (format attendu AAAA-MM-JJ ou JJ/MM/AAAA)"
