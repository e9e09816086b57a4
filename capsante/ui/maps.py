"""Draw territories as an inline SVG map, server-side: no map library, no tile server."""

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

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
    parsed = [(s, json.loads(s.geometry)) for s in shapes if s.geometry]
    points = [pt for _, g in parsed for ring in _rings(g) for pt in ring]
    if not points:
        return {"shapes": [], "viewbox": "0 0 1 1", "width": width, "height": 1, "role": "img"}
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
    result = []
    for shape, geometry in parsed:
        simple = shapely.simplify(
            shapely.geometry.shape(geometry), tolerance, preserve_topology=True
        )
        geometry = shapely.geometry.mapping(simple)
        parts = []
        for ring in _rings(geometry):
            coords = " ".join(
                f"{(x - min_x) * kx * scale:.0f},{(max_y - y) * scale:.0f}" for x, y in ring
            )
            parts.append(f"M{coords}Z")
        result.append(
            SvgShape(
                shape.code,
                shape.name,
                "".join(parts),
                shape.url,
                shape.css_class,
                shape.title or shape.name,
            )
        )
    # A map whose shapes are links is a group of controls, not an image (axe: nested-interactive).
    role = "group" if any(s.url for s in result) else "img"
    return {
        "shapes": result,
        "viewbox": f"0 0 {width} {height}",
        "width": width,
        "height": height,
        "role": role,
    }
