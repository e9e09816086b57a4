from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "capsante.campaigns"
    label = "campaigns"
    verbose_name = "Campagnes"
