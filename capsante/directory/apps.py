from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "capsante.directory"
    label = "directory"
    verbose_name = "Annuaire des ressources"
