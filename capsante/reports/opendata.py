"""The whole indicator store as open data: CSV and Parquet files, each described by a Table
Schema in the conventions of the French schema catalogue (schema.data.gouv.fr: French titles
and descriptions, examples, contributors, Licence Ouverte 2.0), and a datapackage.json."""

import csv
import datetime as dt
import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from pyarrow import csv as pacsv

from capsante.engine.statuses import RULE_IN_WORDS
from capsante.indicators import completeness, disclosure
from capsante.indicators.models import (
    MONTHS_ENDED_RULE,
    ComputationRun,
    Indicator,
    IndicatorValue,
    Target,
)
from capsante.indicators.services import STATUS_LABELS, current_month
from capsante.territories.models import Level
from capsante.ui.spreadsheets import csv_cell

VERSION = "1.1.0"  # 1.1.0: « chiffre_partiel », a last column of the values
LICENCE = {
    "title": "Licence Ouverte / Open Licence version 2.0",
    "name": "etalab-2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
}
CONTRIBUTORS = [
    {"title": "Équipe Cap e-santé", "organisation": "Cap e-santé", "role": "author"},
    {
        "title": "Agence régionale de santé, Assurance Maladie, GRADeS",
        "organisation": "Partenaires des feuilles de route du numérique en santé",
        "role": "contributor",
    },
]
TABLE_SCHEMA = "https://frictionlessdata.io/schemas/table-schema.json"
HOMEPAGE = "https://github.com/cap-esante/cap-esante"
LEVELS = [level.value for level in Level]
UNITS = ["%", "per_inhabitant", "per_1000", "count"]
MONTH = "^[0-9]{4}-(0[1-9]|1[0-2])$"
FORMULA_NOTE = (
    "Un texte qui commence par =, +, -, @ ou une tabulation est précédé d'une apostrophe, pour "
    "qu'un tableur l'affiche sans l'exécuter comme une formule."
)


def _field(name, title, description, type_, example, required=False, **constraints) -> dict:
    field = {
        "name": name,
        "title": title,
        "description": description,
        "type": type_,
        "example": example,
    }
    if type_ == "datetime":
        field["format"] = "%Y-%m-%dT%H:%M:%SZ"
    if required:
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


# The status rule, for whoever reuses the targets' table without the platform's pages.
RULE_IN_ONE_LINE = " ; ".join(
    f"{n}. {condition} : {status}" for n, (condition, status) in enumerate(RULE_IN_WORDS, 1)
)

TERRITORY_FIELDS = [
    _field(
        "niveau_territoire",
        "Niveau du territoire",
        "Niveau du territoire : region, departement, epci, commune ou groupement (GHT, CPTS, CLS…).",
        "string",
        "departement",
        True,
        enum=LEVELS,
    ),
    _field(
        "code_territoire",
        "Code du territoire",
        "Code officiel géographique (COG) de l'INSEE pour les régions, départements et communes, "
        "numéro SIREN pour les EPCI, code attribué par Cap e-santé pour les groupements.",
        "string",
        "72",
        True,
    ),
    _field(
        "nom_territoire",
        "Nom du territoire",
        "Nom officiel du territoire.",
        "string",
        "Sarthe",
        True,
    ),
]

TABLES = {
    "valeurs": {
        "title": "Valeurs des indicateurs du numérique en santé par territoire et par mois",
        "description": "Une ligne par indicateur, territoire et mois : la valeur en vigueur calculée par "
        "Cap e-santé à partir des sources importées (Assurance Maladie, FINESS, annuaires santé, "
        "enquêtes…). Les taux agrègent les territoires en sommant numérateurs et dénominateurs, "
        "jamais en moyennant des taux. Une valeur corrigée porte un numéro de version supérieur à 1. "
        + MONTHS_ENDED_RULE,
        "primaryKey": ["code_indicateur", "niveau_territoire", "code_territoire", "mois"],
        "fields": [
            _field(
                "code_indicateur",
                "Code de l'indicateur",
                "Code de l'indicateur, décrit dans la ressource « indicateurs ».",
                "string",
                "MES_ACTIVATION",
                True,
                pattern="^[A-Z0-9_]+$",
            ),
            *TERRITORY_FIELDS,
            _field(
                "mois",
                "Mois",
                "Mois d'observation, au format AAAA-MM.",
                "string",
                "2026-03",
                True,
                pattern=MONTH,
            ),
            _field(
                "numerateur",
                "Numérateur",
                "Numérateur du taux (par exemple bénéficiaires ayant activé Mon espace santé). Vide pour un indicateur qui n'est pas un taux.",
                "number",
                "439623",
                minimum=0,
            ),
            _field(
                "denominateur",
                "Dénominateur",
                "Dénominateur du taux (par exemple bénéficiaires). Vide pour un indicateur qui n'est pas un taux.",
                "number",
                "559112",
                minimum=0,
            ),
            _field(
                "valeur",
                "Valeur",
                "Valeur de l'indicateur dans son unité (pourcentage entre 0 et 100 pour un taux).",
                "number",
                "78.63",
            ),
            _field(
                "unite",
                "Unité",
                "Unité de la valeur : % (pourcentage), per_inhabitant (par habitant), per_1000 (pour 1 000 habitants), count (nombre).",
                "string",
                "%",
                True,
                enum=UNITS,
            ),
            _field(
                "version",
                "Version",
                "Numéro de version de la valeur (1 pour la première valeur calculée).",
                "integer",
                "1",
                True,
                minimum=1,
            ),
            _field(
                "calcule_le",
                "Calculée le",
                "Date et heure (UTC) d'enregistrement de la valeur.",
                "datetime",
                "2026-11-26T22:35:48Z",
                True,
            ),
            _field(
                "origine",
                "Origine",
                "Ce qui a produit la valeur : calcul n° N (déclenché par l'import n° M de telle source) ou saisie manuelle validée.",
                "string",
                "calcul n° 3, import n° 12 (am-mes)",
                True,
            ),
            _field(
                "chiffre_partiel",
                "Chiffre partiel",
                "Vide quand le chiffre est complet. Sinon, les communes comptées l’un des trois"
                " mois précédents qui manquent dans les données de ce mois (au moins 1 % du total"
                " du territoire le dernier mois qui les comptait) :"
                " la valeur porte sur les autres communes. Seuls les indicateurs comptés commune par"
                " commune à partir des tables de l'Assurance Maladie sont vérifiés.",
                "string",
                "Laval manque dans les données d’octobre 2026, alors qu’elle était comptée en"
                " septembre 2026 (16,1 % du total de la Mayenne ce mois-là) : ce chiffre porte sur"
                " les autres communes.",
            ),
        ],
    },
    "indicateurs": {
        "title": "Catalogue des indicateurs du numérique en santé",
        "description": "Une ligne par indicateur : définition, unité, sens de lecture, sources et documentation.",
        "primaryKey": ["code_indicateur"],
        "fields": [
            _field(
                "code_indicateur",
                "Code de l'indicateur",
                "Identifiant stable de l'indicateur.",
                "string",
                "MES_ACTIVATION",
                True,
                pattern="^[A-Z0-9_]+$",
            ),
            _field(
                "nom",
                "Nom",
                "Nom de l'indicateur.",
                "string",
                "Activation de Mon espace santé",
                True,
            ),
            _field(
                "description",
                "Description",
                "Ce que mesure l'indicateur.",
                "string",
                "Part des bénéficiaires ayant activé leur profil Mon espace santé.",
            ),
            _field(
                "unite",
                "Unité",
                "Unité des valeurs (voir la ressource « valeurs »).",
                "string",
                "%",
                True,
                enum=UNITS,
            ),
            _field(
                "sens",
                "Sens de lecture",
                "up : plus la valeur est haute, mieux c'est ; down : l'inverse.",
                "string",
                "up",
                True,
                enum=["up", "down"],
            ),
            _field(
                "sources",
                "Sources",
                "Sources de données utilisées, séparées par des virgules.",
                "string",
                "am-mes",
            ),
            _field("periodicite", "Périodicité", "Fréquence de calcul.", "string", "monthly"),
            _field(
                "version_definition",
                "Version de la définition",
                "Version de la formule de calcul.",
                "integer",
                "1",
                True,
                minimum=1,
            ),
            _field(
                "documentation",
                "Documentation",
                "Page de documentation de l'indicateur (formule exacte, limites).",
                "string",
                "docs/indicateurs/MES_ACTIVATION.md",
            ),
        ],
    },
    "cibles": {
        "title": "Cibles des feuilles de route et statut calculé",
        "description": "Une ligne par indicateur et territoire doté d'une cible : valeur de référence, cible, "
        "échéance et statut, jamais saisi à la main mais calculé par cette règle, dont la première "
        f"condition remplie donne le statut : {RULE_IN_ONE_LINE}. {completeness.STATUS_RULE_NOTE}",
        "primaryKey": ["code_indicateur", "niveau_territoire", "code_territoire"],
        "fields": [
            _field(
                "code_indicateur",
                "Code de l'indicateur",
                "Code de l'indicateur.",
                "string",
                "MES_ACTIVATION",
                True,
                pattern="^[A-Z0-9_]+$",
            ),
            *TERRITORY_FIELDS,
            _field(
                "valeur_reference",
                "Valeur de référence",
                "Valeur de départ de la trajectoire, si elle est fixée.",
                "number",
                "12.5",
            ),
            _field(
                "mois_reference",
                "Mois de référence",
                "Mois de la valeur de référence, au format AAAA-MM.",
                "string",
                "2025-01",
                pattern=MONTH,
            ),
            _field("cible", "Cible", "Valeur à atteindre à l'échéance.", "number", "30"),
            _field(
                "echeance",
                "Échéance",
                "Mois de l'échéance, au format AAAA-MM.",
                "string",
                "2026-12",
                pattern=MONTH,
            ),
            _field(
                "statut",
                "Statut",
                "Statut calculé : atteint, en bonne voie, à surveiller, hors trajectoire, données insuffisantes, données anciennes ; vide si sans objet.",
                "string",
                "en bonne voie",
            ),
            _field(
                "motif_statut",
                "Motif du statut",
                "Explication du statut calculé.",
                "string",
                "prévision au-dessus de la trajectoire",
            ),
            _field(
                "evalue_le",
                "Évaluée le",
                "Date et heure (UTC) du dernier calcul du statut.",
                "datetime",
                "2026-11-26T22:35:48Z",
            ),
        ],
    },
}


def table_schema(name: str) -> dict:
    table = TABLES[name]
    return {
        "$schema": TABLE_SCHEMA,
        "name": f"cap-esante-{name}",
        "title": table["title"],
        "description": table["description"],
        "countryCode": "FR",
        "homepage": HOMEPAGE,
        "path": f"schema-{name}.json",
        "version": VERSION,
        "created": "2026-11-27",
        "lastModified": "2026-11-27",
        "keywords": ["santé", "numérique en santé", "e-santé", "indicateurs", "territoires"],
        "contributors": CONTRIBUTORS,
        "licenses": [LICENCE],
        "missingValues": [""],
        "fields": table["fields"],
        "primaryKey": table["primaryKey"],
    }


def _utc(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value):
    return "" if value is None else repr(float(value))


def value_rows():
    """The values in force, one tuple per row, in the schema's column order."""
    units = dict(Indicator.objects.values_list("code", "unit"))
    runs = {}

    for run in ComputationRun.objects.select_related("trigger"):
        origin = f"calcul n° {run.pk}"
        if run.trigger_id:
            origin += f", import n° {run.trigger_id} ({run.trigger.source})"
        runs[run.pk] = origin
    # Figures short of communes (decision 0043), said on their row as the indicator's page does.
    partial = completeness.partial_figures()
    values = (
        IndicatorValue.objects.filter(is_current=True)
        .months_ended()
        .order_by("indicator__code", "territory__level", "territory__code", "period")
        .values_list(
            "indicator_id",
            "territory_id",
            "indicator__code",
            "territory__level",
            "territory__code",
            "territory__name",
            "period",
            "numerator",
            "denominator",
            "value",
            "version",
            "created_at",
            "run_id",
            "manual_entry_id",
        )
    )
    # Figures about a few named establishments are open at département and région level only.
    protected = {i.code for i in Indicator.objects.all() if disclosure.protects_establishments(i)}
    for (
        indicator_id,
        territory_id,
        code,
        level,
        tcode,
        tname,
        period,
        num,
        den,
        value,
        version,
        created,
        run_id,
        manual,
    ) in values.iterator(chunk_size=20_000):
        if code in protected and level not in disclosure.PUBLIC_LEVELS:
            continue
        origin = f"saisie manuelle validée n° {manual}" if manual else runs.get(run_id, "recalcul")
        missing = None if manual else partial.get((indicator_id, territory_id, period))
        yield (
            code,
            level,
            tcode,
            tname,
            period,
            num,
            den,
            value,
            units.get(code, ""),
            version,
            created,
            origin,
            missing.sentence(named=code not in protected) if missing else "",
        )


def indicator_rows():
    for i in Indicator.objects.order_by("code"):
        yield (
            i.code,
            i.name,
            i.description,
            i.unit,
            i.polarity,
            ", ".join(i.sources),
            i.periodicity,
            i.definition_version,
            i.doc,
        )


def target_rows():
    targets = Target.objects.select_related("indicator", "territory").order_by(
        "indicator__code", "territory__level", "territory__code"
    )
    for t in targets:
        yield (
            t.indicator.code,
            t.territory.level,
            t.territory.code,
            t.territory.name,
            t.baseline_value,
            t.baseline_period,
            t.target_value,
            t.deadline,
            STATUS_LABELS.get(t.status, t.status),
            t.status_reason,
            t.assessed_at,
        )


def _csv_cell(field: dict, value) -> str:
    if value is None:
        return ""
    if field["type"] == "number":
        return _number(value)
    if field["type"] == "datetime":
        return _utc(value)
    # Open data too: citizens open these files in a spreadsheet, and free texts (names of
    # groupings, reasons) come from users. Only a text that a spreadsheet would run as a formula
    # changes (FORMULA_NOTE); codes, numbers and dates never start that way.
    return csv_cell(str(value))


def _write_csv(path: Path, name: str, rows) -> int:
    fields = TABLES[name]["fields"]
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=",", lineterminator="\n")
        writer.writerow([f["name"] for f in fields])
        for row in rows:
            writer.writerow([_csv_cell(f, v) for f, v in zip(fields, row, strict=True)])
            count += 1
    return count


ARROW_TYPES = {
    "string": pa.string(),
    "number": pa.float64(),
    "integer": pa.int64(),
    "datetime": pa.timestamp("s", tz="UTC"),
}


def _write_parquet(csv_path: Path, parquet_path: Path, name: str) -> None:
    """The same table as the CSV, typed: read back from the CSV so both carry the same rows."""

    fields = TABLES[name]["fields"]
    table = pacsv.read_csv(
        csv_path,
        convert_options=pacsv.ConvertOptions(
            column_types={f["name"]: ARROW_TYPES[f["type"]] for f in fields},
            strings_can_be_null=False,
            null_values=[""],
            timestamp_parsers=[pacsv.ISO8601],
        ),
    )
    pq.write_table(table, parquet_path, compression="zstd")


def datapackage(counts: dict[str, int], generated: dt.datetime) -> dict:
    resources = []
    for name in TABLES:
        resources.append(
            {
                "name": name,
                "title": TABLES[name]["title"],
                "description": TABLES[name]["description"],
                "path": f"{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True},
                "schema": f"schema-{name}.json",
                "capsante:rows": counts[name],
            }
        )
    return {
        "name": "cap-esante-indicateurs-numerique-sante",
        "title": "Indicateurs du numérique en santé par territoire (Cap e-santé)",
        "description": "Indicateurs des feuilles de route territoriales du numérique en santé "
        "(Mon espace santé, DMP, INS, messageries sécurisées, télésanté, cybersécurité…), calculés "
        "par territoire (région, département, EPCI, commune) et par mois, avec leur catalogue et les "
        "cibles des feuilles de route. Territoires : code officiel géographique de l'INSEE. "
        + FORMULA_NOTE,
        "version": VERSION,
        "created": _utc(generated),
        "homepage": HOMEPAGE,
        "countryCode": "FR",
        "keywords": ["santé", "numérique en santé", "e-santé", "indicateurs", "territoires"],
        "licenses": [LICENCE],
        "contributors": CONTRIBUTORS,
        "sources": [
            {"title": "Assurance Maladie (tables agrégées Mon espace santé, DMP, télésanté)"},
            {"title": "FINESS (Etalab), Annuaire Santé (RPPS, MSSanté)"},
            {"title": "INSEE, code officiel géographique et populations municipales"},
        ],
        "resources": resources,
        # The Parquet copy is a second distribution of « valeurs », not a resource: frictionless
        # reads Parquet through pandas, which turns missing numbers into NaN and fails them
        # against their constraints. Same columns (schema-valeurs.json), same rows.
        "capsante:distributions": [
            {
                "resource": "valeurs",
                "path": "valeurs.parquet",
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "schema": "schema-valeurs.json",
            }
        ],
    }


def export(directory: Path, now: dt.datetime | None = None) -> dict[str, int]:
    """Write the data package into `directory`; returns the row count of each table."""
    now = now or timezone.now()
    directory.mkdir(parents=True, exist_ok=True)
    counts = {
        "valeurs": _write_csv(directory / "valeurs.csv", "valeurs", value_rows()),
        "indicateurs": _write_csv(directory / "indicateurs.csv", "indicateurs", indicator_rows()),
        "cibles": _write_csv(directory / "cibles.csv", "cibles", target_rows()),
    }
    _write_parquet(directory / "valeurs.csv", directory / "valeurs.parquet", "valeurs")
    for name in TABLES:
        (directory / f"schema-{name}.json").write_text(
            json.dumps(table_schema(name), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    (directory / "datapackage.json").write_text(
        json.dumps(datapackage(counts, now), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return counts


FILES = [
    ("datapackage.json", "Description du jeu de données (Data Package)"),
    ("valeurs.csv", "Valeurs des indicateurs (CSV)"),
    (
        "valeurs.parquet",
        "Valeurs des indicateurs (Parquet, mêmes colonnes et mêmes lignes que valeurs.csv)",
    ),
    ("indicateurs.csv", "Catalogue des indicateurs (CSV)"),
    ("cibles.csv", "Cibles et statuts (CSV)"),
    ("schema-valeurs.json", "Schéma des valeurs (Table Schema)"),
    ("schema-indicateurs.json", "Schéma du catalogue (Table Schema)"),
    ("schema-cibles.json", "Schéma des cibles (Table Schema)"),
    ("cap-esante-donnees-ouvertes.zip", "Tout le jeu de données (ZIP)"),
]


def fingerprint() -> str:
    """Changes whenever a value, a target or the catalogue changes: names the cached export."""
    parts = [
        IndicatorValue.objects.aggregate(m=Max("pk"))["m"],
        IndicatorValue.objects.filter(is_current=True).count(),
        Target.objects.aggregate(m=Max("assessed_at"))["m"],
        Target.history.aggregate(m=Max("history_id"))["m"],
        Indicator.objects.aggregate(m=Max("definition_version"))["m"],
        Indicator.objects.count(),
        # A new month publishes the month just ended of what is counted month by month.
        current_month(),
        VERSION,
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def cached_export() -> Path:
    """The current export on disk, made once per state of the store (downloads are public and
    must not recompute 100 000 rows on every click)."""
    root = Path(settings.DATA_DIR) / "opendata"
    target = root / fingerprint()
    if (target / "datapackage.json").exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    export(work)
    with zipfile.ZipFile(
        work / "cap-esante-donnees-ouvertes.zip", "w", zipfile.ZIP_DEFLATED
    ) as archive:
        for name, _ in FILES[:-1]:
            archive.write(work / name, name)
    try:
        work.rename(target)
    except OSError:  # another request made it meanwhile
        shutil.rmtree(work, ignore_errors=True)
    for old in root.iterdir():
        if old.is_dir() and old.name != target.name and not old.name.startswith(".tmp-"):
            shutil.rmtree(old, ignore_errors=True)
    return target
