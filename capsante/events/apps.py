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

        # lazy: the same (the outbox's hook reads the events' invitations).
        from capsante.outbox.services import register_attachments

        # lazy: the same (registrations reads the events' models).
        from .registrations import mail_attachments

        register_attachments(mail_attachments)
