from django.apps import AppConfig


class DifficultiesConfig(AppConfig):
    name = "capsante.difficulties"
    label = "difficulties"
    verbose_name = "Remontées terrain"

    def ready(self) -> None:
        # lazy: an app's models (used by the section) cannot be imported before apps are ready.
        from capsante.roadmaps import sections

        # lazy: the same (stats reads the difficulties' models).
        from .stats import objective_section

        sections.register("difficulties", objective_section)
