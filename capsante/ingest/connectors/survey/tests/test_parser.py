from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from capsante.ingest.connectors.survey.parser import parse_survey
from capsante.ingest.tests.helpers import assert_conforms, only_error, sample

SAMPLE = sample("survey", "enquete_numerique_ehpad_2025.csv")
NAME = SAMPLE.name
FINESS_QUESTION = "Numéro FINESS de l'établissement"
MAPPING = {
    FINESS_QUESTION: "finess_et",
    "Date de réponse": "answered_on",
    "Votre établissement utilise-t-il encore le fax ?": "has_fax",
    "Disposez-vous d'une boîte aux lettres MSSanté ?": "has_mss",
    "Utilisez-vous la MSSanté au quotidien ?": "uses_mss",
    "Êtes-vous équipé pour la téléconsultation ?": "telehealth_equipped",
    "Pratiquez-vous la téléconsultation ?": "telehealth_in_use",
    "Avez-vous reçu le kit MSSanté ?": "mss_kit",
}


@pytest.fixture
def rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"), newline="")))


def to_csv(rows: list[list[str]], separator: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def answers(result) -> dict[str, dict]:
    return {row["finess_et"]: row for row in result.tables["survey_answers"].to_pylist()}


def test_sample_answers_are_normalised():
    result = parse_survey(SAMPLE, mapping=MAPPING, survey="ehpad-2025")
    assert_conforms(result)
    assert (result.rows_read, result.rows_kept) == (4, 4)
    first = answers(result)["530031263"]
    assert first == {
        "survey": "ehpad-2025",
        "finess_et": "530031263",
        "answered_on": dt.date(2025, 3, 3),
        "has_fax": True,  # "Oui"
        "has_mss": True,
        "uses_mss": False,  # "Non"
        "telehealth_equipped": True,
        "telehealth_in_use": False,
        "mss_kit": True,  # "x"
    }
    assert answers(result)["720011455"]["mss_kit"] is False  # empty answer
    assert answers(result)["720020175"]["has_fax"] is True  # "O"


def test_unmapped_questions_stay_unknown():
    mapping = {
        FINESS_QUESTION: "finess_et",
        "Votre établissement utilise-t-il encore le fax ?": "has_fax",
    }
    rows = parse_survey(SAMPLE, mapping=mapping, survey="fax").tables["survey_answers"].to_pylist()
    assert {row["has_mss"] for row in rows} == {None}
    assert {row["answered_on"] for row in rows} == {None}


def test_value_that_is_neither_yes_nor_no(rows):
    rows[3][6] = "Peut-être"
    result = parse_survey(to_csv(rows).encode(), mapping=MAPPING, survey="s", name=NAME)
    error = only_error(result)
    # The first answer spans two physical lines (a comment with a line break).
    assert (error.line, error.column) == (5, "Êtes-vous équipé pour la téléconsultation ?")
    assert error.reason == "valeur oui/non attendue : Peut-être"


def test_xlsx_export_gives_the_same_answers(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Réponses"
    for index, row in enumerate(rows):
        cells: list[object] = list(row)
        if index:
            cells[2] = dt.datetime.strptime(row[2], "%d/%m/%Y")  # Excel stores real dates
            cells[1] = int(row[1])  # and FINESS numbers typed as numbers
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_survey(
        buffer.getvalue(), mapping=MAPPING, survey="ehpad-2025", name="export.xlsx"
    )
    assert result.tables["survey_answers"].equals(
        parse_survey(SAMPLE, mapping=MAPPING, survey="ehpad-2025").tables["survey_answers"]
    )


def test_semicolon_latin1_export(rows):
    data = to_csv(rows, ";").encode("cp1252")
    result = parse_survey(data, mapping=MAPPING, survey="ehpad-2025", name=NAME)
    assert result.encoding == "cp1252"
    assert answers(result) == answers(parse_survey(SAMPLE, mapping=MAPPING, survey="ehpad-2025"))


def test_same_establishment_twice(rows):
    rows.append(list(rows[2]))
    error = only_error(parse_survey(to_csv(rows).encode(), mapping=MAPPING, survey="s", name=NAME))
    assert error.reason == "établissement en double : 720011455 (déjà présent ligne 4)"
    assert (error.line, error.column) == (7, FINESS_QUESTION)


def test_mapped_question_missing_from_the_export():
    mapping = {**MAPPING, "Question supprimée": "telehealth_in_use"}
    del mapping["Pratiquez-vous la téléconsultation ?"]
    error = only_error(parse_survey(SAMPLE, mapping=mapping, survey="s"))
    assert (error.line, error.column, error.reason) == (
        1,
        "Question supprimée",
        "colonne obligatoire absente de l'en-tête",
    )


def test_mapping_errors_are_programming_errors():
    with pytest.raises(ValueError, match="champs cibles inconnus"):
        parse_survey(SAMPLE, mapping={FINESS_QUESTION: "finess_et", "x": "nom"}, survey="s")
    with pytest.raises(ValueError, match="FINESS"):
        parse_survey(SAMPLE, mapping={"Date de réponse": "answered_on"}, survey="s")


def test_truncated_row(rows):
    rows[4] = rows[4][:3]
    error = only_error(parse_survey(to_csv(rows).encode(), mapping=MAPPING, survey="s", name=NAME))
    assert (error.line, error.reason) == (6, "ligne tronquée : 3 champs au lieu de 10")
