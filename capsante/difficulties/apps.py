from django.apps import AppConfig


class DifficultiesConfig(AppConfig):
    name = "capsante.difficulties"
    label = "difficulties"
    verbose_name = "Remontées terrain"

    def ready(self) -> None:
        # lazy: an app's models cannot be imported before apps are ready.
        from capsante.roadmaps import sections

        sections.register("difficulties", "capsante.difficulties.stats.objective_section")
