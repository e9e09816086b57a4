"""Draw territories as an inline SVG map, server-side: no map library, no tile server.

GEOS (shapely) and NumPy are imported where a shape is simplified or projected: a département's
or région's outline, already simplified when France's territories are loaded, draws as it is (the
roadmap document's cover map, in a command that would otherwise spend 0.09 s importing them)."""

from __future__ import annotations

import functools
import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import shapely


@dataclass
class MapShape:
    code: str
    name: str
    geometry: str  # GeoJSON text, WGS84 lon/lat
    url: str = ""
    css_class: str = ""
    title: str = ""


@dataclass
class SvgShape:
    code: str
    name: str
    path: str
    url: str
    css_class: str
    title: str


def _rings(geometry: dict) -> Iterable[list[list[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def svg_map(shapes: list[MapShape], width: int = 600) -> dict:
    """Project shapes into a shared viewBox (equirectangular, scaled by the mean latitude)."""
    drawable = [s for s in shapes if s.geometry]
    paths, height = _drawn([s.geometry for s in drawable], width)
    if not paths:
        return {"shapes": [], "viewbox": "0 0 1 1", "width": width, "height": 1, "role": "img"}
    result = [
        SvgShape(
            shape.code, shape.name, path, shape.url, shape.css_class, shape.title or shape.name
        )
        for shape, path in zip(drawable, paths, strict=True)
    ]
    # A map whose shapes are links is a group of controls, not an image (axe: nested-interactive).
    role = "group" if any(s.url for s in result) else "img"
    return {
        "shapes": result,
        "viewbox": f"0 0 {width} {height}",
        "width": width,
        "height": height,
        "role": role,
    }


# The paths of the maps drawn last, by their outlines and width: a département's communes are
# drawn again by every indicator's page, each of their outlines simplified to the pixel (GEOS)
# — the most of the Mayenne's INS page, 240 communes, where reading the drawing back costs a
# digest of its outlines (bench/RESULTS.md, 6 December, fourteenth session).
MAPS_KEPT = 32
_kept_maps: OrderedDict[bytes, tuple[list[str], int]] = OrderedDict()
_kept_maps_lock = threading.Lock()


def _drawn(geometries: list[str], width: int) -> tuple[list[str], int]:
    """Each outline's SVG path and the map's height, drawn once per process and kept."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(width).encode())
    for geometry in geometries:
        digest.update(b"\x00")
        digest.update(geometry.encode())
    key = digest.digest()
    with _kept_maps_lock:
        if key in _kept_maps:
            _kept_maps.move_to_end(key)
            return _kept_maps[key]
    drawn = _draw(geometries, width)
    with _kept_maps_lock:
        _kept_maps[key] = drawn
        while len(_kept_maps) > MAPS_KEPT:
            _kept_maps.popitem(last=False)
    return drawn


def _draw(geometries: list[str], width: int) -> tuple[list[str], int]:
    parsed = [json.loads(g) for g in geometries]
    points = [pt for g in parsed for ring in _rings(g) for pt in ring]
    if not points:
        return [], 1
    min_x = min(p[0] for p in points)
    max_x = max(p[0] for p in points)
    min_y = min(p[1] for p in points)
    max_y = max(p[1] for p in points)
    kx = math.cos(math.radians((min_y + max_y) / 2))
    span_x = max((max_x - min_x) * kx, 1e-9)
    span_y = max(max_y - min_y, 1e-9)
    scale = width / span_x
    height = int(span_y * scale) + 1
    # One pixel is the finest detail the map can show: drop everything below it.
    tolerance = span_x / kx / width
    # A map of no more points than it has pixels across (a département's or région's outline,
    # simplified when France's territories were loaded) is drawn as it is: simplifying it would
    # take GEOS's import for nothing the eye could see.
    coarse = len(points) <= width
    paths = []
    for geometry in parsed:
        if not coarse:
            geometry = _within_a_pixel(geometry, tolerance)
        parts = []
        for ring in _rings(geometry):
            coords = " ".join(
                f"{(x - min_x) * kx * scale:.0f},{(max_y - y) * scale:.0f}" for x, y in ring
            )
            parts.append(f"M{coords}Z")
        paths.append("".join(parts))
    return paths, height


def _within_a_pixel(geometry: dict, tolerance: float) -> dict:
    """The shape without the detail under one pixel (`tolerance`)."""
    import shapely  # lazy: see the module's docstring

    simple = shapely.simplify(shapely.geometry.shape(geometry), tolerance, preserve_topology=True)
    return shapely.geometry.mapping(simple)


@dataclass
class MapPoint:
    longitude: float
    latitude: float
    label: str  # what the point is, read by screen readers in the SVG's <title>
    number: int = 0  # shown in the point, the same number as in the list beside the map
    highlight: bool = False


def _mercator_y(latitude):
    """Web Mercator's y, in degrees (so that one unit of x and of y match at the equator), of a
    latitude or an array of them."""
    import numpy as np  # lazy: see the module's docstring

    return np.degrees(np.log(np.tan(np.pi / 4 + np.radians(latitude) / 2)))


def _mercator(latitude: float) -> float:
    return float(_mercator_y(latitude))


def _to_mercator(coords: np.ndarray) -> np.ndarray:
    projected = coords.copy()
    projected[:, 1] = _mercator_y(coords[:, 1])
    return projected


@functools.lru_cache(maxsize=64)
def _in_mercator(geometry: str) -> shapely.Geometry:
    """A GeoJSON outline in (longitude, Mercator y), read once per process: parsing a
    département's outline (thousands of points) cost more than the rest of a directory search."""
    import shapely  # lazy: see the module's docstring

    return shapely.transform(shapely.geometry.shape(json.loads(geometry)), _to_mercator)


@functools.lru_cache(maxsize=256)
def _simplified_rings(
    geometry: str, tolerance: float
) -> tuple[tuple[tuple[float, float], ...], ...]:
    import shapely  # lazy: see the module's docstring

    simple = shapely.simplify(_in_mercator(geometry), tolerance, preserve_topology=True)
    return tuple(
        tuple((x, y) for x, y in ring) for ring in _rings(shapely.geometry.mapping(simple))
    )


def point_map(
    shapes: list[MapShape], points: list[MapPoint], width: int = 600, tiles: str = ""
) -> dict:
    """Outlines and numbered points in Web Mercator, server-side; with `tiles` (an URL template
    with {z}, {x}, {y}) the tiles covering the map are laid under them, as plain <image>s: no
    script, and no outside service unless the operator configures one."""
    outlines = [(s, _in_mercator(s.geometry)) for s in shapes if s.geometry]
    xs = [x for _, g in outlines for x in (g.bounds[0], g.bounds[2])]
    ys = [y for _, g in outlines for y in (g.bounds[1], g.bounds[3])]
    xs += [p.longitude for p in points]
    ys += [_mercator(p.latitude) for p in points]
    if not xs:
        return {"shapes": [], "points": [], "tiles": [], "viewbox": "0 0 1 1", "width": width,
                "height": 1, "role": "img"}  # fmt: skip
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    margin = max(max_x - min_x, max_y - min_y, 0.01) * 0.03
    min_x, max_x, min_y, max_y = min_x - margin, max_x + margin, min_y - margin, max_y + margin
    scale = width / (max_x - min_x)
    height = int((max_y - min_y) * scale) + 1

    def to_pixels(x: float, y: float) -> tuple[float, float]:
        """A point already in (longitude, Mercator y) to the SVG's pixels."""
        return (x - min_x) * scale, (max_y - y) * scale

    # One pixel is the finest detail the map can show. The same outline at the same size (a
    # département's, for every search in it) is simplified once per process.
    tolerance = (max_x - min_x) / width
    drawn = []
    for shape, _ in outlines:
        parts = []
        for ring in _simplified_rings(shape.geometry, tolerance):
            xy = (to_pixels(x, y) for x, y in ring)
            parts.append("M" + " ".join(f"{x:.0f},{y:.0f}" for x, y in xy) + "Z")
        drawn.append(
            SvgShape(shape.code, shape.name, "".join(parts), shape.url, shape.css_class,
                     shape.title or shape.name)
        )  # fmt: skip
    placed = []
    for point in points:
        x, y = to_pixels(point.longitude, _mercator(point.latitude))
        placed.append({"x": round(x, 1), "y": round(y, 1), "label": point.label,
                       "number": point.number, "highlight": point.highlight})  # fmt: skip
    return {
        "shapes": drawn,
        "points": placed,
        "tiles": _tiles(tiles, min_x, max_x, min_y, max_y, scale) if tiles else [],
        "viewbox": f"0 0 {width} {height}",
        "width": width,
        "height": height,
        "role": "img",
    }


def _tiles(template: str, min_x, max_x, min_y, max_y, scale) -> list[dict]:
    """The slippy-map tiles covering the box, each placed in the map's coordinates."""
    zoom = max(0, min(18, round(math.log2(360 * scale / 256))))
    count = 2**zoom
    size = 360 / count  # a tile's width in degrees of longitude (and of Mercator y)

    def tile_x(lon: float) -> int:
        return int((lon + 180) / size)

    def tile_y(merc: float) -> int:
        return int((180 - merc) / size)

    placed = []
    for tx in range(tile_x(min_x), tile_x(max_x) + 1):
        for ty in range(tile_y(max_y), tile_y(min_y) + 1):
            if not (0 <= tx < count and 0 <= ty < count):
                continue
            left = tx * size - 180
            top = 180 - ty * size
            placed.append(
                {
                    "href": template.format(z=zoom, x=tx, y=ty),
                    "x": round((left - min_x) * scale, 1),
                    "y": round((max_y - top) * scale, 1),
                    "size": round(size * scale, 1) + 0.5,
                }
            )
    return placed
