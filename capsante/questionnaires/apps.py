from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "capsante.questionnaires"
    label = "questionnaires"
    verbose_name = "Enquêtes : questionnaires"
