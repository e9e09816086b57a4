from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "capsante.newsletters"
    label = "newsletters"
    verbose_name = "Animation : lettres d’information"

    def ready(self) -> None:
        # The events app below sends the signal; the newsletters take the address (events may
        # not import newsletters: docs/decisions/0001).
        from capsante.events.signals import address_confirmed  # lazy: apps not ready before

        from . import services  # lazy: models are loaded once the apps are ready

        def take(sender, registration, **kwargs) -> None:
            services.take_participant(registration)

        address_confirmed.connect(take, dispatch_uid="newsletters-take-participant", weak=False)
