from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "capsante.core"
    label = "core"
    verbose_name = "Socle"
