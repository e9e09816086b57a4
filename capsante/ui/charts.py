"""Charts drawn server-side as SVG: time series with target, trajectory and forecast band,
sparklines, bars, choropleth classes. No JavaScript library, nothing fetched at run time, and
every chart is shown beside a table holding the same numbers."""

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from capsante.french import of

from . import formats

# DSFR "illustrative" colours that keep a 3:1 contrast on white for lines and marks.
BLUE = "#000091"
ORANGE = "#b34000"
GREEN = "#18753c"
GREY = "#666666"
# The enclosing territories' lines (département, région), told apart by colour and dashes.
COMPARISON_STYLES = [("#a558a0", "8 3"), ("#716043", "2 3")]
# Sequential scale (light → dark blue) for maps, with the bucket boundaries shown in the legend.
SCALE = ["#e3e3fd", "#cacafb", "#8585f6", "#6a6af4", "#000091"]
# A card's small line shows the last two years: older months would flatten the recent change.
SPARK_MONTHS = 24


def _index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


@dataclass(frozen=True)
class Line:
    """An enclosing territory's line (département, région) beside the observed one."""

    name: str
    points: list[tuple[str, float]]
    # Its months short of communes (decision 0043), marked as the observed line's are.
    partial: frozenset[str] = frozenset()


@dataclass
class SeriesChart:
    width: int = 720
    height: int = 300
    margin: tuple[int, int, int, int] = (20, 20, 40, 56)  # top, right, bottom, left
    observed: list[tuple[str, float]] = field(default_factory=list)
    trajectory: list[tuple[str, float]] = field(default_factory=list)
    forecast: list[tuple[str, float, float, float]] = field(
        default_factory=list
    )  # period, value, low, high
    target: tuple[str, float] | None = None
    # The same figure for enclosing territories, a second line for each.
    comparisons: list[Line] = field(default_factory=list)
    # Observed months short of communes (decision 0043): drawn on the line as an open circle,
    # so that a drop that is only a commune's absence does not read as a fall.
    partial: set[str] = field(default_factory=set)
    # The axis's highest possible value (100 for a share): the axis stops there rather than on
    # the tick above, when nothing drawn passes it (a share read on an axis up to 125).
    ceiling: float | None = None

    def _bounds(self) -> tuple[int, int, float, float]:
        periods = (
            [p for p, _ in self.observed]
            + [p for p, _ in self.trajectory]
            + [f[0] for f in self.forecast]
        )
        if self.target:
            periods.append(self.target[0])
        periods += [p for line in self.comparisons for p, _ in line.points]
        values = [v for _, v in self.observed] + [v for _, v in self.trajectory]
        values += [v for line in self.comparisons for _, v in line.points]
        values += [x for f in self.forecast for x in f[1:]]
        if self.target:
            values.append(self.target[1])
        xs = [_index(p) for p in periods] or [0, 1]
        low, high = min(values + [0.0]), max(values + [1.0])
        return min(xs), max(max(xs), min(xs) + 1), low, high * 1.05

    def render(self) -> dict:
        top, right, bottom, left = self.margin
        x0, x1, y0, highest = self._bounds()
        # The axis ends on a labelled tick at or above the highest value (91 % under a last
        # label of 80 read as off the scale).
        y1 = _nice_top(y0, highest)
        if self.ceiling is not None and highest <= self.ceiling * 1.05:  # nothing above it
            y1 = min(y1, self.ceiling)
        plot_w, plot_h = self.width - left - right, self.height - top - bottom

        def x(period: str) -> float:
            return left + (_index(period) - x0) / (x1 - x0) * plot_w

        def y(value: float) -> float:
            return top + plot_h - (value - y0) / ((y1 - y0) or 1) * plot_h

        def line(points: Sequence[tuple[str, float]]) -> str:
            return " ".join(
                f"{'M' if i == 0 else 'L'}{x(p):.1f},{y(v):.1f}" for i, (p, v) in enumerate(points)
            )

        def lone(points: Sequence[tuple[str, float]]) -> list:
            return (
                [(round(x(p), 1), round(y(v), 1), p) for p, v in points] if len(points) == 1 else []
            )

        def marked(points: Sequence[tuple[str, float]], months: Collection[str]) -> list:
            return [(round(x(p), 1), round(y(v), 1), p) for p, v in points if p in months]

        band = ""
        if self.forecast:
            upper = [(f[0], f[3]) for f in self.forecast]
            lower = [(f[0], f[2]) for f in reversed(self.forecast)]
            band = line(upper) + " " + " ".join(f"L{x(p):.1f},{y(v):.1f}" for p, v in lower) + " Z"
        ticks = _nice_ticks(y0, y1)
        years = sorted(
            {p[:4] for p, _ in self.observed}
            | ({self.target[0][:4]} if self.target else set())
            | {p[:4] for line in self.comparisons for p, _ in line.points}
        )
        return {
            "width": self.width,
            "height": self.height,
            "observed": line(self.observed),
            # A line of one month has no length: its month is drawn as a dot.
            "dots": lone(self.observed),
            "points": [(round(x(p), 1), round(y(v), 1), p, v) for p, v in self.observed],
            "partial_points": marked(self.observed, self.partial),
            # Whether any line has a month marked: the legend then says what the mark is.
            "any_partial": any(p in self.partial for p, _ in self.observed)
            or any(p in c.partial for c in self.comparisons for p, _ in c.points),
            "trajectory": line(self.trajectory),
            "forecast": line([(f[0], f[1]) for f in self.forecast]),
            "band": band,
            "target": (round(x(self.target[0]), 1), round(y(self.target[1]), 1))
            if self.target
            else None,
            "y_ticks": [(round(y(t), 1), t) for t in ticks],
            "x_ticks": [
                (round(x(f"{year}-01"), 1), year)
                for year in years
                if x0 <= _index(f"{year}-01") <= x1
            ]
            # A span without a January (one month, a few): its first month's year under it.
            or [(round(x(p), 1), p[:4]) for p, _ in self.observed[:1]],
            "plot": {"left": left, "top": top, "right": self.width - right, "bottom": top + plot_h},
            "colors": {"observed": BLUE, "trajectory": GREY, "forecast": ORANGE, "target": GREEN},
            "comparisons": [
                {
                    "name": compared.name,
                    "path": line(compared.points),
                    "dots": lone(compared.points),
                    "colour": colour,
                    "dash": dash,
                    "partial_points": marked(compared.points, compared.partial),
                }
                for compared, (colour, dash) in zip(
                    self.comparisons, COMPARISON_STYLES, strict=False
                )
                if compared.points
            ],
        }


def _tick_step(low: float, high: float, count: int = 5) -> float:
    raw = ((high - low) or 1.0) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _nice_top(low: float, high: float) -> float:
    """`high` raised to the next tick of the axis from `low` to `high`."""
    step = _tick_step(low, high)
    return math.ceil(round(high / step, 9)) * step


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = _tick_step(low, high, count)
    start = (low // step) * step
    ticks, tick = [], start
    while tick <= high + 1e-9:
        if tick >= low - 1e-9:
            ticks.append(round(tick, 6))
        tick += step
    return ticks


def sparkline(
    values: Sequence[float],
    width: int = 120,
    height: int = 32,
    months: Sequence[str] | None = None,
) -> str:
    """The path of a small line chart (no axes), for cards: its lowest value along the bottom,
    its highest along the top; a series that never moves across the middle, where a line along
    the bottom would read as zero. With `months` (each value's « 2026-10 »), each point stands
    at its month, so that months without a value leave their gap rather than being closed up."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    if months is not None:
        first, last = _index(months[0]), _index(months[-1])
        places = [(_index(m) - first) / ((last - first) or 1) * width for m in months]
    else:
        places = [i * width / (len(values) - 1) for i in range(len(values))]

    def y(value: float) -> float:
        if high == low:
            return height / 2
        return height - 2 - (value - low) / (high - low) * (height - 4)

    return " ".join(
        f"{'M' if i == 0 else 'L'}{x:.1f},{y(v):.1f}"
        for i, (x, v) in enumerate(zip(places, values, strict=True))
    )


def spark_points(series: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """The months a card's small line draws: the last `SPARK_MONTHS` of the series."""
    return list(series[-SPARK_MONTHS:])


def spark_path(series: Sequence[tuple[str, float]], width: int = 120, height: int = 32) -> str:
    """A card's small line of (month, value) `series`: its last months, each at its month."""
    points = spark_points(series)
    return sparkline([v for _, v in points], width, height, months=[p for p, _ in points])


def spark_label(series: Sequence[tuple[str, float]], label_of: Callable[[float], str]) -> str:
    """What the small line shows, said for those who do not see it: the months it covers and
    its first and last values (`label_of` writes a value with its unit)."""
    points = spark_points(series)
    if len(points) < 2:
        return ""
    (first_month, first), (last_month, last) = points[0], points[-1]
    months = f"{of(formats.month(first_month))} à {formats.month(last_month)}"
    if min(v for _, v in points) == max(v for _, v in points):
        return f"Évolution {months} : stable à {label_of(last)}"
    return f"Évolution {months} : de {label_of(first)} à {label_of(last)}"


def classes(
    values: Sequence[float | None], buckets: int = len(SCALE)
) -> tuple[list[int | None], dict[int, tuple[float, float]]]:
    """Classes for a choropleth: each value's class as its colour's index in `SCALE`, and each
    class's bounds by that index, from light to dark.

    As many distinct values as colours or fewer: a class each (0 % and 100 %, two classes, not
    one). More: quantile classes, cut among the distinct values when ties would merge classes
    (11 communes at 0 %, 70 at 100 % and a few between drew every commune in one colour:
    review of 7 December). Fewer classes than colours take colours spread over the scale, so
    that two classes stay told apart."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return [None for _ in values], {}
    distinct = sorted(set(known))
    if len(distinct) <= buckets:
        edges = [(v, v) for v in distinct]
        rank = {v: i for i, v in enumerate(distinct)}

        def position(value: float) -> int:
            return rank[value]

    else:
        cuts = _quantile_cuts(known, buckets)
        if len(cuts) < buckets - 1:
            cuts = _quantile_cuts(distinct, buckets)
        edges, low = [], known[0]
        for cut in [*cuts, known[-1]]:
            edges.append((low, cut))
            low = cut

        def position(value: float) -> int:
            return next((i for i, cut in enumerate(cuts) if value <= cut), len(cuts))

    colours = _spread(len(edges), buckets)
    return (
        [None if v is None else colours[position(v)] for v in values],
        {colours[i]: edge for i, edge in enumerate(edges)},
    )


def _quantile_cuts(ordered: Sequence[float], buckets: int) -> list[float]:
    """The distinct values below the largest at which `ordered` is cut into `buckets` parts."""
    count = len(ordered)
    found = {ordered[min(count - 1, int(count * (i + 1) / buckets))] for i in range(buckets - 1)}
    return sorted(c for c in found if c < ordered[-1])


def _spread(classes: int, colours: int) -> list[int]:
    """`classes` colour indices spread from the lightest to the darkest of `colours`; one class
    takes the middle one."""
    if classes == 1:
        return [colours // 2]
    return [round(j * (colours - 1) / (classes - 1)) for j in range(classes)]
