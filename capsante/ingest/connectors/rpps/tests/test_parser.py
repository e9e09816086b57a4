from __future__ import annotations

import io
import zipfile

import pytest

from capsante.ingest.connectors.rpps.parser import parse_rpps
from capsante.ingest.tests.helpers import (
    assert_conforms,
    assert_refused,
    column_values,
    edit_line,
    insert_line,
    lines_of,
    only_error,
    replace_line,
    sample,
    truncate_line,
)

SAMPLE = sample("rpps", "PS_LibreAcces_Personne_activite_202601150815.txt")
SAMPLE_2025 = sample("rpps", "PS_LibreAcces_Personne_activite_202603010700.txt")
NAME = "PS_LibreAcces_Personne_activite_202601150815.txt"
FIELDS = 53  # 52 documented columns + the empty field after the trailing "|"


@pytest.fixture
def data() -> bytes:
    return SAMPLE.read_bytes()


def by_id(result):
    return {row["rpps_id"]: row for row in result.tables["professionals"].to_pylist()}


def test_sample_gives_one_row_per_activity_with_contract_columns():
    result = parse_rpps(SAMPLE)
    assert_conforms(result)
    assert result.rows_read == 8
    # Dr Martin appears twice (two savoir-faire) for the same activity: merged into one row.
    assert result.rows_kept == 7
    assert result.notes == ["1 ligne en double fusionnée"]
    rows = by_id(result)
    assert rows["10100456789"] == {
        "rpps_id": "10100456789",
        "profession_code": "21",
        "profession_label": "Pharmacien",
        "mode": "L",
        "commune_code": "72181",
        "postal_code": "72000",
        "finess_site": "720009871",
        "siret_site": "82451237800016",
        "structure_id": "R10100456789001",
        "sector_code": "SA33",
    }
    assert rows["720712345"]["commune_code"] == "72264"  # ADELI number, Sablé-sur-Sarthe
    assert rows["10003987654"]["mode"] == "S"
    assert rows["10009753186"]["mode"] == ""  # no activity site: unknown mode, not null


def test_names_and_civilities_never_leave_the_parser():
    result = parse_rpps(SAMPLE)
    values = column_values(result.tables["professionals"])
    for name in ("MARTIN", "Claire", "LEROUX", "Antoine", "DUBOIS", "Sophie", "Madame", "Docteur"):
        assert name not in values


def test_2025_layout_is_matched_by_header_names():
    old, new = parse_rpps(SAMPLE), parse_rpps(SAMPLE_2025)
    assert_conforms(new)
    assert new.tables["professionals"].equals(old.tables["professionals"])


def test_header_without_trailing_separator_is_tolerated(data):
    header = lines_of(data)[0].rstrip(b"\r\n")
    result = parse_rpps(replace_line(data, 1, header.rstrip(b"|")), name=NAME)
    assert result.ok
    assert result.rows_kept == 7


def test_truncated_line_names_file_and_line(data):
    error = only_error(parse_rpps(truncate_line(data, 4, 12, b"|"), name=NAME))
    assert (error.file, error.line, error.column) == (NAME, 4, None)
    assert error.reason == f"ligne tronquée : 12 champs au lieu de {FIELDS}"
    assert str(error) == f"{NAME}, ligne 4 : ligne tronquée : 12 champs au lieu de {FIELDS}"


def test_line_with_the_wrong_separator(data):
    line = lines_of(data)[2].rstrip(b"\r\n").replace(b"|", b";")
    error = only_error(parse_rpps(replace_line(data, 3, line), name=NAME))
    assert error.line == 3
    assert error.reason == (
        f"ligne tronquée : 1 champ au lieu de {FIELDS} (séparateur attendu : barre verticale)"
    )


def test_latin1_copy_is_read_with_its_accents(data):
    result = parse_rpps(data.decode("utf-8").encode("cp1252"), name=NAME)
    assert result.ok
    assert result.encoding == "cp1252"
    assert by_id(result)["720712345"]["profession_label"] == "Masseur-Kinésithérapeute"


def test_line_in_another_encoding_is_refused(data):
    corrupted = edit_line(data, 7, "Kinésithérapeute".encode(), "Kinésithérapeute".encode("cp1252"))
    error = only_error(parse_rpps(corrupted, name=NAME))
    assert error.line == 7
    assert error.reason.startswith("encodage incohérent : octet 0xE9 invalide en UTF-8")


def test_binary_garbage_is_refused():
    error = only_error(parse_rpps(bytes(range(256)) * 40, name="photo.jpg"))
    assert error.line is None
    assert error.reason == "fichier binaire ou corrompu : ce n'est pas un fichier texte"


def test_unknown_commune_is_reported_with_its_column(data):
    corrupted = edit_line(data, 5, b"|53130|", b"|99999|")
    known = {"72181", "72264", "53130", "53147", "53000"}
    error = only_error(parse_rpps(corrupted, name=NAME, known_communes=known))
    assert (error.line, error.column) == (5, "Code commune (coord. structure)")
    assert error.reason == "code commune inconnu : 99999"


def test_malformed_codes(data):
    corrupted = edit_line(data, 5, b"|53130|", b"|5313|")
    corrupted = edit_line(corrupted, 4, b"|720009871|", b"|72000987|")
    result = parse_rpps(corrupted, name=NAME)
    assert_refused(result)
    assert {(e.line, e.column, e.reason) for e in result.errors} == {
        (5, "Code commune (coord. structure)",
         "code commune invalide : 5313 (attendu : code commune INSEE à 5 caractères)"),
        (4, "Numéro FINESS site", "numéro FINESS invalide : 72000987 (attendu : 9 caractères)"),
    }  # fmt: skip


def test_a_message_quotes_the_cell_as_the_file_has_it(data):
    # FINESS numbers are compared in capitals (« 2A… »); the message quoted the cell so too,
    # « <SCRIPT>ALERT(1)</SCRIPT> » for what the file said in lower case (review of 7 December).
    corrupted = edit_line(data, 4, b"|720009871|", b"|2a<script>x|")
    (error,) = parse_rpps(corrupted, name=NAME).errors
    assert error.reason == "numéro FINESS invalide : 2a<script>x (attendu : 9 caractères)"


def test_missing_identifier_and_unknown_mode(data):
    corrupted = edit_line(data, 6, b"|10005556667|", b"||")
    corrupted = edit_line(corrupted, 7, b"|L|", b"|Z|")
    result = parse_rpps(corrupted, name=NAME)
    assert {(e.line, e.column, e.reason) for e in result.errors} == {
        (6, "Identifiant PP", "valeur manquante"),
        (7, "Code mode exercice", "mode d'exercice inconnu : Z (valeurs possibles : L, S, B)"),
    }
    assert result.rows_rejected == 2


def test_missing_column_is_named(data):
    corrupted = edit_line(data, 1, b"|Code profession|", b"|Code prof|")
    error = only_error(parse_rpps(corrupted, name=NAME))
    assert (error.line, error.column) == (1, "Code profession")
    assert error.reason == "colonne obligatoire absente de l'en-tête"


def test_huge_field_is_refused_without_being_echoed(data):
    corrupted = edit_line(data, 4, b"|R10100456789001|", b"|" + b"R" * 100_000 + b"|")
    error = only_error(parse_rpps(corrupted, name=NAME))
    assert (error.line, error.column) == (4, "Identifiant technique de la structure")
    assert error.reason == "valeur trop longue : 100000 caractères (maximum 100)"


def test_small_blocks_give_the_same_rows_and_line_numbers(data):
    whole = parse_rpps(data, name=NAME)
    chunked = parse_rpps(data, name=NAME, chunk_size=300)
    assert chunked.tables["professionals"].equals(whole.tables["professionals"])
    corrupted = insert_line(truncate_line(data, 7, 3, b"|"), 8, b"")
    assert [str(e) for e in parse_rpps(corrupted, name=NAME, chunk_size=300).errors] == [
        f"{NAME}, ligne 7 : ligne tronquée : 3 champs au lieu de {FIELDS}"
    ]


def test_blank_lines_are_skipped_without_shifting_line_numbers(data):
    corrupted = insert_line(insert_line(data, 2, b""), 4, b"   ")
    corrupted = edit_line(corrupted, 7, b"|60|", b"|6x|")
    error = only_error(parse_rpps(corrupted, name=NAME))
    assert (error.line, error.column) == (7, "Code profession")


def test_zip_archive_is_opened(data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("PS_LibreAcces_Personne_activite_202601150815.txt", data)
    result = parse_rpps(buffer.getvalue(), name="PS_LibreAcces.zip")
    assert result.ok and result.rows_kept == 7


def test_error_list_is_capped_but_every_error_is_counted(data):
    bad = lines_of(data)[3].replace(b"|21|", b"|2x|")
    corrupted = data + bad * 1500
    result = parse_rpps(corrupted, name=NAME)
    assert len(result.errors) == 1000
    assert result.error_count == 1500
    assert result.errors_truncated
    assert result.tables == {}


def test_an_activity_repeated_blocks_apart_keeps_its_first_lines_values():
    # The merge groups the rows of every block at once: the row kept must be the first one,
    # wherever its repeat lies and whatever the repeat says beside the activity's key.
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    header, pharmacist = lines[0], next(line for line in lines if b"|10100456789|" in line)
    others = [
        pharmacist.replace(b"10100456789", b"101%08d" % n).replace(b"R101", b"R102")
        for n in range(300)
    ]
    repeat = pharmacist.replace(b"82451237800016", b"82451237800099")
    data = b"".join([header, pharmacist, *others[:150], repeat, *others[150:], repeat])
    result = parse_rpps(data, name=NAME, chunk_size=4096)
    assert_conforms(result)
    assert result.rows_read == 303 and result.rows_kept == 301
    assert result.notes == ["2 lignes en double fusionnées"]
    assert by_id(result)["10100456789"]["siret_site"] == "82451237800016"
