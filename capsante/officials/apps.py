from django.apps import AppConfig


class OfficialsConfig(AppConfig):
    name = "capsante.officials"
    label = "officials"
    verbose_name = "Élus locaux et contrats locaux de santé"

    def ready(self) -> None:
        # lazy: an app's models (used by the section) cannot be imported before apps are ready.
        from capsante.roadmaps import sections

        # lazy: the same (services reads the contracts' models).
        from .services import objective_section

        sections.register("officials", objective_section)
