"""FINESS territory codes and coordinates: département codes 9A…→971…, projections → WGS84."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from pyproj import Transformer

# FINESS-specific overseas département codes → INSEE COG département (and COG commune prefix).
OVERSEAS = {
    "9A": "971",  # Guadeloupe (Saint-Barthélemy and Saint-Martin told apart by postcode)
    "9B": "972",
    "9C": "973",
    "9D": "974",
    "9E": "975",
    "9F": "976",
    "9J": "986",  # Wallis-et-Futuna
}
# Collectivités still filed under 9A in FINESS: postcode → (COG commune, COG département).
GUADELOUPE_SPLITS = {"97133": ("97701", "977"), "97150": ("97801", "978")}

# Projection named by the 7th token of ``sourcecoordet`` → EPSG code.
PROJECTIONS = {
    "LAMBERT_93": 2154,
    "UTM_N20": 32620,  # Antilles
    "UTM_N21": 32621,  # Saint-Pierre-et-Miquelon
    "UTM_N22": 32622,  # Guyane
    "UTM_S40": 32740,  # Réunion
    "UTM_S38": 32738,  # Mayotte
    "UTM_S01": 32701,  # Wallis-et-Futuna
}
# When the projection token is missing, the usual one for the département.
DEFAULT_PROJECTION = {
    "9A": "UTM_N20",
    "9B": "UTM_N20",
    "9C": "UTM_N22",
    "9D": "UTM_S40",
    "9E": "UTM_N21",
    "9F": "UTM_S38",
    "9J": "UTM_S01",
}


@dataclass(frozen=True)
class Box:
    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        inside: np.ndarray = (
            (lon >= self.lon_min)
            & (lon <= self.lon_max)
            & (lat >= self.lat_min)
            & (lat <= self.lat_max)
        )
        return inside


# Generous boxes: they catch swapped X/Y and wrong projections, not a misplaced street.
METROPOLE_BOX = Box(-5.8, 9.8, 41.2, 51.2)
BOXES = {
    "9A": Box(-63.3, -60.8, 15.7, 18.2),
    "9B": Box(-61.4, -60.6, 14.2, 15.0),
    "9C": Box(-54.8, -51.4, 2.0, 6.0),
    "9D": Box(55.1, 56.0, -21.5, -20.8),
    "9E": Box(-56.6, -55.9, 46.7, 47.2),
    "9F": Box(44.9, 45.4, -13.1, -12.5),
    "9J": Box(-178.5, -175.9, -14.6, -13.0),
}


def box_for(departement: str) -> Box:
    """The box of a FINESS département code (``72``, ``2A``, ``9D``…)."""
    return BOXES.get(departement, METROPOLE_BOX)


_FINESS_CODE_OF_COG = {cog: code for code, cog in OVERSEAS.items()} | {"977": "9A", "978": "9A"}


def box_for_cog(departement: str) -> Box:
    """The box of an INSEE COG département code (``72``, ``2A``, ``974``…)."""
    return box_for(_FINESS_CODE_OF_COG.get(departement, departement))


def cog_codes(departement: str, commune: str, postal_code: str | None) -> tuple[str, str]:
    """(COG commune, COG département) from the FINESS ``departement`` and ``commune`` fields."""
    if departement == "9A" and postal_code in GUADELOUPE_SPLITS:
        return GUADELOUPE_SPLITS[postal_code]
    if departement in OVERSEAS:
        cog_departement = OVERSEAS[departement]
        return cog_departement[:2] + commune, cog_departement
    return departement + commune, departement


def projection_name(source: str, departement: str) -> str | None:
    """The projection token of ``sourcecoordet`` (7th comma-separated), or the usual one."""
    tokens = source.split(",")
    token = tokens[6].strip().upper() if len(tokens) > 6 else ""
    if token:
        return token
    return DEFAULT_PROJECTION.get(departement, "LAMBERT_93")


@cache
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, 4326, always_xy=True)


def to_wgs84(epsg: int, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _transformer(epsg).transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
