"""FINESS+ open-data JSON flow (``schema-structures-v1``) → ``structures``.

The new FINESS publishes one JSON document: ``pmej[]`` (legal entities) each holding ``ege[]``
(establishments). Only active establishments (``etatObjet`` = ``A``) are staged, as in the
Etalab extract. Coordinates are taken from ``directionLatitude``/``directionLongitude`` (WGS84);
the X/Y pair is known to be swapped in some files and is not used. JSON has no useful line
numbers once parsed: errors are located by a JSON path such as ``pmej[3].ege[0]``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from typing import Any

import numpy as np
import pyarrow as pa

from capsante.french import plural

from ... import contract, jsonlib
from ...parsing import ErrorCollector, ParseResult, RowError, finish, shown
from . import geo
from .categories import category_group

FINESS = re.compile(r"^[0-9][0-9A-Z][0-9]{7}$")
CATEGORY = re.compile(r"^[0-9]{3}$")
COMMUNE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
ACTIVE = "A"


class Problem(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def looks_like_finess_plus(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _text(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Problem(key, "texte attendu")
    return value.strip() or None


def _objects(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = obj.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Problem(key, "liste d'objets attendue")
    return value


def _departement(commune: str) -> str:
    return commune[:3] if commune.startswith(("97", "98")) else commune[:2]


def _address(addresses: list[dict[str, Any]]) -> dict[str, Any]:
    """The establishment's address: the geolocated one first."""
    located = [a for a in addresses if isinstance(a.get("coordonneesGeographique"), dict)]
    return (located or addresses or [{}])[0]


def _street(address: dict[str, Any]) -> str | None:
    line = _text(address, "ligneQuatre")
    if not line:
        parts = [_text(address, key) for key in ("numeroVoie", "typeVoie", "libelleVoie")]
        line = " ".join(part for part in parts if part) or None
    place = _text(address, "lieuDit")
    return ", ".join(part for part in (line, place) if part) or None


def _coordinates(address: dict[str, Any], departement: str) -> tuple[float | None, float | None]:
    point = address.get("coordonneesGeographique")
    if not isinstance(point, dict):
        return None, None
    lat_text, lon_text = _text(point, "directionLatitude"), _text(point, "directionLongitude")
    if not lat_text or not lon_text:
        return None, None
    try:
        lat, lon = float(lat_text.replace(",", ".")), float(lon_text.replace(",", "."))
    except ValueError:
        raise Problem("coordonneesGeographique", "coordonnées invalides") from None
    if not geo.box_for_cog(departement).contains(np.array([lon]), np.array([lat]))[0]:
        raise Problem(
            "coordonneesGeographique",
            f"coordonnées hors du département : lat={lat:g}, lon={lon:g}",
        )
    return round(lat, 6), round(lon, 6)


def _phones(contacts: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    phone = fax = None
    for contact in contacts:
        telecom = contact.get("telecom")
        if isinstance(telecom, dict):
            phone = phone or _text(telecom, "telephone")
            fax = fax or _text(telecom, "telecopie")
    return phone, fax


def structure_row(pmej: dict[str, Any], ege: dict[str, Any]) -> dict[str, Any]:
    """One ``structures`` row from an establishment and its legal entity."""
    general = ege.get("informationsGeneralesEGE")
    if not isinstance(general, dict):
        raise Problem("informationsGeneralesEGE", "valeur manquante")
    finess = _text(general, "numFinessEge")
    if not finess or not FINESS.match(finess):
        raise Problem(
            "informationsGeneralesEGE.numFinessEge", f"numéro FINESS invalide : {shown(finess)}"
        )
    category = _text(ege, "categorieentiteGeographiqueExercice")
    if not category or not CATEGORY.match(category):
        raise Problem(
            "categorieentiteGeographiqueExercice", f"code catégorie invalide : {shown(category)}"
        )
    address = _address(_objects(ege, "adresse"))
    commune = _text(address, "cogCommune")
    if not commune or not COMMUNE.match(commune):
        raise Problem("adresse.cogCommune", f"code commune invalide : {shown(commune)}")
    departement = _departement(commune)
    lat, lon = _coordinates(address, departement)
    phone, fax = _phones(_objects(ege, "contact"))
    opened = _text(general, "dateOuverture")
    legal = pmej.get("informationsGeneralesPMEJ")
    return {
        "finess_et": finess,
        "finess_ej": _text(legal, "numFinessPm") if isinstance(legal, dict) else None,
        "name": _text(general, "nomEgeLong") or _text(general, "nomEgeCourt"),
        "category_code": category,
        "category_label": None,  # the flow carries codes only (TRE-R397)
        "category_group": category_group(category),
        "commune_code": commune,
        "departement_code": departement,
        "address": _street(address),
        "postal_code": _text(address, "codePostal"),
        "phone": phone,
        "fax": fax,
        "lat": lat,
        "lon": lon,
        "opened_on": _date(opened),
    }


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise Problem(
            "informationsGeneralesEGE.dateOuverture", f"date invalide : {shown(text)}"
        ) from None


def parse_finess_plus(
    data: bytes,
    file: str,
    result: ParseResult,
    errors: ErrorCollector,
    known_communes: Collection[str] | None = None,
) -> ParseResult:
    try:
        document = jsonlib.loads(data)
    except jsonlib.JSONDecodeError as exc:
        errors.add(RowError(file, exc.lineno, None, "JSON FINESS+ invalide ou tronqué"))
        return finish(result, errors, {})
    if not isinstance(document, dict) or not isinstance(document.get("pmej"), list):
        errors.add(RowError(file, None, "pmej", "flux FINESS+ attendu (liste pmej absente)"))
        return finish(result, errors, {})
    rows = _rows(document["pmej"], file, errors, result, known_communes)
    if errors:
        return finish(result, errors, {})
    table = contract.conform(
        "structures", pa.Table.from_pylist(rows, schema=contract.table("structures").schema)
    )
    result.rows_kept = table.num_rows
    return finish(result, errors, {"structures": table})


def _rows(
    entities: list[Any],
    file: str,
    errors: ErrorCollector,
    result: ParseResult,
    known_communes: Collection[str] | None,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    inactive = 0
    for i, pmej in enumerate(entities):
        if not isinstance(pmej, dict):
            errors.add(RowError(file, None, f"pmej[{i}]", "objet attendu"))
            continue
        egeset = pmej.get("ege") or []
        for j, ege in enumerate(egeset if isinstance(egeset, list) else []):
            where = f"pmej[{i}].ege[{j}]"
            result.rows_read += 1
            if not isinstance(ege, dict):
                errors.add(RowError(file, None, where, "objet attendu"))
                continue
            if ege.get("etatObjet") != ACTIVE:
                inactive += 1
                continue
            try:
                row = structure_row(pmej, ege)
            except Problem as exc:
                errors.add(RowError(file, None, f"{where}.{exc.column}", exc.reason))
                continue
            if row["finess_et"] in seen:
                reason = f"établissement (FINESS ET) en double : {row['finess_et']} (déjà présent en {seen[row['finess_et']]})"
                errors.add(RowError(file, None, where, reason))
                continue
            if known_communes is not None and row["commune_code"] not in known_communes:
                errors.add(
                    RowError(
                        file,
                        None,
                        f"{where}.adresse.cogCommune",
                        f"code commune inconnu : {row['commune_code']}",
                    )
                )
                continue
            seen[row["finess_et"]] = where
            rows.append(row)
    if inactive:
        ignored = plural(
            inactive,
            "établissement inactif ou fermé ignoré",
            "établissements inactifs ou fermés ignorés",
        )
        result.notes.append(ignored)
    return rows
