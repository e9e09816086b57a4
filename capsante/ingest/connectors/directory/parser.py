"""Directory resources → ``directory_resources``, from four kinds of file:

- data·inclusion (structures and services): a JSON object ``{"structures": […], "services": […]}``
  or a ZIP holding ``structures.json`` and ``services.json``, each item checked against the
  standard's own models (the ``data-inclusion-schema`` package, published by its maintainers);
- LaMednum's digital-mediation places (CSV, the national standard, version 1.x);
- our CSV (the columns of ``formats.CSV_COLUMNS``, ``;`` or ``,`` separated);
- GeoJSON (a FeatureCollection of points whose properties are our fields).

Every file goes through the same checks afterwards (``check``): controlled lists, codes, dates,
opening hours in OpenStreetMap's format, web addresses. Errors name the line (the item's number
in a JSON list, the feature's in a GeoJSON file) and the field, in French; a file with any error
stages nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pydantic
from data_inclusion.schema import v1
from opening_hours import validate as valid_opening_hours

from ... import contract
from ...jsonlib import JSONDecodeError, loads
from ...parsing import (
    ErrorCollector,
    ParseResult,
    RowError,
    SourceInput,
    display_name,
    finish,
    shown,
)
from . import formats
from . import vocabulary as v

TABLE = "directory_resources"
ZONE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3}|\d{2}|2[AB]|97\d|\d{9}|99\d{3}|france)$")
POSTCODE = re.compile(r"^\d{5}$")
COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
URL = re.compile(r"^https?://[^\s]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SOURCE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,59}$")
MEDIATION_REQUIRED = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")

# pydantic's error types, in the words of the import report.
_PYDANTIC_REASONS = {
    "missing": "valeur manquante",
    "string_too_short": "texte trop court",
    "string_too_long": "texte trop long",
    "string_pattern_mismatch": "format invalide",
    "string_type": "texte attendu",
    "url_parsing": "adresse web invalide",
    "url_scheme": "adresse web invalide (http ou https attendu)",
    "url_type": "adresse web invalide",
    "value_error": "valeur invalide",
    "enum": "valeur inconnue",
    "literal_error": "valeur inconnue",
    "date_from_datetime_parsing": "date invalide (AAAA-MM-JJ attendu)",
    "date_parsing": "date invalide (AAAA-MM-JJ attendu)",
    "date_type": "date invalide (AAAA-MM-JJ attendu)",
    "float_parsing": "nombre invalide",
    "float_type": "nombre attendu",
    "list_type": "liste attendue",
    "set_type": "liste attendue",
    "too_short": "liste vide",
    "extra_forbidden": "champ inconnu",
    "union_tag_invalid": "valeur invalide",
}


class _Rows:
    """Resources read from a file, each with the line it came from, and the errors met."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors = ErrorCollector()
        self.items: list[tuple[int, dict]] = []
        self.read = 0

    def error(self, line: int | None, column: str | None, reason: str) -> None:
        self.errors.add(RowError(self.file, line, column, reason))


def _read_bytes(source: SourceInput) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    return source.read()  # type: ignore[union-attr]


def _text(data: bytes, rows: _Rows) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            rows.error(None, None, "encodage illisible (UTF-8 attendu)")
            return None


# ------------------------------------------------------------------------------ the checks


def _check(resource: dict, line: int, rows: _Rows, columns: dict[str, str], known_communes) -> bool:
    """Check one resource; report each problem under the file's own column name."""
    before = rows.errors.count

    def bad(field: str, reason: str) -> None:
        rows.error(line, columns.get(field, field), reason)

    name = resource["name"]
    if not 3 <= len(name) <= 150:
        bad("name", "le nom doit compter de 3 à 150 caractères")
    if not SOURCE.match(resource["source"] or ""):
        bad("source", f"identifiant de source invalide : « {shown(resource['source'])} » "
            "(lettres minuscules, chiffres, tirets)")  # fmt: skip
    if not resource["external_id"]:
        bad("external_id", "valeur manquante")
    if resource["kind"] not in v.KIND_BY_CODE:
        bad("kind", f"type inconnu : « {shown(resource['kind'])} » "
            f"(attendu : {', '.join(v.KIND_BY_CODE)})")  # fmt: skip
    for field, known in (
        ("services", v.NEED_BY_CODE),
        ("audiences", v.AUDIENCE_BY_CODE),
        ("specialties", v.SPECIALTY_BY_CODE),
    ):
        unknown = [code for code in resource[field] if code not in known]
        if unknown:
            bad(field, f"valeur inconnue : « {shown(unknown[0])} » (attendu : {', '.join(known)})")
    for code in resource["zone"]:
        if not ZONE_CODE.match(code):
            bad("zone", f"code géographique invalide : « {shown(code)} » (commune, département, "
                "EPCI ou « france »)")  # fmt: skip
    commune = resource["commune_code"]
    if commune and not COMMUNE.match(commune):
        bad("commune_code", f"code commune invalide : « {shown(commune)} »")
    elif commune and known_communes is not None and commune not in known_communes:
        bad("commune_code", f"commune inconnue : « {shown(commune)} »")
    if resource["postal_code"] and not POSTCODE.match(resource["postal_code"]):
        bad("postal_code", f"code postal invalide : « {shown(resource['postal_code'])} »")
    lat, lon = resource["latitude"], resource["longitude"]
    if (lat is None) != (lon is None):
        bad("latitude", "latitude et longitude vont ensemble")
    elif lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        bad("latitude", "coordonnées hors limites")
    hours = resource["opening_hours"]
    if hours and not valid_opening_hours(hours):
        bad("opening_hours", f"horaires illisibles : « {shown(hours)} » (format OpenStreetMap "
            "attendu, par exemple « Mo-Fr 09:00-12:00,14:00-17:00 »)")  # fmt: skip
    for field in ("website", "accessibility_url", "appointment_url"):
        if resource[field] and not URL.match(resource[field]):
            bad(field, f"adresse web invalide : « {shown(resource[field])} »")
    if resource["email"] and not EMAIL.match(resource["email"]):
        bad("email", f"adresse électronique invalide : « {shown(resource['email'])} »")
    verified = resource["verified_on"]
    if not isinstance(verified, dt.date):
        bad("verified_on", "date de vérification manquante ou invalide (AAAA-MM-JJ attendu)")
    elif verified > dt.date.today():
        bad("verified_on", "la date de vérification ne peut pas être dans le futur")
    if resource["specialties"] and "teleexpertise" not in resource["services"]:
        bad("specialties", "des spécialités ne vont qu’avec le besoin « teleexpertise »")
    return rows.errors.count == before


def _finish(
    result: ParseResult, rows: _Rows, columns: dict[str, str], known_communes
) -> ParseResult:
    seen: dict[tuple[str, str], int] = {}
    kept = []
    for line, resource in rows.items:
        if not _check(resource, line, rows, columns, known_communes):
            continue
        key = (resource["source"], resource["external_id"])
        if key in seen:
            rows.error(line, columns.get("external_id", "external_id"),
                       f"identifiant en double : « {shown(key[1])} » (déjà ligne {seen[key]})")  # fmt: skip
            continue
        seen[key] = line
        kept.append(resource)
    result.rows_read = rows.read
    result.rows_kept = len(kept)
    return finish(result, rows.errors, {TABLE: to_table(kept)} if kept else {})


def to_table(resources: Iterable[dict]) -> pa.Table:
    """The staged table of resources: lists joined with "|"."""
    columns: dict[str, list[Any]] = {field: [] for field in formats.RESOURCE_FIELDS}
    for resource in resources:
        for field in formats.RESOURCE_FIELDS:
            value = resource[field]
            if field in formats.LIST_FIELDS:
                value = formats.SEPARATOR.join(value)
            columns[field].append(value)
    return pa.table(columns, schema=contract.table(TABLE).schema)


def from_table(table: pa.Table) -> Iterator[dict]:
    """The resources of a staged table, lists split again."""
    for row in table.to_pylist():
        for field in formats.LIST_FIELDS:
            row[field] = [part for part in (row[field] or "").split(formats.SEPARATOR) if part]
        for field in formats.RESOURCE_FIELDS:
            if row[field] is None and field not in ("latitude", "longitude", "verified_on"):
                row[field] = ""
        yield row


# ------------------------------------------------------------------------------ data·inclusion


def _pydantic_errors(exc: pydantic.ValidationError, kind: str, number: int, rows: _Rows) -> None:
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"] if not isinstance(part, int)) or None
        reason = _PYDANTIC_REASONS.get(error["type"], "valeur invalide")
        message = str(error.get("msg", ""))
        if error["type"] == "value_error" and message.startswith("Value error, "):
            reason = message[len("Value error, ") :]  # the standard's own French message
        elif error["type"] in ("enum", "literal_error") and "expected" in error.get("ctx", {}):
            reason += f" (attendu : {error['ctx']['expected']})"
        value = error.get("input")
        if error["type"] != "missing" and isinstance(value, str | int | float):
            reason += f" : « {shown(value)} »"
        rows.error(number, f"{kind}.{field}" if field else kind, reason)


def _data_inclusion_lists(data: bytes, rows: _Rows) -> tuple[list, list] | None:
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = {Path(n).name: n for n in archive.namelist()}
            parts = {}
            for part in ("structures", "services"):
                member = names.get(f"{part}.json")
                if member is None:
                    rows.error(None, None, f"l’archive doit contenir {part}.json")
                    return None
                parts[part] = loads(archive.read(member))
        except (zipfile.BadZipFile, JSONDecodeError) as exc:
            rows.error(None, None, f"archive ou JSON illisible : {shown(exc)}")
            return None
    else:
        text = _text(data, rows)
        if text is None:
            return None
        try:
            parts = loads(text)
        except JSONDecodeError as exc:
            rows.error(exc.lineno, None, f"JSON illisible : {shown(exc.msg)}")
            return None
        if isinstance(parts, list):  # a structures file on its own
            parts = {"structures": parts, "services": []}
    if not isinstance(parts, dict) or not isinstance(parts.get("structures"), list):
        rows.error(None, None, 'un objet {"structures": […], "services": […]} est attendu')
        return None
    services = parts.get("services") or []
    if not isinstance(services, list):
        rows.error(None, "services", "une liste de services est attendue")
        return None
    return parts["structures"], services


def parse_data_inclusion(
    source: SourceInput, *, name: str | None = None, known_communes: set[str] | None = None
) -> ParseResult:
    """A data·inclusion file: every structure and service must validate against the standard."""
    file = display_name(source, name)
    result = ParseResult(connector="directory-data-inclusion", file=file, encoding="utf-8")
    rows = _Rows(file)
    lists = _data_inclusion_lists(_read_bytes(source), rows)
    if lists is None:
        return finish(result, rows.errors, {})
    structures, services = lists
    by_structure: dict[str, list[dict]] = {}
    for number, item in enumerate(services, start=1):
        try:
            service = v1.Service.model_validate(item).model_dump(mode="json")
        except pydantic.ValidationError as exc:
            _pydantic_errors(exc, "services", number, rows)
            continue
        by_structure.setdefault(service["structure_id"], []).append(service)
    known_ids = set()
    for number, item in enumerate(structures, start=1):
        rows.read += 1
        try:
            structure = v1.Structure.model_validate(item).model_dump(mode="json")
        except pydantic.ValidationError as exc:
            _pydantic_errors(exc, "structures", number, rows)
            continue
        known_ids.add(structure["id"])
        structure["date_maj"] = dt.date.fromisoformat(structure["date_maj"])
        resource = formats.from_data_inclusion(structure, by_structure.get(structure["id"], []))
        rows.items.append((number, resource))
    for structure_id in by_structure.keys() - known_ids:
        rows.error(None, "services.structure_id", f"service rattaché à une structure absente du "
                   f"fichier : « {shown(structure_id)} »")  # fmt: skip
    columns = {"name": "structures.nom", "external_id": "structures.id", "source": "structures.source",
               "kind": "structures.reseaux_porteurs", "services": "services.id",
               "commune_code": "structures.code_insee", "postal_code": "structures.code_postal",
               "opening_hours": "structures.horaires_accueil", "verified_on": "structures.date_maj",
               "zone": "services.zone_eligibilite", "email": "structures.courriel",
               "website": "structures.site_web", "accessibility_url": "structures.accessibilite_lieu",
               "appointment_url": "services.lien_mobilisation", "latitude": "structures.latitude",
               "audiences": "services.publics", "specialties": "services.id"}  # fmt: skip
    return _finish(result, rows, columns, known_communes)


# ------------------------------------------------------------------------------ CSV files


def _csv_rows(data: bytes, rows: _Rows) -> tuple[list[str], Iterator[tuple[int, dict]]] | None:
    text = _text(data, rows)
    if text is None:
        return None
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        rows.error(1, None, f"ligne d’en-tête illisible : {shown(exc)}")
        return None
    reader.fieldnames = header

    def lines() -> Iterator[tuple[int, dict]]:
        try:
            for record in reader:
                values = {k: val if isinstance(val, str) else "" for k, val in record.items() if k}
                if any(value.strip() for value in values.values()):
                    yield reader.line_num, values
        except csv.Error as exc:
            rows.error(reader.line_num, None, f"ligne illisible : {shown(exc)}")

    return header, lines()


def parse_mediation(
    source: SourceInput, *, name: str | None = None, known_communes: set[str] | None = None
) -> ParseResult:
    """LaMednum's digital-mediation places (CSV): the standard's required columns and formats."""
    file = display_name(source, name)
    result = ParseResult(connector="directory-mediation", file=file, encoding="utf-8")
    rows = _Rows(file)
    read = _csv_rows(_read_bytes(source), rows)
    if read is None:
        return finish(result, rows.errors, {})
    header, lines = read
    missing = [column for column in MEDIATION_REQUIRED if column not in header]
    if missing:
        rows.error(1, missing[0], "colonne obligatoire absente du standard des lieux de "
                   f"médiation numérique : {', '.join(missing)}")  # fmt: skip
        return finish(result, rows.errors, {})
    for line, record in lines:
        rows.read += 1
        empty = [c for c in MEDIATION_REQUIRED if not record.get(c, "").strip()]
        if empty:
            for column in empty:
                rows.error(line, column, "valeur manquante (champ obligatoire du standard)")
            continue
        if not re.match(r"^[a-zA-Z0-9]{9,14}$", record["pivot"].strip()):
            rows.error(
                line, "pivot", f"SIRET, RNA ou RIDET invalide : « {shown(record['pivot'])} »"
            )
            continue
        try:
            resource = formats.from_mediation(record)
        except ValueError as exc:
            rows.error(
                line,
                "date_maj" if "isoformat" in str(exc) else "latitude",
                f"valeur invalide : {shown(exc)}",
            )
            continue
        rows.items.append((line, resource))
    columns = {"name": "nom", "external_id": "id", "commune_code": "code_insee", "postal_code": "code_postal",
               "opening_hours": "horaires", "verified_on": "date_maj", "email": "courriels",
               "website": "site_web", "accessibility_url": "fiche_acces_libre",
               "appointment_url": "prise_rdv", "source": "source", "latitude": "latitude"}  # fmt: skip
    return _finish(result, rows, columns, known_communes)


def _resource_from_fields(
    values: dict[str, Any], line: int, rows: _Rows, column_of: Callable[[str], str]
) -> dict | None:
    """Our fields (CSV cells or GeoJSON properties) into a resource; None after an error."""
    resource = formats.empty_resource()
    ok = True
    for field in formats.RESOURCE_FIELDS:
        value = values.get(field)
        if field in formats.LIST_FIELDS:
            if isinstance(value, str):
                value = [part.strip() for part in value.split(formats.SEPARATOR) if part.strip()]
            resource[field] = [str(item) for item in value or []]
        elif field in formats.FLOAT_FIELDS:
            if value in (None, ""):
                resource[field] = None
            else:
                try:
                    resource[field] = float(str(value).replace(",", "."))
                except ValueError:
                    rows.error(line, column_of(field), f"nombre invalide : « {shown(value)} »")
                    ok = False
        elif field == "verified_on":
            try:
                resource[field] = dt.date.fromisoformat(str(value).strip()) if value else None
            except ValueError:
                resource[field] = "invalide"
        else:
            resource[field] = "" if value is None else str(value).strip()
    if not resource["departement_code"]:
        resource["departement_code"] = v.departement_of(resource["commune_code"])
    return resource if ok else None


def parse_csv(
    source: SourceInput, *, name: str | None = None, known_communes: set[str] | None = None
) -> ParseResult:
    """Our own CSV (what the directory exports): one line per resource."""
    file = display_name(source, name)
    result = ParseResult(connector="directory-csv", file=file, encoding="utf-8")
    rows = _Rows(file)
    read = _csv_rows(_read_bytes(source), rows)
    if read is None:
        return finish(result, rows.errors, {})
    header, lines = read
    required = ("source", "identifiant", "nom", "type", "date_verification")
    missing = [column for column in required if column not in header]
    if missing:
        rows.error(1, missing[0], f"colonne absente : {', '.join(missing)}")
        return finish(result, rows.errors, {})
    for line, record in lines:
        rows.read += 1
        values = {
            formats.FIELD_BY_CSV_COLUMN[c]: val
            for c, val in record.items()
            if c in formats.FIELD_BY_CSV_COLUMN
        }
        resource = _resource_from_fields(values, line, rows, lambda f: formats.CSV_COLUMNS[f])
        if resource is not None:
            rows.items.append((line, resource))
    return _finish(result, rows, dict(formats.CSV_COLUMNS), known_communes)


def parse_geojson(
    source: SourceInput, *, name: str | None = None, known_communes: set[str] | None = None
) -> ParseResult:
    """A GeoJSON FeatureCollection: each feature a resource, a point or no geometry."""
    file = display_name(source, name)
    result = ParseResult(connector="directory-geojson", file=file, encoding="utf-8")
    rows = _Rows(file)
    text = _text(_read_bytes(source), rows)
    if text is None:
        return finish(result, rows.errors, {})
    try:
        collection = loads(text)
    except JSONDecodeError as exc:
        rows.error(exc.lineno, None, f"JSON illisible : {shown(exc.msg)}")
        return finish(result, rows.errors, {})
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        rows.error(None, "type", "une FeatureCollection GeoJSON est attendue")
        return finish(result, rows.errors, {})
    for number, feature in enumerate(collection.get("features") or [], start=1):
        rows.read += 1
        properties = dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if geometry:
            coordinates = geometry.get("coordinates") if geometry.get("type") == "Point" else None
            if not (isinstance(coordinates, list) and len(coordinates) >= 2):
                rows.error(number, "geometry", "un point (longitude, latitude) est attendu")
                continue
            properties["longitude"], properties["latitude"] = coordinates[0], coordinates[1]
        resource = _resource_from_fields(properties, number, rows, lambda f: f"properties.{f}")
        if resource is not None:
            rows.items.append((number, resource))
    columns = {field: f"properties.{field}" for field in formats.RESOURCE_FIELDS}
    columns["latitude"] = "geometry"
    return _finish(result, rows, columns, known_communes)
