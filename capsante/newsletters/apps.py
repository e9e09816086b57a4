from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "capsante.newsletters"
    label = "newsletters"
    verbose_name = "Animation : lettres d’information"
