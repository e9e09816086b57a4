from __future__ import annotations

import datetime as dt
import json

import pytest

from capsante.ingest.connectors.finess.categories import MEDICO_SOCIAL, category_group
from capsante.ingest.connectors.finess.parser import parse_finess
from capsante.ingest.tests.helpers import (
    assert_conforms,
    edit_line,
    insert_line,
    lines_of,
    only_error,
    replace_line,
    sample,
    truncate_line,
)

SAMPLE = sample("finess", "etalab-cs1100507-stock-20260512-0336.csv")
NAME = SAMPLE.name
ENCODING = "cp1252"


@pytest.fixture
def data() -> bytes:
    return SAMPLE.read_bytes()


def structures(result):
    return {row["finess_et"]: row for row in result.tables["structures"].to_pylist()}


def test_sample_structures_with_categories_and_cog_codes():
    result = parse_finess(SAMPLE)
    assert_conforms(result)
    assert result.encoding == "cp1252"
    assert (result.rows_read, result.rows_kept) == (20, 10)
    assert result.notes == ["extraction FINESS du 2026-05-12"]
    rows = structures(result)
    groups = {code: row["category_group"] for code, row in rows.items()}
    assert groups == {
        "720009871": "officine",
        "720000025": "chu_ch",
        "530031263": "ehpad",
        "530000389": "clinique",
        "530008749": "msp",
        "720011455": "esms",
        "720019870": "centre_sante",
        "970406537": "officine",
        "2A0000329": "chu_ch",
        "720020175": "esms",
    }
    ehpad = rows["530031263"]
    assert ehpad["name"] == "EHPAD LES ÉGLANTINES - LAVAL"  # Latin-1 accents decoded
    assert ehpad["address"] == "3B RUE DES ÉGLANTINES"
    assert (ehpad["commune_code"], ehpad["departement_code"], ehpad["postal_code"]) == (
        "53130",
        "53",
        "53000",
    )
    assert ehpad["opened_on"] == dt.date(2003, 4, 1)
    assert rows["720011455"]["address"] == "LIEU-DIT LA BRUYÈRE"


def test_overseas_and_corsican_codes():
    rows = structures(parse_finess(SAMPLE))
    assert (rows["970406537"]["commune_code"], rows["970406537"]["departement_code"]) == (
        "97411",
        "974",
    )
    assert (rows["2A0000329"]["commune_code"], rows["2A0000329"]["departement_code"]) == (
        "2A004",
        "2A",
    )


def test_saint_martin_is_told_apart_by_its_postcode(data):
    line = lines_of(data)[8].decode(ENCODING).rstrip("\r\n")
    line = line.replace("970406537;970406529", "970712345;970712337").replace(
        ";411;9D;REUNION;97400 ST DENIS;", ";127;9A;GUADELOUPE;97150 SAINT MARTIN;"
    )
    result = parse_finess(insert_line(data, 11, line.encode(ENCODING)), name=NAME)
    row = structures(result)["970712345"]
    assert (row["commune_code"], row["departement_code"]) == ("97801", "978")


def test_lambert93_and_utm_coordinates_become_wgs84():
    rows = structures(parse_finess(SAMPLE))
    assert rows["720009871"]["lat"] == pytest.approx(47.9956, abs=1e-5)
    assert rows["720009871"]["lon"] == pytest.approx(0.1919, abs=1e-5)
    assert rows["970406537"]["lat"] == pytest.approx(-20.8789, abs=1e-5)  # UTM 40 S
    assert rows["970406537"]["lon"] == pytest.approx(55.4504, abs=1e-5)
    assert rows["720020175"]["lat"] is None  # not geolocated in the extract


def test_swapped_coordinates_are_refused(data):
    line = lines_of(data)[11].decode(ENCODING).rstrip("\r\n").split(";")
    line[2], line[3] = line[3], line[2]
    error = only_error(parse_finess(replace_line(data, 12, ";".join(line).encode()), name=NAME))
    assert (error.line, error.column) == (12, "coordxet")
    assert error.reason.startswith("coordonnées hors du département : x=6769858.5, y=490599.8")


def test_markup_in_a_name_is_kept_as_plain_text(data):
    corrupted = edit_line(
        data, 11, b";ESAT LES PERRI\xc8RES - ALLONNES;", b";<script>alert('x')</script>;"
    )
    rows = structures(parse_finess(corrupted, name=NAME))
    assert rows["720020175"]["name"] == "<script>alert('x')</script>"


def test_truncated_structure_line(data):
    error = only_error(parse_finess(truncate_line(data, 4, 12, b";"), name=NAME))
    assert (error.file, error.line, error.column) == (NAME, 4, None)
    assert error.reason == "ligne tronquée : 12 champs au lieu de 32"


def test_unknown_record_type(data):
    line = lines_of(data)[2].replace(b"structureet;", b"structureej;", 1).rstrip(b"\r\n")
    result = parse_finess(replace_line(data, 3, line), name=NAME)
    assert [str(e) for e in result.errors] == [
        f"{NAME}, ligne 3 : type d'enregistrement inconnu : structureej "
        "(attendu : structureet ou geolocalisation)",
        f"{NAME}, ligne 13, colonne « nofinesset » : "
        "géolocalisation d'un établissement absent du fichier : 720000025",
    ]


def test_duplicated_finess_names_both_lines(data):
    duplicate = lines_of(data)[1].rstrip(b"\r\n")
    error = only_error(parse_finess(insert_line(data, 11, duplicate), name=NAME))
    assert (error.line, error.column) == (12, "nofinesset")
    assert error.reason == "établissement (FINESS ET) en double : 720009871 (déjà présent ligne 2)"


def test_invalid_opening_date(data):
    error = only_error(
        parse_finess(edit_line(data, 5, b";1976-09-01;", b";2024-13-01;"), name=NAME)
    )
    assert (error.line, error.column) == (5, "dateouv")
    assert error.reason == "date invalide : 2024-13-01 (format attendu AAAA-MM-JJ ou JJ/MM/AAAA)"


def test_unknown_commune(data):
    known = {"72181", "53130", "53147", "72154", "72264", "97411", "2A004"}
    error = only_error(parse_finess(SAMPLE, known_communes=known))
    assert (error.line, error.column, error.reason) == (
        11,
        "commune",
        "code commune inconnu : 72003",
    )


def test_utf8_copy_gives_the_same_table(data):
    utf8 = parse_finess(data.decode(ENCODING).encode("utf-8"), name=NAME)
    assert utf8.tables["structures"].equals(parse_finess(SAMPLE).tables["structures"])


def test_huge_field(data):
    corrupted = edit_line(data, 6, b";RUE;", b";" + b"X" * 50_000 + b";")
    error = only_error(parse_finess(corrupted, name=NAME))
    assert (error.line, error.column) == (6, "typvoie")
    assert error.reason == "valeur trop longue : 50000 caractères (maximum 20)"


def test_category_groups_follow_the_ass_x10_domains():
    assert category_group("500") == "ehpad"  # a SOC code, but EHPAD first
    assert category_group("255") == "esms"  # maison d'accueil spécialisée
    assert category_group("354") == "esms"  # SSIAD
    assert category_group("604") == "other"  # CPTS
    assert category_group("") == "other"
    assert "620" not in MEDICO_SOCIAL and "183" in MEDICO_SOCIAL


# --------------------------------------------------------------------------- FINESS+ JSON flow

PLUS = sample("finess", "finess-structures-journalier-20260309.json")


@pytest.fixture
def plus() -> dict:
    return json.loads(PLUS.read_text(encoding="utf-8"))


def test_finess_plus_flow_gives_the_same_contract_table():
    result = parse_finess(PLUS)
    assert_conforms(result)
    assert (result.rows_read, result.rows_kept) == (6, 5)
    assert result.notes == ["1\u00a0établissement inactif ou fermé ignoré"]
    rows = structures(result)
    assert "530031271" not in rows  # closed day-care centre
    assert rows["720013451"]["finess_ej"] == "720000017"  # second EGE of the CH du Mans
    assert rows["720013451"]["category_group"] == "ehpad"
    assert (rows["530008749"]["lat"], rows["530008749"]["lon"]) == (48.3035, -0.6149)
    # The CSV extract and the JSON flow agree on what both describe.
    csv_rows = structures(parse_finess(SAMPLE))
    for code in ("720000025", "720009871", "530031263", "530008749"):
        for column in (
            "finess_ej",
            "category_code",
            "category_group",
            "commune_code",
            "lat",
            "lon",
        ):
            assert rows[code][column] == csv_rows[code][column], (code, column)


def test_finess_plus_errors_are_located_by_json_path(plus):
    plus["pmej"][2]["ege"][0]["adresse"][0]["cogCommune"] = "5313"
    plus["pmej"][1]["ege"][0]["informationsGeneralesEGE"]["numFinessEge"] = "720000025"
    result = parse_finess(json.dumps(plus).encode(), name="flux.json")
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (None, "pmej[1].ege[0]", "établissement (FINESS ET) en double : 720000025 (déjà présent en pmej[0].ege[0])"),
        (None, "pmej[2].ege[0].adresse.cogCommune", "code commune invalide : 5313"),
    ]  # fmt: skip
    assert result.tables == {}


def test_finess_plus_swapped_coordinates(plus):
    point = plus["pmej"][0]["ege"][0]["adresse"][0]["coordonneesGeographique"]
    point["directionLatitude"], point["directionLongitude"] = (
        point["directionLongitude"],
        point["directionLatitude"],
    )
    error = only_error(parse_finess(json.dumps(plus).encode(), name="flux.json"))
    assert error.column == "pmej[0].ege[0].coordonneesGeographique"
    assert error.reason == "coordonnées hors du département : lat=0.2065, lon=48.0169"


def test_truncated_finess_plus_flow():
    data = PLUS.read_bytes()[:2000]
    error = only_error(parse_finess(data, name="flux.json"))
    assert error.reason == "JSON FINESS+ invalide ou tronqué"
    assert error.line is not None
