from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "capsante.territories"
    label = "territories"
    verbose_name = "Territoires"
