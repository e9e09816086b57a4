"""The directory's map: an outline and numbered points in one Web Mercator frame."""

import json
import re

from capsante.ui.maps import MapPoint, MapShape, point_map

# A square of about 110 km around Le Mans, with a hole (holes are drawn too).
SQUARE = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [
            [[-0.7, 47.5], [0.9, 47.5], [0.9, 48.5], [-0.7, 48.5], [-0.7, 47.5]],
            [[0.0, 48.0], [0.1, 48.0], [0.1, 48.1], [0.0, 48.1], [0.0, 48.0]],
        ],
    }
)


def numbers(path: str) -> list[tuple[int, int]]:
    return [(int(x), int(y)) for x, y in re.findall(r"(-?\d+),(-?\d+)", path)]


def test_points_fall_inside_the_outline_where_they_are_on_the_ground():
    le_mans = MapPoint(0.1996, 48.0061, "Le Mans", number=1)
    north = MapPoint(0.0, 48.45, "Nord", number=2)
    drawn = point_map([MapShape("72", "Sarthe", SQUARE)], [le_mans, north], width=520)
    (shape,) = drawn["shapes"]
    assert shape.path.count("M") == 2  # the outline and its hole
    corners = numbers(shape.path)
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    inside_x = range(min(xs), max(xs) + 1)
    inside_y = range(min(ys), max(ys) + 1)
    placed = {p["label"]: p for p in drawn["points"]}
    for point in placed.values():
        assert int(point["x"]) in inside_x and int(point["y"]) in inside_y
    # North is up, and Le Mans lies right of the square's middle (0.2° east of 0.1°).
    assert placed["Nord"]["y"] < placed["Le Mans"]["y"]
    assert placed["Le Mans"]["x"] > (min(xs) + max(xs)) / 2
    # The same map again (an outline kept once per process) is drawn the same.
    assert point_map([MapShape("72", "Sarthe", SQUARE)], [le_mans, north], width=520) == drawn


def test_a_point_beyond_the_outline_widens_the_frame():
    far = MapPoint(2.35, 48.85, "Paris", number=1)
    drawn = point_map([MapShape("72", "Sarthe", SQUARE)], [far], width=520)
    (point,) = drawn["points"]
    width, height = (int(v) for v in drawn["viewbox"].split()[2:])
    assert 0 <= point["x"] <= width and 0 <= point["y"] <= height
    assert max(x for x, _ in numbers(drawn["shapes"][0].path)) < point["x"]


def _wavy_outline(points: int) -> str:
    """A closed ring of `points` points around Le Mans, its edge wavy at a scale far under a pixel
    of a 260-px map (0.0001°, about 10 m)."""
    import math

    ring = [
        [0.2 + 0.8 * math.cos(a) + 0.0001 * (i % 2), 48.0 + 0.5 * math.sin(a)]
        for i, a in enumerate(2 * math.pi * k / points for k in range(points))
    ]
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


def test_an_outline_of_fewer_points_than_pixels_is_drawn_as_it_is_and_a_finer_one_simplified():
    """A département's outline, simplified when France is loaded, has fewer points than the
    cover map has pixels across: drawn point for point. One of thousands of points loses what no
    pixel could show."""
    from capsante.ui.maps import svg_map

    coarse = svg_map([MapShape("72", "Sarthe", _wavy_outline(120))], width=260)
    assert len(numbers(coarse["shapes"][0].path)) == 121
    fine = svg_map([MapShape("72", "Sarthe", _wavy_outline(4000))], width=260)
    assert 3 < len(numbers(fine["shapes"][0].path)) < 400


def test_drawing_a_coarse_outline_imports_neither_geos_nor_numpy(tmp_path):
    """The roadmap document's cover map, in a command: 0.09 s of imports it does not need."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from capsante.ui.tests.test_maps import _wavy_outline\n"
        "from capsante.ui.maps import MapShape, svg_map\n"
        "svg_map([MapShape('72', 'Sarthe', _wavy_outline(120))], width=260)\n"
        "print(sorted({'shapely', 'numpy'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
