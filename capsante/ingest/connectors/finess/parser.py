"""FINESS Etalab extract (``etalab-cs1100507-stock-….csv``) → ``structures``.

`;`-separated, no header, Latin-1. Line 1 may be the marker ``finess;etalab;<n>;<date>``; then
``structureet`` records (32 fields, the last one ``numuai`` usually empty) and ``geolocalisation``
records (6 fields). Fields are taken by position, as documented in the Etalab notice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable
from contextlib import closing
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ... import contract
from ...parsing import (
    BlockReader,
    ErrorCollector,
    ParseResult,
    RowError,
    SourceInput,
    display_name,
    finish,
    open_source,
    shown,
)
from ...tabular import LINE, Batch, FieldSpec, Reporter, report_duplicates, validate
from . import geo
from .categories import category_group
from .plus import looks_like_finess_plus, parse_finess_plus

STRUCTURE_FIELDS = (
    "structureet", "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib",
    "numvoie", "typvoie", "voie", "compvoie", "lieuditbp", "commune", "departement",
    "libdepartement", "ligneacheminement", "telephone", "telecopie", "categetab", "libcategetab",
    "categagretab", "libcategagretab", "siret", "codeape", "codemft", "libmft", "codesph",
    "libsph", "dateouv", "dateautor", "datemaj", "numuai",
)  # fmt: skip
GEO_FIELDS = ("geolocalisation", "nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj")
FINESS = r"[0-9][0-9A-Z][0-9]{7}"

SPECS = (
    FieldSpec("nofinesset", ("nofinesset",), required=True, upper=True, pattern=FINESS,
              pattern_hint="9 caractères", invalid_label="numéro FINESS invalide"),
    FieldSpec("nofinessej", ("nofinessej",), upper=True, pattern=FINESS,
              pattern_hint="9 caractères", invalid_label="numéro FINESS invalide"),
    FieldSpec("rs", ("rs",), max_length=120),
    FieldSpec("rslongue", ("rslongue",), max_length=200),
    FieldSpec("numvoie", ("numvoie",), max_length=20),
    FieldSpec("compvoie", ("compvoie",), max_length=20),
    FieldSpec("typvoie", ("typvoie",), max_length=20),
    FieldSpec("voie", ("voie",), max_length=200),
    FieldSpec("lieuditbp", ("lieuditbp",), max_length=200),
    FieldSpec("commune", ("commune",), required=True, pattern=r"[0-9]{3}",
              pattern_hint="3 chiffres", invalid_label="code commune invalide"),
    FieldSpec("departement", ("departement",), required=True, upper=True,
              pattern=r"[0-9]{2}|2A|2B|9[A-FJ]", invalid_label="code département invalide"),
    FieldSpec("ligneacheminement", ("ligneacheminement",), max_length=200),
    FieldSpec("telephone", ("telephone",), max_length=30),
    FieldSpec("telecopie", ("telecopie",), max_length=30),
    FieldSpec("categetab", ("categetab",), required=True, pattern=r"[0-9]{3}",
              pattern_hint="3 chiffres", invalid_label="code catégorie invalide"),
    FieldSpec("libcategetab", ("libcategetab",), max_length=200),
    FieldSpec("dateouv", ("dateouv",), kind="date"),
)  # fmt: skip
KEPT = tuple(spec.target for spec in SPECS)
_INDEX = {name: i for i, name in enumerate(STRUCTURE_FIELDS)}
_POSTCODE = re.compile(r"^\s*([0-9]{5})\b")


@dataclass
class GeoRecord:
    line: int
    x: str
    y: str
    source: str


@dataclass
class _Collected:
    values: dict[str, list[str]] = field(default_factory=lambda: {n: [] for n in KEPT})
    lines: list[int] = field(default_factory=list)
    geo: dict[str, GeoRecord] = field(default_factory=dict)
    # FINESS of structure lines refused for their shape: their geolocation is not an orphan.
    refused: set[str] = field(default_factory=set)
    records: int = 0
    extraction_date: str | None = None


class _Reader:
    """Sorts the records of the file by tag, checking their field counts."""

    def __init__(self, file: str, errors: ErrorCollector) -> None:
        self.file = file
        self.errors = errors
        self.out = _Collected()

    def feed(self, line: int, text: str) -> None:
        if not text.strip():
            return
        fields = text.split(";")
        tag = fields[0].strip().lower()
        if tag == "finess":
            self.out.extraction_date = fields[3].strip() if len(fields) > 3 else None
            return
        self.out.records += 1
        if tag == "structureet":
            self._structure(line, fields)
        elif tag == "geolocalisation":
            self._geolocation(line, fields)
        else:
            reason = f"type d'enregistrement inconnu : {shown(fields[0])} (attendu : structureet ou geolocalisation)"
            self.errors.add(RowError(self.file, line, None, reason))

    def _fields(self, line: int, fields: list[str], expected: int) -> list[str] | None:
        if len(fields) == expected + 1 and not fields[-1].strip():
            fields = fields[:-1]  # one more trailing ';' than documented
        if len(fields) < expected:
            reason = f"ligne tronquée : {len(fields)} champs au lieu de {expected}"
        elif len(fields) > expected:
            reason = f"nombre de champs incorrect : {len(fields)} champs au lieu de {expected}"
        else:
            return fields
        self.errors.add(RowError(self.file, line, None, reason))
        return None

    def _structure(self, line: int, raw: list[str]) -> None:
        fields = self._fields(line, raw, len(STRUCTURE_FIELDS))
        if fields is None:
            self.out.refused.add(raw[1].strip().upper() if len(raw) > 1 else "")
            return
        for name in KEPT:
            self.out.values[name].append(fields[_INDEX[name]])
        self.out.lines.append(line)

    def _geolocation(self, line: int, raw: list[str]) -> None:
        fields = self._fields(line, raw, len(GEO_FIELDS))
        if fields is None:
            return
        finess = fields[1].strip().upper()
        previous = self.out.geo.get(finess)
        if previous is not None:
            reason = (
                f"géolocalisation en double : {shown(finess)} (déjà présente ligne {previous.line})"
            )
            self.errors.add(RowError(self.file, line, "nofinesset", reason))
            return
        self.out.geo[finess] = GeoRecord(line, fields[2].strip(), fields[3].strip(), fields[4])


def _read_records(source: SourceInput, file: str, errors: ErrorCollector) -> tuple[_Collected, str]:
    reader = _Reader(file, errors)
    with closing(open_source(source, file)) as stream:
        blocks = BlockReader(stream, file, errors)
        for block in blocks:
            texts = block.data.decode("utf-8").split("\n")
            if texts and texts[-1] == "":
                texts.pop()
            for offset, text in enumerate(texts):
                reader.feed(block.first_line + offset, text.rstrip("\r"))
    return reader.out, blocks.encoding


# --------------------------------------------------------------------------- derived columns


def _address(row: dict[str, str | None]) -> str | None:
    number = "".join(part for part in (row["numvoie"], row["compvoie"]) if part)
    street = " ".join(part for part in (number, row["typvoie"], row["voie"]) if part)
    parts = [part for part in (street, row["lieuditbp"]) if part]
    return ", ".join(parts) or None


def _derive(typed: pa.Table) -> dict[str, list[object]]:
    """Contract columns computed row by row (≈100 000 rows nationally: cheap)."""
    out: dict[str, list[object]] = {
        k: []
        for k in ("commune_code", "departement_code", "postal_code", "address", "category_group")
    }
    for row in typed.select([*KEPT]).to_pylist():
        match = _POSTCODE.match(row["ligneacheminement"] or "")
        postal = match.group(1) if match else None
        if row["departement"] and row["commune"]:
            commune, departement = geo.cog_codes(row["departement"], row["commune"], postal)
        else:
            commune, departement = None, None
        out["commune_code"].append(commune)
        out["departement_code"].append(departement)
        out["postal_code"].append(postal)
        out["address"].append(_address(row))
        out["category_group"].append(category_group(row["categetab"]))
    return out


def _coordinates(
    typed: pa.Table, collected: _Collected, file: str, errors: ErrorCollector
) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lat/lon for each structure row (NaN where not geolocated)."""
    finess = typed["nofinesset"].to_pylist()
    departements = typed["departement"].to_pylist()
    position = {code: i for i, code in enumerate(finess) if code}
    lat = np.full(len(finess), np.nan)
    lon = np.full(len(finess), np.nan)
    by_projection: dict[int, list[tuple[int, float, float, GeoRecord]]] = {}
    for code, record in collected.geo.items():
        index = position.get(code)
        if index is None and code in collected.refused:
            continue
        if index is None:
            reason = f"géolocalisation d'un établissement absent du fichier : {shown(code)}"
            errors.add(RowError(file, record.line, "nofinesset", reason))
            continue
        point = _point(record, departements[index] or "", file, errors)
        if point is not None:
            epsg, x, y = point
            by_projection.setdefault(epsg, []).append((index, x, y, record))
    for epsg, points in by_projection.items():
        _project(epsg, points, departements, lat, lon, file, errors)
    return lat, lon


def _point(
    record: GeoRecord, departement: str, file: str, errors: ErrorCollector
) -> tuple[int, float, float] | None:
    if not record.x and not record.y:
        return None
    try:
        x, y = float(record.x.replace(",", ".")), float(record.y.replace(",", "."))
    except ValueError:
        reason = f"coordonnées invalides : x={shown(record.x)}, y={shown(record.y)}"
        errors.add(RowError(file, record.line, "coordxet", reason))
        return None
    name = geo.projection_name(record.source, departement)
    if name not in geo.PROJECTIONS:
        reason = f"système de coordonnées inconnu : {shown(name)}"
        errors.add(RowError(file, record.line, "sourcecoordet", reason))
        return None
    return geo.PROJECTIONS[name], x, y


def _project(
    epsg: int,
    points: list[tuple[int, float, float, GeoRecord]],
    departements: list[str | None],
    lat: np.ndarray,
    lon: np.ndarray,
    file: str,
    errors: ErrorCollector,
) -> None:
    xs = np.array([p[1] for p in points])
    ys = np.array([p[2] for p in points])
    lons, lats = geo.to_wgs84(epsg, xs, ys)
    for (index, _, _, record), point_lon, point_lat in zip(points, lons, lats, strict=True):
        box = geo.box_for(departements[index] or "")
        inside = box.contains(np.array([point_lon]), np.array([point_lat]))[0]
        if not np.isfinite(point_lat) or not inside:
            reason = (
                f"coordonnées hors du département : x={shown(record.x)}, y={shown(record.y)} "
                "(X et Y inversés ?)"
            )
            errors.add(RowError(file, record.line, "coordxet", reason))
            continue
        lat[index], lon[index] = round(float(point_lat), 6), round(float(point_lon), 6)


def _check_known_communes(
    communes: list[object], lines: Iterable[int], known: Collection[str], reporter: Reporter
) -> None:
    known_set = set(known)
    mask = np.array([bool(c) and c not in known_set for c in communes], dtype=bool)
    reporter.lines = np.asarray(list(lines), dtype=np.int64)
    reporter.report(mask, "commune", lambda i: f"code commune inconnu : {shown(communes[i])}")


def _structures(
    typed: pa.Table, derived: dict[str, list[object]], lat: np.ndarray, lon: np.ndarray
) -> pa.Table:
    columns = {
        "finess_et": typed["nofinesset"],
        "finess_ej": typed["nofinessej"],
        "name": pc.coalesce(typed["rslongue"], typed["rs"]),
        "category_code": typed["categetab"],
        "category_label": typed["libcategetab"],
        "phone": typed["telephone"],
        "fax": typed["telecopie"],
        "lat": pa.array(lat, pa.float64(), from_pandas=True),
        "lon": pa.array(lon, pa.float64(), from_pandas=True),
        "opened_on": typed["dateouv"],
        **{name: pa.array(values, pa.string()) for name, values in derived.items()},
    }
    return contract.conform("structures", pa.table(columns))


MAX_JSON = 1 << 30


def _head(source: SourceInput, file: str) -> bytes:
    """The first bytes of the source, leaving a file-like source where it was."""
    if isinstance(source, bytes):
        return source[:64]
    if isinstance(source, str | os.PathLike):
        with closing(open_source(source, file)) as stream:
            return stream.read(64)
    position = source.tell()
    head = open_source(source, file).read(64)
    source.seek(position)
    return head


def _parse_json_flow(
    source: SourceInput, file: str, result: ParseResult, known: Collection[str] | None
) -> ParseResult:
    errors = ErrorCollector()
    with closing(open_source(source, file)) as stream:
        data = stream.read(MAX_JSON + 1)
    if len(data) > MAX_JSON:
        errors.add(RowError(file, None, None, "flux FINESS+ trop volumineux (plus de 1 Go)"))
        return finish(result, errors, {})
    result.encoding = "utf-8"
    return parse_finess_plus(data, file, result, errors, known)


def parse_finess(
    source: SourceInput,
    *,
    name: str | None = None,
    known_communes: Collection[str] | None = None,
) -> ParseResult:
    """Parse a FINESS establishments file into ``structures``: the Etalab CSV extract (or its
    ZIP), or the FINESS+ JSON flow that replaces it."""
    file = display_name(source, name)
    result = ParseResult("finess", file)
    errors = ErrorCollector()
    try:
        if looks_like_finess_plus(_head(source, file)):
            return _parse_json_flow(source, file, result, known_communes)
        collected, result.encoding = _read_records(source, file, errors)
    except RowError as exc:
        errors.add(exc)
        return finish(result, errors, {})
    result.rows_read = collected.records
    if collected.extraction_date:
        result.notes.append(f"extraction FINESS du {collected.extraction_date}")
    lines = np.asarray(collected.lines, dtype=np.int64)
    batch = Batch({k: pa.array(v, pa.string()) for k, v in collected.values.items()}, lines)
    reporter = Reporter(file, errors, lines)
    typed = validate(batch, SPECS, reporter)
    rejected = int(reporter.bad.sum())
    rejected += report_duplicates(
        typed.select(["nofinesset", LINE]), ["nofinesset"], file, errors,
        label="établissement (FINESS ET)", column="nofinesset",
    )  # fmt: skip
    derived = _derive(typed)
    if known_communes is not None:
        _check_known_communes(derived["commune_code"], lines, known_communes, reporter)
    lat, lon = _coordinates(typed, collected, file, errors)
    if errors:
        return finish(result, errors, {}, rows_rejected=rejected)
    structures = _structures(typed, derived, lat, lon)
    result.rows_kept = structures.num_rows
    return finish(result, errors, {"structures": structures})
