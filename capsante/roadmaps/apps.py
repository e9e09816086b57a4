from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    name = "capsante.roadmaps"
    label = "roadmaps"
    verbose_name = "Feuilles de route"
