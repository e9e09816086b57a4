"""Targets the indicator catalogue sets for a roadmap's objective, linked to that objective.

A definition's target reference may name the objective it serves (`objective: 3` beside
`roadmap: sarthe-2025-2026`): the Sarthe's « every signed CLS with its e-health part by the end
of 2026 » is the priority of its objective 3. Without the link the roadmap's document and
dashboard listed the target with « Objectif servi : — » (review of 7 December). The link is
made once, by whichever comes second: the target, created by the catalogue's sync once its
territory exists (`indicators.signals.target_from_catalogue`), or the roadmap, imported from its
file. An editor may change it afterwards on the target's page: nothing links it again then.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from capsante.indicators.models import Target

from .models import Roadmap

if TYPE_CHECKING:
    from capsante.engine import Reference


def _objective_references(indicator_code: str | None = None) -> Iterator[tuple[str, Reference]]:
    # The catalogue's services import the engine (sqlglot, Arrow), which starting Django must
    # not (tests/test_startup.py), and this module is imported by the app's start-up hook.
    # lazy: the engine, only when a target is linked
    from capsante.indicators import services as indicator_services

    for code, definition in indicator_services.definitions().items():
        if indicator_code is not None and code != indicator_code:
            continue
        for reference in definition.references:
            if reference.type == "target" and reference.objective:
                yield code, reference


def _link(roadmap: Roadmap, number: int, target: Target) -> bool:
    objectives = list(roadmap.objectives.all())
    if not 1 <= number <= len(objectives):
        return False  # the roadmap has fewer objectives: nothing to guess
    objectives[number - 1].targets.add(target)
    return True


def link_roadmap(roadmap: Roadmap) -> int:
    """The catalogue's targets that name one of the roadmap's objectives, linked to it (a
    roadmap just imported); how many."""
    linked = 0
    for code, reference in _objective_references():
        if reference.roadmap != roadmap.slug:
            continue
        target = Target.objects.filter(
            indicator__code=code,
            territory__level=reference.territory_level,
            territory__code=reference.territory_code,
        ).first()
        if target is not None and _link(roadmap, reference.objective, target):
            linked += 1
    return linked


def link_target(sender, target: Target, reference: Reference, **kwargs) -> None:
    """A target the catalogue has just created, linked to the objective its reference names
    when that roadmap is there."""
    if not reference.objective:
        return
    for roadmap in Roadmap.objects.select_related("territory"):
        if roadmap.slug == reference.roadmap:
            _link(roadmap, reference.objective, target)
