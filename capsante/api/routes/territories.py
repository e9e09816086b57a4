from ninja import Path, Query, Router

from capsante.territories.models import Territory
from capsante.territories.services import within as within_territory

from .. import identity
from ..common import reads, territory_at, territory_from_ref, territory_ref
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, page, page_of
from ..schemas import CODE, TERRITORY_REF, TEXT, LevelChoice, TerritoryOut

router = Router(tags=["Territoires"], auth=identity.READ)


def territory_out(territory: Territory) -> dict:
    return {
        **territory_ref(territory),
        "parent": territory_ref(territory.parent),
        "epci": territory_ref(territory.epci),
        "population": territory.population,
        "population_vintage": territory.population_vintage,
        "latitude": territory.latitude,
        "longitude": territory.longitude,
    }


@router.get("/territories", response=reads(page_of(TerritoryOut)), summary="Territoires")
def territories(
    request,
    level: LevelChoice | None = None,
    within: str | None = Query(None, pattern=TERRITORY_REF, description="ex. departement:72"),
    q: str | None = Query(None, pattern=TEXT, max_length=100, description="Dans le nom"),
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Régions, départements, EPCI, communes et regroupements (codes officiels INSEE)."""
    rows = Territory.objects.select_related("parent", "epci").defer("geometry", "description")
    if level:
        rows = rows.filter(level=level)
    if within:
        rows = rows.filter(
            pk__in=within_territory(territory_from_ref(within, "within")).values("pk")
        )
    if q:
        rows = rows.filter(name__icontains=q)
    return page(rows, cursor, limit, territory_out)


@router.get("/territories/{level}/{code}", response=reads(TerritoryOut), summary="Un territoire")
def territory(request, level: LevelChoice, code: str = Path(..., pattern=CODE)):
    return territory_out(territory_at(level, code))
