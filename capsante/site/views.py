from django.shortcuts import render
from django.urls import reverse

from capsante.directory.services import freshness_for_partner
from capsante.roadmaps.services import visible_roadmaps
from capsante.territories.models import Level, Territory, TerritoryLoad
from capsante.ui.maps import MapShape, svg_map

OVERSEAS_PREFIX = "97"


def home(request):
    roadmaps = (
        visible_roadmaps(request.user).select_related("territory").order_by("territory__code")
    )
    with_roadmap = {r.territory_id: r for r in roadmaps}
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
    return render(
        request,
        "site/home.html",
        {
            "title": "Accueil",
            "roadmaps": roadmaps,
            "map": svg_map(shapes, width=560),
            "directory": freshness_for_partner(request.user),
        },
    )


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

    return render(
        request,
        "site/sources.html",
        {
            "title": "Sources des données",
            "breadcrumb": [("Sources des données", None)],
            "territory_load": TerritoryLoad.objects.first(),
        },
    )
