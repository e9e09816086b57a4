from __future__ import annotations

import json

import pytest
from frictionless import Resource, Schema, formats

from capsante.ingest import contract
from capsante.ingest.connectors.am_tables.parser import (
    CONNECTORS,
    parse_am_mes,
    parse_am_table,
    schema_path,
)
from capsante.ingest.tests.helpers import (
    assert_conforms,
    edit_line,
    insert_line,
    lines_of,
    only_error,
    sample,
)

SAMPLES = {
    "am_mes_activations": "am_mes_activations_2025T1.csv",
    "am_dmp_documents": "am_dmp_documents_2025-03.csv",
    "am_dmp_consultations": "am_dmp_consultations_2025-03.csv",
    "am_telehealth": "am_telehealth_2025-03.csv",
    "am_telehealth_offer": "am_telehealth_offer_2025-03.csv",
}
COMMUNES = {"72181", "72264", "53130", "53147", "53201"}
MES = sample("am_tables", SAMPLES["am_mes_activations"])
NAME = MES.name


@pytest.fixture
def mes() -> bytes:
    return MES.read_bytes()


@pytest.mark.parametrize("table", sorted(SAMPLES))
def test_each_sample_parses_into_its_staged_table(table):
    result = parse_am_table(sample("am_tables", SAMPLES[table]), table, known_communes=COMMUNES)
    assert_conforms(result)
    assert (
        result.rows_kept
        == result.rows_read
        == len(lines_of(sample("am_tables", SAMPLES[table]).read_bytes())) - 1
    )
    assert result.periods[-1] == "2025-03"
    assert result.connector == CONNECTORS[table]


@pytest.mark.parametrize("table", sorted(SAMPLES))
def test_schema_is_a_valid_french_table_schema_matching_the_contract(table, tmp_path):
    descriptor = json.loads(schema_path(table).read_text(encoding="utf-8"))
    Schema.from_descriptor(descriptor)  # raises on an invalid Table Schema
    assert all(field["title"] and field["description"] for field in descriptor["fields"])
    staged = [field["capsante:column"] for field in descriptor["fields"]]
    assert sorted(staged) == sorted(contract.table(table).schema.names)
    # The sample passes frictionless' own validation too.
    path = sample("am_tables", SAMPLES[table])
    resource = Resource(
        path=path.name,
        basepath=str(path.parent),
        schema=Schema.from_descriptor(descriptor),
        control=formats.CsvControl(delimiter=";"),
    )
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])


def test_statistical_secrecy_leaves_a_null_count():
    rows = parse_am_mes(MES).tables["am_mes_activations"].to_pylist()
    masked = [r for r in rows if r["commune_code"] == "53201" and r["period"] == "2025-01"]
    assert masked[0]["with_document"] is None
    assert masked[0]["activated"] == 2716


def test_unknown_commune(mes):
    error = only_error(
        parse_am_mes(edit_line(mes, 3, b"72181;", b"99999;"), name=NAME, known_communes=COMMUNES)
    )
    assert (error.line, error.column, error.reason) == (
        3,
        "code_commune",
        "code commune inconnu : 99999",
    )


def test_bad_period_negative_and_non_integer_counts(mes):
    corrupted = edit_line(mes, 2, b";2025-01;", b";2025-13;")
    corrupted = edit_line(corrupted, 5, b";4518;", b";-3;")
    corrupted = edit_line(corrupted, 6, b";4563;", b";45,6;")
    result = parse_am_mes(corrupted, name=NAME)
    assert sorted((e.line, e.column, e.reason) for e in result.errors) == [
        (2, "mois", "période invalide : 2025-13 (attendu : AAAA-MM)"),
        (5, "comptes_actives", "valeur inférieure au minimum (0) : -3"),
        (6, "comptes_actives", "nombre entier attendu : 45,6"),
    ]
    assert result.rows_rejected == 3


def test_thousands_separators_are_accepted(mes):
    result = parse_am_mes(edit_line(mes, 2, b";143512;", "; 143\u202f512 ;".encode()), name=NAME)
    assert result.tables["am_mes_activations"]["beneficiaries"][0].as_py() == 143512


def test_more_activated_accounts_than_beneficiaries_is_inconsistent(mes):
    error = only_error(parse_am_mes(edit_line(mes, 8, b";19904;", b";60000;"), name=NAME))
    assert (error.line, error.column) == (8, "comptes_actives")
    assert error.reason == "incohérence : comptes_actives (60000) supérieur à beneficiaires (50873)"


def test_same_commune_and_month_twice_names_both_lines(mes):
    error = only_error(
        parse_am_mes(insert_line(mes, 16, lines_of(mes)[4].rstrip(b"\n")), name=NAME)
    )
    assert error.line == 17
    assert error.reason == "ligne en double : 2025-01 / 72264 (déjà présent ligne 5)"


def test_missing_required_value(mes):
    error = only_error(parse_am_mes(edit_line(mes, 11, b"53147;", b";"), name=NAME))
    assert (error.line, error.column, error.reason) == (11, "code_commune", "valeur manquante")


def test_comma_separated_latin1_copy(mes):
    copy = mes.replace(b";", b",").decode().encode("cp1252")
    result = parse_am_mes(copy, name=NAME)
    assert result.tables["am_mes_activations"].equals(
        parse_am_mes(MES).tables["am_mes_activations"]
    )


def test_missing_column(mes):
    error = only_error(
        parse_am_mes(edit_line(mes, 1, b";espaces_alimentes", b";espaces"), name=NAME)
    )
    assert (error.line, error.column) == (1, "espaces_alimentes")
