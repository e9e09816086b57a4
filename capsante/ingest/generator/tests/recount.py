"""Re-counting from the written files with csv/json only, never with the generator's internals.

What these functions compute is what an analyst would compute from the public files; the
calibration tests compare it with the published figures.
"""

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

PRODUCTION_OIDS = {"1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9"}
FINESS_DEPARTEMENTS = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "975", "9F": "976"}


def only(root: Path, pattern: str) -> Path:
    found = sorted(root.glob(pattern))
    assert len(found) == 1, f"{pattern}: {found}"
    return found[0]


def finess_lines(root: Path) -> list[list[str]]:
    with open(only(root, "finess/*.csv"), encoding="latin-1") as handle:
        return [line.rstrip("\n").split(";") for line in handle]


def structures(root: Path) -> dict[str, dict[str, str]]:
    """FINESS ET -> {category, departement (INSEE), ej}."""
    out = {}
    for fields in finess_lines(root):
        if fields[0] == "structureet":
            dep = FINESS_DEPARTEMENTS.get(fields[13], fields[13])
            out[fields[1]] = {
                "category": fields[18],
                "departement": dep,
                "ej": fields[2],
                "fax": fields[17],
            }
    return out


def pipe_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        lines = [line.rstrip("\n") for line in handle]
    header = lines[0].split("|")
    rows = []
    for line in lines[1:]:
        values = line.split("|")
        rows.append(dict(zip(header, values, strict=True)))
    return rows


def rpps(root: Path) -> list[dict[str, str]]:
    return pipe_rows(only(root, "annuaire-sante/PS_LibreAcces_Personne_activite_*.txt"))


def mailboxes(root: Path) -> list[dict[str, str]]:
    return pipe_rows(only(root, "annuaire-sante/Extraction_Correspondance_MSSante_*.txt"))


def structure_finess(mailbox: dict[str, str]) -> str | None:
    """The FINESS a mailbox is attached to (the directory prefixes it with its type, 1)."""
    ident = mailbox["Identification Structure"]
    if mailbox["Type identifiant structure"] != "1":
        return None
    return ident[1:] if len(ident) == 10 and ident.startswith("1") else ident


def officines_with_mailbox(root: Path, officines: set[str]) -> set[str]:
    pharmacists_sites: dict[str, set[str]] = defaultdict(set)
    for row in rpps(root):
        if row["Code profession"] == "21" and row["Numéro FINESS site"]:
            pharmacists_sites[row["Identifiant PP"]].add(row["Numéro FINESS site"])
    equipped = set()
    for box in mailboxes(root):
        finess = structure_finess(box)
        if finess in officines:
            equipped.add(finess)
        if box["Type de BAL"] == "PER":
            equipped |= pharmacists_sites.get(box["Identifiant PP"], set()) & officines
    return equipped


def semicolon_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def am_table(root: Path, name: str) -> list[dict[str, str]]:
    return semicolon_rows(root / "assurance-maladie" / name)


def commune_departement(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def period_shares(
    rows: list[dict[str, str]], dep: str, numerator: str, denominator: str
) -> dict[str, float]:
    num: dict[str, int] = defaultdict(int)
    den: dict[str, int] = defaultdict(int)
    for row in rows:
        if commune_departement(row["code_commune"]) == dep:
            num[row["mois"]] += int(row[numerator])
            den[row["mois"]] += int(row[denominator])
    return {month: num[month] / den[month] for month in sorted(den) if den[month]}


def telehealth_shares(root: Path, dep: str) -> dict[str, float]:
    """Liberal professionals with ≥ 1 telehealth act in 12 months: the acts' sets are nested,
    so a profession's practitioners are the maximum over its act rows."""
    practicing: dict[tuple[str, str, str], int] = defaultdict(int)
    liberal: dict[tuple[str, str, str], int] = {}
    for row in am_table(root, "am_telehealth.csv"):
        if commune_departement(row["code_commune"]) != dep:
            continue
        key = (row["code_commune"], row["mois"], row["code_profession"])
        practicing[key] = max(practicing[key], int(row["professionnels_pratiquants"]))
        liberal[key] = int(row["professionnels_liberaux"])
    num: dict[str, int] = defaultdict(int)
    den: dict[str, int] = defaultdict(int)
    for key, count in liberal.items():
        num[key[1]] += practicing[key]
        den[key[1]] += count
    return {month: num[month] / den[month] for month in sorted(den)}


def fhir_patients(root: Path) -> Iterator[dict]:
    for path in sorted(root.glob("ins/fhir/*.json")):
        with open(path, encoding="utf-8") as handle:
            bundle = json.load(handle)
        for entry in bundle["entry"]:
            yield entry["resource"]


def hl7_messages(root: Path) -> Iterator[list[list[str]]]:
    for path in sorted(root.glob("ins/hl7/*.hl7")):
        with open(path, encoding="latin-1", newline="") as handle:
            for line in handle.read().split("\n"):
                if line:
                    yield [segment.split("|") for segment in line.split("\r") if segment]


def ins_counts(root: Path) -> dict[tuple[str, str], dict[str, int]]:
    """(FINESS, period) -> status counts, from both identity feeds."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    legacy = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-fiabilite-identite"
    for patient in fhir_patients(root):
        finess = patient["managingOrganization"]["identifier"]["value"]
        period = patient["meta"]["lastUpdated"][:7]
        reliability = next(
            e for e in patient["extension"] if e["url"].endswith("fr-core-identity-reliability")
        )
        coding = next(e for e in reliability["extension"] if e["url"] == "identityStatus")[
            "valueCoding"
        ]
        status = coding["code"]
        has_ins = any(
            i["system"].removeprefix("urn:oid:") in PRODUCTION_OIDS for i in patient["identifier"]
        )
        if coding["system"] == legacy and status == "VALI" and has_ins:
            status = "QUAL"
        counts[(finess, period)][status] += 1
    for message in hl7_messages(root):
        msh = message[0]
        pid = next(segment for segment in message if segment[0] == "PID")
        period = f"{msh[6][:4]}-{msh[6][4:6]}"
        counts[(msh[3], period)][pid[32]] += 1
    return counts


def ins_shares(root: Path, dep: str) -> dict[str, float]:
    finess_dep = {et: info["departement"] for et, info in structures(root).items()}
    qual: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for (finess, period), by_status in ins_counts(root).items():
        if finess_dep.get(finess) == dep:
            qual[period] += by_status.get("QUAL", 0)
            total[period] += sum(by_status.values())
    return {period: qual[period] / total[period] for period in sorted(total)}


def linear_value(series: dict[str, float], period: str) -> float:
    """Least-squares line through the series, read at `period` (what "on track" projects)."""

    def index(month: str) -> int:
        return int(month[:4]) * 12 + int(month[5:7])

    xs = [index(m) for m in series]
    ys = list(series.values())
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return my + slope * (index(period) - mx)
