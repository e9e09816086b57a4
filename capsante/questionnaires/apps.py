from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "capsante.questionnaires"
    label = "questionnaires"
    verbose_name = "Enquêtes : questionnaires"

    def ready(self) -> None:
        # lazy: the tasks register their job kind once the apps are ready.
        from . import tasks  # noqa: F401
