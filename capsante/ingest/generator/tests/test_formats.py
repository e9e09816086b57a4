"""The files follow the real public formats (see shared/reference/data-formats.md)."""

import hashlib
import json
import re
from pathlib import Path

import pytest

from capsante.ingest.generator import Manifest
from capsante.ingest.generator.rand import luhn_valid

from . import recount

FINESS = re.compile(r"^[0-9][0-9AB][0-9]{7}$")
RPPS_HEADER = (
    "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|"
    "Libellé civilité d'exercice|Code civilité|Libellé civilité|Nom d'exercice|Prénom d'exercice|"
    "Code profession|Libellé profession|Code catégorie professionnelle|Libellé catégorie professionnelle|"
    "Code type savoir-faire|Libellé type savoir-faire|Code savoir-faire|Libellé savoir-faire|"
    "Code mode exercice|Libellé mode exercice|Numéro SIRET site|Numéro SIREN site|Numéro FINESS site|"
    "Numéro FINESS établissement juridique|Identifiant technique de la structure|Raison sociale site|"
    "Enseigne commerciale site|Complément destinataire (coord. structure)|"
    "Complément point géographique (coord. structure)|Numéro Voie (coord. structure)|"
    "Indice répétition voie (coord. structure)|Code type de voie (coord. structure)|"
    "Libellé type de voie (coord. structure)|Libellé Voie (coord. structure)|"
    "Mention distribution (coord. structure)|Bureau cedex (coord. structure)|Code postal (coord. structure)|"
    "Code commune (coord. structure)|Libellé commune (coord. structure)|Code pays (coord. structure)|"
    "Libellé pays (coord. structure)|Téléphone (coord. structure)|Téléphone 2 (coord. structure)|"
    "Télécopie (coord. structure)|Adresse e-mail (coord. structure)|Code Département (structure)|"
    "Libellé Département (structure)|Ancien identifiant de la structure|Autorité d'enregistrement|"
    "Code secteur d'activité|Libellé secteur d'activité|Code section tableau pharmaciens|"
    "Libellé section tableau pharmaciens|"
)
RELIABILITY = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
INS_OIDS = {"1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10"}


def nir_key_ok(nir: str) -> bool:
    body = nir[:5] + {"2A": "19", "2B": "18"}.get(nir[5:7], nir[5:7]) + nir[7:13]
    return len(nir) == 15 and body.isdigit() and 97 - int(body) % 97 == int(nir[13:])


# --- FINESS ---------------------------------------------------------------------------------


def test_finess_starts_with_its_marker_and_is_latin1(departement_output: Path) -> None:
    raw = recount.only(departement_output, "finess/etalab-cs1100507-stock-*.csv").read_bytes()
    text = raw.decode("latin-1")
    assert text.encode("latin-1") == raw
    assert re.match(r"^finess;etalab;[0-9]+;\d{4}-\d{2}-\d{2}\n", text)


def test_finess_records(departement_output: Path) -> None:
    lines = recount.finess_lines(departement_output)[1:]
    structures = [f for f in lines if f[0] == "structureet"]
    geolocations = [f for f in lines if f[0] == "geolocalisation"]
    assert structures and len(structures) + len(geolocations) == len(lines)
    assert {len(f) for f in structures} == {32}
    assert all(f[-1] == "" for f in structures)  # numuai empty: the line ends with ';'
    assert all(FINESS.match(f[1]) and FINESS.match(f[2]) for f in structures)
    assert all(luhn_valid(f[1]) for f in structures)  # numeric départements: plain Luhn key
    assert all(re.match(r"^\d{3}$", f[12]) and re.match(r"^\d{5} ", f[15]) for f in structures)
    assert len({f[1] for f in structures}) == len(structures)
    assert {f[1] for f in geolocations} == {f[1] for f in structures}
    for f in geolocations:
        assert len(f) == 6
        x, y = float(f[2]), float(f[3])
        assert f[4].endswith(",LAMBERT_93")
        # Mayenne and Sarthe in Lambert-93 metres.
        assert 300_000 < x < 600_000 and 6_650_000 < y < 6_900_000


def test_finess_overseas_and_corsica(handmade_output: Path) -> None:
    lines = recount.finess_lines(handmade_output)
    structures = {f[1]: f for f in lines if f[0] == "structureet"}
    tokens = {f[1]: f[4].rsplit(",", 1)[1] for f in lines if f[0] == "geolocalisation"}
    reunion = [f for f in structures.values() if f[13] == "9D"]
    corsica = [f for f in structures.values() if f[13] == "2A"]
    assert reunion and corsica
    assert all(f[12] == "411" and f[1].startswith("9704") for f in reunion)
    assert {tokens[f[1]] for f in reunion} == {"UTM_S40"}
    assert all(f[1].startswith("2A") for f in corsica)
    assert {tokens[f[1]] for f in corsica} == {"LAMBERT_93"}


# --- Annuaire Santé -------------------------------------------------------------------------


def test_rpps_header_and_separators(departement_output: Path) -> None:
    path = recount.only(departement_output, "annuaire-sante/PS_LibreAcces_Personne_activite_*.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == RPPS_HEADER
    assert all(line.endswith("|") and line.count("|") == 52 for line in lines)
    rows = recount.rpps(departement_output)
    assert {r["Code profession"] for r in rows} == {"10", "21", "40", "50", "60", "70"}
    assert {r["Code mode exercice"] for r in rows} == {"L", "S"}
    for row in rows:
        kind, ident = row["Type d'identifiant PP"], row["Identifiant PP"]
        assert (kind, len(ident)) in {("8", 11), ("0", 9)}
        assert row["Identification nationale PP"] == kind + ident
        assert luhn_valid(ident)
        assert not row["Numéro SIRET site"] or luhn_valid(row["Numéro SIRET site"])


def test_rpps_volume_is_about_one_professional_per_hundred_inhabitants(
    departement_output: Path, departement_communes: list[dict]
) -> None:
    population = sum(c["population"] for c in departement_communes)
    persons = {row["Identifiant PP"] for row in recount.rpps(departement_output)}
    assert 0.7 < 100 * len(persons) / population < 1.3


def test_mssante_layout(departement_output: Path) -> None:
    path = recount.only(
        departement_output, "annuaire-sante/Extraction_Correspondance_MSSante_*.txt"
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("|")[:3] == ["Type de BAL", "Adresse BAL", "Type Identifiant PP"]
    assert {line.count("|") for line in lines} == {30}  # 31 columns
    boxes = recount.mailboxes(departement_output)
    assert {b["Type de BAL"] for b in boxes} == {"PER", "ORG"}
    assert len({b["Adresse BAL"] for b in boxes}) == len(boxes)
    assert all(b["Adresse BAL"].endswith(".mssante.fr") for b in boxes)
    assert all(b["Identifiant PP"] == "" for b in boxes if b["Type de BAL"] == "ORG")


# --- INS --------------------------------------------------------------------------------------


def test_fhir_patients_carry_the_fr_core_extensions(departement_output: Path) -> None:
    patients = list(recount.fhir_patients(departement_output))
    assert patients
    oids = set()
    for patient in patients:
        assert patient["resourceType"] == "Patient"
        reliability = [e for e in patient["extension"] if e["url"] == RELIABILITY]
        assert len(reliability) == 1
        status = next(e for e in reliability[0]["extension"] if e["url"] == "identityStatus")[
            "valueCoding"
        ]
        assert status["code"] in {"PROV", "RECUP", "VALI", "QUAL"}
        for identifier in patient["identifier"]:
            oid = identifier["system"].removeprefix("urn:oid:")
            if oid in INS_OIDS:
                oids.add(oid)
                assert nir_key_ok(identifier["value"])
                assert status["code"] in {
                    "QUAL",
                    "VALI",
                }  # VALI: the legacy code system's "qualified"
        assert FINESS.match(patient["managingOrganization"]["identifier"]["value"])
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", patient["birthDate"])
    assert "1.2.250.1.213.1.4.8" in oids and "1.2.250.1.213.1.4.10" in oids


def test_fhir_files_are_json_bundles(departement_output: Path) -> None:
    for path in sorted(departement_output.glob("ins/fhir/*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
        period = path.stem.split("_")[1]
        assert all(e["resource"]["meta"]["lastUpdated"].startswith(period) for e in bundle["entry"])


def test_hl7_messages_carry_pid3_ins_and_pid32_status(departement_output: Path) -> None:
    count = 0
    for message in recount.hl7_messages(departement_output):
        count += 1
        msh = message[0]
        assert msh[0] == "MSH" and msh[1] == "^~\\&" and msh[8].startswith("ADT^A")
        assert FINESS.match(msh[3]) and msh[11] == "2.5^FRA^2.11"
        pid = next(segment for segment in message if segment[0] == "PID")
        assert len(pid) == 33 and pid[32] in {"PROV", "RECUP", "VALI", "QUAL"}
        repetitions = pid[3].split("~")
        assert repetitions[0].endswith("^PI")
        for repetition in repetitions[1:]:
            value, _, _, authority, kind = repetition.split("^")
            assert kind == "INS" and authority.split("&")[1] in INS_OIDS
            assert nir_key_ok(value) and pid[32] == "QUAL"
    assert count > 0


def test_patient_files_stay_small(departement_output: Path) -> None:
    size = sum(p.stat().st_size for p in departement_output.glob("ins/*/*"))
    assert size < 40_000_000


# --- tables, surveys, register, manifest -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "header"),
    [
        (
            "am_mes_activations.csv",
            "code_commune;mois;beneficiaires;comptes_actives;espaces_alimentes",
        ),
        ("am_dmp_documents.csv", "code_commune;mois;type_document;documents"),
        (
            "am_dmp_consultations.csv",
            "code_commune;mois;code_profession;professionnels;professionnels_consultant",
        ),
        (
            "am_telehealth.csv",
            "code_commune;mois;code_profession;code_acte;actes;professionnels_liberaux;professionnels_pratiquants",
        ),
        (
            "am_telehealth_offer.csv",
            "code_departement;mois;specialite;plateforme;plateforme_regionale",
        ),
    ],
)
def test_assurance_maladie_headers(departement_output: Path, name: str, header: str) -> None:
    with open(departement_output / "assurance-maladie" / name, encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n") == header


def test_assurance_maladie_counts_are_consistent(departement_output: Path) -> None:
    for row in recount.am_table(departement_output, "am_mes_activations.csv"):
        assert int(row["comptes_actives"]) <= int(row["beneficiaires"])
        assert int(row["espaces_alimentes"]) <= int(row["beneficiaires"])
    for row in recount.am_table(departement_output, "am_dmp_consultations.csv"):
        assert 0 <= int(row["professionnels_consultant"]) <= int(row["professionnels"])
    for row in recount.am_table(departement_output, "am_telehealth.csv"):
        assert 0 <= int(row["professionnels_pratiquants"]) <= int(row["professionnels_liberaux"])


def test_documents_start_eleven_months_before_the_window(departement_output: Path) -> None:
    months = {row["mois"] for row in recount.am_table(departement_output, "am_dmp_documents.csv")}
    assert min(months) == "2023-02" and max(months) == "2026-10"


def test_pharmacy_survey_header(departement_output: Path) -> None:
    path = recount.only(departement_output, "enquetes/enquete_officines_*.csv")
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "Horodateur;N° FINESS;Votre officine dispose-t-elle d'un fax ?;"
        "Disposez-vous d'une messagerie sécurisée de santé (MSSanté) ?;"
        "Utilisez-vous votre MSSanté au moins une fois par semaine ?"
    )


def test_cyber_register_header(departement_output: Path) -> None:
    path = recount.only(departement_output, "cyber/registre_exercices_cyber_52.csv")
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "finess_ej;finess_et;code_region;statut_exercice;date_exercice;niveau_kit;inscrit_care;domaine_care"
    )


def test_manifest_lists_every_file_with_rows_and_hash(departement_output: Path) -> None:
    manifest = Manifest.read(departement_output)
    assert {f.connector for f in manifest.files} == {
        "finess", "rpps", "mssante", "ins-fhir", "ins-hl7", "am-mes", "am-dmp-documents",
        "am-dmp-consultations", "am-telehealth", "am-telehealth-offer", "survey", "cyber-register",
    }  # fmt: skip
    written = {
        p.relative_to(departement_output).as_posix()
        for p in departement_output.rglob("*")
        if p.is_file()
    }
    assert written == {f.path for f in manifest.files} | {"manifest.json"}
    for entry in manifest.files:
        data = (departement_output / entry.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256 and len(data) == entry.bytes
        if entry.connector.startswith("am-") or entry.connector in (
            "rpps",
            "mssante",
            "survey",
            "cyber-register",
        ):
            assert data.count(b"\n") - 1 == entry.rows
    assert manifest.departements == ["53", "72"]
