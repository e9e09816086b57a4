from django.apps import AppConfig


class OfficialsConfig(AppConfig):
    name = "capsante.officials"
    label = "officials"
    verbose_name = "Élus locaux et contrats locaux de santé"
