from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_catalogue(sender, **kwargs) -> None:
    # The definition files are the catalogue: mirror them as soon as the tables exist, so that
    # indicator pages answer on a fresh install before any computation has run.
    # lazy: an app's models (used by its services) cannot be imported before apps are ready.
    from .services import sync_catalogue

    sync_catalogue()


class IndicatorsConfig(AppConfig):
    name = "capsante.indicators"
    label = "indicators"
    verbose_name = "Indicateurs et cibles"

    def ready(self) -> None:
        post_migrate.connect(_sync_catalogue, sender=self)
