"""Groupings of a territory's indicators by what steers them, offered by the layers above.

roadmaps registers its objectives at start-up (RoadmapsConfig.ready). A grouping takes the
territory and the reader and returns (title, url, indicator codes) for each group, in order; the
dashboards (`dashboards.sections`) place the cards by them.

Registered by dotted path, imported when a dashboard first asks: this module imports nothing of
the dashboards or of the layer above, so that starting Django imports neither (nor DuckDB, the
maps and the forecasts they read with) — every command would wait for them
(bench/RESULTS.md, *Commands*).
"""

from collections.abc import Callable

from capsante.ui.hooks import Hooks

Grouping = Callable[[object, object], list[tuple[str, str, list[str]]]]
_GROUPINGS = Hooks("groupings of the dashboards")


def register_grouping(path: str) -> None:
    """`path`: the dotted path of a `Grouping`."""
    _GROUPINGS.register(path)


def registered() -> list[Grouping]:
    return _GROUPINGS.functions()
