from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "capsante.sources"
    label = "sources"
    verbose_name = "Sources de données"
