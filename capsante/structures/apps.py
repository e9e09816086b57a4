from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "capsante.structures"
    label = "structures"
    verbose_name = "Structures"
