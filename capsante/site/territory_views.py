from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from capsante.accounts import access
from capsante.roadmaps.services import visible_roadmaps
from capsante.territories import services
from capsante.territories.models import Level, Territory
from capsante.ui import page_cache
from capsante.ui.formats import plural, sort_key
from capsante.ui.maps import MapShape, svg_map

SHOWN_RESULTS = 50


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    results, total = services.search(query, limit=SHOWN_RESULTS) if query else ([], 0)
    departements = Territory.objects.filter(level=Level.DEPARTEMENT).order_by("code")
    return render(
        request,
        "territories/search.html",
        {
            "title": "Territoires",
            "query": query,
            "results": results,
            "total": total,
            "departements": departements,
            "breadcrumb": [("Territoires", None)],
        },
    )


@page_cache.for_visitors
def detail(request, level: str, code: str):
    territory = get_object_or_404(
        Territory.objects.select_related("parent", "epci"), level=level, code=code
    )
    communes = services.communes_of(territory)
    epcis = []
    if territory.level in (Level.DEPARTEMENT, Level.REGION):
        epcis = sorted(
            Territory.objects.filter(level=Level.EPCI, member_communes__in=communes)
            .annotate(n=Count("member_communes", filter=Q(member_communes__in=communes)))
            .distinct(),
            key=lambda t: sort_key(t.name),
        )
    children = territory.children.order_by("code") if territory.level == Level.REGION else []
    roadmaps = visible_roadmaps(request.user).filter(territory=territory)
    enclosing = services.ancestors(territory)
    # Le Mans has no roadmap of its own: the Sarthe's covers it.
    covering = (
        visible_roadmaps(request.user).filter(territory__in=enclosing).select_related("territory")
    )
    shapes = []
    if territory.level in (Level.DEPARTEMENT, Level.EPCI, Level.GROUPING):
        for commune in communes.only("code", "name", "geometry", "population"):
            shapes.append(
                MapShape(
                    commune.code,
                    commune.name,
                    commune.geometry,
                    title=f"{commune.name} ({commune.code}) : "
                    f"{plural(commune.population or 0, 'habitant')}",
                )
            )
    elif territory.level == Level.REGION:
        for dep in children:
            shapes.append(
                MapShape(
                    dep.code,
                    dep.name,
                    dep.geometry,
                    url=reverse("territories:detail", args=[dep.level, dep.code]),
                    title=f"{dep.name} ({dep.code})",
                )
            )
    elif territory.geometry:
        shapes.append(
            MapShape(
                territory.code, territory.name, territory.geometry, css_class="cap-map--highlight"
            )
        )
    breadcrumb = [
        (a.name, reverse("territories:detail", args=[a.level, a.code]))
        for a in reversed(services.ancestors(territory))
        if a.level != Level.EPCI
    ]
    return render(
        request,
        "territories/detail.html",
        {
            "title": territory.name,
            "territory": territory,
            "population": services.population(territory),
            "commune_count": communes.count(),
            "epcis": epcis,
            "children": children,
            "roadmaps": roadmaps,
            "covering": covering,
            "map": svg_map(shapes, width=520) if shapes else None,
            "ancestors": services.ancestors(territory),
            "officials_url": _officials_url(request.user, territory),
            "breadcrumb": [
                ("Territoires", reverse("territories:search")),
                *breadcrumb,
                (territory.name, None),
            ],
        },
    )


def _officials_url(user, territory: Territory) -> str | None:
    """For partners whose scope overlaps it: an EPCI's page of officials, CLS and events; for a
    département or a région, the list of the CLS."""
    if not access.is_partner(user) or not access.overlaps(user, territory):
        return None
    if territory.level == Level.EPCI:
        return reverse("officials:epci", args=[territory.code])
    if territory.level in (Level.DEPARTEMENT, Level.REGION):
        return reverse("officials:contracts")
    return None
