"""Sections that the apps above roadmaps add to an objective's page.

Roadmaps sit below the domains that serve their objectives (events, and others to come): they
may not import them. A domain registers here, once its app is ready, a function that returns
the template and context of its section for one objective and one reader (or None to show
nothing); the objective page renders them in order. See docs/decisions/0014.

The function is registered by its dotted path and imported when an objective page first asks
for it: imported at start-up, the domains' services (and the libraries they read data with)
would delay every command, `capsante indicators show` included (bench/RESULTS.md, *Commands*).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from capsante.ui.hooks import Hooks

from .models import Objective


@dataclass(frozen=True)
class Section:
    template: str
    context: dict[str, Any]


SectionBuilder = Callable[[Any, Objective], Section | None]
_BUILDERS = Hooks("sections of the objective page")


def register(name: str, build: str) -> None:
    """Add (or replace, by name) a section of the objective page: `build` is the dotted path of
    a `SectionBuilder`."""
    _BUILDERS.register(build, name=name)


def builders() -> list[SectionBuilder]:
    """The registered section builders, imported, in their order of registration."""
    return _BUILDERS.functions()


def for_objective(user, objective: Objective) -> list[Section]:
    return [s for build in builders() if (s := build(user, objective)) is not None]
