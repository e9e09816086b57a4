from django.apps import AppConfig


class OfficialsConfig(AppConfig):
    name = "capsante.officials"
    label = "officials"
    verbose_name = "Élus locaux et contrats locaux de santé"

    def ready(self) -> None:
        # lazy: an app's models cannot be imported before apps are ready.
        from capsante.roadmaps import sections

        sections.register("officials", "capsante.officials.services.objective_section")
