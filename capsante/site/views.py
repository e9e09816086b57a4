from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from capsante.accounts import access
from capsante.directory.services import freshness_for_partner
from capsante.indicators import dashboards
from capsante.roadmaps import targets
from capsante.roadmaps.services import visible_roadmaps
from capsante.territories.models import Level, Territory, TerritoryLoad
from capsante.territories.services import home_region
from capsante.ui import page_cache
from capsante.ui.maps import MapShape, svg_map

from .inbox import inbox_for

OVERSEAS_PREFIX = "97"


@page_cache.for_visitors
def home(request):
    roadmaps = (
        visible_roadmaps(request.user).select_related("territory").order_by("territory__code")
    )
    with_roadmap = {r.territory_id: r for r in roadmaps}
    return render(
        request,
        "site/home.html",
        {
            "title": "Accueil",
            "roadmaps": roadmaps,
            # The outlines of 96 départements, drawn once for each set of roadmaps a reader sees.
            "map": page_cache.kept(
                "home-map", tuple(sorted(r.pk for r in roadmaps)), lambda: _map(with_roadmap)
            ),
            **_home_territory(request.user),
            "directory": freshness_for_partner(request.user),
        },
    )


def _map(with_roadmap: dict) -> str:
    """Metropolitan France's départements, those with a roadmap linked to it."""
    departements = Territory.objects.filter(level=Level.DEPARTEMENT).exclude(
        code__startswith=OVERSEAS_PREFIX
    )
    shapes = []
    for dep in departements.only("pk", "code", "name", "geometry"):
        roadmap = with_roadmap.get(dep.pk)
        shapes.append(
            MapShape(
                code=dep.code,
                name=dep.name,
                geometry=dep.geometry,
                url=reverse("roadmaps:detail", args=[roadmap.pk]) if roadmap else "",
                css_class="cap-map--active" if roadmap else "",
                title=f"{dep.name} ({dep.code}) : {roadmap.title}"
                if roadmap
                else f"{dep.name} ({dep.code})",
            )
        )
    return svg_map(shapes, width=560)


HOME_CARDS = 6


def _home_territory(user) -> dict:
    """A partner's home page starts from their own territory: its key figures beside its
    département's and région's, the roadmap that steers it, and what waits for them."""
    home = access.home_territory(user)
    if home is None:
        return {"home": None}
    cards = dashboards.territory_cards(home, user, compare=True)
    sections = dashboards.sections(home, cards, user)
    shown = [c for section in sections for c in section.cards if c.latest][:HOME_CARDS]
    roadmap = targets.roadmap_of(user, home)
    return {
        "home": home,
        "home_cards": shown,
        "home_roadmap": roadmap,
        "home_glance": targets.glance(roadmap, targets.roadmap_targets(roadmap))
        if roadmap
        else None,
        "home_tasks": inbox_for(user).count,
    }


def accessibility(request):
    return render(
        request,
        "site/accessibility.html",
        {
            "title": "Déclaration d’accessibilité",
            "breadcrumb": [("Accessibilité", None)],
        },
    )


def sources(request):
    # lazy: the imports' services load the connectors (Arrow…), which the home page never needs.
    from capsante.imports import services as imports

    return render(
        request,
        "site/sources.html",
        {
            "title": "Sources des données",
            "breadcrumb": [("Sources des données", None)],
            "territory_load": TerritoryLoad.objects.first(),
            "sources": imports.sources_in_use(),
            "region": home_region(),
        },
    )


@login_required
def inbox(request):
    """The person's tasks: what waits for them, wherever it is."""
    return render(
        request,
        "site/inbox.html",
        {
            "title": "Mes tâches",
            "inbox": inbox_for(request.user),
            "can_administer": access.can_administer(request.user),
            "breadcrumb": [("Mes tâches", None)],
        },
    )
