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
