from django.core.exceptions import ValidationError
from ninja import Path, Query, Router

from capsante.accounts import access
from capsante.roadmaps import services
from capsante.roadmaps.models import Action, Objective, Roadmap

from .. import identity
from ..common import reads, territory_from_ref, territory_ref, writes
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, page, page_of
from ..schemas import (
    MAX_ID,
    TERRITORY_REF,
    ActionOut,
    ActionPatch,
    ActionStatusChoice,
    ObjectiveOut,
    RoadmapDetailOut,
    RoadmapOut,
    RoadmapStatusChoice,
)

router = Router(tags=["Feuilles de route"], auth=identity.READ)
Id = Path(..., ge=1, le=MAX_ID)


def roadmap_out(roadmap: Roadmap) -> dict:
    return {
        "id": roadmap.pk,
        "territory": territory_ref(roadmap.territory),
        "title": roadmap.title,
        "period_start": roadmap.period_start,
        "period_end": roadmap.period_end,
        "status": roadmap.status,
        "introduction": roadmap.introduction,
        "source": roadmap.source,
        "partners": roadmap.partners,
    }


def action_out(action: Action) -> dict:
    return {
        "id": action.pk,
        "roadmap_id": action.objective.roadmap_id,
        "objective_id": action.objective_id,
        "group": action.group,
        "text": action.text,
        "owner": action.owner,
        "partners": action.partners,
        "status": action.status,
        "status_label": action.get_status_display(),
        "start_date": action.start_date,
        "due_date": action.due_date,
        "progress": action.progress,
        "note": action.note,
    }


def _fields(rows, *names) -> list[dict]:
    return [{name: getattr(row, name) for name in names} for row in rows]


def objective_out(objective: Objective, number: int) -> dict:
    return {
        "id": objective.pk,
        "number": number,
        "title": objective.title,
        "priority": objective.priority,
        "priority_detail": objective.priority_detail,
        "actions": [action_out(a) for a in objective.actions.all()],
        "assessment": _fields(objective.assessment.all(), "group", "text"),
        "key_figures": _fields(
            objective.key_figures.all(),
            *("kind", "value", "unit", "label", "as_of", "source", "scope", "indicator"),
        ),
        "testimonies": _fields(
            objective.testimonies.all(), "quote", "author", "role", "organisation"
        ),
        "useful_links": _fields(objective.useful_links.all(), "label", "url", "description"),
        "event_highlights": _fields(
            objective.event_highlights.all(), "name", "date", "description", "figures"
        ),
    }


@router.get("/roadmaps", response=reads(page_of(RoadmapOut)), summary="Feuilles de route")
def roadmaps(
    request,
    territory: str | None = Query(None, pattern=TERRITORY_REF, description="ex. departement:72"),
    status: RoadmapStatusChoice | None = None,
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Les feuilles de route publiées ; pour les partenaires, aussi les brouillons de leur
    périmètre."""
    rows = services.visible_roadmaps(request.auth).select_related("territory")
    if territory:
        rows = rows.filter(territory=territory_from_ref(territory, "territory"))
    if status:
        rows = rows.filter(status=status)
    return page(rows, cursor, limit, roadmap_out)


@router.get(
    "/roadmaps/{roadmap_id}", response=reads(RoadmapDetailOut), summary="Une feuille de route"
)
def roadmap(request, roadmap_id: int = Id):
    found = services.roadmap_for_user(request.auth, pk=roadmap_id)
    objectives = list(found.objectives.all())
    return {
        **roadmap_out(found),
        "priorities": _fields(found.priorities.all(), "text", "due_date"),
        "objectives": [
            {"id": o.pk, "number": n, "title": o.title, "priority": o.priority}
            for n, o in enumerate(objectives, 1)
        ],
        "glossary": _fields(found.glossary.all(), "acronym", "expansion", "link"),
    }


@router.get(
    "/roadmaps/{roadmap_id}/objectives",
    response=reads(list[ObjectiveOut]),
    summary="Objectifs d'une feuille de route, avec leurs actions",
)
def objectives(request, roadmap_id: int = Id):
    found = services.roadmap_for_user(request.auth, pk=roadmap_id)
    rows = found.objectives.prefetch_related(
        "actions__objective",
        "assessment",
        "key_figures",
        "testimonies",
        "useful_links",
        "event_highlights",
    )
    return [objective_out(o, n) for n, o in enumerate(rows, 1)]


@router.get("/actions", response=reads(page_of(ActionOut)), summary="Actions")
def actions(
    request,
    roadmap: int | None = Query(None, ge=1, le=MAX_ID),
    territory: str | None = Query(None, pattern=TERRITORY_REF, description="ex. departement:72"),
    status: ActionStatusChoice | None = None,
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Les actions des feuilles de route lisibles, avec leur statut et leur avancement."""
    rows = Action.objects.select_related("objective").filter(
        objective__roadmap__in=services.visible_roadmaps(request.auth)
    )
    if roadmap:
        rows = rows.filter(objective__roadmap_id=roadmap)
    if territory:
        rows = rows.filter(objective__roadmap__territory=territory_from_ref(territory, "territory"))
    if status:
        rows = rows.filter(status=status)
    return page(rows, cursor, limit, action_out)


@router.get("/actions/{action_id}", response=reads(ActionOut), summary="Une action")
def action(request, action_id: int = Id):
    found = (
        Action.objects.select_related("objective")
        .filter(pk=action_id, objective__roadmap__in=services.visible_roadmaps(request.auth))
        .first()
    )
    if found is None:
        raise access.not_found("Action introuvable.")
    return action_out(found)


@router.patch(
    "/actions/{action_id}",
    response=writes(ActionOut),
    auth=identity.WRITE,
    summary="Mettre à jour une action (statut, avancement, note)",
)
def update_action(request, payload: ActionPatch, action_id: int = Id):
    """Éditeurs et administrateurs régionaux du territoire de la feuille de route."""
    found = services.action_for_editor(request.auth, action_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    if not changes:
        raise ValidationError("Indiquez au moins un champ à changer : status, progress ou note.")
    return action_out(services.update_action(found, changes))
