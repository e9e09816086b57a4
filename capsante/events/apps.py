from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "capsante.events"
    label = "events"
    verbose_name = "Animation : événements"

    def ready(self) -> None:
        # lazy: an app's models (used by the section) cannot be imported before apps are ready.
        from capsante.roadmaps import sections

        # lazy: the same (counts reads the events' models).
        from .counts import objective_section

        sections.register("events", objective_section)
