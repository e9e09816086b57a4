"""Campaign work in the background: the indicators refreshed after follow-ups move."""

from capsante.jobs import services as jobs

from . import services
from .models import Campaign


@jobs.job_task("campaign")
def refresh_campaign(campaign_id: int) -> str:
    campaign = Campaign.objects.get(pk=campaign_id)
    services.refresh_indicators(campaign)
    return f"Indicateurs de la campagne « {campaign.name} » mis à jour."


jobs.register_kind(jobs.Kind("campaign", "Campagne : mise à jour des indicateurs"))
