from django.apps import AppConfig


class CommitteesConfig(AppConfig):
    name = "capsante.committees"
    label = "committees"
    verbose_name = "Comités"
