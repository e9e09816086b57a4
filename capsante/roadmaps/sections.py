"""Sections that the apps above roadmaps add to an objective's page.

Roadmaps sit below the domains that serve their objectives (events, and others to come): they
may not import them. A domain registers here, once its app is ready, a function that returns
the template and context of its section for one objective and one reader (or None to show
nothing); the objective page renders them in order. See docs/decisions/0014.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import Objective


@dataclass(frozen=True)
class Section:
    template: str
    context: dict[str, Any]


SectionBuilder = Callable[[Any, Objective], Section | None]
_BUILDERS: dict[str, SectionBuilder] = {}


def register(name: str, build: SectionBuilder) -> None:
    """Add (or replace, by name) a section of the objective page."""
    _BUILDERS[name] = build


def for_objective(user, objective: Objective) -> list[Section]:
    return [s for build in _BUILDERS.values() if (s := build(user, objective)) is not None]
