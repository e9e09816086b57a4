from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "capsante.events"
    label = "events"
    verbose_name = "Animation : événements"

    def ready(self) -> None:
        # lazy: an app's models cannot be imported before apps are ready.
        from capsante.roadmaps import sections

        sections.register("events", "capsante.events.counts.objective_section")

        # lazy: the same (the outbox's services read its models).
        from capsante.outbox.services import register_attachments

        register_attachments("capsante.events.registrations.mail_attachments")
