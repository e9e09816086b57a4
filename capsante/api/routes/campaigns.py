from ninja import Path, Query, Router

from capsante.campaigns import services
from capsante.campaigns.models import Campaign, FollowUp

from .. import identity
from ..common import bad_input, reads, territory_ref, writes
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, page, page_of
from ..schemas import CampaignOut, FollowUpOut, MoveIn

router = Router(tags=["Campagnes"], auth=identity.READ)
Slug = Path(..., pattern=r"^[-a-zA-Z0-9_]{1,60}$")
Finess = Path(..., pattern=r"^[0-9AB]{9}$", description="N° FINESS de l'établissement")


def campaign_out(user, campaign: Campaign) -> dict:
    stages = list(campaign.stages.all())
    funnel = None
    if services.figures_disclosed(user, campaign):
        # Counts over the whole campaign: aggregates only, no establishment named.
        funnel = [
            {
                "order": c.stage.order,
                "code": c.stage.code,
                "label": c.stage.label,
                "count": c.count,
                "at_or_past": c.at_or_past,
                "total": c.total,
            }
            for c in services.funnel(campaign, campaign.followups.all())
        ]
    return {
        "slug": campaign.slug,
        "name": campaign.name,
        "description": campaign.description,
        "territory": territory_ref(campaign.territory),
        "owner": campaign.owner.name if campaign.owner else None,
        "started_on": campaign.started_on,
        "deadline": campaign.deadline,
        "deadline_label": campaign.deadline_label,
        "indicator_codes": campaign.indicator_codes or [],
        "stages": [{"order": s.order, "code": s.code, "label": s.label} for s in stages],
        "funnel": funnel,
    }


def followup_out(followup: FollowUp) -> dict:
    establishment = followup.establishment
    return {
        "finess": establishment.finess_et,
        "name": establishment.name,
        "category": establishment.category_group or establishment.category_code,
        "commune": territory_ref(establishment.commune),
        "stage": followup.stage.code,
        "stage_label": followup.stage.label,
        "has_mss": followup.has_mss,
        "deadline": followup.deadline,
        "changed_at": followup.changed_at,
        "last_contact_at": followup.last_contact_at,
    }


@router.get("/campaigns", response=reads(page_of(CampaignOut)), summary="Campagnes")
def campaigns(
    request,
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Les campagnes et leurs effectifs par étape (chiffres agrégés, publics à l'échelle du
    département et de la région)."""
    rows = services.campaigns_readable(request.auth).prefetch_related("stages")
    return page(rows, cursor, limit, lambda c: campaign_out(request.auth, c))


@router.get("/campaigns/{slug}", response=reads(CampaignOut), summary="Une campagne")
def campaign(request, slug: str = Slug):
    return campaign_out(request.auth, services.campaign_readable(request.auth, slug))


@router.get(
    "/campaigns/{slug}/followups",
    response=reads(page_of(FollowUpOut)),
    auth=identity.WRITE,
    summary="Structures suivies dans le périmètre (partenaires)",
)
def followups(
    request,
    slug: str = Slug,
    stage: str | None = Query(None, pattern=r"^[-a-zA-Z0-9_]{1,40}$"),
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    found = services.campaign_for_user(request.auth, slug)
    rows = services.followups_for_user(request.auth, found).select_related(
        "establishment__commune", "stage"
    )
    if stage:
        rows = rows.filter(stage__code=stage)
    return page(rows, cursor, limit, followup_out)


@router.post(
    "/campaigns/{slug}/followups/{finess}/stage",
    response=writes(FollowUpOut),
    auth=identity.WRITE,
    summary="Faire passer une structure à une étape",
)
def move(request, payload: MoveIn, slug: str = Slug, finess: str = Finess):
    """Contributeurs, éditeurs et administrateurs dont le périmètre contient la structure."""
    found = services.campaign_for_user(request.auth, slug)
    followup = services.followup_for_contributor(request.auth, found, finess)
    stage = found.stages.filter(code=payload.stage).first()
    if stage is None:
        codes = ", ".join(found.stages.values_list("code", flat=True))
        raise bad_input("body", "stage", f"étape inconnue dans cette campagne (étapes : {codes})")
    services.move(followup, stage, request.auth, payload.evidence, payload.note)
    return followup_out(followup)
