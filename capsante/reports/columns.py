"""A list of headed items shared between two columns of about the same height, in reading order.

The PDF's layout engine can balance CSS columns itself, but WeasyPrint does it by laying the
block out again and again until the last column is not the tallest: a third of the roadmap
PDF's layout time for eight short « Bilan de l’existant » lists (bench/RESULTS.md, *Commands*,
4 December). Cut here by an estimate of each item's lines, the two columns are laid out once, as
two cells of a grid, which WeasyPrint still breaks across pages when a list is long."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import ceil, inf
from typing import Generic, TypeVar

Item = TypeVar("Item")

# Measured on the Sarthe roadmap's PDF (85 mm columns, 9 pt Marianne, the list's 5 mm indent):
# about 50 characters an item's line, 48 a 9.5 pt bold heading's; in lines of items, a heading's
# margin a quarter of a line, an item's a third, a group's half.
ITEM_CHARACTERS_PER_LINE = 50
HEADING_CHARACTERS_PER_LINE = 48
HEADING_GAP_LINES = 0.25
ITEM_GAP_LINES = 0.3
GROUP_GAP_LINES = 0.5


@dataclass
class Group(Generic[Item]):
    """Consecutive items under one heading (``""``: none); ``continued``: the heading's items
    began at the foot of the previous column."""

    heading: str
    items: list[Item] = field(default_factory=list)
    continued: bool = False


def lines_of(text: str, characters_per_line: int = ITEM_CHARACTERS_PER_LINE) -> int:
    """How many lines a text takes in a column, each of its own lines wrapped."""
    return max(1, sum(ceil(len(line) / characters_per_line) for line in text.splitlines()))


def _groups(items: Sequence[Item], heading_of: Callable[[Item], str]) -> list[Group]:
    groups: list[Group] = []
    for item in items:
        heading = heading_of(item)
        if not groups or groups[-1].heading != heading:
            groups.append(Group(heading))
        groups[-1].items.append(item)
    return groups


def _cut(items: Sequence[Item], at: int, heading_of: Callable[[Item], str]) -> tuple[list, list]:
    first, second = _groups(items[:at], heading_of), _groups(items[at:], heading_of)
    if first and second and second[0].heading and first[-1].heading == second[0].heading:
        second[0].continued = True
    return first, second


def _height(groups: list[Group], text_of: Callable[[Item], str]) -> float:
    """The column's estimated height, in lines."""
    height = 0.0
    for group in groups:
        height += GROUP_GAP_LINES
        if group.heading:
            height += lines_of(group.heading, HEADING_CHARACTERS_PER_LINE) + HEADING_GAP_LINES
        height += sum(lines_of(text_of(item)) + ITEM_GAP_LINES for item in group.items)
    return height


def two_columns(
    items: Sequence[Item], heading_of: Callable[[Item], str], text_of: Callable[[Item], str]
) -> tuple[list[Group], list[Group]]:
    """The items cut in two, in order, where the taller column is the shortest it can be (the
    first column the taller one on a tie); a heading whose items straddle the cut is written
    again, as continued, at the top of the second column. Items are never cut."""
    best_at, best_height = len(items), inf
    for at in range(len(items), -1, -1):
        taller = max(_height(column, text_of) for column in _cut(items, at, heading_of))
        if taller < best_height:
            best_at, best_height = at, taller
    return _cut(items, best_at, heading_of)
